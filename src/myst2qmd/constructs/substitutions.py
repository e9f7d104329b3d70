"""``{{ key }}`` (``myst_substitutions``): the value the front matter or the book's configuration
gives ``key``, converted as MyST.

MyST → Quarto (``substitutions: {version: "**2.0**"}``)::

    Version {{ version }}   →   Version **2.0**
    {{ name | upper }}      →   ANNA              (``name: anna``; Jinja's simple text filters)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from markdown_it.token import Token

from ..adapter import InlineLocator
from ..codes import Code, Count
from ..context import Context
from ..edits import Edit
from ..parsed import Fragments
from ..source import line_starts

_SUBSTITUTION = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*((?:\|[^{}|]*)*)\}\}")
#: Jinja's filters that take no argument and make text of text, as MyST's Jinja applies them
FILTERS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "capitalize": str.capitalize,
    "trim": str.strip,
    "string": str,
}


def filtered(value: str, filters: str) -> str | None:
    """``value`` through the ``| upper | trim`` filters written after a key; ``None``: a filter
    this converter does not apply.

    >>> filtered("anna", "| upper "), filtered(" a b ", "|trim|title"), filtered("x", "| replace('x', 'y')")
    ('ANNA', 'A B', None)
    """
    for name in filters.split("|")[1:]:
        apply = FILTERS.get(name.strip())
        if apply is None:
            return None
        value = apply(value)
    return value


def substitute(token: Token, locator: InlineLocator, lineno: int, ctx: Context, values: Fragments) -> list[Edit]:
    """``{{ key }}`` in an inline token's text → its value, converted as MyST by ``values`` (the walk's: a
    value is no text of the document, it is parsed as a document of its own); never inside code.
    A key without a value stays as it is, reported."""
    content = token.content
    taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
    starts = line_starts(content)
    edits: list[Edit] = []
    for match in _SUBSTITUTION.finditer(content):
        if any(a <= match.start() < b for a, b in taken):
            continue
        key = match.group(1)
        line = lineno + bisect_right(starts, match.start()) - 1
        value = ctx.options.substitutions.get(key)
        if value is None:
            ctx.warn(line, f"substitution {{{{ {key} }}}} is not defined; kept as it is", Code.SUBSTITUTION_UNDEFINED)
            continue
        text = filtered(str(value), match.group(2))
        if text is None:
            ctx.warn(line, f"{match.group(0)}: a Jinja filter not applied; kept as it is", Code.UNCONVERTED)
            continue
        ctx.count(Count.SUBSTITUTION)
        new = values.convert(text, line).strip("\n")
        edits.append(Edit(locator.abs(match.start()), locator.abs(match.end()), new, "substitution"))
    return edits
