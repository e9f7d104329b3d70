"""How much a run waits for an engine that fails: the circuit breaker and the retry budget.

Per request (:class:`~.engines.base.RetryPolicy`): up to 5 attempts with backoff, but a
request that got no complete answer within ``--timeout`` is tried twice at most
(:data:`TIMEOUT_ATTEMPTS`). Per run (:class:`CircuitBreaker`): after 8 failed requests in a
row nothing more is sent, and every retry is paid from a budget that starts at
:data:`RETRY_BUDGET` and earns back one retry for every :data:`ANSWERS_PER_RETRY` answered
requests (never more than :data:`RETRY_BUDGET` banked): a server that fails now and then is
retried for a whole book, one that fails on most requests is not retried without end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .engines.base import EngineError

#: attempts of a request whose attempts timed out (the first, and one retry)
TIMEOUT_ATTEMPTS = 2
#: retries a run may make before it has earned any (and the most it keeps banked)
RETRY_BUDGET = 20
#: answered requests that earn the run one more retry
ANSWERS_PER_RETRY = 4


class CircuitOpenError(EngineError):
    """The run's circuit breaker is open: nothing more is sent."""


class NoAnswerError(EngineError):
    """A request got no answer in all its attempts (timeouts, HTTP 429/5xx, lost connections)."""


@dataclass
class CircuitBreaker:
    """Run-wide: after ``threshold`` failed requests in a row (any unit, any thread), stop sending.

    A request counts as failed when it got no answer (timeout, HTTP 429/5xx, a lost
    connection), was refused (HTTP 400), or got a body that is no answer of the engine's
    API at all (empty, not JSON, no text where the text belongs). A proper answer resets
    the count, even if the model's text in it is rejected: that is the model's failure,
    handled unit by unit, not the server's. Once open, the breaker stays open for the run:
    every further call raises :class:`CircuitOpenError` at once, and threads waiting out a
    backoff wake up. It also keeps the run's retry budget (:meth:`take_retry`).
    """

    threshold: int = 8
    #: failed requests since the last proper answer
    consecutive: int = 0
    #: requests the engine answered properly (0: it has not shown yet that it works)
    usable: int = 0
    #: why it opened ("" while closed)
    reason: str = ""
    #: retries the run may still make (see the module's docstring)
    retries_left: float = RETRY_BUDGET
    #: the most retries banked
    retry_budget: int = RETRY_BUDGET
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _opened: threading.Event = field(default_factory=threading.Event, repr=False)

    def check(self) -> None:
        """Raise :class:`CircuitOpenError` if the breaker is open."""
        if self.reason:
            raise CircuitOpenError(self.reason)

    def succeeded(self) -> None:
        with self._lock:
            self.consecutive = 0
            self.usable += 1
            self.retries_left = min(self.retry_budget, self.retries_left + 1 / ANSWERS_PER_RETRY)

    def failed(self, why: str) -> None:
        with self._lock:
            self.consecutive += 1
            if self.consecutive >= self.threshold and not self.reason:
                self.reason = f"{self.consecutive} failed requests in a row; the last: {why}"
                self._opened.set()

    def take_retry(self) -> bool:
        """Pay for one retry from the run's budget; False when it is used up."""
        with self._lock:
            if self.retries_left < 1:
                return False
            self.retries_left -= 1
            return True

    def open(self, reason: str) -> None:
        """Open the breaker now (a fatal error or an interrupt elsewhere): waiting threads wake and stop."""
        with self._lock:
            self.reason = self.reason or reason
            self._opened.set()

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (less if the breaker opens meanwhile), then :meth:`check`."""
        self._opened.wait(max(0.0, seconds))
        self.check()


@dataclass
class Pacer:
    """``--rpm``: requests spaced ``60 / rpm`` seconds apart, however many threads send them (a token
    bucket of one token, shared by the run's workers), so a provider's per-minute limit is never hit."""

    rpm: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self) -> float:
        """Wait for this request's turn; the seconds waited."""
        with self._lock:
            now = self.clock()
            at = now if self._next is None else max(now, self._next)
            self._next = at + 60.0 / self.rpm
        if at > now:
            self.sleep(at - now)
        return at - now
