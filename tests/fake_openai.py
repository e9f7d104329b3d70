"""A small OpenAI-compatible Chat Completions server on 127.0.0.1, for tests and benchmarks.

It "translates" each value of the JSON object it receives into English filler of about the
same length that keeps every ``⟨n⟩`` placeholder in order — enough for the pipeline's checks
(placeholders, language, length) to pass. Faults are triggered by words in the text, so a
test knows exactly which segments must end up kept in their original language:

======================  =============================================================
trigger word            fault
======================  =============================================================
``Drosselung``          first request holding it: HTTP 429 with ``Retry-After: 1``
``Baldigst``            first request holding it: HTTP 429 with ``Retry-After: soon`` (malformed)
``Serverfehler``        first two requests holding it: HTTP 500
``Zeitlimit``           first request holding it: no answer before the client times out
``Kaputtjson``          always: a body that is not JSON
``Platzhalterweg``      always: the unit's first placeholder is dropped
``Verdreht``            always: placeholders come back as ``⟨ n ⟩`` (acceptable mangling)
``Fehlend``             always: the unit's id is missing from the answer
``Abgeschnitten``       always: ``finish_reason: length``
``Vorrede``             always: "Here is the translation:" before the text
======================  =============================================================
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FILLER = "the network learns useful features from the training data and the model improves with each step "


def fake_translation(text: str) -> str:
    placeholders = re.findall(r"⟨\d+⟩", text)
    body_len = max(10, len(re.sub(r"⟨\d+⟩", "", text)))
    filler = (FILLER * (body_len // len(FILLER) + 1))[:body_len].rsplit(" ", 1)[0]
    words = filler.split(" ")
    # spread the placeholders through the sentence, in order
    for n, placeholder in enumerate(placeholders):
        at = min(len(words), (n + 1) * len(words) // (len(placeholders) + 1))
        words.insert(at, placeholder)
    return (" ".join(words).strip() or "the text").capitalize() + "."


class FakeOpenAI:
    """Start with ``with FakeOpenAI() as server: server.base_url``."""

    def __init__(self, delay: float = 0.0, hang: float = 5.0):
        self.delay = delay
        self.hang = hang
        self.requests = 0
        self.units = 0
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length))
                status, headers, payload = outer.answer(body)
                if status == -1:
                    time.sleep(outer.hang)
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _first(self, word: str, times: int = 1) -> bool:
        with self.lock:
            self.seen[word] += 1
            return self.seen[word] <= times

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.requests += 1
            self.bodies.append(body)
        if self.delay:
            time.sleep(self.delay)
        units = json.loads(body["messages"][-1]["content"])
        with self.lock:
            self.units += len(units)
        joined = " ".join(units.values())
        if "Drosselung" in joined and self._first("Drosselung"):
            return 429, {"retry-after": "1"}, {"error": {"message": "slow down"}}
        if "Baldigst" in joined and self._first("Baldigst"):
            return 429, {"retry-after": "soon"}, {"error": {"message": "a Retry-After that is no number"}}
        if "Serverfehler" in joined and self._first("Serverfehler", 2):
            return 500, {}, {"error": {"message": "boom"}}
        if "Zeitlimit" in joined and self._first("Zeitlimit"):
            return -1, {}, None
        if "Kaputtjson" in joined:
            return 200, {}, {"choices": [{"message": {"content": "{not json"}, "finish_reason": "stop"}]}
        out: dict[str, str] = {}
        finish = "stop"
        for key, text in units.items():
            translated = fake_translation(text)
            if "Platzhalterweg" in text:
                translated = re.sub(r"⟨\d+⟩", "", translated, count=1)
            if "Verdreht" in text:
                translated = re.sub(r"⟨(\d+)⟩", r"⟨ \1 ⟩", translated)
            if "Fehlend" in text:
                continue
            if "Abgeschnitten" in text:
                finish = "length"
            if "Vorrede" in text:
                translated = "Here is the translation: " + translated
            out[key] = translated
        message = {"content": json.dumps(out, ensure_ascii=False)}
        return 200, {}, {"choices": [{"message": message, "finish_reason": finish}]}
