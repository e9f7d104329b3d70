"""Transport (issue 18 items 6-7, issue 23 items 3 and 7): a total deadline per request, a retry
budget per run, capped replies, a circuit breaker that resets, and fakes that fail as the real
APIs do.

Every test talks HTTP to a real server on 127.0.0.1 (tests/fake_openai.py, tests/fake_deepl.py).
Deadlines are small (1 s) and the slow servers' loops bounded; nothing asserts on seconds:
the counts say what happened (requests the server saw, bytes a dripping server got out).
"""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest

from cli_run import run_cli
from fake_deepl import FakeDeepL
from fake_openai import DRIP_BODY, DRIP_HEAD, FakeOpenAI, gzip_bomb
from myst2qmd import convert_text
from myst2qmd.translate import Translator
from myst2qmd.translate.engines.base import (
    FatalEngineError,
    MalformedReplyError,
    Request,
    RetryPolicy,
    TimedOutError,
    Unit,
)
from myst2qmd.translate.engines.deepl import DeepLEngine
from myst2qmd.translate.engines.openai import OpenAIEngine
from myst2qmd.translate.retries import ANSWERS_PER_RETRY, RETRY_BUDGET, CircuitBreaker

SMALL = """Zur Faltung im Überblick, in zwei Absätzen.

Ein Filter gleitet über das Bild und berechnet an jeder Stelle eine gewichtete Summe.

Die Gewichte des Filters werden beim Training mit Backpropagation angepasst.
"""

#: how a run that never got a usable answer ends (the breaker, or the first short request)
GAVE_UP = "(gave no usable answer|did not answer a first short request)"

UNIT = [Unit("u1", "Ein Filter gleitet über das Bild und berechnet eine gewichtete Summe.")]


def _paragraphs(count: int) -> str:
    return "\n\n".join(
        f"Absatz {n}: ein Filter gleitet über das Bild und {'sehr ' * n}genau weiter." for n in range(count)
    )


# -- 18.6: --timeout bounds the whole request ------------------------------------------------------


@pytest.mark.parametrize("mode", ["drip", "drip-headers"])
def test_a_dripping_openai_server_is_cut_off_at_the_deadline(mode: str) -> None:
    """One byte every 0.05 s: no single read waits 1 s, yet the request ends at its 1 s deadline."""
    with FakeOpenAI(mode=mode, drip=0.05) as server:
        engine = OpenAIEngine(server.base_url, "m", timeout=1.0)
        with pytest.raises(TimedOutError, match=r"no complete answer within 1 s"):
            engine.translate(UNIT, Request())
        engine.close()
        # cut off long before the body was out; dripping headers: before the headers were
        assert 0 < server.dripped < (len(DRIP_HEAD) if mode == "drip-headers" else len(DRIP_BODY))


def test_a_dripping_deepl_server_is_cut_off_at_the_deadline() -> None:
    with FakeDeepL(mode="drip", drip=0.05) as server:
        engine = DeepLEngine("key:fx", server_url=server.url, timeout=1.0)
        with pytest.raises(TimedOutError, match=r"DeepL gave no complete answer within 1 s"):
            engine.translate(UNIT, Request())
        engine.close()
        assert 0 < server.dripped < 400


def test_a_silent_server_gets_two_attempts_not_five(tmp_path: Path) -> None:
    src = tmp_path / "k.md"
    src.write_text(_paragraphs(30) + "\n", encoding="utf-8")  # more than one request: a short one goes first
    with FakeOpenAI(mode="hang", hang=3.0) as server:
        run = run_cli(
            "convert", str(src), "--engine", "openai", "--base-url", server.base_url, "--model", "m",
            "--timeout", "1", "--no-cache",
        )  # fmt: skip
        requests = server.requests
    assert run.returncode == 1
    assert "did not answer a first short request (no answer in 2 attempts" in run.stderr
    assert "no complete answer within 1 s" in run.stderr
    assert requests == 2


def test_a_silent_deepl_server_ends_the_run_after_a_bounded_number_of_requests(tmp_path: Path) -> None:
    src = tmp_path / "k.md"
    src.write_text(SMALL, encoding="utf-8")
    with FakeDeepL(mode="hang", hang=3.0) as server:
        run = run_cli(
            "convert", str(src), "--engine", "deepl", "--base-url", server.url, "--timeout", "1", "--no-cache",
            env={"DEEPL_AUTH_KEY": "key:fx"},
        )  # fmt: skip
        sent = [r for r in server.requests if r["path"].startswith("/v2/translate")]
    assert run.returncode == 1
    assert re.search(GAVE_UP + r" \(", run.stderr)
    assert "DeepL gave no complete answer within 1 s" in run.stderr
    assert len(sent) <= 8  # the breaker's threshold: every timed-out attempt counts


def test_the_run_retry_budget_ends_retrying_a_server_that_is_always_busy() -> None:
    """HTTP 429 for ever: a request would make its 5 attempts; with 3 retries left in the run's
    budget, the first request stops after 4, and says why."""
    qmd = convert_text(_paragraphs(12) + "\n").text
    with FakeOpenAI(mode="busy") as server:
        engine = OpenAIEngine(server.base_url, "m", backoff=0.001, max_attempts=5, max_batch_units=1)
        breaker = CircuitBreaker(retries_left=3, retry_budget=3)
        used_up = r"no answer in 4 attempts \(the run's retries are used up; the last: HTTP 429: Rate limit reached"
        with pytest.raises(FatalEngineError, match=used_up):
            Translator(engine, breaker=breaker).translate_document(qmd)
        engine.close()
        assert server.requests == 4


def test_the_retry_budget_is_spent_and_earned_back() -> None:
    breaker = CircuitBreaker()
    assert all(breaker.take_retry() for _ in range(RETRY_BUDGET))
    assert not breaker.take_retry()
    for _ in range(ANSWERS_PER_RETRY):
        breaker.succeeded()
    assert breaker.take_retry() and not breaker.take_retry()
    for _ in range(1000):
        breaker.succeeded()
    assert breaker.retries_left == RETRY_BUDGET  # never more banked than the budget


# -- 23.3: the circuit breaker counts failures in a row, not in all ------------------------------


def test_the_breaker_resets_after_a_success() -> None:
    breaker = CircuitBreaker(threshold=8)
    for _ in range(3):
        for _ in range(7):
            breaker.failed("HTTP 500")
        breaker.succeeded()
    assert breaker.reason == "" and breaker.consecutive == 0


def test_failures_spread_over_a_long_run_do_not_stop_it() -> None:
    """Every other request gets HTTP 500 (12 failures, never two in a row): the run finishes
    with every paragraph translated; a breaker that never reset would stop it at the 8th."""
    qmd = convert_text(_paragraphs(12) + "\n").text
    with FakeOpenAI(mode="flaky") as server:
        engine = OpenAIEngine(server.base_url, "m", backoff=0.001, max_batch_units=1)
        out, report, _ = Translator(engine, jobs=1).translate_document(qmd)
        engine.close()
    assert report.stopped == "" and not report.kept
    assert report.requests_failed == 12 and report.engine_calls == 12
    assert "Absatz" not in out


# -- 18.7: replies are capped on the wire and decoded; a runaway reply is refused first -----------


def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    """100 kB on the wire, 100 MiB decoded: refused once 2 MiB are decoded, never held whole."""
    gzip_bomb()  # made before measuring
    with FakeOpenAI(mode="bomb") as server:
        engine = OpenAIEngine(server.base_url, "m")
        tracemalloc.start()
        try:
            with pytest.raises(MalformedReplyError, match=r"too large \(it inflates to more than 2,097,152 bytes\)"):
                engine.translate(UNIT, Request())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        engine.close()
    assert peak < 24 * 1024 * 1024


def test_a_body_past_the_cap_is_refused_on_the_wire() -> None:
    with FakeOpenAI(mode="huge") as server:  # chunked: no content-length announces it
        engine = OpenAIEngine(server.base_url, "m")
        with pytest.raises(MalformedReplyError, match=r"too large \(more than 2,097,152 bytes\)"):
            engine.translate(UNIT, Request())
        engine.close()
    with FakeDeepL(mode="huge") as server:  # a content-length that says so: nothing read
        deepl_engine = DeepLEngine("key:fx", server_url=server.url)
        with pytest.raises(MalformedReplyError, match=r"too large \(3,145,728 bytes"):
            deepl_engine.translate(UNIT, Request())
        deepl_engine.close()


def test_a_runaway_reply_is_refused_before_the_reply_check_reads_it() -> None:
    """400,000 characters for a sentence: refused by its length alone, before placeholders or
    language are checked (the reason says which check refused it)."""
    qmd = convert_text("Diese Riesenantwort kommt als sehr langer Text zurück, viel zu lang.\n").text
    with FakeOpenAI() as server:
        engine = OpenAIEngine(server.base_url, "m", backoff=0.001)
        out, report, _ = Translator(engine).translate_document(qmd)
        engine.close()
    assert "Riesenantwort" in out
    assert report.kept and all("far too long for its source" in why for _, why in report.kept)


# -- 23.7: the fakes fail as the real APIs do; the engines retry, give up, and say why -------------


def test_openai_without_structured_output_steps_down_to_plain_json() -> None:
    """HTTP 400 ``invalid_request_error`` with ``param: response_format`` (OpenAI's answer for a
    model without it): json_schema, then json_object, then plain JSON in the prompt, which works."""
    qmd = convert_text(SMALL).text
    with FakeOpenAI(mode="no-structured") as server:
        engine = OpenAIEngine(server.base_url, "m")
        out, report, _ = Translator(engine).translate_document(qmd)
        engine.close()
        forms = [body.get("response_format", {}).get("type") for body in server.bodies]
    assert forms[:3] == ["json_schema", "json_object", None] and set(forms[3:]) <= {None}
    assert not report.kept and "Filter" not in out


def test_openai_server_errors_are_retried_and_then_said(tmp_path: Path) -> None:
    qmd = convert_text(SMALL + "\nHier gibt es einen Serverfehler, zweimal hintereinander, dann die Antwort.\n").text
    with FakeOpenAI() as server:  # HTTP 500 twice, then an answer: retried
        engine = OpenAIEngine(server.base_url, "m", backoff=0.001)
        _, report, _ = Translator(engine).translate_document(qmd)
        engine.close()
    assert not report.kept and report.requests_failed == 2
    with FakeOpenAI(mode="broken") as server:  # HTTP 500 for ever: given up, with the server's words
        engine = OpenAIEngine(server.base_url, "m", backoff=0.001)
        said = r"HTTP 500: The server had an error while processing your request\. Sorry about that!"
        with pytest.raises(FatalEngineError, match=said):
            Translator(engine).translate_document(qmd)
        engine.close()


@pytest.mark.parametrize(
    ("word", "failed"),
    [("Drosselung", 1), ("Serverfehler", 2), ("Zeitlimit", 1)],
)
def test_deepl_transient_failures_are_retried(word: str, failed: int) -> None:
    """HTTP 429, HTTP 503 (twice) and a request with no answer in time: retried, then translated."""
    qmd = convert_text(f"Dieser Absatz mit {word} wird beim zweiten oder dritten Versuch übersetzt.\n").text
    with FakeDeepL(hang=15.0) as server:  # the hang outlasts the deadline; a loaded machine's answer does not
        engine = DeepLEngine("key:fx", server_url=server.url, timeout=5.0)
        engine.retry = RetryPolicy(backoff=0.001)
        out, report, _ = Translator(engine).translate_document(qmd)
        engine.close()
    assert not report.kept and report.translated == 1 and word not in out
    assert report.requests_failed == failed


@pytest.mark.parametrize(
    ("mode", "said"),
    [("busy", "Too many requests"), ("broken", "Internal server error")],
)
def test_deepl_failing_for_ever_is_given_up_with_a_clear_message(mode: str, said: str) -> None:
    qmd = convert_text(SMALL).text
    with FakeDeepL(mode=mode) as server:
        engine = DeepLEngine("key:fx", server_url=server.url)
        engine.retry = RetryPolicy(backoff=0.001)
        with pytest.raises(FatalEngineError, match=f"{GAVE_UP} .*{said}"):
            Translator(engine).translate_document(qmd)
        engine.close()
        sent = [r for r in server.requests if r["path"].startswith("/v2/translate")]
    assert len(sent) <= 8 * 5  # the breaker's threshold, each request with at most its 5 attempts
