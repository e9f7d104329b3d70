"""Edits on the original text, and the one place they are applied.

Every conversion is an :class:`Edit`: replace ``text[start:end]`` with ``new``; every
byte outside an edit is the byte the author wrote (:func:`apply_edits` copies it, and
refuses edits that overlap). Edits never parse: whether code reached the output untouched
is :func:`myst2qmd.untouched.check_untouched`'s to say, from the parser's tokens.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``source[start:end]`` with ``new`` (``start == end`` inserts)."""

    start: int
    end: int
    new: str
    #: which construct made the edit (for reports and error messages)
    kind: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad edit span {self.start}..{self.end} ({self.kind})")


class OverlappingEditsError(ValueError):
    """Two constructs claimed the same bytes; a converter bug, never silently resolved."""


def ordered_edits(edits: list[Edit]) -> list[Edit]:
    # insertions at a position come before a replacement that starts there
    return sorted(edits, key=lambda e: (e.start, e.end != e.start, e.end))


def apply_edits(source: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits and return the new text.

    >>> apply_edits("see {numref}`fig-a`", [Edit(4, 19, "@fig-a")])
    'see @fig-a'
    """
    out: list[str] = []
    pos = 0
    previous: Edit | None = None
    for edit in ordered_edits(edits):
        if edit.start < pos:
            raise OverlappingEditsError(f"edits overlap: {previous} and {edit} at offset {edit.start}")
        if edit.end > len(source):
            raise ValueError(f"edit past the end of the text: {edit}")
        out.append(source[pos : edit.start])
        out.append(edit.new)
        pos = edit.end
        previous = edit
    out.append(source[pos:])
    return "".join(out)


class Normalized:
    """The text the parser sees, and the way back to the bytes the author wrote.

    markdown-it turns ``\r\n`` and ``\r`` into ``\n`` and NUL into U+FFFD; we do the same
    before parsing so offsets agree, and :meth:`rebuild` writes every untouched span from the
    original (mixed line endings and NULs included). Replacement text gets the file's
    majority line ending.
    """

    def __init__(self, original: str):
        self.original = original
        text = original
        self._crlf: list[int] = []
        if "\r" in original:  # (one look for the rare case, not two replacements of nothing)
            text = original.replace("\r\n", "\n")
            if len(text) != len(original):
                for shift, match in enumerate(re.finditer("\r\n", original)):
                    self._crlf.append(match.start() - shift)
            text = text.replace("\r", "\n")
        self._nul = "\0" in text and "\ufffd" not in text
        if self._nul:
            text = text.replace("\0", "\ufffd")
        self.text = text
        # the majority line ending: only a text with ``\r\n`` needs its lines counted
        lines = text.count("\n") if self._crlf else 0
        self.newline = "\r\n" if lines and len(self._crlf) * 2 > lines else "\n"

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def to_original(self, offset: int) -> int:
        return offset + bisect_left(self._crlf, offset)

    def _new(self, text: str) -> str:
        if self._nul:
            text = text.replace("\ufffd", "\0")
        return text.replace("\n", self.newline) if self.newline != "\n" else text

    def rebuild(self, edits: list[Edit]) -> str:
        """Apply ``edits`` (offsets into :attr:`text`) onto the original."""
        pieces: list[str] = []
        pos = 0
        for edit in ordered_edits(edits):
            pieces.append(self.original[self.to_original(pos) : self.to_original(edit.start)])
            pieces.append(self._new(edit.new))
            pos = edit.end
        pieces.append(self.original[self.to_original(pos) :])
        return "".join(pieces)
