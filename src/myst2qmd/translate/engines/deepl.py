"""The ``deepl`` engine, with the official ``deepl`` client.

Placeholders travel as XML tags DeepL leaves alone (``⟨1⟩`` → ``<x i="1"/>``,
``tag_handling="xml"``, ``ignore_tags=["x"]``); requests stay under DeepL's 128 KiB; a
glossary is created for the run and deleted after it.

Every request goes through :mod:`.transport` (mounted on the client's ``requests`` session):
``--timeout`` bounds each request as a whole, and a reply's size is capped. The client's own
retries are switched off (``deepl.http_client.max_network_retries``, for
as long as the engine is open): the pipeline retries, so a missing network or a wrong key
stops the run at once instead of after the client's backoff. A wrong key (HTTP 401/403),
an exhausted quota (HTTP 456) and a wrong server URL (404) are fatal; 429, 5xx and
timeouts are transient; an answer the client cannot read is a malformed reply.
"""

from __future__ import annotations

import contextlib
import html
import io
import re
from typing import Any

import httpx
import requests
from requests.structures import CaseInsensitiveDict

from ...languages import deepl_source, deepl_target
from ...placeholders import PLACEHOLDER, placeholder
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
from .transport import new_client, send

_TAG = re.compile(r"<x\s+i=\"(\d+)\"\s*/>")


def to_xml(text: str) -> str:
    """``"a < b ⟨1⟩"`` → ``'a &lt; b <x i="1"/>'``."""
    return PLACEHOLDER.sub(lambda m: f'<x i="{m.group(1)}"/>', html.escape(text, quote=False))


def from_xml(text: str) -> str:
    return html.unescape(_TAG.sub(lambda m: placeholder(int(m.group(1))), text))


class DeepLEngine:
    name = "deepl"
    max_batch_chars = 100_000  # DeepL takes 128 KiB per request; leave room for tags and escaping
    max_batch_units = 50

    def __init__(
        self,
        auth_key: str,
        *,
        target_variant: str = "EN-US",
        server_url: str | None = None,
        glossary: dict[str, str] | None = None,
        timeout: float = 120.0,
        target_lang: str = "en",
    ):
        try:
            import deepl
        except ImportError as exc:  # pragma: no cover - deepl is a dependency
            raise FatalEngineError("the deepl package is not installed: pip install deepl") from exc
        self._deepl = deepl
        self.target_variant = target_variant
        #: DeepL's target (``EN-GB``): a variant DeepL lacks (``en-AU``) is a LanguageError here
        self.model = deepl_target(target_lang, target_variant)
        self.retry = RetryPolicy(max_retry_after=min(30.0, timeout))
        self.server_url = server_url or (
            "https://api-free.deepl.com" if auth_key.endswith(":fx") else "https://api.deepl.com"
        )
        self._flag = "--base-url" if server_url else "your network"
        self.timeout = timeout
        self.translator = deepl.Translator(auth_key, server_url=server_url)
        # every request through our transport: one deadline per request, a capped reply
        self._http = new_client()
        adapter = DeadlineAdapter(self._http, timeout)
        session = self.translator._client._session
        for prefix in ("http://", "https://"):
            session.mount(prefix, adapter)
        # the pipeline retries: the client's own (process-wide) retries are off while this engine is open
        self._client_retries = deepl.http_client.max_network_retries
        deepl.http_client.max_network_retries = 0
        self._glossary_entries = glossary or {}
        self._glossary: Any = None

    def _target(self, request: Request) -> str:
        """DeepL's spelling of the request's target (``en-GB`` → ``EN-GB``, ``en`` → ``--deepl-target``)."""
        return deepl_target(request.target_tag or request.target_lang, self.target_variant)

    def _ensure_glossary(self, request: Request) -> Any:
        if not self._glossary_entries or self._glossary is not None:
            return self._glossary
        try:
            self._glossary = self.translator.create_glossary(
                "myst2qmd",
                source_lang=request.source_lang.upper(),
                target_lang=request.target_lang.upper(),
                entries=self._glossary_entries,
            )
        except self._deepl.DeepLException as exc:
            raise self._failure(exc, "could not create the DeepL glossary: ") from None
        return self._glossary

    def _failure(self, exc: Exception, prefix: str = "") -> EngineError:
        """The engine error a DeepL client exception stands for (fatal, unreachable, transient, …)."""
        deepl = self._deepl
        if isinstance(exc.__cause__, EngineError):  # from our transport (a reply too large), through the client
            return exc.__cause__
        status = getattr(exc, "http_status_code", None)
        if isinstance(exc, deepl.QuotaExceededException) or status == 456:
            return FatalEngineError(
                "DeepL quota exhausted (HTTP 456): check your plan at deepl.com; "
                "finished work is cached, run again later"
            )
        if isinstance(exc, deepl.AuthorizationException) or status in (401, 403):
            return FatalEngineError(f"DeepL refused the key (HTTP {status or 403}): check your key (DEEPL_AUTH_KEY)")
        if status == 404 and not isinstance(exc, deepl.GlossaryNotFoundException):
            return FatalEngineError(f"{self.server_url} is no DeepL API (HTTP 404): check --base-url")
        if isinstance(exc, deepl.ConnectionException):
            what = connection_problem(exc)
            # the client wraps a requests exception: ConnectTimeout, ReadTimeout, ConnectionError, …
            kinds = {kind.__name__ for kind in type(exc.__cause__).__mro__}
            if "ConnectTimeout" in kinds:
                what = "no connection in time"
            elif "Timeout" in kinds:
                return TimedOutError(f"{prefix}DeepL gave no complete answer within {self.timeout:g} s (timed out)")
            elif what not in ("connection refused", "unknown host") and not what.startswith("TLS"):
                return TransientError(f"{prefix}the connection to DeepL broke off ({what})")
            return UnreachableError(f"cannot reach DeepL at {self.server_url} ({what}): check {self._flag}")
        if isinstance(exc, deepl.TooManyRequestsException) or status == 429:
            return RateLimitedError(f"{prefix}DeepL: {exc}")
        if status is not None and status >= 500:
            return TransientError(f"{prefix}DeepL: {exc}")
        if isinstance(exc, deepl.DeepLException):
            return EngineError(f"{prefix}DeepL: {exc}")
        return MalformedReplyError(f"{prefix}DeepL's answer cannot be read ({type(exc).__name__})")

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        deepl = self._deepl
        texts = [to_xml(unit.text) for unit in units]
        try:
            results = self.translator.translate_text(
                texts,
                source_lang=deepl_source(request.source_lang),
                target_lang=self._target(request),
                tag_handling="xml",
                ignore_tags=["x"],
                preserve_formatting=True,
                glossary=self._ensure_glossary(request),
            )
        except EngineError:
            raise
        except deepl.DeepLException as exc:
            raise self._failure(exc) from None
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:  # an unreadable answer
            raise self._failure(exc) from None
        if not isinstance(results, list):
            results = [results]
        if len(results) != len(units):  # e.g. a body that is not JSON: the client reads no translations
            found = f"{len(results)} translations for {len(units)} texts"
            raise MalformedReplyError(f"DeepL's answer cannot be read ({found})")
        replies = {}
        for unit, result in zip(units, results, strict=False):
            text = getattr(result, "text", None)
            replies[unit.id] = reply_from(from_xml(text) if isinstance(text, str) else text, "stop", unit.text)
        return replies

    def close(self) -> None:
        if self._glossary is not None:
            with contextlib.suppress(self._deepl.DeepLException):
                self.translator.delete_glossary(self._glossary)
            self._glossary = None
        self._deepl.http_client.max_network_retries = self._client_retries
        self._http.close()


class DeadlineAdapter(requests.adapters.BaseAdapter):
    """A ``requests`` transport adapter that sends through :func:`send`: for the official DeepL client.

    Timeouts become ``requests``' own exceptions (``ConnectTimeout``, ``ReadTimeout``), lost
    connections its ``ConnectionError`` (with httpx's exception as the cause), so the client
    reports them as it always does; :class:`ReplyTooLarge` passes through.
    """

    def __init__(self, client: httpx.Client, timeout: float) -> None:
        super().__init__()
        self.client = client
        self.timeout = timeout

    def send(self, request: Any, stream: bool = False, timeout: Any = None, *args: Any, **kwargs: Any) -> Any:
        errors = requests.exceptions
        try:
            answer = send(
                self.client, request.method, request.url, timeout=self.timeout,
                headers=dict(request.headers), content=request.body,
            )  # fmt: skip
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise errors.InvalidURL(str(exc), request=request) from exc
        except httpx.ConnectTimeout as exc:
            raise errors.ConnectTimeout(str(exc), request=request) from exc
        except httpx.TimeoutException as exc:
            raise errors.ReadTimeout(str(exc), request=request) from exc
        except httpx.TransportError as exc:
            raise errors.ConnectionError(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.content
        response._content_consumed = True
        response.raw = io.BytesIO(b"")
        response.url = request.url
        response.request = request
        response.reason = ""
        return response

    def close(self) -> None:
        """The client belongs to the engine, which closes it."""
