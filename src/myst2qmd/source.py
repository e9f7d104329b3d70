"""Views of the source text: the whole document or a directive body.

MyST-Parser parses a directive body as a document of its own, with a line offset. A view is
such a document: its lines, and for every line the absolute offsets in the original file where
its text starts and ends (after the indentation or ``>`` markers that markdown-it removed). A
body's view is a window on the file: no text is copied, however deep bodies nest. Every edit
the converter makes is expressed in absolute offsets of the original file, so nested constructs
are rewritten in place and nothing else moves. Also here: where the text's HTML comments are
(:func:`comment_spans`), which MyST and Quarto text share.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field


def line_starts(text: str) -> list[int]:
    """Offsets of the first character of every line (a final empty line included)."""
    starts = [0]
    find = text.find
    pos = find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    return starts


@dataclass
class View:
    """Lines of the original file (each a suffix of its source line), as the parser reads them."""

    #: the whole original text (of the root view) the absolute offsets point into
    source: str
    #: where each line's text starts and ends (before its newline) in :attr:`source`
    abs_starts: Sequence[int]
    abs_ends: Sequence[int]
    #: 1-based line number in the original file of this view's line 0
    first_lineno: int = 1
    depth: int = 0
    _text: str | None = field(default=None, repr=False)
    _starts: list[int] | None = field(default=None, repr=False)

    @classmethod
    def root(cls, text: str) -> View:
        starts = line_starts(text)
        ends = [s - 1 for s in starts[1:]] + [len(text)]
        return cls(source=text, abs_starts=starts, abs_ends=ends, _text=text, _starts=starts)

    @property
    def text(self) -> str:
        """The view's lines joined (the text a parse of the view alone reads)."""
        if self._text is None:
            self._text = "\n".join(self.line(i) for i in range(self.nlines))
        return self._text

    @property
    def starts(self) -> list[int]:
        """Offsets into :attr:`text` of every line's start."""
        if self._starts is None:
            starts, pos = [], 0
            for start, end in zip(self.abs_starts, self.abs_ends, strict=True):
                starts.append(pos)
                pos += end - start + 1
            self._starts = starts
        return self._starts

    @property
    def nlines(self) -> int:
        return len(self.abs_starts)

    def line(self, index: int) -> str:
        """The text of line ``index`` without its newline ('' past the end)."""
        if index >= len(self.abs_starts):
            return ""
        return self.source[self.abs_starts[index] : self.abs_ends[index]]

    def lines(self, start: int, end: int) -> list[str]:
        return [self.line(i) for i in range(start, min(end, self.nlines))]

    def abs(self, index: int, col: int = 0) -> int:
        """Absolute offset of column ``col`` of line ``index``."""
        if index >= len(self.abs_starts):
            return self.abs_ends[-1]
        return self.abs_starts[index] + col

    def abs_line_end(self, index: int) -> int:
        """Absolute offset just past the newline of line ``index``."""
        if index + 1 < len(self.abs_starts):
            return self.abs_ends[index] + 1
        return self.abs_ends[-1]

    def abs_of_offset(self, offset: int) -> int:
        """Absolute offset of a character offset into :attr:`text`."""
        index = bisect_right(self.starts, offset) - 1
        return self.abs_starts[index] + offset - self.starts[index]

    def lineno(self, index: int) -> int:
        """1-based line number in the original file of line ``index``."""
        return self.first_lineno + index

    def prefix(self, index: int, col: int = 0) -> str:
        """The original text of line ``index`` before column ``col``: container indentation and ``>`` too.

        ``"   > text"`` seen by a directive body as ``"text"`` → ``"   > "``.
        """
        at = self.abs(index, col)
        return self.source[self.source.rfind("\n", 0, at) + 1 : at]

    def window(self, first_line: int, starts: Sequence[int], ends: Sequence[int]) -> View:
        """The view of lines ``first_line…`` of this view, starting and ending at ``starts``/``ends``
        (absolute offsets; no lines: an empty line where ``first_line`` starts)."""
        if not starts:
            at = self.abs(first_line)
            starts, ends = [at], [at]
        return View(
            source=self.source,
            abs_starts=starts,
            abs_ends=ends,
            first_lineno=self.lineno(first_line),
            depth=self.depth + 1,
        )


def comment_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every complete ``<!-- … -->`` comment in ``text``, left to right; one
    pass, so a ``<!--`` repeated without ``-->`` costs no more than its length (a regex would
    look for the end again from every ``<!--``).

    >>> list(comment_spans("<!-- a --> x <!-- c"))
    [(0, 10)]
    """
    pos = 0
    while True:
        start = text.find("<!--", pos)
        end = text.find("-->", start + 4) if start >= 0 else -1
        if end < 0:
            return
        pos = end + 3
        yield start, pos
