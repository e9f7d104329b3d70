"""Which line of the MyST source each line of the converted text came from.

The translation runs on the converted text, but its warnings must name the line the author
wrote. Every conversion is an :class:`~myst2qmd.edits.Edit` on the source, so the way back
is exact: a line outside any edit moves by the lines the edits before it added or removed;
a line an edit wrote maps to the edit's own source line (or the line under it, for an edit
that spans several lines).
"""

from __future__ import annotations

from .edits import Edit, ordered_edits


def source_lines(source: str, edits: list[Edit]) -> list[int]:
    """``result[n - 1]``: the 1-based source line of line ``n`` of ``apply_edits(source, edits)``.

    >>> source_lines("(fig)=\\n# Titel\\n\\nText\\n", [Edit(0, 15, "---\\ntitle: Titel\\n---\\n")])
    [1, 2, 3, 3, 4, 5]
    """
    out: list[int] = [1]
    pos = 0
    line = 1  # the source line at ``pos``

    def copy(start: int, end: int) -> None:
        nonlocal line
        for _ in range(source.count("\n", start, end)):
            line += 1
            out.append(line)

    for edit in ordered_edits(edits):
        copy(pos, edit.start)
        first = line
        last = first + source.count("\n", edit.start, edit.end)
        for n in range(edit.new.count("\n")):
            out.append(min(first + n + 1, last) if last > first else first)
        line = last
        pos = edit.end
    copy(pos, len(source))
    return out
