"""Planning and batching: which segments are sent, as which units, in which requests.

A prose segment becomes a :class:`Job`: its reviewed translation (``--po``), nothing (already in
the target language, or no engine), or the units the engine gets (the whole masked segment, or
one unit per sentence for engines that want that). Units go out in requests (:func:`batches`)
filled up to the engine's limits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..segments import Segment
from .engines.base import Engine, Request, Unit
from .language import detect
from .report import TranslationReport
from .sentences import split_with_gaps
from .validate import escape_block_starts

#: how many of the latest requests a unit may still join (keeps batching linear)
OPEN_BATCHES = 32

#: segments written where pandoc starts blocks: a reply's ``a) `` or ``\n===`` there is escaped
#: (headings, table cells and callout titles are single lines inside a block; alt texts and code
#: comments are no Markdown, where a backslash would show)
BLOCK_KINDS = frozenset({"paragraph", "list-item", "caption", "definition", "term", "title", "table-caption"})


@dataclass
class Job:
    """One prose segment on its way: the pieces sent for it and what came back."""

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


def sends(engine: Engine) -> bool:
    """Does ``engine`` translate at all (``--engine none --po`` has one that does not)?"""
    return bool(getattr(engine, "sends", True))


def batches(units: list[Unit], engine: Engine) -> list[list[Unit]]:
    """Requests of at most ``max_batch_chars`` / ``max_batch_units``: each unit goes into the first
    of the last few requests still open that has room for it, else starts a new one.

    Units that look alike may share a request: each carries a marker of its own there
    (:mod:`.markers`), so a reply given to the wrong one of them is noticed."""
    out: list[list[Unit]] = []
    sizes: list[int] = []
    for unit in units:
        for n in range(max(0, len(out) - OPEN_BATCHES), len(out)):
            if sizes[n] + len(unit.text) <= engine.max_batch_chars and len(out[n]) < engine.max_batch_units:
                out[n].append(unit)
                sizes[n] += len(unit.text)
                break
        else:
            out.append([unit])
            sizes.append(len(unit.text))
    return out


@dataclass
class Planner:
    """Turns a document's segments into :class:`Job` s for one engine, reviewed ones first."""

    engine: Engine
    request: Request
    #: a segment's reviewed translation in a document, masked (:meth:`.reviewing.ReviewStep.reviewed`)
    reviewed: Callable[[str, Segment], str | None]

    @property
    def sentence_units(self) -> bool:
        return bool(getattr(self.engine, "sentence_units", False))

    def plan(self, segments: list[Segment], report: TranslationReport, path: str = "<string>") -> list[Job]:
        jobs = []
        for segment in segments:
            report.segments += 1
            if not segment.has_prose:
                report.nothing_to_translate += 1
                continue
            masked, _ = segment.masked()
            reviewed = self.reviewed(path, segment)
            if reviewed is not None:  # the reviewer's words: nothing sent, the memory not asked
                report.reviewed += 1
                jobs.append(Job(segment, masked, [masked], [reviewed], gaps=[""], reviewed=True))
                continue
            if not sends(self.engine):  # --engine none --po: reviewed translations only
                continue
            language, probability = detect(masked, (self.request.source_lang, self.request.target_lang))
            if language == self.request.target_lang and probability >= 0.95:
                report.already_in_target += 1
                continue
            jobs.append(self.engine_job(segment, masked))
        return jobs

    def engine_job(self, segment: Segment, masked: str) -> Job:
        """The job of sending ``segment`` (masked) to the engine: as sentence units, or whole."""
        parts = [p for p in split_with_gaps(masked) if p[0].strip()] if self.sentence_units else []
        parts = parts or [(masked, "")]
        return Job(segment, masked, [p for p, _ in parts], [None] * len(parts), gaps=[g for _, g in parts])


def joined(job: Job) -> tuple[str, str | None]:
    """A job's translation, masked, and restored (``None``: its placeholders could not be restored)."""
    pieces = [r if r is not None else p for r, p in zip(job.results, job.pieces, strict=True)]
    masked = "".join(piece + gap for piece, gap in zip(pieces, job.gaps, strict=True))
    if job.segment.kind in BLOCK_KINDS:
        masked = escape_block_starts(job.masked, masked)
    return masked, job.segment.unmask(masked)
