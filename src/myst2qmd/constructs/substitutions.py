"""``{{ key }}`` (``myst_substitutions``): the value the front matter or the book's configuration
gives ``key``, converted as MyST.

MyST → Quarto (``substitutions: {version: "**2.0**"}``)::

    Version {{ version }}   →   Version **2.0**
"""

from __future__ import annotations

import re
from bisect import bisect_right

from markdown_it.token import Token

from ..adapter import InlineLocator
from ..codes import Code, Count
from ..context import Context
from ..edits import Edit
from ..parsed import Fragments
from ..source import line_starts

_SUBSTITUTION = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")


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
        ctx.count(Count.SUBSTITUTION)
        new = values.convert(str(value), line).strip("\n")
        edits.append(Edit(locator.abs(match.start()), locator.abs(match.end()), new, "substitution"))
    return edits
