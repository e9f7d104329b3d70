"""Views of the source text: the whole document or a directive body parsed on its own.

MyST-Parser re-parses a directive body as a document of its own, with a line offset. We do
the same, and keep, for every line of the body, the absolute offset in the original file
where that line's text starts (after the indentation or ``>`` markers that markdown-it
removed). Every edit the converter makes is expressed in absolute offsets of the original
file, so nested constructs are rewritten in place and nothing else moves.
"""

from __future__ import annotations

from bisect import bisect_right
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
    """Text handed to the parser, plus where each of its lines sits in the original file."""

    text: str
    abs_starts: list[int]
    starts: list[int] = field(default_factory=list)
    #: 1-based line number in the original file of this view's line 0
    first_lineno: int = 1
    depth: int = 0
    #: the whole original text (of the root view) the absolute offsets point into
    source: str | None = None

    def __post_init__(self) -> None:
        if not self.starts:
            self.starts = line_starts(self.text)

    @classmethod
    def root(cls, text: str) -> View:
        starts = line_starts(text)
        return cls(text=text, abs_starts=starts, starts=starts, source=text)

    @property
    def nlines(self) -> int:
        return len(self.starts)

    def line(self, index: int) -> str:
        """The text of line ``index`` without its newline ('' past the end)."""
        if index >= len(self.starts):
            return ""
        start = self.starts[index]
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.text)
        return self.text[start:end]

    def lines(self, start: int, end: int) -> list[str]:
        return [self.line(i) for i in range(start, min(end, self.nlines))]

    def line_end(self, index: int) -> int:
        """Offset (in this view) just past the newline of line ``index``."""
        if index + 1 < len(self.starts):
            return self.starts[index + 1]
        return len(self.text)

    def abs(self, index: int, col: int = 0) -> int:
        """Absolute offset of column ``col`` of line ``index``."""
        if index >= len(self.abs_starts):
            last = len(self.abs_starts) - 1
            return self.abs_starts[last] + (len(self.text) - self.starts[last])
        return self.abs_starts[index] + col

    def abs_line_end(self, index: int) -> int:
        """Absolute offset just past the newline of line ``index``."""
        if index + 1 < len(self.abs_starts):
            return self.abs_starts[index] + (self.starts[index + 1] - self.starts[index])
        return self.abs(self.nlines - 1, len(self.line(self.nlines - 1)))

    def abs_of_offset(self, offset: int) -> int:
        """Absolute offset of a character offset into ``self.text``."""
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
        source = self.source if self.source is not None else self.text
        return source[source.rfind("\n", 0, at) + 1 : at]

    def sub(self, first_line: int, body_lines: list[str]) -> View | None:
        """The view of ``body_lines``, which stand for lines ``first_line…`` of this view.

        Each body line must be a suffix of its source line (markdown-it only strips
        indentation); when one is not, ``None`` is returned and the caller treats the body
        as opaque.
        """
        abs_starts: list[int] = []
        for i, body_line in enumerate(body_lines):
            src = self.line(first_line + i)
            if src.endswith(body_line):
                col = len(src) - len(body_line)
            else:
                return None
            abs_starts.append(self.abs(first_line + i, col))
        text = "\n".join(body_lines)
        if not abs_starts:
            abs_starts = [self.abs(first_line)]
            text = ""
        return View(
            text=text,
            abs_starts=abs_starts,
            first_lineno=self.lineno(first_line),
            depth=self.depth + 1,
            source=self.source,
        )
