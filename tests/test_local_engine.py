"""The embedded ``local`` engine: the packaged Gemma 3 270M inside llama.cpp, in this process.

A real model on real German text: it must translate (not only answer), keep every protected
span, and leave the document's structure as the untranslated conversion has it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from myst2qmd import convert_text
from myst2qmd.segments import extract_segments
from myst2qmd.translate.engines.base import Request, Unit
from myst2qmd.translate.engines.local import FEW_SHOT, build_prompt, without_added_period
from myst2qmd.translate.language import detect
from myst2qmd.translate.sentences import split_sentences
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
    counted = re.search(r"segments sent: (\d+) translated", run.stderr)
    assert counted is not None and int(counted.group(1)) >= 2, run.stderr
    english = english_segments(plain, translated)
    assert english, f"no segment came back in English:\n{translated}\n{run.stderr}"


# -- the prompt (no model needed) -------------------------------------------------------------

REFERENCE_SET = Path(__file__).parent / "data" / "chrf_reference.jsonl"


def reference_sentences() -> list[str]:
    """The German sentence units of the chrF reference set, as the local engine receives them."""
    sentences = []
    for line in REFERENCE_SET.read_text(encoding="utf-8").splitlines():
        qmd = convert_text(json.loads(line)["source"]).text
        for segment in extract_segments(qmd):
            if segment.has_prose:
                sentences += split_sentences(segment.masked()[0])
    return sentences


def test_glossary_terms_reach_the_prompt_after_the_fixed_prefix() -> None:
    plain = build_prompt(Unit("1", "Die Faltung ⟨1⟩ verkleinert das Bild."), Request())
    with_terms = build_prompt(
        Unit("1", "Die Faltung ⟨1⟩ verkleinert das Bild.", (("Faltung", "convolution"),)), Request()
    )
    assert (
        "German: Faltung\nEnglish: convolution\n\nGerman: Die Faltung ⟨1⟩ verkleinert das Bild.\nEnglish:" in with_terms
    )
    # everything before the glossary is shared: llama.cpp reuses its evaluation of that prefix
    prefix = plain.rsplit("German: ", 1)[0]
    assert with_terms.startswith(prefix)
    assert plain.endswith("German: Die Faltung ⟨1⟩ verkleinert das Bild.\nEnglish:")


def test_few_shot_examples_are_not_taken_from_the_reference_set() -> None:
    sentences = reference_sentences()
    assert len(sentences) >= 50
    assert sum("⟨" in german for german, _ in FEW_SHOT) >= len(FEW_SHOT) // 2  # placeholders, as real notes have
    for german, _ in FEW_SHOT:
        for sentence in sentences:
            assert german not in sentence and sentence not in german, (german, sentence)


def test_the_reference_set_cites_where_each_item_comes_from() -> None:
    corpus = Path(os.environ.get("MYST2QMD_SHARED", "/work/shared")) / "corpus"
    root = Path(__file__).parent.parent
    for line in REFERENCE_SET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        path, number = item["origin"].rsplit(":", 1)
        source = root / path if path.startswith("examples/") else corpus / path
        if not source.exists():
            continue  # the shared corpus is not on every machine
        quoted = source.read_text(encoding="utf-8").splitlines()[int(number) - 1]
        first_words = " ".join(item["source"].lstrip("#-0123456789. ").split()[:3])
        assert first_words in quoted, item["origin"]
        assert item["reference"].strip() and item["reference"] != item["source"]


@pytest.mark.parametrize(
    ("source", "reply", "expected"),
    [
        ("Zusammenfassung und Ausblick", "Summary and outlook.", "Summary and outlook"),
        ("Jede Variable ist eine Spalte", "Each variable is a column.", "Each variable is a column"),
        ("Das ist ⟨1⟩.", "This is ⟨1⟩.", "This is ⟨1⟩."),
        ("Warum?", "Why?", "Why?"),
        ("Und so weiter …", "And so on...", "And so on..."),
    ],
)
def test_a_period_the_model_added_is_dropped(source: str, reply: str, expected: str) -> None:
    assert without_added_period(source, reply) == expected


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Nach Hollander et al. (2019) gilt das. Dann folgt ⟨1⟩.",
            ["Nach Hollander et al. (2019) gilt das.", "Dann folgt ⟨1⟩."],
        ),
        ("Das ist ⟨1⟩. Z.B. hier! Und dort.", ["Das ist ⟨1⟩.", "Z.B. hier!", "Und dort."]),
        ("Dazu wird u. a. ein Modell gebaut. Fertig.", ["Dazu wird u. a. ein Modell gebaut.", "Fertig."]),
    ],
)
def test_sentence_units(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences
