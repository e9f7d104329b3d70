"""The translation pipeline: segments → units → cache → batches → engine → checks → text.

1. The converted document's prose segments (:mod:`myst2qmd.segments`) are masked: every
   protected span becomes ``⟨n⟩``. Segments with nothing to translate, or already in the
   target language, are not sent.
2. Each segment is one unit (or one unit per sentence, for engines that want that).
   Units found in the translation memory are not sent.
3. The rest go out in batches, ``jobs`` at a time; before a long run (a book, or more than
   two batches) the shortest unit goes alone first, so a wrong URL or key stops the run
   after one request. Every reply is checked (:mod:`.validate`). A failed unit gets a
   correction retry, then is split in half and the halves retried, and what still fails
   keeps its original text and is reported with ``file:line``.

   Engine failures (see :mod:`.engines.base`): fatal ones stop the run; transient ones are
   retried with backoff (``Retry-After`` honoured up to a cap); and a run-wide
   :class:`CircuitBreaker` stops sending after several failed requests in a row, so the
   rest keeps its original text instead of every unit waiting out its own retries. An
   engine that never gave a usable answer in the run is fatal too: nothing is written.
4. Translations are written back; a parity check proves the document's structure is the
   one the untranslated conversion had, and reverts any segment that broke it.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..codes import Code
from ..context import Warning_
from ..edits import Edit, apply_edits
from ..segments import Segment, extract_segments, replace_segments
from .cache import TranslationCache, cache_key
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
    TransientError,
    Unit,
    UnreachableError,
    text_problem,
)
from .glossary import Glossary
from .language import detect
from .plausible import IMPLAUSIBLE, implausible
from .sentences import split_in_half, split_with_gaps
from .validate import check, distinguishable, escape_block_starts, misassigned, written_problem

if TYPE_CHECKING:
    from .po import Review

#: how many of the latest requests a unit may still join (keeps batching linear)
OPEN_BATCHES = 8

#: segments written where pandoc starts blocks: a reply's ``a) `` or ``\n===`` there is escaped
#: (headings, table cells and callout titles are single lines inside a block; alt texts and code
#: comments are no Markdown, where a backslash would show)
BLOCK_KINDS = frozenset({"paragraph", "list-item", "caption", "definition", "term", "title", "table-caption"})

RETRY_NOTE = (
    "Your previous answer was rejected ({reason}). Translate again. Keep every ⟨n⟩ placeholder exactly "
    "once, unchanged; answer with the translation only."
)


@dataclass
class TranslationReport:
    """What happened to the prose of one document."""

    engine: str = ""
    model: str = ""
    segments: int = 0
    translated: int = 0
    cached: int = 0
    #: segments whose reviewed translation (``--po``) was used: nothing sent for them
    reviewed: int = 0
    already_in_target: int = 0
    nothing_to_translate: int = 0
    #: units and characters in requests that got an answer (what the engine really received)
    units_sent: int = 0
    #: requests that got an answer (usable or not)
    engine_calls: int = 0
    characters_sent: int = 0
    #: requests that got none (timeouts, HTTP 429/5xx, lost connections) or were refused
    requests_failed: int = 0
    retries: int = 0
    #: why the run stopped sending ("" if it did not): the circuit breaker's reason
    stopped: str = ""
    #: run-wide messages for the user (e.g. a ``Retry-After`` that was cut short)
    notes: list[str] = field(default_factory=list)
    #: (line, reason) for every segment (or part of one) that kept its original text
    kept: list[tuple[int, str]] = field(default_factory=list)
    parity_reverted: list[int] = field(default_factory=list)

    def merge(self, other: TranslationReport) -> None:
        for name in (
            "segments",
            "translated",
            "cached",
            "reviewed",
            "already_in_target",
            "nothing_to_translate",
            "units_sent",
            "engine_calls",
            "characters_sent",
            "requests_failed",
            "retries",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.kept += other.kept
        self.parity_reverted += other.parity_reverted
        self.stopped = self.stopped or other.stopped
        self.notes += [note for note in other.notes if note not in self.notes]


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
    backoff wake up.
    """

    threshold: int = 8
    #: failed requests since the last proper answer
    consecutive: int = 0
    #: requests the engine answered properly (0: it has not shown yet that it works)
    usable: int = 0
    #: why it opened ("" while closed)
    reason: str = ""
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

    def failed(self, why: str) -> None:
        with self._lock:
            self.consecutive += 1
            if self.consecutive >= self.threshold and not self.reason:
                self.reason = f"{self.consecutive} failed requests in a row; the last: {why}"
                self._opened.set()

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
class _Job:
    segment: Segment
    masked: str
    pieces: list[str]
    results: list[str | None] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    from_cache: int = 0
    #: the whitespace after each piece (how the pieces join again)
    gaps: list[str] = field(default_factory=list)
    #: its translation is a reviewed one from a PO file (see :mod:`.po`)
    reviewed: bool = False


@dataclass
class Translator:
    """Translates Quarto documents with one engine, cache and glossary."""

    engine: Engine
    request: Request = field(default_factory=Request)
    cache: TranslationCache = field(default_factory=lambda: TranslationCache(None))
    glossary: Glossary = field(default_factory=Glossary)
    jobs: int = 4
    #: called with the number of units finished (for progress bars)
    on_progress: Callable[[int], None] | None = None
    #: called with the number of units about to be sent
    on_total: Callable[[int], None] | None = None
    #: also translate the ``#`` comments of executable cells
    code_comments: bool = False
    #: translate the book's own terms first and hint them everywhere (:mod:`.terms`)
    mine_terms: bool = True
    #: keep a sentence in the source language when its translation is obviously wrong (:mod:`.plausible`)
    check_meaning: bool = True
    #: stops sending after several failed requests in a row (run-wide)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    #: PO files (``--po DIR``): reviewed translations win, and what the run wrote is recorded
    review: Review | None = None
    _counting: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: for each text being sent, the other (job, piece) places that hold the same text
    _twins: dict[str, list[tuple[_Job, int]]] = field(default_factory=dict, repr=False)

    # -- units ---------------------------------------------------------------------------
    @property
    def sentence_units(self) -> bool:
        return bool(getattr(self.engine, "sentence_units", False))

    @property
    def check_language(self) -> bool:
        return bool(getattr(self.engine, "checks_language", True))

    @property
    def _checks_meaning(self) -> bool:
        """:mod:`.plausible`'s checks apply: German → English, an engine that translates (not ``pseudo``)."""
        pair = (self.request.source_lang, self.request.target_lang)
        return self.check_meaning and self.check_language and pair == ("de", "en")

    def _key(self, text: str) -> str:
        r = self.request
        return cache_key(self.engine.name, self.engine.model, r.source_lang, r.target_lang, self.glossary.digest, text)

    def _unit(self, uid: str, text: str, note: str = "") -> Unit:
        return Unit(uid, text, self.glossary.occurring(text), note)

    # -- engine calls --------------------------------------------------------------------
    def _call(self, units: list[Unit], report: TranslationReport) -> dict[str, Reply]:
        """One request with its retries; counts what happened and feeds the circuit breaker.

        Raises FatalEngineError (stop the run), CircuitOpenError (nothing more is sent), or
        another EngineError (this request failed: its units are rejected).
        """
        policy: RetryPolicy = getattr(self.engine, "retry", NO_RETRIES)
        attempts = max(1, policy.attempts)
        last = ""
        for attempt in range(attempts):
            self.breaker.check()
            try:
                replies = self.engine.translate(units, self.request)
            except FatalEngineError:
                raise
            except TransientError as exc:
                if isinstance(exc, UnreachableError) and not self.breaker.usable:
                    raise FatalEngineError(str(exc)) from None
                self._count(report, units, answered=False)
                last = str(exc)
                if not isinstance(exc, RateLimitedError) or attempt + 1 == attempts:
                    self._failed(last)  # a busy server counts once a request has used up its attempts
                if attempt + 1 < attempts:
                    self.breaker.wait(self._backoff(policy, attempt, exc.retry_after, report))
                continue
            except MalformedReplyError as exc:
                self._count(report, units, answered=True)
                self._failed(str(exc))
                raise
            except EngineError as exc:
                self._count(report, units, answered=False)
                self._failed(str(exc))
                raise
            self._count(report, units, answered=True)
            self.breaker.succeeded()
            return replies
        raise NoAnswerError(f"no answer in {attempts} attempts (the last: {last})")

    def _count(self, report: TranslationReport, units: list[Unit], *, answered: bool) -> None:
        with self._counting:
            if answered:
                report.engine_calls += 1
                report.units_sent += len(units)
                report.characters_sent += sum(len(u.text) for u in units)
            else:
                report.requests_failed += 1

    def _failed(self, why: str) -> None:
        """Count a failed request; an engine that opens the breaker before any usable answer is fatal."""
        self.breaker.failed(why)
        if self.breaker.reason and not self.breaker.usable:
            raise FatalEngineError(f"{self._engine_label()} gave no usable answer ({self.breaker.reason})")

    def _engine_label(self) -> str:
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

    def _stopped(self) -> str:
        return f"not sent: the engine stopped answering ({self.breaker.reason})"

    def _batches(self, units: list[Unit]) -> list[list[Unit]]:
        """Requests of at most ``max_batch_chars`` / ``max_batch_units``, whose units are pairwise
        :func:`distinguishable` (a swap of replies between them is noticed); each unit goes into
        one of the last few requests still open, else starts a new one."""
        batches: list[list[Unit]] = []
        sizes: list[int] = []
        for unit in units:
            for n in range(max(0, len(batches) - OPEN_BATCHES), len(batches)):
                batch = batches[n]
                if (
                    sizes[n] + len(unit.text) <= self.engine.max_batch_chars
                    and len(batch) < self.engine.max_batch_units
                    and all(distinguishable(unit.text, other.text) for other in batch)
                ):
                    batch.append(unit)
                    sizes[n] += len(unit.text)
                    break
            else:
                batches.append([unit])
                sizes.append(len(unit.text))
        return batches

    def _accept(self, source: str, reply: Reply | None) -> tuple[str | None, str]:
        if reply is None:
            return None, "no reply for this unit"
        problem = reply.problem or text_problem(reply.text)
        if problem:
            return None, problem
        verdict = check(
            source,
            reply,
            source_lang=self.request.source_lang,
            target_lang=self.request.target_lang,
            check_language=self.check_language,
        )
        if not verdict.ok:
            return None, verdict.reason
        wrong = implausible(source, verdict.text, self.glossary.occurring(source)) if self._checks_meaning else ""
        return (None, wrong) if wrong else (verdict.text, "")

    def _cached(self, text: str) -> str | None:
        """A translation from the memory, if it still passes the reply check (an older version,
        or another tool, may have stored what this one would reject): else it is forgotten."""
        hit = self.cache.get(self._key(text))
        if hit is None:
            return None
        accepted, _ = self._accept(text, Reply(hit, "stop"))
        if accepted is None:
            self.cache.delete(self._key(text))
        return accepted

    def _remember(self, text: str, translation: str) -> None:
        """Store a validated translation at once (a killed run resumes from here)."""
        r = self.request
        self.cache.put(
            self._key(text), self.engine.name, self.engine.model, r.source_lang, r.target_lang, text, translation
        )

    def _forget(self, texts: list[str], depth: int = 0) -> None:
        """Drop cached translations (and those of their halves) that broke the document."""
        for text in texts:
            self.cache.delete(self._key(text))
            halves = split_in_half(text) if depth < 2 else None
            if halves is not None:
                self._forget([halves[0], halves[2]], depth + 1)

    def _attempt(self, unit: Unit, report: TranslationReport) -> tuple[str | None, str]:
        """Send one unit alone; ``(accepted translation, "")`` or ``(None, why not)``."""
        try:
            replies = self._call([unit], report)
            accepted, why = self._accept(unit.text, replies.get(unit.id))
        except FatalEngineError:
            raise
        except CircuitOpenError:
            accepted, why = None, self._stopped()
        except EngineError as exc:
            accepted, why = None, f"engine error: {exc}"
        if accepted is not None:
            self._remember(unit.text, accepted)
        return accepted, why

    def _rescue(self, text: str, reason: str, report: TranslationReport, depth: int = 0) -> tuple[str, list[str]]:
        """Correction retry, then halves; what still fails keeps ``text``. Raises only FatalEngineError."""
        if self.breaker.reason:
            return text, [self._stopped()]
        with self._counting:
            report.retries += 1
        accepted, why = self._attempt(self._unit("1", text, RETRY_NOTE.format(reason=reason)), report)
        if accepted is not None:
            return accepted, []
        if self.breaker.reason:
            return text, [self._stopped()]
        halves = split_in_half(text) if depth < 2 else None
        if halves is None:
            return text, [why or reason]
        first, gap, second = halves
        one, failed_one = self._translate_one(first, report, depth + 1)
        two, failed_two = self._translate_one(second, report, depth + 1)
        return one + gap + two, failed_one + failed_two

    def _translate_one(self, text: str, report: TranslationReport, depth: int) -> tuple[str, list[str]]:
        cached = self._cached(text)
        if cached is not None:
            return cached, []
        accepted, why = self._attempt(self._unit("1", text), report)
        if accepted is not None:
            return accepted, []
        return self._rescue(text, why, report, depth)

    def _run_batch_or_stop(self, batch: list[tuple[_Job, int, Unit]], report: TranslationReport) -> None:
        """:meth:`_run_batch`; an error that ends the run stops sending at once, in this worker
        (a pool's worker takes its next request before the main thread hears of the error)."""
        try:
            self._run_batch(batch, report)
        except BaseException as exc:
            self.breaker.open(f"the run stopped ({type(exc).__name__})")
            raise

    def _run_batch(self, batch: list[tuple[_Job, int, Unit]], report: TranslationReport, probe: bool = False) -> None:
        """Send one batch and settle its units; ``probe``: the run's first request, which must get an answer."""
        units = [u for _, _, u in batch]
        try:
            replies = self._call(units, report)
            error = ""
        except FatalEngineError:
            raise
        except NoAnswerError as exc:
            if probe and not self.breaker.usable:
                raise FatalEngineError(f"{self._engine_label()} did not answer a first short request ({exc})") from None
            replies, error = {}, f"engine error: {exc}"
        except CircuitOpenError:
            replies, error = {}, self._stopped()
        except EngineError as exc:
            replies, error = {}, f"engine error: {exc}"
        texts = [r.text if (r := replies.get(u.id)) is not None and isinstance(r.text, str) else None for u in units]
        if not error and misassigned([u.text for u in units], texts):
            # one reply holds another unit's translation: trust none of this request's replies
            error = "the replies of one request were given to the wrong segments"
        for job, index, unit in batch:
            accepted, why = self._accept(unit.text, replies.get(unit.id)) if not error else (None, error)
            failures: list[str] = []
            if accepted is not None:
                self._remember(unit.text, accepted)
            else:
                accepted, failures = self._rescue(unit.text, why, report)
            holders = [(job, index), *self._twins.get(unit.text, [])]
            for holder, at in holders:
                holder.results[at] = accepted
                holder.failures += failures
            if self.on_progress:
                self.on_progress(len(holders))

    # -- documents -----------------------------------------------------------------------
    def plan(self, segments: list[Segment], report: TranslationReport, path: str = "<string>") -> list[_Job]:
        jobs = []
        for segment in segments:
            report.segments += 1
            if not segment.has_prose:
                report.nothing_to_translate += 1
                continue
            masked, _ = segment.masked()
            reviewed = self.review.reviewed(path, segment) if self.review is not None else None
            if reviewed is not None:  # the reviewer's words: nothing sent, the memory not asked
                report.reviewed += 1
                jobs.append(_Job(segment, masked, [masked], [reviewed], gaps=[""], reviewed=True))
                continue
            if not getattr(self.engine, "sends", True):  # --engine none --po: reviewed translations only
                continue
            language, probability = detect(masked, (self.request.source_lang, self.request.target_lang))
            if language == self.request.target_lang and probability >= 0.95:
                report.already_in_target += 1
                continue
            jobs.append(self._engine_job(segment, masked))
        return jobs

    def _engine_job(self, segment: Segment, masked: str) -> _Job:
        """The job of sending ``segment`` (masked) to the engine: as sentence units, or whole."""
        parts = [p for p in split_with_gaps(masked) if p[0].strip()] if self.sentence_units else []
        parts = parts or [(masked, "")]
        return _Job(segment, masked, [p for p, _ in parts], [None] * len(parts), gaps=[g for _, g in parts])

    def _joined(self, job: _Job) -> tuple[str, str | None]:
        """A job's translation, masked, and restored (``None``: its placeholders could not be restored)."""
        pieces = [r if r is not None else p for r, p in zip(job.results, job.pieces, strict=True)]
        masked = "".join(piece + gap for piece, gap in zip(pieces, job.gaps, strict=True))
        if job.segment.kind in BLOCK_KINDS:
            masked = escape_block_starts(job.masked, masked)
        return masked, job.segment.unmask(masked)

    def _translate_structure_breaking_reviews(
        self, qmd: str, segments: list[Segment], jobs: list[_Job], report: TranslationReport, path: str
    ) -> None:
        """Reviewed translations that pass their checks but change the document's structure (the parity
        check would keep the original): warned about with their PO file and line, and translated by
        the engine instead (the README's promise); ``jobs`` is changed in place."""
        assert self.review is not None
        texts = {}
        for job in jobs:
            restored = self._joined(job)[1] if job.reviewed else None
            if restored is not None and restored != job.segment.text:
                texts[job.segment.id] = restored
        if not texts:
            return
        _, broken = parity_repair(qmd, segments, texts, replace_segments(qmd, texts, segments))
        redo = []
        for at, job in enumerate(jobs):
            if job.reviewed and job.segment.id in broken:
                self.review.refuse_structure(path, job.segment)
                report.reviewed -= 1
                jobs[at] = self._engine_job(job.segment, job.masked)
                redo.append(jobs[at])
        if redo:  # a few more units after the run's planned total: the progress bar is left alone
            callbacks, self.on_total, self.on_progress = (self.on_total, self.on_progress), None, None
            try:
                self.translate_jobs(redo, report)
            finally:
                self.on_total, self.on_progress = callbacks

    def translate_jobs(self, jobs: list[_Job], report: TranslationReport, probe: bool = False) -> None:
        """Fill in every job's results (from the cache or the engine).

        Before a run of several requests (``probe``, or more than one batch) the shortest unit goes alone
        first: a wrong URL, key or model fails on one small request, not on ``jobs`` big ones.
        """
        pending: list[tuple[_Job, int, Unit]] = []
        # a text that stands several times ("Ja", "Lösung") is sent once; its twins share the answer
        self._twins = {}
        for job in jobs:
            for index, piece in enumerate(job.pieces):
                if job.results[index] is not None:  # a reviewed translation
                    continue
                hit = self._cached(piece)
                if hit is not None:
                    job.results[index] = hit
                    job.from_cache += 1
                elif piece in self._twins:
                    self._twins[piece].append((job, index))
                else:
                    self._twins[piece] = []
                    pending.append((job, index, self._unit(f"u{len(pending) + 1}", piece)))
        if self.on_total:
            self.on_total(len(pending) + sum(map(len, self._twins.values())))
        by_id = {u.id: (j, i, u) for j, i, u in pending}
        batches = [[by_id[u.id] for u in batch] for batch in self._batches([u for _, _, u in pending])]
        if not batches:
            return
        if probe or len(batches) > 1:
            # the shortest unit goes alone first; its request's other units keep their batch
            first = min(pending, key=lambda item: len(item[2].text))
            self._run_batch([first], report, probe=True)
            rest = ([item for item in batch if item[2] is not first[2]] for batch in batches)
            batches = [batch for batch in rest if batch]
        pool = ThreadPoolExecutor(max_workers=max(1, self.jobs))
        try:
            futures = [pool.submit(self._run_batch_or_stop, batch, report) for batch in batches]
            for future in as_completed(futures):
                future.result()
        except BaseException as exc:
            # a fatal engine error or an interrupt: send nothing more (finished work is cached)
            self.breaker.open(f"the run stopped ({type(exc).__name__})")
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
        report.stopped = report.stopped or self.breaker.reason

    def _mine_terms(self, jobs: list[_Job], report: TranslationReport) -> None:
        """The book's own terms translated once, as hints for every sentence (:mod:`.terms`)."""
        if self.mine_terms:
            from .terms import mine

            mine(self, jobs, report)

    def translate_document(
        self, qmd: str, path: str = "<string>", source_lines: list[int] | None = None
    ) -> tuple[str, TranslationReport, list[Warning_]]:
        """Translate one converted document; warnings name ``source_lines[qmd line - 1]``
        (the MyST file's line, from :attr:`myst2qmd.convert.Result.source_lines`) when given."""
        report = TranslationReport(engine=self.engine.name, model=self.engine.model)
        segments = extract_segments(qmd, code_comments=self.code_comments)
        jobs = self.plan(segments, report, path)
        self._mine_terms(jobs, report)
        self.translate_jobs(jobs, report)
        return self.write_back(qmd, segments, jobs, report, path, source_lines)

    def translate_many(
        self, documents: list[str], paths: list[str], source_lines: list[list[int] | None] | None = None
    ) -> tuple[list[str], TranslationReport, list[Warning_]]:
        """Translate several documents in one run: one plan, one cache, batches across files."""
        report = TranslationReport(engine=self.engine.name, model=self.engine.model)
        planned = []
        for qmd, path in zip(documents, paths, strict=True):
            segments = extract_segments(qmd, code_comments=self.code_comments)
            planned.append((segments, self.plan(segments, report, path)))
        every_job = [job for _, jobs in planned for job in jobs]
        self._mine_terms(every_job, report)
        self.translate_jobs(every_job, report, probe=True)
        outputs: list[str] = []
        warnings: list[Warning_] = []
        lines = source_lines or [None] * len(documents)
        for qmd, path, (segments, jobs), line_map in zip(documents, paths, planned, lines, strict=True):
            text, _, more = self.write_back(qmd, segments, jobs, report, path, line_map)
            outputs.append(text)
            warnings += more
        return outputs, report, warnings

    def write_back(
        self,
        qmd: str,
        segments: list[Segment],
        jobs: list[_Job],
        report: TranslationReport,
        path: str,
        source_lines: list[int] | None = None,
    ) -> tuple[str, TranslationReport, list[Warning_]]:
        def line_of(segment: Segment) -> int:
            """The source file's line of a segment (its line in ``qmd`` without a map)."""
            if source_lines and 0 < segment.line <= len(source_lines):
                return source_lines[segment.line - 1]
            return segment.line

        if self.review is not None and getattr(self.engine, "sends", True):
            self._translate_structure_breaking_reviews(qmd, segments, jobs, report, path)
        warnings: list[Warning_] = []
        texts: dict[int, str] = {}
        for job in jobs:
            masked, restored = self._joined(job)
            if restored is None:
                job.failures.append("placeholders could not be restored")
                restored = job.segment.text
            elif problem := written_problem(masked, job.masked, job.segment.protected_texts()):
                job.failures.append(problem)
                restored = job.segment.text
                self._forget(job.pieces)  # a later run asks again
            for failure in dict.fromkeys(job.failures):
                report.kept.append((line_of(job.segment), failure))
                warnings.append(
                    Warning_(
                        path,
                        line_of(job.segment),
                        f"kept the original {job.segment.kind} text: {failure}",
                        Code.TRANSLATION_IMPLAUSIBLE if failure.startswith(IMPLAUSIBLE) else Code.TRANSLATION_KEPT,
                    )
                )
            if restored != job.segment.text:
                texts[job.segment.id] = restored
                if job.reviewed:
                    pass  # counted when planned
                elif job.from_cache == len(job.pieces):
                    report.cached += 1
                else:
                    report.translated += 1
            for term in self.glossary.missing(job.masked, masked):
                warnings.append(
                    Warning_(path, line_of(job.segment), f"glossary term not used: {term}", Code.GLOSSARY_UNUSED)
                )
        out = replace_segments(qmd, texts, segments)
        out, reverted = parity_repair(qmd, segments, texts, out)
        by_segment = {job.segment.id: job for job in jobs}
        for segment_id in reverted:
            self._forget(by_segment[segment_id].pieces)
            segment = next(s for s in segments if s.id == segment_id)
            report.parity_reverted.append(line_of(segment))
            report.kept.append((line_of(segment), "translation changed the document structure"))
            warnings.append(
                Warning_(
                    path,
                    line_of(segment),
                    "kept the original text: the translation changed the document structure",
                    Code.TRANSLATION_KEPT,
                )
            )
        if self.review is not None:
            self._record(path, segments, jobs, texts, reverted, line_of)
            warnings += self.review.warnings
            self.review.warnings = []
        return out, report, warnings

    def _record(
        self,
        path: str,
        segments: list[Segment],
        jobs: list[_Job],
        texts: dict[int, str],
        reverted: list[int],
        line_of: Callable[[Segment], int],
    ) -> None:
        """Tell the PO files what was written for each prose segment (see :meth:`.po.Review.record`)."""
        assert self.review is not None
        by_segment = {job.segment.id: job for job in jobs}
        for segment in segments:
            job = by_segment.get(segment.id)
            if job is None:
                if segment.has_prose:  # already in the target language, or nothing sent (--engine none)
                    sent = getattr(self.engine, "sends", True)
                    self.review.record(
                        path, segment, line_of(segment), segment.text, "kept" if sent else "untranslated"
                    )
                continue
            kept = segment.id in reverted or bool(job.failures)
            text = segment.text if segment.id in reverted else texts.get(segment.id, segment.text)
            state = "kept" if kept else "reviewed" if job.reviewed else "translated"
            self.review.record(path, segment, line_of(segment), text, state)


def skeleton(qmd: str, segments: list[Segment]) -> tuple[str, list[str]]:
    """The document with every segment's text cut out, and every protected span in order."""
    blanked = apply_edits(qmd, [Edit(s.start, s.end, "\x00", "segment") for s in segments])
    # engines may reorder placeholders: compare the protected spans as a multiset; a backslash
    # escape the reply check added (``a\\)``) makes text of what would be structure: not counted
    spans = sorted(span for s in segments for span in s.protected_texts() if not _ESCAPE.fullmatch(span))
    return blanked, spans


_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


def parity_repair(
    original: str, segments: list[Segment], texts: dict[int, str], translated: str
) -> tuple[str, list[int]]:
    """Compare the structure of ``translated`` with ``original``; revert segments that broke it."""
    if _same_structure(original, segments, translated):
        return translated, []

    def broken(ids: list[int]) -> list[int]:
        """The segments among ``ids`` that break the structure (halving: few reads for few culprits)."""
        if not ids or _same_structure(
            original, segments, replace_segments(original, {i: texts[i] for i in ids}, segments)
        ):
            return []
        if len(ids) == 1:
            return ids
        return broken(ids[: len(ids) // 2]) + broken(ids[len(ids) // 2 :])

    reverted = broken(sorted(texts))
    kept = {k: v for k, v in texts.items() if k not in reverted}
    out = replace_segments(original, kept, segments)
    if not _same_structure(original, segments, out):
        # segments harmless alone but not together (never seen): keep the original text of all
        for segment_id in sorted(kept):
            if segment_id not in reverted:
                reverted.append(segment_id)
        reverted.sort()
        out = original
    return out, reverted


def _same_structure(original: str, segments: list[Segment], translated: str) -> bool:
    after = extract_segments(translated, code_comments=any(s.kind == "code-comment" for s in segments))
    if [s.kind for s in after] != [s.kind for s in segments]:
        return False
    try:
        return skeleton(original, segments) == skeleton(translated, after)
    except ValueError:  # segments that cannot be cut out again (a reply's stray line break): not the same
        return False


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]{2,}", text)
