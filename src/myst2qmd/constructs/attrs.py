"""Block attributes (MyST's ``attrs_block``: ``{#id .cls key=value}`` on a line of its own),
written where Pandoc reads attributes.

MyST → Quarto::

    {#kopf}                 →   ## Überschrift {#kopf}
    ## Überschrift

    {#absatz .wichtig}      →   ::: {#absatz .wichtig}
    Ein Absatz.                 Ein Absatz.
                                :::

    {style=lower-alpha}     →   a. eins
    1. eins                     b. zwei
    2. zwei

    {lineno-start=10}       →   ```{.python .number-lines startFrom="10"}
    ```python

Stacked lines merge as MyST merges them (classes add up, a later value wins). Where Pandoc has
no place for them (nothing follows, a heading that has its own, lazy lines a div fence would
cut) the line is kept as it is, a paragraph of its own, and reported.
"""

from __future__ import annotations

from markdown_it.token import Token

from ..adapter import block_lines
from ..codes import Code, Count
from ..directives import container_prefix_len
from ..source import View
from . import divs, ids
from .base import TokenSpec, Walk, WalkState
from .blocks import holds_text, last_filled_line, lazy_lines, quote_prefix, replace_block

#: ``{style=…}`` of an ordered list → how Pandoc's fancy lists write the n-th marker
_STYLES = ("lower-alpha", "upper-alpha", "lower-roman", "upper-roman", "decimal")
#: code block attributes MyST reads (``code-and-apis``) → Quarto's
_CODE_KEYS = {"lineno-start": "startFrom", "emphasize-lines": "code-line-numbers"}


def merged(stack: list[Token]) -> dict[str, str]:
    """The attributes of a stack of attribute lines, merged as MyST does."""
    out: dict[str, str] = {}
    for token in stack:
        for key, value in token.attrs.items():
            if key == "class" and "class" in out:
                out["class"] = f"{out['class']} {value}"
            else:
                out[key] = str(value)
    return out


def block_label(tokens: list[Token], index: int) -> tuple[str, str] | None:
    """``(id, title)`` the stack of attribute lines ending at ``index`` gives the block after it (the
    label pass's: ``[](#id)`` shows the heading's title), or ``None``."""
    if tokens[index].type != "attrs_block" or (index + 1 < len(tokens) and tokens[index + 1].type == "attrs_block"):
        return None
    first = index
    while first > 0 and tokens[first - 1].type == "attrs_block":
        first -= 1
    ident = merged(tokens[first : index + 1]).get("id", "").strip()
    if not ident:
        return None
    heading = index + 2 < len(tokens) and tokens[index + 1].type == "heading_open"
    return ident, tokens[index + 2].content if heading else ""


def _pandoc(attrs: dict[str, str], number_lines: bool = False) -> str:
    """``{#id .a key="v"}`` of merged attributes (a code block's keys in Quarto's names)."""
    classes = attrs.get("class", "").split()
    pairs = {_CODE_KEYS.get(k, k) if number_lines else k: v for k, v in attrs.items() if k not in ("id", "class")}
    if number_lines and "startFrom" in pairs:
        classes.append("number-lines")
    return ids.attributes(attrs.get("id", ""), classes, pairs)


def roman(n: int) -> str:
    """``14`` → ``xiv``."""
    out = ""
    for value, digits in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l")):
        out, n = out + digits * (n // value), n % value
    for value, digits in ((40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        out, n = out + digits * (n // value), n % value
    return out


def marker(style: str, n: int) -> str | None:
    """The n-th item's marker in ``style`` (``lower-alpha``, 3 → ``c``); ``None``: Pandoc has none."""
    if style.endswith("alpha"):
        text = chr(ord("a") + n - 1) if 1 <= n <= 26 else None
    elif style.endswith("roman"):
        text = roman(n) if n >= 1 else None
    else:
        return str(n)
    return text.upper() if text and style.startswith("upper") else text


def attrs_rule(walk: Walk, state: WalkState, index: int) -> None:
    """An attribute line (the last of a stack writes them all) → the block after it takes them."""
    tokens, view = state.parsed.tokens, state.parsed.view
    if index + 1 < len(tokens) and tokens[index + 1].type == "attrs_block":
        return
    walk.ctx.count(Count.BLOCK_ATTRIBUTES)
    block = tokens[index + 1] if index + 1 < len(tokens) and tokens[index + 1].nesting >= 0 else None
    first = index
    while first > 0 and tokens[first - 1].type == "attrs_block":
        first -= 1
    stack = tokens[first : index + 1]
    attrs = merged(stack)
    if attrs.get("id"):
        attrs["id"] = ids.label_id(walk.ctx, attrs["id"], "anchor", "as-written")  # the label pass's id
    if block is not None and block.type == "heading_open" and _heading(walk, view, stack, block, attrs):
        return
    if block is not None and block.type == "fence" and not block.info.startswith("{"):
        state.deferred.append(lambda: _fence(walk, view, stack, block, attrs))
        return
    if block is not None and block.type == "ordered_list_open" and "style" in attrs:
        style = attrs.pop("style")
        if style in _STYLES and _list_markers(walk, state, index + 1, style):
            if not attrs:
                _remove(walk, view, stack)
                return
        else:
            attrs["style"] = style
    if block is None or block.map is None or lazy_lines(view, block, view.line(block_lines(stack[0])[0])):
        _keep(walk, view, stack, "nothing after them can take them")
        return
    state.deferred.append(lambda: _wrap(walk, view, stack, block, attrs))


def _remove(walk: Walk, view: View, stack: list[Token]) -> None:
    for token in stack:
        walk.extend(replace_block(token, view, ""))


def _keep(walk: Walk, view: View, stack: list[Token], why: str) -> None:
    """The lines stay as written, a paragraph of their own (never glued onto the block after them)."""
    last = block_lines(stack[-1])[0]
    walk.ctx.warn(view.lineno(block_lines(stack[0])[0]), f"block attributes kept as text: {why}", Code.UNCONVERTED)
    if last + 1 < view.nlines and holds_text(view.line(last + 1)):
        src = view.line(last)
        end = view.abs(last, len(src))
        walk.add(end, end, "\n" + quote_prefix(src[: container_prefix_len(src)]), "block attributes")


def _heading(walk: Walk, view: View, stack: list[Token], block: Token, attrs: dict[str, str]) -> bool:
    """``## Titel {#id .cls}``; ``False`` when the heading has attributes of its own."""
    inline_map, heading_map = block.map, block.map
    if inline_map is None or heading_map is None:
        return False
    atx = block.markup.startswith("#")
    line = heading_map[0] if atx else heading_map[1] - 2
    text = view.line(line).rstrip()
    if atx:
        text = text.rstrip("#").rstrip() if text.rstrip("#").endswith((" ", "\t")) else text
    if text.endswith("}"):
        _keep(walk, view, stack, "the heading has attributes of its own")
        return True
    end = view.abs(line, len(text))
    walk.add(end, end, " " + _pandoc(attrs), "block attributes")
    _remove(walk, view, stack)
    return True


def _fence(walk: Walk, view: View, stack: list[Token], block: Token, attrs: dict[str, str]) -> int:
    """A code block's opening fence takes them: ```` ```{.python .number-lines startFrom="10"} ````."""
    line = block_lines(block)[0]
    src = view.line(line)
    at = src.find(block.markup) + len(block.markup)
    info = src[at:].strip()
    if " " in info or walk.edits_within(view.abs(line, at), view.abs(line, len(src))):
        _keep(walk, view, stack, "the code block's info string says more than its language")
        return 0
    language = [f".{info}"] if info else []
    braced = _pandoc(attrs, number_lines=True)
    walk.add(view.abs(line, at), view.abs(line, len(src)), "{" + " ".join([*language, braced[1:-1]]) + "}", "attrs")
    _remove(walk, view, stack)
    return 0


def _list_markers(walk: Walk, state: WalkState, start: int, style: str) -> bool:
    """Every item of the ordered list at ``start`` numbered in ``style`` (``a.``, ``ii)``); ``False``
    (nothing changed) when an item has no marker Pandoc can write (past ``z``)."""
    tokens, view = state.parsed.tokens, state.parsed.view
    level = tokens[start].level + 1
    edits: list[tuple[int, int, str]] = []
    for token in tokens[start + 1 :]:
        if token.type == "ordered_list_close" and token.level == level - 1:
            break
        if token.type != "list_item_open" or token.level != level or token.map is None:
            continue
        new = marker(style, int(token.info or 1))
        src = view.line(token.map[0])
        at = container_prefix_len(src)
        if new is None or not src.startswith(token.info + token.markup, at):
            return False
        width = len(token.info) + len(token.markup)
        # Pandoc reads "B. Name" as text: one capital letter and a period need two spaces after them
        capital = len(new) == 1 and new.isupper() and token.markup == "."
        pad = " " if capital and src[at + width : at + width + 2] != "  " else ""
        edits.append((view.abs(token.map[0], at), view.abs(token.map[0], at + width), new + token.markup + pad))
    for begin, end, text in edits:
        walk.add(begin, end, text, "list style")
    return bool(edits)


def _wrap(walk: Walk, view: View, stack: list[Token], block: Token, attrs: dict[str, str]) -> int:
    """``::: {#id .cls}`` around the block, in place of the first line; the others go."""
    first, last = block_lines(block)[0], last_filled_line(view, block)
    start, end = view.abs(first, 0), view.abs(last, len(view.line(last)))
    _remove(walk, view, stack[1:])
    edits, width = divs.wrap_block(view, stack[0], block, "", walk.edits_within(start, end), _pandoc(attrs))
    walk.extend(edits)
    return width


TOKEN_SPECS = (TokenSpec("block attributes", ("attrs_block",), attrs_rule),)
