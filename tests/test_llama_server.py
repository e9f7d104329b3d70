"""A real HTTP round trip: llama-cpp-python's OpenAI-compatible server with the packaged Gemma
model on 127.0.0.1, driven through ``myst2qmd convert --engine openai --base-url …``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from myst2qmd import convert_text
from myst2qmd.segments import extract_segments
from myst2qmd.translate.language import detect
from quarto_ast import assert_protected_spans_kept, summarize

FIXTURE = Path(__file__).parent / "fixtures" / "german" / "kurz.md"


#: ``python -m llama_cpp.server``, loading the model as the local engine does (without llama.cpp's
#: extra CPU buffer types, whose weight repacking crashes on AMX/AVX-512 machines such as CI's)
SERVER_MAIN = """
import runpy, sys
from myst2qmd.translate.engines.local import without_extra_buffer_types
with without_extra_buffer_types():
    sys.argv[0] = "llama_cpp.server"
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from myst2qmd.translate.engines.local import model_path

    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER_MAIN,
                "--model",
                str(model_path()),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                "--model_alias",
                "gemma",
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                pytest.fail("llama_cpp.server did not start within 180 s")
            time.sleep(0.5)
        _first_completion(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _first_completion(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """One tiny completion, so that a server that cannot run the model fails here, by name,
    rather than as a conversion that kept every segment in German."""
    body = {"model": "gemma", "messages": [{"role": "user", "content": "Hallo"}], "max_tokens": 4}
    try:
        httpx.post(f"{base_url}/chat/completions", json=body, timeout=120).raise_for_status()
    except httpx.HTTPError as exc:
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        pytest.fail(
            f"llama_cpp.server could not complete one request ({exc}; exit code {code}: a negative one is a "
            f"signal, -11 a crash inside llama.cpp running this model):\n{log.read_text()[-1500:]}"
        )


@pytest.fixture(scope="module")
def round_trip(llama_server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """One conversion through the server: (its stderr, the German conversion, the output)."""
    tmp_path = tmp_path_factory.mktemp("round_trip")
    out = tmp_path / "kurz.qmd"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "DEEPL_AUTH_KEY")}
    env["MYST2QMD_CACHE_DIR"] = str(tmp_path / "cache")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "myst2qmd",
            "convert",
            str(FIXTURE),
            "-o",
            str(out),
            "--engine",
            "openai",
            "--base-url",
            llama_server,
            "--model",
            "gemma",
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    plain = convert_text(FIXTURE.read_text(encoding="utf-8")).text
    return run.stderr, plain, out.read_text(encoding="utf-8")


def test_openai_engine_round_trip_through_llama_cpp_server(round_trip: tuple[str, str, str]) -> None:
    stderr, plain, translated = round_trip
    assert "Traceback" not in stderr
    assert "engine openai" in stderr and " 0 requests" not in stderr
    # protected spans are intact, whatever the small model made of the prose
    assert_protected_spans_kept(plain, translated)
    assert summarize(translated).figures == ["fig-filter"]
    # the server answered every request; what the pipeline accepted is a translation, never German
    # passed off as one (the 270M base model mostly echoes chat prompts: those replies are kept out
    # and warned, see test_local_engine.py for the same model translating through its own prompt)
    answered = re.search(r"(\d+) requests answered, (\d+) failed", stderr)
    assert answered is not None and int(answered.group(1)) >= 1 and answered.group(2) == "0", stderr
    changed = _changed_segments(plain, translated)
    german = [text for text in changed if _reads_german(text)]
    assert not german, f"German accepted as a translation: {german}\n{stderr}"
    # a segment kept only in part (one half kept) is changed too, and counted as kept
    counted = re.search(r"segments sent: (\d+) translated", stderr)
    in_part = set(re.findall(r":(\d+): warning \[translation-kept\]: kept part of", stderr))
    assert counted is not None and int(counted.group(1)) + len(in_part) == len(changed), stderr


@pytest.mark.xfail(
    strict=True,
    reason="the 270M model echoes the OpenAI engine's chat prompt: 0 of 5 prose segments come back "
    "translated (issue 23 item 6); a fix turns this into an XPASS, which fails until this mark goes",
)
def test_the_round_trip_translates_a_quarter_of_the_prose(round_trip: tuple[str, str, str]) -> None:
    """The test above passes when every segment is kept German: a run must also have translated
    something, at least a quarter of the prose segments."""
    stderr, plain, translated = round_trip
    segments = len(extract_segments(plain))
    changed = _changed_segments(plain, translated)
    assert segments > 0 and len(changed) >= max(1, segments // 4), (len(changed), segments, stderr)


def _changed_segments(plain: str, translated: str) -> list[str]:
    """Prose segments whose text differs from the German conversion."""
    before = {(s.kind, s.line): s for s in extract_segments(plain)}
    out = []
    for segment in extract_segments(translated):
        original = before.get((segment.kind, segment.line))
        if original is not None and segment.text != original.text and segment.has_prose:
            out.append(segment.masked()[0])
    return out


def _reads_german(text: str) -> bool:
    language, probability = detect(text, ("de", "en"))
    return language == "de" and probability >= 0.9
