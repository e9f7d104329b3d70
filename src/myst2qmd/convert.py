"""The walker: MyST token stream in, edits out.

``convert_text`` parses the document once (directive bodies are tokenized by that same parse, each
read as a document of its own, with its place in the file remembered), collects every label, then asks the
construct modules for edits and applies them. Text that no construct claims is never
touched.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import labels as labelmod
from .adapter import InlineLocator, block_lines, link_destination, table_cell_locators
from .codes import Code
from .constructs import registry
from .constructs.base import FENCE, Role, link_target
from .constructs.blocks import (
    ANCHORED_BLOCKS,
    WRAPPED_BLOCKS,
    colon_runs,
    follows_text,
    holds_text,
    last_filled_line,
    lazy_lines,
    list_marker_escape,
    needs_blank_before,
    quote_prefix,
)
from .constructs.frontmatter import frontmatter_edits, read_kernel, read_substitutions
from .constructs.links import rewrite_link
from .constructs.math import label_from_amsmath
from .context import Context, Label, Options, Warning_
from .directives import (
    Directive,
    ViewLines,
    block_prefix_len,
    container_prefix_len,
    continuation,
    directive_name,
    fence_content,
    markdown_body,
    read_directive,
)
from .edits import Edit, Normalized, apply_edits, check_untouched
from .linemap import source_lines
from .parser import Body, block_parser, block_parser_for, create_md_parser, parse_inline
from .source import View, line_starts

MAX_DEPTH = 1000
_BARE_URL = re.compile(r"(?<![<(\[\"'=/\w])(?:https?://|www\.)[^\s<>()\[\]`]*[^\s<>()\[\]`.,;:!?'\"]")
_SUBSTITUTION = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")


@dataclass
class Result:
    """The converted text and what the converter has to say about the input."""

    text: str
    warnings: list[Warning_] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    #: ``source_lines[n - 1]``: the input's line that line ``n`` of :attr:`text` came from
    source_lines: list[int] = field(default_factory=list)


@lru_cache(maxsize=2)
def document_parser(inline: bool = True) -> MarkdownIt:
    """The parser of documents: :func:`parser.create_md_parser` tokenizing Markdown directive bodies in
    the same parse (``inline=False``: block tokens only, see :func:`parser.block_parser`)."""
    md = create_md_parser(
        lambda token, last_line: markdown_body(token, last_line, registry.parses_body), max_depth=MAX_DEPTH
    )
    if not inline:
        md.core.ruler.disable("inline")
    return md


@dataclass
class Parsed:
    """A view, its tokens, and the directives (with parsed bodies) found in them."""

    view: View
    tokens: list[Token]
    directives: dict[int, Directive] = field(default_factory=dict)
    bodies: dict[int, Parsed] = field(default_factory=dict)
    #: the directive whose body this is ("" for the document, a Pandoc div)
    owner: str = ""
    #: the parse's environment when inline tokens are parsed one at a time (see :meth:`Converter.children`)
    env: dict[str, Any] | None = None
    #: what the parse had to say (bodies it could not map or nested too deep): told again by every
    #: conversion that reuses this parse
    warnings: list[Warning_] = field(default_factory=list)


@contextmanager
def _deep_recursion(limit: int) -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


class Converter:
    """Converts one document; holds the context while it walks."""

    def __init__(self, ctx: Context, md: MarkdownIt | None = None, *, lazy_inline: bool = False):
        self.ctx = ctx
        self.md = md
        #: parse block tokens first and each paragraph's inline tokens while it is walked (a big
        #: file's inline tokens are never all held at once); else :meth:`parse` gives them all
        self.lazy_inline = lazy_inline
        self.edits: list[Edit] = []
        #: :attr:`edits`, the same sorted, and how many of them are sorted in (see :meth:`edits_within`)
        self._sorted: tuple[list[Edit], list[Edit], int] = ([], [], 0)
        #: the document's tokens once :meth:`document` converted it
        self.tokens: list[Token] = []
        #: Quarto id → the first label (in ``ctx.labels``' order) that has it; ``None`` when stale
        self._ids: dict[str, str] | None = None
        if ctx.fragment_converter is None:
            ctx.fragment_converter = self.fragment

    # -- parsing ---------------------------------------------------------------------------
    def parse(self, view: View) -> Parsed:
        """The document's tokens, and (from that one parse) every directive body's, as views of their own."""
        lazy = self.lazy_inline and block_parser_for(view.text) is block_parser()
        md = self.md or document_parser(not lazy)
        env: dict[str, Any] = {}
        tokens = md.parse(view.text, env)
        before = len(self.ctx.warnings)
        parsed = self._parsed(view, tokens, env if lazy else None, view, 0)
        parsed.warnings = self.ctx.warnings[before:]
        return parsed

    def _parsed(self, view: View, tokens: list[Token], env: dict[str, Any] | None, coords: View, origin: int) -> Parsed:
        """``tokens`` (their lines counted in the text of ``coords`` from line ``origin`` = ``view``'s line 0,
        moved to ``view``'s lines), with the bodies the parse tokenized inside their fences."""
        if origin:
            for token in tokens:
                if token.map is not None:
                    token.map = [token.map[0] - origin, token.map[1] - origin]
        parsed = Parsed(view=view, tokens=tokens, env=env)
        for index, token in enumerate(tokens):
            if token.type not in ("fence", "colon_fence") or token.map is None:
                continue
            directive = read_directive(token, view)
            if directive is None:
                if token.type == "colon_fence" and view.depth < MAX_DEPTH:
                    # a Pandoc div (our own output) or a bare ::: block: walk inside it
                    body = self._body(token, view, coords, origin, env)
                    if body is not None:
                        parsed.bodies[index] = body
                continue
            parsed.directives[index] = directive
            if registry.parses_body(directive.name) and view.depth < MAX_DEPTH:
                body = self._body(token, view, coords, origin, env)
                if body is None:
                    self.ctx.warn(
                        directive.lineno,
                        f"could not map the body of {{{directive.name}}} to the file; body kept as is",
                        Code.UNCONVERTED,
                    )
                else:
                    parsed.bodies[index] = body
                    body.owner = directive.name
                    directive.body_lines = ViewLines(body.view, len(token.meta["body"].starts))
            elif view.depth >= MAX_DEPTH:
                self.ctx.warn(
                    directive.lineno, f"directives nested deeper than {MAX_DEPTH}; body kept as is", Code.UNCONVERTED
                )
        return parsed

    def _body(self, token: Token, view: View, coords: View, origin: int, env: dict[str, Any] | None) -> Parsed | None:
        """The parsed body the parse left in a fence token (``None``: none, or not a suffix of its lines)."""
        body = (token.meta or {}).get("body")
        if not isinstance(body, Body) or body.unmapped:
            return None
        first = token.map[0] + 1 + int(token.meta.get("options_used") or 0) if token.map else 0
        if coords.depth == 0 and coords.abs_starts is coords.starts:  # the document's own text
            starts, ends = body.starts, body.ends
        else:
            starts = [coords.abs_of_offset(s) for s in body.starts]
            ends = [coords.abs_of_offset(e) for e in body.ends]
        sub = view.window(first, starts, ends)
        body_env = body.env if env is not None else None
        if body.separate is not None:
            return self._parsed(sub, body.tokens, body_env, sub, 0)
        return self._parsed(sub, body.tokens, body_env, coords, body.first)

    # -- labels ------------------------------------------------------------------------------
    def collect_labels(self, parsed: Parsed) -> None:
        tokens = parsed.tokens
        view = parsed.view
        for index, token in enumerate(tokens):
            if token.type == "myst_target" and token.map is not None:
                nxt = _next_block(tokens, index + 1)
                if nxt is not None and tokens[nxt].type == "heading_open":
                    title = tokens[nxt + 1].content if nxt + 1 < len(tokens) else ""
                    self._define(token.content, "sec", view.lineno(token.map[0]), title)
                    if _alias_to_next_target(tokens, index, self.ctx.labels):
                        self._ids = None
                else:
                    self._define(token.content, "anchor", view.lineno(token.map[0]))
            elif token.type == "math_block_label" and token.map is not None:
                self._define(token.info, "eq", view.lineno(token.map[0]))
            elif token.type == "amsmath" and token.map is not None:
                label = label_from_amsmath(token.content)
                if label:
                    self._define(label, "eq", view.lineno(token.map[0]))
        for directive in parsed.directives.values():
            if directive.name == "glossary":
                for n, line in enumerate(directive.body_lines):
                    if line.strip() and not line[:1].isspace():
                        self._define(f"term:{line.strip()}", "term", directive.view.lineno(directive.body_first + n))
            found = registry.label_of(directive)
            if found is not None:
                name, kind = found
                self._define(name, kind, directive.lineno, registry.title_of(directive))
        for body in parsed.bodies.values():
            self.collect_labels(body)

    def _define(self, name: str, kind: str, line: int, title: str = "") -> None:
        name = name.strip()
        if not name:
            return
        if name in self.ctx.labels:
            self.ctx.warn(
                line,
                f"label '{name}' is defined twice (first at line {self.ctx.labels[name].line})",
                Code.LABEL_DUPLICATE,
            )
            return
        qid = labelmod.quarto_id(name, kind)
        taken = self._label_ids()
        if qid in taken:
            clash = taken[qid]
            unique = labelmod.unique_id(qid, taken)
            self.ctx.warn(
                line,
                f"labels '{clash}' and '{name}' both become '#{qid}'; the second becomes '#{unique}'",
                Code.LABEL_DUPLICATE,
            )
            qid = unique
        self.ctx.labels[name] = Label(name=name, kind=kind, quarto_id=qid, line=line, title=title)
        taken.setdefault(qid, name)
        if kind == "sec" and title:
            # the heading's own anchor (myst_heading_anchors) now lives under the label's id
            alias = f"slug:{heading_slug(title)}"
            if alias not in self.ctx.labels:
                self.ctx.labels[alias] = Label(name=alias, kind=kind, quarto_id=qid, line=line, title=title)

    def _label_ids(self) -> dict[str, str]:
        """Quarto id → the first label that has it, kept as labels are defined (one look-up per
        label, not a pass over all of them)."""
        if self._ids is None:
            self._ids = {}
            for other in self.ctx.labels.values():
                self._ids.setdefault(other.quarto_id, other.name)
        return self._ids

    # -- edits ---------------------------------------------------------------------------------
    def add(self, start: int, end: int, new: str, kind: str = "") -> None:
        self.edits.append(Edit(start, end, new, kind))

    def walk(self, parsed: Parsed) -> int:
        """Add the edits for one view; return the longest ``:`` fence found or written in it."""
        view = parsed.view
        tokens = parsed.tokens
        widest = 0
        in_table = 0
        section_label: Label | None = None
        wraps: list[tuple[Token, Token, str]] = []
        for index, token in enumerate(tokens):
            ttype = token.type
            if ttype == "myst_target":
                section_label = self.target(parsed, index, wraps)
                continue
            if ttype == "heading_open":
                self.heading(tokens, index, view, section_label)
            if token.map is not None:
                section_label = None
            if ttype == "paragraph_open" and index + 1 < len(tokens):
                self.paragraph_start(tokens[index + 1], view)
            if ttype == "table_open":
                in_table += 1
                self.table(tokens, index, view, parsed.env)
            elif ttype == "table_close":
                in_table -= 1
            elif ttype == "inline" and not in_table and token.map is not None:
                with self.children(token, parsed.env):
                    self.inline(token, InlineLocator(token.content, view, token.map[0]), view.lineno(token.map[0]))
            elif ttype in ("fence", "colon_fence"):
                widest = max(widest, self.fence(parsed, index))
            elif ttype in ("math_block", "math_block_label", "amsmath"):
                self.replace_block(token, view, registry.math_block(token, view, self.ctx))
            elif ttype == "html_block":
                self.replace_block(token, view, registry.html_block(token, view, self.ctx))
            elif ttype == "myst_line_comment":
                self.replace_block(token, view, registry.line_comment(token, self.ctx))
            elif ttype == "myst_block_break":
                self.ctx.count("block break")
                self.replace_block(token, view, "")
        for target, block, anchor in reversed(wraps):  # inner blocks first: their fences close first
            widest = max(widest, self.wrap_block(view, target, block, anchor))
        return widest

    def replace_block(self, token: Token, view: View, new: str | None) -> None:
        """Replace a whole block (its lines, keeping its indentation) with ``new``.

        ``""`` removes the block's lines, newlines included.
        """
        if new is None:
            return
        first, end = block_lines(token)
        end = min(end, view.nlines)
        if new == "":
            self.remove_lines(view, first, end, token.type)
            return
        # the indentation, a block quote's "> " or a list item's "- " before the block: every new
        # line needs it again (list markers as spaces; a directive body's own is outside the view)
        lead = block_prefix_len(view.line(first))
        start = view.abs(first, lead)
        stop = view.abs(end - 1, len(view.line(end - 1)))
        self.add(start, stop, _indent(new, continuation(view.prefix(first, lead))), token.type)

    def remove_lines(self, view: View, first: int, end: int, kind: str) -> None:
        """Remove lines ``first…end-1``; after a blank line, the blank lines after them go too."""
        if first == 0 or view.line(first - 1).strip() == "":
            while end < view.nlines - 1 and view.line(end).strip() == "":
                end += 1
        self.add(view.abs(first, 0), view.abs_line_end(end - 1), "", kind)

    def target(self, parsed: Parsed, index: int, wraps: list[tuple[Token, Token, str]]) -> Label | None:
        """``(label)=``: the id goes where Pandoc reads it on the block after the label.

        A heading takes it (``## Heading {#sec-label}``, returned to :meth:`heading`), a
        paragraph starts with an anchor (``[]{#label}``), a table gets the caption
        ``: {#label}``, a list, quote, code block, definition list or HTML block a div around
        it (``::: {#label}``, added to ``wraps``). Before a directive, a rule, another label,
        or a block a div fence would cut (lazy lines, a code fence never closed), the anchor
        is a paragraph of its own.
        """
        tokens, view = parsed.tokens, parsed.view
        token = tokens[index]
        self.ctx.count("target")
        label = self.ctx.labels.get(token.content.strip())
        if label is not None and label.kind == "sec":
            self.replace_block(token, view, "")
            return label
        anchor = label.quarto_id if label else labelmod.slug(token.content)
        nxt = _next_block(tokens, index + 1)
        block = tokens[nxt] if nxt is not None else None
        if block is None or block.type in ANCHORED_BLOCKS:
            self.replace_block(token, view, f"[]{{#{anchor}}}")
        elif (
            tokens[index + 1].type == "myst_target"
            or nxt in parsed.directives
            or block.type not in WRAPPED_BLOCKS
            or (block.type == "fence" and fence_content(block, view)[1] is None)  # a div would end inside the code
            or lazy_lines(view, block, view.line(block_lines(token)[0]))  # a div fence would cut a paragraph
            or (block.type == "table_open" and parsed.owner == "table")  # {table} writes the caption
            or (block.type == "table_open" and not _pipes_on_every_line(view, block))  # a caption would glue on
        ):
            self.replace_block(token, view, f"[]{{#{anchor}}}")
            line = block_lines(token)[0]
            src = view.line(line)
            end = view.abs(line, len(src))
            self.add(end, end, "\n" + quote_prefix(src[: container_prefix_len(src)]), "target")
        elif block.type == "table_open":
            self.replace_block(token, view, "")
            last = last_filled_line(view, block)
            indent = view.line(last)[: container_prefix_len(view.line(last))]
            end = view.abs(last, len(view.line(last)))
            after = _blank_after(view, last, indent)
            self.add(end, end, f"\n{quote_prefix(indent)}\n{indent}: {{#{anchor}}}{after}", "target")
        else:
            wraps.append((token, block, anchor))
        return None

    def edits_within(self, start: int, end: int) -> list[Edit]:
        """The edits made so far that lie inside ``start…end``: looked up in the edits sorted by
        their start (edits made since the last look-up are sorted in), not by a pass over all."""
        if self._sorted[0] is not self.edits:
            self._sorted = (self.edits, sorted(self.edits), len(self.edits))
        edits, ordered, seen = self._sorted
        for edit in edits[seen:]:
            insort(ordered, edit)
        self._sorted = (edits, ordered, len(edits))
        lo = bisect_left(ordered, start, key=lambda e: e.start)
        hi = bisect_right(ordered, end, lo=lo, key=lambda e: e.start)
        return [e for e in ordered[lo:hi] if e.end <= end]

    def wrap_block(self, view: View, target: Token, block: Token, anchor: str) -> int:
        """``(label)=`` + a list → ``::: {#label}`` + the list + ``:::``; return the fence's width.

        The fence is wider than any ``:`` fence inside the block, so MyST reads the div
        back as one (Pandoc would not need it).
        """
        first = block_lines(block)[0]
        last = last_filled_line(view, block)
        start, end = view.abs(first, 0), view.abs(last, len(view.line(last)))
        inner = [e.new for e in self.edits_within(start, end)]
        runs = [n for text in [*inner, view.text[start:end]] for n in colon_runs(text)]
        fence = ":" * max([3, *(n + 1 for n in runs)])
        line = block_lines(target)[0]
        src = view.line(line)
        indent = src[: container_prefix_len(src)]
        # Pandoc opens a div only after a blank line
        if line > 0 and follows_text(view, line):
            self.add(view.abs(line, 0), view.abs(line, 0), quote_prefix(indent) + "\n", "target")
        self.replace_block(target, view, f"{fence} {{#{anchor}}}")
        self.add(end, end, f"\n{indent}{fence}{_blank_after(view, last, indent)}", "target")
        return len(fence)

    def heading(self, tokens: list[Token], index: int, view: View, label: Label | None) -> None:
        """``(label)=`` before a heading → ``## Heading {#sec-label}``.

        An attribute block the heading already has gains the id: ``{.unnumbered}`` →
        ``{#sec-label .unnumbered}``; one that already has an id is left alone (and reported).
        """
        inline = tokens[index + 1]
        heading_map = tokens[index].map
        if label is None or inline.map is None or heading_map is None:
            return
        atx = tokens[index].markup.startswith("#")
        last = inline.map[0] if atx else heading_map[1] - 2
        text = view.line(last).rstrip()
        attrs = re.search(r"\s\{([^{}]*)\}$", text)
        if attrs is not None:
            if re.search(r"(^|\s)#", attrs.group(1)):
                self.ctx.warn(
                    view.lineno(last), f"heading already has an id; label '{label.name}' not added", Code.LABEL_IGNORED
                )
                return
            at = view.abs(last, attrs.start(1))
            self.add(at, at, f"#{label.quarto_id} ", "section label")
            return
        # ATX: after a closing sequence of #s too, as Pandoc wants it: "## Title ## {#sec-x}"
        self.add(view.abs(last, len(text)), view.abs(last, len(text)), f" {{#{label.quarto_id}}}", "section label")

    def paragraph_start(self, inline: Token, view: View) -> None:
        """``a) erstens`` starts a paragraph in MyST but a list in Pandoc: ``a\\) erstens``."""
        if inline.map is None:
            return
        at = list_marker_escape(inline.content.split("\n", 1)[0])
        if at is None:
            return
        locator = InlineLocator(inline.content, view, inline.map[0])
        if not locator.ok:
            return
        self.ctx.count("list marker escaped")
        self.add(locator.abs(at), locator.abs(at), "\\", "list marker")

    @staticmethod
    @contextmanager
    def children(token: Token, env: dict[str, Any] | None) -> Iterator[None]:
        """An inline token's children while the block holding it is walked: parsed here when the
        document was parsed block tokens first (``env`` is that parse's), and let go afterwards."""
        if env is None:
            yield
            return
        if not token.children:  # (a book's search for paths out of it may have parsed them already)
            parse_inline(token, env)
        try:
            yield
        finally:
            token.children = []

    def table(self, tokens: list[Token], index: int, view: View, env: dict[str, Any] | None = None) -> None:
        first = block_lines(tokens[index])[0] if tokens[index].map is not None else 0
        if index and tokens[index - 1].type == "paragraph_close" and view.line(first - 1).strip(" \t>"):
            # a table right under a paragraph line is that paragraph's text for pandoc
            prefix = view.line(first)[: container_prefix_len(view.line(first))].rstrip()
            self.add(view.abs(first), view.abs(first), prefix + "\n", "blank line before a table")
        for inline, locator in table_cell_locators(tokens, index, view):
            line = view.lineno(inline.map[0]) if inline.map else view.lineno(0)
            with self.children(inline, env):
                self.inline(inline, locator, line)

    def inline(self, token: Token, locator: InlineLocator, lineno: int) -> None:
        if not token.children:
            return
        substitutions = self.ctx.options.substitutions and "{{" in token.content
        linkify = self.ctx.options.linkify and "://" in token.content
        needs = substitutions or linkify or any(c.type in registry.INLINE_TYPES for c in token.children)
        if not needs:
            return
        if not locator.ok:
            self.ctx.warn(
                lineno,
                "could not locate this paragraph's text in the file; its roles were left as they are",
                Code.UNCONVERTED,
            )
            return
        content = token.content
        before = len(self.edits)
        starts = line_starts(content)
        for child in token.children:
            if child.type not in registry.INLINE_TYPES:
                continue
            span = child.meta.get("span") if child.meta else None
            if span is None:
                continue
            line = lineno + bisect_right(starts, span[0]) - 1
            if child.type == "link_open":
                self.link(child, content, span, locator, line)
            elif child.type == "myst_role":
                before_role = _text_before(content, span[0])
                role = Role(name=child.meta["name"], content=child.content, lineno=line, before=before_role)
                result = registry.role(role, self.ctx)
                if result is None:
                    continue
                start = span[0] - result.eat_before
                self.add(locator.abs(start), locator.abs(span[1]), result.text, f"role {role.name}")
            else:
                alone = span == (0, len(content))
                new = registry.inline_token(child, content[span[0] : span[1]], line, self.ctx, alone)
                if new is not None:
                    self.add(locator.abs(span[0]), locator.abs(span[1]), new, child.type)
        if substitutions:
            self.substitute(token, locator, lineno)
        if linkify:
            self.linkify(token, locator)
        self.keep_fence_like_lines(content, locator, self.edits[before:])

    def keep_fence_like_lines(self, content: str, locator: InlineLocator, edits: list[Edit]) -> None:
        """A paragraph line like ```` ```{note} a {math}`x` ```` is no fence (backticks in its info
        string); once its role becomes ``$x$`` it would be one. Its first backtick is escaped."""
        offset = 0
        for line in content.split("\n"):
            stripped = line.lstrip(" ")
            at = offset + len(line) - len(stripped)
            offset += len(line) + 1
            if not stripped.startswith("```") or len(line) - len(stripped) > 3:
                continue
            start, end = locator.abs(at), locator.abs(at) + len(stripped)
            touched = any(start <= e.start <= end or start <= e.end <= end for e in edits)
            if touched and not any(e.start < start < e.end or e.start == start < e.end for e in edits):
                self.add(start, start, "\\", "fence-like line")

    def linkify(self, token: Token, locator: InlineLocator) -> None:
        """A bare ``https://…`` in text → ``<https://…>`` (what MyST's linkify extension renders)."""
        content = token.content
        taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
        # like markdown-it's linkify: nothing inside an HTML <a>…</a> is linked again
        opened: int | None = None
        for child in token.children or []:
            span = (child.meta or {}).get("span")
            if child.type == "html_inline" and span is not None:
                if re.match(r"<a[\s>]", child.content, re.IGNORECASE):
                    opened = span[0]
                elif re.match(r"</a\s*>", child.content, re.IGNORECASE) and opened is not None:
                    taken.append((opened, span[1]))
                    opened = None
        for match in _BARE_URL.finditer(content):
            if any(a <= match.start() < b for a, b in taken):
                continue
            self.ctx.count("bare URL linked")
            self.add(locator.abs(match.start()), locator.abs(match.end()), f"<{match.group(0)}>", "linkify")

    def link(self, token: Token, content: str, span: tuple[int, int], locator: InlineLocator, line: int) -> None:
        """A Markdown link's destination, as MyST resolves it (labels, documents, built pages)."""
        if content[span[0] : span[0] + 9] == "<project:":
            # a MyST autolink <project:#label> or <project:path.md>
            rewrite = rewrite_link(content[span[0] + 1 : span[1] - 1], True, self.ctx, line)
            if rewrite is not None:
                whole = rewrite.whole or f"[{rewrite.target}]({rewrite.target})"
                self.add(locator.abs(span[0]), locator.abs(span[1]), whole, "link")
            return
        destination = link_destination(content, span)
        if destination is None:
            return
        target = content[destination[0] : destination[1]]
        empty = content[span[0] + 1 : span[0] + 2] == "]"
        rewrite = rewrite_link(target, empty, self.ctx, line)
        if rewrite is None:
            return
        if rewrite.whole is not None:
            self.add(locator.abs(span[0]), locator.abs(span[1]), rewrite.whole, "link")
        elif rewrite.target is not None and rewrite.target != target:
            bracketed = content[destination[0] - 1 : destination[0]] == "<"
            new = rewrite.target if bracketed else link_target(rewrite.target)
            self.add(locator.abs(destination[0]), locator.abs(destination[1]), new, "link")

    def substitute(self, token: Token, locator: InlineLocator, lineno: int) -> None:
        """``{{ key }}`` (``myst_substitutions``) → its value, converted as MyST; never inside code."""
        content = token.content
        taken = [c.meta["span"] for c in token.children or [] if c.meta and "span" in c.meta]
        starts = line_starts(content)
        for match in _SUBSTITUTION.finditer(content):
            if any(a <= match.start() < b for a, b in taken):
                continue
            key = match.group(1)
            line = lineno + bisect_right(starts, match.start()) - 1
            value = self.ctx.options.substitutions.get(key)
            if value is None:
                self.ctx.warn(
                    line, f"substitution {{{{ {key} }}}} is not defined; kept as it is", Code.SUBSTITUTION_UNDEFINED
                )
                continue
            self.ctx.count("substitution")
            new = self.fragment(str(value), line).strip("\n")
            self.add(locator.abs(match.start()), locator.abs(match.end()), new, "substitution")

    def fence(self, parsed: Parsed, index: int) -> int:
        """A fenced block: a directive to rewrite, a Pandoc div to walk into, or code to keep."""
        token = parsed.tokens[index]
        view = parsed.view
        directive = parsed.directives.get(index)
        body = parsed.bodies.get(index)
        if directive is None:
            if body is not None:
                inner = self.walk(body)
                return max(inner, len(token.markup))
            if view.depth > 0 and token.type == "fence":
                self.close_code_fence(token, view)
            if token.type == "fence":
                self.code_fence_info(token, view)
            return 0
        inner = self.walk(body) if body is not None else 0
        rewrite = registry.directive(directive, self.ctx)
        if rewrite.open == "" and rewrite.body == "" and rewrite.close == "":
            # removed altogether ({bibliography}, {toctree}): its lines go, like a removed block
            last = directive.close_line if directive.close_line is not None else view.nlines - 1
            self.remove_lines(view, directive.open_line, last + 1, f"directive {directive.name}")
            return 0
        fence_len = max(3, inner + 1, _colons_in_code(body) + 1)
        fence = ":" * fence_len
        uses_fence = False
        first_line = directive.open_line
        # what stands before the fence in the file (container indentation, "> "), and the part of
        # it a div fence keeps: Pandoc reads ":::" only at its container's content column
        full = view.prefix(first_line, len(directive.indent))
        # a tab across the content column is split: the part left of it is written as spaces
        keep, pad = _cut_to_column(directive.indent, _width(directive.indent) - directive.excess)
        div_indent = directive.indent[:keep] + pad
        div_prefix = full[: len(full) - len(directive.indent) + keep] + pad
        lead = ""
        if rewrite.open is not None:
            uses_fence = FENCE in rewrite.open
            new_open = rewrite.open.replace(FENCE, fence)
            prefix = div_prefix if uses_fence else full
            start = view.abs(first_line, keep if uses_fence else len(directive.indent))
            lead = pad if uses_fence else ""
            # an unclosed fence whose list item or quote ends with its opening line has no body
            no_body = directive.body_first >= view.nlines or (
                directive.close_line is None and directive.body_first >= block_lines(directive.token)[1]
            )
            stop = (
                view.abs(first_line, len(view.line(first_line)))
                if no_body
                # up to the body's first line, its container indentation included
                else view.abs(directive.body_first, 0) - len(view.prefix(directive.body_first))
            )
            if no_body:
                new_open = new_open.rstrip("\n")
            elif not new_open.endswith("\n") and new_open:
                new_open += "\n"
            rest = continuation(prefix)
            new_open = _indent(new_open, rest)
            if uses_fence and first_line > 0 and needs_blank_before(view, first_line) and rest == prefix:
                # Pandoc only opens a div after a blank line (or as the first block of a list item)
                new_open = "\n" + prefix + new_open
                lead = ""
            if directive.option_errors:
                for err in directive.option_errors:
                    self.ctx.warn(
                        directive.lineno,
                        f"{{{directive.name}}}: {err}; options kept as a comment before it",
                        Code.OPTION_INVALID,
                    )
                # before the construct, never inside it (inside a code cell it would be code)
                raw = "\n".join(directive.raw_options).replace("-->", "--&gt;")
                comment = _indent(f"<!-- {{{directive.name}}} options that could not be read:\n{raw}\n-->", rest)
                new_open = comment + "\n" + rest + new_open
            if new_open == "" and not no_body:
                # the line goes; its container indentation stays for the body's first line
                start = view.abs(first_line, 0)
                stop = view.abs(directive.body_first, 0)
                if rewrite.body is None and (first_line == 0 or not view.line(first_line - 1).strip()):
                    # after a blank line, the body's leading blank lines go with the fence
                    skip = 0
                    while skip < len(directive.body_lines) - 1 and not directive.body_lines[skip].strip():
                        skip += 1
                    stop = view.abs(directive.body_first + skip, 0)
            self.add(start, stop, (lead if new_open else "") + new_open, f"directive {directive.name}")
        moved = _width(directive.indent) - _width(div_indent)
        if uses_fence and moved and body is not None and rewrite.body is None:
            self.dedent_body(view, directive.body_first, body.view, continuation(div_indent), moved)
        if rewrite.body is not None and directive.body_lines:
            start = view.abs(directive.body_first, 0)
            last = directive.body_first + len(directive.body_lines) - 1
            stop = view.abs(last, len(view.line(last)))
            new_body = _indent(rewrite.body, continuation(full))
            # the first line's own indentation is replaced too (a list marker stays on the opening line)
            lead = continuation(directive.indent)
            new_body = lead + new_body if lead and new_body[:1] not in ("", "\n") else new_body
            self.add(start, stop, new_body, f"directive {directive.name}")
        for n, text in rewrite.inserts:
            at = view.abs(directive.body_first + n, len(view.line(directive.body_first + n)))
            rest = continuation(full)
            lines = text.split("\n")
            new = "\n".join(lines[:1] + [rest + x if x else quote_prefix(rest) for x in lines[1:]])
            self.add(at, at, new, f"directive {directive.name}")
        if rewrite.prefix_body is not None:
            filled = [i for i, text in enumerate(directive.body_lines) if text.strip()]
            # blank lines before the first and after the last line of text stay unquoted
            for i in range(filled[0], filled[-1] + 1) if filled else ():
                line = directive.body_first + i
                at = (
                    view.abs(line, len(directive.indent))
                    if view.line(line).startswith(directive.indent)
                    else view.abs(line, 0)
                )
                self.add(
                    at, at, rewrite.prefix_body if view.line(line).strip() else rewrite.prefix_body.rstrip(), "quote"
                )
        if rewrite.close is not None:
            closes_div = FENCE in rewrite.close
            uses_fence = uses_fence or closes_div
            new_close = rewrite.close.replace(FENCE, fence)
            rest = continuation(div_prefix if closes_div else full)
            if directive.close_line is not None:
                line = directive.close_line
                src = view.line(line)
                if new_close == "":
                    self.add(view.abs(line, 0), view.abs_line_end(line), "", f"directive {directive.name}")
                else:
                    col = container_prefix_len(src)
                    # the closing fence moves to the opening one's column, like the opening fence
                    at, pad = (
                        _cut_to_column(src[:col], _width(continuation(div_indent)))
                        if closes_div and _same_containers(src[:col], continuation(div_indent))
                        else (col, "")
                    )
                    self.add(
                        view.abs(line, at),
                        view.abs(line, len(src)),
                        pad + _indent(new_close, rest),
                        f"directive {directive.name}",
                    )
            else:
                # at the end of the file, or of the list item or quote the fence ran to the end of
                last = min(block_lines(directive.token)[1], view.nlines) - 1
                last = view.nlines - 1 if last >= view.nlines - 2 else last
                where = "at the end of the file" if last == view.nlines - 1 else "where its list item or quote ends"
                self.ctx.warn(
                    directive.lineno, f"{{{directive.name}}} is never closed; closed {where}", Code.FENCE_UNCLOSED
                )
                end = view.abs(last, len(view.line(last)))
                tail = view.line(last)
                sep = "" if tail == "" else "\n"
                # after a final newline the close needs one of its own; before the line that ended
                # the list item or quote, a blank line (Pandoc would read that line into the item)
                after = "\n" if tail == "" or last < view.nlines - 1 else ""
                if new_close:
                    self.add(end, end, sep + rest + _indent(new_close, rest) + after, "unclosed")
        return fence_len if uses_fence else inner

    def dedent_body(self, view: View, first: int, body: View, rest: str, moved: int) -> None:
        """The body moves left with the div fence, so it stands to the div as it stood to the
        fence in MyST (``    code`` stays indented code, a nested fence stays at the div's column).

        ``first`` is the line of ``view`` (the view the directive stands in) the body starts on,
        ``rest`` what a line of the div needs in ``view``,
        ``moved`` the columns the fence moved left. A tab the cut crosses becomes spaces; so do
        tabs in a body line's indentation that would now reach another tab stop (``\\t\\tcode``
        under a fence at column 4 moved to 2 → ``\\t··code``, still code).
        Lines another edit rewrites keep their indentation (see :func:`without_clashing_dedents`).
        """
        for line in range(body.nlines):
            text = body.line(line)
            if not text.strip():
                continue
            at = body.abs(line, 0)
            # the line of ``view`` this body line is part of, and what stands before it there
            source = first + line
            before = view.line(source)[: at - view.abs(source, 0)]
            if not _same_containers(before, rest):
                continue
            keep, pad = _cut_to_column(before, max(_width(rest), _width(before) - moved))
            if keep < len(before) or pad:
                self.add(view.abs(source, keep), at, pad, DEDENT)
            indent = text[: len(text) - len(text.lstrip(" \t"))]
            if "\t" in indent:
                column = _width(view.prefix(source, keep) + pad)
                if _width(indent, column) != column + _width(indent):
                    # MyST reads the body as a document of its own: its tabs count from its column 0
                    self.add(at, at + len(indent), " " * _width(indent), TAB_DEDENT)

    def fragment(self, text: str, lineno: int) -> str:
        """Convert a piece of MyST (a table cell, a caption) with this document's labels."""
        if not text:
            return text
        sub = Converter(self.ctx, lazy_inline=self.lazy_inline)
        view = View.root(text)
        view.first_lineno = lineno
        sub.walk(sub.parse(view))
        return apply_edits(text, without_clashing_dedents(sub.edits))

    def code_fence_info(self, token: Token, view: View) -> None:
        """```` ```python title="demo.py" ```` → ```` ```{.python filename="demo.py"} ````: Pandoc
        reads no other words after a language (the fence would become inline code)."""
        first = block_lines(token)[0]
        src = view.line(first)
        at = block_prefix_len(src) + len(token.markup)
        if src[at - len(token.markup) : at] != token.markup:
            return
        new = registry.plain_fence_info(src[at:], self.ctx, view.lineno(first))
        if new is not None:
            self.add(view.abs(first, at), view.abs(first, len(src)), new, "code fence info")

    def close_code_fence(self, token: Token, view: View) -> None:
        """A code fence left open inside a directive ends with that directive's body (as in MyST);
        Pandoc would run it to the end of the file, so it gets its closing fence."""
        if fence_content(token, view)[1] is not None:
            return
        first, end = block_lines(token)
        marker = token.markup
        self.ctx.warn(
            view.lineno(first),
            "code fence never closed inside a directive; closed where the directive ends",
            Code.FENCE_UNCLOSED,
        )
        indent = continuation(view.prefix(first, container_prefix_len(view.line(first))))
        tail = view.abs(end - 1, len(view.line(end - 1)))
        self.add(tail, tail, ("\n" if view.line(end - 1) else "") + indent + marker, "fence closed")

    def document(self, text: str, parsed: Parsed | None = None) -> list[Edit]:
        """The edits converting ``text`` (``parsed``: its parse by :func:`parse_text`, made once for a book's
        label pass and its conversion)."""
        if parsed is None:
            parsed = self.parse(View.root(text))
        else:
            assert parsed.view.source == text, "a parse of another text"
            for warning in parsed.warnings:
                self.ctx.warn(warning.line, warning.message, warning.code, warning.level)
        root = parsed.view
        self.collect_labels(parsed)
        self.edits = []
        self.ctx.images_folder = registry.images_folder(text)
        read_kernel(parsed.tokens, self.ctx)
        read_substitutions(parsed.tokens, self.ctx)
        self.walk(parsed)
        self.edits.extend(frontmatter_edits(parsed.tokens, root, self.ctx, self.edits))
        self.edits = without_clashing_dedents(self.edits)
        self.tokens = parsed.tokens
        return self.edits


DEDENT = "dedent"
#: a body line's own tab indentation written as spaces (yields to every other edit, dedents too)
TAB_DEDENT = "dedent tabs"


def without_clashing_dedents(edits: list[Edit]) -> list[Edit]:
    """The edits without the body dedents that fall inside another edit (a block rewritten whole)."""
    kept = [e for e in edits if e.kind not in (DEDENT, TAB_DEDENT)]
    for kind in (DEDENT, TAB_DEDENT):
        others = sorted(kept, key=lambda e: e.start)
        starts = [e.start for e in others]
        # the furthest end of any edit starting at or before each position
        reach: list[int] = []
        for e in others:
            reach.append(max(e.end, reach[-1]) if reach else e.end)
        for e in edits:
            if e.kind != kind:
                continue
            i = bisect_left(starts, e.end) - 1  # edits starting before this dedent ends
            if i >= 0 and reach[i] > e.start:
                continue
            kept.append(e)
    return kept


def heading_slug(title: str) -> str:
    """The anchor MyST (``myst_heading_anchors``, GitHub style) gives a heading.

    >>> heading_slug("Stacking & Receptive Field")
    'stacking--receptive-field'
    """
    text = re.sub(r"\{[^{}]*\}|`|\*|_(?=\w)|(?<=\w)_", "", title).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _indent(text: str, indent: str) -> str:
    """Indent every line after the first of ``text`` with ``indent``; blank lines inside a block
    quote keep its ``>`` so the quote goes on."""
    if not indent:
        return text
    lines = text.split("\n")
    out = lines[:1] + [(indent + line) if line else quote_prefix(indent) for line in lines[1:-1]]
    if len(lines) > 1:
        out.append((indent + lines[-1]) if lines[-1] else "")  # after a final newline the source goes on
    return "\n".join(out)


def _colons_in_code(body: Parsed | None) -> int:
    """The longest ``:::`` run starting a line of code in ``body``: a div around it must be longer,
    or our own reading (colon fences know no code) would close the div inside the code."""
    if body is None:
        return 0
    runs = [
        n
        for index, token in enumerate(body.tokens)
        if token.type == "fence" and index not in body.directives
        for n in colon_runs(token.content)
    ]
    return max(runs, default=0)


def _width(text: str, column: int = 0) -> int:
    """The column after ``text`` written from ``column``: a tab goes to the next multiple of 4 (CommonMark).

    >>> _width("\\t"), _width("- \\t"), _width("\\t", 2)
    (4, 4, 4)
    """
    for char in text:
        column += 4 - column % 4 if char == "\t" else 1
    return column


def _cut_to_column(prefix: str, column: int) -> tuple[int, str]:
    """``(keep, pad)``: ``prefix[:keep] + pad`` ends at ``column`` (or as near as its trailing
    whitespace allows); a tab across ``column`` gives way to spaces up to it.

    >>> _cut_to_column("    ", 2), _cut_to_column("\\t", 2), _cut_to_column("\\t\\t", 5), _cut_to_column("> ", 0)
    ((2, ''), (0, '  '), (1, ' '), (1, ''))
    """
    keep = len(prefix)
    while keep and prefix[keep - 1] in " \t" and _width(prefix[: keep - 1]) >= column:
        keep -= 1
    if keep and prefix[keep - 1] == "\t" and _width(prefix[:keep]) > column:
        keep -= 1
        return keep, " " * (column - _width(prefix[:keep]))
    return keep, ""


def _same_containers(text: str, prefix: str) -> bool:
    """``text`` opens the containers ``prefix`` opens, with other indentation.

    >>> _same_containers("\\t", "  "), _same_containers(">   ", "> "), _same_containers("", "> ")
    (True, True, False)
    """
    return text.rstrip(" \t") == prefix.rstrip(" \t")


def _pipes_on_every_line(view: View, table: Token) -> bool:
    """Every line of a pipe table holds a ``|``: a line without one ends the table for Pandoc
    (MyST reads it as a row), so a caption after it would not be the table's."""
    first, end = block_lines(table)
    return all("|" in view.line(n) for n in range(first, min(end, view.nlines)) if view.line(n).strip(" \t>"))


def _alias_to_next_target(tokens: list[Token], index: int, labels: dict[str, Label]) -> bool:
    """``(a)=`` ``(b)=`` ``## H``: the heading takes one id, so ``a`` becomes an alias of ``b``.

    Returns whether a label's id changed."""
    this = labels.get(tokens[index].content.strip())
    if this is None or this.kind != "sec":
        return False
    changed = False
    before = index - 1
    while before >= 0 and tokens[before].type == "myst_target":
        previous = labels.get(tokens[before].content.strip())
        if previous is not None and previous.kind == "sec":
            changed = changed or previous.quarto_id != this.quarto_id
            previous.quarto_id = this.quarto_id
        before -= 1
    return changed


#: characters kept before a role's trailing spaces: more than the longest word a role looks back at
_LOOK_BACK = 32


def _text_before(content: str, at: int) -> str:
    """The end of ``content[:at]`` a role looks back at ("siehe Abbildung {numref}`x`"): its
    trailing spaces and the ``_LOOK_BACK`` characters before them (all of it, in a short paragraph).
    A slice of bounded length, so a paragraph of many roles is not copied once per role.

    >>> _text_before("Wie man sieht " * 5 + "in Abbildung  {numref}`a`", 84)
    'sieht Wie man sieht in Abbildung  '
    """
    start = at
    while start > 0 and (content[start - 1].isspace() or content[start - 1] == "~"):
        start -= 1
    return content[max(0, start - _LOOK_BACK) : at]


def _blank_after(view: View, line: int, indent: str) -> str:
    """A blank line to write after ``line`` when text follows it directly."""
    return "\n" + quote_prefix(indent) if line + 1 < view.nlines and holds_text(view.line(line + 1)) else ""


def _next_block(tokens: list[Token], start: int) -> int | None:
    for i in range(start, len(tokens)):
        if tokens[i].type in ("myst_target",):
            continue
        if tokens[i].map is not None or tokens[i].type.endswith("_open"):
            return i
    return None


def normalized(text: str) -> Normalized:
    """The text the converter parses: without a byte order mark, line ends and NULs as the parser reads them."""
    return Normalized(text[1:] if text.startswith("\ufeff") else text)


def parse_text(text: str, path: str = "<string>") -> Parsed:
    """``text`` parsed as :func:`convert_text` parses it (block tokens; bodies from the same parse), for a
    book's label pass to hand on to the conversion (``convert_text(text, parsed=…)``)."""
    with _deep_recursion(20000):
        return Converter(Context(path=path), lazy_inline=True).parse(View.root(normalized(text).text))


def convert_text(
    text: str,
    *,
    path: str = "<string>",
    images_path: str | None = None,
    escape_fences: bool = False,
    macros: dict[str, tuple[str, int]] | None = None,
    external_labels: dict[str, str] | None = None,
    engine: str = "none",
    options: Options | None = None,
    parsed: Parsed | None = None,
) -> Result:
    """Convert MyST Markdown ``text`` to Quarto Markdown (``parsed``: ``text``'s :func:`parse_text`,
    when a book's label pass parsed it already).

    >>> convert_text("See {numref}`fig-a`.\\n").text
    'See @fig-a.\\n'
    """
    if engine not in ("none",):
        raise ValueError(f"unknown translation engine {engine!r}")
    if options is None:
        options = Options(
            images_path=images_path,
            escape_fences=escape_fences,
            macros=dict(macros or {}),
            external_labels=dict(external_labels or {}),
        )
    ctx = Context(path=path, options=options)
    source = normalized(text)
    with _deep_recursion(20000):
        converter = Converter(ctx, lazy_inline=True)
        edits = converter.document(source.text, parsed)
        out = converted = apply_edits(source.text, edits)
        check_untouched(source.text, out, converter.tokens)
        if source.changed:
            out = source.rebuild(edits)
        if options.escape_fences:
            out = registry.escape_fences(out)
    registry.report_macros(ctx)
    counts = dict(ctx.counts)
    warnings = sorted(ctx.warnings, key=lambda w: w.line)
    lines = source_lines(source.text, edits, converted)
    return Result(text=out, warnings=warnings, counts=counts, labels=dict(ctx.labels), source_lines=lines)


__all__ = ["Result", "convert_text", "directive_name"]
