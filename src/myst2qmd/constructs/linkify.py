"""Bare URLs in text, linked as MyST's ``linkify`` extension links them (when the book enables it).

MyST → Quarto::

    Siehe https://example.org/a.   →   Siehe <https://example.org/a>.
    Siehe www.example.org          →   Siehe [www.example.org](http://www.example.org)
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from ..adapter import InlineLocator
from ..codes import Count
from ..context import Context
from ..edits import Edit

_SHORTCODE = re.compile(r"\{\{<.*?>\}\}", re.DOTALL)
#: a URL's characters, and balanced parentheses (``…/wiki/Faltung_(Mathematik)``); it ends on neither
#: punctuation nor a parenthesis that closes the text around it, as linkify reads it
_BARE_URL = re.compile(
    r"(?<![<\[\"'=/\w])(?:https?://|www\.)(?:[^\s<>()\[\]`]|\([^\s<>()\[\]`]*\))*"
    r"(?:[^\s<>()\[\]`.,;:!?'\"]|\([^\s<>()\[\]`]*\))"
)


#: an HTML ``<a …>`` and its ``</a>``: nothing between them is linked again
_A_OPEN = re.compile(r"<a[\s>]", re.IGNORECASE)
_A_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)


def may_hold_url(text: str) -> bool:
    """Can ``text`` hold a bare URL (a cheap test before the inline token's children are read)?"""
    return "://" in text or "www." in text


def link(url: str) -> str:
    """A bare URL as Pandoc links it: ``<https://…>``; ``www.…`` (no scheme, which Pandoc's
    autolinks need) as linkify links it, to ``http://``.

    >>> link("https://example.org/a"), link("www.example.org")
    ('<https://example.org/a>', '[www.example.org](http://www.example.org)')
    """
    return f"[{url}](http://{url})" if url.startswith("www.") else f"<{url}>"


def linkify(token: Token, locator: InlineLocator, ctx: Context) -> list[Edit]:
    """A bare ``https://…`` in an inline token's text → ``<https://…>``; never inside code, a link,
    an HTML ``<a>…</a>`` (like markdown-it's linkify: nothing there is linked again) or a shortcode."""
    content = token.content
    taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
    opened: int | None = None
    for child in token.children or []:
        span = (child.meta or {}).get("span")
        if child.type == "html_inline" and span is not None:
            if _A_OPEN.match(child.content):
                opened = span[0]
            elif _A_CLOSE.match(child.content) and opened is not None:
                taken.append((opened, span[1]))
                opened = None
    # a Quarto shortcode's argument ({{< video https://… >}}) is no text to link
    taken += [m.span() for m in _SHORTCODE.finditer(content)]
    edits: list[Edit] = []
    for match in _BARE_URL.finditer(content):
        if any(a <= match.start() < b for a, b in taken):
            continue
        ctx.count(Count.BARE_URL_LINKED)
        edits.append(Edit(locator.abs(match.start()), locator.abs(match.end()), link(match.group(0)), "linkify"))
    return edits
