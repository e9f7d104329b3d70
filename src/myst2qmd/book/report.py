"""What a book run did, in numbers: the summary line and ``--report report.json``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..codes import Count, count_codes
from ..context import Warning_

if TYPE_CHECKING:
    from ..convert import Result
    from ..translate.pipeline import TranslationReport


@dataclass
class BookReport:
    """What happened, for the summary and ``--report report.json``."""

    files_converted: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    assets_copied: int = 0
    #: chapters whose output the folder held already (:mod:`.reuse`): not converted again
    files_reused: int = 0
    #: files of an earlier run no chapter or book file writes now: removed
    files_removed: int = 0
    constructs: Counter[str] = field(default_factory=Counter)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    #: every warning and info of ``warnings``, counted per code; and those ``suppress-warnings`` kept off stderr
    warning_codes: dict[str, int] = field(default_factory=dict)
    suppressed_codes: dict[str, int] = field(default_factory=dict)
    references_resolved: int = 0
    references_unresolved: int = 0
    duplicate_labels: list[str] = field(default_factory=list)
    translation_report: TranslationReport | None = None
    #: chapters that could not be read (a notebook nbformat refuses): not in the output
    not_converted: list[str] = field(default_factory=list)
    #: every path of the output folder this run wrote (changed or new), once each
    written: list[str] = field(default_factory=list)

    @property
    def translation(self) -> dict[str, Any]:
        """The translation run in numbers ({} without translation)."""
        report = self.translation_report
        if report is None:
            return {}
        from ..translate.report import overhead_json

        return {
            "engine": report.engine,
            "model": report.model,
            "segments": report.segments,
            "translated": report.translated,
            "cached": report.cached,
            "reviewed": report.reviewed,
            "kept": len(report.kept),
            "already_in_target": report.already_in_target,
            "requests": report.engine_calls,
            "characters_sent": report.characters_sent,
        } | overhead_json(report)

    def as_json(self) -> dict[str, Any]:
        return {
            "files_converted": self.files_converted,
            "files_written": self.files_written,
            "files_unchanged": self.files_unchanged,
            "assets_copied": self.assets_copied,
            "not_converted": self.not_converted,
            "constructs": dict(sorted(self.constructs.items())),
            "warnings": self.warnings,
            "warning_codes": self.warning_codes,
            "suppressed_codes": self.suppressed_codes,
            "references": {"resolved": self.references_resolved, "unresolved": self.references_unresolved},
            "duplicate_labels": self.duplicate_labels,
            "translation": self.translation,
        }

    def add_result(self, result: Result) -> None:
        """A converted piece's counts: its constructs, and its references resolved or not."""
        self.add_counts(result.counts)

    def add_counts(self, counts: Mapping[str, int]) -> None:
        """A converted piece's (or a reused chapter's) counts: its constructs, its references resolved or not."""
        self.constructs.update(counts)
        unresolved = counts.get(Count.UNRESOLVED_REFERENCE.key(), 0)
        self.references_unresolved += unresolved
        self.references_resolved += counts.get(Count.REFERENCE.key(), 0) - unresolved

    def add_warnings(self, warnings: list[Warning_]) -> None:
        """Every warning of the run, by the file it names (a notebook's cells: the notebook), and
        counted per code."""
        for warning in warnings:
            where = self.warnings.setdefault(warning.path.split("#")[0], [])
            where.append(f"{warning.line}: {warning.level} [{warning.code}]: {warning.message}")
        self.warning_codes = count_codes(w.code for w in warnings)
