"""The document's one parse, read: its tokens, the directives and parsed bodies in them (a
:class:`~.parsed.Parsed`), and the fragments the parse tokenized (:mod:`.constructs.fragments`).

:func:`document_parser` parses a document once: directive bodies are tokenized by that same parse,
each read as a document of its own (as MyST-Parser reads it), and so are the fragments (titles,
captions, cells). :func:`read_parse` finds the directives and bodies in the tokens, with their places
in the file; :func:`fragment_parse` reads a fragment's tokens the same way, for the walk to convert.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .codes import Code
from .constructs import registry
from .constructs.fragments import TITLE_FROM_H1, tokenize_fragments
from .constructs.tokens import parse_extensions
from .context import Context, Options
from .directives import ViewLines, markdown_body, read_directive
from .nesting import Body, Fragment
from .parsed import Parsed
from .parser import block_parser, block_parser_for, create_md_parser
from .source import View

MAX_DEPTH = 1000


def document_parser(inline: bool = True, extensions: frozenset[str] = frozenset()) -> MarkdownIt:
    """The parser of documents: :func:`parser.create_md_parser` tokenizing Markdown directive bodies and
    fragments in the same parse (``inline=False``: block tokens only, see :func:`parser.block_parser`),
    reading the optional syntax ``extensions`` names (:func:`.constructs.tokens.parse_extensions`); one
    per ``(inline, extensions)``, however it is asked for."""
    return _document_parser(inline, extensions)


@lru_cache(maxsize=8)
def _document_parser(inline: bool, extensions: frozenset[str]) -> MarkdownIt:
    md = create_md_parser(
        lambda token, last_line: markdown_body(token, last_line, registry.parses_body),
        max_depth=MAX_DEPTH,
        fragments_of=tokenize_fragments,
        extensions=extensions,
    )
    if not inline:
        md.core.ruler.disable("inline")
    return md


def parse_view(
    view: View, ctx: Context, lazy_inline: bool = False, md: MarkdownIt | None = None, title_from_h1: bool = False
) -> Parsed:
    """The document ``view`` is, parsed once: its tokens, and (from that one parse) every directive body's
    and fragment's, as views of their own (``lazy_inline``: block tokens first, each paragraph's inline
    tokens as it is walked, unless the text may hold a footnote; see :func:`parser.block_parser_for`;
    ``title_from_h1``: its first H1 becomes its title, see :data:`.fragments.TITLE_FROM_H1`)."""
    lazy = lazy_inline and block_parser_for(view.text) is block_parser()
    env: dict[str, Any] = {TITLE_FROM_H1: True} if title_from_h1 else {}
    tokens = (md or document_parser(not lazy, parse_extensions(ctx.options))).parse(view.text, env)
    before = len(ctx.warnings)
    parsed = read_parse(view, tokens, env if lazy else None, view, 0, ctx)
    parsed.warnings = ctx.warnings[before:]
    return parsed


def parse_document(text: str) -> Parsed:
    """``text`` parsed as the converter parses a document, inline tokens included, for a reader of the
    tokens (the translation's segments read a Quarto document this way); the parse's warnings let go."""
    return parse_view(View.root(text), Context(options=Options(title_from_h1=False)))


def fragment_parse(text: str, lineno: int, fragment: Fragment | None, ctx: Context) -> Parsed:
    """A fragment (a text at 1-based line ``lineno``) read from the tokens the document's parse gave it;
    ``None``: a text no document holds (a substitution's value, an included file's part), parsed here as
    a document of its own."""
    view = View.root(text)
    view.first_lineno = lineno
    if fragment is None:
        return parse_view(view, ctx, lazy_inline=True)
    return read_parse(view, fragment.tokens, fragment.env if fragment.lazy_inline else None, view, 0, ctx)


def read_parse(
    view: View, tokens: list[Token], env: dict[str, Any] | None, coords: View, origin: int, ctx: Context
) -> Parsed:
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
                body = _body(token, view, coords, origin, env, ctx)
                if body is not None:
                    parsed.bodies[index] = body
            continue
        parsed.directives[index] = directive
        directive.outer = parsed
        if registry.parses_body(directive.name) and view.depth < MAX_DEPTH:
            body = _body(token, view, coords, origin, env, ctx)
            if body is None:
                ctx.warn(
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
            ctx.warn(directive.lineno, f"directives nested deeper than {MAX_DEPTH}; body kept as is", Code.UNCONVERTED)
    return parsed


def _body(
    token: Token, view: View, coords: View, origin: int, env: dict[str, Any] | None, ctx: Context
) -> Parsed | None:
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
        return read_parse(sub, body.tokens, body_env, sub, 0, ctx)
    return read_parse(sub, body.tokens, body_env, coords, body.first, ctx)
