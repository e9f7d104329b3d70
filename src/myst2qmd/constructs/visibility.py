"""Content shown in some outputs only: Sphinx's ``{only}``, ``{todo}`` and ``{index}``.

MyST → Quarto::

    ```{only} html          →   ::: {.content-visible when-format="html"}
    Nur im Browser.             Nur im Browser.
    ```                         :::

    ```{only} not latex     →   ::: {.content-hidden when-format="pdf"}

    ```{todo}               →   ::: {.content-hidden}
    Noch schreiben.             Noch schreiben.
    ```                         :::

An ``{index}`` directive's entries show only on Sphinx's index page, which Quarto does not make:
it is removed, its entries named in a warning. A todo is hidden as Sphinx hides it by default
(``todo_include_todos`` is off); its text stays in the file. An ``{only}`` expression Quarto
cannot say (``html and not epub``, a tag of the book's own) is shown everywhere, and reported.
"""

from __future__ import annotations

import re

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from .base import FENCE, DirectiveSpec, Rewrite, attr_value, div_open

#: Sphinx builder formats and tags → Quarto's format names (``when-format``)
FORMATS = {
    "html": "html",
    "singlehtml": "html",
    "dirhtml": "html",
    "epub": "epub",
    "latex": "pdf",
    "pdf": "pdf",
    "text": "plain",
    "man": "man",
    "texinfo": "texinfo",
}
_EXPRESSION = re.compile(r"^\s*(not\s+)?([A-Za-z]\w*)\s*$")


def only(d: Directive, ctx: Context) -> Rewrite:
    """``{only} html`` → ``.content-visible when-format="html"``; ``not html`` → ``.content-hidden``."""
    ctx.count(Count.ONLY)
    match = _EXPRESSION.match(d.argument)
    fmt = FORMATS.get(match.group(2).lower()) if match else None
    if match is None or fmt is None:
        ctx.warn(
            d.lineno,
            f"{{only}} {d.argument!r}: Quarto has no such format condition; the content is shown in every format",
            Code.QUARTO_DIFFERS,
        )
        return Rewrite(open="", close="")
    shown = ".content-hidden" if match.group(1) else ".content-visible"
    return Rewrite(open=div_open(shown, f"when-format={attr_value(fmt)}") + "\n", close=FENCE)


def todo(d: Directive, ctx: Context) -> Rewrite:
    """``{todo}`` → a hidden div (Sphinx shows todos only with ``todo_include_todos``)."""
    ctx.count(Count.TODO_HIDDEN)
    return Rewrite(open=div_open(".content-hidden") + "\n", close=FENCE)


def index(d: Directive, ctx: Context) -> Rewrite:
    """``{index} Faltung`` → removed (Quarto makes no index of an HTML book), its entries warned."""
    entries = "; ".join(part for part in [d.argument.strip(), *(line.strip() for line in d.body_lines)] if part)
    ctx.warn(d.lineno, f"{{index}} removed: Quarto makes no index (entries: {entries})", Code.CONSTRUCT_REMOVED)
    ctx.count(Count.REMOVED, d.name)
    return Rewrite(open="", body="", close="")


SPECS = (
    DirectiveSpec(("only",), only, title=False, options=frozenset(), prose=("body",)),
    DirectiveSpec(("index",), index, body="verbatim", title=False, options=frozenset(), prose=()),
    DirectiveSpec(("todo",), todo, title=False, options=frozenset({"class"}), prose=("body",)),
)
