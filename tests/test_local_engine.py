"""The embedded ``local`` engine: the packaged Gemma 3 270M inside llama.cpp, in this process.

A real model on real German text: it must translate (not only answer), keep every protected
span, and leave the document's structure as the untranslated conversion has it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from myst2qmd import convert_text
from myst2qmd.segments import extract_segments
from myst2qmd.translate.language import detect
from quarto_ast import assert_protected_spans_kept, summarize

FIXTURE = Path(__file__).parent / "fixtures" / "german" / "kurz.md"

pytest.importorskip("llama_cpp", reason="the local engine is installed with myst2qmd[local]")


def english_segments(plain: str, translated: str) -> list[str]:
    """Segments whose text changed from the German conversion and now read as English."""
    before = {(s.kind, s.line): s for s in extract_segments(plain)}
    out = []
    for segment in extract_segments(translated):
        original = before.get((segment.kind, segment.line))
        if original is None or segment.text == original.text or not segment.has_prose:
            continue
        if detect(segment.masked()[0], ("de", "en"))[0] == "en":
            out.append(segment.text)
    return out


def test_local_engine_translates_and_keeps_the_structure(tmp_path: Path) -> None:
    out = tmp_path / "kurz.qmd"
    env = dict(os.environ, MYST2QMD_CACHE_DIR=str(tmp_path / "cache"))
    run = subprocess.run(
        [sys.executable, "-m", "myst2qmd", "convert", str(FIXTURE), "-o", str(out), "--engine", "local"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    translated = out.read_text(encoding="utf-8")
    plain = convert_text(FIXTURE.read_text(encoding="utf-8")).text
    # protected spans are intact, whatever the small model made of the prose
    assert_protected_spans_kept(plain, translated)
    assert summarize(translated).figures == ["fig-filter"]
    counted = re.search(r"(\d+) segments translated, ", run.stderr)
    assert counted is not None and int(counted.group(1)) >= 2, run.stderr
    english = english_segments(plain, translated)
    assert english, f"no segment came back in English:\n{translated}\n{run.stderr}"
