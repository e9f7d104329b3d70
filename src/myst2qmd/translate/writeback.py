"""Write-back and parity: the jobs' translations put into the document, and proof that its structure
is the one the untranslated conversion had.

A job whose placeholders cannot be restored, or whose written text would change what its protected
spans mean, keeps its original text; then :func:`parity_repair` compares the translated document's
structure with the original's and reverts any segment that broke it. Every segment written in the
source language (all or in part) gets a ``translation-kept`` warning naming its text, and is
counted once in the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..codes import Code
from ..context import Warning_
from ..edits import Edit, apply_edits
from ..segments import Segment, extract_segments, replace_segments
from .glossary import Glossary
from .memory import Memory
from .planning import Job, joined
from .plausible import IMPLAUSIBLE
from .report import KeptSegment, TranslationReport, excerpt
from .validate import written_problem


def line_mapper(source_lines: list[int] | None) -> Callable[[Segment], int]:
    """The source file's line of a segment (``source_lines[qmd line - 1]``; its line in the Quarto
    text without a map)."""

    def line_of(segment: Segment) -> int:
        if source_lines and 0 < segment.line <= len(source_lines):
            return source_lines[segment.line - 1]
        return segment.line

    return line_of


@dataclass
class Written:
    """A document after write-back: its text, the translated texts by segment id, the segments the
    parity check reverted, and the warnings."""

    text: str
    texts: dict[int, str]
    reverted: list[int]
    warnings: list[Warning_] = field(default_factory=list)


@dataclass
class WriteBack:
    """Writes jobs back into documents; forgets (in ``memory``) translations that broke one."""

    memory: Memory
    glossary: Glossary

    def write(
        self,
        qmd: str,
        segments: list[Segment],
        jobs: list[Job],
        report: TranslationReport,
        path: str,
        line_of: Callable[[Segment], int],
    ) -> Written:
        """``qmd`` with the jobs' translations, counted in ``report``; warnings name ``path`` and ``line_of``."""
        warnings: list[Warning_] = []
        texts: dict[int, str] = {}
        for job in jobs:
            masked, restored = self._restored(job)
            whole = restored == job.segment.text
            for failure in dict.fromkeys(job.failures):
                warnings.append(kept_warning(report, path, line_of(job.segment), job, failure, whole))
            if restored != job.segment.text:
                texts[job.segment.id] = restored
            classify(job, report, restored != job.segment.text)
            for term in self.glossary.missing(job.masked, masked):
                warnings.append(
                    Warning_(path, line_of(job.segment), f"glossary term not used: {term}", Code.GLOSSARY_UNUSED)
                )
        out, reverted = parity_repair(qmd, segments, texts, replace_segments(qmd, texts, segments))
        warnings += self._revert(jobs, reverted, report, path, line_of)
        return Written(out, texts, reverted, warnings)

    def _restored(self, job: Job) -> tuple[str, str]:
        """A job's translation (masked) and its text to write: the translation restored, or its original
        text (with a failure) if that cannot be."""
        masked, restored = joined(job)
        if restored is None:
            job.failures.append("placeholders could not be restored")
            return masked, job.segment.text
        if problem := written_problem(masked, job.masked, job.segment.protected_texts()):
            job.failures.append(problem)
            self.memory.forget(job.pieces)
            self.memory.remember_kept(job.masked, job.masked, [problem])  # the same replies: the same problem
            return masked, job.segment.text
        return masked, restored

    def _revert(
        self,
        jobs: list[Job],
        reverted: list[int],
        report: TranslationReport,
        path: str,
        line_of: Callable[[Segment], int],
    ) -> list[Warning_]:
        """The jobs of segments the parity check reverted: forgotten, counted as kept, warned about."""
        warnings = []
        by_segment = {job.segment.id: job for job in jobs}
        for segment_id in reverted:
            job = by_segment[segment_id]
            self.memory.forget(job.pieces)
            why = "the translation changed the document structure"
            if not job.reviewed:
                self.memory.remember_kept(job.masked, job.masked, [why])
            report.parity_reverted.append(line_of(job.segment))
            if not job.failures and job.pending:  # counted as translated above: it is kept
                report.translated -= 1
                report.kept_sent += 1
            elif not job.failures and not job.reviewed and job.from_cache == len(job.pieces):
                report.cached -= 1
            job.failures.append(why)
            warnings.append(kept_warning(report, path, line_of(job.segment), job, why, True))
        return warnings


def kept_warning(report: TranslationReport, path: str, line: int, job: Job, why: str, whole: bool) -> Warning_:
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


def classify(job: Job, report: TranslationReport, changed: bool) -> None:
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


# -- parity --------------------------------------------------------------------------------------
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
