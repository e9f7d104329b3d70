"""Admonitions to Quarto callouts.

MyST::

    ```{admonition} Frage
    :class: dropdown
    Was ist die Grösse der Activation Map?
    ```

Quarto::

    ::: {.callout-note appearance="simple" collapse="true"}

    ## Frage

    Was ist die Grösse der Activation Map?
    :::

A plain ```` ```{note} ```` becomes ``::: {.callout-note appearance="simple"}``; kinds Quarto
lacks keep their MyST title (```` ```{hint} ```` → ``::: {.callout-tip title="Hint" appearance="simple"}``).
A title (``{admonition}``'s argument, or in Jupyter Book 2 any admonition's) is the callout's
heading, which Quarto shows as its title (a heading keeps the title's markup and is translated as
prose). A dropdown (``{dropdown}``, ``:class: dropdown`` or ``toggle``, ``{toggle}``) gets
``collapse="true"`` (``"false"`` with ``:open:`` or ``:show:``); ``:icon: false`` → ``icon="false"``;
``:class: margin`` / ``full-width`` → ``.column-margin`` / ``.column-page``; a sphinx-design
``:color:`` picks the callout of that colour, or stays as an attribute with a warning.
"""

from __future__ import annotations

import re

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..parsed import convert_fragment
from . import ids
from .base import FENCE, DirectiveSpec, Rewrite, Tokenize, attr_value, div_open, jb2, own_label

#: MyST admonition → Quarto callout kind (Quarto has note, tip, warning, caution, important)
CALLOUT_KIND = {
    "note": "note",
    "tip": "tip",
    "hint": "tip",
    "seealso": "note",
    "important": "important",
    "attention": "important",
    "warning": "warning",
    "caution": "caution",
    "danger": "important",
    "error": "important",
    "admonition": "note",
    "dropdown": "note",
    "topic": "note",
    "versionadded": "note",
    "versionchanged": "note",
    "deprecated": "warning",
}

#: the title MyST shows for kinds Quarto has no callout of (Quarto would say "Tip" for a hint)
KIND_TITLES = {
    "hint": "Hint",
    "seealso": "See also",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
}
#: a sphinx-design ``:color:`` → the callout of that colour (the others have none: kept, warned)
COLOR_KIND = {"primary": "note", "info": "note", "success": "tip", "warning": "warning", "danger": "important"}
#: Jupyter Book's layout classes → Quarto's columns
LAYOUT_CLASSES = {"margin": "column-margin", "full-width": "column-page"}
#: classes that fold an admonition (sphinx-togglebutton, Jupyter Book); ``toggle-shown`` folds it open
FOLDING_CLASSES = {"dropdown": "true", "toggle": "true", "toggle-shown": "false"}
#: classes that are read, never written as classes
_READ_CLASSES = frozenset({*FOLDING_CLASSES, "simple", "admonition"})

#: default titles for directives whose argument is not a title
_VERSION_TITLES = {
    "versionadded": "New in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
}
#: admonitions that take no argument (docutils' BaseAdmonition, Sphinx's seealso and todo):
#: MyST-Parser makes text on their directive line the first line of the body (their spec's
#: ``title=False``); mystmd reads it as the title (their spec's ``jb2``)
_NO_ARGUMENT = (
    "note",
    "tip",
    "hint",
    "seealso",
    "important",
    "attention",
    "warning",
    "caution",
    "danger",
    "error",
)
#: options that need no carrying over (or are handled below)
_KNOWN_OPTIONS = frozenset(
    {
        "class",
        "name",
        "open",
        "collapsible",
        "icon",
        "color",
        "animate",
        "margin",
        "chevron",
        "title",
        "nonumber",
        "label",
    }
)
#: option values that say no (``:open: false``, ``:icon: false``)
_NO = frozenset({"false", "no", "off", "0"})

#: a line that opens (or closes) a code fence or a div
_FENCE_START = re.compile(r"(`{3,}|~{3,}|:{3,})")


def _argument_texts(d: Directive, titled: bool) -> tuple[str, str]:
    """``(title, first line)`` the argument gives (``titled``: it is a title, else the body's first line),
    with a ``:title:`` option standing in for a missing title."""
    title, first_line = (d.argument, "") if titled else ("", d.argument)
    if d.name in _VERSION_TITLES:
        title = f"{_VERSION_TITLES[d.name]} {d.argument}".strip()
    return title or d.option("title"), first_line


def _fragments(d: Directive, tokenize: Tokenize) -> None:
    """The texts an admonition converts as MyST, for the parse: its argument (a title in Jupyter Book 2,
    the body's first line in Jupyter Book 1, the same text either way), its version title, its ``:title:``."""
    for text in {d.argument, _argument_texts(d, True)[0], d.option("title")}:
        if text:
            tokenize(text)


def _said(d: Directive, key: str) -> bool:
    """Is option ``key`` given and not ``false`` (``:open:``, ``:open: true``; not ``:open: false``)?"""
    return d.flag(key) and d.option(key).strip().lower() not in _NO


def _kind(d: Directive, classes: list[str], ctx: Context) -> tuple[str, list[str]]:
    """The callout kind (a class naming one wins for ``{admonition}``, ``{dropdown}``, ``{topic}``; then a
    ``:color:``) and the attributes a colour without a callout keeps."""
    kind = CALLOUT_KIND.get(d.name, "note")
    if d.name in ("admonition", "dropdown", "topic"):
        kind = next((CALLOUT_KIND[c] for c in classes if c in CALLOUT_KIND and c not in _READ_CLASSES), kind)
    color = d.option("color").strip()
    if not color:
        return kind, []
    if color in COLOR_KIND:
        return COLOR_KIND[color], []
    ctx.warn(d.lineno, f"{{{d.name}}} :color: {color} has no Quarto callout; kept as an attribute", Code.QUARTO_DIFFERS)
    return kind, [f"color={attr_value(color)}"]


def _collapse(d: Directive, classes: list[str]) -> str | None:
    """``collapse=``'s value: ``"true"`` for a dropdown, ``"false"`` for one shown open, else ``None``."""
    folded = [FOLDING_CLASSES[c] for c in classes if c in FOLDING_CLASSES]
    if d.name != "dropdown" and not folded and not d.flag("collapsible"):
        return None
    return "false" if _said(d, "open") or "false" in folded else "true"


def _icon(d: Directive, ctx: Context) -> list[str]:
    """``:icon: false`` → ``icon="false"``; an icon by name (sphinx-design's octicons) is warned."""
    icon = d.option("icon").strip()
    if not d.flag("icon") or icon.lower() in ("true", "yes", "on", "1", ""):
        return []
    if icon.lower() in _NO:
        return ['icon="false"']
    ctx.warn(d.lineno, f"{{{d.name}}} :icon: {icon}: Quarto callouts have no choice of icon", Code.QUARTO_DIFFERS)
    return []


def _attributes(d: Directive, ctx: Context, title: str) -> list[str]:
    """The callout's id, classes and attributes."""
    classes = d.classes()
    kind, kept = _kind(d, classes, ctx)
    extra = [LAYOUT_CLASSES.get(c, c) for c in classes if c not in CALLOUT_KIND and c not in _READ_CLASSES]
    parts = [f".callout-{kind}", *(f".{c}" for c in extra), *kept]
    if own_label(d):
        parts.insert(0, ids.own_id(d, ctx, "anchor", fallback="as-written"))
    if d.name in KIND_TITLES and not title:
        parts.append(f"title={attr_value(KIND_TITLES[d.name])}")
    parts.append('appearance="simple"')
    collapse = _collapse(d, classes)
    if collapse is not None:
        parts.append(f'collapse="{collapse}"')
    return parts + _icon(d, ctx)


def admonition(d: Directive, ctx: Context, titled: bool = True) -> Rewrite:
    """Any admonition-like directive to a callout; ``titled``: its argument is a title (else the
    body's first line)."""
    ctx.count(Count.CALLOUT)
    title, first_line = _argument_texts(d, titled)
    open_ = div_open(*_attributes(d, ctx, title)) + "\n"
    if title:
        # a title is MyST too: roles and links in it convert like the body's; the heading is Quarto's title
        title = " ".join(convert_fragment(d, title, d.lineno).split())
        open_ += f"\n## {title}\n"
        if any(line.strip() for line in d.body_lines) and d.body_lines[0].strip():
            open_ += "\n"
    if first_line:
        # the body's first line, joined to the paragraph below it as MyST joins it
        line = convert_fragment(d, first_line, d.lineno).strip()
        if _FENCE_START.match(line):
            # a fence there would open a block the walk never sees close (or close the callout)
            ctx.warn(d.lineno, f"text on the {{{d.name}}} line starts a fence; written as text", Code.UNCONVERTED)
            line = "\\" + line
        open_ += line + "\n"
    return Rewrite(open=open_, close=FENCE)


def _untitled(d: Directive, ctx: Context) -> Rewrite:
    """An admonition whose directive line is the first line of its body (``{note} Erste Zeile``)."""
    return admonition(d, ctx, titled=False)


def toggle(d: Directive, ctx: Context) -> Rewrite:
    """sphinx-togglebutton's ``{toggle}``: its body folded (``:show:``: shown), as a folded callout."""
    ctx.count(Count.CALLOUT)
    parts = [".callout-note", 'appearance="simple"', f'collapse="{"false" if _said(d, "show") else "true"}"']
    if own_label(d):
        parts.insert(0, ids.own_id(d, ctx, "anchor", fallback="as-written"))
    return Rewrite(open=div_open(*parts) + "\n", close=FENCE)


def _spec(names: tuple[str, ...], titled: bool) -> DirectiveSpec:
    """One spec for admonitions whose argument is (or is not) a title: the function and the
    label's title (a ``{ref}``'s text) read the same ``titled``. mystmd (Jupyter Book 2) reads every
    admonition's argument as its title (``:::{note} Titel``): its switch, ``jb2``."""
    return DirectiveSpec(
        names,
        admonition if titled else _untitled,
        title=titled,
        options=_KNOWN_OPTIONS,
        fragments=_fragments,
        jb2=jb2(function=admonition, title=True),
    )


SPECS = (
    _spec(tuple(n for n in CALLOUT_KIND if n not in _NO_ARGUMENT), True),
    _spec(_NO_ARGUMENT, False),
    DirectiveSpec(("toggle",), toggle, title=False, options=frozenset({"show"}), prose=("body",)),
)
