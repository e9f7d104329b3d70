"""The one place where the MyST dialect is assembled.

``create_md_parser()`` returns a markdown-it-py parser configured the way MyST-Parser
configures it for Jupyter Book: CommonMark with HTML, tables, front matter, MyST roles,
targets, comments and block breaks, colon fences, dollar math with labels, amsmath,
definition lists and footnotes.

Given a ``body_of`` (see :func:`create_md_parser`), it also tokenizes the Markdown body of a
directive inside the fence's own parse (:class:`Body`), so that a document is parsed once however
deep its directives nest.

On top of that it records where inline tokens came from: markdown-it inline tokens carry
no columns, so the rules whose tokens we rewrite are wrapped to store
``token.meta["span"] = (start, end)``, offsets into the inline token's ``content``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.text_join import text_join
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

#: Inline token types whose source span we record (everything we may rewrite or protect).
SPANNED_INLINE_TYPES = frozenset(
    {
        "myst_role",
        "code_inline",
        "math_inline",
        "math_inline_double",
        "html_inline",
        "link_open",
        "link_close",
        "image",
        "footnote_ref",
        "autolink",
    }
)

InlineRule = Callable[[StateInline, bool], bool]


def _recording(rule: InlineRule) -> InlineRule:
    """Wrap an inline rule so that the tokens it pushes remember their source span."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        start = state.pos
        first = len(state.tokens)
        ok = rule(state, silent)
        if ok and not silent:
            for token in state.tokens[first:]:
                if token.type in SPANNED_INLINE_TYPES and "span" not in (token.meta or {}):
                    token.meta = dict(token.meta or {})
                    token.meta["span"] = (start, state.pos)
        return ok

    return wrapped


_ROLE_NAME = re.compile(r"\{([a-zA-Z0-9\_\-\+\:]+)\}")


def myst_role(state: StateInline, silent: bool) -> bool:
    """``{name}`content```: mdit-py-plugins' ``myst_role`` rule, the same tokens, in linear time.

    The plugin's rule matches its patterns against ``state.src[state.pos:]``, a copy of the rest of
    the paragraph at every ``{``: a paragraph of many roles took quadratic time (8,000 → 32,000
    roles: 9x). This one matches in place.

    >>> md = create_md_parser()
    >>> [(t.type, t.meta.get("name"), t.content) for t in md.parseInline("a {ref}`x`b")[0].children]
    [('text', None, 'a '), ('myst_role', 'ref', 'x'), ('text', None, 'b')]
    """
    src, start = state.src, state.pos
    if src[start] != "{":
        return False
    match = _ROLE_NAME.match(src, start)
    if not match:
        return False
    ticks = pos = match.end()
    while pos < len(src) and src[pos] == "`":
        pos += 1
    if pos == len(src) or pos == ticks:
        return False
    closing = src.find("`" * (pos - ticks), pos + 1)
    if closing < 0:
        return False
    if not silent:
        token = state.push("myst_role", "", 0)
        token.meta = {"name": match.group(1)}
        token.content = src[pos:closing].replace("\n", " ")
    state.pos = closing + pos - ticks
    return True


#: inline rules whose tokens get a recorded span
_RECORDED_RULES = (
    "myst_role",
    "backticks",
    "math_inline",
    "html_inline",
    "link",
    "image",
    "autolink",
    "footnote_ref",
    "footnote_inline",
)


_QUARTO_MATH_CLOSE = re.compile(r"\$\$[ \t]*\{#([^{}\s]+)[^{}]*\}[ \t]*$")


def quarto_math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """``$$ … $$ {#eq-x}``, Quarto's labelled equation, as a ``math_block_label`` token.

    dollarmath only knows MyST's ``$$ … $$ (label)`` and reads past a Quarto label to the
    next ``$$``; this rule runs first and claims the block only when its first closing
    ``$$`` carries a ``{#id}``.
    """
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("$$", start):
        return False
    line, text_from = start_line, start + 2
    while line < end_line:
        end = state.eMarks[line]
        text = state.src[text_from:end]
        match = _QUARTO_MATH_CLOSE.search(text)
        if match is not None:
            break
        if text.rstrip().endswith("$$") or "$$" in text or (line > start_line and not text.strip()):
            return False  # a MyST/plain block, or blank line: dollarmath's business
        line += 1
        if line < end_line:
            text_from = state.bMarks[line] + state.tShift[line]
    else:
        return False
    if silent:
        return True
    close = text_from + match.start()
    first_end = state.eMarks[start_line] if line > start_line else close
    parts = [state.src[start + 2 : first_end]]
    for inner in range(start_line + 1, line):
        parts.append(state.src[state.bMarks[inner] : state.eMarks[inner]])
    if line > start_line:
        parts.append(state.src[state.bMarks[line] : close])
    token = state.push("math_block_label", "math", 0)
    token.block = True
    token.content = "\n".join(parts)
    token.markup = "$$"
    token.info = match.group(1)
    token.map = [start_line, line + 1]
    state.line = line + 1
    return True


BlockRule = Callable[[StateBlock, int, int, bool], bool]

#: a run of one fence character, measured at C speed
_RUNS = {char: re.compile(re.escape(char) + "*") for char in "`~:"}


def _run_end(src: str, pos: int) -> int:
    """Where the run of ``src[pos]`` that starts at ``pos`` ends."""
    return _RUNS[src[pos]].match(src, pos).end()  # type: ignore[union-attr]


def make_fence_rule(markers: str, token_type: str) -> BlockRule:
    """markdown-it's fence rule (``markers="`~"``, token ``fence``) and ``mdit_py_plugins.colon_fence``'s
    (``":"``, ``colon_fence``): the same tokens, with each run of fence characters measured at C speed.

    Both measure a run one character at a time, and each fence measures every run inside it while
    it looks for its closing line: nested fences (each level's fence one character longer) took
    time cubic in their depth. A backtick fence's info string holds no backtick (CommonMark).
    """

    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if state.is_code_block(start_line):
            return False
        src = state.src
        pos = state.bMarks[start_line] + state.tShift[start_line]
        maximum = state.eMarks[start_line]
        if pos + 3 > maximum or src[pos] not in markers:
            return False
        marker, mem = src[pos], pos
        pos = _run_end(src, pos)
        length = pos - mem
        if length < 3:
            return False
        markup = src[mem:pos]
        params = src[pos:maximum]
        if marker == "`" and "`" in params:
            return False
        if silent:
            return True
        have_end = False
        next_line = start_line
        while True:
            next_line += 1
            if next_line >= end_line:
                break  # unclosed: closed by the end of the document or of its parent
            pos = mem = state.bMarks[next_line] + state.tShift[next_line]
            maximum = state.eMarks[next_line]
            if pos < maximum and state.sCount[next_line] < state.blkIndent:
                break  # a non-empty line with negative indent ends a list item
            if src[pos : pos + 1] != marker or state.is_code_block(next_line):
                continue
            pos = _run_end(src, pos)
            if pos - mem < length or state.skipSpaces(pos) < maximum:
                continue
            have_end = True
            break
        indent = state.sCount[start_line]  # a fence's indentation is cut from its content
        state.line = next_line + (1 if have_end else 0)
        token = state.push(token_type, "code", 0)
        token.info = params
        token.content = state.getLines(start_line + 1, next_line, indent, True)
        token.markup = markup
        token.map = [start_line, state.line]
        return True

    return rule


def _recording_excess(rule: BlockRule) -> BlockRule:
    """Wrap a fence rule so its token remembers how far it stands right of its container.

    ``token.meta["excess"]``: the columns between the content column of the fence's
    container (the document, a list item, a block quote) and the fence. Pandoc reads a
    ``:::`` div only at that column, so the walker writes div fences there.
    """

    def wrapped(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        first = len(state.tokens)
        excess = state.sCount[start_line] - state.blkIndent
        ok = rule(state, start_line, end_line, silent)
        if ok and not silent:
            for token in state.tokens[first:]:
                if token.type in ("fence", "colon_fence"):
                    token.meta = dict(token.meta or {})
                    token.meta["excess"] = max(0, excess)
        return ok

    return wrapped


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


def _tab_lines(state: StateBlock) -> list[int]:
    """The lines of ``state``'s text with a tab, found once."""
    found = getattr(state, "m2q_tab_lines", None)
    if found is None:
        found = []
        line, pos = 0, 0
        for match in re.finditer("\t", state.src):
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


def _fragments_rule(fragments_of: FragmentsOf) -> Callable[[StateCore], None]:
    """The core rule that tokenizes the fragments :data:`FragmentsOf` finds, last (after footnotes and text
    joins), in the document's parse and in each body's and fragment's."""

    def rule(state: StateCore) -> None:
        md = state.md
        env = None if getattr(state, "m2q_part", False) else state.env
        fragments_of(state.tokens, env, lambda t, s: _tokenize_fragment(md, t, s))

    return rule


def _nesting(rule: BlockRule, body_of: BodyOf, max_depth: int) -> BlockRule:
    """Wrap a fence rule so a fence whose body is Markdown gets that body's tokens from the same
    parse (``token.meta["body"]``, a :class:`Body`), as ``mdit_py_plugins.container`` tokenizes a
    container's content: every line is read once, however deep directives nest.

    The fence's own ``content`` is cut to its option lines (a deep nest would hold every level's
    body once per level). ``token.meta["body"] = None``: nested deeper than ``max_depth``.
    """

    def wrapped(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        ok = rule(state, start_line, end_line, silent)
        if not ok or silent:
            return ok
        token = state.tokens[-1]
        if token.map is None or token.type not in ("fence", "colon_fence"):
            return ok
        last = token.map[1] - 1
        found = body_of(token, state.src[state.bMarks[last] : state.eMarks[last]])
        if found is None:
            return ok
        token.meta = dict(token.meta or {})
        if getattr(state, "m2q_depth", 0) >= max_depth:
            token.meta["body"] = None
            return ok
        keep, count = found
        first = token.map[0] + 1 + (token.meta.get("options_used") or 0)
        end = token.map[0] + 1 + count
        strip = state.sCount[token.map[0]]
        starts = state.bMarks[first:end] if strip == 0 else [_line_start(state, n, strip) for n in range(first, end)]
        body = Body(first=first, starts=[s for s in starts if s is not None], ends=state.eMarks[first:end])
        token.meta["body"] = body
        if len(body.starts) < end - first:
            body.unmapped = True
            return ok
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
        return ok

    return wrapped


def create_md_parser(
    body_of: BodyOf | None = None, max_depth: int = 1000, fragments_of: FragmentsOf | None = None
) -> MarkdownIt:
    """Return a fresh parser for the MyST dialect used by Jupyter Book.

    With ``body_of``, the bodies of fences it names (directives whose body is Markdown) are
    tokenized by the same parse (see :func:`_nesting`), to ``max_depth`` levels; with
    ``fragments_of``, the fragments it finds too (titles, captions, cells: see :class:`Fragment`).

    >>> tokens = create_md_parser().parse("See {numref}`fig-a`.")
    >>> [t.type for t in tokens[1].children]
    ['text', 'myst_role', 'text']
    >>> tokens[1].children[1].meta["span"]
    (4, 19)
    """
    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .use(front_matter_plugin)
        .use(myst_block_plugin)
        .use(myst_role_plugin)
        .use(colon_fence_plugin)
        .use(
            dollarmath_plugin,
            allow_labels=True,
            allow_space=True,
            allow_digits=True,
            double_inline=True,
        )
        .use(amsmath_plugin)
        .use(deflist_plugin)
        .use(footnote_plugin)
    )
    # Quarto's own labelled display math, so converted output reads back as it was written
    md.block.ruler.before("math_block", "quarto_math_block", quarto_math_block)
    # directive bodies nest deeper than CommonMark's default of 20 levels
    md.options["maxNesting"] = 100
    for name in ("fence", "colon_fence"):
        block_rule = md.block.ruler.__rules__[md.block.ruler.__find__(name)]
        fn = _recording_excess(make_fence_rule(":" if name == "colon_fence" else "`~", name))
        if body_of is not None:
            fn = _nesting(fn, body_of, max_depth)
        # fences interrupt paragraphs, lists and block quotes: keep the rule's chains
        md.block.ruler.at(name, fn, {"alt": list(block_rule.alt)})
    md.inline.ruler.at("myst_role", myst_role)
    names = set(md.inline.ruler.get_all_rules())
    for name in _RECORDED_RULES:
        if name in names:
            rule = md.inline.ruler.__rules__[md.inline.ruler.__find__(name)]
            md.inline.ruler.at(name, _recording(rule.fn))
    if fragments_of is not None:
        md.core.ruler.push("m2q_fragments", _fragments_rule(fragments_of))
    return md


@lru_cache(maxsize=1)
def shared_parser() -> MarkdownIt:
    """A parser shared by the converter (parsers are stateless between ``parse`` calls)."""
    return create_md_parser()


@lru_cache(maxsize=1)
def block_parser() -> MarkdownIt:
    """The same parser without the inline pass: block tokens only (inline tokens keep their
    ``content`` but get no children). Enough to find labels, at a fraction of the cost.

    >>> [t.type for t in block_parser().parse("(a)=\\n# Title {math}`x`\\n")][:3]
    ['myst_target', 'heading_open', 'inline']
    """
    md = create_md_parser()
    md.core.ruler.disable("inline")
    return md


def block_parser_for(text: str) -> MarkdownIt:
    """The cheapest parser that gives ``text``'s block tokens as :func:`shared_parser` does: the
    :func:`block_parser`, unless ``text`` may hold a footnote (the footnote plugin keeps or drops
    a definition's blocks by the references the inline pass finds, and adds blocks at the end for
    inline footnotes)."""
    return block_parser() if "[^" not in text and "^[" not in text else shared_parser()


def parse_inline(token: Token, env: dict[str, Any]) -> None:
    """Give an inline token of a :func:`block_parser` parse (whose ``env`` it takes) the children
    :func:`shared_parser` gives it: one paragraph at a time, so a big file's inline tokens need not
    all be held at once.

    >>> env = {}
    >>> tokens = block_parser().parse("See {numref}`fig-a`.", env)
    >>> parse_inline(tokens[1], env)
    >>> [t.type for t in tokens[1].children]
    ['text', 'myst_role', 'text']
    """
    md = block_parser()
    token.children = []
    md.inline.parse(token.content, md, env, token.children)
    text_join(StateCore("", md, env, [token]))
