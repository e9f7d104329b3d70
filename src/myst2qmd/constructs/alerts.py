"""GitHub alerts (mystmd reads them as admonitions) to Quarto callouts.

MyST::

    > [!WARNING]
    > Vorsicht.

Quarto::

    ::: {.callout-warning appearance="simple"}
    Vorsicht.
    :::

The quote's ``>`` markers go, its text stays where it was (the edits other constructs made inside
it stand). A quote whose inside another construct rewrote across lines (a directive, display math)
keeps its markers: the callout holds the quote then, nothing is lost.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from ..adapter import block_lines
from ..codes import Code, Count
from ..edits import Edit
from ..source import View
from .base import TokenSpec, Walk, WalkState
from .blocks import (
    blank_after,
    block_prefix_len,
    colon_runs,
    continuation,
    follows_text,
    last_filled_line,
    quote_prefix,
)

#: GitHub's alert kinds → Quarto's callout kinds (the same five)
ALERT_KIND = {"note": "note", "tip": "tip", "important": "important", "warning": "warning", "caution": "caution"}
#: the alert's marker, alone on the quote's first line
_MARKER = re.compile(r"\[!([A-Za-z]+)\][ \t]*(?:\n|$)")


def alert_kind(tokens: list[Token], index: int) -> str | None:
    """The callout kind of the quote opening at ``tokens[index]`` when it is a GitHub alert, else ``None``.

    >>> from myst2qmd.parser import shared_parser
    >>> alert_kind(shared_parser().parse("> [!Tip]\\n> Text.\\n"), 0), alert_kind(shared_parser().parse("> [!x]\\n"), 0)
    ('tip', None)
    """
    if index + 2 >= len(tokens) or tokens[index + 1].type != "paragraph_open":
        return None
    marker = _MARKER.match(tokens[index + 2].content)
    return ALERT_KIND.get(marker.group(1).lower()) if marker else None


def alert_rule(walk: Walk, state: WalkState, index: int) -> None:
    """``> [!NOTE]`` and the quote it opens → a callout, once the quote's inside is converted."""
    tokens = state.parsed.tokens
    kind = alert_kind(tokens, index)
    if kind is None or tokens[index].map is None:
        return
    walk.ctx.count(Count.CALLOUT)
    quote, view = tokens[index], state.parsed.view
    state.deferred.append(lambda: _callout(walk, view, quote, kind))


def _marker_column(view: View, line: int, column: int) -> int | None:
    """The column of the quote's ``>`` on ``line`` (where the first line has it), or ``None`` (a lazy line)."""
    text = view.line(line)
    if len(text) > column and text[column] == ">" and not text[:column].strip(" \t>"):
        return column
    return None


def _callout(walk: Walk, view: View, quote: Token, kind: str) -> int:
    """The edits turning the quote into a callout; the width of its ``:`` fence."""
    first = block_lines(quote)[0]
    last = last_filled_line(view, quote)
    start, end = view.abs(first, 0), view.abs(last, len(view.line(last)))
    inner = walk.edits_within(start, end)
    fence = ":" * max([3, *(n + 1 for t in [*(e.new for e in inner), view.text[start:end]] for n in colon_runs(t))])
    head = view.line(first)
    column = head[: block_prefix_len(head)].rindex(">")
    outer = head[:column]
    opening = f'{fence} {{.callout-{kind} appearance="simple"}}'
    edits = [Edit(view.abs(first, column), view.abs(first, len(head)), opening, "alert")]
    if first > 0 and follows_text(view, first):
        edits.append(Edit(start, start, quote_prefix(outer) + "\n", "alert"))
    rewritten = any("\n" in e.new or "\n" in view.text[e.start : e.end] for e in inner)
    if rewritten:
        walk.ctx.warn(
            view.lineno(first),
            f"[!{kind.upper()}] alert: blocks inside it are written over several lines; kept as a quote in the callout",
            Code.QUARTO_DIFFERS,
        )
    for line in range(first + 1, last + 1):
        at = None if rewritten else _marker_column(view, line, column)
        if at is not None:
            text = view.line(line)
            width = 2 if text[at + 1 : at + 2] == " " else 1
            edits.append(Edit(view.abs(line, at), view.abs(line, at + width), "", "alert"))
    edits.append(Edit(end, end, f"\n{continuation(outer)}{fence}{blank_after(view, last, outer)}", "alert"))
    walk.extend(edits)
    return len(fence)


TOKEN_SPECS = (TokenSpec("github alert", ("blockquote_open",), alert_rule),)
