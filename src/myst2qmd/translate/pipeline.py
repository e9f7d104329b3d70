"""The translation pipeline: segments → units → cache → batches → engine → checks → text.

1. The converted document's prose segments (:mod:`myst2qmd.segments`) are masked: every
   protected span becomes ``⟨n⟩``. Segments with nothing to translate, or already in the
   target language, are not sent.
2. Each segment is one unit (or one unit per sentence, for engines that want that).
   Units found in the translation memory are not sent; nor are those the memory remembers the
   engine could not translate (they keep their original text and warning; ``retry_kept``
   asks again).
3. The rest go out in batches, ``jobs`` at a time; before a long run (a book, or more than
   two batches) the shortest unit goes alone first, so a wrong URL or key stops the run
   after one request. Every reply is checked (:mod:`.validate`). A failed unit gets a
   correction retry, then is split in half and the halves retried, and what still fails
   keeps its original text and is reported with ``file:line``.

   Engine failures (see :mod:`.engines.base`): fatal ones stop the run; transient ones are
   retried with backoff (``Retry-After`` honoured up to a cap; a timed-out request once at
   most), within a run-wide retry budget; and a run-wide :class:`CircuitBreaker` stops
   sending after several failed requests in a row, so the rest keeps its original text
   instead of every unit waiting out its own retries (see :mod:`.retries`). An engine that
   never gave a usable answer in the run is fatal too: nothing is written.
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
from fractions import Fraction
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
    TimedOutError,
    TransientError,
    Unit,
    UnreachableError,
    text_problem,
)
from .glossary import Glossary
from .language import detect
from .plausible import IMPLAUSIBLE, implausible
from .report import TRANSIENT_FAILURES, KeptSegment, TranslationReport, excerpt
from .retries import TIMEOUT_ATTEMPTS, CircuitBreaker, CircuitOpenError, NoAnswerError
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
    #: pieces this run sends (or shares with a twin that is sent): progress counts the job by them
    pending: int = 0
    #: the memory remembered that the engine could not translate (all or part of) it
    remembered: bool = False


@dataclass
class Translator:
    """Translates Quarto documents with one engine, cache and glossary."""

    engine: Engine
    request: Request = field(default_factory=Request)
    cache: TranslationCache = field(default_factory=lambda: TranslationCache(None))
    glossary: Glossary = field(default_factory=Glossary)
    jobs: int = 4
    #: called with the segments finished so far (a fraction of a segment for each sentence of one),
    #: every time a unit comes back (for progress bars)
    on_progress: Callable[[float], None] | None = None
    #: called with the number of segments about to be sent (the summary's ``sent``)
    on_total: Callable[[int], None] | None = None
    #: send again what the memory remembers the engine could not translate (``--retry-kept``)
    retry_kept: bool = False
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
    #: segments finished so far in this run's requests (exact: fractions for sentence units)
    _done: Fraction = field(default_factory=Fraction, repr=False)

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
        """The memory's key of ``text``: engine, model and server (a test server's answers under a
        model's name are never served to a run against the real one), languages, glossary."""
        r, engine = self.request, self.engine
        server = getattr(engine, "base_url", "") or getattr(engine, "server_url", "")
        target = r.target_tag or r.target_lang
        return cache_key(engine.name, engine.model, server, r.source_lang, target, self.glossary.digest, text)

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
        last, timeouts, budget = "", 0, ""
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
        raise NoAnswerError(f"no answer in {attempts} attempts (the last: {last})")  # pragma: no cover

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

    def _remember_kept(self, text: str, written: str, failures: list[str]) -> None:
        """Remember that the engine could not translate ``text`` (``written`` was used), unless a failure
        was the transport's (a timeout, a server that stopped answering): that is asked again."""
        reasons = list(dict.fromkeys(failures))
        if not reasons or any(why.startswith(TRANSIENT_FAILURES) for why in reasons):
            return
        self.cache.keep(self._key(text), self.engine.name, self.engine.model, text, written, "; ".join(reasons))

    def _remembered_kept(self, text: str) -> tuple[str, str] | None:
        """``(text to write, why)`` if the memory remembers the engine could not translate ``text``."""
        return None if self.retry_kept else self.cache.kept(self._key(text))

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
                if failures:
                    self._remember_kept(unit.text, accepted, failures)
                else:  # rescued whole (its halves are remembered too): a re-run sends nothing for it
                    self._remember(unit.text, accepted)
            holders = [(job, index), *self._twins.get(unit.text, [])]
            for holder, at in holders:
                holder.results[at] = accepted
                holder.failures += failures
            self._advance(holders)

    def _advance(self, holders: list[tuple[_Job, int]]) -> None:
        """Progress: each job whose piece came back moves by its share (1 for a whole segment)."""
        if self.on_progress is None:
            return
        with self._counting:
            self._done += sum((Fraction(1, max(1, job.pending)) for job, _ in holders), Fraction())
            done = float(self._done)
        self.on_progress(done)

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

    def _settled_from_memory(self, job: _Job, text: str, index: int | None = None) -> bool:
        """A job (``index`` None) or one of its pieces the memory remembers the engine could not
        translate: its remembered text is used, its warning given again, nothing sent."""
        if job.reviewed:
            return False
        remembered = self._remembered_kept(text)
        if remembered is None:
            return False
        written, why = remembered
        if index is None:
            job.pieces, job.results, job.gaps = [job.masked], [written], [""]
            job.from_cache = 1
        else:
            job.results[index] = written
            job.from_cache += 1
        job.failures.append(f"{why} (as in an earlier run: --retry-kept sends it again)")
        job.remembered = True
        return True

    def translate_jobs(self, jobs: list[_Job], report: TranslationReport, probe: bool = False) -> None:
        """Fill in every job's results (from the cache or the engine).

        Before a run of several requests (``probe``, or more than one batch) the shortest unit goes alone
        first: a wrong URL, key or model fails on one small request, not on ``jobs`` big ones.
        """
        pending: list[tuple[_Job, int, Unit]] = []
        # a text that stands several times ("Ja", "Lösung") is sent once; its twins share the answer
        self._twins = {}
        self._done = Fraction()
        for job in jobs:
            if self._settled_from_memory(job, job.masked):
                continue
            for index, piece in enumerate(job.pieces):
                if job.results[index] is not None:  # a reviewed translation
                    continue
                hit = self._cached(piece)
                if hit is not None:
                    job.results[index] = hit
                    job.from_cache += 1
                elif len(job.pieces) > 1 and self._settled_from_memory(job, piece, index):
                    continue
                elif piece in self._twins:
                    self._twins[piece].append((job, index))
                    job.pending += 1
                else:
                    self._twins[piece] = []
                    pending.append((job, index, self._unit(f"u{len(pending) + 1}", piece)))
                    job.pending += 1
        report.sent += sum(1 for job in jobs if job.pending)
        if self.on_total:
            self.on_total(sum(1 for job in jobs if job.pending))
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
                self._forget(job.pieces)
                self._remember_kept(job.masked, job.masked, [problem])  # the same replies: the same problem
            whole = restored == job.segment.text
            for failure in dict.fromkeys(job.failures):
                warnings.append(self._kept_warning(report, path, line_of(job.segment), job, failure, whole))
            if restored != job.segment.text:
                texts[job.segment.id] = restored
            self._classify(job, report, restored != job.segment.text)
            for term in self.glossary.missing(job.masked, masked):
                warnings.append(
                    Warning_(path, line_of(job.segment), f"glossary term not used: {term}", Code.GLOSSARY_UNUSED)
                )
        out = replace_segments(qmd, texts, segments)
        out, reverted = parity_repair(qmd, segments, texts, out)
        by_segment = {job.segment.id: job for job in jobs}
        for segment_id in reverted:
            job = by_segment[segment_id]
            self._forget(job.pieces)
            why = "the translation changed the document structure"
            if not job.reviewed:
                self._remember_kept(job.masked, job.masked, [why])
            report.parity_reverted.append(line_of(job.segment))
            if not job.failures and job.pending:  # counted as translated above: it is kept
                report.translated -= 1
                report.kept_sent += 1
            elif not job.failures and not job.reviewed and job.from_cache == len(job.pieces):
                report.cached -= 1
            job.failures.append(why)
            warnings.append(self._kept_warning(report, path, line_of(job.segment), job, why, True))
        if self.review is not None:
            self._record(path, segments, jobs, texts, reverted, line_of)
            warnings += self.review.warnings
            self.review.warnings = []
        return out, report, warnings

    def _kept_warning(
        self, report: TranslationReport, path: str, line: int, job: _Job, why: str, whole: bool
    ) -> Warning_:
        """The ``translation-kept`` warning for a segment written (all or in part) in the source language,
        counted in ``report`` (``kept`` and ``kept_segments``): it names the text that was kept."""
        report.kept.append((line, why))
        kind = job.segment.kind
        if whole:
            text, what = excerpt(job.segment.text), f"kept the original {kind} text"
        else:  # name the part that was kept: the first piece that came back as it was sent
            piece = next((p for p, r in zip(job.pieces, job.results, strict=True) if r in (None, p)), job.masked)
            text, what = excerpt(re.sub(r"⟨\d+⟩", "…", piece)), f"kept part of the {kind} in the original language"
        report.kept_segments.append(KeptSegment(path, line, kind, text, why, whole))
        code = Code.TRANSLATION_IMPLAUSIBLE if why.startswith(IMPLAUSIBLE) else Code.TRANSLATION_KEPT
        return Warning_(path, line, f"{what}: {why} (“{text}”)", code)

    def _classify(self, job: _Job, report: TranslationReport, changed: bool) -> None:
        """Count a job once: reviewed (when planned), from the memory, translated or kept; those sent this
        run (``pending``) are ``translated`` + ``kept_sent`` = ``sent``, the progress bar's total."""
        if job.reviewed:
            return
        if job.remembered:
            report.kept_remembered += 1
        if job.pending:
            if job.failures:
                report.kept_sent += 1
            elif changed:
                report.translated += 1
            else:
                report.unchanged += 1
        elif changed and not job.failures:
            report.cached += 1

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
                        path, segment, line_of(segment), segment.text, "same" if sent else "untranslated"
                    )
                continue
            kept = segment.id in reverted or bool(job.failures)
            text = segment.text if segment.id in reverted else texts.get(segment.id, segment.text)
            state = "kept" if kept else "reviewed" if job.reviewed else "translated"
            self.review.record(path, segment, line_of(segment), text, state, "; ".join(dict.fromkeys(job.failures)))


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
