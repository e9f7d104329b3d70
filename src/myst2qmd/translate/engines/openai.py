"""The ``openai`` engine: any OpenAI-compatible Chat Completions endpoint.

OpenAI, Ollama (``http://localhost:11434/v1``), vLLM, llama.cpp's server, LM Studio. Several
units go in one request, as a JSON object keyed by their place in it (``"1"``, ``"2"``, …: short
keys, since every character is paid for); the answer must be a JSON object with the same keys.
Structured output (``response_format`` json_schema) is asked for and dropped if the server
refuses it.

One call is one request; how it failed is said by the exception's class (see
:mod:`.base`), and the pipeline retries: a wrong URL, key or model and an exhausted quota
stop the run at once, with a message that says what to check; timeouts (``timeout`` bounds
the whole request: :mod:`.transport`), 429 and 5xx (with their ``Retry-After``) and lost
connections are transient; a body that is no Chat
Completions answer is a malformed reply (it counts against the run's circuit breaker); a
model's text that is no JSON object of strings rejects the units (not the server).
"""

from __future__ import annotations

import email.utils
import json
import re
import threading
import time
from typing import Any

import httpx

from ...languages import language_name
from .base import (
    EngineError,
    FatalEngineError,
    MalformedReplyError,
    RateLimitedError,
    Reply,
    Request,
    RetryPolicy,
    TimedOutError,
    TransientError,
    Unit,
    UnreachableError,
    connection_problem,
    reply_from,
)
from .transport import CONNECT_TIMEOUT, Answer, new_client, send

#: the instructions of every request: what each request repeats, so said once and briefly
SYSTEM_PROMPT = """Translate lecture notes from {source} to {target}. Answer with a JSON object with the \
keys of the one you get, each value the {target} translation of its Markdown piece, and nothing else.
Keep each placeholder such as ⟨1⟩ (code, math, a link) exactly once, unchanged, where it belongs; keep \
emphasis (_x_, **x**), line breaks and the terms the source writes in English."""

#: one worked example (German → English only): small local models follow it far better than the rules
#: alone; it shows a unit as a request of several sends it, behind its marker (:mod:`..markers`)
EXAMPLE_IN = {"1": "⟨3⟩ Ein Filter gleitet über das Bild ⟨1⟩, siehe ⟨2⟩."}
EXAMPLE_OUT = {"1": "⟨3⟩ A filter slides over the image ⟨1⟩, see ⟨2⟩."}


def keyed(units: list[Unit]) -> dict[str, Unit]:
    """The units of one request by the keys they go out under: ``"1"``, ``"2"``, … in their order."""
    return {str(n): unit for n, unit in enumerate(units, 1)}


def retry_after(response: Answer | httpx.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None  # "Retry-After: soon": back off as usual
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def parse_json_object(content: str) -> dict[str, Any]:
    """The JSON object in a model's answer (a code fence or text around it is tolerated)."""
    text = content.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise MalformedReplyError("the answer is not JSON") from None
        try:
            data = json.loads(text[start : end + 1])
        except json.JSONDecodeError as exc:
            raise MalformedReplyError(f"the answer is not valid JSON: {exc}") from None
        except RecursionError:
            raise MalformedReplyError("the answer is JSON nested too deeply to read") from None
    except RecursionError:
        raise MalformedReplyError("the answer is JSON nested too deeply to read") from None
    if not isinstance(data, dict):
        raise MalformedReplyError("the answer is not a JSON object")
    return data


def read_body(response: Answer) -> dict[str, Any]:
    """The JSON object of an HTTP 200 answer, or :class:`MalformedReplyError`."""
    if not response.content.strip():
        raise MalformedReplyError("HTTP 200 with an empty body")
    try:
        data = json.loads(response.content)
    except RecursionError:
        raise MalformedReplyError("the server's answer is JSON nested too deeply to read") from None
    except ValueError:  # also UnicodeDecodeError
        raise MalformedReplyError("the server's answer is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedReplyError("the server's answer is not a JSON object")
    return data


def message_content(data: dict[str, Any]) -> tuple[str, str]:
    """``(content, finish_reason)`` of the first choice, or :class:`MalformedReplyError`."""
    try:
        choice = data["choices"][0]
        content = choice["message"]["content"]
        finish = choice.get("finish_reason") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        raise MalformedReplyError("the answer has no choices[0].message.content") from None
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise MalformedReplyError(f"the answer's content is a {type(content).__name__}, not text")
    return content, str(finish) if isinstance(finish, str) else ""


def web_page(response: Answer | httpx.Response) -> bool:
    """An HTML page, not an API's answer (an ordinary web server, or a URL without ``/v1``)."""
    kind = response.headers.get("content-type", "").lower()
    return "html" in kind or response.content.lstrip()[:1] == b"<"


#: statuses with which an ordinary web server answers a POST it has no API for (501: ``http.server``,
#: 405: nginx and Apache serving files; 200: a site's page; 404 has a message of its own): with a web
#: page, never worth a retry
NOT_AN_API = (200, 405, 501)


def server_message(response: Answer | httpx.Response) -> str:
    """The error message a server sent (``error.message`` of a JSON body, else its text; a web page's
    ``<title>``), on one line."""
    text = response.text
    if web_page(response):
        title = re.search(r"(?is)<title[^>]*>(.*?)</title>", text)
        text = f"a web page: {title.group(1)}" if title else "a web page"
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            text = error["message"]
        elif isinstance(error, str):
            text = error
    # one line, and nothing a terminal would act on (ANSI escapes from a hostile server)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:200]


class OpenAIEngine:
    """Chat Completions over HTTP."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout: float = 120.0,
        max_attempts: int = 5,
        max_batch_chars: int = 6000,
        max_batch_units: int = 20,
        backoff: float = 1.0,
        max_retry_after: float = 30.0,
        max_tokens: int | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_batch_chars = max_batch_chars
        self.max_batch_units = max_batch_units
        self.retry = RetryPolicy(attempts=max_attempts, backoff=backoff, max_retry_after=max_retry_after)
        self.max_tokens = max_tokens
        self.has_key = bool(api_key)
        #: seconds one request may take in all: connecting, sending, the whole answer
        self.timeout = timeout
        #: 2: response_format json_schema, 1: json_object (with the schema), 0: plain JSON in the prompt
        self._structured = 2
        self._lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        try:
            self.client = new_client(base_url=self.base_url, headers=headers)
        except httpx.InvalidURL as exc:
            raise FatalEngineError(f"--base-url {base_url} is not a URL ({exc})") from None

    def _messages(self, units: list[Unit], request: Request) -> list[dict[str, str]]:
        """The chat of one request: instructions, the glossary entries and notes its units need, the example,
        and the units as a JSON object keyed ``"1"``, ``"2"``, … (their order in ``units``)."""
        source = language_name(request.source_lang)
        target = language_name(request.target_tag or request.target_lang)
        system = SYSTEM_PROMPT.format(source=source, target=target)
        terms = sorted({pair for unit in units for pair in unit.glossary})
        if terms:
            system += "\nGlossary (source → target):\n" + "\n".join(f"{a} → {b}" for a, b in terms)
        notes = sorted({unit.note for unit in units if unit.note})
        if notes:
            system += "\n" + "\n".join(notes)
        payload = json.dumps({key: unit.text for key, unit in keyed(units).items()}, ensure_ascii=False)
        messages = [{"role": "system", "content": system}]
        if request.source_lang == "de" and request.target_lang == "en":
            messages += [
                {"role": "user", "content": json.dumps(EXAMPLE_IN, ensure_ascii=False)},
                {"role": "assistant", "content": json.dumps(EXAMPLE_OUT, ensure_ascii=False)},
            ]
        return messages + [{"role": "user", "content": payload}]

    def overhead(self, units: list[Unit], request: Request) -> int:
        """Characters a request of ``units`` sends beyond their texts: instructions, the example, glossary
        hints, correction notes, the JSON around the texts."""
        sent = sum(len(message["content"]) for message in self._messages(units, request))
        return max(0, sent - sum(len(unit.text) for unit in units))

    def _body(self, units: list[Unit], request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": self._messages(units, request), "temperature": 0}
        if self.max_tokens:
            body["max_tokens"] = self.max_tokens
        else:
            body["max_tokens"] = max(256, sum(len(u.text) for u in units) * 2 + 64 * len(units))
        ids = list(keyed(units))
        schema = {
            "type": "object",
            "properties": {i: {"type": "string"} for i in ids},
            "required": ids,
            "additionalProperties": False,
        }
        if self._structured == 2:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "translations", "strict": True, "schema": schema},
            }
        elif self._structured == 1:
            body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    def _send(self, units: list[Unit], request: Request) -> Answer:
        """One POST (and the structured-output step-downs a server asks for), each within ``timeout``
        seconds in all; transport failures classified."""
        while True:
            try:
                response = send(
                    self.client, "POST", "/chat/completions", json=self._body(units, request), timeout=self.timeout
                )
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise FatalEngineError(f"--base-url {self.base_url} is not a usable URL ({exc})") from None
            except httpx.ConnectTimeout:
                raise UnreachableError(
                    f"cannot reach {self.base_url} (no connection within {min(self.timeout, CONNECT_TIMEOUT):g} s): "
                    "is the server running? check --base-url and your network"
                ) from None
            except httpx.TimeoutException:
                raise TimedOutError(f"no complete answer within {self.timeout:g} s (timed out)") from None
            except httpx.ConnectError as exc:
                raise UnreachableError(self._unreachable(exc)) from None
            except httpx.TransportError as exc:  # e.g. the connection closed in the middle of the answer
                raise TransientError(f"the connection broke off ({exc or type(exc).__name__})") from None
            status = response.status_code
            if status in (400, 422, 500) and self._structured > 0 and "response_format" in response.text:
                # the server has no (such) structured output: step down to the next form
                with self._lock:
                    self._structured = max(0, self._structured - 1)
                continue
            return response

    def _unreachable(self, exc: Exception) -> str:
        what = connection_problem(exc)
        if what == "connection refused":
            return f"cannot reach {self.base_url} (connection refused): is the server running? check --base-url"
        if what.startswith("unknown host"):
            return f"cannot reach {self.base_url} ({what}): check --base-url and your network"
        if what.startswith("TLS"):
            return f"cannot reach {self.base_url} ({what}): check --base-url (http or https?) and the certificate"
        return f"cannot reach {self.base_url} ({what}): is the server running? check --base-url"

    def _refused(self, response: Answer) -> EngineError:
        """The error for an HTTP status other than 200 (fatal, transient, or a refused request)."""
        status, said = response.status_code, server_message(response)
        if status in (401, 403):
            key = "OPENAI_API_KEY" if self.has_key else "OPENAI_API_KEY: none is set"
            return FatalEngineError(
                f"{self.base_url} refused the request (HTTP {status}: {said}): check your key ({key})"
            )
        if status == 404:
            if "model" in said.lower():
                return FatalEngineError(
                    f"model '{self.model}' not found at {self.base_url} (HTTP 404: {said}): check --model "
                    f"(Ollama: ollama pull {self.model})"
                )
            return FatalEngineError(
                f"{self.base_url}/chat/completions not found (HTTP 404): check --base-url "
                "(OpenAI-compatible servers usually end in /v1)"
            )
        if status == 429 and "insufficient_quota" in response.text:
            return FatalEngineError(
                f"the quota of this key is used up (HTTP 429 insufficient_quota: {said}): check your plan and "
                "billing; finished work is cached, run again later"
            )
        if status in (408, 409, 425, 429) or status >= 500:
            kind = RateLimitedError if status == 429 else TransientError
            return kind(f"HTTP {status}" + (f": {said}" if said else ""), retry_after(response))
        return EngineError(f"HTTP {status}: {said}")

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        response = self._send(units, request)
        if response.status_code in NOT_AN_API and web_page(response):
            raise FatalEngineError(
                f"{self.base_url} answered with a web page (HTTP {response.status_code}: {server_message(response)}), "
                "not an OpenAI-compatible API: check --base-url (it usually ends in /v1, "
                "e.g. http://localhost:11434/v1 for Ollama, http://localhost:8080/v1 for llama.cpp)"
            )
        if response.status_code != 200:
            raise self._refused(response)
        content, finish = message_content(read_body(response))
        try:
            answer = parse_json_object(content)
        except MalformedReplyError as exc:
            # the server worked, the model wrote no JSON object: every unit is rejected, none is lost
            return {unit.id: Reply("", finish, str(exc)) for unit in units}
        sent = keyed(units)
        return {unit.id: reply_from(answer[key], finish, unit.text) for key, unit in sent.items() if key in answer}

    def close(self) -> None:
        self.client.close()
