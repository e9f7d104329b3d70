"""The one place where the MyST dialect is assembled.

``create_md_parser()`` returns a markdown-it-py parser configured the way MyST-Parser
configures it for Jupyter Book: CommonMark with HTML, tables, front matter, MyST roles,
targets, comments and block breaks, colon fences, dollar math with labels, amsmath,
definition lists and footnotes; with ``extensions``, the optional syntax a project enables (MyST-Parser's
``fieldlist``).

Given a ``body_of`` (see :func:`create_md_parser`), it also tokenizes the Markdown body of a
directive inside the fence's own parse (:class:`Body`), so that a document is parsed once however
deep its directives nest.

On top of that it records where inline tokens came from: markdown-it inline tokens carry
no columns, so the rules whose tokens we rewrite are wrapped to store
``token.meta["span"] = (start, end)``, offsets into the inline token's ``content``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.text_join import text_join
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import text as text_rule
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.field_list import fieldlist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from .adapter import attrs_line
from .nesting import BlockRule, BodyOf, FenceHook, FragmentsOf, fragments_rule, nesting

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


def _recording(rule: InlineRule, opener: str | None) -> InlineRule:
    """Wrap an inline rule so that the tokens it pushes remember their source span (``opener``: the one
    character the rule starts on, which it checks before it does anything else; not called elsewhere,
    see :data:`INLINE_OPENERS`)."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if opener is not None and state.src[start] != opener:
            return False
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


#: the inline rules of the parser (markdown-it's, the plugins', ours) → the characters each may start on:
#: the first thing each checks, returning ``False`` on any other (``text`` takes the text between them)
INLINE_OPENERS = {
    "newline": "\n",
    "escape": "\\",
    "math_inline": "$",
    "myst_role": "{",
    "backticks": "`",
    "emphasis": "*_",
    "link": "[",
    "image": "!",
    "footnote_inline": "^",
    "footnote_ref": "[",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}

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

#: inline rules that do something before they look at their character, called everywhere by their
#: wrapper (``footnote_ref`` makes the ``env``'s footnote table)
_ACT_FIRST = frozenset({"footnote_ref"})

#: where the scan of a link label (markdown-it's ``parseLinkLabel``, stepping with ``skipToken``, whose
#: ``text`` rule goes to the next stop) must find the ``text`` rule stopped: its brackets
_LABEL_STOPS = "[]"


def narrow_text_stops(md: MarkdownIt) -> None:
    """Let markdown-it's ``text`` rule stop only where an inline rule of ``md`` may start (see
    :data:`INLINE_OPENERS`) or a link label's scan looks, when ``md`` holds only rules known there.

    markdown-it stops it at every ASCII punctuation character an extension might use (``-``, ``:``,
    ``=``, ``#``, …); at each, every rule is tried in vain and the character is added to the text: the
    same text, the same tokens, a dozen calls per character. A version without ``terminator_re``
    (before markdown-it-py 4.1) or a rule not known: markdown-it's stops, as they are.
    """
    stops = getattr(md.inline, "terminator_re", None)
    rules = md.inline.ruler.get_active_rules()
    first = md.inline.ruler.getRules("")[:1]
    if not isinstance(stops, re.Pattern) or first != [text_rule] or not set(rules[1:]) <= INLINE_OPENERS.keys():
        return
    chars = set(_LABEL_STOPS).union(*(INLINE_OPENERS[name] for name in rules[1:]))
    if all(stops.match(char) for char in chars):  # only ever fewer stops
        md.inline.terminator_re = re.compile("[" + re.escape("".join(sorted(chars))) + "]")


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


#: a run of one fence character, measured at C speed
_RUNS = {char: re.compile(re.escape(char) + "*") for char in "`~:"}


def _run_end(src: str, pos: int) -> int:
    """Where the run of ``src[pos]`` that starts at ``pos`` ends."""
    return _RUNS[src[pos]].match(src, pos).end()  # type: ignore[union-attr]


def make_fence_rule(markers: str, token_type: str, then: FenceHook | None = None) -> BlockRule:
    """markdown-it's fence rule (``markers="`~"``, token ``fence``) and ``mdit_py_plugins.colon_fence``'s
    (``":"``, ``colon_fence``): the same tokens, with each run of fence characters measured at C speed;
    ``then`` is given each fence token the rule makes (see :func:`.nesting.nesting`).

    Both measure a run one character at a time, and each fence measures every run inside it while
    it looks for its closing line: nested fences (each level's fence one character longer) took
    time cubic in their depth. A backtick fence's info string holds no backtick (CommonMark).

    The token remembers how far it stands right of its container (``token.meta["excess"]``): the
    columns between the content column of the fence's container (the document, a list item, a
    block quote) and the fence. Pandoc reads a ``:::`` div only at that column, so the walker
    writes div fences there.
    """

    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        src = state.src
        pos = state.bMarks[start_line] + state.tShift[start_line]
        maximum = state.eMarks[start_line]
        if pos + 3 > maximum or src[pos] not in markers or state.is_code_block(start_line):
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
        token.meta = {"excess": max(0, indent - state.blkIndent)}
        if then is not None:
            then(state, token)
        return True

    return rule


def starting_with(prefix: str, rule: BlockRule) -> BlockRule:
    """``rule``, called only on a line whose text starts with ``prefix``: for a rule that returns ``False``
    on any other line, and does nothing before it looks (a block rule is tried on every line).

    >>> md = create_md_parser()
    >>> [t.type for t in md.parse("\\\\begin{align}a\\\\end{align}\\n  \\\\begin{x}\\n")]
    ['amsmath', 'paragraph_open', 'inline', 'paragraph_close']
    """

    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        at = state.bMarks[start_line] + state.tShift[start_line]
        return state.src.startswith(prefix, at, state.eMarks[start_line]) and rule(state, start_line, end_line, silent)

    return guarded


#: block rules of mdit-py-plugins → what a line they may match starts with: the first thing each looks at
#: (``amsmath`` matches ``\begin{env}`` at the start of the line's text, after a code-block check)
_GUARDED_BLOCK_RULES = {"amsmath": "\\begin{"}


def field_lists(md: MarkdownIt) -> None:
    """mdit-py-plugins' field lists, whose names' inline tokens remember the column they start at
    (``meta["columns"]``: the name's only line holds the field's body too, where the same text may
    stand again)."""
    md.use(fieldlist_plugin)
    rule = md.block.ruler.__rules__[md.block.ruler.__find__("fieldlist")]
    fn, alt = rule.fn, list(rule.alt)

    def wrapped(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        first = len(state.tokens)
        ok = fn(state, start_line, end_line, silent)
        if ok and not silent:
            for before, token in zip(state.tokens[first:], state.tokens[first + 1 :], strict=False):
                if before.type == "fieldlist_name_open" and token.map and "columns" not in token.meta:
                    at = state.bMarks[token.map[0]] + state.tShift[token.map[0]] + 1  # after the ":"
                    token.meta = {**token.meta, "columns": [at - state.src.rfind("\n", 0, at) - 1]}
        return ok

    md.block.ruler.at("fieldlist", wrapped, {"alt": alt})


#: MyST-Parser's optional syntax (``myst_enable_extensions``) the parse reads only when asked: name → plugin
OPTIONAL_SYNTAX: dict[str, Callable[[MarkdownIt], None]] = {"fieldlist": field_lists}


def create_md_parser(
    body_of: BodyOf | None = None,
    max_depth: int = 1000,
    fragments_of: FragmentsOf | None = None,
    extensions: frozenset[str] = frozenset(),
) -> MarkdownIt:
    """Return a fresh parser for the MyST dialect used by Jupyter Book.

    With ``body_of``, the bodies of fences it names (directives whose body is Markdown) are
    tokenized by the same parse (see :func:`.nesting.nesting`), to ``max_depth`` levels; with
    ``fragments_of``, the fragments it finds too (titles, captions, cells: see :class:`Fragment`);
    ``extensions``: the optional syntax it reads too (:data:`OPTIONAL_SYNTAX`).

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
    for name in sorted(extensions):
        OPTIONAL_SYNTAX[name](md)  # a name it does not know is an error (KeyError)
    # block attributes ({#id .cls} on a line of its own, MyST's attrs_block), their tokens kept
    attrs_line(md)
    # Quarto's own labelled display math, so converted output reads back as it was written
    md.block.ruler.before("math_block", "quarto_math_block", quarto_math_block)
    # directive bodies nest deeper than CommonMark's default of 20 levels
    md.options["maxNesting"] = 100
    then = nesting(body_of, max_depth) if body_of is not None else None
    for name in ("fence", "colon_fence"):
        block_rule = md.block.ruler.__rules__[md.block.ruler.__find__(name)]
        fn = make_fence_rule(":" if name == "colon_fence" else "`~", name, then)
        # fences interrupt paragraphs, lists and block quotes: keep the rule's chains
        md.block.ruler.at(name, fn, {"alt": list(block_rule.alt)})
    for name, prefix in _GUARDED_BLOCK_RULES.items():
        block_rule = md.block.ruler.__rules__[md.block.ruler.__find__(name)]
        md.block.ruler.at(name, starting_with(prefix, block_rule.fn), {"alt": list(block_rule.alt)})
    md.inline.ruler.at("myst_role", myst_role)
    names = set(md.inline.ruler.get_all_rules())
    for name in _RECORDED_RULES:
        if name in names:
            rule = md.inline.ruler.__rules__[md.inline.ruler.__find__(name)]
            md.inline.ruler.at(name, _recording(rule.fn, None if name in _ACT_FIRST else INLINE_OPENERS[name]))
    narrow_text_stops(md)
    if fragments_of is not None:
        md.core.ruler.push("m2q_fragments", fragments_rule(fragments_of))
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
    plain = plain_children(token.content, _text_stops(md))
    if plain is not None:
        token.children = plain
        return
    token.children = []
    md.inline.parse(token.content, md, env, token.children)
    text_join(StateCore("", md, env, [token]))


@lru_cache(maxsize=4)
def _text_stops(md: MarkdownIt) -> re.Pattern[str] | None:
    """The characters where ``md``'s inline parse may leave plain text (``None``: not known).

    markdown-it's ``text`` rule, when it runs first, takes every character up to the next of its
    ``terminator_re`` (markdown-it-py 4.1 on); every other rule starts where it stops, so a content
    without those characters is one text run. Older versions, or a first rule of another kind: none."""
    rules = md.inline.ruler.getRules("")
    stops = getattr(md.inline, "terminator_re", None)
    return stops if rules and rules[0] is text_rule and isinstance(stops, re.Pattern) else None


def plain_children(content: str, stops: re.Pattern[str] | None) -> list[Token] | None:
    """The inline children of ``content`` when none of its characters but newlines is in ``stops``
    (see :func:`_text_stops`): text runs and the breaks between its lines, the tokens markdown-it's
    ``text`` and ``newline`` rules give it (``None``: it may hold more, the parse must read it).

    >>> [(t.type, t.content) for t in plain_children("a  \\n  b\\nc", _text_stops(block_parser()))]
    [('text', 'a'), ('hardbreak', ''), ('text', 'b'), ('softbreak', ''), ('text', 'c')]
    """
    if stops is None or stops.search(content.replace("\n", "")):
        return None  # a stop of the text rule that is not a newline: markup may start there
    children: list[Token] = []
    lines = content.split("\n")
    for number, line in enumerate(lines):
        if number:
            line = line.lstrip(" \t")  # the newline rule skips the next line's leading spaces
        if number == len(lines) - 1:
            if line:
                children.append(Token("text", "", 0, content=line))
            break
        kind = "softbreak"
        if line.endswith("  "):  # two spaces or more before a newline: a hard break, without them
            line, kind = line.rstrip(" "), "hardbreak"
        elif line.endswith(" "):
            line = line[:-1]
        if line:
            children.append(Token("text", "", 0, content=line))
        children.append(Token(kind, "br", 0))
    return children
