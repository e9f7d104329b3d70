"""Issue 10, start-up: a run imports what it needs, when it needs it.

``myst2qmd --help`` and a ``--engine none`` conversion never load a translation engine (nor the
HTTP, DeepL or llama.cpp clients behind them): each runs in a process of its own, and a small
runner reports the modules that process loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: runs the command line as ``python -m myst2qmd`` does, then prints the loaded modules as JSON
RUNNER = """
import json, runpy, sys
sys.argv = ["myst2qmd", *sys.argv[1:]]
try:
    runpy.run_module("myst2qmd", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.__stderr__.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""

#: what no run without translation may load
ENGINE_MODULES = ("myst2qmd.translate.engines", "openai", "httpx", "llama_cpp", "deepl")


def loaded_modules(*args: str, cwd: Path) -> tuple[int, list[str]]:
    env = {**os.environ, "MYST2QMD_ENGINE": "none"}
    run = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    marker = run.stderr.rpartition("\nMODULES ")
    assert marker[1], run.stderr
    return run.returncode, json.loads(marker[2])


def engine_modules(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == e or m.startswith(e + ".") for e in ENGINE_MODULES)]


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["convert", "--help"],
        ["convert", "kapitel.md", "-o", "kapitel.qmd", "--engine", "none"],
        ["convert", "buch", "-o", "out", "--engine", "none", "-q"],
    ],
    ids=["help", "convert-help", "file-engine-none", "book-engine-none"],
)
def test_no_translation_engine_is_imported(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "kapitel.md").write_text("# Kapitel\n\n```{note}\nHallo {math}`x`.\n```\n", encoding="utf-8")
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n", encoding="utf-8")
    (book / "intro.md").write_text("# Einleitung\n\nText.\n", encoding="utf-8")
    code, modules = loaded_modules(*args, cwd=tmp_path)
    assert code == 0
    assert "myst2qmd" in modules
    assert engine_modules(modules) == []
    if "--help" in args:  # a help text needs neither the parser nor the converter
        assert "markdown_it" not in modules and "myst2qmd.convert" not in modules
        assert "yaml" not in modules  # nor YAML (the project file of a single file run)
    # nothing is translated: no glossary (its file, or the built-in one); no TOML file, no TOML parser
    assert [m for m in modules if m in ("myst2qmd.translate.glossary", "tomllib", "tomli")] == []


def test_the_runner_sees_an_engine_when_one_runs(tmp_path: Path) -> None:
    (tmp_path / "kapitel.md").write_text("Hallo Welt.\n", encoding="utf-8")
    code, modules = loaded_modules("convert", "kapitel.md", "-o", "-", "--engine", "pseudo", "-q", cwd=tmp_path)
    assert code == 0
    assert "myst2qmd.translate.engines.pseudo" in engine_modules(modules)
