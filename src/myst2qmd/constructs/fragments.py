"""The fragments of a document, found while it is parsed: texts inside constructs that are MyST of
their own (a directive's title, a table's caption and cells, a glossary's terms and definitions, the
caption under an ``<img>`` block, the heading that becomes the title).

The document's parse (:func:`myst2qmd.parser.create_md_parser`, ``fragments_of``) hands every list of
block tokens it makes (the document's, each body's, each fragment's) to :func:`tokenize_fragments`,
which asks each directive's spec (:attr:`~.base.DirectiveSpec.fragments`) for its texts; the parse
tokenizes each as a document of its own and keeps the tokens in the token it stands in. The walk
converts a fragment from those tokens (:class:`myst2qmd.parsed.Fragments`): nothing is parsed twice.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from functools import partial
from typing import Any

from markdown_it.token import Token

from ..directives import directive_name, fence_directive
from ..nesting import Tokenize
from . import figures, frontmatter, registry

#: set in the ``env`` of a document's parse when its first H1 becomes its ``title:`` (a single file's
#: conversion; a book's chapters keep theirs): the heading's text is a fragment then
TITLE_FROM_H1 = "myst2qmd_title_from_h1"


def tokenize_fragments(tokens: list[Token], env: MutableMapping[str, Any] | None, tokenize: Tokenize) -> None:
    """Tokenize the fragments among ``tokens`` with the parse's ``tokenize`` (``env``: the parse's, when
    these are the document's own tokens; its first H1 may become the title)."""
    for token in tokens:
        if token.type in ("fence", "colon_fence"):
            name = directive_name(token.info)
            hook = registry.spec_of(name).fragments if name is not None else None
            directive = fence_directive(token) if hook is not None else None
            if hook is not None and directive is not None:
                hook(directive, partial(tokenize, token))
        elif token.type == "html_block":
            caption = figures.img_caption(token.content.rstrip("\n"))
            if caption and not token.content.lstrip().startswith("<!--"):
                tokenize(token, caption)
    if env is not None and env.get(TITLE_FROM_H1):
        h1 = frontmatter.title_candidate(tokens)
        if h1 is not None:
            tokenize(tokens[h1 + 1], frontmatter.heading_title(tokens[h1 + 1]))
