"""The token constructs' registry: which rule each token type goes to, derived from the
``TOKEN_SPECS`` of the token construct modules (as :mod:`.registry` derives the directive and role
tables from their ``SPECS``).

The walker builds its table from :func:`token_table`; a token construct is one
:class:`~.base.TokenSpec` in its module's ``TOKEN_SPECS`` (and, for a new module, one line here).
:func:`add_token_rule` adds one while the process runs, as markdown-it's ``add_render_rule`` does.
A type no spec names is left as written.

This module sits above :mod:`.registry`: the fence and inline rules ask it for directives and roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from ..context import Options
from ..dialect import Dialect
from . import alerts, attrs, blocks, comments, fences, fieldlists, html, inline, math, targets
from .base import TokenRule, TokenSpec, in_dialect

#: every token construct's spec, module by module
TOKEN_SPECS: tuple[TokenSpec, ...] = (
    *targets.TOKEN_SPECS,
    *blocks.TOKEN_SPECS,
    *attrs.TOKEN_SPECS,
    *inline.TOKEN_SPECS,
    *fences.TOKEN_SPECS,
    *math.TOKEN_SPECS,
    *html.TOKEN_SPECS,
    *comments.TOKEN_SPECS,
    *alerts.TOKEN_SPECS,
    *fieldlists.TOKEN_SPECS,
)


def token_table(dialect: Dialect = Dialect.JB1) -> dict[str, TokenSpec]:
    """Token type → the spec whose rule takes it, as ``dialect`` reads the specs; a type two specs claim
    is an error. Worked out once per dialect and set of specs (every walk, a fragment's too, asks)."""
    return dict(_table(dialect, TOKEN_SPECS))


def token_rules(dialect: Dialect = Dialect.JB1) -> Mapping[str, TokenRule]:
    """Token type → rule of :func:`token_table`, worked out once per dialect and set of specs: what every
    walker (a fragment's too) calls with itself, without a copy of the table each time (read only)."""
    return _rules(dialect, TOKEN_SPECS)


@lru_cache(maxsize=8)
def _rules(dialect: Dialect, specs: tuple[TokenSpec, ...]) -> Mapping[str, TokenRule]:
    return MappingProxyType({kind: spec.rule for kind, spec in _table(dialect, specs).items()})


@lru_cache(maxsize=8)
def _table(dialect: Dialect, specs: tuple[TokenSpec, ...]) -> dict[str, TokenSpec]:
    table: dict[str, TokenSpec] = {}
    for spec in (in_dialect(spec, dialect) for spec in specs):
        for token_type in spec.token_types:
            if token_type in table:
                raise ValueError(f"token type {token_type} has two rules: {table[token_type].name}, {spec.name}")
            table[token_type] = spec
    return table


def parse_extensions(options: Options) -> frozenset[str]:
    """The optional syntax the parse reads for ``options`` (:func:`.parser.create_md_parser`'s
    ``extensions``): each spec's ``extension`` whose :class:`~..context.Options` flag is on, unless the
    document's dialect has no such syntax (the spec's ``parsed``).

    >>> sorted(parse_extensions(Options(fieldlist=True))), sorted(parse_extensions(Options()))
    (['fieldlist'], [])
    >>> sorted(parse_extensions(Options(fieldlist=True, dialect=Dialect.JB2)))
    []
    """
    specs = (in_dialect(spec, options.dialect) for spec in TOKEN_SPECS)
    return frozenset(s.extension for s in specs if s.extension and s.parsed and getattr(options, s.extension))


def add_token_rule(spec: TokenSpec) -> None:
    """Register ``spec`` for walkers made from now on (a plugin's construct, a test's toy one)."""
    global TOKEN_SPECS
    TOKEN_SPECS = (*TOKEN_SPECS, spec)
