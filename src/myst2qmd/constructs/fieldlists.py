"""Field lists (MyST-Parser's ``fieldlist`` extension) to Pandoc definition lists.

MyST → Quarto (quarto-web has no field lists; a definition list is what MyST-Parser's HTML
``<dl class="field-list">`` is)::

    :Autor: Max Muster          →   Autor
    :param x: erstens               :   Max Muster
      zweitens
                                    param x
      - ein Punkt               →   :   erstens
                                      zweitens

                                      - ein Punkt

The names and bodies stay where they were (the walk converts them as any text: they are prose),
only the markers change: a name's ``:…:`` becomes its own line, its body follows a ``:``
definition marker. The marker is written so the body's blocks stand where Pandoc looks for them
(the column after the marker); a body indented further than Pandoc allows, or less, is moved.

Field lists are read only when the project enables ``fieldlist`` (``Options.fieldlist``); mystmd
has no field lists (Jupyter Book 2 shows the lines as text): the spec's ``jb2`` says so, and the
parse leaves them as text there.
"""

from __future__ import annotations

from markdown_it.token import Token

from ..codes import Code, Count
from ..directives import block_prefix_len, continuation
from ..edits import Edit
from ..source import View
from .base import LinePrefix, TokenSpec, Walk, WalkState, jb2
from .blocks import holds_text, quote_prefix

#: the columns after Pandoc's definition marker ``:`` its body may start at (further on: code)
_FILLED = range(2, 6)


#: tokens whose lines are code: moved to another column, their bytes would change
_CODE = frozenset({"fence", "code_block"})


def _items(tokens: list[Token], index: int) -> list[tuple[Token, Token, bool]]:
    """``(name inline, body open, whether the body holds code)`` of each field of the list opening at
    ``tokens[index]``."""
    level, items = tokens[index].level, []
    for i in range(index + 1, len(tokens)):
        token = tokens[i]
        if token.level == level and token.type == "field_list_close":
            break
        if token.level == level + 1 and token.type == "fieldlist_name_open":
            items.append((tokens[i + 1], tokens[i + 3], False))
        elif token.type in _CODE and items:
            items[-1] = (*items[-1][:2], True)
    return items


def fieldlist_rule(walk: Walk, state: WalkState, index: int) -> None:
    """A field list → a definition list, once the names and bodies inside it are converted."""
    view = state.parsed.view
    items = _items(state.parsed.tokens, index)
    if all(name.map and body.map for name, body, _ in items):
        walk.ctx.count(Count.FIELD_LIST)
        state.deferred.append(lambda: _definition_list(walk, view, items))


def _definition_list(walk: Walk, view: View, items: list[tuple[Token, Token, bool]]) -> int:
    for name, body, code in items:
        assert name.map is not None and body.map is not None
        _field(walk, view, (name.map[0], body.map[1]), len(name.content), code)
    end = items[-1][1].map[1] if items[-1][1].map else 0
    if 0 < end < view.nlines and holds_text(view.line(end)) and holds_text(view.line(end - 1)):
        _blank_line_after(walk, view, end - 1)  # a paragraph right under it would be its body's text
    return 0


def _blank_line_after(walk: Walk, view: View, line: int) -> None:
    prefix = quote_prefix(view.prefix(line, block_prefix_len(view.line(line))))
    walk.add(view.abs(line, len(view.line(line))), view.abs(line, len(view.line(line))), "\n" + prefix, "field")


def _field(walk: Walk, view: View, lines: tuple[int, int], name_len: int, code: bool) -> None:
    """The edits of one field: its name on the first of its ``lines`` (``name_len`` characters), its body
    up to the last (``code``: holding code, whose lines never move)."""
    line, end = lines
    src = view.line(line)
    col = block_prefix_len(src)
    close = col + 1 + name_len
    if src[col : col + 1] != ":" or src[close : close + 1] != ":":
        walk.ctx.warn(view.lineno(line), "field list: name not found in its line; kept as text", Code.UNCONVERTED)
        return
    inside = continuation(src[:col])  # a body line's containers, in the view
    body = [(n, _indent(view.line(n), inside)) for n in range(line + 1, end) if holds_text(view.line(n))]
    after = len(src) - len(src[close + 1 :].lstrip(" \t"))  # the body's text on the name's line
    start, at, pad = view.abs(line, close), view.abs(line, after), 0
    indents = [indent for _, indent in body if indent is not None]
    if after < len(src):  # the body starts on the name's line (MyST reads it at the body's column)
        indents.append(after - col)
    elif body and body[0][1] is not None:  # … or on a line of its own: that line moves up to the marker
        first, indent = body[0][0], body[0][1] or 0
        body = body[1:]
        at, pad = view.abs(first, len(inside) + indent), indent - min(indents)
        if any(e.start < at and e.end > start for e in walk.edits_within(start, at)):
            walk.ctx.warn(
                view.lineno(first),
                "field list: another construct rewrote the lines between a name and its body; the body stays below it",
                Code.QUARTO_DIFFERS,
            )
            at, pad = view.abs(line, after), -1
    else:
        pad = -1  # no body (or lazy lines only): an empty definition
    offset = min(indents, default=4)
    column = offset if offset in _FILLED else min(max(offset, 2), 5) if code else 4
    outer = continuation(view.prefix(line, col))
    if line > 0 and holds_text(view.line(line - 1)):
        _blank_line_after(walk, view, line - 1)  # Pandoc reads a term only after a blank line
    walk.add(view.abs(line, col), view.abs(line, col + 1), "", "field")
    walk.add(start, at, "\n" + outer + (":" if pad < 0 else ":" + " " * (column - 1 + pad)), "field")
    if column != offset and body and code:
        walk.ctx.warn(
            view.lineno(line),
            f"field list: its body holds code, {offset} column(s) right of its name's ':' where Pandoc reads no "
            "definition there; kept where it is (the definition may end before it)",
            Code.QUARTO_DIFFERS,
        )
    elif column != offset and body:
        _move_body(walk, view, (body[0][0], end), (inside, outer), column - offset)


def _indent(text: str, inside: str) -> int | None:
    """The spaces a body line stands right of its field's ``:`` (``None``: a line lazily continuing a paragraph,
    not indented, as the field list plugin reads it).

    >>> _indent("  zwei", ""), _indent("zwei", ""), _indent("> zwei", "> "), _indent("zwei", "> ")
    (2, None, None, None)
    """
    if not text.startswith(inside):
        return None
    own = text[len(inside) :]
    return (len(own) - len(own.lstrip(" "))) or None


def _move_body(walk: Walk, view: View, lines: tuple[int, int], prefixes: tuple[str, str], shift: int) -> None:
    """The body's lines ``lines`` moved ``shift`` columns (right: > 0; ``prefixes``: a line's containers in
    the view and in the file); lines other edits rewrote move with them (right), or stay and are reported
    (left)."""
    inside, outer = prefixes
    start, stop = view.abs(lines[0], 0), view.abs_line_end(lines[1] - 1)
    inner = [e for e in walk.edits_within(start, stop) if e.start < e.end or "\n" in e.new]
    around: list[tuple[Edit, bool]] = []
    stayed = 0
    for n in range(*lines):
        text = view.line(n)
        indent = _indent(text, inside)
        if not holds_text(text) or indent is None or indent < -shift:
            continue
        at = view.abs(n, len(inside))
        covering = next((e for e in inner if e.start < at < e.end or (shift < 0 and e.start == at)), None)
        if covering is None:
            walk.add(at, at - min(0, shift), " " * max(0, shift), "field body")
        elif shift > 0 and all(e is not covering for e, _ in around):
            around.append((covering, True))
        elif shift < 0:
            stayed += 1
    grown = [(e, False) for e in inner if "\n" in e.new and all(e is not c for c, _ in around)]
    if shift > 0 and (around or grown):
        walk.prefix_lines(LinePrefix(" " * shift, outer, (*around, *grown)))
    if stayed or (shift < 0 and grown):
        walk.ctx.warn(
            view.lineno(lines[0]),
            "field list: body lines another construct rewrote keep their indentation; the definition may end there",
            Code.QUARTO_DIFFERS,
        )


TOKEN_SPECS = (
    TokenSpec(
        "field list",
        ("field_list_open",),
        fieldlist_rule,
        extension="fieldlist",
        # mystmd has no field lists: the lines stay text, as Jupyter Book 2 shows them
        jb2=jb2(parsed=False),
    ),
)
