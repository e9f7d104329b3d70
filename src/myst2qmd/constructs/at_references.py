"""``@name`` in text: a reference in Jupyter Book 2, left as written in Jupyter Book 1.

mystmd reads ``@label`` as a cross-reference (a citation when no label has the name); MyST-Parser
reads it as text (a citation there is only ``{cite}``). Quarto reads ``@name`` as a citation or a
cross-reference, so each dialect's meaning is written out:

Jupyter Book 2 (:func:`as_reference`), the target found by its kind whatever the label's prefix::

    :label: tab-werte on a table   @tab-werte  →  @tbl-werte
    (grundlagen)= before a heading @grundlagen →  @sec-grundlagen
    (hier)= before a paragraph     @hier       →  [hier](#hier)
    no such label                  @fig-x      →  @fig-x, warned ref-undefined (a prefix Quarto numbers)
                                   @lecun1998  →  @lecun1998 (a citation)

Jupyter Book 1 (:func:`as_text`): ``@name`` stays as written. A name that is already a Quarto id of
this document (``@eq-x`` beside ``{#eq-x}``: a file partly written for Quarto) is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator

from markdown_it.token import Token

from ..adapter import InlineLocator
from ..codes import Code, Count
from ..context import Context
from ..edits import Edit
from ..labels import CROSSREF_KINDS, AnyOf, kind_from_label
from .base import link_target
from .references import find_label

#: ``@key`` as Pandoc reads a citation key (internal punctuation only), or ``@{key}``; not after a
#: word character (an e-mail address) or a backslash (already escaped)
_AT = re.compile(r"(?<![\w\\@])@(?P<key>\{[^{}\s]+\}|\w(?:\w|[:.#$%&\-+?<>~/](?=\w))*)")
#: a word holding a URL (linked by linkify or not): its ``@`` is part of the address
_URL_WORD = re.compile(r"\S*(?:://|www\.)\S*")
_SUBSTITUTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)

#: how a dialect reads ``@name``: the edits for one inline token
AtReading = Callable[[Token, InlineLocator, Context, int], list[Edit]]


def _free(content: str, token: Token) -> list[tuple[int, int]]:
    """The spans of ``content`` no ``@`` in is text: code, links, roles, math, HTML, URLs, substitutions."""
    taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
    taken += [m.span() for m in _URL_WORD.finditer(content)]
    taken += [m.span() for m in _SUBSTITUTION.finditer(content)]
    return taken


def at_names(token: Token) -> Iterator[re.Match[str]]:
    """Every ``@name`` in an inline token's text, outside code, links, roles, math and URLs.

    >>> from myst2qmd.parser import create_md_parser
    >>> inline = create_md_parser().parse("Siehe @fig-a, `@b`, a@c.de und https://x.org/@d.")[1]
    >>> [m.group("key") for m in at_names(inline)]
    ['fig-a']
    """
    content = token.content
    if "@" not in content:
        return
    taken = _free(content, token)
    for match in _AT.finditer(content):
        if not any(a <= match.start() < b for a, b in taken):
            yield match


def _quarto_ids(ctx: Context) -> Container[str]:
    return AnyOf({label.quarto_id for label in ctx.labels.values()}, ctx.options.external_labels.values())


def as_text(token: Token, locator: InlineLocator, ctx: Context, lineno: int) -> list[Edit]:
    """Jupyter Book 1: ``@name`` is no reference and stays as written. (MyST-Parser shows it as text,
    Quarto reads a citation; it is not escaped, so a converted file's own citations, ``{cite:t}`` →
    ``@a``, stay citations when it is converted again.)"""
    return []


def _line(content: str, at: int, lineno: int) -> int:
    return lineno + content.count("\n", 0, at)


def as_reference(token: Token, locator: InlineLocator, ctx: Context, lineno: int) -> list[Edit]:
    """Jupyter Book 2: ``@label`` is a reference to the label's block (its Quarto id found by the
    label's kind), or a citation when no label has the name; a name with a prefix Quarto numbers
    that no label has is warned ``ref-undefined``."""
    edits: list[Edit] = []
    ids: Container[str] | None = None
    for match in at_names(token):
        key = match.group("key").strip("{}")
        found = find_label(key, ctx)
        if found is None:
            ids = _quarto_ids(ctx) if ids is None else ids
            if key not in ids and kind_from_label(key) is not None:
                ctx.warn(
                    _line(token.content, match.start(), lineno),
                    f"reference to '{key}', which this file does not define; kept as @{key}",
                    Code.REF_UNDEFINED,
                )
                ctx.count(Count.UNRESOLVED_REFERENCE)
            continue
        ctx.count(Count.REFERENCE)
        ident, kind, page = found
        if kind in CROSSREF_KINDS:
            new = f"@{ident}"
        else:  # no number in Quarto: a link showing the block's title, as mystmd shows it
            known = ctx.labels.get(key)
            new = f"[{(known.title if known is not None else '') or key}]({link_target(f'{page}#{ident}')})"
        if new != match.group(0):
            edits.append(Edit(locator.abs(match.start()), locator.abs(match.end()), new, "@ reference"))
    return edits
