"""Sending: requests with their retries, the run-wide circuit breaker, and rescue of what fails.

Units not found in the memory go out in batches, ``jobs`` at a time; before a long run (a book,
or more than one batch) the shortest unit goes alone first, so a wrong URL or key stops the run
after one request. In a request of several units each unit carries a marker of its own
(:mod:`.markers`): a reply is taken only for the unit whose marker it holds. Every reply is
checked (:mod:`.acceptance`). A failed unit gets a correction
retry, then is split in half and the halves retried, and what still fails keeps its original
text (its failures are the job's, reported with ``file:line`` at write-back).

Engine failures (see :mod:`.engines.base`): fatal ones stop the run; transient ones are retried
with backoff (``Retry-After`` honoured up to a cap; a timed-out request once at most), within a
run-wide retry budget; and a run-wide :class:`.retries.CircuitBreaker` stops sending after
several failed requests in a row, so the rest keeps its original text instead of every unit
waiting out its own retries. An engine that never gave a usable answer in the run is fatal too.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from fractions import Fraction

from .acceptance import ReplyCheck
from .engines.base import (
    NO_RETRIES,
    Engine,
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
)
from .markers import CROSSED, mark, unmark
from .memory import Memory
from .planning import Job, batches
from .report import TranslationReport
from .retries import TIMEOUT_ATTEMPTS, CircuitBreaker, CircuitOpenError, NoAnswerError, Pacer
from .sentences import split_in_half

RETRY_NOTE = (
    "Your previous answer was rejected ({reason}). Translate again. Keep every ⟨n⟩ placeholder exactly "
    "once, unchanged; answer with the translation only."
)

#: one unit of a request, and the job piece it fills
Pending = tuple[Job, int, Unit]


def overhead(engine: Engine, units: list[Unit], request: Request) -> int:
    """Characters a request of ``units`` holds beyond their texts (the engine's ``overhead``; 0 without)."""
    measure = getattr(engine, "overhead", None)
    return int(measure(units, request)) if measure is not None else 0


@dataclass
class Requester:
    """Sends one request at a time to an engine, with its retries, through the run's circuit breaker."""

    engine: Engine
    request: Request
    #: stops sending after several failed requests in a row (run-wide)
    breaker: CircuitBreaker
    #: ``--rpm``: paces every request of the run (``None``: unpaced)
    pacer: Pacer | None = None
    _counting: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call(self, units: list[Unit], report: TranslationReport) -> dict[str, Reply]:
        """One request with its retries; counts what happened and feeds the circuit breaker.

        Raises FatalEngineError (stop the run), CircuitOpenError (nothing more is sent), or
        another EngineError (this request failed: its units are rejected).
        """
        policy: RetryPolicy = getattr(self.engine, "retry", NO_RETRIES)
        attempts = max(1, policy.attempts)
        marked, markers = mark(units)
        last, timeouts, budget = "", 0, ""
        for attempt in range(attempts):
            self.breaker.check()
            if self.pacer is not None:
                self.pacer.take()
            try:
                replies = self.engine.translate(marked, self.request)
            except FatalEngineError:
                raise
            except TransientError as exc:
                if isinstance(exc, UnreachableError) and not self.breaker.usable:
                    raise FatalEngineError(str(exc)) from None
                self._count(report, units, answered=False)
                last = str(exc)
                timeouts += isinstance(exc, TimedOutError)
                again = attempt + 1 < attempts and timeouts < TIMEOUT_ATTEMPTS
                if again and not self.breaker.take_retry():
                    again, budget = False, "the run's retries are used up; "
                if not isinstance(exc, RateLimitedError) or not again:
                    self._failed(last)  # a busy server counts once a request has used up its attempts
                if not again:
                    raise NoAnswerError(f"no answer in {attempt + 1} attempts ({budget}the last: {last})") from None
                self.breaker.wait(self._backoff(policy, attempt, exc.retry_after, report))
                continue
            except MalformedReplyError as exc:
                self._count(report, units, answered=True, marked=marked)
                self._failed(str(exc))
                raise
            except EngineError as exc:
                self._count(report, units, answered=False)
                self._failed(str(exc))
                raise
            self._count(report, units, answered=True, marked=marked)
            self.breaker.succeeded()
            return unmark(replies, markers)
        raise NoAnswerError(f"no answer in {attempts} attempts (the last: {last})")  # pragma: no cover

    def _count(
        self, report: TranslationReport, units: list[Unit], *, answered: bool, marked: list[Unit] | None = None
    ) -> None:
        """Count a request; an answered one with its units' characters and those sent beyond them (the
        markers of ``marked``, the units as sent, among them)."""
        with self._counting:
            if answered:
                report.engine_calls += 1
                report.units_sent += len(units)
                text = sum(len(u.text) for u in units)
                report.characters_sent += text
                sent = marked or units
                beyond = overhead(self.engine, sent, self.request)
                report.overhead_characters += beyond + (sum(len(u.text) for u in sent) - text if beyond else 0)
            else:
                report.requests_failed += 1

    def _failed(self, why: str) -> None:
        """Count a failed request; an engine that opens the breaker before any usable answer is fatal."""
        self.breaker.failed(why)
        if self.breaker.reason and not self.breaker.usable:
            raise FatalEngineError(f"{self.engine_label()} gave no usable answer ({self.breaker.reason})")

    def engine_label(self) -> str:
        where = getattr(self.engine, "base_url", "") or getattr(self.engine, "server_url", "")
        return f"the {self.engine.name} engine" + (f" at {where}" if where else "")

    def _backoff(
        self, policy: RetryPolicy, attempt: int, retry_after: float | None, report: TranslationReport
    ) -> float:
        """Seconds before the next attempt: the server's ``Retry-After`` up to a cap, else exponential with jitter."""
        if retry_after is None:
            return float(policy.backoff * (2**attempt) * (0.5 + random.random()))
        if retry_after > policy.max_retry_after:
            note = (
                f"the engine asked to wait {retry_after:g} s before retrying (Retry-After); "
                f"waited {policy.max_retry_after:g} s instead"
            )
            with self._counting:
                if not any(n.startswith("the engine asked to wait") for n in report.notes):
                    report.notes.append(note)
            return policy.max_retry_after
        return retry_after

    def stopped(self) -> str:
        """Why a unit was not sent: the breaker is open."""
        return f"not sent: the engine stopped answering ({self.breaker.reason})"


@dataclass
class Sender:
    """Sends units (:class:`Requester`) and settles the jobs they belong to: rescue, twins, progress."""

    requests: Requester
    memory: Memory
    check: ReplyCheck
    jobs: int = 4
    _counting: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: for each text being sent, the other (job, piece) places that hold the same text
    _twins: dict[str, list[tuple[Job, int]]] = field(default_factory=dict, repr=False)
    #: segments finished so far in this run's requests (exact: fractions for sentence units)
    _done: Fraction = field(default_factory=Fraction, repr=False)
    _on_progress: Callable[[float], None] | None = field(default=None, repr=False)

    @property
    def breaker(self) -> CircuitBreaker:
        return self.requests.breaker

    def call(self, units: list[Unit], report: TranslationReport) -> dict[str, Reply]:
        """One request with its retries (:meth:`Requester.call`)."""
        return self.requests.call(units, report)

    def call_many(
        self, requests: list[list[Unit]], report: TranslationReport
    ) -> Iterator[tuple[list[Unit], dict[str, Reply] | None]]:
        """Each request with its replies (``None``: it failed), in order: the first alone (a wrong URL or
        key fails on one request), the rest ``jobs`` at a time. Raises FatalEngineError."""
        if not requests:
            return
        first = self._call_or_none(requests[0], report)
        yield requests[0], first
        if first is None:
            return
        with ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            yield from zip(
                requests[1:], pool.map(lambda units: self._call_or_none(units, report), requests[1:]), strict=True
            )

    def _call_or_none(self, units: list[Unit], report: TranslationReport) -> dict[str, Reply] | None:
        try:
            return self.call(units, report)
        except FatalEngineError:
            raise
        except EngineError:
            return None

    def unit(self, uid: str, text: str, note: str = "") -> Unit:
        return Unit(uid, text, self.check.glossary.occurring(text), note)

    def batches(self, units: list[Unit]) -> list[list[Unit]]:
        """The requests ``units`` go out in (:func:`.planning.batches`)."""
        return batches(units, self.requests.engine)

    # -- rescue: a correction retry, then halves -------------------------------------------
    def _attempt(self, unit: Unit, report: TranslationReport) -> tuple[str | None, str]:
        """Send one unit alone; ``(accepted translation, "")`` or ``(None, why not)``."""
        try:
            replies = self.call([unit], report)
            accepted, why = self.check.accept(unit.text, replies.get(unit.id))
        except FatalEngineError:
            raise
        except CircuitOpenError:
            accepted, why = None, self.requests.stopped()
        except EngineError as exc:
            accepted, why = None, f"engine error: {exc}"
        if accepted is not None:
            self.memory.remember(unit.text, accepted)
        return accepted, why

    def _rescue(self, text: str, reason: str, report: TranslationReport, depth: int = 0) -> tuple[str, list[str]]:
        """Correction retry, then halves; what still fails keeps ``text``. Raises only FatalEngineError."""
        if self.breaker.reason:
            return text, [self.requests.stopped()]
        with self._counting:
            report.retries += 1
        accepted, why = self._attempt(self.unit("1", text, RETRY_NOTE.format(reason=reason)), report)
        if accepted is not None:
            return accepted, []
        if self.breaker.reason:
            return text, [self.requests.stopped()]
        halves = split_in_half(text) if depth < 2 else None
        if halves is None:
            return text, [why or reason]
        first, gap, second = halves
        one, failed_one = self._translate_one(first, report, depth + 1)
        two, failed_two = self._translate_one(second, report, depth + 1)
        return one + gap + two, failed_one + failed_two

    def _translate_one(self, text: str, report: TranslationReport, depth: int) -> tuple[str, list[str]]:
        cached = self.memory.cached(text)
        if cached is not None:
            return cached, []
        accepted, why = self._attempt(self.unit("1", text), report)
        if accepted is not None:
            return accepted, []
        return self._rescue(text, why, report, depth)

    # -- a run's batches -------------------------------------------------------------------
    def _run_batch_or_stop(self, batch: list[Pending], report: TranslationReport) -> None:
        """:meth:`_run_batch`; an error that ends the run stops sending at once, in this worker
        (a pool's worker takes its next request before the main thread hears of the error)."""
        try:
            self._run_batch(batch, report)
        except BaseException as exc:
            self.breaker.open(f"the run stopped ({type(exc).__name__})")
            raise

    def _replies(self, units: list[Unit], report: TranslationReport, probe: bool) -> tuple[dict[str, Reply], str]:
        """One batch's replies, or ``({}, why)``: the request failed, or its replies cannot be trusted."""
        try:
            replies = self.call(units, report)
        except FatalEngineError:
            raise
        except NoAnswerError as exc:
            if probe and not self.breaker.usable:
                raise FatalEngineError(
                    f"{self.requests.engine_label()} did not answer a first short request ({exc})"
                ) from None
            return {}, f"engine error: {exc}"
        except CircuitOpenError:
            return {}, self.requests.stopped()
        except EngineError as exc:
            return {}, f"engine error: {exc}"
        if any(reply.problem == CROSSED for reply in replies.values()):
            return replies, CROSSED  # one reply holds another unit's marker: none of them is trusted
        return replies, ""

    def _run_batch(self, batch: list[Pending], report: TranslationReport, probe: bool = False) -> None:
        """Send one batch and settle its units; ``probe``: the run's first request, which must get an answer."""
        replies, error = self._replies([u for _, _, u in batch], report, probe)
        for job, index, unit in batch:
            accepted, why = self.check.accept(unit.text, replies.get(unit.id)) if not error else (None, error)
            failures: list[str] = []
            if accepted is not None:
                self.memory.remember(unit.text, accepted)
            else:
                accepted, failures = self._rescue(unit.text, why, report)
                if failures:
                    self.memory.remember_kept(unit.text, accepted, failures)
                else:  # rescued whole (its halves are remembered too): a re-run sends nothing for it
                    self.memory.remember(unit.text, accepted)
            holders = [(job, index), *self._twins.get(unit.text, [])]
            for holder, at in holders:
                holder.results[at] = accepted
                holder.failures += failures
            self._advance(holders)

    def _advance(self, holders: list[tuple[Job, int]]) -> None:
        """Progress: each job whose piece came back moves by its share (1 for a whole segment)."""
        if self._on_progress is None:
            return
        with self._counting:
            self._done += sum((Fraction(1, max(1, job.pending)) for job, _ in holders), Fraction())
            done = float(self._done)
        self._on_progress(done)

    def _pending(self, jobs: list[Job]) -> list[Pending]:
        """The units to send for ``jobs``: not reviewed, not in the memory, not remembered as kept; a text
        that stands several times ("Ja", "Lösung") is sent once, its twins share the answer."""
        pending: list[Pending] = []
        self._twins = {}
        for job in jobs:
            if self.memory.settle_kept(job, job.masked):
                continue
            for index, piece in enumerate(job.pieces):
                if job.results[index] is not None:  # a reviewed translation
                    continue
                hit = self.memory.cached(piece)
                if hit is not None:
                    job.results[index] = hit
                    job.from_cache += 1
                elif len(job.pieces) > 1 and self.memory.settle_kept(job, piece, index):
                    continue
                elif piece in self._twins:
                    self._twins[piece].append((job, index))
                    job.pending += 1
                else:
                    self._twins[piece] = []
                    pending.append((job, index, self.unit(f"u{len(pending) + 1}", piece)))
                    job.pending += 1
        return pending

    def send(
        self,
        jobs: list[Job],
        report: TranslationReport,
        probe: bool = False,
        on_total: Callable[[int], None] | None = None,
        on_progress: Callable[[float], None] | None = None,
    ) -> None:
        """Fill in every job's results (from the cache or the engine); ``on_total`` hears how many
        segments are sent, ``on_progress`` how many are finished, every time a unit comes back.

        Before a run of several requests (``probe``, or more than one batch) the shortest unit goes alone
        first: a wrong URL, key or model fails on one small request, not on ``jobs`` big ones.
        """
        self._done, self._on_progress = Fraction(), on_progress
        pending = self._pending(jobs)
        report.sent += sum(1 for job in jobs if job.pending)
        if on_total:
            on_total(sum(1 for job in jobs if job.pending))
        by_id = {u.id: (j, i, u) for j, i, u in pending}
        requests = [[by_id[u.id] for u in batch] for batch in self.batches([u for _, _, u in pending])]
        if not requests:
            return
        if (probe or len(requests) > 1) and not self.breaker.usable:
            # the shortest unit goes alone first (unless the engine answered this run already, e.g. the
            # book's terms): one probe per run; its request's other units keep their batch
            first = min(pending, key=lambda item: len(item[2].text))
            self._run_batch([first], report, probe=True)
            rest = ([item for item in batch if item[2] is not first[2]] for batch in requests)
            requests = [batch for batch in rest if batch]
        self._in_parallel(requests, report)

    def _in_parallel(self, requests: list[list[Pending]], report: TranslationReport) -> None:
        pool = ThreadPoolExecutor(max_workers=max(1, self.jobs))
        try:
            futures = [pool.submit(self._run_batch_or_stop, batch, report) for batch in requests]
            for future in as_completed(futures):
                future.result()
        except BaseException as exc:
            # a fatal engine error or an interrupt: send nothing more (finished work is cached)
            self.breaker.open(f"the run stopped ({type(exc).__name__})")
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
        report.stopped = report.stopped or self.breaker.reason
