"""One document: parse, label pass, walk, edits applied.

``convert_text`` parses the document once (directive bodies are re-parsed as documents of
their own, with their place in the file remembered), collects every label
(:mod:`.labelpass`), walks the tokens (:mod:`.walker`, which asks the construct modules for
edits) and applies the edits. Text that no construct claims is never touched.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .adapter import block_lines
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
    Directive,
    directive_name,
    fence_content,
    read_directive,
)
from .edits import Edit, Normalized, apply_edits, check_untouched
from .labelpass import LabelPass
from .linemap import source_lines
from .parser import block_parser, block_parser_for, shared_parser
from .source import View
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
        if ctx.fragment_converter is None:
            ctx.fragment_converter = self.fragment

    # -- parsing ---------------------------------------------------------------------------
    def parse(self, view: View) -> Parsed:
        md = self.md or (block_parser_for(view.text) if self.lazy_inline else shared_parser())
        env: dict[str, Any] = {}
        tokens = md.parse(view.text, env)
        parsed = Parsed(view=view, tokens=tokens, env=env if md is block_parser() else None)
        for index, token in enumerate(tokens):
            if token.type not in ("fence", "colon_fence") or token.map is None:
                continue
            directive = read_directive(token, view)
            if directive is None:
                if token.type == "colon_fence" and view.depth < MAX_DEPTH:
                    # a Pandoc div (our own output) or a bare ::: block: walk inside it
                    sub = self._fence_body_view(token, view)
                    if sub is not None:
                        parsed.bodies[index] = self.parse(sub)
                continue
            parsed.directives[index] = directive
            if registry.parses_body(directive.name) and view.depth < MAX_DEPTH:
                sub = directive.sub_view()
                if sub is None:
                    self.ctx.warn(
                        directive.lineno,
                        f"could not map the body of {{{directive.name}}} to the file; body kept as is",
                        Code.UNCONVERTED,
                    )
                else:
                    parsed.bodies[index] = self.parse(sub)
                    parsed.bodies[index].owner = directive.name
            elif view.depth >= MAX_DEPTH:
                self.ctx.warn(
                    directive.lineno, f"directives nested deeper than {MAX_DEPTH}; body kept as is", Code.UNCONVERTED
                )
        return parsed

    @staticmethod
    def _fence_body_view(token: Token, view: View) -> View | None:
        lines, _ = fence_content(token, view)
        return view.sub(block_lines(token)[0] + 1, lines)

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

    def document(self, text: str) -> list[Edit]:
        root = View.root(text)
        parsed = self.parse(root)
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
        return walker.edits


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
) -> Result:
    """Convert MyST Markdown ``text`` to Quarto Markdown.

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
    if text.startswith("\ufeff"):
        text = text[1:]
    source = Normalized(text)
    with _deep_recursion(20000):
        converter = Converter(ctx, lazy_inline=True)
        edits = converter.document(source.text)
        out = converted = apply_edits(source.text, edits)
        check_untouched(source.text, out)
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
