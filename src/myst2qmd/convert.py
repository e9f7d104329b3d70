"""One document: parse, label pass, walk, edits applied.

``convert_text`` parses the document once (directive bodies are tokenized by that same parse,
each read as a document of its own, with its place in the file remembered), collects every label
(:mod:`.labelpass`), walks the tokens (:mod:`.walker`, which asks the construct modules for
edits) and applies the edits. Text that no construct claims is never touched.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .codes import Code
from .constructs import registry
from .constructs.frontmatter import (
    frontmatter_edits,
    read_front_matter,
    read_kernel,
    read_substitutions,
    title_heading,
)
from .context import Context, Label, Options, Warning_
from .directives import (
    ViewLines,
    directive_name,
    markdown_body,
    read_directive,
)
from .edits import Edit, Normalized, apply_edits
from .finish import finish
from .labelpass import LabelPass
from .linemap import source_lines
from .parsed import Parsed
from .parser import Body, block_parser, block_parser_for, create_md_parser
from .source import View
from .untouched import check_untouched
from .walker import Walker, without_clashing_dedents

MAX_DEPTH = 1000


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


@contextmanager
def _deep_recursion(limit: int) -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


class Converter:
    """Converts one document: parses it, collects its labels (:class:`~.labelpass.LabelPass`),
    walks it (:class:`~.walker.Walker`) and returns the edits."""

    def __init__(self, ctx: Context, md: MarkdownIt | None = None, *, lazy_inline: bool = False):
        self.ctx = ctx
        self.md = md
        #: parse block tokens first and each paragraph's inline tokens while it is walked (a big
        #: file's inline tokens are never all held at once); else :meth:`parse` gives them all
        self.lazy_inline = lazy_inline
        self.labels = LabelPass(ctx)
        self.walker = Walker(ctx)
        #: the document's tokens once :meth:`document` converted it
        self.tokens: list[Token] = []
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
            directive.outer = parsed
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
                    directive.inner = body
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

    # -- labels and the walk ---------------------------------------------------------------------
    def collect_labels(self, parsed: Parsed) -> None:
        self.labels.collect_labels(parsed)

    def walk(self, parsed: Parsed) -> int:
        return self.walker.walk(parsed)

    @property
    def edits(self) -> list[Edit]:
        return self.walker.edits

    def fragment(self, text: str, lineno: int) -> str:
        """Convert a piece of MyST (a table cell, a caption) with this document's labels."""
        if not text:
            return text
        sub = Converter(self.ctx, lazy_inline=self.lazy_inline)
        view = View.root(text)
        view.first_lineno = lineno
        sub.walk(sub.parse(view))
        return apply_edits(text, without_clashing_dedents(sub.edits))

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
        walker = self.walker
        walker.edits = []
        self.ctx.images_folder = registry.images_folder(text)
        fm = read_front_matter(parsed.tokens, self.ctx)
        read_kernel(fm, self.ctx)
        read_substitutions(fm, self.ctx)
        title = title_heading(parsed.tokens, fm, self.ctx)
        # the heading that becomes the title is the front matter's: the walk leaves it alone
        walker.claimed = (parsed, frozenset(range(title, title + 3)) if title is not None else frozenset())
        walker.walk(parsed)
        walker.claimed = (None, frozenset())  # the parse is let go once walked
        walker.edits.extend(frontmatter_edits(parsed.tokens, root, self.ctx, fm, title))
        walker.edits = without_clashing_dedents(walker.edits)
        self.tokens = parsed.tokens
        return walker.edits


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
        out = finish(out, escape_fences=options.escape_fences)
    registry.report_macros(ctx)
    counts = dict(ctx.counts)
    warnings = sorted(ctx.warnings, key=lambda w: w.line)
    lines = source_lines(source.text, edits, converted)
    return Result(text=out, warnings=warnings, counts=counts, labels=dict(ctx.labels), source_lines=lines)


__all__ = ["Result", "convert_text", "directive_name"]
