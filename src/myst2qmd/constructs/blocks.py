"""Where MyST and Pandoc read the start of a block differently.

A paragraph that begins like one of Pandoc's ``fancy_lists``/``example_lists`` markers is
text for MyST (CommonMark knows only ``1.`` and ``1)``) but an ordered list for Pandoc, so
the marker is escaped:

MyST::

    z. B. ein Beispiel

Quarto::

    z\\. B. ein Beispiel

It also knows which blocks a ``(label)=`` anchor can start and which need a div around
them (:mod:`.targets` places the id), when Pandoc needs a blank line before a div fence, and
how a whole block is replaced or removed (:func:`replace_block`, :func:`remove_lines`). Its token
rules: a paragraph's list marker escaped, a ``+++`` block break removed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it.token import Token

from ..adapter import InlineLocator, block_lines
from ..codes import Count
from ..directives import block_prefix_len, container_strip, continuation
from ..edits import Edit
from ..parsed import Parsed
from ..source import View
from .base import TokenSpec, Walk, WalkState

_ROMAN = r"M*(?:CM)?D?(?:CD)?C*(?:XC)?L?(?:XL)?X*(?:IX)?V?(?:IV)?I*"
#: what Pandoc reads as an ordered-list marker at the start of a block (``fancy_lists``,
#: ``startnum``, ``example_lists``): ``B.``, ``a)``, ``(iv)``, ``#.``, ``(@)``, ``(1)``, ``1234567890.``
_PANDOC_MARKER = re.compile(
    r"(?P<open>\()?"
    r"(?P<marker>\d+|#|@[\w-]*|[A-Za-z]|(?=[MDCLXVI])" + _ROMAN + r"|(?=[mdclxvi])" + _ROMAN.lower() + r")"
    r"(?P<delim>[.)])(?P<after>[ \t]*)(?P<rest>.?)",
)


_CAPITAL = re.compile(r"[A-Z]")


def list_marker_escape(line: str) -> int | None:
    """Where a backslash keeps Pandoc from reading ``line`` (a block's first line) as a list.

    ``B.`` and the other single capitals are a list only with two spaces (or a tab) after
    the period (``B. Russell`` is a name); every other marker needs one space or the end of
    the line. ``None``: Pandoc reads the line as text already.

    >>> [list_marker_escape(s) for s in ("a) erstens", "(a) x", "iv. viertens", "B. Name", "B.  Liste")]
    [1, 0, 2, None, 1]
    >>> list_marker_escape("z. B. so"), list_marker_escape("ab. x"), list_marker_escape("e.g. x")
    (1, None, None)
    """
    match = _PANDOC_MARKER.match(line)
    if match is None:
        return None
    opened = match.group("open") is not None
    if opened and match.group("delim") != ")":
        return None  # "(a." is text
    if match.group("rest") and not match.group("after"):
        return None  # "a)b": a marker needs a space (or the end of the line) after it
    capital = _CAPITAL.fullmatch(match.group("marker")) is not None
    after = match.group("after")
    wide = "\t" in after or len(after) >= 2
    if capital and not opened and match.group("delim") == "." and match.group("rest") and not wide:
        return None  # "B. Russell"
    return match.start("open") if opened else match.start("delim")


def escape_list_marker(line: str) -> str:
    """``line`` with the marker Pandoc would read as a list escaped.

    >>> escape_list_marker("a) erstens"), escape_list_marker("(a) x"), escape_list_marker("Text")
    ('a\\\\) erstens', '\\\\(a) x', 'Text')
    """
    at = list_marker_escape(line)
    return line if at is None else line[:at] + "\\" + line[at:]


#: blocks an anchor ``[]{#label}`` can start (Pandoc reads it as part of them)
ANCHORED_BLOCKS = frozenset({"paragraph_open", "math_block", "math_block_label", "amsmath"})
#: blocks a ``(label)=`` before them wraps in a div (or, for tables, captions)
WRAPPED_BLOCKS = frozenset(
    {
        "table_open",
        "bullet_list_open",
        "ordered_list_open",
        "blockquote_open",
        "dl_open",
        "fence",
        "colon_fence",
        "code_block",
        "html_block",
    }
)
_COLON_RUN = re.compile(r"(?m)^[ \t>]*(:{3,})")
_TARGET_LINE = re.compile(r"^\(.+\)=\s*$")


def colon_runs(text: str) -> list[int]:
    """The lengths of the ``:`` fences that start lines of ``text`` (inside any containers)."""
    return [len(run) for run in _COLON_RUN.findall(text)]


def quote_prefix(prefix: str) -> str:
    """What a blank line needs inside the containers of ``prefix``: ``"> "`` → ``">"``."""
    return prefix.rstrip() if ">" in prefix else ""


def last_filled_line(view: View, block: Token) -> int:
    """The last line of a block that holds more than container markers."""
    first, end = block_lines(block)
    last = min(end, view.nlines) - 1
    while last > first and not holds_text(view.line(last)):
        last -= 1
    return last


def after_target(view: View, line: int) -> bool:
    """Is the line before ``line`` a ``(label)=`` (whose anchor is already followed by a blank line)?"""
    return line > 0 and _TARGET_LINE.match(container_strip(view.line(line - 1)).strip()) is not None


def needs_blank_before(view: View, line: int) -> bool:
    """Does a div opened at ``line`` need a blank line first (the line before holds text)?"""
    return bool(view.line(line - 1).strip()) and not after_target(view, line)


def follows_text(view: View, line: int) -> bool:
    """Does ``line`` follow a line of text (container markers aside; a label's anchor brings its own blank line)?"""
    return holds_text(view.line(line - 1)) and not after_target(view, line)


def holds_text(line: str) -> bool:
    """Does ``line`` hold more than indentation and block-quote markers?"""
    return bool(container_strip(line).strip())


def lazy_lines(view: View, block: Token, target_line: str) -> bool:
    """Does ``block`` hold lazy continuation lines (text without the container prefix of the
    label's line ``target_line``), which a closing div fence would cut off from their paragraph?"""
    prefix = target_line[: len(target_line) - len(container_strip(target_line))]
    first = block_lines(block)[0]
    return any(
        holds_text(view.line(n)) and not view.line(n).startswith(prefix)
        for n in range(first, last_filled_line(view, block) + 1)
    )


@lru_cache(maxsize=32)
def atx_headings(text: str) -> tuple[tuple[int, int], ...]:
    """``(line, level)`` of every ``#`` heading in ``text`` as the parser reads it: not in code,
    and inside ``:::`` directives too (their bodies hold MyST; a backtick fence's may be code).

    >>> atx_headings("## A\\n```\\n# not\\n```\\n:::{note}\\n### B\\n:::\\nC\\n=")
    ((0, 2), (5, 3))
    """
    from ..parser import shared_parser

    found: list[tuple[int, int]] = []
    for token in shared_parser().parse(text):
        if token.map is None:
            continue
        if token.type == "heading_open" and token.markup.startswith("#"):
            found.append((token.map[0], int(token.tag[1:])))
        elif token.type == "colon_fence":
            found += [(token.map[0] + 1 + line, level) for line, level in atx_headings(token.content)]
    return tuple(found)


def heading_levels_of(parsed: Parsed) -> frozenset[int]:
    """The levels of the ``#`` headings in a parse, as :func:`atx_headings` finds them in its text: not
    in code, and in the bodies of ``:::`` fences too (their Markdown bodies, from the same parse).

    Found once per parse (``parsed.memo``): nested bodies are read once however many tabs ask.
    """
    found = parsed.memo.get("heading_levels")
    if found is None:
        levels: set[int] = set()
        for index, token in enumerate(parsed.tokens):
            if token.type == "heading_open" and token.markup.startswith("#"):
                levels.add(int(token.tag[1:]))
            elif token.type == "colon_fence" and index in parsed.bodies:
                levels |= heading_levels_of(parsed.bodies[index])
        found = parsed.memo["heading_levels"] = frozenset(levels)
    return found


def next_block(tokens: list[Token], start: int) -> int | None:
    """The index of the first block from ``start`` on that is no ``(label)=``, or ``None``."""
    for i in range(start, len(tokens)):
        if tokens[i].type in ("myst_target",):
            continue
        if tokens[i].map is not None or tokens[i].type.endswith("_open"):
            return i
    return None


def line_start(view: View, line: int) -> int:
    """Where ``line`` of ``view`` starts in the file, its container prefix included."""
    return view.abs(line, 0) - len(view.prefix(line))


def indent_lines(text: str, indent: str) -> str:
    """Indent every line after the first of ``text`` with ``indent``; blank lines inside a block
    quote keep its ``>`` so the quote goes on.

    >>> indent_lines("a\\n\\nb\\n", "> ")
    'a\\n>\\n> b\\n'
    """
    if not indent:
        return text
    lines = text.split("\n")
    out = lines[:1] + [(indent + line) if line else quote_prefix(indent) for line in lines[1:-1]]
    if len(lines) > 1:
        out.append((indent + lines[-1]) if lines[-1] else "")  # after a final newline the source goes on
    return "\n".join(out)


def blank_after(view: View, line: int, indent: str) -> str:
    """A blank line to write after ``line`` when text follows it directly."""
    return "\n" + quote_prefix(indent) if line + 1 < view.nlines and holds_text(view.line(line + 1)) else ""


def replace_block(token: Token, view: View, new: str | None) -> list[Edit]:
    """The edits replacing a whole block (its lines, keeping its indentation) with ``new``.

    ``None`` keeps the block; ``""`` removes its lines, newlines included.
    """
    if new is None:
        return []
    first, end = block_lines(token)
    end = min(end, view.nlines)
    if new == "":
        return remove_lines(view, first, end, token.type)
    # the indentation, a block quote's "> " or a list item's "- " before the block: every new
    # line needs it again (list markers as spaces; a directive body's own is outside the view)
    lead = block_prefix_len(view.line(first))
    start = view.abs(first, lead)
    stop = view.abs(end - 1, len(view.line(end - 1)))
    return [Edit(start, stop, indent_lines(new, continuation(view.prefix(first, lead))), token.type)]


def remove_lines(view: View, first: int, end: int, kind: str) -> list[Edit]:
    """The edit removing lines ``first…end-1``; after a blank line, the blank lines after them go too."""
    if first == 0 or view.line(first - 1).strip() == "":
        while end < view.nlines - 1 and view.line(end).strip() == "":
            end += 1
    # from the file's line start: the container prefix ("> ") goes with the line's newline
    return [Edit(line_start(view, first), view.abs_line_end(end - 1), "", kind)]


def paragraph_rule(walk: Walk, state: WalkState, index: int) -> None:
    """``a) erstens`` starts a paragraph in MyST but a list in Pandoc: ``a\\) erstens``."""
    tokens, view = state.parsed.tokens, state.parsed.view
    if index + 1 >= len(tokens) or tokens[index + 1].map is None:
        return
    inline = tokens[index + 1]
    assert inline.map is not None
    at = list_marker_escape(inline.content.split("\n", 1)[0])
    if at is None:
        return
    locator = InlineLocator(inline.content, view, inline.map[0])
    if not locator.ok:
        return
    walk.ctx.count(Count.LIST_MARKER_ESCAPED)
    walk.add(locator.abs(at), locator.abs(at), "\\", "list marker")


def block_break_rule(walk: Walk, state: WalkState, index: int) -> None:
    """``+++`` goes; between two lines of text it leaves a blank line (the blocks stay two)."""
    walk.ctx.count(Count.BLOCK_BREAK)
    token, view = state.parsed.tokens[index], state.parsed.view
    first, end = block_lines(token)
    if first > 0 and end < view.nlines and holds_text(view.line(first - 1)) and holds_text(view.line(end)):
        src = view.line(first)
        lead = len(src[: block_prefix_len(src)].rstrip())  # "> " in a quote: its ">" stays
        start = view.abs(first, lead)
        walk.add(start, view.abs(first, len(src)), "", token.type)
        return
    walk.extend(replace_block(token, view, ""))


TOKEN_SPECS = (
    TokenSpec("list marker escape", ("paragraph_open",), paragraph_rule),
    TokenSpec("block break", ("myst_block_break",), block_break_rule),
)
