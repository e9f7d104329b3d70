"""Directive bodies and fragments, tokenized by the parse of the document they stand in.

A fence whose body is Markdown gets that body's tokens from the same parse (:func:`nesting`, as
``mdit_py_plugins.container`` tokenizes a container's content), each read as a document of its own as
MyST-Parser reads it; the texts inside constructs that are MyST of their own (titles, captions,
cells: :class:`Fragment`) are tokenized by the same parse too (:func:`fragments_rule`).
:func:`.parser.create_md_parser` puts both in the parser it assembles.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

#: a block rule of markdown-it: ``(state, start line, end line, silent) -> matched``
BlockRule = Callable[[StateBlock, int, int, bool], bool]
#: what a fence rule does with each fence token it makes: ``(state, token) -> None``
FenceHook = Callable[[StateBlock, Token], None]


#: ``(lines of content to keep, content lines)`` of a fence whose body is Markdown, else ``None``; it is
#: given the fence token and the text of the fence's last line, to tell whether it closes. It sets
#: ``token.meta["options_used"]``: the option lines before the body.
BodyOf = Callable[[Token, str], "tuple[int, int] | None"]


@dataclass
class Body:
    """A fence's Markdown body, tokenized by the same parse as the fence (``token.meta["body"]``).

    ``tokens`` have their ``map`` in the lines of the parse that read them (the document's lines,
    or ``0`` = the body's first line when the body had to be parsed on its own: ``separate``);
    ``first`` is the body's first line there. ``starts``/``ends`` are the offsets (into the text that
    parse read) where each body line's text starts and ends: the body is the fence's content.
    """

    first: int
    starts: list[int]
    ends: list[int]
    tokens: list[Token] = field(default_factory=list)
    env: dict[str, Any] = field(default_factory=dict)
    #: the body's text, when it was parsed as a document of its own (see :func:`_needs_own_parse`)
    separate: str | None = None
    #: the body's lines are not suffixes of their source lines (a tab cut in two): not parsed
    unmapped: bool = False


@dataclass
class Fragment:
    """A text inside a construct that is MyST of its own (a directive's title, a table cell, a glossary
    definition), tokenized by the document's parse as a document of its own (its own references and
    footnotes, lines counted from its first): ``token.meta["fragments"][text]`` of the token it is in."""

    tokens: list[Token]
    env: dict[str, Any]
    #: its inline tokens are parsed when walked (the parse had no inline pass: see :func:`parse_inline`)
    lazy_inline: bool


#: tokenizes ``text`` as a fragment of ``token`` (kept in ``token.meta["fragments"]``) and gives its tokens
Tokenize = Callable[[Token, str], list[Token]]
#: finds the fragments among block tokens and tokenizes them: given the tokens, the parse's ``env`` when they
#: are the document's own (``None``: a directive body's, a fragment's), and the :data:`Tokenize` of this parse
FragmentsOf = Callable[[list[Token], "MutableMapping[str, Any] | None", Tokenize], None]


def _line_start(state: StateBlock, line: int, strip: int) -> int | None:
    """Where ``line``'s text starts once ``strip`` columns of indentation are cut, as
    ``StateBlock.getLines`` cuts them; ``None`` when a tab would be cut in two."""
    first = start = state.bMarks[line]
    last = state.eMarks[line]
    indent = 0
    src = state.src
    while first < last and indent < strip:
        char = src[first]
        if char == "\t":
            indent += 4 - (indent + state.bsCount[line]) % 4
        elif char == " " or first - start < state.tShift[line]:
            indent += 1
        else:
            break
        first += 1
    return None if indent > strip else first


_TAB = re.compile("\t")


def _tab_lines(state: StateBlock) -> list[int]:
    """The lines of ``state``'s text with a tab, found once."""
    found = getattr(state, "m2q_tab_lines", None)
    if found is None:
        found = []
        line, pos = 0, 0
        for match in _TAB.finditer(state.src):
            line += state.src.count("\n", pos, match.start())
            pos = match.start()
            found.append(line)
        state.m2q_tab_lines = found  # type: ignore[attr-defined]
    return found


def _needs_own_parse(state: StateBlock, first: int, end: int, starts: list[int]) -> bool:
    """The body must be parsed as a document of its own, where a parse in place would read it
    otherwise: a tab (a document counts tab stops from its own column 0), or
    a first line a document reads as front matter."""
    tabs = _tab_lines(state)
    at = bisect_left(tabs, first)
    return (at < len(tabs) and tabs[at] < end) or (bool(starts) and state.src.startswith("---", starts[0]))


#: block tokens whose content keeps the newline after their last line (``getLines(…, True)``)
_KEEPS_LAST_NEWLINE = frozenset({"html_block", "fence", "colon_fence"})

#: the state a nested tokenization changes and gives back
_SAVED = ("tokens", "env", "line", "lineMax", "blkIndent", "parentType", "level", "tight", "listIndent", "ddIndent")


def _tokenize_body(state: StateBlock, body: Body, end: int, indented: bool) -> None:
    """Tokenize the body's lines in ``state`` as a document of their own: own token list, own
    references and footnotes (``indented``: the fence's indentation is cut from the lines first)."""
    saved = {name: getattr(state, name) for name in _SAVED}
    marks = (state.bMarks, state.tShift, state.sCount, state.bsCount)
    lines = range(body.first, end)
    old = [(state.bMarks[n], state.tShift[n], state.sCount[n], state.bsCount[n]) for n in lines] if indented else None
    if old is not None:  # the body's lines start right of the fence's indentation: read them from there
        src = state.src
        for n, start in zip(lines, body.starts, strict=True):
            stop = state.eMarks[n]
            pos = start
            while pos < stop and src[pos] == " ":
                pos += 1
            state.bMarks[n], state.tShift[n], state.sCount[n], state.bsCount[n] = start, pos - start, pos - start, 0
    last = end
    if last > body.first and state.src[body.starts[-1] : state.eMarks[last - 1]].strip(" \t") == "":
        last -= 1  # a document's last line of spaces only is no line
    dropped = last < end
    state.tokens, state.env = body.tokens, body.env
    state.line, state.lineMax, state.blkIndent, state.parentType = body.first, last, 0, "root"
    state.level, state.tight, state.listIndent, state.ddIndent = 0, False, -1, -1
    depth = getattr(state, "m2q_depth", 0)
    state.m2q_depth = depth + 1  # type: ignore[attr-defined]
    try:
        state.md.block.tokenize(state, body.first, last)
    finally:
        state.m2q_depth = depth  # type: ignore[attr-defined]
        for name, value in saved.items():
            setattr(state, name, value)
        if old is not None:
            for n, values in zip(lines, old, strict=True):
                marks[0][n], marks[1][n], marks[2][n], marks[3][n] = values
    for token in [] if dropped else body.tokens:
        # a document's last line has no newline after it (a fence whose content :func:`_nesting` cut to
        # its option lines does not end with that line)
        cut = isinstance((token.meta or {}).get("body"), Body) and not token.meta["body"].unmapped
        if (
            token.map
            and token.map[1] == last
            and token.type in _KEEPS_LAST_NEWLINE
            and token.content.endswith("\n")
            and not cut
        ):
            closing = token.type != "html_block" and _closes(state, token)
            if not closing:
                token.content = token.content[:-1]


def _closes(state: StateBlock, token: Token) -> bool:
    """A fence token's last line is its closing fence."""
    assert token.map is not None
    last = token.map[1] - 1
    text = state.src[state.bMarks[last] : state.eMarks[last]].lstrip(" \t>")
    return last > token.map[0] and text.startswith(token.markup) and text.strip(token.markup[0]).strip() == ""


def _finish(md: MarkdownIt, body: Body | Fragment, src: str) -> None:
    """The core rules after the block pass (inline, footnotes, text joins, fragments) on the tokens of a
    body or a fragment (a part of the document: not its own, see :data:`FragmentsOf`)."""
    state = StateCore(src, md, body.env, body.tokens)
    state.m2q_part = True  # type: ignore[attr-defined]
    for rule in md.core.ruler.__rules__:
        if rule.enabled and rule.name not in ("normalize", "block"):
            rule.fn(state)
    body.tokens = state.tokens  # footnote_tail makes a new list


def _tokenize_fragment(md: MarkdownIt, token: Token, text: str) -> list[Token]:
    """:data:`Tokenize` of a parse by ``md``: ``text`` tokenized as a document of its own, as ``md.parse``
    tokenizes a document (the text is the document's, normalized already), once per token and text."""
    token.meta = token.meta if token.meta else {}
    table = token.meta.setdefault("fragments", {})
    known = table.get(text)
    if known is None:
        inline = any(rule.name == "inline" and rule.enabled for rule in md.core.ruler.__rules__)
        known = table[text] = Fragment(tokens=[], env={}, lazy_inline=not inline)
        if text:
            state = StateBlock(text, md, known.env, known.tokens)
            md.block.tokenize(state, state.line, state.lineMax)
        _finish(md, known, text)
    return known.tokens


def fragments_rule(fragments_of: FragmentsOf) -> Callable[[StateCore], None]:
    """The core rule that tokenizes the fragments :data:`FragmentsOf` finds, last (after footnotes and text
    joins), in the document's parse and in each body's and fragment's."""

    def rule(state: StateCore) -> None:
        md = state.md
        env = None if getattr(state, "m2q_part", False) else state.env
        fragments_of(state.tokens, env, lambda t, s: _tokenize_fragment(md, t, s))

    return rule


def nesting(body_of: BodyOf, max_depth: int) -> FenceHook:
    """What a fence rule does with its token (see :func:`.parser.make_fence_rule`) so a fence whose body
    is Markdown gets that body's tokens from the same parse (``token.meta["body"]``, a :class:`Body`), as
    ``mdit_py_plugins.container`` tokenizes a container's content: every line is read once, however deep
    directives nest.

    The fence's own ``content`` is cut to its option lines (a deep nest would hold every level's
    body once per level). ``token.meta["body"] = None``: nested deeper than ``max_depth``.
    """

    def then(state: StateBlock, token: Token) -> None:
        if token.map is None:
            return
        last = token.map[1] - 1
        found = body_of(token, state.src[state.bMarks[last] : state.eMarks[last]])
        if found is None:
            return
        if getattr(state, "m2q_depth", 0) >= max_depth:
            token.meta["body"] = None
            return
        keep, count = found
        first = token.map[0] + 1 + (token.meta.get("options_used") or 0)
        end = token.map[0] + 1 + count
        strip = state.sCount[token.map[0]]
        starts = state.bMarks[first:end] if strip == 0 else [_line_start(state, n, strip) for n in range(first, end)]
        body = Body(first=first, starts=[s for s in starts if s is not None], ends=state.eMarks[first:end])
        token.meta["body"] = body
        if len(body.starts) < end - first:
            body.unmapped = True
            return
        # keep the lines the options were read from (``used`` and the next), not the body
        cut = 0
        for _ in range(keep):
            cut = token.content.find("\n", cut) + 1
            if cut == 0:
                cut = len(token.content)
                break
        token.content = token.content[:cut]
        depth = getattr(state, "m2q_depth", 0)
        if _needs_own_parse(state, first, end, body.starts):
            body.separate = text = "\n".join(state.src[s:e] for s, e in zip(body.starts, body.ends, strict=True))
            inner = StateBlock(text, state.md, body.env, body.tokens)
            inner.m2q_depth = depth + 1  # type: ignore[attr-defined]
            if text:
                state.md.block.tokenize(inner, inner.line, inner.lineMax)
            body.first = 0
            _finish(state.md, body, text)
        else:
            _tokenize_body(state, body, end, strip > 0)
            _finish(state.md, body, state.src)

    return then
