"""Tables.

MyST::

    ```{list-table} Messwerte
    :header-rows: 1
    :name: tbl-werte

    * - Grösse
      - Wert
    * - $k$
      - 3
    ```

Quarto::

    | Grösse | Wert |
    |---|---|
    | $k$ | 3 |

    : Messwerte {#tbl-werte}

```` ```{table} Caption ```` around a Markdown table keeps the table and gains the same
caption line.
"""

from __future__ import annotations

from ..context import Context
from ..directives import Directive
from ..labels import quarto_id
from ..parser import shared_parser
from .base import Rewrite


def _caption_line(d: Directive, ctx: Context) -> str:
    caption = d.argument
    name = d.option("name")
    ident = ""
    if name:
        label = ctx.labels.get(name)
        ident = label.quarto_id if label else quarto_id(name, "tbl")
    if not caption and not ident:
        return ""
    if ident:
        return f": {ctx.convert_fragment(caption, d.lineno)} {{#{ident}}}".replace(":  {", ": {")
    return f": {ctx.convert_fragment(caption, d.lineno)}"


def _cell_text(lines: list[str], ctx: Context, line: int) -> str:
    text = "\n".join(lines).strip()
    converted = ctx.convert_fragment(text, line)
    flat = " ".join(part.strip() for part in converted.split("\n") if part.strip())
    if "\n\n" in text:
        ctx.warn(line, "list-table cell with several paragraphs joined into one line")
    return flat.replace("|", "\\|")


def list_table(d: Directive, ctx: Context) -> Rewrite:
    """A ``list-table`` (a list of lists) as a pipe table with a caption line."""
    ctx.count("table")
    body = "\n".join(d.body_lines)
    tokens = shared_parser().parse(body)
    rows: list[list[str]] = []
    depth = 0
    item_start: int | None = None
    for token in tokens:
        if token.type == "bullet_list_open":
            depth += 1
            if depth == 2:
                rows.append([])
        elif token.type == "bullet_list_close":
            depth -= 1
        elif token.type == "list_item_open" and depth == 2 and token.map is not None:
            item_start = token.map[0]
            cell_lines = d.body_lines[token.map[0] : token.map[1]]
            if cell_lines:
                first = cell_lines[0].lstrip()
                marker = first[:2] if first[:1] in "-*+" else ""
                indent = len(cell_lines[0]) - len(first) + len(marker)
                cell_lines = [cell_lines[0][indent:]] + [ln[indent:] if len(ln) >= indent else ln.strip() for ln in cell_lines[1:]]
            rows[-1].append(_cell_text(cell_lines, ctx, d.view.lineno(d.body_first + item_start)))
    if not rows:
        ctx.warn(d.lineno, "{list-table} without rows; kept as a div")
        return Rewrite(open="::: {.list-table}\n", close=":::")
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header_rows = int(d.option("header-rows") or 0)
    if header_rows > 1:
        ctx.warn(d.lineno, "pipe tables have one header row; the others become body rows")
    lines: list[str] = []
    header = rows[0] if header_rows else [""] * width
    body_rows = rows[1:] if header_rows else rows
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] * width) + "|")
    lines.extend("| " + " | ".join(r) + " |" for r in body_rows)
    caption = _caption_line(d, ctx)
    if caption:
        lines += ["", caption]
    for key in sorted(set(d.options) - {"header-rows", "name", "widths", "width", "align", "class", "stub-columns"}):
        ctx.warn(d.lineno, f"{{list-table}} option :{key}: not carried over")
    return Rewrite(open="", body="\n".join(lines), close="", parse_body=False)


def table(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{table} Caption ```` around a Markdown table: the table plus ``: Caption {#tbl-x}``."""
    ctx.count("table")
    caption = _caption_line(d, ctx)
    close = f"\n{caption}" if caption else ""
    if d.body_lines and d.body_lines[-1].strip() == "":
        close = caption
    return Rewrite(open="", close=close)


DIRECTIVES = {"list-table": list_table, "table": table}
LABELS = {"list-table": "tbl", "table": "tbl"}
