"""The one place where the MyST dialect is assembled.

``create_md_parser()`` returns a markdown-it-py parser configured the way MyST-Parser
configures it for Jupyter Book: CommonMark with HTML, tables, front matter, MyST roles,
targets, comments and block breaks, colon fences, dollar math with labels, amsmath,
definition lists and footnotes.

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


def create_md_parser() -> MarkdownIt:
    """Return a fresh parser for the MyST dialect used by Jupyter Book.

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
        # fences interrupt paragraphs, lists and block quotes: keep the rule's chains
        md.block.ruler.at(name, _recording_excess(block_rule.fn), {"alt": list(block_rule.alt)})
    names = set(md.inline.ruler.get_all_rules())
    for name in _RECORDED_RULES:
        if name in names:
            rule = md.inline.ruler.__rules__[md.inline.ruler.__find__(name)]
            md.inline.ruler.at(name, _recording(rule.fn))
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
