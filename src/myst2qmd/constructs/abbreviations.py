"""mystmd ``abbreviations`` (front matter or ``myst.yml``): each one in the text gets its long form.

MyST (Jupyter Book 2)::

    ---
    abbreviations:
      CNN: Convolutional Neural Network
    ---
    Ein CNN lernt.

Quarto: ``Ein [CNN]{title="Convolutional Neural Network"} lernt.`` (a span with a ``title``, which
HTML shows as the tooltip mystmd's ``<abbr>`` shows). Never inside code, math, a link or a role.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from markdown_it.token import Token

from ..adapter import InlineLocator
from ..codes import Count
from ..context import Context
from ..edits import Edit


def abbreviation_pattern(abbreviations: Mapping[str, str]) -> re.Pattern[str]:
    """The abbreviations as whole words, the longest first.

    >>> abbreviation_pattern({"CNN": "x", "CNNs": "y"}).findall("CNNs und CNN, nicht XCNN")
    ['CNNs', 'CNN']
    """
    names = sorted(abbreviations, key=len, reverse=True)
    return re.compile(r"(?<![\w\[])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w\]])")


def _title(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def abbreviate(token: Token, locator: InlineLocator, ctx: Context, made: list[Edit]) -> list[Edit]:
    """``CNN`` → ``[CNN]{title="…"}`` in an inline token's text, outside its children's spans (code,
    math, roles, links) and the edits already ``made`` in it (a bare URL linked)."""
    abbreviations = ctx.options.abbreviations
    spans = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
    edits: list[Edit] = []
    for match in abbreviation_pattern(abbreviations).finditer(token.content):
        if any(a <= match.start() < b or a < match.end() <= b for a, b in spans):
            continue
        start, end = locator.abs(match.start()), locator.abs(match.end())
        if any(e.start < end and start < e.end for e in made):
            continue
        ctx.count(Count.ABBREVIATION)
        new = f'[{match.group(0)}]{{title="{_title(abbreviations[match.group(0)])}"}}'
        edits.append(Edit(start, end, new, "abbreviation"))
    return edits
