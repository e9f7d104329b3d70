"""The one writer of construct ids.

Every id a construct writes (``#tbl-werte`` on a table's caption, ``::: {#thm-satz}``, ``{#eq-x}``
after display math, ``[]{#anchor}``, a glossary term's ``{#term-x}``) comes from here: the label
pass's :class:`~myst2qmd.context.Label` for the label the spec's label rule reads (``:name:``,
``:label:``, the argument), its Quarto id as the label pass made it with the spec's kind; else
(a label the pass did not see: in a fragment, or a walk without a label pass) one made from the
label as written, as the construct's kind says. Construct modules never format an id themselves
(``tests/test_ids.py`` reads their source).
"""

from __future__ import annotations

from typing import Literal

from ..context import Context
from ..directives import Directive
from ..labels import AnyOf, math_key, quarto_id, slug, unique_id
from .base import LabelSource, own_label

#: how an id is made from a label the label pass did not see: by its kind (:func:`.labels.quarto_id`),
#: as written, or none is made
Fallback = Literal["kind", "as-written", "none"]


def label_id(ctx: Context, name: str, kind: str, fallback: Fallback = "kind") -> str:
    """The Quarto id of label ``name`` (no ``#``): the label pass's, else made as ``fallback`` says.

    >>> from myst2qmd.context import Label
    >>> ctx = Context(labels={"werte": Label("werte", "tbl", "tbl-werte", 1)})
    >>> label_id(ctx, "werte", "tbl"), label_id(ctx, "Andere", "tbl"), label_id(ctx, "Andere", "anchor", "as-written")
    ('tbl-werte', 'tbl-andere', 'Andere')
    """
    label = (ctx.labels.get(math_key(name)) if kind == "eq" else None) or ctx.labels.get(name)
    if label is not None:
        return label.quarto_id
    if fallback == "kind":
        return quarto_id(name, kind)
    return name if fallback == "as-written" else ""


def attribute(ident: str) -> str:
    """``#id``, an id among a div's or a heading's attributes."""
    return f"#{ident}"


def attributes(ident: str, classes: list[str], pairs: dict[str, str]) -> str:
    """``{#id .a key="v"}``: a block's Pandoc attributes (MyST's block attributes, as written).

    >>> attributes("kopf", ["wichtig"], {"data-x": "1"})
    '{#kopf .wichtig data-x="1"}'
    """
    values = ['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in pairs.values()]
    parts = ([attribute(ident)] if ident else []) + [f".{c}" for c in classes]
    return "{" + " ".join(parts + [f"{k}={v}" for k, v in zip(pairs, values, strict=True)]) + "}"


def braced(ident: str) -> str:
    """``{#id}``, the attributes of a span, an equation, a table or a div holding the id only."""
    return f"{{#{ident}}}"


def anchor(ident: str) -> str:
    """``[]{#id}``, an empty span standing for the id."""
    return "[]" + braced(ident)


def own_id(
    d: Directive,
    ctx: Context,
    kind: str,
    sources: tuple[LabelSource, ...] = ("name", "label"),
    fallback: Fallback = "kind",
) -> str:
    """``#id`` for the label ``d`` gives itself (read from ``sources``, its spec's label rule), or ``""``.

    ``:name: tbl-werte`` → ``#tbl-werte``; ``:name: Werte`` (kind ``tbl``) → ``#tbl-werte``.
    """
    name = own_label(d, sources)
    return attribute(label_id(ctx, name, kind, fallback)) if name else ""


def numbered_id(d: Directive, ctx: Context, prefix: str, sources: tuple[LabelSource, ...]) -> str:
    """The id of a numbered block (a theorem, an exercise): its label's, else a generated ``prefix-n``
    (``n``: the blocks of its kind so far, ``ctx.numbers``; counted before this is called)."""
    name = own_label(d, sources)
    if name:
        return label_id(ctx, name, prefix)
    ident = f"{prefix}-{ctx.numbers[prefix]}"
    if any(other.quarto_id == ident for other in ctx.labels.values()):
        ident = f"{ident}-{d.lineno}"
    return ident


def anchor_id(d: Directive, ctx: Context, sources: tuple[LabelSource, ...]) -> str:
    """The id of the anchor standing for an unnumbered block's label, or ``""``."""
    name = own_label(d, sources)
    return label_id(ctx, name, "anchor") if name else ""


def figure_id(label: str, ctx: Context, fallback: str) -> str:
    """The div id of a figure: its label's Quarto id, else one made from ``fallback``.

    An unlabelled figure is still numbered in MyST, so it gets ``#fig-<image name>``;
    ``#fig-<image name>-2``, ``-3``, … when a label or another figure already has that id
    (``a/img.png`` and ``b/img.png`` become ``#fig-img`` and ``#fig-img-2``).
    """
    if label:
        return label_id(ctx, label, "fig")
    own = {other.quarto_id for other in ctx.labels.values()}
    ident = unique_id(f"fig-{slug(fallback)}", AnyOf(own, ctx.options.external_labels.values(), ctx.generated_ids))
    ctx.generated_ids.add(ident)
    return ident


def subfigure_id(figure: str, n: int) -> str:
    """The id of subfigure ``n`` (from 0) of figure ``figure``: ``fig-paar`` → ``fig-paar-a``, ``-b`` …,
    as MyST letters its subfigures (a), (b).

    >>> subfigure_id("fig-paar", 1)
    'fig-paar-b'
    """
    return f"{figure}-{chr(ord('a') + n % 26)}" + (str(n // 26) if n >= 26 else "")
