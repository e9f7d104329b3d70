"""The tables from MyST construct to the function that converts it, derived from the specs.

Every family of constructs lives in its own module and registers a ``SPECS`` tuple of
:class:`~.base.DirectiveSpec` / :class:`~.base.RoleSpec`. This module derives every table
from them and is the only place the core (walker, label pass, book) asks about a directive or a
role. The token constructs (targets, headings, links, math blocks, …) have a registry of their own,
:mod:`.tokens`, above this one.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it.token import Token

from ..codes import Code
from ..context import Context
from ..dialect import Dialect
from ..directives import Directive
from . import (
    admonitions,
    citations,
    code,
    code_cells,
    comments,
    design,
    embeds,
    exercises,
    figures,
    glossary,
    glue,
    includes,
    layout,
    math,
    media,
    proofs,
    references,
    tables,
    textroles,
    visibility,
)
from .base import (
    DirectiveSpec,
    LabelDef,
    Rewrite,
    Role,
    RoleFn,
    RoleResult,
    RoleSpec,
    in_dialect,
    report_unknown_options,
)

#: every directive's spec, family by family
DIRECTIVE_SPECS: tuple[DirectiveSpec, ...] = (
    *admonitions.SPECS,
    *figures.SPECS,
    *media.SPECS,
    *embeds.SPECS,
    *code.SPECS,
    *code_cells.SPECS,
    *math.SPECS,
    *layout.SPECS,
    *tables.SPECS,
    *design.SPECS,
    *glossary.SPECS,
    *citations.SPECS,
    *includes.SPECS,
    *glue.SPECS,
    *exercises.SPECS,
    *proofs.SPECS,
    *visibility.SPECS,
)
ROLE_SPECS: tuple[RoleSpec, ...] = (
    *references.SPECS,
    *citations.ROLE_SPECS,
    *textroles.SPECS,
    *glue.ROLE_SPECS,
    *design.ROLE_SPECS,
)


def _by_name(specs: tuple[DirectiveSpec, ...]) -> dict[str, DirectiveSpec]:
    table: dict[str, DirectiveSpec] = {}
    for spec in specs:
        for name in spec.names:
            if name in table:
                raise ValueError(f"directive {{{name}}} has two specs")
            table[name] = spec
    return table


#: directive name → its spec
SPECS: dict[str, DirectiveSpec] = _by_name(DIRECTIVE_SPECS)
#: directive name → the function that converts it
DIRECTIVES = {name: spec.function for name, spec in SPECS.items()}
#: directives whose body is not Markdown, or is rebuilt by its function: never parsed
VERBATIM = frozenset(name for name, spec in SPECS.items() if spec.verbatim)
#: Quarto attributes prose options are written to (``lst-cap``, ``filename``, ``fig-alt``) in either
#: dialect: translated
PROSE_ATTRIBUTES = frozenset(
    attribute
    for spec in DIRECTIVE_SPECS
    for dialect in Dialect
    for _, attribute in in_dialect(spec, dialect).prose_attributes
)


@cache
def role_tables(dialect: Dialect) -> tuple[dict[str, RoleFn], tuple[tuple[str, RoleFn], ...]]:
    """Role name → function, and ``(prefix, function)`` for roles whose name starts with the prefix
    (``{cite:p}``, ``{py:func}``), as ``dialect`` reads the role specs."""
    specs = [in_dialect(spec, dialect) for spec in ROLE_SPECS]
    names = {name: spec.function for spec in specs for name in spec.names}
    return names, tuple((prefix, spec.function) for spec in specs for prefix in spec.prefixes)


#: role name → function (Jupyter Book 1's; :func:`role` reads the document's dialect)
ROLES: dict[str, RoleFn] = role_tables(Dialect.JB1)[0]

#: inline token types :mod:`.inline` hands to construct functions
INLINE_TYPES = frozenset({"myst_role", "html_inline", "math_inline", "math_inline_double", "image", "link_open"})

images_folder = figures.images_folder
report_macros = math.report_macros


def spec_of(name: str, dialect: Dialect = Dialect.JB1) -> DirectiveSpec:
    """The spec of directive ``name`` as ``dialect`` reads it; the fenced-div fallback for names no
    module registers. What the parse asks (``body``, ``fragments``) is the same in both dialects."""
    return in_dialect(SPECS.get(name, layout.FALLBACK), dialect)


def parses_body(name: str) -> bool:
    """Is the body of directive ``name`` MyST to be converted in place?"""
    return not spec_of(name).verbatim


def labels_of(d: Directive, dialect: Dialect = Dialect.JB1) -> list[LabelDef]:
    """The labels a directive defines in ``dialect`` (any more, then its own as its spec finds it), with their lines."""
    return spec_of(d.name, dialect).labels(d)


def literal_body(name: str) -> bool:
    """Is the body of directive ``name`` no Markdown at all (code, math, raw output)?"""
    return spec_of(name).body == "literal"


def captions_table(name: str) -> bool:
    """Does directive ``name`` write the caption of the table in its body (``{table}``)?"""
    return spec_of(name).captions_table


def path_argument(name: str) -> bool:
    """Is the argument of directive ``name`` a file (``{figure} bild.png``) a book copies?"""
    return spec_of(name).path_argument


def directive(d: Directive, ctx: Context) -> Rewrite:
    """The rewrite for a directive; unknown names get the fenced-div fallback."""
    spec = spec_of(d.name, ctx.options.dialect)
    report_unknown_options(d, ctx, spec.known_options)
    rewrite = spec.function(d, ctx)
    if d.invalid_classes:
        names = ", ".join(repr(name) for name in d.invalid_classes)
        ctx.warn(d.lineno, f"{{{d.name}}}: class names Pandoc cannot read left out: {names}", Code.CLASS_INVALID)
    return rewrite


def role(r: Role, ctx: Context) -> RoleResult | None:
    names, prefixes = role_tables(ctx.options.dialect)
    fn = names.get(r.name)
    if fn is None:
        fn = next((f for prefix, f in prefixes if r.name.startswith(prefix)), textroles.unknown)
    return fn(r, ctx)


_IMG_TAG = re.compile(r"<img\b", re.IGNORECASE)


def inline_token(token: Token, source: str, line: int, ctx: Context, alone: bool = False) -> str | None:
    """Rewrite of an inline token other than a role (``<img>``, images, math with macros).

    ``alone``: the token is all of its paragraph.
    """
    if token.type == "image":
        return figures.markdown_image_token(token, source, ctx, alone, line)
    if token.type == "html_inline":
        if _IMG_TAG.match(source):
            return figures.img_tag_to_markdown(source, ctx, line)
        if source.startswith("<!--"):
            return comments.inline_comment(source, ctx)
        return None
    if token.type in ("math_inline", "math_inline_double"):
        return math.inline_math(source, ctx, line)
    return None
