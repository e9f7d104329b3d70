"""Issue 18 item 14: inputs that are too deep, too large or not files at all end in one clear
message (exit 2, naming the file), never a RecursionError, a hang or a MemoryError.

A toc nested 150 deep is read (the line-tracking YAML loader does not recurse per level); YAML
aliases that expand past a bound (a "billion laughs" in ``myst_substitutions``, a glossary, front
matter) are refused; a FIFO or ``/dev/zero`` as input, ``--macros`` or ``--glossary`` is refused
before it is read. Every reader loads YAML through :func:`myst2qmd.yamlload.load_yaml`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cli_run import run_cli
from myst2qmd import application, cli
from myst2qmd.yamlload import YamlRefused, load_yaml

SRC = Path(__file__).resolve().parent.parent / "src" / "myst2qmd"

#: ten lists of ten aliases of the list before: 10**10 nodes when expanded, 110 bytes a line
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]\n" for n in range(9)
)


def deep_toc(folder: Path, depth: int) -> Path:
    """A book whose toc nests each chapter in the sections of the one before, ``depth`` deep."""
    folder.mkdir()
    lines, indent = ["format: jb-book", "root: intro", "chapters:"], ""
    for n in range(depth):
        lines.append(f"{indent}- file: c{n}")
        (folder / f"c{n}.md").write_text(f"# Kapitel {n}\n", encoding="utf-8")
        if n < depth - 1:
            lines.append(f"{indent}  sections:")
            indent += "  "
    (folder / "_toc.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "intro.md").write_text("# Einleitung\n", encoding="utf-8")
    return folder


def test_a_toc_nested_150_deep_is_read(tmp_path: Path) -> None:
    book = deep_toc(tmp_path / "buch", 150)
    run = run_cli("convert", str(book), "-o", str(tmp_path / "out"), "-q")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "c149.qmd").is_file()
    assert "c149.qmd" in (tmp_path / "out" / "_quarto.yml").read_text(encoding="utf-8")


def test_a_toc_nested_past_the_bound_is_refused(tmp_path: Path) -> None:
    book = deep_toc(tmp_path / "buch", 600)
    run = run_cli("convert", str(book), "-o", str(tmp_path / "out"), "-q")
    assert run.returncode == 2
    assert "_toc.yml: not read: nested deeper than 1000 levels" in run.stderr
    assert not (tmp_path / "out").exists()


def test_the_loader_keeps_lines_without_recursing_per_level() -> None:
    text = "a: " + "[" * 900 + "]" * 900
    data = load_yaml(text, lines=True)
    depth = 0
    item = data["a"]
    while item:
        item, depth = item[0], depth + 1
    assert depth == 899 and data.line == 1


def test_aliases_that_expand_too_far_are_refused_quickly() -> None:
    with pytest.raises(YamlRefused, match="aliases expand it past 1,000,000 nodes"):
        load_yaml(BOMB)
    with pytest.raises(YamlRefused, match="alias to the node it is in"):
        load_yaml("a: &a [1, *a]")
    assert load_yaml("a: &a [1, 2]\nb: [*a, *a]") == {"a": [1, 2], "b": [[1, 2], [1, 2]]}  # aliases as such are fine


def test_an_alias_bomb_in_myst_substitutions_exits_2(tmp_path: Path) -> None:
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n", encoding="utf-8")
    subs = "".join(f"    {line}\n" for line in BOMB.splitlines())
    (book / "_config.yml").write_text(f"parse:\n  myst_substitutions:\n{subs}", encoding="utf-8")
    (book / "intro.md").write_text("# Einleitung {{ a }}\n", encoding="utf-8")
    run = run_cli("convert", str(book), "-o", str(tmp_path / "out"), "-q", timeout=120)
    assert run.returncode == 2
    assert f"{book / '_config.yml'}: not read: aliases expand it past" in run.stderr


def test_an_alias_bomb_in_a_glossary_exits_2(tmp_path: Path) -> None:
    (tmp_path / "g.yml").write_text(BOMB, encoding="utf-8")
    (tmp_path / "k.md").write_text("# Hallo\n", encoding="utf-8")
    run = run_cli("convert", str(tmp_path / "k.md"), "--glossary", str(tmp_path / "g.yml"), "--engine", "pseudo")
    assert run.returncode == 2 and "glossary" in run.stderr and "aliases expand it past" in run.stderr


def test_an_alias_bomb_in_front_matter_is_warned_and_not_given_to_pandoc(tmp_path: Path) -> None:
    page = tmp_path / "k.md"
    page.write_text("---\n" + BOMB + "---\n# Hallo\n", encoding="utf-8")
    run = run_cli("convert", str(page), "-o", str(tmp_path / "k.qmd"), timeout=120)
    assert run.returncode == 0 and "[frontmatter-invalid]" in run.stderr and "aliases expand" in run.stderr
    check = run_cli("check", str(page), timeout=120)  # pandoc itself would expand the aliases for ever
    assert "front matter not read (aliases expand it past" in check.stderr + check.stdout


def not_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    return {"fifo": fifo, "zero": Path("/dev/zero")}


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs FIFOs and /dev/zero")
@pytest.mark.parametrize("kind", ["fifo", "zero"])
@pytest.mark.parametrize("flag", ["input", "--macros", "--glossary"])
def test_a_fifo_or_device_is_refused_before_it_is_read(tmp_path: Path, kind: str, flag: str) -> None:
    bad = not_files(tmp_path)[kind]
    page = tmp_path / "k.md"
    page.write_text("# Hallo\n", encoding="utf-8")
    args = [str(bad), "-o", str(tmp_path / "k.qmd")] if flag == "input" else [str(page), flag, str(bad)]
    run = run_cli("convert", *args, timeout=180)  # before: a FIFO waited for a writer, /dev/zero filled the memory
    assert run.returncode == 2, run.stderr
    assert str(bad) in run.stderr and "not a regular file" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


def test_an_input_past_the_size_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "k.md"
    page.write_text("# Hallo\n\nEin Absatz.\n", encoding="utf-8")
    monkeypatch.setattr(application.common, "MAX_TEXT_BYTES", 10)
    assert cli.main(["convert", str(page), "-q"]) == 2
    assert f"{page}: cannot read (larger than 10 bytes; not read)" in capsys.readouterr().err


def test_every_yaml_load_goes_through_the_one_loader() -> None:
    loads = re.compile(r"\byaml\.(?:safe_load|load|full_load|unsafe_load|load_all|safe_load_all)\(")
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "yamlload.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if loads.search(line)
    ]
    assert found == []
