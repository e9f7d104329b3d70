"""Tables.

MyST::

    ```{list-table} Messwerte
    :header-rows: 1
    :name: tbl-werte
    :widths: 30 70

    * - Grösse
      - Wert
    * - $k$
      - 3
    ```

Quarto::

    | Grösse | Wert |
    |---|---|
    | $k$ | 3 |

    : Messwerte {#tbl-werte tbl-colwidths="[30,70]"}

```` ```{table} Caption ```` around a Markdown table keeps the table and gains the same
caption line; around anything else (an HTML table) it becomes a ``::: {#tbl-x}`` div
with the caption as its last paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.token import Token

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..parsed import Fragments, convert_fragment
from ..parser import shared_parser
from ..quarto import code_span
from . import ids
from .base import FENCE, DirectiveSpec, Rewrite, Tokenize, attr_value, bold, div_open
from .gridtables import csv_delimiter, csv_rows, table_text
from .included_files import IncludeError, option_text, read_text, resolve

_ITEM = re.compile(r"[ \t]*[-*+](?:[ \t]+|$)")
#: options a pipe table can express, or that only concern Sphinx's HTML
_TABLE_OPTIONS = frozenset({"header-rows", "name", "widths", "class", "align"})


def caption_line(caption: str, attrs: list[str]) -> str:
    """Quarto's table caption: ``: Caption {#tbl-x .cls key="v"}``.

    >>> caption_line("Werte", ["#tbl-werte"]), caption_line("", ["#tbl-x"]), caption_line("A", [])
    (': Werte {#tbl-werte}', ': {#tbl-x}', ': A')
    """
    inner = " ".join(a for a in attrs if a)
    parts = [p for p in (caption.strip(), f"{{{inner}}}" if inner else "") if p]
    return ": " + " ".join(parts) if parts else ""


def _colwidths(d: Directive, ctx: Context, ncols: int | None) -> str:
    """``:widths: 1 3`` → ``tbl-colwidths="[25,75]"``: percentages, as Quarto reads them
    (``auto``/``grid``: none)."""
    raw = d.option("widths").strip()
    if not raw or raw in ("auto", "grid"):
        return ""
    numbers = [int(n) for n in re.findall(r"\d+", raw)]
    if (ncols is not None and len(numbers) != ncols) or not sum(numbers):
        ctx.warn(
            d.lineno, f"{{{d.name}}} :widths: {raw} does not match the {ncols} columns; left out", Code.OPTION_INVALID
        )
        return ""
    return f"tbl-colwidths={attr_value(str(percentages(numbers)).replace(' ', ''))}"


def percentages(numbers: list[int]) -> list[int]:
    """Relative widths as whole percentages adding up to 100 (the last takes the rounding).

    >>> percentages([1, 3]), percentages([30, 70]), percentages([1, 1, 1])
    ([25, 75], [30, 70], [33, 33, 34])
    """
    total = sum(numbers)
    shares = [round(100 * n / total) for n in numbers]
    shares[-1] += 100 - sum(shares)
    return shares


def _attrs(d: Directive, ctx: Context, ncols: int | None) -> list[str]:
    classes = [f".{c}" for c in d.classes()]
    align = d.option("align").strip()
    placed = f"tbl-align={attr_value(align)}" if align in ("left", "center", "right") else ""
    if align and not placed:
        ctx.warn(d.lineno, f"{{{d.name}}} :align: {align} is not left, center or right; left out", Code.OPTION_INVALID)
    return [ids.own_id(d, ctx, "tbl"), *classes, _colwidths(d, ctx, ncols), placed]


def _caption(d: Directive, ctx: Context) -> str:
    return convert_fragment(d, d.argument, d.lineno) if d.argument else ""


def _caption_fragment(d: Directive, tokenize: Tokenize) -> None:
    """A table's caption (its argument) is MyST of its own: tokenized by the parse."""
    if d.argument:
        tokenize(d.argument)


def _list_table_fragments(d: Directive, tokenize: Tokenize) -> None:
    """A list-table's caption, its body (read for its rows) and every cell and text around the rows,
    tokenized by the parse: the rows are read as the conversion reads them, with a stand-in that
    tokenizes each text instead of converting it (the reading's warnings are the conversion's to tell)."""
    _caption_fragment(d, tokenize)
    d.fragments = Fragments.tokenizing(tokenize)
    list_table_rows(d, Context())


def _holds_one_block(tokens: list[Token], item: int) -> bool:
    """Does the list item opening at ``tokens[item]`` hold one paragraph at most (read
    from the body's parse: a cell is not parsed again to see it)?

    >>> tokens = shared_parser().parse("- a\\n\\n  b\\n- c\\n")
    >>> _holds_one_block(tokens, 1), _holds_one_block(tokens, 9)
    (False, True)
    >>> _holds_one_block(shared_parser().parse("- - a\\n  - b\\n"), 1)
    False
    """
    level = tokens[item].level
    blocks = []
    for token in tokens[item + 1 :]:
        if token.level == level:
            break
        if token.level == level + 1 and token.nesting >= 0:
            blocks.append(token.type)
    return not blocks or blocks == ["paragraph_open"]


def _cell_text(lines: list[str], d: Directive, line: int, one_block: bool) -> str:
    """A list-table cell converted: one line when it holds one paragraph (its lines joined), else its
    blocks on their lines (a grid table holds them; ``one_block``: see :func:`_holds_one_block`)."""
    text = "\n".join(lines).strip()
    if not text:
        return ""
    converted = convert_fragment(d, text, line).strip("\n")
    if not one_block:
        return converted
    return " ".join(part.strip() for part in converted.split("\n") if part.strip())


def _cell_lines(lines: Sequence[str], first: int, outer_first: int) -> list[str]:
    """The lines of a cell (inner list item) without the list markers and their indent.

    ``* - Grösse`` (the row's marker on the same line) and ``  - Wert`` both give the
    cell text after the inner marker; continuation lines lose the content indentation.
    """
    head = lines[first]
    col = 0
    if first == outer_first:
        outer = _ITEM.match(head)
        col = outer.end() if outer else 0
    inner = _ITEM.match(head, col)
    col = inner.end() if inner else col
    cell = [head[col:]]
    for text in lines[first + 1 :]:
        cell.append(text[col:] if not text[:col].strip() else text.lstrip())
    while cell and not cell[-1].strip():
        cell.pop()
    return cell


def _is_row_list(tokens: list[Token], first: int) -> bool:
    """Does the top-level bullet list opening at ``tokens[first]`` hold rows (lists in its items)?"""
    for token in tokens[first + 1 :]:
        if token.level == 0:
            return False
        if token.type == "bullet_list_open" and token.level == 2:
            return True
    return False


def _top_blocks(tokens: list[Token]) -> list[tuple[int, int, int]]:
    """``(token index, first line, end line)`` of every block at the top level of a body."""
    return [(i, t.map[0], t.map[1]) for i, t in enumerate(tokens) if t.level == 0 and t.nesting >= 0 and t.map]


def _extra_text(d: Directive, ctx: Context, first: int, end: int) -> str:
    """Body lines ``first…end-1`` (not part of the rows) converted as MyST."""
    lines = list(d.body_lines[first:end])
    while lines and not lines[-1].strip():
        lines.pop()
    return convert_fragment(d, "\n".join(lines), d.view.lineno(d.body_first + first)).strip("\n")


def _body_tokens(d: Directive) -> list[Token]:
    """The block tokens of a list-table's body, from the document's parse (parsed here only for a
    directive no parse has seen)."""
    fragments = d.fragments if isinstance(d.fragments, Fragments) else Fragments(None)
    tokens = fragments.tokens(d.body)
    return tokens if tokens is not None else shared_parser().parse(d.body)


def list_table_rows(d: Directive, ctx: Context) -> tuple[list[list[str]], list[str], list[str]]:
    """The rows of a ``list-table`` body (each a list of converted cell texts), and the
    converted blocks that stand before and after the rows (MyST would reject them; we keep them).
    """
    tokens = _body_tokens(d)
    rows: list[list[str]] = []
    before: list[str] = []
    after: list[str] = []
    for index, first, end in _top_blocks(tokens):
        if tokens[index].type == "bullet_list_open" and _is_row_list(tokens, index):
            rows += _rows_of(d, ctx, tokens, index, after)
        else:
            (after if rows else before).append(_extra_text(d, ctx, first, end))
    if rows and (before or after):
        ctx.warn(
            d.lineno,
            "{list-table} body holds text besides its rows; kept before and after the table",
            Code.DIRECTIVE_BODY,
        )
    return rows, [t for t in before if t], [t for t in after if t]


def _rows_of(d: Directive, ctx: Context, tokens: list[Token], start: int, after: list[str]) -> list[list[str]]:
    """The rows of the row list opening at ``tokens[start]``; text in a row but outside its
    cells goes to ``after``; an item without cells is a row of one cell."""
    rows: list[list[str]] = []
    depth = 0
    outer_first = -1
    has_cells = False
    loose: list[tuple[int, int]] = []  # paragraphs of the current row item, outside its cells
    outer_item = start
    for at, token in enumerate(tokens[start:], start):
        if token.type == "bullet_list_open":
            depth += 1
            if depth == 2:
                rows.append([])
                has_cells = True
        elif token.type == "bullet_list_close":
            depth -= 1
            if depth == 0:
                break
        elif token.type == "list_item_open" and token.map is not None:
            if depth == 1:
                outer_first, outer_item = token.map[0], at
                has_cells = False
                loose = []
            elif depth == 2:
                first, end = token.map
                lines = _cell_lines(d.body_lines[:end], first, outer_first)
                rows[-1].append(_cell_text(lines, d, d.view.lineno(d.body_first + first), _holds_one_block(tokens, at)))
        elif depth == 1 and token.nesting >= 0 and token.map is not None and token.level == tokens[start].level + 2:
            # any block of a row item outside its cell list (a paragraph, code, a heading…)
            loose.append((token.map[0], token.map[1]))
        elif token.type == "list_item_close" and depth == 1:
            line = d.view.lineno(d.body_first + outer_first)
            if not has_cells:
                ctx.warn(line, "{list-table} row without cells; kept as one cell", Code.TABLE_SHAPE)
                end = token.map[1] if token.map else outer_first + 1
                lines = _cell_lines(d.body_lines[:end], outer_first, outer_first)
                rows.append([_cell_text(lines, d, line, _holds_one_block(tokens, outer_item))])
                continue
            for first, end in loose:
                line = d.view.lineno(d.body_first + first)
                ctx.warn(
                    line, "{list-table} text in a row outside its cells; kept after the table", Code.DIRECTIVE_BODY
                )
                text = "\n".join(_cell_lines(d.body_lines[:end], first, outer_first))
                after.append(convert_fragment(d, text, line).strip("\n"))
    return rows


def list_table(d: Directive, ctx: Context) -> Rewrite:
    """A ``list-table`` (a list of lists) as a pipe table with a caption line.

    Text before or after the list (which MyST rejects) is kept before or after the table.
    """
    ctx.count(Count.TABLE)
    rows, before, after = list_table_rows(d, ctx)
    if not rows:
        ctx.warn(d.lineno, "{list-table} without rows; its title and text are kept without a table", Code.TABLE_SHAPE)
        title = [bold(convert_fragment(d, d.argument, d.lineno))] if d.argument.strip() else []
        return Rewrite(open="", body="\n\n".join([*title, *before, *after]), close="")
    width = max(len(r) for r in rows)
    if any(len(r) != width for r in rows):
        ctx.warn(
            d.lineno, "{list-table} rows of different lengths; short rows padded with empty cells", Code.TABLE_SHAPE
        )
    rows = [r + [""] * (width - len(r)) for r in rows]
    header_rows = int(re.sub(r"\D", "", d.option("header-rows")) or 0)
    lines = [table_text(rows, header_rows)]
    caption = caption_line(_caption(d, ctx), _attrs(d, ctx, width))
    if caption:
        lines += ["", caption]
    body = "\n\n".join([*before, "\n".join(lines), *after])
    return Rewrite(open="", body=body, close="")


def _holds_pipe_table(d: Directive) -> bool:
    return any(line.lstrip().startswith(("|", "+-", "+=")) for line in d.body_lines)


def table(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{table} Caption ```` around a Markdown table: the table plus ``: Caption {#tbl-x}``.

    Around other content (an HTML table) it is a cross-reference div:
    ``::: {#tbl-x}`` holding the content and the caption as its last paragraph.
    """
    ctx.count(Count.TABLE)
    caption = _caption(d, ctx)
    attrs = _attrs(d, ctx, None)
    if not _holds_pipe_table(d):
        ident = attrs[0]
        if not ident:
            ctx.warn(d.lineno, "{table} without a Markdown table or :name:; written as a plain div", Code.TABLE_SHAPE)
        tail = "\n" if d.body_lines and d.body_lines[-1].strip() else ""
        close = f"{tail}{caption}\n{FENCE}" if caption else FENCE
        return Rewrite(open=div_open(*([a for a in attrs if a] or [".table"])) + "\n", close=close)
    line = caption_line(caption, attrs)
    tables, text_before = _table_spans(d)
    if len(tables) > 1:
        ctx.warn(d.lineno, f"{{table}} holds {len(tables)} tables; the caption goes to the first", Code.TABLE_SHAPE)
    last = tables[0][1] - 1 if tables else len(d.body_lines) - 1
    while last > 0 and not d.body_lines[last].strip():
        last -= 1
    if any(text.strip() for text in d.body_lines[last + 1 :]) or text_before:
        ctx.warn(d.lineno, "{table} holds more than its table; the rest is kept around it", Code.DIRECTIVE_BODY)
    if not line:
        return Rewrite(open="", close="")
    if tables and any(text.strip() for text in d.body_lines[last + 1 :]):
        # the caption belongs right after the table (Pandoc's ": Caption {#tbl-x}")
        after = "\n" if d.body_lines[last + 1].strip() else ""
        return Rewrite(open="", close="", inserts=[(last, f"\n\n{line}{after}")])
    blank = "" if d.body_lines and not d.body_lines[-1].strip() else "\n"
    return Rewrite(open="", close=f"{blank}{line}")


def _table_spans(d: Directive) -> tuple[list[tuple[int, int]], bool]:
    """The ``(first, end)`` body lines of each pipe table at the top level of ``d``'s body, and
    whether a block (other than a label) stands before the first (from the document's parse of the body)."""
    body = d.inner.tokens if d.inner is not None else shared_parser().parse(d.body)
    tokens = [t for t in body if t.level == 0 and t.nesting >= 0 and t.map]
    spans = [(t.map[0], t.map[1]) for t in tokens if t.type == "table_open" and t.map]
    first = spans[0][0] if spans else -1
    before = any(t.map and t.map[0] < first and t.type != "myst_target" for t in tokens)
    return spans, before


_CSV_OPTIONS = _TABLE_OPTIONS | {"header", "file", "delim", "quote", "keepspace", "encoding"}


def _csv_text(d: Directive, ctx: Context) -> str | None:
    """The CSV a ``{csv-table}`` holds: its body, or the file ``:file:`` names (``None``: unreadable, warned)."""
    name = option_text(d, "file")
    if not name:
        return d.body
    try:
        return read_text(resolve(name, ctx, d.lineno, "{csv-table} :file:"), option_text(d, "encoding"))
    except IncludeError as exc:
        ctx.warn(d.lineno, f"{{csv-table}} :file: {name}: {exc}; the directive is kept as a div", Code.INCLUDE_FAILED)
        return None


def _csv_cells(d: Directive, text: str) -> list[list[str]]:
    """The rows of CSV ``text`` with ``d``'s ``:delim:``, ``:quote:`` and ``:keepspace:`` (cells as written)."""
    quote = option_text(d, "quote")[:1] or '"'
    return csv_rows(text, csv_delimiter(option_text(d, "delim")), quote, "keepspace" in d.options)


def _csv_fragments(d: Directive, tokenize: Tokenize) -> None:
    """A csv-table's caption and the cells of its header and inline body, tokenized by the parse (the
    cells of a ``:file:`` are read when it is converted, parsed there as texts no document holds)."""
    _caption_fragment(d, tokenize)
    for row in [*_csv_cells(d, d.option("header")), *_csv_cells(d, d.body)]:
        for cell in row:
            if cell:
                tokenize(cell)


def csv_table(d: Directive, ctx: Context) -> Rewrite:
    """A ``{csv-table}`` (inline CSV or ``:file:``) as a pipe table, or a grid table when a cell spans
    lines, with ``:header:`` and ``:header-rows:`` as its head and the caption line of a ``{list-table}``."""
    ctx.count(Count.TABLE)
    text = _csv_text(d, ctx)
    if text is None:
        name = option_text(d, "file")
        note = f"**Not included** ({{csv-table}}): {code_span(name)} could not be read."
        if d.argument.strip():
            note += "\n\n" + bold(_caption(d, ctx))
        return Rewrite(
            open=div_open(".callout-warning", ".include-error", f"path={attr_value(name)}") + f"\n{note}", close=FENCE
        )
    header = _csv_cells(d, d.option("header"))
    rows = [*header, *_csv_cells(d, text)]
    if not rows:
        ctx.warn(d.lineno, "{csv-table} without rows; its title is kept without a table", Code.TABLE_SHAPE)
        return Rewrite(open="", body=bold(_caption(d, ctx)) if d.argument.strip() else "", close="")
    width = max(len(r) for r in rows)
    if any(len(r) != width for r in rows):
        ctx.warn(d.lineno, "{csv-table} rows of different lengths; short rows padded", Code.TABLE_SHAPE)
    cells = [[convert_fragment(d, c, d.lineno) if c else "" for c in r] + [""] * (width - len(r)) for r in rows]
    header_rows = len(header) + int(re.sub(r"\D", "", d.option("header-rows")) or 0)
    caption = caption_line(_caption(d, ctx), _attrs(d, ctx, width))
    written = table_text(cells, header_rows) + (f"\n\n{caption}" if caption else "")
    # a directive without body lines (``:file:``) is written in place of its opening lines
    return Rewrite(open="", body=written, close="") if d.body_lines else Rewrite(open=written, close="")


SPECS = (
    DirectiveSpec(
        ("list-table",),
        list_table,
        body="verbatim",
        kind="tbl",
        options=_TABLE_OPTIONS,
        fragments=_list_table_fragments,
    ),
    DirectiveSpec(
        ("csv-table",), csv_table, body="verbatim", kind="tbl", options=_CSV_OPTIONS, fragments=_csv_fragments
    ),
    DirectiveSpec(
        ("table",), table, kind="tbl", captions_table=True, options=_TABLE_OPTIONS, fragments=_caption_fragment
    ),
)
