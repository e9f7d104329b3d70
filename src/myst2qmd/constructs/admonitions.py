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
lacks keep their MyST title (```` ```{hint} ```` →
``::: {.callout-tip title="Hint" appearance="simple"}``); a custom
title is a bold first paragraph (``**Frage**``, as in the seed's example); a dropdown needs a
clickable header, so its title is the callout's heading and it gets ``collapse="true"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..parsed import convert_fragment
from . import ids
from .base import FENCE, DirectiveSpec, Rewrite, Tokenize, attr_value, can_embolden, div_open, jb2, own_label

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
    "danger": "caution",
    "error": "caution",
    "admonition": "note",
    "dropdown": "note",
    "topic": "note",
    "versionadded": "note",
    "versionchanged": "note",
    "deprecated": "warning",
}

#: a sphinx-design dropdown's ``:color:`` → the callout kind of that colour
DROPDOWN_COLORS = {"success": "tip", "warning": "warning", "danger": "caution", "info": "note", "primary": "note"}

#: the title MyST shows for kinds Quarto has no callout of (Quarto would say "Tip" for a hint)
KIND_TITLES = {
    "hint": "Hint",
    "seealso": "See also",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
}

#: default titles for directives whose argument is not a title
_VERSION_TITLES = {
    "versionadded": "New in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
}
#: admonitions that take no argument (docutils' BaseAdmonition, Sphinx's seealso and todo):
#: MyST makes text on their directive line the first line of the body (their spec's ``title=False``)
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
#: options that need no carrying over (or are handled above)
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


#: a line that opens (or closes) a code fence or a div
_FENCE_START = re.compile(r"(`{3,}|~{3,}|:{3,})")


def _argument_texts(d: Directive, titled: bool) -> tuple[str, str]:
    """``(title, first line)`` the argument gives (``titled``: it is a title, else the body's first line),
    before a ``:title:`` option stands in for a missing title."""
    title, first_line = (d.argument, "") if titled else ("", d.argument)
    if d.name in _VERSION_TITLES:
        title = f"{_VERSION_TITLES[d.name]} {d.argument}".strip()
    return title, first_line


def _fragments(titled: bool) -> Callable[[Directive, Tokenize], None]:
    """The texts an admonition converts as MyST (its title, or the first line its argument is), for the parse."""

    def tokenize_texts(d: Directive, tokenize: Tokenize) -> None:
        title, first_line = _argument_texts(d, titled)
        for text in (title or d.option("title"), first_line):
            if text:
                tokenize(text)

    return tokenize_texts


def admonition(d: Directive, ctx: Context, titled: bool = True) -> Rewrite:
    """Any admonition-like directive to a callout; ``titled``: its argument is a title (else the
    body's first line)."""
    ctx.count(Count.CALLOUT)
    classes = d.classes()
    kind = CALLOUT_KIND.get(d.name, "note")
    if d.name in ("admonition", "dropdown", "topic"):
        for cls in classes:
            if cls in CALLOUT_KIND and cls not in ("admonition", "dropdown"):
                kind = CALLOUT_KIND[cls]
                break
    if d.name == "dropdown" and d.option("color").strip() in DROPDOWN_COLORS:
        kind = DROPDOWN_COLORS[d.option("color").strip()]
    # sphinx-togglebutton folds admonitions of class ``toggle`` as sphinx-design folds ``dropdown``
    dropdown = d.name == "dropdown" or "dropdown" in classes or "toggle" in classes or d.flag("collapsible")
    extra_classes = [c for c in classes if c not in CALLOUT_KIND and c not in ("dropdown", "toggle", "simple")]
    title, first_line = _argument_texts(d, titled)
    parts = [f".callout-{kind}"] + [f".{c}" for c in extra_classes]
    if d.name in KIND_TITLES and not (dropdown and title):
        parts.append(f"title={attr_value(KIND_TITLES[d.name])}")
    parts.append('appearance="simple"')
    if dropdown:
        # a dropdown shown open (":open:") still folds, it just starts unfolded
        parts.append('collapse="false"' if d.flag("open") else 'collapse="true"')
    if own_label(d):
        parts.insert(0, ids.own_id(d, ctx, "anchor", fallback="as-written"))
    if d.option("title") and not title:
        title = d.option("title")
    open_ = div_open(*parts) + "\n"
    has_body = any(line.strip() for line in d.body_lines)
    if title:
        # a title is MyST too: roles and links in it convert like the body's
        title = " ".join(convert_fragment(d, title, d.lineno).split())
        heading = f"## {title}" if dropdown or not can_embolden(title) else f"**{title}**"
        open_ += f"\n{heading}\n"
        if has_body and d.body_lines[0].strip():
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


def _spec(names: tuple[str, ...], titled: bool) -> DirectiveSpec:
    """One spec for admonitions whose argument is (or is not) a title: the function and the
    label's title (a ``{ref}``'s text) read the same ``titled``. mystmd (Jupyter Book 2) reads every
    admonition's argument as its title (``:::{note} Titel``): its switch, ``jb2``."""
    return DirectiveSpec(
        names,
        admonition if titled else _untitled,
        title=titled,
        options=_KNOWN_OPTIONS,
        fragments=_fragments(titled),
        jb2=jb2(function=admonition, title=True),
    )


SPECS = (_spec(tuple(n for n in CALLOUT_KIND if n not in _NO_ARGUMENT), True), _spec(_NO_ARGUMENT, False))
