"""The translation pipeline, with the pseudo engine and a fault-injecting OpenAI-compatible server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import run_cli
from fake_openai import FakeOpenAI
from myst2qmd import convert_text
from myst2qmd.segments import extract_segments
from myst2qmd.translate import Glossary, TranslationCache, Translator
from myst2qmd.translate.engines.openai import OpenAIEngine
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst2qmd.translate.language import detect
from quarto_ast import stringify, summarize

FAULTS = """\
# Fehlerbehandlung

Dieser Absatz wird ganz normal übersetzt, mit einem Verweis auf @fig-a und etwas Mathematik $x^2$.

Hier kommt eine Drosselung vor, die beim ersten Mal mit einem Statuscode abgelehnt wird, siehe @fig-a.

Ein Serverfehler trifft diesen Absatz zweimal, bevor er durchkommt, mit dem Code `print(1)`.

Ein Zeitlimit lässt die erste Anfrage hängen, bis der Client aufgibt und es erneut versucht.

Dieser Absatz bekommt immer Kaputtjson zurück, weil der Server kein gültiges JSON sendet.

Hier geht ein Platzhalterweg verloren: die Formel $a+b$ kommt nicht zurück, auch nicht beim zweiten Mal.

Kurz: Platzhalterweg bei $c$.

Verdreht werden hier nur die Abstände in den Platzhaltern um $y$ und `z`, was erlaubt ist.

Für diesen Absatz ist die Antwort Fehlend, der Schlüssel fehlt in der Antwort des Servers immer.

Dieser Absatz wird immer Abgeschnitten, weil der Server die Länge als Grund angibt.

Eine Vorrede steht immer vor der Übersetzung dieses Absatzes, und das ist nicht erlaubt.
"""
ALWAYS_FAILING = ("Kaputtjson", "Platzhalterweg", "Fehlend", "Abgeschnitten", "Vorrede")


def _engine(server: FakeOpenAI, timeout: float = 30.0) -> OpenAIEngine:
    return OpenAIEngine(
        server.base_url,
        "fake",
        None,
        timeout=timeout,
        backoff=0.05,
        max_attempts=4,
        max_batch_chars=400,
        max_batch_units=3,
    )


def test_pseudo_engine_on_the_seed(seed_text: str) -> None:
    plain = convert_text(seed_text).text
    engine = PseudoEngine()
    translated, report, warnings = Translator(engine).translate_document(plain)
    assert not report.kept and not warnings
    # every prose segment came back upper-cased in ⟦ ⟧, except those already in English
    english = 0
    for segment in extract_segments(translated):
        if segment.has_prose:
            masked, _ = segment.masked()
            if not masked.startswith("⟦"):
                assert detect(masked, ("de", "en"))[0] == "en", segment
                english += 1
                continue
            assert masked.endswith("⟧") and masked == masked.upper(), segment
    assert english == report.already_in_target <= 5
    before, after = summarize(plain), summarize(translated)
    assert after.code_blocks == before.code_blocks
    assert after.display_math == before.display_math and after.inline_math == before.inline_math
    assert after.citations == before.citations
    assert after.links == before.links
    assert [i[0] for i in after.images] == [i[0] for i in before.images]
    assert after.divs == before.divs
    assert len(after.headers) == len(before.headers)
    assert all(h[2].startswith("⟦") for h in after.headers)
    assert stringify(after.meta["title"]) == "⟦CONVOLUTIONAL NEURAL NETWORKS⟧"
    # what the engine received never holds code, math, references or URLs
    sent = "\n".join(engine.sent)
    assert "$" not in sent and "@fig-" not in sent and "http" not in sent and "```" not in sent


def test_fault_injection_loses_nothing_and_names_what_was_kept() -> None:
    qmd = convert_text(FAULTS).text
    # the hanging request outlasts the deadline many times over; a normal answer on a loaded machine does not
    with FakeOpenAI(hang=15.0) as server:
        engine = _engine(server, timeout=5.0)
        translated, report, warnings = Translator(engine, jobs=4).translate_document(qmd, "faults.md")
    segments = extract_segments(qmd)
    expected_kept = sorted(
        s.line for s in segments if any(w in s.text for w in ALWAYS_FAILING) and "Formel" not in s.text
    )
    assert sorted(line for line, _ in report.kept) == expected_kept
    assert sorted(w.line for w in warnings) == expected_kept
    for word in ALWAYS_FAILING:
        assert word in translated  # the German paragraph is still there, whole
    # translated after retries; the long Platzhalterweg paragraph by splitting it in halves
    for word in ("Drosselung", "Serverfehler", "Zeitlimit", "Verdreht", "normal", "Formel"):
        assert word not in translated
    assert "Platzhalterweg bei $c$." in translated  # its own sentence: kept, whole, with its math
    before, after = summarize(qmd), summarize(translated)
    assert after.inline_math == before.inline_math
    assert after.citations == before.citations
    assert [c for c in after.text.split() if "print(1)" in c]
    assert "⟨" not in translated and "⟩" not in translated


def test_cache_second_run_makes_no_calls_and_an_edit_makes_one(tmp_path: Path) -> None:
    qmd = convert_text(
        FAULTS.split("Hier kommt")[0] + "Ein zweiter Absatz mit einem Link auf [die Seite](https://example.org).\n"
    ).text
    cache = TranslationCache(tmp_path / "tm.sqlite")
    with FakeOpenAI() as server:
        first, _, _ = Translator(_engine(server), cache=cache).translate_document(qmd)
        calls = server.requests
        assert calls >= 1
        second, report, _ = Translator(_engine(server), cache=cache).translate_document(qmd)
        assert server.requests == calls and second == first
        assert report.cached == report.segments - report.nothing_to_translate - report.already_in_target
        edited = qmd.replace("ganz normal", "völlig normal")
        assert edited != qmd
        units = server.units
        Translator(_engine(server), cache=cache).translate_document(edited)
        assert server.requests == calls + 1
        assert server.units == units + 1  # one unit in the new call: only the edited paragraph
        assert len(json.loads(server.bodies[-1]["messages"][-1]["content"])) == 1


def test_killed_run_resumes_without_retranslating(tmp_path: Path) -> None:
    qmd = convert_text("\n\n".join(f"Absatz Nummer {n} erklärt die Faltung im Detail." for n in range(12)) + "\n").text
    cache = TranslationCache(tmp_path / "tm.sqlite")

    class Killed(Exception):
        pass

    with FakeOpenAI() as server:
        engine = _engine(server)
        engine.max_batch_units = 1
        done = 0

        def progress(n: float) -> None:
            nonlocal done
            done = n  # the segments finished so far
            if done == 5:
                raise Killed

        with pytest.raises(Killed):
            Translator(engine, cache=cache, jobs=1, on_progress=progress).translate_document(qmd)
        finished = server.units
        # the worker that met the error sends nothing more (the pool would take the next request)
        assert finished == 5
        _, report, _ = Translator(_engine(server), cache=cache, jobs=1).translate_document(qmd)
        # everything finished before the kill comes from the cache; only the rest is sent
        assert report.cached == finished
        assert report.units_sent == 12 - finished == server.units - finished
        assert report.translated == 12 - finished


def test_the_probe_unit_is_sent_once(tmp_path: Path) -> None:
    qmd = convert_text("\n\n".join(f"Absatz Nummer {n} erklärt die Faltung im Detail." for n in range(6)) + "\n").text
    with FakeOpenAI() as server:
        engine = _engine(server)
        engine.max_batch_units = 2
        _, report, _ = Translator(engine, cache=TranslationCache(tmp_path / "tm.sqlite"), jobs=1).translate_document(
            qmd
        )
        assert server.units == 6 == report.translated
        assert server.requests == 4  # the probe alone, then its batch's other unit with the rest


def test_glossary_goes_into_the_prompt_and_is_checked() -> None:
    qmd = convert_text(
        "Die Faltung ist eine Operation auf Bildern mit einem Filter.\n\nEin Satz ohne Fachbegriff hier.\n"
    ).text
    glossary = Glossary({"Faltung": "convolution", "Merkmalskarte": "feature map"})
    with FakeOpenAI() as server:
        _, _, warnings = Translator(_engine(server), glossary=glossary).translate_document(qmd)
        system = server.bodies[0]["messages"][0]["content"]
    assert "Faltung → convolution" in system
    assert "Merkmalskarte" not in system  # only entries that occur in the batch
    assert any("glossary term not used: Faltung → convolution" in w.message for w in warnings)


def test_english_and_empty_segments_are_not_sent() -> None:
    qmd = convert_text(
        "This paragraph is already written in English and talks about convolutional networks.\n\n"
        "Source: {cite}`li_2022`.\n\nDieser Absatz ist auf Deutsch geschrieben und muss übersetzt werden.\n"
    ).text
    engine = PseudoEngine()
    translated, report, _ = Translator(engine).translate_document(qmd)
    assert report.already_in_target == 1
    assert report.nothing_to_translate == 0
    assert len(engine.sent) == 2  # "Source: ⟨1⟩." has a word; the English paragraph is not sent
    assert "This paragraph is already written in English" in translated


_cli = run_cli


def test_cli_pseudo_on_the_seed_keeps_every_protected_span(seed_text: str, tmp_path: Path) -> None:
    """The issue's acceptance run: ``convert cnn-lecture.md --engine pseudo`` vs ``--engine none``."""
    from conftest import SEED

    none_out, pseudo_out = tmp_path / "none.qmd", tmp_path / "pseudo.qmd"
    assert _cli("convert", str(SEED), "-o", str(none_out), "--engine", "none").returncode == 0
    run = _cli("convert", str(SEED), "-o", str(pseudo_out), "--engine", "pseudo")
    assert run.returncode == 0, run.stderr
    assert "engine pseudo" in run.stderr and "0 kept in the original language" in run.stderr
    plain, shouted = none_out.read_text(encoding="utf-8"), pseudo_out.read_text(encoding="utf-8")
    before, after = summarize(plain), summarize(shouted)
    assert after.code_blocks == before.code_blocks  # every code cell
    assert after.display_math == before.display_math  # every equation
    assert after.inline_math == before.inline_math  # every inline math span
    assert after.citations == before.citations  # citation keys and references
    assert after.links == before.links  # URLs
    assert [i[0] for i in after.images] == [i[0] for i in before.images]  # image sources
    assert after.ids == before.ids
    headings = [h[2] for h in after.headers]
    assert headings and all(h.startswith("⟦") and h == h.upper() for h in headings)
    captions = [s for s in extract_segments(shouted) if s.kind == "caption" and s.has_prose]
    german_captions = [s for s in captions if detect(s.text, ("de", "en"))[0] != "en"]
    assert german_captions and all(s.text.startswith("⟦") for s in german_captions)
    items = [s for s in extract_segments(shouted) if s.kind in ("list-item", "callout-title", "title")]
    assert items and all("⟦" in s.text for s in items)


def test_cli_cache_second_run_and_clear(tmp_path: Path) -> None:
    src = tmp_path / "k.md"
    src.write_text("# Titel\n\nEin Absatz über Faltung mit $x$.\n\nNoch ein Absatz hier.\n", encoding="utf-8")
    env = {"MYST2QMD_CACHE_DIR": str(tmp_path / "cache")}
    first = _cli("convert", str(src), "--engine", "pseudo", env=env)
    assert first.returncode == 0 and "3 segments sent: 3 translated" in first.stderr
    second = _cli("convert", str(src), "--engine", "pseudo", env=env)
    assert "0 segments sent: 0 translated" in second.stderr and "; 3 from the translation memory" in second.stderr
    assert "0 requests" in second.stderr
    assert _cli("cache", "path", env=env).stdout.strip() == str(tmp_path / "cache" / "translations.sqlite")
    cleared = _cli("cache", "clear", env=env)
    assert cleared.returncode == 0 and "removed 3 entries" in cleared.stdout
    third = _cli("convert", str(src), "--engine", "pseudo", "--no-cache", env=env)
    assert "3 segments sent: 3 translated" in third.stderr
    assert "removed 0 entries" in _cli("cache", "clear", env=env).stdout  # --no-cache wrote nothing


def test_glossary_files_yaml_and_csv(tmp_path: Path) -> None:
    from myst2qmd.translate import load_glossary
    from myst2qmd.translate.glossary import GlossaryError

    (tmp_path / "g.yml").write_text("Faltung: convolution\nStride:\n", encoding="utf-8")
    (tmp_path / "g.csv").write_text("# term,translation\nFaltung,convolution\nStride\n", encoding="utf-8")
    for name in ("g.yml", "g.csv"):
        assert load_glossary(tmp_path / name).entries == {"Faltung": "convolution", "Stride": "Stride"}
    (tmp_path / "bad.yml").write_text("- [unclosed\n", encoding="utf-8")
    with pytest.raises(GlossaryError):
        load_glossary(tmp_path / "bad.yml")
    run = _cli("convert", str(tmp_path / "g.yml"), "--glossary", str(tmp_path / "bad.yml"), "--engine", "pseudo")
    assert run.returncode == 2 and "glossary" in run.stderr


def test_code_comments_are_translated_only_when_asked(tmp_path: Path) -> None:
    src = tmp_path / "k.md"
    src.write_text(
        '```{code-cell} ipython3\nx = "# kein Kommentar"  # die Ausgabegrösse berechnen\n```\n', encoding="utf-8"
    )
    plain = _cli("convert", str(src), "-o", "-", "--engine", "pseudo").stdout
    assert "# die Ausgabegrösse berechnen" in plain
    run = _cli("convert", str(src), "-o", "-", "--engine", "pseudo", "--translate-code-comments")
    assert "# ⟦DIE AUSGABEGRÖSSE BERECHNEN⟧" in run.stdout
    assert 'x = "# kein Kommentar"' in run.stdout  # strings and code never change
