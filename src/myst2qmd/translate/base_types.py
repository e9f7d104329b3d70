"""Small value types shared by the translation modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """A validation result: ``ok``, else ``reason``; ``text`` is the accepted, normalized reply."""

    ok: bool
    reason: str = ""
    text: str = ""
