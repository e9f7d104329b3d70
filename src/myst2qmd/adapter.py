"""Absorbs the quirks of markdown-it-py and its plugins, so construct modules never see them.

Each quirk has a test in ``tests/test_adapter.py``:

* ``amsmath`` tokens end their ``map`` on the ``\\end{…}`` line (inclusive), one line later
  than the exclusive ends every other block uses: :func:`block_lines` normalises.
* ``$$`` right after a paragraph line is not a math block but ``math_inline_double`` inside
  the paragraph: :func:`is_display_math_inline` tells the two apart.
* inline tokens carry no columns: the parser records spans into the inline content
  (``meta["span"]``) and :class:`InlineLocator` maps them to absolute file offsets.
* table cells share the row's ``map`` and have their pipes and padding stripped:
  :func:`table_cell_locators` finds each cell in its row.
* ``attrs_block`` (MyST's block attributes, ``{#id .cls}`` on a line of its own): the plugin's
  core rule moves the attributes onto the next block and drops the line's token, so where the
  line stood is lost; and it takes a line whose attributes end before the line does (``{#a} b}``).
  :func:`attrs_line` keeps the tokens (the walk reads them, :mod:`.constructs.attrs`) and takes
  only a whole line of attributes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.attrs.parse import ParseError, parse

from .source import View


def block_lines(token: Token) -> tuple[int, int]:
    """``(first, end)`` line range of a block token, ``end`` exclusive, for every type."""
    assert token.map is not None
    start, end = token.map
    if token.type == "amsmath":
        end += 1
    return start, end


def attrs_line(md: MarkdownIt) -> None:
    """mdit-py-plugins' ``attrs_block`` plugin, its ``attrs_block`` tokens kept where they stand.

    >>> md = MarkdownIt("commonmark")
    >>> attrs_line(md)
    >>> [(t.type, t.attrs, t.map) for t in md.parse("{#a .b}\\ntext\\n") if t.type == "attrs_block"]
    [('attrs_block', {'id': 'a', 'class': 'b'}, [0, 1])]
    >>> [t.type for t in md.parse("{#a} b}\\n{}\\n")][:1]
    ['paragraph_open']
    """
    md.use(attrs_block_plugin)
    md.core.ruler.disable("attr")  # the tokens stay: the walk writes the attributes where Pandoc reads them
    rule = md.block.ruler.__rules__[md.block.ruler.__find__("attr")]
    plugin_rule, alt = rule.fn, list(rule.alt)

    def whole_line(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        start, stop = state.bMarks[start_line] + state.tShift[start_line], state.eMarks[start_line]
        if not state.src.startswith("{", start, stop) or state.sCount[start_line] - state.blkIndent >= 4:
            return False
        text = state.src[start:stop].rstrip()
        try:
            end, attrs = parse(text)
        except ParseError:
            return False
        return bool(attrs) and end == len(text) - 1 and bool(plugin_rule(state, start_line, end_line, silent))

    md.block.ruler.at("attr", whole_line, {"alt": alt})


def is_display_math_inline(token: Token) -> bool:
    """``$$…$$`` parsed inline (it followed a paragraph line without a blank line)."""
    return token.type == "math_inline_double"


class InlineLocator:
    """Maps offsets into an inline token's ``content`` to absolute offsets in the file.

    markdown-it builds inline content from the block's lines with leading indentation
    (and list/quote markers) removed and the last line right-stripped; each content line
    is found again in its source line.
    """

    def __init__(self, content: str, view: View, first_line: int, hint_cols: list[int] | None = None):
        self.content = content
        self.ok = True
        self._content_starts: list[int] = []
        self._abs_starts: list[int] = []
        pos = 0
        for i, cline in enumerate(content.split("\n")):
            src = view.line(first_line + i)
            col = -1
            if hint_cols is not None and i < len(hint_cols):
                col = src.find(cline, hint_cols[i]) if cline else hint_cols[i]
            elif cline == "":
                col = len(src)
            elif src.endswith(cline):
                col = len(src) - len(cline)
            else:
                col = src.find(cline)
            if col < 0:
                self.ok = False
                break
            self._content_starts.append(pos)
            self._abs_starts.append(view.abs(first_line + i, col))
            pos += len(cline) + 1

    def abs(self, offset: int) -> int:
        """Absolute file offset of ``content[offset]``."""
        lo, hi = 0, len(self._content_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._content_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return self._abs_starts[lo] + offset - self._content_starts[lo]

    def span(self, token: Token) -> tuple[int, int] | None:
        """Absolute span of a token that recorded one, else ``None``."""
        span = (token.meta or {}).get("span")
        if span is None or not self.ok:
            return None
        return self.abs(span[0]), self.abs(span[1])


class CellLocator(InlineLocator):
    """A table cell: markdown-it unescapes ``\\|`` in cell content, so every ``|`` before
    an offset stands for two characters of the file."""

    def __init__(self, content: str, base: int, ok: bool = True):
        self.content = content
        self.ok = ok
        self._base = base
        self._content_starts = [0]
        self._abs_starts = [base]

    def abs(self, offset: int) -> int:
        return self._base + offset + self.content.count("|", 0, offset)


def table_cell_locators(tokens: list[Token], start: int, view: View) -> Iterator[tuple[Token, InlineLocator]]:
    """Yield ``(inline, locator)`` for every cell of the table opening at ``tokens[start]``.

    Cells are found left to right in their row's source line (``|`` in a cell was ``\\|``).
    """
    row_line = -1
    cursor = 0
    i = start
    while i < len(tokens) and tokens[i].type != "table_close":
        token = tokens[i]
        if token.type == "tr_open" and token.map is not None:
            row_line = token.map[0]
            cursor = 0
        elif token.type == "inline" and row_line >= 0:
            src = view.line(row_line)
            written = token.content.replace("|", "\\|")
            # skip the separator pipe before the cell
            sep = src.find("|", cursor) if cursor or src.lstrip().startswith("|") else cursor - 1
            begin = sep + 1 if sep >= 0 else cursor
            col = src.find(written, begin) if written else begin
            if col < 0:
                yield token, CellLocator(token.content, view.abs(row_line, 0), ok=False)
            else:
                yield token, CellLocator(token.content, view.abs(row_line, col))
                cursor = col + len(written)
        i += 1


_BACKTICKS = re.compile(r"`+")


def link_label_end(content: str, start: int) -> int | None:
    """Index of the ``]`` closing the link label that opens at ``content[start]``."""
    depth = 0
    i = start
    while i < len(content):
        ch = content[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            run = _BACKTICKS.match(content, i)
            assert run
            close = content.find(run.group(0), i + len(run.group(0)))
            i = close + len(run.group(0)) if close >= 0 else i + 1
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def link_destination(content: str, span: tuple[int, int]) -> tuple[int, int] | None:
    """Where the destination of the inline link spanning ``span`` is: ``[text](HERE "title")``.

    markdown-it gives the parsed ``href`` only; rewriting it needs its place in the source.
    """
    label_end = link_label_end(content, span[0])
    if label_end is None or content[label_end + 1 : label_end + 2] != "(":
        return None  # a reference link [text][ref]: its destination lives elsewhere
    i = label_end + 2
    while i < span[1] and content[i] in " \t\n":
        i += 1
    if content[i : i + 1] == "<":
        end = content.find(">", i)
        return (i + 1, end) if 0 < end < span[1] else None
    start, depth = i, 0
    while i < span[1]:
        ch = content[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        elif ch in " \t\n":
            break
        i += 1
    return start, i
