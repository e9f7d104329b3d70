"""The ``openai`` engine: any OpenAI-compatible Chat Completions endpoint.

OpenAI, Ollama (``http://localhost:11434/v1``), vLLM, llama.cpp's server, LM Studio. Several
units go in one request, as a JSON object keyed by unit id; the answer must be a JSON object
with the same keys. Structured output (``response_format`` json_schema) is asked for and
dropped if the server refuses it. 429/503 honour ``Retry-After``; 5xx, timeouts and broken
connections are retried with exponential backoff and jitter.
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import threading
import time
from typing import Any

import httpx

from .base import EngineError, FatalEngineError, Reply, Request, Unit

LANGUAGE_NAMES = {"de": "German", "en": "English", "fr": "French", "it": "Italian", "es": "Spanish", "nl": "Dutch"}

SYSTEM_PROMPT = """You translate university lecture notes from {source} to {target}.
You receive a JSON object whose values are pieces of Markdown prose. Answer with a JSON object with exactly \
the same keys, each value the {target} translation of that piece.
Rules:
- Every placeholder like ⟨1⟩ stands for code, math, a reference or a link: keep each one exactly once, \
unchanged, where it belongs in the translated sentence.
- Keep Markdown emphasis (_x_, **x**) and line breaks; translate the words inside.
- Keep technical terms that the source writes in English as they are.
- Answer with the JSON object only: no explanation, no code fence."""


EXAMPLE_IN = {"e1": "Ein Filter gleitet über das Bild ⟨1⟩, siehe ⟨2⟩.", "e2": "Quelle: ⟨1⟩."}
EXAMPLE_OUT = {"e1": "A filter slides over the image ⟨1⟩, see ⟨2⟩.", "e2": "Source: ⟨1⟩."}


def retry_after(response: httpx.Response) -> float | None:
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
            raise EngineError("the answer is not JSON") from None
        try:
            data = json.loads(text[start : end + 1])
        except json.JSONDecodeError as exc:
            raise EngineError(f"the answer is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise EngineError("the answer is not a JSON object")
    return data


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
        max_tokens: int | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_batch_chars = max_batch_chars
        self.max_batch_units = max_batch_units
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_tokens = max_tokens
        #: 2: response_format json_schema, 1: json_object (with the schema), 0: plain JSON in the prompt
        self._structured = 2
        self._lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def _messages(self, units: list[Unit], request: Request) -> list[dict[str, str]]:
        source = LANGUAGE_NAMES.get(request.source_lang, request.source_lang)
        target = LANGUAGE_NAMES.get(request.target_lang, request.target_lang)
        system = SYSTEM_PROMPT.format(source=source, target=target)
        terms = sorted({pair for unit in units for pair in unit.glossary})
        if terms:
            system += "\nUse this glossary (source → target):\n" + "\n".join(f"- {a} → {b}" for a, b in terms)
        notes = sorted({unit.note for unit in units if unit.note})
        if notes:
            system += "\n" + "\n".join(notes)
        payload = json.dumps({unit.id: unit.text for unit in units}, ensure_ascii=False)
        messages = [{"role": "system", "content": system}]
        if request.source_lang == "de" and request.target_lang == "en":
            # one worked example: small local models follow it far better than the rules alone
            messages += [
                {"role": "user", "content": json.dumps(EXAMPLE_IN, ensure_ascii=False)},
                {"role": "assistant", "content": json.dumps(EXAMPLE_OUT, ensure_ascii=False)},
            ]
        return messages + [{"role": "user", "content": payload}]

    def _body(self, units: list[Unit], request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": self._messages(units, request), "temperature": 0}
        if self.max_tokens:
            body["max_tokens"] = self.max_tokens
        else:
            body["max_tokens"] = max(256, sum(len(u.text) for u in units) * 2 + 64 * len(units))
        ids = [unit.id for unit in units]
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

    def _post(self, units: list[Unit], request: Request) -> dict[str, Any]:
        last = "no attempt made"
        for attempt in range(self.max_attempts):
            try:
                response = self.client.post("/chat/completions", json=self._body(units, request))
            except httpx.TimeoutException:
                last = "timed out"
            except httpx.TransportError as exc:
                last = f"connection failed: {exc}"
            else:
                status = response.status_code
                if status == 200:
                    try:
                        data = response.json()
                    except ValueError:
                        last = "the server sent a body that is not JSON"
                    else:
                        if isinstance(data, dict):
                            return data
                        last = "the server sent an unexpected body"
                elif status in (400, 422, 500) and self._structured > 0 and "response_format" in response.text:
                    # the server has no (such) structured output: step down to the next form
                    with self._lock:
                        self._structured = max(0, self._structured - 1)
                    continue
                elif status in (401, 403):
                    raise FatalEngineError(f"the server refused the key (HTTP {status}); set OPENAI_API_KEY")
                elif status == 404:
                    raise FatalEngineError(
                        f"{self.base_url}/chat/completions or model '{self.model}' not found (HTTP 404)"
                    )
                elif status in (429, 503) or status >= 500:
                    wait = retry_after(response)
                    last = f"HTTP {status}"
                    if wait is not None:
                        time.sleep(min(wait, 60.0))
                        continue
                else:
                    raise EngineError(f"HTTP {status}: {response.text[:200]}")
            if attempt + 1 < self.max_attempts:
                time.sleep(self.backoff * (2**attempt) * (0.5 + random.random()))
        raise EngineError(f"gave up after {self.max_attempts} attempts ({last})")

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        data = self._post(units, request)
        try:
            choice = data["choices"][0]
            content = choice["message"]["content"] or ""
            finish = str(choice.get("finish_reason") or "")
        except (KeyError, IndexError, TypeError) as exc:
            raise EngineError(f"unexpected answer shape: {exc}") from None
        answer = parse_json_object(content)
        replies = {}
        for unit in units:
            value = answer.get(unit.id)
            if isinstance(value, str):
                replies[unit.id] = Reply(value, finish)
        return replies

    def close(self) -> None:
        self.client.close()
