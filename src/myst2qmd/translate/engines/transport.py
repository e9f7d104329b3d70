"""HTTP for the engines that talk to a server: one total deadline per request, a capped reply.

``--timeout`` bounds a request as a whole — connecting, sending, and reading every byte of
the answer — not each read: a server that drips one byte a second, or never finishes its
headers, is cut off when the request's time is up. httpcore's network backend is wrapped
(:func:`with_deadlines`), so every socket operation of a request waits at most until that
deadline, headers and body alike.

A reply's body is capped on the wire and after decoding (:data:`MAX_REPLY_BYTES`): a body
that is bigger, or a gzip body that inflates past the cap, is a :class:`ReplyTooLarge` after
reading at most the cap and one chunk — never held whole in memory. Only ``gzip`` and
``deflate`` are asked for and decoded (here, with a bound on the output).

The ``openai`` engine uses :func:`send` with an ``httpx.Client``; the ``deepl`` engine's
official client (built on ``requests``) is given an adapter that sends its requests the same
way (:class:`.deepl.DeadlineAdapter`).
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from .base import MalformedReplyError

#: the most bytes of one reply, on the wire and decoded (a DeepL request of 100,000 characters
#: comes back in well under 1 MiB, escapes and tags included)
MAX_REPLY_BYTES = 2 * 1024 * 1024
#: the longest wait for a connection (within the request's deadline)
CONNECT_TIMEOUT = 10.0
#: what the engines accept as a body's encoding (the ones decoded here, with a bound)
ACCEPT_ENCODING = "gzip, deflate"


class ReplyTooLarge(MalformedReplyError):
    """A reply bigger than :data:`MAX_REPLY_BYTES` (on the wire, or once decoded)."""


_local = threading.local()


def time_left() -> float | None:
    """Seconds until the current request's deadline in this thread (``None``: no request is running)."""
    at = getattr(_local, "deadline", None)
    return None if at is None else at - time.monotonic()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of this thread ends by ``seconds`` from now (see :func:`with_deadlines`)."""
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = None


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to the time left before the deadline; ``error`` once it has passed."""
    left = time_left()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes wait at most until the request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        inner = self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its connections bounded by the request's deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, bounded, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def with_deadlines(client: httpx.Client) -> httpx.Client:
    """``client`` with every transport's connections bounded by :func:`deadline` (proxies too).

    httpx has no public way to give its connection pool a network backend: the pool's is wrapped
    in place. If a later httpx has no such pool, the deadline is still checked between the
    chunks of a body (:func:`read_capped`), and ``tests/test_transport.py`` fails.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool: Any = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)
    return client


def new_client(**kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` (``kwargs`` as for it) whose requests :func:`send` bounds."""
    headers = {"Accept-Encoding": ACCEPT_ENCODING, **kwargs.pop("headers", {})}
    return with_deadlines(httpx.Client(headers=headers, **kwargs))


@dataclass(frozen=True)
class Answer:
    """A server's complete answer: status, headers and the decoded body (at most :data:`MAX_REPLY_BYTES`)."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def send(client: httpx.Client, method: str, url: str, *, timeout: float, **kwargs: Any) -> Answer:
    """One request that takes at most ``timeout`` seconds in all, its reply capped.

    Raises httpx's exceptions (a passed deadline is an ``httpx.TimeoutException``;
    ``ConnectTimeout`` while connecting), :class:`ReplyTooLarge`, or
    :class:`~.base.MalformedReplyError` for a body that cannot be decoded.
    """
    limits = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT))
    with deadline(timeout), client.stream(method, url, timeout=limits, **kwargs) as response:
        body = read_capped(response)
    return Answer(response.status_code, response.headers, body)


def read_capped(response: httpx.Response, limit: int = MAX_REPLY_BYTES) -> bytes:
    """The decoded body of a streamed ``response``; :class:`ReplyTooLarge` past ``limit`` bytes
    on the wire or decoded (what was read so far is dropped)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ReplyTooLarge(f"the reply is too large ({int(declared):,} bytes; at most {limit:,} are read)")
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    wire = 0
    body = bytearray()
    for chunk in response.iter_raw():
        wire += len(chunk)
        if wire > limit:
            raise ReplyTooLarge(f"the reply is too large (more than {limit:,} bytes)")
        body += decoder.decode(chunk, limit + 1 - len(body))
        if len(body) > limit:
            raise ReplyTooLarge(f"the reply is too large (it inflates to more than {limit:,} bytes)")
        left = time_left()
        if left is not None and left <= 0:  # the socket's own deadline should have ended it already
            raise httpx.ReadTimeout("the request's deadline passed")
    body += decoder.flush(limit + 1 - len(body))
    if len(body) > limit:
        raise ReplyTooLarge(f"the reply is too large (it inflates to more than {limit:,} bytes)")
    return bytes(body)


class _Decoder:
    """A ``Content-Encoding`` decoder whose output is bounded (``identity``, ``gzip``, ``deflate``)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = ",".join(part.strip() for part in encoding.lower().split(",") if part.strip())
        if self.encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise MalformedReplyError(f"the reply is encoded as {self.encoding[:40]!r}, which was not asked for")
        wbits = zlib.MAX_WBITS | 16 if "gzip" in self.encoding else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits) if self.encoding not in ("", "identity") else None
        self._first = True

    def decode(self, data: bytes, most: int) -> bytes:
        """Up to ``most`` decoded bytes of ``data`` (more input than that decodes to is left unread)."""
        if self._zlib is None:
            return data
        try:
            out = self._zlib.decompress(data, max(1, most))
        except zlib.error:
            if not (self._first and self.encoding == "deflate"):
                raise MalformedReplyError("the reply's compressed body cannot be decoded") from None
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" without the zlib header
            out = self.decode(data, most)
        self._first = False
        return out

    def flush(self, most: int) -> bytes:
        if self._zlib is None:
            return b""
        try:
            out = self._zlib.decompress(self._zlib.unconsumed_tail, max(1, most))
            if len(out) >= most or self._zlib.unconsumed_tail:
                return out  # past the cap already: the caller refuses it
            return out + self._zlib.flush()
        except zlib.error:
            raise MalformedReplyError("the reply's compressed body cannot be decoded") from None
