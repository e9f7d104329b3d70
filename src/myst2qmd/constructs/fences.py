"""Fenced blocks: a directive to write as a div, a Pandoc div to walk into, or code to keep.

A directive's body is walked first (its fence must be wider than any ``:`` fence inside), then
its construct function (:func:`.registry.directive`) says what it becomes and the div writer
(:func:`.divs.directive_edits`) writes that. A code fence keeps its code; Pandoc's reading of its
info string and of a fence left open inside a directive are set right here.
"""

from __future__ import annotations

from markdown_it.token import Token

from ..adapter import block_lines
from ..codes import Code
from ..directives import block_prefix_len, container_prefix_len, continuation, fence_content
from ..parsed import Parsed
from ..source import View
from . import code, divs, registry
from .base import TokenSpec, Walk, WalkState
from .blocks import colon_runs


def fence_rule(walk: Walk, state: WalkState, index: int) -> None:
    state.widest = max(state.widest, fence(walk, state.parsed, index))


def fence(walk: Walk, parsed: Parsed, index: int) -> int:
    """A fenced block's edits; returns the width of the ``:`` fence it wrote or holds, else 0."""
    token = parsed.tokens[index]
    view = parsed.view
    directive = parsed.directives.get(index)
    body = parsed.bodies.get(index)
    if directive is None:
        if body is not None:
            # the div's fence, or a ":" run in code inside it: a fence around the div must be longer
            return max(walk.walk(body), _colons_in_code(body), len(token.markup))
        if view.depth > 0 and token.type == "fence":
            close_code_fence(walk, token, view)
        if token.type == "fence":
            code_fence_info(walk, token, view)
        return 0
    # (the colons in code count for a fence around this directive too, when it writes none itself)
    inner = max(walk.walk(body), _colons_in_code(body)) if body is not None else 0
    directive.fragments = walk.fragments(token)  # its title, caption, cells: from the document's parse
    rewrite = registry.directive(directive, walk.ctx)
    div = divs.directive_edits(
        directive, rewrite, view, body.view if body is not None else None, inner, walk.edits_within
    )
    for line, message, warning_code in div.warnings:
        walk.ctx.warn(line, message, warning_code)
    walk.extend(div.edits)
    if div.line_prefix is not None:
        walk.prefix_lines(div.line_prefix)
    return div.width


def code_fence_info(walk: Walk, token: Token, view: View) -> None:
    """```` ```python title="demo.py" ```` → ```` ```{.python filename="demo.py"} ````: Pandoc
    reads no other words after a language (the fence would become inline code)."""
    first = block_lines(token)[0]
    src = view.line(first)
    at = block_prefix_len(src) + len(token.markup)
    if src[at - len(token.markup) : at] != token.markup:
        return
    new = code.plain_fence_info(src[at:], walk.ctx, view.lineno(first))
    if new is not None:
        walk.add(view.abs(first, at), view.abs(first, len(src)), new, "code fence info")


def close_code_fence(walk: Walk, token: Token, view: View) -> None:
    """A code fence left open inside a directive ends with that directive's body (as in MyST);
    Pandoc would run it to the end of the file, so it gets its closing fence."""
    if fence_content(token, view)[1] is not None:
        return
    first, end = block_lines(token)
    marker = token.markup
    walk.ctx.warn(
        view.lineno(first),
        "code fence never closed inside a directive; closed where the directive ends",
        Code.FENCE_UNCLOSED,
    )
    indent = continuation(view.prefix(first, container_prefix_len(view.line(first))))
    tail = view.abs(end - 1, len(view.line(end - 1)))
    walk.add(tail, tail, ("\n" if view.line(end - 1) else "") + indent + marker, "fence closed")


def _colons_in_code(body: Parsed | None) -> int:
    """The longest ``:::`` run starting a line of code in ``body``: a div around it must be longer,
    or our own reading (colon fences know no code) would close the div inside the code."""
    if body is None:
        return 0
    runs = [
        n
        for index, token in enumerate(body.tokens)
        if token.type == "fence" and index not in body.bodies  # a directive whose body is code ({code-cell}) too
        for n in colon_runs(token.content)
    ]
    return max(runs, default=0)


TOKEN_SPECS = (TokenSpec("fence", ("fence", "colon_fence"), fence_rule),)
