"""The translation pipeline: segments → units → cache → batches → engine → checks → text.

:class:`Translator` puts together one part per job:

1. planning and batching (:mod:`.planning`): the converted document's prose segments
   (:mod:`myst2qmd.segments`) are masked: every protected span becomes ``⟨n⟩``. Segments with
   nothing to translate, already in the target language, or with a reviewed translation
   (``--po``) are not sent. Each segment is one unit (or one unit per sentence, for engines
   that want that).
2. the translation memory (:mod:`.memory`): units found in it are not sent; nor are those it
   remembers the engine could not translate (they keep their original text and warning;
   ``retry_kept`` asks again).
3. sending (:mod:`.sending`): the rest go out in batches, with retries, rescue of failed units
   and a run-wide circuit breaker; every reply is checked (:mod:`.acceptance`).
4. the book's own terms (:mod:`.terms`) are translated first and hinted everywhere.
5. write-back and parity (:mod:`.writeback`): translations are written back; a parity check
   proves the document's structure is the one the untranslated conversion had, and reverts
   any segment that broke it.
6. review (:mod:`.reviewing`): the PO files (:class:`.po.Review`) the translator is built with
   give reviewed translations and record what was written; without, :class:`.reviewing.NoReview`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..context import Warning_
from ..segments import Segment, extract_segments
from .acceptance import ReplyCheck
from .cache import TranslationCache
from .engines.base import Engine, Request
from .glossary import Glossary
from .memory import Memory
from .planning import Job, Planner, sends
from .report import TranslationReport
from .retries import CircuitBreaker, Pacer
from .reviewing import NoReview, ReviewStep, record_document, structure_breaking
from .sending import Requester, Sender
from .writeback import WriteBack, line_mapper

__all__ = ["TranslationReport", "Translator"]


@dataclass
class Translator:
    """Translates Quarto documents with one engine, cache, glossary and review."""

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
    #: PO files (``--po DIR``, a :class:`.po.Review`): reviewed translations win, and what the run
    #: wrote is recorded; :class:`.reviewing.NoReview` without
    review: ReviewStep = field(default_factory=NoReview)
    #: ``--rpm``: requests per minute at most, all workers together (``None``: no limit)
    rpm: float | None = None

    def __post_init__(self) -> None:
        check = ReplyCheck(self.engine, self.request, self.glossary, self.check_meaning)
        #: the translation memory as this run uses it
        self.memory = Memory(self.cache, self.engine, self.request, self.glossary, check, self.retry_kept)
        self.planner = Planner(self.engine, self.request, self.review.reviewed)
        pacer = Pacer(self.rpm) if self.rpm else None
        self.sender = Sender(Requester(self.engine, self.request, self.breaker, pacer), self.memory, check, self.jobs)
        self.writer = WriteBack(self.memory, self.glossary)

    def translate_document(
        self, qmd: str, path: str = "<string>", source_lines: list[int] | None = None
    ) -> tuple[str, TranslationReport, list[Warning_]]:
        """Translate one converted document; warnings name ``source_lines[qmd line - 1]``
        (the MyST file's line, from :attr:`myst2qmd.convert.Result.source_lines`) when given."""
        report = TranslationReport(engine=self.engine.name, model=self.engine.model)
        segments = extract_segments(qmd, code_comments=self.code_comments)
        jobs = self.planner.plan(segments, report, path)
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
            planned.append((segments, self.planner.plan(segments, report, path)))
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

    def plan(self, segments: list[Segment], report: TranslationReport, path: str = "<string>") -> list[Job]:
        """The jobs of ``segments`` (:meth:`.planning.Planner.plan`)."""
        return self.planner.plan(segments, report, path)

    def translate_jobs(self, jobs: list[Job], report: TranslationReport, probe: bool = False) -> None:
        """Fill in every job's results from the memory or the engine (:meth:`.sending.Sender.send`)."""
        self.sender.send(jobs, report, probe, self.on_total, self.on_progress)

    def _mine_terms(self, jobs: list[Job], report: TranslationReport) -> None:
        """The book's own terms translated once, as hints for every sentence (:mod:`.terms`)."""
        if self.mine_terms:
            from .terms import mine

            mine(jobs, report, sender=self.sender, memory=self.memory)

    def write_back(
        self,
        qmd: str,
        segments: list[Segment],
        jobs: list[Job],
        report: TranslationReport,
        path: str,
        source_lines: list[int] | None = None,
    ) -> tuple[str, TranslationReport, list[Warning_]]:
        """``qmd`` with the jobs' translations (:mod:`.writeback`), recorded in the review."""
        line_of = line_mapper(source_lines)
        if sends(self.engine):
            self._redo_structure_breaking_reviews(qmd, segments, jobs, report, path)
        written = self.writer.write(qmd, segments, jobs, report, path, line_of)
        record_document(
            self.review, path, segments, jobs, (written.texts, written.reverted), line_of, sends(self.engine)
        )
        return written.text, report, written.warnings + self.review.take_warnings()

    def _redo_structure_breaking_reviews(
        self, qmd: str, segments: list[Segment], jobs: list[Job], report: TranslationReport, path: str
    ) -> None:
        """Reviewed translations that change the document's structure (:func:`.reviewing.structure_breaking`)
        are translated by the engine instead; ``jobs`` is changed in place."""
        redo = []
        for at in structure_breaking(self.review, qmd, segments, jobs, path):
            report.reviewed -= 1
            jobs[at] = self.planner.engine_job(jobs[at].segment, jobs[at].masked)
            redo.append(jobs[at])
        if redo:  # a few more units after the run's planned total: the progress bar is left alone
            self.sender.send(redo, report)
