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
from dataclasses import dataclass, field, replace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .constructs import registry
from .constructs.frontmatter import (
    frontmatter_edits,
    read_front_matter,
    read_kernel,
    read_substitutions,
    title_heading,
)
from .constructs.frontmatter_keys import read_page_options, take_abstract
from .context import Context, Label, Options, Warning_
from .directives import directive_name
from .edits import Edit, Normalized, apply_edits
from .finish import finish
from .labelpass import LabelPass, take_labels
from .linemap import source_lines
from .parsed import Parsed
from .source import View
from .structure import MAX_DEPTH, document_parser, parse_view
from .untouched import check_untouched
from .walker import Walker, without_clashing_dedents


@dataclass
class Result:
    """The converted text and what the converter has to say about the input."""

    text: str
    warnings: list[Warning_] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    #: what :attr:`source_lines` are worked out from, when first read (the input, its edits and the
    #: text they make: :func:`.linemap.source_lines`); ``None`` once they are, or when there is nothing
    lines_from: tuple[str, list[Edit], str] | None = field(default=None, repr=False, compare=False)
    _source_lines: list[int] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def source_lines(self) -> list[int]:
        """``source_lines[n - 1]``: the input's line that line ``n`` of :attr:`text` came from (``[]``
        when unknown). Worked out when first read: only a translation's warnings and PO files read them."""
        if self._source_lines is None:
            self._source_lines = source_lines(*self.lines_from) if self.lines_from is not None else []
            self.lines_from = None
        return self._source_lines

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (a book's worker sends its results) with :attr:`source_lines` worked out: what they are
        worked out from stays behind."""
        state = dict(self.__dict__)
        state["_source_lines"], state["lines_from"] = self.source_lines, None
        return state


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

    # -- parsing ---------------------------------------------------------------------------
    def parse(self, view: View) -> Parsed:
        """The document's tokens, and (from that one parse) every directive body's and fragment's, as views
        of their own (see :func:`.structure.parse_view`)."""
        return parse_view(view, self.ctx, self.lazy_inline, self.md, self.ctx.options.title_from_h1)

    # -- labels and the walk ---------------------------------------------------------------------
    def collect_labels(self, parsed: Parsed) -> None:
        """The document's labels: those a book's label pass found in this parse, else its own label pass."""
        if self.ctx.labels or not take_labels(parsed, self.ctx):
            self.labels.collect_labels(parsed)

    def walk(self, parsed: Parsed) -> int:
        return self.walker.walk(parsed)

    @property
    def edits(self) -> list[Edit]:
        return self.walker.edits

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
        # the folder images are moved from: only read when they are moved (``--images-path``)
        self.ctx.images_folder = registry.images_folder(text) if self.ctx.options.images_path is not None else None
        fm = read_front_matter(parsed.tokens, self.ctx)
        read_kernel(fm, self.ctx)
        read_substitutions(fm, self.ctx)
        read_page_options(fm.data, self.ctx)
        title = title_heading(parsed.tokens, fm, self.ctx)
        # the heading that becomes the title is the front matter's: the walk leaves it alone
        walker.claimed = (parsed, frozenset(range(title, title + 3)) if title is not None else frozenset())
        walker.walk(parsed)
        walker.claimed = (None, frozenset())  # the parse is let go once walked
        abstract, walker.edits = take_abstract(parsed.tokens, root, fm.data, walker.edits)
        walker.edits.extend(frontmatter_edits(parsed.tokens, root, self.ctx, fm, title, walker.fragments, abstract))
        walker.edits = without_clashing_dedents(walker.edits)
        self.tokens = parsed.tokens
        return walker.edits


def normalized(text: str) -> Normalized:
    """The text the converter parses: without a byte order mark, line ends and NULs as the parser reads them."""
    return Normalized(text[1:] if text.startswith("\ufeff") else text)


def parse_text(text: str, path: str = "<string>", options: Options | None = None) -> Parsed:
    """``text`` parsed as :func:`convert_text` parses it with ``options`` (block tokens; bodies from the same
    parse), for a book's label pass to hand on to the conversion (``convert_text(text, parsed=…)``)."""
    with _deep_recursion(20000):
        # a book's chapters keep their first H1 (``Options.title_from_h1``): its text is no fragment
        ctx = Context(path=path, options=replace(options or Options(), title_from_h1=False))
        return Converter(ctx, lazy_inline=True).parse(View.root(normalized(text).text))


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
    lines_from = (source.text, edits, converted)
    return Result(text=out, warnings=warnings, counts=counts, labels=dict(ctx.labels), lines_from=lines_from)


__all__ = ["MAX_DEPTH", "Parsed", "Result", "convert_text", "directive_name", "document_parser"]
