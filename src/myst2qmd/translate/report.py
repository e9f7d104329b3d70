"""What a translation run did, in numbers and in a list of what stayed in the source language.

``sent`` (the progress bar's total: segments that needed the engine in this run) is
``translated`` + ``unchanged`` + ``kept_sent``; ``kept_segments`` names every segment written,
all or in part, in the source language (``--report``'s ``kept``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["TRANSIENT_FAILURES", "KeptSegment", "TranslationReport", "excerpt", "kept_json", "translation_json"]


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
    #: characters those requests held beyond the units (instructions, examples, glossary, the JSON around them)
    overhead_characters: int = 0
    #: requests that got none (timeouts, HTTP 429/5xx, lost connections) or were refused
    requests_failed: int = 0
    retries: int = 0
    #: why the run stopped sending ("" if it did not): the circuit breaker's reason
    stopped: str = ""
    #: run-wide messages for the user (e.g. a ``Retry-After`` that was cut short)
    notes: list[str] = field(default_factory=list)
    #: (line, reason) for every segment (or part of one) that kept its original text
    kept: list[tuple[int, str]] = field(default_factory=list)
    #: every segment written (all or in part) in the source language: file, line, text, why
    kept_segments: list[KeptSegment] = field(default_factory=list)
    #: segments that needed the engine this run (the progress bar's total):
    #: ``translated`` + ``unchanged`` + ``kept_sent``
    sent: int = 0
    #: of those, segments the engine gave back as they were (a name, a formula's words)
    unchanged: int = 0
    #: of those, segments that kept (all or part of) their original text
    kept_sent: int = 0
    #: segments the memory remembered the engine could not translate: nothing sent for them
    kept_remembered: int = 0
    parity_reverted: list[int] = field(default_factory=list)

    @property
    def overhead_share(self) -> float:
        """The share of the characters sent that were not units (0 for an engine that sends none)."""
        total = self.characters_sent + self.overhead_characters
        return self.overhead_characters / total if total else 0.0

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
            "overhead_characters",
            "requests_failed",
            "retries",
            "sent",
            "unchanged",
            "kept_sent",
            "kept_remembered",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.kept += other.kept
        self.kept_segments += other.kept_segments
        self.parity_reverted += other.parity_reverted
        self.stopped = self.stopped or other.stopped
        self.notes += [note for note in other.notes if note not in self.notes]


@dataclass(frozen=True)
class KeptSegment:
    """A segment written (all or in part) in the source language, for ``--report`` and the summary."""

    path: str
    line: int
    kind: str
    #: the segment's source text (shortened)
    text: str
    why: str
    #: all of it (False: some of its sentences or halves were translated)
    whole: bool = True

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.path,
            "line": self.line,
            "kind": self.kind,
            "text": self.text,
            "why": self.why,
            "whole": self.whole,
        }


#: failures that are the transport's, not the engine's verdict on the text: never remembered as kept
TRANSIENT_FAILURES = ("not sent", "engine error", "no reply for this unit")


def excerpt(text: str, width: int = 60) -> str:
    """``text`` on one line, cut to ``width`` characters.

    >>> excerpt("Dadurch sind MLPs  schnell sehr gross.", 20)
    'Dadurch sind MLPs s…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def translation_json(report: TranslationReport | None) -> dict[str, Any]:
    """The translation run in numbers ({} without translation); ``sent`` is ``translated`` + ``unchanged``
    + ``kept_sent``."""
    if report is None:
        return {}
    names = ("engine", "model", "segments", "sent", "translated", "unchanged", "kept_sent", "cached", "kept_remembered")
    data: dict[str, Any] = {name: getattr(report, name) for name in names}
    data.update(
        reviewed=report.reviewed,
        kept=len(report.kept_segments),
        already_in_target=report.already_in_target,
        requests=report.engine_calls,
        characters_sent=report.characters_sent,
    )
    return data | overhead_json(report)


def overhead_json(report: TranslationReport) -> dict[str, Any]:
    """What the requests held beyond the units, for an engine that sends any (the share of all
    characters sent); nothing for one that sends the units alone (DeepL, pseudo)."""
    if not report.overhead_characters:
        return {}
    return {"overhead_characters": report.overhead_characters, "overhead_share": round(report.overhead_share, 3)}


def kept_json(report: TranslationReport | None) -> list[dict[str, object]]:
    """Every segment written (all or in part) in the source language, with its file and line."""
    return [kept.as_json() for kept in report.kept_segments] if report is not None else []
