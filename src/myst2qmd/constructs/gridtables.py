"""Table bodies as Quarto writes them: a pipe table when every cell is one line, else a Pandoc grid
table (a cell of several paragraphs or a list keeps its blocks), and the rows of a ``{csv-table}``.

A pipe table::

    | a | b |
    |---|---|
    | 1 | 2 |

A grid table (``=`` closes the header rows; a cell's lines stay its blocks)::

    +---+----------------+
    | a | b              |
    +===+================+
    | 1 | Erster Absatz. |
    |   |                |
    |   | Zweiter.       |
    +---+----------------+
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata


def escape_pipes(text: str) -> str:
    """Escape the ``|`` that would end a pipe-table cell; code spans and math keep theirs.

    Pandoc splits cells around code and math, and keeps a backslash inside them.

    >>> escape_pipes("a | b `c|d` $x|y$")
    'a \\\\| b `c|d` $x|y$'
    """
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            out.append(text[i : i + 2])
            i += 2
            continue
        if ch == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            close = re.compile(r"(?<!`)" + "`" * run + r"(?!`)").search(text, i + run)
            if close:
                out.append(text[i : close.end()])
                i = close.end()
                continue
            out.append("`" * run)
            i += run
            continue
        if ch == "$":
            delim = "$$" if text.startswith("$$", i) else "$"
            end = text.find(delim, i + len(delim))
            if end > i + len(delim):
                out.append(text[i : end + len(delim)])
                i = end + len(delim)
                continue
        out.append("\\|" if ch == "|" else ch)
        i += 1
    return "".join(out)


def display_width(text: str) -> int:
    """The columns ``text`` takes, as pandoc measures a grid table's cells (wide characters take two,
    combining marks none).

    >>> display_width("Grösse"), display_width("表"), display_width("e\\u0301")
    (6, 2, 1)
    """
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def one_line(cells: list[list[str]]) -> bool:
    """Does every cell hold one line at most (a pipe table can hold them)?"""
    return all("\n" not in cell.strip("\n") for row in cells for cell in row)


def pipe_table(rows: list[list[str]], header_rows: int) -> str:
    """``rows`` (one line each) as a pipe table; without header rows, an empty header.

    >>> print(pipe_table([["a", "b|c"], ["1", ""]], 1))
    | a | b\\|c |
    |---|---|
    | 1 | |
    """
    width = len(rows[0])
    header = rows[0] if header_rows else [""] * width
    body = rows[1:] if header_rows else rows
    return "\n".join([_pipe_row(header), "|" + "|".join(["---"] * width) + "|", *(_pipe_row(r) for r in body)])


def _pipe_row(cells: list[str]) -> str:
    return "|" + "|".join(f" {escape_pipes(c.strip())} " if c.strip() else " " for c in cells) + "|"


def grid_table(rows: list[list[str]], header_rows: int) -> str:
    """``rows`` (each cell Quarto Markdown of any number of lines) as a Pandoc grid table; the first
    ``header_rows`` rows are its head.

    >>> print(grid_table([["a", "b"], ["1", "x\\n\\ny"]], 1))
    +-----+-----+
    | a   | b   |
    +=====+=====+
    | 1   | x   |
    |     |     |
    |     | y   |
    +-----+-----+
    """
    cells = [[_cell_lines(c) for c in row] for row in rows]
    widths = [max(3, *(display_width(line) for row in cells for line in row[col])) for col in range(len(rows[0]))]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [rule]
    for number, row in enumerate(cells, 1):
        for at in range(max(len(cell) for cell in row)):
            parts = [(cell[at] if at < len(cell) else "") for cell in row]
            out.append(
                "|" + "|".join(f" {p}{' ' * (w - display_width(p))} " for p, w in zip(parts, widths, strict=True)) + "|"
            )
        out.append(rule.replace("-", "=") if number == header_rows and number < len(cells) else rule)
    return "\n".join(out)


def _cell_lines(cell: str) -> list[str]:
    """A cell's lines, without blank lines around them, tabs as spaces; an empty cell is one empty line."""
    lines = [line.rstrip().expandtabs(4) for line in cell.strip("\n").split("\n")]
    return lines or [""]


def table_text(rows: list[list[str]], header_rows: int) -> str:
    """``rows`` as a pipe table when each cell is one line and there is one header row at most, else
    as a grid table."""
    if one_line(rows) and header_rows <= 1:
        return pipe_table(rows, header_rows)
    return grid_table(rows, header_rows)


def csv_rows(text: str, delimiter: str = ",", quote: str = '"', keepspace: bool = False) -> list[list[str]]:
    """The rows of CSV ``text`` as docutils' ``{csv-table}`` reads them (spaces after a delimiter
    dropped unless ``keepspace``; blank lines skipped).

    >>> csv_rows('1, "a, b"\\n\\n3,4')
    [['1', 'a, b'], ['3', '4']]
    """
    reader = csv.reader(
        io.StringIO(text), delimiter=delimiter, quotechar=quote, skipinitialspace=not keepspace, strict=False
    )
    return [[cell.strip() if not keepspace else cell for cell in row] for row in reader if row]


def csv_delimiter(value: str) -> str:
    """A ``:delim:`` option as one character (``tab``, ``space`` or the character itself).

    >>> csv_delimiter("tab"), csv_delimiter("space"), csv_delimiter(";"), csv_delimiter("")
    ('\\t', ' ', ';', ',')
    """
    value = value.strip()
    named = {"tab": "\t", "space": " "}
    if value in named:
        return named[value]
    return re.sub(r"^['\"](.)['\"]$", r"\1", value)[:1] or ","
