"""Where MyST and Pandoc read the start of a block differently.

A paragraph that begins like one of Pandoc's ``fancy_lists``/``example_lists`` markers is
text for MyST (CommonMark knows only ``1.`` and ``1)``) but an ordered list for Pandoc, so
the marker is escaped:

MyST::

    z. B. ein Beispiel

Quarto::

    z\\. B. ein Beispiel

It also knows which blocks a ``(label)=`` anchor can start and which need a div around
them (the walker in ``convert.py`` places the id), and when Pandoc needs a blank line
before a div fence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it.token import Token

from ..adapter import block_lines
from ..directives import container_strip
from ..parsed import Parsed
from ..source import View

_ROMAN = r"M*(?:CM)?D?(?:CD)?C*(?:XC)?L?(?:XL)?X*(?:IX)?V?(?:IV)?I*"
#: what Pandoc reads as an ordered-list marker at the start of a block (``fancy_lists``,
#: ``startnum``, ``example_lists``): ``B.``, ``a)``, ``(iv)``, ``#.``, ``(@)``, ``(1)``, ``1234567890.``
_PANDOC_MARKER = re.compile(
    r"(?P<open>\()?"
    r"(?P<marker>\d+|#|@[\w-]*|[A-Za-z]|(?=[MDCLXVI])" + _ROMAN + r"|(?=[mdclxvi])" + _ROMAN.lower() + r")"
    r"(?P<delim>[.)])(?P<after>[ \t]*)(?P<rest>.?)",
)


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
    capital = re.fullmatch(r"[A-Z]", match.group("marker")) is not None
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
