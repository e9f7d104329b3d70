"""The div writer: a directive and its rewrite in, the edits that write it as a Pandoc div out.

:func:`directive_edits` is one pure function of a directive (where it stands in its view, its
parsed body's view) and its :class:`~.base.Rewrite`: it sizes the ``{FENCE}`` (``:::``,
``::::``, … wider than any ``:`` fence inside), moves the fences to the column Pandoc reads a
div at and the body left with them (:func:`dedent_body`), writes a replaced body, inserted
lines and a closing fence where MyST had none. It returns edits and warnings; it adds nothing
to the walk itself.

A prefix in front of every body line (``prefix_body``: ``"> "`` quotes an epigraph) meets body
lines other constructs rewrote with the lines around them (display math, a nested directive's
opening lines). The div writer never changes those edits: it writes the prefix as insertions
on the lines no edit covers, and for the rest returns a :class:`~.base.LinePrefix` request naming
the edits it found there. The walk composes the requests once it is done
(:func:`with_line_prefixes`), in the order they were made: inner bodies are walked first, so an
epigraph in an epigraph gets the inner ``"> "`` before the outer one, as nesting says.

:func:`wrap_block` writes the div a ``(label)=`` puts around a list or a quote, and
:func:`without_clashing_dedents` drops the body dedents a block rewritten whole makes moot.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it.token import Token

from ..adapter import block_lines
from ..codes import Code
from ..directives import Directive, container_prefix_len, continuation
from ..edits import Edit
from ..source import View
from . import ids
from .base import FENCE, LinePrefix, Rewrite
from .blocks import (
    blank_after,
    colon_runs,
    follows_text,
    indent_lines,
    last_filled_line,
    line_start,
    needs_blank_before,
    quote_prefix,
    remove_lines,
    replace_block,
)

#: a body line's indentation cut as its div fence moves left
DEDENT = "dedent"
#: a body line's own tab indentation written as spaces (yields to every other edit, dedents too)
TAB_DEDENT = "dedent tabs"
#: the edits made so far inside ``start…end`` (the walk's, read only)
EditsWithin = Callable[[int, int], list[Edit]]


@dataclass
class DivEdits:
    """What the div writer makes of one directive."""

    edits: list[Edit] = field(default_factory=list)
    #: the width of the ``:`` fence it wrote, else of the widest inside it
    width: int = 0
    #: the body lines' prefix on edits other constructs made (see :func:`with_line_prefixes`)
    line_prefix: LinePrefix | None = None
    #: ``(line, message, code)``, to report in this order
    warnings: list[tuple[int, str, Code]] = field(default_factory=list)


@dataclass(frozen=True)
class _Place:
    """Where a directive's div goes in its view."""

    view: View
    d: Directive
    fence: str
    #: what stands before the fence in the file (container indentation, "> ")
    full: str
    #: how much of the directive's indentation a div fence keeps, and the spaces a cut tab leaves
    keep: int
    pad: str

    @property
    def div_indent(self) -> str:
        return self.d.indent[: self.keep] + self.pad

    @property
    def div_prefix(self) -> str:
        return self.full[: len(self.full) - len(self.d.indent) + self.keep] + self.pad


def directive_edits(
    d: Directive, rewrite: Rewrite, view: View, body: View | None, inner: int, within: EditsWithin
) -> DivEdits:
    """The edits writing directive ``d`` (standing in ``view``; its walked body's view ``body``) as
    ``rewrite`` says; ``inner``: the widest ``:`` fence inside its body, ``within``: the walk's edits.

    A rewrite removing all three parts removes the directive's lines, like a removed block.
    """
    kind = f"directive {d.name}"
    if rewrite.open == "" and rewrite.body == "" and rewrite.close == "":
        # removed altogether ({bibliography}, {toctree}): a fence never closed ends where its
        # list item or quote ends (else at the end of the file)
        last = d.close_line if d.close_line is not None else min(block_lines(d.token)[1], view.nlines) - 1
        return DivEdits(remove_lines(view, d.open_line, last + 1, kind))
    fence_len = max(3, inner + 1)
    # Pandoc reads ":::" only at its container's content column; a tab across it is split
    keep, pad = _cut_to_column(d.indent, _width(d.indent) - d.excess)
    place = _Place(view, d, ":" * fence_len, view.prefix(d.open_line, len(d.indent)), keep, pad)
    out = DivEdits()
    uses_fence = rewrite.open is not None and FENCE in rewrite.open
    if rewrite.open is not None:
        _open(place, rewrite, out)
    moved = _width(d.indent) - _width(place.div_indent)
    if uses_fence and moved and body is not None and rewrite.body is None:
        out.edits += dedent_body(view, d.body_first, body, continuation(place.div_indent), moved)
    rest = continuation(place.full)
    if rewrite.body is not None and d.body_lines:
        start = view.abs(d.body_first, 0)
        last = d.body_first + len(d.body_lines) - 1
        new_body = indent_lines(rewrite.body, rest)
        # the first line's own indentation is replaced too (a list marker stays on the opening line)
        lead = continuation(d.indent)
        new_body = lead + new_body if lead and new_body[:1] not in ("", "\n") else new_body
        out.edits.append(Edit(start, view.abs(last, len(view.line(last))), new_body, kind))
    for n, text in rewrite.inserts:
        at = view.abs(d.body_first + n, len(view.line(d.body_first + n)))
        lines = text.replace(FENCE, place.fence).split("\n")
        new = "\n".join(lines[:1] + [rest + x if x else quote_prefix(rest) for x in lines[1:]])
        out.edits.append(Edit(at, at, new, kind))
    if rewrite.prefix_body is not None:
        edits, out.line_prefix = prefix_body(view, d, rewrite.prefix_body, rest, within, out.edits)
        out.edits += edits
    if rewrite.close is not None:
        uses_fence = _close(place, rewrite.close, out) or uses_fence
    # a div around the div (``{FENCE}:``, a folded theorem's callout) is one colon wider
    wider = rewrite.open is not None and FENCE + ":" in rewrite.open
    out.width = fence_len + wider if uses_fence else inner
    return out


def _open(place: _Place, rewrite: Rewrite, out: DivEdits) -> None:
    """The edit replacing the opening fence line and its option lines with ``rewrite.open``."""
    view, d = place.view, place.d
    assert rewrite.open is not None
    uses_fence = FENCE in rewrite.open
    new_open = rewrite.open.replace(FENCE, place.fence)
    prefix = place.div_prefix if uses_fence else place.full
    start = view.abs(d.open_line, place.keep if uses_fence else len(d.indent))
    lead = place.pad if uses_fence else ""
    # an unclosed fence whose list item or quote ends with its opening line has no body
    no_body = d.body_first >= view.nlines or (d.close_line is None and d.body_first >= block_lines(d.token)[1])
    stop = (
        # the option lines go with the opening line: read, they are no text
        view.abs(d.body_first - 1, len(view.line(d.body_first - 1)))
        if no_body
        # up to the body's first line, its container indentation included
        else line_start(view, d.body_first)
    )
    if no_body:
        new_open = new_open.rstrip("\n")
    elif not new_open.endswith("\n") and new_open:
        new_open += "\n"
    rest = continuation(prefix)
    new_open = indent_lines(new_open, rest)
    if uses_fence and d.open_line > 0 and needs_blank_before(view, d.open_line) and rest == prefix:
        # Pandoc only opens a div after a blank line (or as the first block of a list item)
        new_open = "\n" + prefix + new_open
        lead = ""
    if d.option_errors:
        kept = "options kept as a comment before it" if d.raw_options else "its lines kept as its body"
        for err in d.option_errors:
            out.warnings.append((d.lineno, f"{{{d.name}}}: {err}; {kept}", Code.OPTION_INVALID))
    if d.option_errors and d.raw_options:
        # before the construct, never inside it (inside a code cell it would be code)
        raw = "\n".join(d.raw_options).replace("-->", "--&gt;")
        comment = indent_lines(f"<!-- {{{d.name}}} options that could not be read:\n{raw}\n-->", rest)
        new_open = comment + "\n" + rest + new_open
    if _keeps_marker(d, rewrite) and not no_body:
        # a list marker before the fence stays, alone on its line (an item may open with a line break;
        # moved up, a pipe table's first line would be read as a table's row, marker and all)
        first = d.body_first + (_first_text(d) if rewrite.body is None else 0)
        start = view.abs(d.open_line, len(d.indent.rstrip()))
        out.edits.append(Edit(start, view.abs(first - 1, len(view.line(first - 1))), "", f"directive {d.name}"))
        return
    if new_open == "" and not no_body:
        # the line goes; its container indentation stays for the body's first line
        start = view.abs(d.open_line, 0)
        stop = view.abs(d.body_first, 0)
        if rewrite.body is None and (d.open_line == 0 or not view.line(d.open_line - 1).strip()):
            # after a blank line, the body's leading blank lines go with the fence
            skip = 0
            while skip < len(d.body_lines) - 1 and not d.body_lines[skip].strip():
                skip += 1
            stop = view.abs(d.body_first + skip, 0)
    out.edits.append(Edit(start, stop, (lead if new_open else "") + new_open, f"directive {d.name}"))


def _keeps_marker(d: Directive, rewrite: Rewrite) -> bool:
    """Does a list marker stand before ``d``'s fence on a line ``rewrite`` removes (``- ```{list-table}``)?"""
    return rewrite.open == "" and continuation(d.indent) != d.indent


def _first_text(d: Directive) -> int:
    """The first body line with text (the last when none has)."""
    return next((n for n, text in enumerate(d.body_lines) if text.strip()), max(0, len(d.body_lines) - 1))


def _close(place: _Place, close: str, out: DivEdits) -> bool:
    """The edit replacing the closing fence with ``close`` (or writing it where a fence never closed
    ends); whether it closes a div."""
    view, d = place.view, place.d
    kind = f"directive {d.name}"
    closes_div = FENCE in close
    new_close = close.replace(FENCE, place.fence)
    rest = continuation(place.div_prefix if closes_div else place.full)
    if d.close_line is not None:
        line = d.close_line
        src = view.line(line)
        if new_close == "":
            out.edits.append(Edit(view.abs(line, 0), view.abs_line_end(line), "", kind))
            return closes_div
        col = container_prefix_len(src)
        div_rest = continuation(place.div_indent)
        # the closing fence moves to the opening one's column, like the opening fence
        at, pad = (
            _cut_to_column(src[:col], _width(div_rest))
            if closes_div and _same_containers(src[:col], div_rest)
            else (col, "")
        )
        out.edits.append(Edit(view.abs(line, at), view.abs(line, len(src)), pad + indent_lines(new_close, rest), kind))
        return closes_div
    # at the end of the file, or of the list item or quote the fence ran to the end of
    last = min(block_lines(d.token)[1], view.nlines) - 1
    last = view.nlines - 1 if last >= view.nlines - 2 else last
    where = "at the end of the file" if last == view.nlines - 1 else "where its list item or quote ends"
    out.warnings.append((d.lineno, f"{{{d.name}}} is never closed; closed {where}", Code.FENCE_UNCLOSED))
    end = view.abs(last, len(view.line(last)))
    tail = view.line(last)
    sep = "" if tail == "" else "\n"
    # after a final newline the close needs one of its own; before the line that ended
    # the list item or quote, a blank line (Pandoc would read that line into the item)
    after = "\n" if tail == "" or last < view.nlines - 1 else ""
    if new_close:
        out.edits.append(Edit(end, end, sep + rest + indent_lines(new_close, rest) + after, "unclosed"))
    return closes_div


def prefix_body(
    view: View, d: Directive, prefix: str, rest: str, within: EditsWithin, own: list[Edit]
) -> tuple[list[Edit], LinePrefix | None]:
    """``prefix`` (``"> "``) in front of every line of a directive's converted body: insertions on
    the lines no edit covers, and a :class:`~.base.LinePrefix` request for the edits that rewrote
    a body line together with the lines around it (``rest``: what a line needs in the containers
    the directive stands in; ``own``: the directive's own edits so far)::

        ```{epigraph}            ::: {.epigraph}
        $$                       > $$
        x                        > x
        $$ (e1)                  > $$ {#eq-e1}
        ```                      :::
    """
    filled = [i for i, text in enumerate(d.body_lines) if text.strip()]
    if not filled:
        return [], None
    # blank lines before the first and after the last line of text stay unquoted
    first, last = d.body_first + filled[0], d.body_first + filled[-1]
    # (an edit removing the last line of text may take the blank lines after it too)
    span = (line_start(view, first), view.abs_line_end(d.body_first + len(d.body_lines) - 1))
    mine = [e for e in own if span[0] <= e.start and e.end <= span[1]]
    inner = [e for e in [*within(*span), *mine] if e.kind not in (DEDENT, TAB_DEDENT) and e.start < e.end]
    ats: list[int] = []
    edits: list[Edit] = []
    around_lines: list[Edit] = []
    for line in range(first, last + 1):
        src = view.line(line)
        start = line_start(view, line)
        text = view.source[start : view.abs(line, len(src))]  # the line as it stands in the file
        pad = ""
        if text.startswith(rest):  # at the directive's content column (after a list item's indentation)
            at = start + len(rest)
        elif not text.strip(" \t>") and rest.startswith(text):
            # a blank line shorter than the indentation gets it (or a list item would end)
            at, pad = start + len(text), rest[len(text) :]
        else:
            at = view.abs(line, len(d.indent)) if src.startswith(d.indent) else view.abs(line, 0)
        ats.append(at)
        around = next((e for e in inner if e.start < at < e.end), None)
        if any(e.start == at and e.new == "" and e.end > view.abs(line, len(src)) for e in inner):
            continue  # the line goes, its newline too
        if around is None:
            edits.append(Edit(at, at, pad + (prefix if src.strip() else prefix.rstrip()), "quote"))
        elif not any(e is around for e in around_lines):
            around_lines.append(around)
    if not around_lines:
        return edits, None
    requested = []
    for edit in around_lines:
        # after a final newline of the new text the source goes on: that line is quoted here
        # when its own prefix would have stood inside the edit
        line_at = max(a for line, a in enumerate(ats, first) if line_start(view, line) <= edit.end)
        requested.append((edit, line_at < edit.end))
    return edits, LinePrefix(prefix, rest, tuple(requested))


def with_line_prefixes(edits: list[Edit], requests: list[LinePrefix]) -> list[Edit]:
    """``edits`` with the line prefixes ``requests`` ask for written into the edits they name, the
    requests in the order they were made (an inner quote's prefix before an outer one's)."""
    texts: dict[int, str] = {}
    for request in requests:
        for edit, quote_last in request.edits:
            old = texts.get(id(edit), edit.new)
            texts[id(edit)] = _prefix_lines(old, request.prefix, request.rest, quote_last)
    if not texts:
        return edits
    return [Edit(e.start, e.end, texts[id(e)], e.kind) if id(e) in texts else e for e in edits]


def _prefix_lines(text: str, prefix: str, rest: str, quote_last: bool) -> str:
    """``text`` (an edit's new text) with ``prefix`` after ``rest`` on every line it starts;
    on the line after a final newline only when ``quote_last``.

    >>> _prefix_lines("$$\\n  x\\n\\n  $$ {#eq-a}\\n", "> ", "  ", False)
    '$$\\n  > x\\n  >\\n  > $$ {#eq-a}\\n'
    """
    lines = text.split("\n")
    out = lines[:1]
    for n, line in enumerate(lines[1:], 1):
        if n == len(lines) - 1 and line == "" and not quote_last:
            out.append(line)
            continue
        if not line.strip(" \t>"):
            out.append(rest + prefix.rstrip())  # a blank line goes on quoting
        else:
            cut = len(rest) if line.startswith(rest) else 0
            out.append(line[:cut] + prefix + line[cut:])
    return "\n".join(out)


def dedent_body(view: View, first: int, body: View, rest: str, moved: int) -> list[Edit]:
    """The body moves left with the div fence, so it stands to the div as it stood to the
    fence in MyST (``    code`` stays indented code, a nested fence stays at the div's column).

    ``first`` is the line of ``view`` (the view the directive stands in) the body starts on,
    ``rest`` what a line of the div needs in ``view``,
    ``moved`` the columns the fence moved left. A tab the cut crosses becomes spaces; so do
    tabs in a body line's indentation that would now reach another tab stop (``\\t\\tcode``
    under a fence at column 4 moved to 2 → ``\\t··code``, still code).
    Lines another edit rewrites keep their indentation (see :func:`without_clashing_dedents`).
    """
    edits: list[Edit] = []
    for line in range(body.nlines):
        text = body.line(line)
        if not text.strip():
            continue
        at = body.abs(line, 0)
        # the line of ``view`` this body line is part of, and what stands before it there
        source = first + line
        before = view.line(source)[: at - view.abs(source, 0)]
        if not _same_containers(before, rest):
            continue
        keep, pad = _cut_to_column(before, max(_width(rest), _width(before) - moved))
        if keep < len(before) or pad:
            edits.append(Edit(view.abs(source, keep), at, pad, DEDENT))
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        if "\t" in indent:
            column = _width(view.prefix(source, keep) + pad)
            if _width(indent, column) != column + _width(indent):
                # MyST reads the body as a document of its own: its tabs count from its column 0
                edits.append(Edit(at, at + len(indent), " " * _width(indent), TAB_DEDENT))
    return edits


def wrap_block(
    view: View, target: Token, block: Token, anchor: str, inner: list[Edit], attributes: str = ""
) -> tuple[list[Edit], int]:
    """``(label)=`` + a list → ``::: {#label}`` + the list + ``:::``: the edits and the fence's width
    (``inner``: the edits made inside the block; ``attributes``: the div's ``{…}``, else ``{#anchor}``).

    The fence is wider than any ``:`` fence inside the block, so MyST reads the div
    back as one (Pandoc would not need it).
    """
    first = block_lines(block)[0]
    last = last_filled_line(view, block)
    start, end = view.abs(first, 0), view.abs(last, len(view.line(last)))
    runs = [n for text in [*(e.new for e in inner), view.text[start:end]] for n in colon_runs(text)]
    fence = ":" * max([3, *(n + 1 for n in runs)])
    line = block_lines(target)[0]
    src = view.line(line)
    indent = src[: container_prefix_len(src)]
    edits: list[Edit] = []
    # Pandoc opens a div only after a blank line
    if line > 0 and follows_text(view, line):
        edits.append(Edit(view.abs(line, 0), view.abs(line, 0), quote_prefix(indent) + "\n", "target"))
    edits += replace_block(target, view, f"{fence} {attributes or ids.braced(anchor)}")
    edits.append(Edit(end, end, f"\n{indent}{fence}{blank_after(view, last, indent)}", "target"))
    return edits, len(fence)


def without_clashing_dedents(edits: list[Edit]) -> list[Edit]:
    """The edits without the body dedents that fall inside another edit (a block rewritten whole)."""
    kept = [e for e in edits if e.kind not in (DEDENT, TAB_DEDENT)]
    for kind in (DEDENT, TAB_DEDENT):
        others = sorted(kept, key=lambda e: e.start)
        starts = [e.start for e in others]
        # the furthest end of any edit starting at or before each position
        reach: list[int] = []
        for e in others:
            reach.append(max(e.end, reach[-1]) if reach else e.end)
        for e in edits:
            if e.kind != kind:
                continue
            i = bisect_left(starts, e.end) - 1  # edits starting before this dedent ends
            if i >= 0 and reach[i] > e.start:
                continue
            kept.append(e)
    return kept


def _width(text: str, column: int = 0) -> int:
    """The column after ``text`` written from ``column``: a tab goes to the next multiple of 4 (CommonMark).

    >>> _width("\\t"), _width("- \\t"), _width("\\t", 2)
    (4, 4, 4)
    """
    for char in text:
        column += 4 - column % 4 if char == "\t" else 1
    return column


def _cut_to_column(prefix: str, column: int) -> tuple[int, str]:
    """``(keep, pad)``: ``prefix[:keep] + pad`` ends at ``column`` (or as near as its trailing
    whitespace allows); a tab across ``column`` gives way to spaces up to it.

    >>> _cut_to_column("    ", 2), _cut_to_column("\\t", 2), _cut_to_column("\\t\\t", 5), _cut_to_column("> ", 0)
    ((2, ''), (0, '  '), (1, ' '), (1, ''))
    """
    keep = len(prefix)
    while keep and prefix[keep - 1] in " \t" and _width(prefix[: keep - 1]) >= column:
        keep -= 1
    if keep and prefix[keep - 1] == "\t" and _width(prefix[:keep]) > column:
        keep -= 1
        return keep, " " * (column - _width(prefix[:keep]))
    return keep, ""


def _same_containers(text: str, prefix: str) -> bool:
    """``text`` opens the containers ``prefix`` opens, with other indentation.

    >>> _same_containers("\\t", "  "), _same_containers(">   ", "> "), _same_containers("", "> ")
    (True, True, False)
    """
    return text.rstrip(" \t") == prefix.rstrip(" \t")
