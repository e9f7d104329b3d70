"""The inline markup pandoc reads in a translation, compared with its source's, kind by kind.

:func:`..validate.markup` counts what needs a placeholder of its own (links, code, math, raw
TeX and HTML, …); this module counts the markup that stays in the prose an engine sees:
emphasis and strong emphasis (``*``, ``_``), strikeout (``~~x~~``), subscript (``~x~``, and
the empty one a ``\\~~~`` line becomes), superscript (``^x^``), hard line breaks (two spaces
before a line break), and ``⟨…⟩`` brackets around text (a model that turned ``_MLPs_`` into
``⟨MLPs⟩``). One pass of one regular expression over each text: no parser, no pandoc.

A translation may lose some of its source's emphasis (a merged phrase, a dropped ``*``), but
never hold more of a kind than its source: pandoc would show what the author never wrote.

>>> added_inline_markup("Die *Faltung* ist ⟨1⟩.", "The **convolution** is ⟨1⟩.")
['strong emphasis']
>>> added_inline_markup("Dadurch sind _MLPs_ gross.", "By this, ⟨MLPs⟩ are large.")
['⟨…⟩ around text']
>>> added_inline_markup("H~2~O und snake_case, 2 * 3.", "H~2~O and snake_case, 2 * 3.")
[]
"""

from __future__ import annotations

import re
from collections import Counter

from ..placeholders import PLACEHOLDER

#: one item of inline markup: a run of delimiters, a sub- or superscript, a hard line break, a bracket
_INLINE = re.compile(r"~{2,}|\^{2,}|~[^\s~]+~|\^[^\s^]+\^|\*+|_+|[ ]{2,}\n|[⟨⟩〈〉]")
#: what a placeholder stands for when delimiters are judged: a word, as the span it replaced
_SPAN = "x"

EMPHASIS = "emphasis"
STRONG = "strong emphasis"
STRIKEOUT = "strikeout"
SUBSCRIPT = "subscript"
SUPERSCRIPT = "superscript"
HARD_BREAK = "hard line break"
BRACKETS = "⟨…⟩ around text"


def _kinds(item: str, before: str, after: str) -> tuple[str, ...]:
    """The markup an ``item`` of :data:`_INLINE` stands for, between the characters ``before`` and
    ``after`` (``" "`` at either end of the text): none when pandoc reads it as text.

    A lone ``~`` or ``^`` is text (``~5 km``, ``2^10``); ``~~`` and ``^^`` are markup wherever they
    stand (pandoc reads them as an empty subscript or superscript, ``\\~~~`` too).
    """
    char = item[0]
    if char == " ":
        return (HARD_BREAK,)
    if char in "⟨⟩〈〉":
        return (BRACKETS,)
    if char == "^":
        return (SUPERSCRIPT,)
    if char == "~":
        if item.strip("~"):
            return (SUBSCRIPT,)  # ~x~
        return (STRIKEOUT,) if len(item) == 2 else (STRIKEOUT, SUBSCRIPT)
    if before.isspace() and after.isspace():
        return ()  # "2 * 3": flanks nothing
    if char == "_" and before.isalnum() and after.isalnum():
        return ()  # snake_case: pandoc has no intraword underscore emphasis
    if len(item) == 1:
        return (EMPHASIS,)
    return (STRONG,) if len(item) == 2 else (STRONG, EMPHASIS)


def inline_markup(text: str) -> Counter[str]:
    """How many delimiters (or pairs, breaks, brackets) of each kind of inline markup ``text`` holds.

    >>> found = inline_markup("**a** _b_ ~~c~~ x^2^  \\nH~2~O ***d***")
    >>> found["emphasis"], found["strong emphasis"], found["strikeout"], found["subscript"], found["superscript"]
    (4, 4, 2, 1, 1)
    >>> found["hard line break"]
    1
    """
    plain = PLACEHOLDER.sub(_SPAN, text)
    found: Counter[str] = Counter()
    for match in _INLINE.finditer(plain):
        start, end = match.span()
        before = plain[start - 1] if start else " "
        after = plain[end] if end < len(plain) else " "
        found.update(_kinds(match.group(), before, after))
    return found


def added_inline_markup(source: str, reply: str) -> list[str]:
    """The kinds of inline markup ``reply`` holds more of than ``source`` (masked texts both)."""
    have = inline_markup(source)
    return sorted(kind for kind, count in inline_markup(reply).items() if count > have[kind])
