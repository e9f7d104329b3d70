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
``Wartestunde``         first request holding it: HTTP 429 with ``Retry-After: 3600``
``Listeninhalt``        always: the message's ``content`` is a JSON list, not text
``Objektinhalt``        always: the message's ``content`` is a JSON object, not text
``Tiefverschachtelt``   always: the body is JSON nested 100,000 levels deep
``Tiefinhalt``          always: the ``content`` is JSON nested 100,000 levels deep
``Einzelsurrogat``      always: the unit's translation holds a lone surrogate (``\\ud800``)
``Wagenrücklauf``       always: the unit's translation holds a ``\\r``
``Leerantwort``         always: HTTP 200 with an empty body
``Abbruch``             always: HTTP 200 whose body breaks off (the connection closes)
``Riesenantwort``       always: the unit's translation is 400,000 characters long
======================  =============================================================

Errors have OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}`` (see
:func:`error`).

``mode`` makes every request fail one way (a wrong key, model or URL, an exhausted quota,
a server that answers garbage); ``die_after=n`` stops listening after ``n`` answers (a
server that dies half way through a book):

================  ==================================================================
mode              answer to every request
================  ==================================================================
``unauthorized``  HTTP 401 ``invalid_api_key``
``no-model``      HTTP 404 ``model_not_found``
``no-route``      HTTP 404 with an HTML page (a wrong ``--base-url``)
``quota``         HTTP 429 ``insufficient_quota``
``empty``         HTTP 200 with an empty body
``broken``        HTTP 500
``hang``          nothing until ``hang`` seconds have passed
``drip``          the status line and headers, then the body one byte every ``drip`` seconds
``drip-headers``  the status line and headers themselves one byte every ``drip`` seconds
``huge``          HTTP 200 with a 3 MiB body (chunked: no ``content-length`` to refuse early)
``bomb``          HTTP 200, ``content-encoding: gzip``: 100 kB that inflate to 100 MiB
``no-structured`` HTTP 400 ``invalid_request_error`` (param ``response_format``) for every
                  request with a ``response_format``, as OpenAI answers for a model without
                  structured output; plain requests are answered
``flaky``         every odd-numbered request HTTP 500, every even-numbered one answered
``busy``          HTTP 429 ``rate_limit_exceeded`` with ``Retry-After: 0``
================  ==================================================================
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from collections import Counter
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from typing import Any

from loopback import LoopbackServer

FILLER = "the network learns useful features from the training data and the model improves with each step "


#: what a translation carries over (the pipeline's plausibility checks look for it): numbers and names
CARRIED = re.compile(r"\d+|(?<![\w-])[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*(?!\w)")
NEGATION = re.compile(r"\b(?:nicht|nichts|kein\w*|nie|niemals|weder)\b", re.IGNORECASE)


def carried(text: str) -> tuple[list[str], str]:
    """The numbers and names of ``text`` (and ``not`` for a negation) a translation keeps, and its
    final mark (``?`` for a question), so that filler passes :mod:`myst2qmd.translate.plausible`."""
    plain = re.sub(r"⟨\d+⟩|<[^>]+>", " ", text)
    words = CARRIED.findall(plain) + (["not"] if NEGATION.search(plain) else [])
    return words, "?" if plain.rstrip().endswith("?") else "."


#: a placeholder the text starts with (a request's marker for its unit): a translation keeps it first
LEADING = re.compile(r"⟨\d+⟩ ")


def fake_translation(text: str) -> str:
    lead = LEADING.match(text)
    if lead:
        return lead.group() + fake_translation(text[lead.end() :])
    placeholders = re.findall(r"⟨\d+⟩", text)
    body_len = max(10, len(re.sub(r"⟨\d+⟩", "", text)))
    filler = (FILLER * (body_len // len(FILLER) + 1))[:body_len].rsplit(" ", 1)[0]
    kept, end = carried(text)
    words = filler.split(" ")[: max(1, len(filler.split(" ")) - len(kept))] + kept
    # spread the placeholders through the sentence, in order
    for n, placeholder in enumerate(placeholders):
        at = min(len(words), (n + 1) * len(words) // (len(placeholders) + 1))
        words.insert(at, placeholder)
    text = " ".join(words).strip() or "the text"
    return text[0].upper() + text[1:] + end


def error(message: str, kind: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """An error body as OpenAI sends it."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """A gzip body of about 100 kB that inflates to 100 MiB of a JSON string."""
    stream = gzip.compress(b'{"choices": "' + b" " * (100 * 1024 * 1024) + b'"}', compresslevel=9)
    return stream


#: a body trickled byte by byte: long enough that it cannot finish within a test's deadline
DRIP_BODY = json.dumps({"choices": [{"message": {"content": "{}" + " " * 400}, "finish_reason": "stop"}]}).encode()


DRIP_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(DRIP_BODY)


class FakeOpenAI(LoopbackServer):
    """Start with ``with FakeOpenAI() as server: server.base_url``."""

    def __init__(
        self,
        delay: float = 0.0,
        hang: float = 5.0,
        mode: str = "",
        die_after: int | None = None,
        drip: float = 0.05,
    ):
        self.delay = delay
        self.hang = hang
        self.drip = drip
        #: bytes a dripping answer got out before the client went away
        self.dripped = 0
        self.mode = mode
        self.die_after = die_after
        #: requests answered with HTTP 200, and the characters of unit text they held
        self.answered = 0
        self.answered_characters = 0
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
                if status == -3:
                    outer.trickle(self, headers_too=outer.mode == "drip-headers")
                    return
                if status == -4:  # chunked: the size is only known at the end
                    self.send_response(200)
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    chunk = b" " * 65536
                    for _ in range(len(payload) // len(chunk)):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(200 if status == -2 else status)
                headers = {"content-type": "application/json", **headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                # a body that breaks off: promise more than is sent, then close the connection
                self.send_header("content-length", str(len(data) + (500 if status == -2 else 0)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
                with outer.lock:
                    outer.answered += status == 200
                    dying = outer.die_after is not None and outer.answered == outer.die_after
                if dying:  # stop listening: from now on every connection is refused
                    threading.Thread(target=outer.die, daemon=True).start()

        self.serve(Handler)

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    def trickle(self, handler: BaseHTTPRequestHandler, headers_too: bool) -> None:
        """Send an answer one byte every ``drip`` seconds (all of it, with ``headers_too``), until the
        client goes away or the body is out."""
        head = DRIP_HEAD
        if not headers_too:
            handler.wfile.write(head)
            handler.wfile.flush()
        self.drip_out(handler, (head if headers_too else b"") + DRIP_BODY)

    def _first(self, word: str, times: int = 1) -> bool:
        with self.lock:
            self.seen[word] += 1
            return self.seen[word] <= times

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        """``(status, headers, payload)`` for one request (status -1: no answer, -2: a body that breaks off)."""
        status, headers, payload = self._answer(body)
        if status == 200:
            with self.lock:
                texts = list(json.loads(body["messages"][-1]["content"]).values())
                if len(texts) > 1:  # the units' own text, without the marker each goes out behind
                    texts = [LEADING.sub("", t, count=1) for t in texts]
                self.answered_characters += sum(len(t) for t in texts)
        return status, headers, payload

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.requests += 1
            self.bodies.append(body)
        if self.delay:
            time.sleep(self.delay)
        units = json.loads(body["messages"][-1]["content"])
        with self.lock:
            self.units += len(units)
        joined = " ".join(units.values())
        if self.mode:
            answer = self._mode_answer(body)
            if answer is not None:
                return answer
        if "Wartestunde" in joined and self._first("Wartestunde"):
            return 429, {"retry-after": "3600"}, error("come back in an hour", "requests", "rate_limit_exceeded")
        if "Leerantwort" in joined:
            return 200, {}, b""
        if "Abbruch" in joined:
            return -2, {}, b'{"choices": [{"message": {"content": "{\\"1\\": \\"The'
        if "Tiefverschachtelt" in joined:
            return 200, {}, b'{"choices": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        if "Tiefinhalt" in joined:
            return 200, {}, {"choices": [{"message": {"content": "[" * 100_000 + "]" * 100_000}}]}
        if "Listeninhalt" in joined:
            return 200, {}, {"choices": [{"message": {"content": list(units)}, "finish_reason": "stop"}]}
        if "Objektinhalt" in joined:
            content = {key: fake_translation(text) for key, text in units.items()}
            return 200, {}, {"choices": [{"message": {"content": content}, "finish_reason": "stop"}]}
        if "Drosselung" in joined and self._first("Drosselung"):
            return 429, {"retry-after": "1"}, error("slow down", "requests", "rate_limit_exceeded")
        if "Baldigst" in joined and self._first("Baldigst"):
            said = "a Retry-After that is no number"
            return 429, {"retry-after": "soon"}, error(said, "requests", "rate_limit_exceeded")
        if "Serverfehler" in joined and self._first("Serverfehler", 2):
            return 500, {}, error(SERVER_ERROR, "server_error")
        if "Zeitlimit" in joined and self._first("Zeitlimit"):
            return -1, {}, None
        if "Kaputtjson" in joined:
            return 200, {}, {"choices": [{"message": {"content": "{not json"}, "finish_reason": "stop"}]}
        out: dict[str, str] = {}
        finish = "stop"
        for key, sent in units.items():
            lead = LEADING.match(sent)
            head, text = (lead.group(), sent[lead.end() :]) if lead else ("", sent)  # the faults spare a marker
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
            if "Einzelsurrogat" in text:
                translated = translated.replace(" ", " \ud800 ", 1)
            if "Wagenrücklauf" in text:
                translated = translated.replace(" ", "\r", 1)
            if "Riesenantwort" in text:
                translated = (translated + " ") * (400_000 // len(translated))
            out[key] = head + translated
        # ASCII escapes: a lone surrogate travels as the JSON text \ud800
        message = {"content": json.dumps(out)}
        return 200, {}, {"choices": [{"message": message, "finish_reason": finish}]}

    def _mode_answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any] | None:
        """The answer of ``mode`` (``None``: answer as usual)."""
        wrong_key = error("Incorrect API key provided: sk-wrong.", "invalid_request_error", "invalid_api_key")
        no_model = "The model `m` does not exist or you do not have access to it."
        fixed: dict[str, tuple[int, dict[str, str], Any]] = {
            "unauthorized": (401, {}, wrong_key),
            "no-model": (404, {}, error(no_model, "invalid_request_error", "model_not_found")),
            "no-route": (404, {"content-type": "text/html"}, b"<html><body><h1>Not Found</h1></body></html>"),
            "quota": (429, {}, error("You exceeded your current quota.", "insufficient_quota", "insufficient_quota")),
            "busy": (429, {"retry-after": "0"}, error("Rate limit reached.", "requests", "rate_limit_exceeded")),
            "empty": (200, {}, b""),
            "broken": (500, {}, error(SERVER_ERROR, "server_error")),
            "hang": (-1, {}, None),
            "drip": (-3, {}, None),
            "drip-headers": (-3, {}, None),
            "huge": (-4, {}, b" " * (3 * 1024 * 1024)),
        }
        if self.mode == "bomb":
            return 200, {"content-encoding": "gzip"}, gzip_bomb()
        if self.mode in fixed:
            return fixed[self.mode]
        if self.mode == "no-structured":
            if "response_format" not in body:
                return None
            kind = body["response_format"]["type"]
            said = f"Invalid parameter: 'response_format' of type '{kind}' is not supported with this model."
            return 400, {}, error(said, "invalid_request_error", None, "response_format")
        if self.mode == "flaky":
            with self.lock:
                odd = self.requests % 2 == 1
            return (500, {}, error(SERVER_ERROR, "server_error")) if odd else None
        raise ValueError(f"unknown mode {self.mode!r}")


SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
