"""The one interface every translation engine implements.

An engine receives :class:`Unit` s — prose with its protected spans already replaced by
``⟨n⟩`` placeholders — and returns one :class:`Reply` per unit. It never sees Markdown
structure, code, math or URLs; the pipeline validates what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class EngineError(Exception):
    """A request failed; the pipeline may retry it."""


class FatalEngineError(EngineError):
    """Retrying cannot help (no key, quota exhausted, model missing): stop and say why."""


@dataclass(frozen=True)
class Unit:
    """One piece of text to translate."""

    id: str
    text: str
    #: glossary entries (source term → target term) that occur in this unit
    glossary: tuple[tuple[str, str], ...] = ()
    #: a note for a retry ("keep every ⟨n⟩ placeholder exactly once")
    note: str = ""


@dataclass
class Reply:
    """What the engine said for one unit."""

    text: str
    #: "stop", "length", … (as the API reports it; "" when the API has no such notion)
    finish_reason: str = ""


@dataclass
class Request:
    """Settings that hold for a whole run."""

    source_lang: str = "de"
    target_lang: str = "en"
    timeout: float = 60.0
    glossary_id: str = ""


class Engine(Protocol):
    """A translation engine."""

    name: str
    model: str
    #: the most characters of unit text the engine takes in one request
    max_batch_chars: int
    #: the most units in one request
    max_batch_units: int

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        """Translate ``units``; the result maps unit ids to replies (missing ids: failures)."""
        ...

    def close(self) -> None: ...


@dataclass
class EngineStats:
    requests: int = 0
    units: int = 0
    characters: int = 0
    retries: int = 0
    failures: list[str] = field(default_factory=list)
