"""The review step of a translation run: reviewed translations in, what the run wrote out.

A :class:`~.po.Review` (``--po DIR``) gives reviewed translations for planning and records what
each prose segment became; a run without PO files has :class:`NoReview`, which gives none and
records nothing. The translator is built with one or the other and never asks which it has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..context import Warning_
from ..segments import Segment, replace_segments
from .planning import Job, joined
from .writeback import parity_repair


class ReviewStep(Protocol):
    """What a translation run asks of its review (:class:`~.po.Review`, or :class:`NoReview`)."""

    def reviewed(self, where: str, segment: Segment) -> str | None:
        """``segment``'s reviewed translation, masked as an engine reply; ``None`` if there is none."""
        ...

    def refuse_structure(self, where: str, segment: Segment) -> None:
        """``segment``'s reviewed translation changed the document's structure: the engine translates it."""
        ...

    def record(self, where: str, segment: Segment, line: int, text: str, state: str, why: str = "") -> None:
        """What the run wrote for ``segment`` (see :meth:`.po.Review.record`)."""
        ...

    def take_warnings(self) -> list[Warning_]:
        """The warnings about reviewed translations since the last call."""
        ...


class NoReview:
    """No PO files: nothing reviewed, nothing recorded."""

    def reviewed(self, where: str, segment: Segment) -> str | None:
        return None

    def refuse_structure(self, where: str, segment: Segment) -> None:
        pass

    def record(self, where: str, segment: Segment, line: int, text: str, state: str, why: str = "") -> None:
        pass

    def take_warnings(self) -> list[Warning_]:
        return []


def structure_breaking(review: ReviewStep, qmd: str, segments: list[Segment], jobs: list[Job], path: str) -> list[int]:
    """The indices in ``jobs`` of reviewed translations that pass their checks but change the document's
    structure (the parity check would keep the original): each is refused with its PO file and line
    (:meth:`ReviewStep.refuse_structure`), for the engine to translate instead (the README's promise)."""
    texts = {}
    for job in jobs:
        restored = joined(job)[1] if job.reviewed else None
        if restored is not None and restored != job.segment.text:
            texts[job.segment.id] = restored
    if not texts:
        return []
    _, broken = parity_repair(qmd, segments, texts, replace_segments(qmd, texts, segments))
    refused = []
    for at, job in enumerate(jobs):
        if job.reviewed and job.segment.id in broken:
            review.refuse_structure(path, job.segment)
            refused.append(at)
    return refused


def record_document(
    review: ReviewStep,
    path: str,
    segments: list[Segment],
    jobs: list[Job],
    written: tuple[dict[int, str], list[int]],
    line_of: Callable[[Segment], int],
    sent: bool,
) -> None:
    """Tell the review what was written for each prose segment: ``written`` is the translated texts by
    segment id and the segments the parity check reverted; ``sent``: the engine translates at all."""
    texts, reverted = written
    by_segment = {job.segment.id: job for job in jobs}
    for segment in segments:
        job = by_segment.get(segment.id)
        if job is None:
            if segment.has_prose:  # already in the target language, or nothing sent (--engine none)
                review.record(path, segment, line_of(segment), segment.text, "same" if sent else "untranslated")
            continue
        kept = segment.id in reverted or bool(job.failures)
        text = segment.text if segment.id in reverted else texts.get(segment.id, segment.text)
        state = "kept" if kept else "reviewed" if job.reviewed else "translated"
        review.record(path, segment, line_of(segment), text, state, "; ".join(dict.fromkeys(job.failures)))
