"""Issue 19: a lecturer's first hour, around the translation.

Kept segments are remembered (a re-run sends nothing), warned with their text and line, and
listed by ``--report`` (also for a single file); progress moves per segment (per sentence for
sentence engines) and its count is the summary's; the bar writes past a silenced stderr.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli_run import run_cli
from fake_openai import FakeOpenAI
from loopback import LoopbackServer
from myst2qmd.convert import convert_text
from myst2qmd.translate.cache import TranslationCache
from myst2qmd.translate.engines.base import Reply, Request, Unit
from myst2qmd.translate.engines.openai import OpenAIEngine
from myst2qmd.translate.pipeline import Translator

CHAPTER = """# Faltung

Die Faltung verbindet $f$ und $g$ zu einer dritten Funktion.

Platzhalterweg bei $x$ und $y$ im Text.

Ein weiterer Absatz erklärt die Schrittweite des Filters.
"""


def _engine(server: FakeOpenAI, model: str = "fake") -> OpenAIEngine:
    return OpenAIEngine(server.base_url, model, None, timeout=30.0, backoff=0.05, max_attempts=2, max_batch_units=1)


def _convert(src: Path, server: FakeOpenAI, *extra: str, env: dict[str, str]) -> tuple[int, str]:
    run = run_cli("convert", str(src), "--engine", "openai", "--base-url", server.base_url, *extra, env=env)
    return run.returncode, run.stderr


def test_a_rerun_sends_nothing_for_what_the_engine_could_not_translate(tmp_path: Path) -> None:
    """Item 4: the memory remembers a unit the engine could not translate; the re-run sends no request,
    keeps the segment with its warning (and line) again; ``--retry-kept`` or another model asks again."""
    src = tmp_path / "k.md"
    src.write_text(CHAPTER, encoding="utf-8")
    env = {"MYST2QMD_CACHE_DIR": str(tmp_path / "cache"), "MYST2QMD_MODEL": "fake"}

    def sent(server: FakeOpenAI, since: int) -> list[str]:
        return [unit for body in server.bodies[since:] for unit in json.loads(body["messages"][-1]["content"]).values()]

    with FakeOpenAI() as server:  # one server: its URL is part of the memory's key
        code, first = _convert(src, server, env=env)
        assert code == 0 and server.requests > 0, first
        assert "k.md:5: warning [translation-kept]" in first
        before = server.requests
        code, second = _convert(src, server, env=env)
        assert code == 0 and server.requests == before, second
        assert "k.md:5: warning [translation-kept]: kept the original paragraph text: placeholders changed" in second
        assert "(“Platzhalterweg bei $x$ und $y$ im Text.”)" in second
        assert "--retry-kept sends it again" in second
        assert "0 segments sent" in second and "1 kept as in an earlier run" in second
        code, third = _convert(src, server, "--retry-kept", env=env)  # asked again on request
        assert code == 0 and sent(server, before), third
        assert all("Platzhalterweg" in unit for unit in sent(server, before)), third
        before = server.requests
        code, fourth = _convert(src, server, "--model", "other", env=env)  # another model: another key
        assert code == 0 and any("Platzhalterweg" in unit for unit in sent(server, before)), fourth


def test_a_transport_failure_is_not_remembered(tmp_path: Path) -> None:
    """Only the engine's verdict on a text is remembered: a unit whose request got no answer is sent again."""
    cache = TranslationCache(tmp_path / "tm.sqlite")
    qmd = convert_text("Ein Absatz mit Fehlend darin, der nie beantwortet wird.\n").text
    with FakeOpenAI() as server:  # one server: its URL is part of the memory's key
        _, report, _ = Translator(_engine(server), cache=cache, jobs=1).translate_document(qmd)
        assert report.kept_sent == 1
        before = server.requests
        _, report, _ = Translator(_engine(server), cache=cache, jobs=1).translate_document(qmd)
        assert server.requests > before and report.kept_remembered == 0


def _sentence_engine(server: FakeOpenAI) -> OpenAIEngine:
    engine = _engine(server)
    engine.sentence_units = True  # type: ignore[attr-defined] # as the local engine: one unit per sentence
    return engine


def test_progress_moves_per_sentence_and_ends_at_the_summarys_count(tmp_path: Path) -> None:
    """Item 3: the bar's total is the summary's ``sent``; it moves every time a unit comes back (here: a
    sentence), never backwards, by a segment's share, and ends at the total."""
    paragraphs = [f"Der Absatz {n} hat einen Satz. Er hat {n} Sätze mehr. Und dann den Satz {n}." for n in range(4)]
    twice = "Ein Absatz, der zweimal vorkommt."  # sent once; its twin moves the bar too
    qmd = convert_text("\n\n".join([*paragraphs, twice, "Platzhalterweg bei $x$ und $y$ im Text.", twice]) + "\n").text
    totals: list[int] = []
    events: list[float] = []
    cache = TranslationCache(tmp_path / "tm.sqlite")
    with FakeOpenAI() as server:
        translator = Translator(
            _sentence_engine(server), cache=cache, jobs=1, on_total=totals.append, on_progress=events.append
        )
        _, report, _ = translator.translate_document(qmd)
        units = server.units
    assert totals == [7] and report.sent == 7
    assert report.sent == report.translated + report.unchanged + report.kept_sent
    assert report.translated == 6 and report.kept_sent == 1
    assert events == sorted(events) and events[-1] == 7
    # one event per unit that came back: 3 sentences per paragraph, the twin, the failing one
    assert len(events) == 14 and events[:3] == pytest.approx([1 / 3, 2 / 3, 1])
    assert units >= 14


def test_the_summary_says_what_the_bar_counted(tmp_path: Path) -> None:
    src = tmp_path / "k.md"
    src.write_text(CHAPTER, encoding="utf-8")
    with FakeOpenAI() as server:
        code, err = _convert(src, server, "--no-cache", env={"MYST2QMD_MODEL": "fake"})
    assert code == 0
    assert re.search(
        r": 4 segments sent: 3 translated, 1 kept in the original language; 0 from the translation memory", err
    ), err


def test_the_progress_bar_writes_past_a_silenced_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local engine points descriptor 2 at /dev/null while llama.cpp runs (nearly all the time):
    the bar's stream is a copy of the terminal's descriptor taken before, so it still reaches it."""
    from myst2qmd.progress import terminal_stream

    read, write = os.pipe()
    saved = os.dup(2)
    try:
        os.dup2(write, 2)
        monkeypatch.setattr(sys, "stderr", open(2, "w", closefd=False))  # noqa: SIM115 - as a terminal's stderr
        stream = terminal_stream()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # what the local engine does around every call
        stream.write("12/267 segments\n")
        stream.flush()
        stream.close()
        os.close(devnull)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(write)
    with os.fdopen(read, encoding="utf-8") as pipe:
        assert pipe.read() == "12/267 segments\n"


def test_report_for_a_single_file_lists_every_kept_segment(tmp_path: Path) -> None:
    """Items 2 and 8: ``--report`` works for a single file and lists each segment kept in the original
    language with its source line and why."""
    src = tmp_path / "k.md"
    src.write_text(CHAPTER, encoding="utf-8")
    report = tmp_path / "report.json"
    with FakeOpenAI() as server:
        code, err = _convert(src, server, "--no-cache", "--report", str(report), env={"MYST2QMD_MODEL": "fake"})
    assert code == 0, err
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["files_converted"] == 1
    assert data["translation"]["sent"] == 4 and data["translation"]["kept_sent"] == 1
    [kept] = data["kept"]
    assert kept["file"] == str(src) and kept["line"] == 5 and kept["text"].startswith("Platzhalterweg")
    assert kept["why"].startswith("placeholders changed")


def test_report_refuses_to_write_onto_the_input(tmp_path: Path) -> None:
    src = tmp_path / "k.md"
    src.write_text(CHAPTER, encoding="utf-8")
    run = run_cli("convert", str(src), "--report", str(src))
    assert run.returncode == 2 and "it is an input of this run" in run.stderr
    assert src.read_text(encoding="utf-8") == CHAPTER


# -- books: site settings, part titles, --execute, --only (items 6, 7, 8) -------------------------

BOOK = Path(__file__).parent / "books" / "kurs"
SITE = """logo: bilder/netz.png
copyright: "2024"
repository:
  url: https://github.com/erika/kurs
  branch: main
  path_to_book: buch
html:
  favicon: bilder/netz.png
  use_edit_page_button: true
  use_issues_button: true
  extra_footer: |
    <p>Dieses Werk steht unter <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p>
launch_buttons:
  binderhub_url: https://mybinder.org
  colab_url: https://colab.research.google.com
"""


@pytest.fixture
def site_book(tmp_path: Path) -> Path:
    book = tmp_path / "kurs"
    shutil.copytree(BOOK, book)
    config = book / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8") + SITE, encoding="utf-8")
    return book


def _quarto(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))
    return data


def test_the_books_site_settings_reach_quarto_yml(site_book: Path, tmp_path: Path) -> None:
    """Item 6: logo, copyright, repository (and its buttons), the licence in ``extra_footer``, the Binder
    launch button carried over; the Colab button, which Quarto has no place for, reported with its line."""
    out = tmp_path / "out"
    run = run_cli("convert", str(site_book), "-o", str(out), "--engine", "none")
    assert run.returncode == 0, run.stderr
    book = _quarto(out)["book"]
    assert book["sidebar"] == {"logo": "bilder/netz.png"} and (out / "bilder" / "netz.png").is_file()
    assert book["favicon"] == "bilder/netz.png"
    assert book["repo-url"] == "https://github.com/erika/kurs"
    assert book["repo-branch"] == "main" and book["repo-subdir"] == "buch"
    assert book["repo-actions"] == ["edit", "issue"]
    assert book["page-footer"]["left"] == "By Erika Muster © Copyright 2024."
    assert "CC BY 4.0" in book["page-footer"]["center"]
    assert _quarto(out)["format"]["html"]["code-links"] == ["binder"]
    lines = (site_book / "_config.yml").read_text(encoding="utf-8").splitlines()
    colab = next(n for n, line in enumerate(lines, 1) if line.startswith("launch_buttons:")) + 1
    assert f"_config.yml:{colab}: warning [option-unsupported]: launch_buttons: colab_url" in run.stderr, run.stderr


def test_part_titles_are_translated_like_headings(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_cli("convert", str(BOOK), "-o", str(out), "--engine", "pseudo", "--no-cache")
    assert run.returncode == 0, run.stderr
    book = _quarto(out)["book"]
    assert book["title"].startswith("⟦EIN KLEINER KURS")
    parts = [entry["part"] for entry in book["chapters"] if isinstance(entry, dict)]
    assert parts == ["⟦GRUNDLAGEN⟧", "⟦ANWENDUNG⟧"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("freeze", {"freeze": "auto"}),
        ("off", {"enabled": False}),
        ("on", {"enabled": True}),
        ("auto", {"enabled": False}),
    ],
)
def test_execute_writes_what_quarto_does_with_cells(mode: str, expected: dict[str, Any], tmp_path: Path) -> None:
    """Item 7: ``--execute`` sets ``execute:`` in ``_quarto.yml`` (``auto``: the book's ``execute_notebooks: off``)."""
    out = tmp_path / "out"
    assert run_cli("convert", str(BOOK), "-o", str(out), "--execute", mode).returncode == 0
    assert _quarto(out)["execute"] == expected


def test_execute_and_only_are_refused_for_a_single_file(tmp_path: Path) -> None:
    src = tmp_path / "k.md"
    src.write_text(CHAPTER, encoding="utf-8")
    for flag in (["--execute", "freeze"], ["--only", "k.md"]):
        run = run_cli("convert", str(src), *flag)
        assert run.returncode == 2 and "goes with a book folder" in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1


def test_only_converts_the_chapters_it_names(tmp_path: Path) -> None:
    """Item 8: ``--only`` converts (and translates) the chapters it names and the root; references to the
    others still resolve; ``_quarto.yml`` lists only the chapters the output holds."""
    out = tmp_path / "out"
    run = run_cli(
        "convert", str(BOOK), "-o", str(out), "--engine", "pseudo", "--no-cache", "--only", "teil1/vertiefung"
    )
    assert run.returncode == 0, run.stderr
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.qmd")) + sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*.ipynb")
    )
    assert written == ["index.qmd", "teil1/vertiefung.qmd"]
    assert "ref-undefined" not in run.stderr
    assert _quarto(out)["book"]["chapters"] == [
        "index.qmd",
        {"part": "⟦GRUNDLAGEN⟧", "chapters": ["teil1/vertiefung.qmd"]},
    ]
    # a second run for another chapter leaves the first as it is and lists both
    before = (out / "teil1" / "vertiefung.qmd").read_bytes()
    again = run_cli("convert", str(BOOK), "-o", str(out), "--engine", "none", "--only", "glossar.md")
    assert again.returncode == 0, again.stderr
    assert (out / "teil1" / "vertiefung.qmd").read_bytes() == before and (out / "glossar.qmd").is_file()
    chapters = _quarto(out)["book"]["chapters"]
    assert chapters[1]["chapters"] == ["teil1/vertiefung.qmd"] and chapters[2]["chapters"] == ["glossar.qmd"]
    wrong = run_cli("convert", str(BOOK), "-o", str(out), "--only", "kapitel/nichts.md")
    assert wrong.returncode == 2 and "--only kapitel/nichts.md: no chapter of the book matches it" in wrong.stderr


class _WebServer(LoopbackServer):
    """An ordinary web server (Python's ``http.server``): a POST gets HTTP 501 and an HTML page."""

    def __init__(self) -> None:
        self.requests = 0
        outer = self

        class Handler(SimpleHTTPRequestHandler):
            def log_request(self, *args: Any) -> None:  # once per request
                outer.requests += 1

            def log_message(self, *args: Any) -> None:
                pass

        self.serve(Handler)


def test_a_base_url_at_an_ordinary_web_server_says_add_v1(tmp_path: Path) -> None:
    """Item 8: no retries and no HTML dumped: one request, exit 1, the hint to add ``/v1``."""
    src = tmp_path / "k.md"
    src.write_text(CHAPTER, encoding="utf-8")
    with _WebServer() as server:
        run = run_cli("convert", str(src), "--engine", "openai", "--base-url", server.origin, "--model", "m")
        requests = server.requests
    assert run.returncode == 1 and requests == 1, run.stderr
    assert "answered with a web page (HTTP 501" in run.stderr and "it usually ends in /v1" in run.stderr
    assert "<html" not in run.stderr.lower() and "<!doctype" not in run.stderr.lower()
    assert not (tmp_path / "k.qmd").exists()


# -- a fresh clone's test command (item 5) --------------------------------------------------------


def test_without_shared_the_tests_that_need_it_skip_in_one_line(tmp_path: Path) -> None:
    """Item 5: without ../shared, the seed and corpus tests skip (not fail), all under one line that says
    why and how to run them; the others run."""
    env = {**os.environ, "MYST2QMD_SHARED": str(tmp_path / "no-shared")}
    tests = Path(__file__).parent
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:randomly", "-p", "no:cacheprovider",
         str(tests / "test_seed.py"), str(tests / "test_corpus.py"), str(tests / "test_includes.py")],
        capture_output=True, text=True, env=env, cwd=tests.parent, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    skipped = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1, skipped
    assert "needs the seed chapter and corpus of ../shared" in skipped[0]
    assert "set MYST2QMD_SHARED=/path/to/shared to run these tests" in skipped[0]
    assert re.search(r"\d+ passed, \d+ skipped", run.stdout), run.stdout[-500:]


def test_a_memory_of_an_older_version_gets_the_kept_column(tmp_path: Path) -> None:
    """Item 4: a memory written before 'kept' existed keeps its translations and learns what was kept."""
    import sqlite3

    path = tmp_path / "translations.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE translations (key TEXT PRIMARY KEY, engine TEXT NOT NULL, model TEXT NOT NULL, "
            "source_lang TEXT NOT NULL, target_lang TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, "
            "created REAL DEFAULT (julianday('now')))"
        )
        db.execute("INSERT INTO translations VALUES ('k1', 'e', 'm', 'de', 'en', 'Hallo', 'Hello', 0)")
    db.close()
    cache = TranslationCache(path)
    assert cache.get("k1") == "Hello" and not cache.problem
    cache.keep("k2", "e", "m", "Platzhalterweg", "Platzhalterweg", "placeholders changed")
    assert cache.kept("k2") == ("Platzhalterweg", "placeholders changed") and cache.get("k2") is None
    assert cache.kept("k1") is None
    cache.close()


class _HalvesOnly:
    """An engine that translates (upper-cases) short units and gives no reply for long ones, so a
    long sentence is only rescued through its halves."""

    name, model, max_batch_chars, max_batch_units = "halves", "v1", 20_000, 64
    checks_language = False

    def __init__(self) -> None:
        self.sent: list[str] = []

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        self.sent += [unit.text for unit in units]
        return {u.id: Reply(f"In English {u.text.upper()}", "stop") for u in units if len(u.text.split()) < 9}

    def close(self) -> None:
        pass


def test_a_sentence_rescued_through_its_halves_is_not_sent_again(tmp_path: Path) -> None:
    """Item 4: the seed chapter re-sent 12 segments on every run with the local engine, because a
    sentence the engine only translated in halves was remembered by halves, not whole; a re-run
    retried the whole (one request) before finding its halves in the memory."""
    cache = TranslationCache(tmp_path / "tm.sqlite")
    qmd = convert_text("Ein recht langer Satz ohne Punkt in der Mitte, der dem Modell nicht gelingt.\n").text
    first = _HalvesOnly()
    text, report, _ = Translator(first, cache=cache, jobs=1).translate_document(qmd)
    assert "In English DER MITTE" in text and report.kept_sent == 0 and len(first.sent) > 2  # whole, retry, halves
    again = _HalvesOnly()
    second, report, _ = Translator(again, cache=cache, jobs=1).translate_document(qmd)
    assert again.sent == [] and second == text and report.engine_calls == 0
