"""Engines that fail: fast fatal errors, bounded transient ones, malformed replies (issues 13 and 14.6-7).

Every test talks HTTP to a real server on 127.0.0.1 (tests/fake_openai.py, tests/fake_deepl.py)
or to a port where nothing listens. They compare work, not seconds (issue 23): the requests a
server received, the attempts a message names; a loaded machine cannot break a count. The only
clock is the hang guard of :func:`cli_run.run_cli` (minutes), for a run that would wait an hour.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from cli_run import run_cli
from fake_deepl import FakeDeepL
from fake_openai import FakeOpenAI
from myst2qmd import convert_text
from myst2qmd.segments import extract_segments, replace_segments
from myst2qmd.translate import Translator
from myst2qmd.translate.engines.base import FatalEngineError, text_problem
from myst2qmd.translate.engines.openai import OpenAIEngine, server_message
from myst2qmd.translate.writeback import parity_repair

#: no H1 (it would become the title, and the Quarto text's lines would differ from the source's)
SMALL = """Zur Faltung im Überblick, in zwei Absätzen.

Ein Filter gleitet über das Bild und berechnet an jeder Stelle eine gewichtete Summe.

Die Gewichte des Filters werden beim Training mit Backpropagation angepasst.
"""


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI (in a process of its own)."""
    return run_cli(*args, env=env)


def _free_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _openai(
    src: Path, out: Path, base_url: str, *more: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    args = ("convert", str(src), "-o", str(out), "--engine", "openai", "--base-url", base_url, "--model", "m")
    return _cli(*args, *more, env=env)


def _write(tmp_path: Path, text: str = SMALL, name: str = "k.md") -> Path:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    return src


def _book(root: Path, chapters: int = 4, paragraphs: int = 14) -> Path:
    """A Jupyter Book of German paragraphs, long enough for many requests."""
    root.mkdir()
    files = []
    for c in range(chapters):
        body = "\n\n".join(
            f"Absatz {p} im Kapitel {c} erklärt, wie der Filter über das Bild gleitet und dabei Merkmale findet."
            for p in range(paragraphs)
        )
        (root / f"kapitel{c}.md").write_text(f"# Kapitel {c} über Faltung\n\n{body}\n", encoding="utf-8")
        files.append(f"kapitel{c}")
    toc = "format: jb-book\nroot: kapitel0\nchapters:\n" + "".join(f"  - file: {f}\n" for f in files[1:])
    (root / "_toc.yml").write_text(toc, encoding="utf-8")
    (root / "_config.yml").write_text("title: Ein Buch über Faltung\nlanguage: de\n", encoding="utf-8")
    return root


# -- errors that retrying cannot fix: exit 1 at once, nothing written ----------------------------


def _first_attempt_only(stderr: str) -> bool:
    """The run stopped at its first failure: a retried request's error names its attempts, the
    circuit breaker's its failed requests in a row (a retry costs seconds of backoff each)."""
    return "attempts" not in stderr and "in a row" not in stderr and "myst2qmd: error: cannot reach " in stderr


def test_nothing_listening_exits_1_at_the_first_attempt_and_writes_nothing(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    run = _openai(_write(tmp_path), tmp_path / "k.qmd", url)
    assert run.returncode == 1 and _first_attempt_only(run.stderr)
    assert f"myst2qmd: error: cannot reach {url} (connection refused): is the server running? check --base-url" in (
        run.stderr
    )
    assert not (tmp_path / "k.qmd").exists()


def test_nothing_listening_for_a_book_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    book = _book(tmp_path / "buch")
    run = _openai(book, tmp_path / "out", f"http://127.0.0.1:{_free_port()}/v1")
    assert run.returncode == 1 and _first_attempt_only(run.stderr)
    assert "connection refused" in run.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_host_says_so(tmp_path: Path) -> None:
    run = _openai(_write(tmp_path), tmp_path / "k.qmd", "http://no-such-host.invalid/v1")
    assert run.returncode == 1 and _first_attempt_only(run.stderr)
    assert "cannot reach http://no-such-host.invalid/v1 (unknown host): check --base-url" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


def test_tls_failure_says_so(tmp_path: Path) -> None:
    with FakeOpenAI() as server:  # plain HTTP: a TLS handshake with it fails
        url = server.base_url.replace("http://", "https://")
        run = _openai(_write(tmp_path), tmp_path / "k.qmd", url)
        assert server.requests == 0  # the handshake failed before any request
    assert run.returncode == 1 and _first_attempt_only(run.stderr)
    assert f"cannot reach {url} (TLS failure" in run.stderr and "http or https" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


def test_wrong_key_exits_1_fast_with_check_your_key(tmp_path: Path) -> None:
    with FakeOpenAI(mode="unauthorized") as server:
        run = _openai(_write(tmp_path), tmp_path / "k.qmd", server.base_url, env={"OPENAI_API_KEY": "sk-x"})
        requests = server.requests
    assert run.returncode == 1 and requests <= 2  # no retries
    assert "HTTP 401" in run.stderr and "check your key (OPENAI_API_KEY)" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


def test_wrong_key_on_a_book_costs_one_request(tmp_path: Path) -> None:
    """The probe: a long run sends one short request first, and stops there if it is refused."""
    with FakeOpenAI(mode="unauthorized") as server:
        run = _openai(_book(tmp_path / "buch"), tmp_path / "out", server.base_url)
        assert server.requests == 1
    assert run.returncode == 1 and "check your key" in run.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_model_says_model_not_found(tmp_path: Path) -> None:
    with FakeOpenAI(mode="no-model") as server:
        run = _openai(_write(tmp_path), tmp_path / "k.qmd", server.base_url)
        requests = server.requests
    assert run.returncode == 1 and requests <= 2  # no retries
    assert "model 'm' not found" in run.stderr and "check --model" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


def test_wrong_path_says_check_base_url(tmp_path: Path) -> None:
    with FakeOpenAI(mode="no-route") as server:
        run = _openai(_write(tmp_path), tmp_path / "k.qmd", server.base_url)
        requests = server.requests
    assert run.returncode == 1 and requests <= 2  # no retries
    assert "/chat/completions not found (HTTP 404): check --base-url" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


def test_exhausted_quota_429_exits_1(tmp_path: Path) -> None:
    with FakeOpenAI(mode="quota") as server:
        run = _openai(_write(tmp_path), tmp_path / "k.qmd", server.base_url)
        requests = server.requests
    assert run.returncode == 1 and requests <= 2  # no retries
    assert "insufficient_quota" in run.stderr and "quota of this key is used up" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


def test_deepl_without_a_network_exits_1_fast(tmp_path: Path) -> None:
    src = _write(tmp_path)
    run = _cli(
        "convert", str(src), "--engine", "deepl", "--base-url", f"http://127.0.0.1:{_free_port()}",
        env={"DEEPL_AUTH_KEY": "key:fx"},
    )  # fmt: skip
    assert run.returncode == 1 and "attempts" not in run.stderr and "in a row" not in run.stderr
    assert "cannot reach DeepL at http://127.0.0.1:" in run.stderr and "(connection refused)" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


def test_deepl_wrong_key_exits_1_fast(tmp_path: Path) -> None:
    src = _write(tmp_path)
    with FakeDeepL() as server:
        run = _cli(
            "convert", str(src), "--engine", "deepl", "--base-url", server.url, env={"DEEPL_AUTH_KEY": "wrong:fx"}
        )
        translate = [r for r in server.requests if r["path"].startswith("/v2/translate")]
    assert run.returncode == 1 and len(translate) == 1
    assert "DeepL refused the key (HTTP 403): check your key (DEEPL_AUTH_KEY)" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


@pytest.mark.parametrize(
    ("word", "why"),
    [
        ("Kaputtjson", "DeepL's answer cannot be read"),
        ("Einzelsurrogat", "lone surrogate"),
        ("Wagenrücklauf", "line break other than"),
    ],
)
def test_deepl_malformed_reply_keeps_the_german_with_a_warning(tmp_path: Path, word: str, why: str) -> None:
    src = _write(tmp_path, SMALL + f"\nDieser Absatz enthält das Wort {word} und bekommt eine kaputte Antwort.\n")
    with FakeDeepL() as server:
        run = _cli(
            "convert", str(src), "--engine", "deepl", "--base-url", server.url, "--no-cache",
            env={"DEEPL_AUTH_KEY": "key:fx"},
        )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = (tmp_path / "k.qmd").read_text(encoding="utf-8")
    assert f"{word} und bekommt eine kaputte Antwort." in out and "Ein Filter gleitet" not in out
    # the paragraph was halved: the half that holds the word is kept, and the warning says so (issue 19)
    kept = f"{src}:7: warning [translation-kept]: kept part of the paragraph in the original language: "
    assert kept in run.stderr and why in run.stderr and f"Wort {word}" in run.stderr


# -- transient errors: retried, then a run-wide circuit breaker ----------------------------------


def test_server_dying_half_way_through_a_book_keeps_the_rest_and_says_so_once(tmp_path: Path) -> None:
    book, out = _book(tmp_path / "buch", paragraphs=100), tmp_path / "out"
    with FakeOpenAI(die_after=3) as server:
        run = _openai(book, out, server.base_url, "--jobs", "4", "--no-cache")
        answered = server.answered
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("stopped sending:") == 1
    assert re.search(r"stopped sending: \d+ failed requests in a row; the last: cannot reach .*refused", run.stderr)
    summary = next(line for line in run.stderr.splitlines() if line.startswith("engine openai"))
    assert f"{answered} requests answered" in summary and answered >= 3
    # the breaker stopped it: its 8 failures in a row, and at most one more per job in flight
    failed = int(re.findall(r"(\d+) failed", summary)[0])
    assert 8 <= failed <= 8 + 4
    kept = [line for line in run.stderr.splitlines() if "not sent: the engine stopped answering" in line]
    assert len(kept) >= 10  # every segment that was not sent is warned, at its own line
    warned = r"^.*kapitel\d\.md:\d+: warning \[translation-kept\]: kept the original"
    assert all(re.match(warned, line) for line in kept)
    texts = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.qmd"))
    assert "Absatz" in texts and "the network learns" in texts.lower()  # some translated, the rest kept


def test_a_server_answering_garbage_forever_ends_with_exit_1(tmp_path: Path) -> None:
    """HTTP 200 with an empty body for every request: the breaker ends it; the engine never worked."""
    with FakeOpenAI(mode="empty") as server:
        run = _openai(_book(tmp_path / "buch"), tmp_path / "out", server.base_url)
        requests = server.requests
    assert run.returncode == 1 and requests <= 12
    assert "gave no usable answer" in run.stderr and "HTTP 200 with an empty body" in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_server_failing_with_500_forever_ends_in_bounded_time() -> None:
    qmd = convert_text(SMALL).text
    with FakeOpenAI(mode="broken") as server:
        engine = OpenAIEngine(server.base_url, "m", backoff=0.01)
        # the first short request alone (more than one batch), or the breaker: either ends it
        failed = r"no usable answer \(8 failed requests in a row; the last: HTTP 5|first short request .*HTTP 500"
        with pytest.raises(FatalEngineError, match=failed):
            Translator(engine).translate_document(qmd)
        assert server.requests <= 10


def test_a_server_that_never_answers_ends_in_bounded_time() -> None:
    qmd = convert_text(SMALL).text
    with FakeOpenAI(mode="hang", hang=2.0) as server:
        engine = OpenAIEngine(server.base_url, "m", timeout=0.2, backoff=0.01, max_attempts=3)
        with pytest.raises(FatalEngineError, match="timed out"):
            Translator(engine).translate_document(qmd)
        assert server.requests <= 8  # the breaker's threshold


def test_a_book_against_a_server_that_never_answers_stops_after_the_probe() -> None:
    """The first request of a long run goes alone; if it gets no answer at all, the run stops there,
    after two attempts (a timed-out request is retried once, not five times: issue 18.6)."""
    docs = [convert_text(SMALL).text, convert_text(SMALL.replace("Filter", "Kern")).text]
    with FakeOpenAI(mode="hang", hang=2.0) as server:
        engine = OpenAIEngine(server.base_url, "m", timeout=0.2, backoff=0.01, max_attempts=5)
        with pytest.raises(FatalEngineError, match=r"did not answer a first short request \(no answer in 2 attempts"):
            Translator(engine).translate_many(docs, ["a.md", "b.md"])
        assert server.requests == 2 and len(json.loads(server.bodies[0]["messages"][-1]["content"])) == 1


def test_retry_after_3600_is_capped_and_said(tmp_path: Path) -> None:
    src = _write(tmp_path, SMALL + "\nDieser Absatz bekommt eine Wartestunde vom Server, dann geht es weiter.\n")
    with FakeOpenAI() as server:
        run = _openai(src, tmp_path / "k.qmd", server.base_url, "--timeout", "1", "--no-cache")
    assert run.returncode == 0, run.stderr  # within run_cli's hang guard: it did not wait the hour
    assert (
        "myst2qmd: warning [engine-retry-after]: the engine asked to wait 3600 s before retrying (Retry-After); "
        "waited 1 s instead" in run.stderr
    )
    assert "Wartestunde" not in (tmp_path / "k.qmd").read_text(encoding="utf-8")  # translated on the retry


def test_summary_counts_answered_and_failed_requests_and_delivered_characters(tmp_path: Path) -> None:
    qmd = convert_text(SMALL + "\nHier gibt es einen Serverfehler, zweimal hintereinander, dann die Antwort.\n").text
    with FakeOpenAI() as server:
        engine = OpenAIEngine(server.base_url, "m", backoff=0.01, max_batch_units=2)
        _, report, _ = Translator(engine, jobs=1).translate_document(qmd)
        assert report.requests_failed == 2 == server.requests - server.answered
        assert report.engine_calls == server.answered >= 2
        assert report.characters_sent == server.answered_characters > 0
    src = _write(tmp_path)
    run = _openai(src, tmp_path / "k.qmd", f"http://127.0.0.1:{_free_port()}/v1")
    assert "characters" not in run.stderr  # nothing was sent: no summary claims otherwise


# -- malformed replies: the segment keeps its German, with a warning; never a crash ----------------

MALFORMED = {
    "Listeninhalt": "the answer's content is a list, not text",
    "Objektinhalt": "the answer's content is a dict, not text",
    "Tiefverschachtelt": "nested too deeply",
    "Tiefinhalt": "nested too deeply",
    "Einzelsurrogat": "lone surrogate",
    "Leerantwort": "HTTP 200 with an empty body",
}


@pytest.mark.parametrize("word", MALFORMED)
def test_malformed_reply_keeps_the_german_with_a_warning(tmp_path: Path, word: str) -> None:
    src = _write(tmp_path, SMALL + f"\nDieser Absatz enthält das Wort {word} und bekommt eine kaputte Antwort.\n")
    with FakeOpenAI() as server:
        run = _openai(src, tmp_path / "k.qmd", server.base_url, "--no-cache")
        requests = server.requests
    assert run.returncode == 0, run.stderr
    assert requests <= 10  # 8: the batch, the paragraph alone, its correction retry, its halves; not retried for long
    out = (tmp_path / "k.qmd").read_text(encoding="utf-8")  # valid UTF-8: no lone surrogate got in
    assert f"{word} und bekommt eine kaputte Antwort." in out  # the half that holds the word, in German
    assert "Ein Filter gleitet" not in out and "Die Gewichte" not in out  # the others translated
    warning = f"{src}:7: warning [translation-kept]: kept part of the paragraph in the original language: "
    assert warning in run.stderr and MALFORMED[word] in run.stderr and f"Wort {word}" in run.stderr


def test_connection_closed_mid_body_is_retried_then_kept(tmp_path: Path) -> None:
    qmd = convert_text(SMALL + "\nDieser Absatz endet mit einem Abbruch der Verbindung mitten in der Antwort.\n").text
    with FakeOpenAI() as server:
        engine = OpenAIEngine(server.base_url, "m", backoff=0.01, max_attempts=3)
        out, report, warnings = Translator(engine).translate_document(qmd, "k.md")
        requests = server.requests
    assert "Abbruch der Verbindung" in out and "Ein Filter gleitet" not in out
    assert [w.line for w in warnings] == [7] and "the connection broke off" in warnings[0].message
    # 14: the four paragraphs' request (3 attempts), each paragraph alone, the broken one's attempts and its
    # first half's, until the breaker stops sending after 8 failures in a row
    assert 3 <= report.requests_failed <= requests <= 15


def test_carriage_return_in_a_code_comment_reply_is_rejected(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "```{code-cell} ipython3\n# die Ausgabegrösse berechnen\n```\n\n"
        "```{code-cell} ipython3\n# den Wagenrücklauf hier prüfen\nx = 1\n```\n",
    )
    with FakeOpenAI() as server:
        run = _openai(src, tmp_path / "k.qmd", server.base_url, "--translate-code-comments", "--no-cache")
    assert run.returncode == 0, run.stderr
    out = (tmp_path / "k.qmd").read_text(encoding="utf-8")
    assert "# den Wagenrücklauf hier prüfen\nx = 1\n" in out and "\r" not in out
    assert "# die Ausgabegrösse berechnen" not in out  # the other comment was translated
    kept = f"{src}:6: warning [translation-kept]: kept the original code-comment text: the reply holds a line break"
    assert kept in run.stderr
    assert [s.kind for s in extract_segments(out, code_comments=True)] == ["code-comment", "code-comment"]


def test_text_problem_names_every_character_that_breaks_lines_or_unicode() -> None:
    for char in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
        assert "line break" in text_problem(f"a{char}b"), repr(char)
    assert "lone surrogate" in text_problem("a\udc80b")
    assert text_problem("Größe\nder Ausgabe ⟨1⟩\t€") == ""


def test_parity_check_reverts_a_code_comment_with_a_stray_line_break_instead_of_crashing() -> None:
    """The last line of defence, if a ``\\r`` got past the reply checks: revert, never ``edit past the end``."""
    cell = "```{{code-cell}} ipython3\n# {}\n```\n"
    qmd = convert_text(cell.format("erste Zeile") + "\n" + cell.format("zweite Zeile")).text
    segments = extract_segments(qmd, code_comments=True)
    texts = {segments[0].id: "first\rline", segments[1].id: "second line"}
    out, reverted = parity_repair(qmd, segments, texts, replace_segments(qmd, texts, segments))
    assert reverted == [segments[0].id]
    assert "# erste Zeile" in out and "# second line" in out and "\r" not in out


def test_a_servers_error_message_reaches_the_terminal_as_one_plain_line() -> None:
    said = server_message(httpx.Response(401, json={"error": {"message": "bad \x1b[31mkey\x1b[0m\nline"}}))
    assert said == "bad [31mkey [0m line"
    assert len(server_message(httpx.Response(404, text="Not Found " * 100))) == 200
