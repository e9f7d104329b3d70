"""The directive node: a MyST directive read out of a fence token.

```` ```{figure} img.png ```` / ``:::{figure} img.png`` followed by ``:key: value`` option
lines or a ``---`` YAML block, then the body. Names are case-insensitive (docutils
lower-cases them), so ``{Note}`` is ``note``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it.token import Token

from .adapter import block_lines
from .cells import CELL_LANGUAGES
from .source import View
from .yamlload import load_yaml

DIRECTIVE_INFO = re.compile(r"^\{([A-Za-z0-9][A-Za-z0-9_\-+:.]*)\}\s*(.*)$")
_OPTION_LINE = re.compile(r"^:([A-Za-z0-9_\-]+):(?:\s+(.*?))?\s*$")
#: what separates the names of a ``:class:`` option
_CLASS_SEPARATORS = re.compile(r"[\s,]+")


def is_class_name(name: str) -> bool:
    """A name Pandoc reads in ``{.name}`` (and ``{#name}``): a letter, then letters, digits, ``-_:.``.

    >>> is_class_name("callout-note"), is_class_name("Übung_1"), is_class_name("[a"), is_class_name("2col")
    (True, True, False, False)
    """
    return bool(name) and name[0].isalpha() and all(c.isalnum() or c in "-_:." for c in name)


def directive_name(info: str) -> str | None:
    """The directive name in a fence info string, or ``None`` for code and Pandoc attributes.

    >>> directive_name("{Note}"), directive_name("{figure-md} fig-x"), directive_name("python")
    ('note', 'figure-md', None)
    >>> directive_name("{.callout-note}"), directive_name("{python}")
    (None, None)
    """
    match = DIRECTIVE_INFO.match(info.strip())
    if not match:
        return None
    name = match.group(1).lower()
    if name in CELL_LANGUAGES:  # a Quarto executable cell
        return None
    return name


#: Jupyter Book's layout classes (sphinx-book-theme) → Quarto's page columns
#: (https://quarto.org/docs/authoring/article-layout.html), on any directive's ``:class:``
LAYOUT_CLASSES = {"margin": "column-margin", "full-width": "column-page"}


@dataclass
class Directive:
    """A directive as written: where its parts are in the view, and what they say."""

    name: str
    argument: str
    options: dict[str, Any]
    token: Token
    view: View
    open_line: int
    body_first: int
    #: the body's lines (of its own view once the converter has it: see :class:`ViewLines`)
    body_lines: Sequence[str]
    close_line: int | None
    indent: str
    marker: str
    option_errors: list[str] = field(default_factory=list)
    raw_options: list[str] = field(default_factory=list)
    #: class names Pandoc cannot read, left out of the output (and reported)
    invalid_classes: list[str] = field(default_factory=list)
    #: the parse (a :class:`.parsed.Parsed`) of the view the directive stands in, and of its body when
    #: that is Markdown: set by the converter, so constructs read the document's one parse (``None``: not known)
    outer: Any = field(default=None, repr=False, compare=False)
    inner: Any = field(default=None, repr=False, compare=False)
    #: its texts that are MyST of their own (title, caption, cells), from the document's parse, and their
    #: conversion (a :class:`.parsed.Fragments`, given by the walk that converts the directive)
    fragments: Any = field(default=None, repr=False, compare=False)

    @property
    def lineno(self) -> int:
        """1-based line of the opening fence in the original file."""
        return self.view.lineno(self.open_line)

    @property
    def body(self) -> str:
        return "\n".join(self.body_lines)

    @property
    def is_colon(self) -> bool:
        return self.marker.startswith(":")

    def option(self, key: str, default: str = "") -> str:
        value = self.options.get(key, default)
        return "" if value is None else str(value)

    def flag(self, key: str) -> bool:
        return key in self.options

    def classes(self) -> list[str]:
        """``:class: a b`` → ``["a", "b"]``; names Pandoc cannot read go to :attr:`invalid_classes`."""
        raw = self.options.get("class", "")
        names = [str(c) for c in raw] if isinstance(raw, list) else _CLASS_SEPARATORS.split(str(raw or ""))
        return self.valid_classes(names)

    def valid_classes(self, names: list[str]) -> list[str]:
        """The names Pandoc reads as classes; the others are remembered in :attr:`invalid_classes`.

        ``:class: [a, b`` gives ``[a`` and ``b``: ``{.[a .b}`` is no div for Pandoc, ``{.b}`` is. Jupyter
        Book's layout classes become Quarto's (:data:`LAYOUT_CLASSES`: ``margin`` → ``column-margin``).
        """
        valid = []
        for name in names:
            if is_class_name(name):
                valid.append(LAYOUT_CLASSES.get(name, name))
            elif name and name not in self.invalid_classes:
                self.invalid_classes.append(name)
        return valid

    @property
    def excess(self) -> int:
        """Columns the fence stands right of its container's content column (where a ``:::`` belongs).

        `` ```{note}`` indented by one space at the top of a chapter: 1.
        """
        return int((self.token.meta or {}).get("excess", 0))


_YAML_FENCE = re.compile(r"^-{3,}\s*$")


def _empty_options_block(lines: list[str]) -> int:
    """Lines an empty option block takes at the head of a directive's content (0: none).

    MyST reads ``---``, nothing or blank lines, ``---`` (also after blank lines, and a lone
    ``---`` at the end) as options, none; left in the body, Pandoc would read the ``---``
    lines as a YAML metadata block and fail on the whole chapter.

    >>> _empty_options_block(["", "---", "", "---", "Data overview."]), _empty_options_block(["---", "x: 1", "---"])
    (4, 0)
    """
    at = 0
    while at < len(lines) and not lines[at].strip():
        at += 1
    if at == len(lines) or not _YAML_FENCE.match(lines[at]):
        return 0
    end = at + 1
    while end < len(lines) and not lines[end].strip():
        end += 1
    if end == len(lines):
        return end  # "---" and nothing after it
    return end + 1 if _YAML_FENCE.match(lines[end]) else 0


def _parse_options(lines: list[str]) -> tuple[dict[str, Any], int, list[str]]:
    """Options at the head of a directive's content: ``(options, lines used, errors)``."""
    errors: list[str] = []
    empty = _empty_options_block(lines)
    if empty:
        return {}, empty, errors
    filled = next((n for n, line in enumerate(lines) if line.strip()), 0)
    if filled and _YAML_FENCE.match(lines[filled]):
        # MyST-Parser and mystmd look for an option block on the content's first line only
        errors.append(f"the '---' on line {filled + 1} of its content follows a blank line: no option block (MyST)")
        return {}, 0, errors
    if lines and _YAML_FENCE.match(lines[0]):
        for end in range(1, len(lines)):
            if _YAML_FENCE.match(lines[end]):
                block = "\n".join(lines[1:end])
                try:
                    data = load_yaml(block) if block.strip() else {}
                except yaml.YAMLError as exc:
                    mark = getattr(exc, "problem_mark", None)
                    where = f" (option line {mark.line + 1})" if mark is not None else ""
                    errors.append(f"options are not valid YAML{where}")
                    return {}, end + 1, errors
                if not isinstance(data, dict):
                    errors.append("options YAML is not a mapping")
                    return {}, end + 1, errors
                return {str(k).lower(): v for k, v in data.items()}, end + 1, errors
        errors.append("options block opened with '---' is never closed")
        return {}, 0, errors
    options: dict[str, Any] = {}
    used = 0
    for line in lines:
        match = _OPTION_LINE.match(line)
        if not match:
            break
        options[match.group(1).lower()] = (match.group(2) or "").strip()
        used += 1
    return options, used, errors


def container_strip(line: str) -> str:
    """A line without its indentation and block-quote markers: ``"  > ```"`` → ``"```"``."""
    return line.lstrip(" \t>")


def container_prefix_len(line: str) -> int:
    """How many leading characters of ``line`` are indentation or block-quote markers."""
    return len(line) - len(container_strip(line))


_LIST_MARKER = re.compile(r"(?:[-*+:~]|\d{1,9}[.)])(?=[ \t]|$)")
_BLOCK_PREFIX = re.compile(r"^(?:[ \t]*(?:>|(?:[-*+:~]|\d{1,9}[.)])(?=[ \t]|$)))*[ \t]*")


def block_prefix_len(line: str) -> int:
    """How many leading characters of a block's first line are containers: indentation, ``>``, list markers.

    >>> block_prefix_len("- $$"), block_prefix_len(" > 1. <img>")
    (2, 6)
    """
    match = _BLOCK_PREFIX.match(line)
    return match.end() if match else 0


def continuation(prefix: str) -> str:
    """What a new line needs to stay in the containers ``prefix`` opens: list markers as spaces.

    >>> continuation("- "), continuation("> 1. "), continuation("   ")
    ('  ', '>    ', '   ')
    """
    return _LIST_MARKER.sub(lambda m: " " * len(m.group()), prefix)


def _content_count(token: Token, last_line: str) -> tuple[int, bool]:
    """How many content lines a fence has, and whether ``last_line`` (its last line) closes it."""
    first, end = block_lines(token)
    marker = token.markup
    last = end - 1
    closing = container_strip(last_line)
    closes = last > first and closing.startswith(marker[0] * len(marker)) and closing.strip(marker[0]).strip() == ""
    return (last - first - 1) if closes else (end - first - 1), closes


def fence_content(token: Token, view: View) -> tuple[list[str], int | None]:
    """A fence's content lines (one per source line) and its closing line (``None``: never closed)."""
    lines = token.content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    last = block_lines(token)[1] - 1
    count, closes = _content_count(token, view.line(last))
    lines = lines[:count] if count >= 0 else []
    # markdown-it may drop trailing blank lines of an unclosed fence
    lines += [""] * (count - len(lines))
    return lines, (last if closes else None)


def _content_head(content: str, count: int) -> list[str]:
    """The first of a fence's ``count`` content lines, as many as :func:`_parse_options` reads
    (options, a ``---`` block, and the line after them), without splitting the whole body.

    >>> _content_head(":class: tip\\nBody\\nmore\\n", 3), _content_head("Body\\n:a: b\\n", 2)
    ([':class: tip', 'Body'], ['Body'])
    """
    lines: list[str] = []
    pos, fences = 0, 0
    while len(lines) < count:
        end = content.find("\n", pos)
        line = content[pos : end if end >= 0 else len(content)] if pos <= len(content) else ""
        pos = end + 1 if end >= 0 else len(content) + 1
        lines.append(line)
        if _OPTION_LINE.match(lines[0]):
            if not _OPTION_LINE.match(line):
                break
        elif _YAML_FENCE.match(line):
            fences += 1
        elif fences >= 2 or (fences == 0 and line.strip()):
            break
    return lines


def markdown_body(token: Token, last_line: str, parses_body: Callable[[str], bool]) -> tuple[int, int] | None:
    """For the parser (:func:`parser.create_md_parser`): ``(head lines, content lines)`` of a fence whose
    body is Markdown (a directive ``parses_body`` names, or a ``:::`` div), else ``None``;
    ``token.meta["options_used"]`` gets the number of option lines before the body."""
    name = directive_name(token.info)
    if name is None and token.type != "colon_fence":
        return None
    if name is not None and not parses_body(name):
        return None
    count, _ = _content_count(token, last_line)
    count = max(0, count)
    if name is None:
        token.meta["options_used"] = 0
        return 0, count
    head = _content_head(token.content, count)
    token.meta["options_used"] = _parse_options(head)[1]
    return len(head), count


class ViewLines(Sequence[str]):
    """The lines of a view, read when asked for (a body's lines are never copied out of the file)."""

    def __init__(self, view: View, length: int):
        self.view = view
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.view.line(i) for i in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.view.line(index)

    def __iter__(self) -> Any:
        return (self.view.line(i) for i in range(len(self)))


def read_directive(token: Token, view: View) -> Directive | None:
    """Read the directive in a ``fence`` or ``colon_fence`` token, or ``None`` if it is code."""
    name = directive_name(token.info)
    if name is None:
        return None
    match = DIRECTIVE_INFO.match(token.info.strip())
    assert match is not None
    argument = match.group(2).strip()
    first, end = block_lines(token)
    open_src = view.line(first)
    # what stands before the fence: indentation, or a block quote's "> " (kept on every new line)
    marker_col = open_src.find(token.markup)
    indent = open_src[:marker_col] if marker_col >= 0 else open_src[: len(open_src) - len(open_src.lstrip(" \t"))]
    marker = token.markup
    content_lines, close_line = fence_content(token, view)
    body_lines: Sequence[str]
    if (token.meta or {}).get("body") and not token.meta["body"].unmapped:
        # the parse kept the option lines only: the body's lines come from its view (see ``ViewLines``)
        # each kept line ends with a newline, but the last line of a file or of a body need not
        head = token.content.removesuffix("\n").split("\n") if token.content else []
        options, used, errors = _parse_options(head)
        raw, body_lines = head[:used], ()
    else:
        options, used, errors = _parse_options(content_lines)
        raw = content_lines[:used]
        body_lines = content_lines[used:]
    return Directive(
        name=name,
        argument=argument,
        options=options,
        token=token,
        view=view,
        open_line=first,
        body_first=first + 1 + used,
        body_lines=body_lines,
        close_line=close_line,
        indent=indent,
        marker=marker,
        option_errors=errors,
        raw_options=raw,
    )


def fence_directive(token: Token) -> Directive | None:
    """The directive in a fence token as the parse sees it, from the token alone (for the parse to find
    the fragments in it, see :data:`.nesting.FragmentsOf`): its name, argument and options, and its
    body's lines when the parse did not tokenize the body; no place in a view."""
    name = directive_name(token.info)
    if name is None:
        return None
    match = DIRECTIVE_INFO.match(token.info.strip())
    assert match is not None
    lines = token.content.split("\n")
    if lines[-1] == "":
        lines.pop()
    options, used, errors = _parse_options(lines)
    parsed_body = bool((token.meta or {}).get("body")) and not token.meta["body"].unmapped
    return Directive(
        name=name,
        argument=match.group(2).strip(),
        options=options,
        token=token,
        view=View.root(""),
        open_line=0,
        body_first=1 + used,
        body_lines=() if parsed_body else lines[used:],
        close_line=None,
        indent="",
        marker=token.markup,
        option_errors=errors,
        raw_options=lines[:used],
    )
