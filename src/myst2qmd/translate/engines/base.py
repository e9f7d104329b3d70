"""The one interface every translation engine implements.

An engine receives :class:`Unit` s — prose with its protected spans already replaced by
``⟨n⟩`` placeholders — and returns one :class:`Reply` per unit. It never sees Markdown
structure, code, math or URLs; the pipeline validates what comes back.

One call of :meth:`Engine.translate` is one request. The engine says how it failed by the
class of the exception it raises; the pipeline retries, counts, and stops (see
:class:`RetryPolicy` and :mod:`myst2qmd.translate.pipeline`):

==============================  ====================================================================
exception                       meaning, and what the pipeline does
==============================  ====================================================================
:class:`FatalEngineError`       retrying cannot help (wrong key, model or URL, quota): stop the run
:class:`UnreachableError`       no connection (refused, unknown host, TLS): fatal before the engine
                                ever answered in this run, else retried like a transient error
:class:`TransientError`         no answer this time (429, 5xx, connection lost): retried with
                                backoff, ``Retry-After`` honoured up to a cap, within the run's
                                retry budget
:class:`TimedOutError`          no complete answer within ``--timeout`` (the whole request): a
                                transient error retried once at most
:class:`MalformedReplyError`    a body that is no answer of the API (empty, not JSON, a list where
                                the text belongs): the units are rejected (correction retry, halves,
                                else kept in the original), and it counts as a failed request
:class:`EngineError`            the request was refused (e.g. HTTP 400): as a malformed body
a :class:`Reply` with a         one unit's reply is unusable (a list, a lone surrogate, a stray
``problem``                     ``\\r``; the model's text is no JSON object): that unit is rejected
==============================  ====================================================================
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from typing import Protocol

from ...languages import primary


class EngineError(Exception):
    """A request failed; the pipeline may retry it."""


class FatalEngineError(EngineError):
    """Retrying cannot help (no key, quota exhausted, model missing): stop and say why."""


class TransientError(EngineError):
    """No answer this time (timeout, HTTP 429/5xx, a connection lost mid-answer): worth retrying."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        #: seconds the server asked us to wait (its ``Retry-After``), if it said
        self.retry_after = retry_after


class RateLimitedError(TransientError):
    """HTTP 429 (too many requests): the server is busy, not broken; it does not count towards
    the run's circuit breaker until a request has used up all its attempts."""


class TimedOutError(TransientError):
    """No complete answer within the request's deadline (``--timeout``, the whole request): retried
    once at most, since a server that was silent that long rarely answers the same request at once."""


class UnreachableError(TransientError):
    """No connection at all (refused, unknown host, TLS failure): fatal unless the engine answered before.

    The message says what and where and what to check, e.g. ``cannot reach
    http://127.0.0.1:9/v1 (connection refused): is the server running? check --base-url``.
    """


class MalformedReplyError(EngineError):
    """The engine answered, but the answer cannot be read (not JSON, a list for a text, …)."""


def connection_problem(exc: BaseException) -> str:
    """What went wrong with a connection, in a few words: ``connection refused``, ``unknown host``, ``TLS failure: …``.

    HTTP clients wrap the socket's error several times (httpx: ``__cause__``; requests and
    urllib3: ``.reason`` and ``args``); the innermost that says something is used.
    """
    seen: set[int] = set()
    todo: list[object] = [exc]
    text = " ".join(str(exc).split())
    while todo:
        error = todo.pop()
        if not isinstance(error, BaseException) or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ssl.SSLError):
            return f"TLS failure: {getattr(error, 'verify_message', None) or error.reason or error}"
        if isinstance(error, socket.gaierror):
            return "unknown host"
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        todo += [error.__cause__, error.__context__, getattr(error, "reason", None), *error.args]
    return text[:200] or type(exc).__name__


@dataclass(frozen=True)
class RetryPolicy:
    """How the pipeline retries an engine's :class:`TransientError` s."""

    #: attempts per request (the first one included)
    attempts: int = 5
    #: the first backoff in seconds; it doubles with each attempt (with jitter)
    backoff: float = 1.0
    #: the longest ``Retry-After`` honoured; longer ones are cut to this (and said so)
    max_retry_after: float = 30.0


#: for engines without a network (pseudo, local): nothing transient to retry
NO_RETRIES = RetryPolicy(attempts=1, backoff=0.0)


#: the line breaks other than ``\n`` that Python or Markdown readers count (``\r`` inside a code
#: comment would split the cell's lines; U+2028/U+2029 end a line for Python's ``splitlines``)
_LINE_BREAKS = frozenset("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: what no translation may hold: lone surrogates (not Unicode text), C0/C1 control characters
#: (tab and ``\n`` are text), those line breaks, and bidirectional overrides
_BAD_CHARS = re.compile(
    "[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ud800-\\udfff]"
)


def text_problem(text: str) -> str:
    """Why ``text`` cannot be a translation ("" if it can): the one check of bad characters, for engine
    replies, translations from the memory and reviewed PO entries alike (:func:`..validate.check`).

    >>> text_problem("Size\\rof the output")
    'the reply holds a line break other than \\\\n (U+000D)'
    >>> text_problem("a\\u2028b"), text_problem("\\x1b[31m")
    ('the reply holds a line break other than \\\\n (U+2028)', 'the reply holds a control character (U+001B)')
    """
    bad = _BAD_CHARS.search(text)
    if bad is None:
        return ""
    code = f"U+{ord(bad.group()):04X}"
    if "\ud800" <= bad.group() <= "\udfff":
        return f"the reply holds a lone surrogate ({code}), which is not valid Unicode"
    if bad.group() in _LINE_BREAKS:
        return f"the reply holds a line break other than \\n ({code})"
    return f"the reply holds a control character ({code})"


@dataclass(frozen=True)
class Unit:
    """One piece of text to translate."""

    id: str
    text: str
    #: glossary entries (source term → target term) that occur in this unit
    glossary: tuple[tuple[str, str], ...] = ()
    #: a note for a retry ("keep every ⟨n⟩ placeholder exactly once")
    note: str = ""


@dataclass
class Reply:
    """What the engine said for one unit."""

    text: str
    #: "stop", "length", … (as the API reports it; "" when the API has no such notion)
    finish_reason: str = ""
    #: why this reply cannot be used at all ("" if it can): the pipeline rejects it unread
    problem: str = ""


def longest_reply(source: str) -> int:
    """The most characters a reply to ``source`` may have before it is read at all: above anything
    the reply check's length test accepts (3 times the source, or 3 times its letters and 15), so
    a runaway reply is refused before the slower checks (placeholders, language) run on it."""
    return 4 * len(source) + 64


def reply_from(value: object, finish_reason: str = "", source: str | None = None) -> Reply:
    """A :class:`Reply` from what an engine's answer holds for one unit (a problem if it is no clean
    text, or, given the unit's ``source``, far longer than any translation of it).

    >>> reply_from(["a"]).problem
    'the reply for this unit is a list, not text'
    >>> reply_from("x" * 500, source="Ja").problem
    'the reply is far too long for its source (500 characters for 2)'
    """
    if not isinstance(value, str):
        return Reply("", finish_reason, f"the reply for this unit is a {_json_type(value)}, not text")
    if source is not None and len(value) > longest_reply(source):
        why = f"the reply is far too long for its source ({len(value)} characters for {len(source)})"
        return Reply("", finish_reason, why)
    return Reply(value, finish_reason, text_problem(value))


def _json_type(value: object) -> str:
    names = {dict: "JSON object", list: "list", bool: "boolean", int: "number", float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


@dataclass
class Request:
    """Settings that hold for a whole run."""

    #: the languages alone (``en``), for the reply checks and the language detector
    source_lang: str = "de"
    target_lang: str = "en"
    timeout: float = 60.0
    #: the whole target tag (``en-GB``; "" when it is ``target_lang``), for prompts and the memory
    target_tag: str = ""

    @classmethod
    def for_languages(cls, source: str, target: str, timeout: float = 60.0) -> Request:
        """The request for BCP 47 tags (``de``, ``en-GB``): languages alone, and the target's whole tag."""
        return cls(primary(source), primary(target), timeout, target if target != primary(target) else "")

    glossary_id: str = ""


class Engine(Protocol):
    """A translation engine."""

    name: str
    model: str
    #: the most characters of unit text the engine takes in one request
    max_batch_chars: int
    #: the most units in one request
    max_batch_units: int

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        """Translate ``units`` in one request; the result maps unit ids to replies (missing ids: failures).

        Raises the :class:`EngineError` subclass that says how the request failed. Engines that
        talk to a server have a ``retry`` attribute (a :class:`RetryPolicy`).
        """
        ...

    def close(self) -> None: ...
