"""A small DeepL API stand-in on 127.0.0.1 (``/v2/translate``, ``/v2/glossaries``), for the
``deepl`` engine's tests through the official client.

It answers like DeepL with ``tag_handling="xml"``: tags listed in ``ignore_tags`` come back
untouched, the rest becomes English filler. A text holding ``Kontingent`` gets HTTP 456
(quota exhausted); a key holding ``wrong`` gets HTTP 403; a text holding ``Kaputtjson`` gets
HTTP 200 with a body that is not JSON; ``Einzelsurrogat`` and ``Wagenrücklauf`` come back with
a lone surrogate and a ``\\r`` in their translation. ``spoil(text, reply)`` replaces every reply
(a hostile DeepL).

Transient failures, with DeepL's status codes and its error body ``{"message": …}``: a text
holding ``Drosselung`` gets HTTP 429 (Too Many Requests) on its first request,
``Serverfehler`` HTTP 503 on its first two, ``Zeitlimit`` no answer on its first (the server
waits ``hang`` seconds). ``mode`` makes every translation request fail one way:

==========  ==========================================================================
mode        answer to every ``/v2/translate`` request
==========  ==========================================================================
``busy``    HTTP 429 ``{"message": "Too many requests"}``
``broken``  HTTP 500 ``{"message": "Internal server error"}``
``hang``    nothing until ``hang`` seconds have passed
``drip``    the status line and headers, then the body one byte every ``drip`` seconds
``huge``    HTTP 200 with a body of 3 MiB
==========  ==========================================================================
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_openai import carried
from loopback import LoopbackServer


def english_like(text: str) -> str:
    tags = re.findall(r"<x\s+i=\"\d+\"\s*/>", text)
    words = ["the", "model", "learns", "features", "from", "data"] * 20
    count = max(3, len(re.sub(r"<[^>]+>", "", text).split()))
    kept, end = carried(text)
    out = words[: max(2, count - len(kept))] + kept
    for n, tag in enumerate(tags):
        out.insert(min(len(out), (n + 1) * len(out) // (len(tags) + 1)), tag)
    joined = " ".join(out)
    return joined[0].upper() + joined[1:] + end


class FakeDeepL(LoopbackServer):
    def __init__(
        self, spoil: Callable[[str, str], str] | None = None, mode: str = "", hang: float = 5.0, drip: float = 0.05
    ) -> None:
        self.spoil = spoil
        self.mode = mode
        self.hang = hang
        self.drip = drip
        #: bytes a dripping answer got out before the client went away
        self.dripped = 0
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.glossaries: dict[str, dict[str, Any]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: Any = None) -> None:
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _send_raw(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                outer.requests.append({"path": self.path, "auth": self.headers.get("authorization"), **body})
                if "wrong" in (self.headers.get("authorization") or ""):
                    self._send(403, {"message": "Wrong endpoint. Use https://api-free.deepl.com"})
                elif self.path.startswith("/v2/translate"):
                    texts = body.get("text", [])
                    if outer.failure(self, texts):
                        return
                    if any("Kontingent" in t for t in texts):
                        self._send(456, {"message": "Quota Exceeded"})
                        return
                    if any("Kaputtjson" in t for t in texts):
                        self._send_raw(200, b"<html>not json</html>")
                        return
                    ignored = body.get("ignore_tags") or []
                    spoil = outer.spoil or (lambda text, reply: reply)
                    results = [
                        {
                            "text": spoil(t, english_like(t)) if "x" in ignored else t,
                            "detected_source_language": "DE",
                            "billed_characters": len(t),
                        }
                        for t in texts
                    ]
                    for result, t in zip(results, texts, strict=True):
                        if "Einzelsurrogat" in t:
                            result["text"] = str(result["text"]).replace(" ", " \ud800 ", 1)
                        if "Wagenrücklauf" in t:
                            result["text"] = str(result["text"]).replace(" ", "\r", 1)
                    self._send(200, {"translations": results})
                elif self.path.startswith("/v2/glossaries"):
                    gid = f"g{len(outer.glossaries) + 1}"
                    info = {
                        "glossary_id": gid,
                        "name": body.get("name"),
                        "ready": True,
                        "source_lang": body.get("source_lang"),
                        "target_lang": body.get("target_lang"),
                        "creation_time": "2026-11-25T00:00:00.000Z",
                        "entry_count": len(str(body.get("entries", "")).splitlines()),
                    }
                    outer.glossaries[gid] = {**info, "entries": body.get("entries")}
                    self._send(201, info)
                else:
                    self._send(404, {"message": "not found"})

            def do_DELETE(self) -> None:  # noqa: N802
                gid = self.path.rsplit("/", 1)[-1]
                outer.glossaries.pop(gid, None)
                self._send(204)

        self.serve(Handler)

    @property
    def url(self) -> str:
        return self.origin

    def _first(self, word: str, times: int = 1) -> bool:
        with self.lock:
            self.seen[word] += 1
            return self.seen[word] <= times

    def failure(self, handler: Any, texts: list[str]) -> bool:
        """Answer a translation request with the failure its ``mode`` or trigger words ask for (True if so)."""
        joined = " ".join(texts)
        if self.mode == "busy" or ("Drosselung" in joined and self._first("Drosselung")):
            handler._send(429, {"message": "Too many requests"})
        elif self.mode == "broken":
            handler._send(500, {"message": "Internal server error"})
        elif "Serverfehler" in joined and self._first("Serverfehler", 2):
            handler._send(503, {"message": "Service unavailable"})
        elif self.mode == "hang" or ("Zeitlimit" in joined and self._first("Zeitlimit")):
            time.sleep(self.hang)
        elif self.mode == "huge":
            handler._send_raw(200, b" " * (3 * 1024 * 1024))
        elif self.mode == "drip":
            self.trickle(handler)
        else:
            return False
        return True

    def trickle(self, handler: Any) -> None:
        """Headers, then a body one byte every ``drip`` seconds, until the client goes away."""
        data = json.dumps({"translations": [{"text": "x" * 400, "detected_source_language": "DE"}]}).encode()
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        self.drip_out(handler, data)
