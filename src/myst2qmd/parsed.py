"""A parse of one view: its tokens, and the directives and parsed bodies found in them.

:mod:`.convert` makes it (one parse per document, bodies from that parse); the label pass
(:mod:`.labelpass`) and the walk (:mod:`.walker`) read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from .context import Label, Warning_
from .directives import Directive
from .nesting import Fragment
from .source import View


@dataclass
class Parsed:
    """A view, its tokens, and the directives (with parsed bodies) found in them, by token index."""

    view: View
    tokens: list[Token]
    directives: dict[int, Directive] = field(default_factory=dict)
    bodies: dict[int, Parsed] = field(default_factory=dict)
    #: the directive whose body this is ("" for the document, a Pandoc div)
    owner: str = ""
    #: the parse's environment when inline tokens are parsed one at a time (:func:`.constructs.inline._walk_inline`)
    env: dict[str, Any] | None = None
    #: what the parse had to say (bodies it could not map or nested too deep): told again by every
    #: conversion that reuses this parse
    warnings: list[Warning_] = field(default_factory=list)
    #: what constructs read from this parse, found once per parse (the heading levels in it, …)
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: a book's label pass over this parse, for the conversion to take rather than run it again: by the
    #: dialect it read labels in, the labels it found (in order) and what it warned
    labelled: dict[object, tuple[dict[str, Label], list[Warning_]]] | None = field(
        default=None, repr=False, compare=False
    )


#: converts a text (at a 1-based line) from its tokens (``None``: not among the parse's fragments)
ConvertFragment = Callable[[str, int, "Fragment | None"], str]


class Fragments:
    """The fragments of one token (a directive's title, caption and cells, see :class:`.nesting.Fragment`),
    tokenized by the document's parse, and the conversion the walk gives them (with its context).

    ``convert`` is handed to the construct with the token (``Directive.fragments``), never kept on the
    context: a fragment is converted by the walk converting the token it stands in.
    """

    def __init__(self, token: Token | None, convert: ConvertFragment | None = None):
        self.table: Mapping[str, Fragment] = ((token.meta or {}).get("fragments") or {}) if token is not None else {}
        self._convert = convert
        self._tokenize: Callable[[str], list[Token]] | None = None

    @classmethod
    def tokenizing(cls, tokenize: Callable[[str], list[Token]]) -> Fragments:
        """The parse's stand-in, for a construct that finds its fragments as its conversion does (a
        list-table's cells): each text it would convert is tokenized (and kept as it is)."""
        fragments = cls(None)
        fragments._tokenize = tokenize
        return fragments

    def tokens(self, text: str) -> list[Token] | None:
        """The block tokens of ``text`` (``None``: the parse did not find it among the token's fragments)."""
        if self._tokenize is not None:
            return self._tokenize(text)
        fragment = self.table.get(text)
        return fragment.tokens if fragment is not None else None

    def convert(self, text: str, lineno: int) -> str:
        """``text`` (a fragment standing at line ``lineno``) converted to Quarto; without a walk, as it is."""
        if self._tokenize is not None and text:
            self._tokenize(text)
        if not text or self._convert is None:
            return text
        return self._convert(text, lineno, self.table.get(text))


def convert_fragment(d: Directive, text: str, lineno: int) -> str:
    """A text of directive ``d`` that is MyST of its own (its title, a cell) converted with the document's
    labels, from the tokens of the document's parse (as it is when no walk converts ``d``)."""
    fragments = d.fragments
    return fragments.convert(text, lineno) if isinstance(fragments, Fragments) else text
