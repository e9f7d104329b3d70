"""Which line of the MyST source each line of the converted text came from.

The translation runs on the converted text, but its warnings must name the line the author
wrote. Every conversion is an :class:`~myst2qmd.edits.Edit` on the source, so the way back
is exact: a line outside any edit moves by the lines the edits before it added or removed;
a line an edit wrote maps to the edit's own source line (or the line under it, for an edit
that spans several lines).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from .edits import Edit, apply_edits, ordered_edits

_TITLE = re.compile(r'^title:\s*"?(.*?)"?\s*$')
#: the marks dropped before a written line's words are looked for in the source
_MARKS = re.compile(r"[*_#:{}\[\]\"=]+")


def source_lines(source: str, edits: list[Edit], text: str | None = None) -> list[int]:
    """``result[n - 1]``: the 1-based source line of line ``n`` of ``text``, which is
    ``apply_edits(source, edits)`` (given when the caller has it already).

    A line maps to where its first character came from: lines an edit removed whole map to
    nothing, so the next line is the one after them.

    >>> source_lines("(fig)=\\n# Titel\\n\\nText\\n", [Edit(0, 15, "---\\ntitle: Titel\\n---\\n")])
    [1, 2, 3, 3, 4, 5]
    >>> source_lines("a\\n<!-- x\\ny -->\\nb\\n", [Edit(2, 15, "")])
    [1, 4, 5]
    """
    # the output as pieces: (output start, output end, source start, source end, written by an edit)
    pieces: list[tuple[int, int, int, int, bool]] = []
    out = pos = 0
    for edit in ordered_edits(edits):
        if edit.start > pos:
            pieces.append((out, out + edit.start - pos, pos, edit.start, False))
            out += edit.start - pos
        if edit.new:
            pieces.append((out, out + len(edit.new), edit.start, edit.end, True))
            out += len(edit.new)
        pos = edit.end
    pieces.append((out, out + len(source) - pos, pos, len(source), False))
    if text is None:
        text = apply_edits(source, edits)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    source_list = source.split("\n")
    flat: dict[int, str] = {}  # source line → its words joined by single spaces, once each
    source_starts = [0] + [m.end() for m in re.finditer("\n", source)]
    lines: list[int] = []
    for index, (o_start, o_end, s_start, _, edited) in enumerate(pieces):
        # the output lines starting in this piece (the last piece takes the rest)
        begin = bisect_left(starts, o_start)
        stop = bisect_left(starts, o_end) if index + 1 < len(pieces) else len(starts)
        if begin == stop:
            continue
        if edited:
            lines += _written_lines(text, starts[begin:stop], pieces[index], source_list, source_starts, flat)
        else:
            # text no edit touched: its lines are the source's, one after the other
            first = bisect_right(source_starts, s_start + starts[begin] - o_start)
            lines += range(first, first + stop - begin)
    return lines


def _written_lines(
    text: str,
    starts: list[int],
    piece: tuple[int, int, int, int, bool],
    source: list[str],
    source_starts: list[int],
    flat: dict[int, str],
) -> list[int]:
    """The source lines of the output lines starting at ``starts`` in ``piece``, text an edit wrote:
    each the line holding its words (:func:`_line_with`), else as many lines after the edit's first
    as it is after the piece's first (never past the edit's last)."""
    o_start, _, s_start, s_end, _ = piece
    first = bisect_right(source_starts, s_start)
    last = bisect_right(source_starts, s_end)
    below = text.count("\n", o_start, starts[0])  # lines of the piece above its first line start
    lines: list[int] = []
    for n, offset in enumerate(starts, below):
        end = text.find("\n", offset)
        written = text[offset : end if end >= 0 else len(text)]
        lines.append(_line_with(source, written, first, last, flat) or min(first + n, last))
    return lines


def _line_with(source: list[str], written: str, first: int, last: int, flat: dict[int, str]) -> int | None:
    """The source line (``first..last``) holding the words of a line an edit wrote.

    A callout's ``**Frage**`` comes from ``{admonition} Frage``; a ``title: "Titel"`` made from
    the first heading comes from ``# Titel``, wherever that is.
    """
    title = _TITLE.match(written) if written.startswith("title:") else None
    if title and title.group(1):
        value = title.group(1).replace('\\"', '"')
        for n, line in enumerate(source, 1):
            if re.fullmatch(r"#\s+" + re.escape(value) + r"\s*", line):
                return n
    words = _MARKS.sub(" ", written).split()
    if not words or len(" ".join(words)) < 3:
        return None
    needle = " ".join(words)
    for n in range(first, min(last, len(source)) + 1):
        joined = flat.get(n)
        if joined is None:
            joined = flat[n] = " ".join(source[n - 1].split())
        if needle in joined:
            return n
    return None
