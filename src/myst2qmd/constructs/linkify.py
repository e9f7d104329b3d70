"""Bare URLs in text, linked as MyST's ``linkify`` extension links them (when the book enables it).

MyST → Quarto::

    Siehe https://example.org/a.   →   Siehe <https://example.org/a>.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from ..adapter import InlineLocator
from ..codes import Count
from ..context import Context
from ..edits import Edit

_BARE_URL = re.compile(r"(?<![<(\[\"'=/\w])(?:https?://|www\.)[^\s<>()\[\]`]*[^\s<>()\[\]`.,;:!?'\"]")


def linkify(token: Token, locator: InlineLocator, ctx: Context) -> list[Edit]:
    """A bare ``https://…`` in an inline token's text → ``<https://…>``; never inside code, a link
    or an HTML ``<a>…</a>`` (like markdown-it's linkify: nothing there is linked again)."""
    content = token.content
    taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
    opened: int | None = None
    for child in token.children or []:
        span = (child.meta or {}).get("span")
        if child.type == "html_inline" and span is not None:
            if re.match(r"<a[\s>]", child.content, re.IGNORECASE):
                opened = span[0]
            elif re.match(r"</a\s*>", child.content, re.IGNORECASE) and opened is not None:
                taken.append((opened, span[1]))
                opened = None
    edits: list[Edit] = []
    for match in _BARE_URL.finditer(content):
        if any(a <= match.start() < b for a, b in taken):
            continue
        ctx.count(Count.BARE_URL_LINKED)
        edits.append(Edit(locator.abs(match.start()), locator.abs(match.end()), f"<{match.group(0)}>", "linkify"))
    return edits
