"""A parse of one view: its tokens, and the directives and parsed bodies found in them.

:mod:`.convert` makes it (one parse per document, bodies from that parse); the label pass
(:mod:`.labelpass`) and the walk (:mod:`.walker`) read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from .context import Warning_
from .directives import Directive
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
    #: the parse's environment when inline tokens are parsed one at a time (see :func:`.constructs.inline.children`)
    env: dict[str, Any] | None = None
    #: what the parse had to say (bodies it could not map or nested too deep): told again by every
    #: conversion that reuses this parse
    warnings: list[Warning_] = field(default_factory=list)
    #: what constructs read from this parse, found once per parse (the heading levels in it, …)
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
