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

from functools import partial

from markdown_it.token import Token

from ..directives import directive_name, fence_directive
from ..parser import Tokenize
from . import figures, frontmatter, registry


def tokenize_fragments(tokens: list[Token], document: bool, tokenize: Tokenize) -> None:
    """Tokenize the fragments among ``tokens`` (``document``: the document's own tokens, whose first
    H1 may become its title) with the parse's ``tokenize``."""
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
    if document:
        h1 = frontmatter.first_h1(tokens)
        if h1 is not None:
            tokenize(tokens[h1 + 1], frontmatter.heading_title(tokens[h1 + 1]))
