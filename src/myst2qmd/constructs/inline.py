"""Paragraphs' and table cells' inline tokens: roles, links, images, inline math and HTML,
substitutions and bare URLs, each handed to its construct.

MyST → Quarto::

    Siehe {numref}`fig-a` und https://example.org   →  Siehe @fig-a und <https://example.org>

A table's cells are walked here too (their tokens share the row's lines: :func:`.adapter.table_cell_locators`
finds each cell), after a blank line a table right under a paragraph needs.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from markdown_it.token import Token

from ..adapter import InlineLocator, block_lines, table_cell_locators
from ..codes import Code
from ..context import Context
from ..directives import container_prefix_len
from ..edits import Edit
from ..parser import parse_inline
from ..source import line_starts
from . import at_references, figures, media, registry
from .abbreviations import abbreviate
from .at_references import AtReading
from .base import Role, TokenSpec, Walk, WalkState, jb2
from .linkify import linkify, may_hold_url
from .links import link_edits
from .substitutions import substitute

#: characters kept before a role's trailing spaces: more than the longest word a role looks back at
_LOOK_BACK = 32
#: a character the source of every token :func:`inline` hands on (:data:`.registry.INLINE_TYPES`)
#: holds: ``{role}`…```, ``[link](…)``, ``![image](…)``, ``<b>`` and ``<https://…>``, ``$math$``
CONSTRUCT_MARKS = ("{", "[", "<", "$")
#: those, and ``@`` (an ``@name``)
_MARKS = (*CONSTRUCT_MARKS, "@")


def _inline_rule(walk: Walk, state: WalkState, index: int, at: AtReading) -> None:
    token, view = state.parsed.tokens[index], state.parsed.view
    if state.in_table or token.map is None:
        return
    first = token.map[0]
    columns = token.meta.get("columns") if token.meta else None  # where a field list's name starts
    env, lineno = state.parsed.env, view.lineno(first)
    _walk_inline(walk, token, env, lambda: InlineLocator(token.content, view, first, columns), lineno, at)


def _walk_inline(
    walk: Walk,
    token: Token,
    env: dict[str, Any] | None,
    locate: Callable[[], InlineLocator],
    lineno: int,
    at: AtReading,
) -> None:
    """:func:`inline` on ``token``, its children parsed here when the document was parsed block tokens
    first (``env`` is that parse's, ``None`` when the document's parse holds them all) and let go
    afterwards (a plain ``try``/``finally``: this runs once per paragraph, where a generator-based
    context manager's cost shows); a token whose text holds nothing :func:`inline` could convert
    (:func:`may_convert`) is not parsed at all."""
    if env is None:
        inline(walk, token, locate, lineno, at)
        return
    if not token.children:  # (a book's search for paths out of it may have parsed them already)
        if not may_convert(token.content, walk.ctx):
            token.children = []  # never parsed: left as a parse and its release leave it
            return
        parse_inline(token, env)
    try:
        inline(walk, token, locate, lineno, at)
    finally:
        token.children = []


def inline_rule(walk: Walk, state: WalkState, index: int) -> None:
    """A paragraph's (a heading's, a definition's) inline token; ``@name`` in it is text (Jupyter Book 1)."""
    _inline_rule(walk, state, index, at_references.as_text)


def inline_rule_jb2(walk: Walk, state: WalkState, index: int) -> None:
    """:func:`inline_rule` as Jupyter Book 2 reads it: ``@name`` is a reference."""
    _inline_rule(walk, state, index, at_references.as_reference)


def _table_rule(walk: Walk, state: WalkState, index: int, at: AtReading) -> None:
    """A pipe table's cells are walked here (``table_open``), not by :func:`inline_rule`."""
    tokens, view, env = state.parsed.tokens, state.parsed.view, state.parsed.env
    if tokens[index].type == "table_close":
        state.in_table -= 1
        return
    state.in_table += 1
    first = block_lines(tokens[index])[0] if tokens[index].map is not None else 0
    if index and tokens[index - 1].type == "paragraph_close" and view.line(first - 1).strip(" \t>"):
        # a table right under a paragraph line is that paragraph's text for pandoc
        prefix = view.line(first)[: container_prefix_len(view.line(first))].rstrip()
        walk.add(view.abs(first), view.abs(first), prefix + "\n", "blank line before a table")
    for cell, locator in table_cell_locators(tokens, index, view):
        line = view.lineno(cell.map[0]) if cell.map else view.lineno(0)
        _walk_inline(walk, cell, env, _found(locator), line, at)


def _found(locator: InlineLocator) -> Callable[[], InlineLocator]:
    """A locator found already, as :func:`inline` takes it."""
    return lambda: locator


def table_rule(walk: Walk, state: WalkState, index: int) -> None:
    """A pipe table's cells; ``@name`` in them is text (Jupyter Book 1)."""
    _table_rule(walk, state, index, at_references.as_text)


def table_rule_jb2(walk: Walk, state: WalkState, index: int) -> None:
    """:func:`table_rule` as Jupyter Book 2 reads it: ``@name`` is a reference."""
    _table_rule(walk, state, index, at_references.as_reference)


def may_convert(content: str, ctx: Context) -> bool:
    """Can :func:`inline` find anything to convert in an inline token's ``content``: a construct's
    mark (:data:`CONSTRUCT_MARKS`; ``{{`` starts a substitution too), an ``@name``, a bare URL or
    abbreviations to look for? A cheap test before the children are parsed: most paragraphs of
    prose hold none, and their parse is most of the inline work."""
    for mark in _MARKS:  # noqa: SIM110 - a loop: any() over a generator costs more
        if mark in content:
            return True
    return (ctx.options.linkify and may_hold_url(content)) or bool(ctx.options.abbreviations)


def inline(
    walk: Walk,
    token: Token,
    locate: Callable[[], InlineLocator],
    lineno: int,
    at: AtReading = at_references.as_text,
) -> None:
    """The edits for one inline token's children, its substitutions, bare URLs and ``@name``s (read
    as ``at`` says); ``locate`` finds its text in the file, only when there is something to edit."""
    ctx = walk.ctx
    if not token.children:
        return
    content = token.content
    substitutions = "{{" in content  # an undefined one is reported too
    bare_urls = ctx.options.linkify and may_hold_url(content)
    abbreviations = bool(ctx.options.abbreviations)
    at_names = "@" in content
    if not (substitutions or bare_urls or abbreviations or at_names or _has_construct(token.children)):
        return
    locator = locate()
    if not locator.ok:
        ctx.warn(
            lineno,
            "could not locate this paragraph's text in the file; its roles were left as they are",
            Code.UNCONVERTED,
        )
        return
    if content[:6].lower() == "<video" and (video := media.video_tag_to_shortcode(content, ctx)) is not None:
        # ``<video src="a.mp4" controls></video>`` on one line is a paragraph, not an HTML block
        walk.extend([Edit(locator.abs(0), locator.abs(len(content)), video, "video")])
        return
    made: list[Edit] = []
    starts = line_starts(content)
    for child in token.children:
        if child.type not in registry.INLINE_TYPES:
            continue
        span = child.meta.get("span") if child.meta else None
        if span is None:
            continue
        line = lineno + bisect_right(starts, span[0]) - 1
        if child.type == "link_open":
            made += link_edits(content, span, locator, ctx, line)
        elif child.type == "myst_role":
            role = Role(
                name=child.meta["name"], content=child.content, lineno=line, before=_text_before(content, span[0])
            )
            result = registry.role(role, ctx)
            if result is not None:
                start = span[0] - result.eat_before
                made.append(Edit(locator.abs(start), locator.abs(span[1]), result.text, f"role {role.name}"))
        else:
            if child.type == "image":
                span = figures.with_attributes(content, span)
            alone = span == (0, len(content))
            new = registry.inline_token(child, content[span[0] : span[1]], line, ctx, alone)
            if new is not None:
                made.append(Edit(locator.abs(span[0]), locator.abs(span[1]), new, child.type))
    if substitutions:
        made += substitute(token, locator, lineno, ctx, walk.fragments(None))
    if bare_urls:
        made += linkify(token, locator, ctx)
    if at_names:
        made += at(token, locator, ctx, lineno)
    if abbreviations:
        made += abbreviate(token, locator, ctx, made)
    walk.extend([*made, *keep_fence_like_lines(content, locator, made)])


def _has_construct(children: list[Token]) -> bool:
    """Is one of ``children`` a token :mod:`.registry` converts (a role, a link, an image…)?"""
    for child in children:  # noqa: SIM110 - a loop: any() over a generator costs three times as much here
        if child.type in registry.INLINE_TYPES:
            return True
    return False


def keep_fence_like_lines(content: str, locator: InlineLocator, edits: list[Edit]) -> list[Edit]:
    """A paragraph line like ```` ```{note} a {math}`x` ```` is no fence (backticks in its info
    string); once its role becomes ``$x$`` it would be one. Its first backtick is escaped."""
    escapes: list[Edit] = []
    offset = 0
    for line in content.split("\n"):
        stripped = line.lstrip(" ")
        at = offset + len(line) - len(stripped)
        offset += len(line) + 1
        if not stripped.startswith("```") or len(line) - len(stripped) > 3:
            continue
        start, end = locator.abs(at), locator.abs(at) + len(stripped)
        touched = any(start <= e.start <= end or start <= e.end <= end for e in edits)
        if touched and not any(e.start < start < e.end or e.start == start < e.end for e in edits):
            escapes.append(Edit(start, start, "\\", "fence-like line"))
    return escapes


def _text_before(content: str, at: int) -> str:
    """The end of ``content[:at]`` a role looks back at ("siehe Abbildung {numref}`x`"): its
    trailing spaces and the ``_LOOK_BACK`` characters before them (all of it, in a short paragraph).
    A slice of bounded length, so a paragraph of many roles is not copied once per role.

    >>> _text_before("Wie man sieht " * 5 + "in Abbildung  {numref}`a`", 84)
    'sieht Wie man sieht in Abbildung  '
    """
    start = at
    while start > 0 and (content[start - 1].isspace() or content[start - 1] == "~"):
        start -= 1
    return content[max(0, start - _LOOK_BACK) : at]


TOKEN_SPECS = (
    # mystmd reads ``@label`` in text as a reference, MyST-Parser as text (:mod:`.at_references`)
    TokenSpec("inline", ("inline",), inline_rule, jb2=jb2(rule=inline_rule_jb2)),
    TokenSpec("pipe table", ("table_open", "table_close"), table_rule, jb2=jb2(rule=table_rule_jb2)),
)
