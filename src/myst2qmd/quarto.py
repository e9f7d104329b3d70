"""Quarto text: code written into it (:func:`code_fence`, :func:`code_span`), and read with the
project's parser: where its code is, which MyST is left in it, and the same text with its code
blanked out (for the regular expressions of ``myst2qmd check`` and of the book's path
rewriting). The converter's constructs write through it; ``myst2qmd check`` reads through it,
never through them.

>>> blank_code("`{ref}` and {ref}`x`\\n")
'        and {ref}`x`\\n'
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt

from .adapter import InlineLocator, block_lines, table_cell_locators
from .directives import directive_name
from .parser import create_md_parser
from .source import View, comment_spans, line_starts

#: a MyST colon-fence directive, ``:::{note}``, left in text (pandoc's divs are ``::: {.note}``)
_COLON_DIRECTIVE = re.compile(r"^\s*:{3,}\s*(\{.*)$")


def longest_backtick_run(text: str) -> int:
    """The longest run of backticks in ``text`` (0 without one)."""
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def code_fence(code: str, info: str) -> str:
    """A fenced code block longer than any run of backticks inside it."""
    fence = "`" * max(3, longest_backtick_run(code) + 1)
    return f"{fence}{info}\n{code}\n{fence}"


def code_span(text: str) -> str:
    """Inline code longer than any run of backticks inside it."""
    ticks = "`" * (longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


@lru_cache(maxsize=1)
def quarto_parser() -> MarkdownIt:
    """The project's MyST parser, reading Quarto: ``:::`` lines are pandoc's divs, so the
    parser reads what stands between them as ordinary Markdown (no colon fences)."""
    return create_md_parser().disable("colon_fence")


@dataclass
class TokenReading:
    """What the parser's tokens say about a Quarto text."""

    #: absolute spans of fenced and indented code blocks
    code: list[tuple[int, int]] = field(default_factory=list)
    #: absolute spans of inline code
    inline_code: list[tuple[int, int]] = field(default_factory=list)
    #: 0-based lines that are code, front matter or raw HTML (never Markdown structure)
    verbatim_lines: set[int] = field(default_factory=set)
    #: (1-based line, message) for every piece of MyST left
    leftovers: list[tuple[int, str]] = field(default_factory=list)
    #: (1-based line, opening line, body) of every plain code fence
    fences: list[tuple[int, str, str]] = field(default_factory=list)
    #: (1-based line, text) of every heading, as written (``Die Faltung {#sec-x}``)
    headings: list[tuple[int, str]] = field(default_factory=list)
    #: the front matter's YAML, if the text starts with one
    front_matter: str | None = None


def read_tokens(text: str) -> TokenReading:
    """Code, MyST leftovers and code fences of ``text``, from the parser's tokens.

    >>> reading = read_tokens("See {ref}`a` and {eq}`b`.\\n\\n```{note}\\nx\\n```\\n")
    >>> reading.leftovers
    [(1, 'MyST role left: {ref}`a`'), (1, 'MyST role left: {eq}`b`'), (3, 'MyST directive left: ```{note}')]
    """
    view = View.root(text)
    reading = TokenReading()
    tokens = quarto_parser().parse(text)
    cells = {}
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            cells.update({id(inline): locator for inline, locator in table_cell_locators(tokens, index, view)})
    for index, token in enumerate(tokens):
        if token.map is None and token.type != "inline":
            continue
        if token.type in ("fence", "code_block", "front_matter", "html_block"):
            first, end = block_lines(token)
            reading.verbatim_lines.update(range(first, end))
            if token.type == "front_matter":
                reading.front_matter = token.content
            if token.type in ("html_block", "front_matter"):
                continue
            name = directive_name(token.info) if token.type == "fence" else None
            if name is not None:
                opening = view.line(first).strip()
                reading.leftovers.append((first + 1, f"MyST directive left: {opening}"))
                continue
            reading.code.append((view.abs(first), view.abs_line_end(end - 1)))
            if token.type == "fence":
                reading.fences.append((first + 1, view.line(first).strip(), token.content))
        elif token.type == "myst_target" and token.map is not None:
            reading.leftovers.append((token.map[0] + 1, f"MyST target left: ({token.content})="))
        elif token.type == "heading_open" and token.map is not None:
            reading.headings.append((token.map[0] + 1, tokens[index + 1].content))
        elif token.type == "inline" and token.map is not None:
            locator = cells.get(id(token)) or InlineLocator(token.content, view, token.map[0])
            for child in token.children or []:
                if child.type == "myst_role" and "span" in (child.meta or {}):
                    # where it is, from the inline content: found even when the locator is not
                    start, end = child.meta["span"]
                    line = token.map[0] + line_of(token.content, start)
                    reading.leftovers.append((line, f"MyST role left: {token.content[start:end]}"))
                span = locator.span(child) if child.type == "code_inline" else None
                if span is not None:
                    reading.inline_code.append(span)
            for n, line_text in enumerate(token.content.split("\n")):
                colon = _COLON_DIRECTIVE.match(line_text)
                if colon and directive_name(colon.group(1)) is not None:
                    reading.leftovers.append((token.map[0] + n + 1, f"MyST directive left: {line_text.strip()}"))
    reading.leftovers.sort(key=lambda item: item[0])
    return reading


def blank_code(text: str, inline: bool = True, reading: TokenReading | None = None) -> str:
    """``text`` with fenced code, Quarto cells, inline code and HTML comments blanked to spaces
    (every offset and line number stays where it was); where code is, the parser's tokens say.

    >>> blank_code("`{ref}` and {ref}`x`\\n```\\n{eq}`y`\\n```\\n")
    '        and {ref}`x`\\n   \\n       \\n   \\n'
    """
    chars = list(text)
    if reading is None:
        reading = read_tokens(text)
    for start, end in reading.code + (reading.inline_code if inline else []):
        for i in range(start, min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    for start, end in list(comment_spans("".join(chars))):  # comments outside the code only
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def line_of(text: str, offset: int) -> int:
    """The 1-based line of ``offset`` in ``text`` (by bisection: a file's many matches are not
    each counted from the start)."""
    return bisect_right(_line_starts(text), offset)


@lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    return line_starts(text)
