"""The table from MyST construct to the function that converts it.

Every family of constructs lives in its own module and exports ``DIRECTIVES`` (name →
function), ``ROLES`` and ``LABELS`` (directive name → label kind). This module assembles the
tables and is the only place the walker asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it.token import Token

from ..codes import Code
from ..context import Context
from ..directives import Directive
from ..source import View
from . import (
    admonitions,
    code,
    comments,
    exercises,
    figures,
    glossary,
    includes,
    layout,
    math,
    media,
    proofs,
    references,
    tables,
    textroles,
)
from .base import DirectiveFn, Rewrite, Role, RoleFn, RoleResult

DIRECTIVES: dict[str, DirectiveFn] = {
    **admonitions.DIRECTIVES,
    **figures.DIRECTIVES,
    **code.DIRECTIVES,
    **math.DIRECTIVES,
    **layout.DIRECTIVES,
    **tables.DIRECTIVES,
    **glossary.DIRECTIVES,
    **includes.DIRECTIVES,
    **exercises.DIRECTIVES,
    **proofs.DIRECTIVES,
}
ROLES: dict[str, RoleFn] = {**textroles.ROLES, **references.ROLES}
LABEL_KINDS: dict[str, str] = {
    **figures.LABELS,
    **math.LABELS,
    **tables.LABELS,
    **code.LABELS,
    **layout.LABELS,
    **includes.LABELS,
}
#: directives that name their label with ``:label:`` (sphinx-exercise, sphinx-proof): name → (label, kind)
LABEL_FUNCTIONS: dict[str, Callable[[Directive], tuple[str, str] | None]] = {**exercises.LABELS, **proofs.LABELS}
#: directives whose body is not Markdown, or is rebuilt by its function
NOT_MARKDOWN = code.VERBATIM

#: inline token types the walker hands to construct functions
INLINE_TYPES = frozenset({"myst_role", "html_inline", "math_inline", "math_inline_double", "image", "link_open"})

images_folder = figures.images_folder
escape_fences = code.escape_fences
plain_fence_info = code.plain_fence_info
report_macros = math.report_macros
math_block = math.math_block
line_comment = comments.line_comment


def parses_body(name: str) -> bool:
    """Is the body of directive ``name`` MyST to be converted in place?"""
    return name not in NOT_MARKDOWN


def label_of(d: Directive) -> tuple[str, str] | None:
    """``(label, kind)`` a directive defines, if any."""
    if d.name in LABEL_FUNCTIONS:
        return LABEL_FUNCTIONS[d.name](d)
    kind = LABEL_KINDS.get(d.name)
    if d.name == "figure-md":
        name = d.argument.split()[0] if d.argument else d.option("name")
    else:
        name = d.option("name") or (d.option("label") if d.name == "math" else "")
    if not name:
        return None
    if kind is None:
        kind = "anchor"
    return name, kind


def title_of(d: Directive) -> str:
    return d.argument if d.name not in ("figure", "image", "code-cell", "code-block", "code") else ""


def directive(d: Directive, ctx: Context) -> Rewrite:
    """The rewrite for a directive; unknown names get the fenced-div fallback."""
    fn = DIRECTIVES.get(d.name, layout.unknown)
    rewrite = fn(d, ctx)
    if d.invalid_classes:
        names = ", ".join(repr(name) for name in d.invalid_classes)
        ctx.warn(d.lineno, f"{{{d.name}}}: class names Pandoc cannot read left out: {names}", Code.CLASS_INVALID)
    return rewrite


def role(r: Role, ctx: Context) -> RoleResult | None:
    fn = ROLES.get(r.name)
    if fn is None and r.name.startswith("cite"):
        fn = references.cite
    if fn is None and r.name.startswith(textroles.DOMAIN_CODE_PREFIXES):
        fn = textroles.code
    if fn is None:
        fn = textroles.unknown
    return fn(r, ctx)


def inline_token(token: Token, source: str, line: int, ctx: Context, alone: bool = False) -> str | None:
    """Rewrite of an inline token other than a role (``<img>``, images, math with macros).

    ``alone``: the token is all of its paragraph.
    """
    if token.type == "image":
        return figures.markdown_image_token(token, source, ctx, alone)
    if token.type == "html_inline":
        if re.match(r"<img\b", source, re.IGNORECASE):
            return figures.img_tag_to_markdown(source, ctx, line)
        if source.startswith("<!--"):
            return comments.inline_comment(source, ctx)
        return None
    if token.type in ("math_inline", "math_inline_double"):
        return math.inline_math(source, ctx, line)
    return None


def html_block(token: Token, view: View, ctx: Context) -> str | None:
    """Raw HTML blocks: LaTeX comments go, lone ``<img>``/video ``<iframe>`` convert."""
    assert token.map is not None
    line = view.lineno(token.map[0])
    content = token.content.rstrip("\n")
    if content.lstrip().startswith("<!--"):
        return comments.html_comment_block(token, ctx)
    images = figures.img_block(content, ctx, line)
    if images is not None:
        return images
    video = media.iframe_to_video(content, ctx, line)
    if video is not None:
        return video
    return None
