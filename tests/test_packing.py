"""A translated book in few requests (issue 22, item 3): the units of all chapters packed into
requests up to the engine's limits with one probe per run; the same text per chapter as when each
chapter is translated alone; ``--rpm`` pacing; the characters sent beyond the units.

Work is counted (requests, waits on a fake clock), never timed.
"""

from __future__ import annotations

import json
import math
import threading
from itertools import product
from pathlib import Path

import pytest

from fake_openai import FakeOpenAI, fake_translation
from hostile_openai import HostileOpenAI
from myst2qmd import cli, convert_text
from myst2qmd.translate import TranslationCache, Translator
from myst2qmd.translate.engines import HOSTED_LIMITS, LOCAL_LIMITS
from myst2qmd.translate.engines.openai import OpenAIEngine
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst2qmd.translate.retries import Pacer

KURS = Path(__file__).resolve().parent / "books" / "kurs"


def chapters(tmp_path: Path) -> list[str]:
    """The kurs book's chapters as the conversion writes them, untranslated."""
    out = tmp_path / "plain"
    assert cli.main(["convert", str(KURS), "-o", str(out), "--engine", "none", "-q"]) in (0, 1)
    return [p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.qmd"))]


#: small requests, so that the small book needs several
UNITS, CHARS = 4, 600


def engine(server: FakeOpenAI) -> OpenAIEngine:
    return OpenAIEngine(server.base_url, "m", None, max_batch_chars=CHARS, max_batch_units=UNITS)


def test_a_book_is_packed_across_chapters_with_one_probe(tmp_path: Path) -> None:
    texts = chapters(tmp_path)
    assert len(texts) >= 4
    with FakeOpenAI() as server:
        alone = []
        for text in texts:  # each chapter on its own: batches and a probe per chapter
            translator = Translator(engine(server), cache=TranslationCache(None), mine_terms=False)
            alone.append(translator.translate_document(text)[0])
        per_chapter = server.requests
        server.requests = server.units = 0
        translator = Translator(engine(server), cache=TranslationCache(None), mine_terms=False)
        book, report, _ = translator.translate_many(texts, [f"c{n}.md" for n in range(len(texts))])
        pooled = server.requests
        sent = [t for b in server.bodies for t in json.loads(b["messages"][-1]["content"]).values()]
    assert book == alone  # the same bytes per chapter
    # every request but the probe and the last full: of units or of characters (less the longest unit,
    # which did not fit into it); look-alike units share requests
    longest = max(len(text) for text in sent)
    bound = max(math.ceil(len(sent) / UNITS), math.ceil(report.characters_sent / (CHARS - longest))) + 1
    assert pooled <= bound, (pooled, bound, len(sent))
    assert pooled < per_chapter


#: forty sentences alike in placeholders, numbers and length, each naming a model of its own (which
#: its translation carries: fake_openai.carried), each followed by the same "Siehe dazu die Abbildung 3 im Anhang."
LOOK_ALIKE = [f"Das Modell Net{a}{b} lernt in jedem Schritt etwas schneller." for a, b in product("ABCDEFGH", "KLMNO")]


def look_alike_document() -> str:
    return convert_text(
        "".join(f"{sentence}\n\nSiehe dazu die Abbildung 3 im Anhang.\n\n" for sentence in LOOK_ALIKE)
    ).text


def test_look_alike_sentences_share_requests() -> None:
    """A swap of replies between two of these would pass every check of the text: they share requests
    all the same (once they needed one each), each behind its marker; the same text is sent once."""
    with FakeOpenAI() as server:
        translated, report, _ = Translator(engine(server), mine_terms=False).translate_document(look_alike_document())
        requests = server.requests
    assert report.units_sent == len(LOOK_ALIKE) + 1  # the same sentence once for its forty places
    assert requests <= math.ceil(report.units_sent / UNITS) + 1  # full requests and the probe
    paragraphs = translated.strip().split("\n\n")
    assert len(paragraphs) == 2 * len(LOOK_ALIKE) and len(set(paragraphs[1::2])) == 1
    for sentence, paragraph in zip(LOOK_ALIKE, paragraphs[::2], strict=True):
        assert paragraph == fake_translation(sentence)


@pytest.mark.parametrize("mode", ["swap", "merge"])
def test_replies_given_to_the_wrong_look_alike_are_noticed(mode: str) -> None:
    """A server that gives each sentence its neighbour's translation (or two in one reply) costs requests,
    never a sentence: every one ends up with its own translation, sent again alone. The markers notice it
    alone: without the checks of meaning, nothing in the text tells the swapped replies apart."""
    with HostileOpenAI(mode) as server:
        hostile = OpenAIEngine(server.base_url, "m", None, max_batch_chars=CHARS, max_batch_units=UNITS)
        translator = Translator(hostile, mine_terms=False, check_meaning=False)
        translated, report, warnings = translator.translate_document(look_alike_document())
        requests = server.requests
    paragraphs = translated.strip().split("\n\n")
    for sentence, paragraph in zip(LOOK_ALIKE, paragraphs[::2], strict=True):
        assert paragraph == fake_translation(sentence)
    distinct = len(LOOK_ALIKE) + 1
    assert not warnings and report.retries >= len(LOOK_ALIKE) - 1  # all but the probe's sentence, alone
    assert requests <= math.ceil(distinct / UNITS) + 1 + distinct  # the requests of 4 and the probe, then one each


@pytest.mark.parametrize("limits", [HOSTED_LIMITS, LOCAL_LIMITS], ids=["hosted", "local"])
def test_the_corpus_goes_in_few_requests_with_little_beyond_the_units(
    shared_corpus: Path, tmp_path: Path, limits: tuple[int, int]
) -> None:
    """Issue 22.3 on ../shared's corpus, with the limits the CLI gives a hosted API and a server on this
    machine: at most 100 requests (there were 525), and at most 30 % of the characters sent beyond the
    units (instructions, the example, glossary hints, markers, the JSON around them)."""
    out = tmp_path / "plain"
    assert cli.main(["convert", str(shared_corpus), "-o", str(out), "--engine", "none", "-q"]) in (0, 1)
    texts = [p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.qmd"))]
    chars, units = limits
    with FakeOpenAI() as server:
        hosted = OpenAIEngine(server.base_url, "m", None, max_batch_chars=chars, max_batch_units=units)
        _, report, _ = Translator(hosted).translate_many(texts, [f"c{n}.md" for n in range(len(texts))])
        requests = server.requests
        sent = sum(len(m["content"]) for body in server.bodies for m in body["messages"])
    assert report.units_sent > 800 and requests == report.engine_calls <= 100
    assert report.characters_sent == server.answered_characters
    assert report.characters_sent + report.overhead_characters == sent  # the summary counts what went out
    assert report.overhead_share <= 0.30, report.overhead_share


def test_a_book_run_reports_what_was_sent_beyond_the_units(tmp_path: Path) -> None:
    with FakeOpenAI() as server:
        args = ["convert", str(KURS), "-o", str(tmp_path / "out"), "--engine", "openai", "-q", "--no-cache"]
        args += ["--base-url", server.base_url, "--model", "m", "--report", str(tmp_path / "r.json")]
        assert cli.main(args) in (0, 1)
        requests = server.requests
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["translation"]
    assert data["requests"] == requests
    overhead, units = data["overhead_characters"], data["characters_sent"]
    assert overhead > 0 and data["overhead_share"] == round(overhead / (overhead + units), 3)


def test_the_pseudo_engine_reports_no_overhead() -> None:
    _, report, _ = Translator(PseudoEngine(), cache=TranslationCache(None)).translate_document("Ein Satz.\n")
    assert report.overhead_characters == 0 and report.overhead_share == 0


def test_rpm_spaces_the_requests_of_all_threads() -> None:
    waits: list[float] = []
    pacer = Pacer(60, clock=lambda: 100.0, sleep=waits.append)  # the clock never moves: turns queue up
    threads = [threading.Thread(target=lambda: [pacer.take() for _ in range(5)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [float(n) for n in range(1, 20)]  # the first goes at once, then one a second


def test_rpm_paces_every_request_of_a_run() -> None:
    translator = Translator(PseudoEngine(), cache=TranslationCache(None), rpm=30, mine_terms=False)
    pacer = translator.sender.requests.pacer
    assert pacer is not None
    now = [0.0]
    pacer.clock, pacer.sleep = (lambda: now[0]), (lambda s: now.__setitem__(0, now[0] + s))
    text = "".join(f"Der {n}. Absatz hat {n * 3} Wörter über Faltung und Netze.\n\n" for n in range(200))
    _, report, _ = translator.translate_document(text)
    assert report.engine_calls >= 2
    assert now[0] == pytest.approx(2.0 * (report.engine_calls - 1))  # 30 a minute: one every 2 s


@pytest.mark.parametrize(
    ("where", "value"), [("flag", "0"), ("flag", "-3"), ("flag", "many"), ("env", "nan"), ("file", "0")]
)
def test_a_bad_rpm_is_a_usage_error(
    where: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "a.md"
    source.write_text("# Titel\n\nEin Satz.\n", encoding="utf-8")
    config = tmp_path / "myst2qmd.toml"
    config.write_text(f"rpm = {value}\n" if where == "file" else "", encoding="utf-8")
    args = ["convert", str(source), "-o", str(tmp_path / "a.qmd"), "--engine", "pseudo", "--config", str(config)]
    if where == "flag":
        args += ["--rpm", value]
    if where == "env":
        monkeypatch.setenv("MYST2QMD_RPM", value)
    assert cli.main(args) == 2
    assert "rpm" in capsys.readouterr().err
    assert not (tmp_path / "a.qmd").exists()
