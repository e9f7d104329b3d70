"""Citations (sphinxcontrib-bibtex's roles and directives).

MyST → Quarto::

    {cite}`a,b`  /  {cite:t}`a`  /  {cite:ct}`a`   →  [@a; @b]  /  @a  /  @a
    {cite:p}`{vgl.}a{S. 3}`                         →  [vgl. @a, S. 3]
    {footcite}`a`  /  {footcite:t}`a`               →  ^[@a]  /  @a^[@a]
    ```{footbibliography}```                        →  (removed: Quarto lists the references itself)

Quarto's citations have no capitalised form (``{cite:ct}``: the style capitalises a name) and no
per-document footnote bibliography; a footnote holding the citation is the nearest Quarto has.
"""

from __future__ import annotations

import re

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from .base import DirectiveSpec, Rewrite, Role, RoleResult, RoleSpec

_CITE_KEY = re.compile(r"^[\w][\w:.#$%&\-+?<>~/]*$")
_NOTED = re.compile(r"^\s*(?:\{(?P<pre>[^{}]*)\})?(?P<keys>[^{}]*?)(?:\{(?P<post>[^{}]*)\})?\s*$")
#: sphinxcontrib-bibtex's textual styles (``c``: capitalised, ``s``: every author): the author in the text
TEXTUAL = frozenset({"t", "ts", "ct", "cts", "author", "authors", "cauthor", "cauthors", "alt", "alts"})
#: styles that show the entry's label or text itself: nearest is the textual citation too
SHOWN = frozenset({"label", "labels", "text"})


_BRACED = re.compile(r"\{[^{}]*\}")


def cite_key(key: str) -> str:
    """``@key``, or ``@{key}`` when Pandoc would end the key early.

    >>> cite_key("lecun1998"), cite_key("a:b."), cite_key("x_")
    ('@lecun1998', '@{a:b.}', '@x_')
    """
    key = key.strip()
    if _CITE_KEY.match(key) and key[-1].isalnum() or key.endswith("_"):
        return f"@{key}"
    return f"@{{{key}}}"


def split_cite(content: str) -> tuple[str, list[str], str]:
    """``(pre-note, keys, post-note)`` of sphinxcontrib-bibtex's ``{pre}a,b{post}``.

    >>> split_cite("{vgl. }a, b{S. 3}"), split_cite("a{S. 3}")
    (('vgl.', ['a', 'b'], 'S. 3'), ('', ['a'], 'S. 3'))
    """
    match = _NOTED.match(content)
    if match is None:
        keys = _BRACED.sub("", content)
        return "", [k.strip() for k in keys.split(",") if k.strip()], ""
    found = [k.strip() for k in match.group("keys").split(",") if k.strip()]
    return (match.group("pre") or "").strip(), found, (match.group("post") or "").strip()


def _style(role: Role) -> str:
    return role.name.split(":", 1)[1] if ":" in role.name else "p"


def _parenthetical(pre: str, cites: list[str], post: str) -> str:
    """``[vgl. @a; @b, S. 3]``."""
    if post and not post.startswith(","):
        post = ", " + post
    return "[" + (pre + " " if pre else "") + "; ".join(cites) + post + "]"


def _citation(role: Role, ctx: Context, style: str, cites: list[str], pre: str, post: str) -> str:
    """The Quarto citation of one ``{cite:style}``."""
    if style in TEXTUAL or style in SHOWN:
        if pre or post:
            ctx.warn(
                role.lineno,
                f"{{{role.name}}}: Quarto's in-text citation has no notes; kept in brackets",
                Code.QUARTO_DIFFERS,
            )
            return _parenthetical(pre, cites, post)
        return ", ".join(cites)
    if style in ("year", "yearpar"):
        return "[" + "; ".join("-" + c for c in cites) + "]"
    return _parenthetical(pre, cites, post)


def cite(role: Role, ctx: Context) -> RoleResult:
    """All ``{cite:*}`` styles of sphinxcontrib-bibtex.

    ``{cite}`a,b``` → ``[@a; @b]``; ``{cite:t}`a``` → ``@a``; ``{cite:year}`a``` → ``[-@a]``;
    ``{cite:p}`{vgl.}a{S. 3}``` → ``[vgl. @a, S. 3]``.
    """
    ctx.count(Count.CITATION)
    pre, keys, post = split_cite(role.content)
    style = _style(role)
    cites = [cite_key(k) for k in keys]
    if not cites:
        ctx.warn(role.lineno, f"{{{role.name}}} without keys; kept as written", Code.UNCONVERTED)
        return RoleResult(f"{{{role.name}}}`{role.content}`")
    if style == "empty":
        ctx.info(
            role.lineno,
            f"{{cite:empty}} shows nothing; to list {', '.join(keys)} in the bibliography, "
            f"add nocite: '{', '.join(cites)}' to the front matter",
            Code.QUARTO_DIFFERS,
        )
        return RoleResult("", 1 if role.before.endswith(" ") else 0)
    return RoleResult(_citation(role, ctx, style, cites, pre, post))


def footcite(role: Role, ctx: Context) -> RoleResult:
    """``{footcite}`a,b``` → ``^[@a; @b]``, a footnote citing the works (Sphinx's footnote holds
    the full reference); ``{footcite:t}`a``` → ``@a^[@a]`` (the author in the text, the footnote after)."""
    ctx.count(Count.CITATION)
    pre, keys, post = split_cite(role.content)
    cites = [cite_key(k) for k in keys]
    if not cites:
        ctx.warn(role.lineno, f"{{{role.name}}} without keys; kept as written", Code.UNCONVERTED)
        return RoleResult(f"{{{role.name}}}`{role.content}`")
    inside = _parenthetical(pre, cites, post)[1:-1]
    if _style(role) in TEXTUAL:
        return RoleResult(", ".join(cites) + f"^[{inside}]")
    return RoleResult(f"^[{inside}]")


def footbibliography(d: Directive, ctx: Context) -> Rewrite:
    """Removed: the works cited in footnotes are in the footnotes, and Quarto lists every work
    cited at the end of the document (``#refs``)."""
    ctx.info(
        d.lineno,
        "{footbibliography} removed: Quarto lists the works cited at the end of the document",
        Code.CONSTRUCT_REMOVED,
    )
    ctx.count(Count.REMOVED, "footbibliography")
    return Rewrite(open="", body="", close="")


SPECS = (
    DirectiveSpec(
        ("footbibliography",), footbibliography, body="verbatim", prose=(), options=frozenset({"keyprefix", "style"})
    ),
)
ROLE_SPECS = (
    RoleSpec(("cite",), cite, prefixes=("cite:",)),
    RoleSpec(("footcite",), footcite, prefixes=("footcite:",)),
)
