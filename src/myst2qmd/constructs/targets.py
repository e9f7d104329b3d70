"""``(label)=``: the id goes where Pandoc reads it on the block after the label.

MyST → Quarto::

    (kap)=                  →  # Kapitel {#sec-kap}
    # Kapitel

    (werte)=                →  ::: {#werte}
    - eins                     - eins
                               :::

A heading takes a section label (:func:`heading_rule`), a paragraph starts with an anchor
(``[]{#label}``), a table gets the caption ``: {#label}``, a list, quote, code block, definition
list or HTML block a div around it (:func:`.divs.wrap_block`, once the view is walked).
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from ..adapter import block_lines
from ..codes import Code, Count
from ..directives import container_prefix_len, fence_content
from ..parsed import Parsed
from ..source import View
from . import divs, ids, registry
from .base import TokenSpec, Walk, WalkState
from .blocks import (
    ANCHORED_BLOCKS,
    WRAPPED_BLOCKS,
    blank_after,
    last_filled_line,
    lazy_lines,
    next_block,
    quote_prefix,
    replace_block,
)

#: a heading's attributes at the end of its line (``{.unnumbered}``), and an id among them
_HEADING_ATTRS = re.compile(r"\s\{([^{}]*)\}$")
_HAS_ID = re.compile(r"(^|\s)#")


def target_rule(walk: Walk, state: WalkState, index: int) -> None:
    """``(label)=``: a section label waits for the heading right after it; any other label's id is
    placed on the block after it, or becomes an anchor of its own before a block that cannot take it
    (a directive, a rule, another label, lazy lines a div fence would cut, a code fence never closed).
    """
    parsed = state.parsed
    tokens, view, ctx = parsed.tokens, parsed.view, walk.ctx
    token = tokens[index]
    ctx.count(Count.TARGET)
    label = ctx.labels.get(token.content.strip())
    state.section_label = None
    if label is not None and label.kind == "sec":
        walk.extend(replace_block(token, view, ""))
        state.section_label = (index, label)
        return
    anchor = ids.label_id(ctx, token.content.strip(), "anchor")
    nxt = next_block(tokens, index + 1)
    block = tokens[nxt] if nxt is not None else None
    if block is None or block.type in ANCHORED_BLOCKS:
        walk.extend(replace_block(token, view, ids.anchor(anchor)))
    elif tokens[index + 1].type == "myst_target" or nxt in parsed.directives or _no_wrap(parsed, token, block):
        walk.extend(replace_block(token, view, ids.anchor(anchor)))
        line = block_lines(token)[0]
        src = view.line(line)
        end = view.abs(line, len(src))
        walk.add(end, end, "\n" + quote_prefix(src[: container_prefix_len(src)]), "target")
    elif block.type == "table_open":
        walk.extend(replace_block(token, view, ""))
        last = last_filled_line(view, block)
        indent = view.line(last)[: container_prefix_len(view.line(last))]
        end = view.abs(last, len(view.line(last)))
        after = blank_after(view, last, indent)
        walk.add(end, end, f"\n{quote_prefix(indent)}\n{indent}: {ids.braced(anchor)}{after}", "target")
    else:
        state.deferred.append(lambda: _wrap(walk, view, token, block, anchor))


def takes_caption(parsed: Parsed, index: int) -> bool:
    """Does the label at ``index`` become the id of the pipe table after it (``: {#tbl-x}``, a
    numbered table: the label pass gives it the kind ``tbl``)?"""
    tokens = parsed.tokens
    nxt = next_block(tokens, index + 1)
    if nxt is None or tokens[nxt].type != "table_open":
        return False
    return not (
        tokens[index + 1].type == "myst_target"
        or nxt in parsed.directives
        or _no_wrap(parsed, tokens[index], tokens[nxt])
    )


def _no_wrap(parsed: Parsed, token: Token, block: Token) -> bool:
    """A block a label's id cannot go on: it keeps an anchor of its own before it."""
    view = parsed.view
    return (
        block.type not in WRAPPED_BLOCKS
        or (block.type == "fence" and fence_content(block, view)[1] is None)  # a div would end inside the code
        or lazy_lines(view, block, view.line(block_lines(token)[0]))  # a div fence would cut a paragraph
        or (block.type == "table_open" and registry.captions_table(parsed.owner))  # {table} writes the caption
        or (block.type == "table_open" and not _pipes_on_every_line(view, block))  # a caption would glue on
    )


def _wrap(walk: Walk, view: View, target: Token, block: Token, anchor: str) -> int:
    first, last = block_lines(block)[0], last_filled_line(view, block)
    start, end = view.abs(first, 0), view.abs(last, len(view.line(last)))
    edits, width = divs.wrap_block(view, target, block, anchor, walk.edits_within(start, end))
    walk.extend(edits)
    return width


def heading_rule(walk: Walk, state: WalkState, index: int) -> None:
    """``(label)=`` right before a heading → ``## Heading {#sec-label}``.

    An attribute block the heading already has gains the id: ``{.unnumbered}`` →
    ``{#sec-label .unnumbered}``; one that already has an id is left alone (and reported).
    """
    tokens, view = state.parsed.tokens, state.parsed.view
    if state.section_label is None or state.section_label[0] != state.previous:
        return  # no label, or a block between it and the heading
    label = state.section_label[1]
    inline = tokens[index + 1]
    heading_map = tokens[index].map
    if inline.map is None or heading_map is None:
        return
    atx = tokens[index].markup.startswith("#")
    last = inline.map[0] if atx else heading_map[1] - 2
    text = view.line(last).rstrip()
    attrs = _HEADING_ATTRS.search(text)
    if attrs is not None:
        if _HAS_ID.search(attrs.group(1)):
            walk.ctx.warn(
                view.lineno(last), f"heading already has an id; label '{label.name}' not added", Code.LABEL_IGNORED
            )
            return
        at = view.abs(last, attrs.start(1))
        walk.add(at, at, ids.attribute(label.quarto_id) + " ", "section label")
        return
    # ATX: after a closing sequence of #s too, as Pandoc wants it: "## Title ## {#sec-x}"
    walk.add(view.abs(last, len(text)), view.abs(last, len(text)), " " + ids.braced(label.quarto_id), "section label")


def _pipes_on_every_line(view: View, table: Token) -> bool:
    """Every line of a pipe table holds a ``|``: a line without one ends the table for Pandoc
    (MyST reads it as a row), so a caption after it would not be the table's."""
    first, end = block_lines(table)
    return all("|" in view.line(n) for n in range(first, min(end, view.nlines)) if view.line(n).strip(" \t>"))


TOKEN_SPECS = (
    TokenSpec("target", ("myst_target",), target_rule),
    TokenSpec("section label", ("heading_open",), heading_rule),
)
