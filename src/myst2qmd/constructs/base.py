"""What construct functions receive and return.

A directive function maps a :class:`~myst2qmd.directives.Directive` to a :class:`Rewrite`:
the text that replaces its opening fence line (with options), the text that replaces its
closing fence line, and optionally its body. ``{FENCE}`` in ``open``/``close`` stands for a
Pandoc div fence; the walker sizes it (``:::``, ``::::``, …) so nested divs stay nested.

A role function maps a :class:`Role` to the Quarto text that replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from ..context import Context
from ..directives import Directive
from ..labels import quarto_id

FENCE = "{FENCE}"


@dataclass
class Rewrite:
    """How a directive is rewritten. ``None`` keeps that part as it is."""

    open: str | None = None
    close: str | None = None
    #: a replacement for the whole body; ``None`` converts the body as MyST (or keeps it)
    body: str | None = None
    #: ``False``: the body is not Markdown (code, math) and is never parsed
    parse_body: bool = True
    #: written in front of every body line (``"> "`` quotes the body)
    prefix_body: str | None = None
    #: ``(n, text)``: ``text`` inserted at the end of body line ``n`` (a caption after a table)
    inserts: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Role:
    """A ``{name}`content``` role as found in the text."""

    name: str
    content: str
    lineno: int
    #: the text just before the role in its paragraph, its end only (for "siehe Abbildung {numref}`x`")
    before: str = ""


@dataclass
class RoleResult:
    """The replacement for a role; ``eat_before`` characters before it are removed too."""

    text: str
    eat_before: int = 0


DirectiveFn = Callable[[Directive, Context], Rewrite]
RoleFn = Callable[[Role, Context], RoleResult]


def attr_value(text: str) -> str:
    """Quote ``text`` as a Pandoc attribute value.

    >>> attr_value('a "b"')
    '"a \\\\"b\\\\""'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def link_target(href: str) -> str:
    """A link destination as Markdown must write it: ``<…>`` around one with spaces or parentheses.

    CommonMark (and so our own reading, and the segments a translation engine sees) ends a
    bare destination at a space; ``<…>`` holds the path as it is.

    >>> link_target("a.qmd#sec-x"), link_target("Kapitel Eins/Übung 1.qmd"), link_target("a <b>.qmd")
    ('a.qmd#sec-x', '<Kapitel Eins/Übung 1.qmd>', 'a%20%3Cb%3E.qmd')
    """
    if not re.search(r"[\s()<>]", href):
        return href
    if re.search(r"[<>\n]", href):
        return quote(href, safe="/#:?&=%@!$'*+,;~()")
    return f"<{href}>"


def can_embolden(title: str) -> bool:
    """Does ``**title**`` read as one bold title? Not with bold inside, or a lone ``*``.

    A title that cannot be bold becomes the callout's heading (Quarto's callout title), so
    its markup survives: ``Titel mit **fett** Wort`` → ``## Titel mit **fett** Wort``.

    >>> can_embolden("Frage 1"), can_embolden("Mit *kursiv*"), can_embolden("Mit **fett**"), can_embolden("a*b")
    (True, True, False, False)
    """
    return "**" not in title and "__" not in title and title.count("*") % 2 == 0 and not title.endswith("\\")


def bold(text: str) -> str:
    """``text`` in bold, also when it holds bold itself (``__…__`` around ``**…**``).

    >>> bold("Karte"), bold("Karte mit **fett**"), bold("a__b **c**")
    ('**Karte**', '__Karte mit **fett**__', 'a__b **c**')
    """
    if can_embolden(text):
        return f"**{text}**"
    if "__" not in text and "_" not in (text[:1], text[-1:]) and not text.endswith("\\"):
        return f"__{text}__"
    return text


def name_id(d: Directive, ctx: Context, kind: str) -> str:
    """``#id`` for a directive's ``:name:`` as the label table spells it (else mapped as ``kind``), or ``""``.

    ``:name: tbl-werte`` → ``#tbl-werte``; ``:name: Werte`` (kind ``tbl``) → ``#tbl-werte``.
    """
    name = d.option("name").strip()
    if not name:
        return ""
    label = ctx.labels.get(name)
    return "#" + (label.quarto_id if label else quarto_id(name, kind))


def div_open(*parts: str) -> str:
    """``{FENCE} {#id .class key="v"}``."""
    inner = " ".join(p for p in parts if p)
    return f"{FENCE} {{{inner}}}"


def strip_px(value: str) -> str:
    """``600px`` → ``600``; other units are kept (``50%``, ``10em``)."""
    value = str(value).strip()
    return value[:-2].strip() if value.endswith("px") else value
