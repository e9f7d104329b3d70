"""sphinx-proof directives to Quarto theorem and proof blocks.

MyST::

    ```{prf:theorem} Satz von Pythagoras
    :label: pythagoras

    $a^2 + b^2 = c^2$
    ```

Quarto (https://quarto.org/docs/authoring/cross-references.html#theorems-and-proofs: a div
whose id has the kind's prefix, its name the first heading inside)::

    ::: {#thm-pythagoras}

    ## Satz von Pythagoras

    $a^2 + b^2 = c^2$
    :::

``{prf:ref}`pythagoras``` then becomes ``@thm-pythagoras``.

The kinds Quarto documents: theorem ``#thm-``, lemma ``#lem-``, corollary ``#cor-``,
proposition ``#prp-``, conjecture ``#cnj-``, definition ``#def-``, example ``#exm-``,
exercise ``#exr-``, solution ``#sol-``, remark ``#rem-``, algorithm ``#alg-`` (all numbered);
``.proof``, ``.remark`` and ``.solution`` divs are the unnumbered forms. Decisions:

* sphinx-proof numbers every directive but ``prf:proof``, so an unlabelled one still gets a
  numbered Quarto block, with a generated id ``#<prefix>-<n>``: ``n`` is the block's place
  among this file's blocks of that prefix (so ``#thm-3`` is the file's third theorem), with
  ``-<line>`` added should a label of the file already map to that id. Generated ids are
  deterministic, so converting the same file again gives the same ids.
* ``:nonumber:`` is Quarto's unnumbered block of the kind, a div with its class and no
  cross-reference id (``::: {.theorem}``, ``.lemma``, ``.remark`` …); its label is an anchor.
* ``:class: dropdown`` folds the block: Quarto folds callouts only, so the block stands in a
  collapsed callout titled "Theorem (Title)".
* ``prf:proof`` is ``.proof`` (unnumbered, as in sphinx-proof); a ``:label:`` on it (or on an
  unnumbered remark) becomes an anchor ``[]{#label}`` just before the div, because Quarto
  drops ids from proof divs that are not cross-reference ids.
* Kinds Quarto lacks take the nearest kind and keep their own name in front of the title,
  with a warning: axiom, assumption, notation → definition (``Definition 2 (Axiom (Title))``),
  criterion → theorem, property → proposition, observation → remark. ``prf:algorithm``
  becomes Quarto's ``#alg-`` block (Quarto ≥ 1.4), typeset like a theorem rather than as
  pseudocode, and is warned about as well.
* ``:hidden:`` adds ``.content-hidden`` (Quarto's conditional content, hidden in every
  format); ``:class:`` values are kept as classes.
"""

from __future__ import annotations

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..parsed import convert_fragment
from . import ids
from .base import FENCE, DirectiveSpec, LabelSource, Rewrite, Tokenize, attr_value, div_open

#: sphinx-proof directive → Quarto cross-reference prefix ("" for the unnumbered proof)
KINDS = {
    "prf:theorem": "thm",
    "prf:lemma": "lem",
    "prf:definition": "def",
    "prf:corollary": "cor",
    "prf:proposition": "prp",
    "prf:conjecture": "cnj",
    "prf:example": "exm",
    "prf:remark": "rem",
    "prf:algorithm": "alg",
    "prf:proof": "",
    # no Quarto kind: the nearest one, the source's name kept in the title
    "prf:axiom": "def",
    "prf:assumption": "def",
    "prf:notation": "def",
    "prf:criterion": "thm",
    "prf:property": "prp",
    "prf:observation": "rem",
}
#: the name sphinx-proof prints for kinds Quarto does not have
_OWN_NAMES = {
    "prf:axiom": "Axiom",
    "prf:assumption": "Assumption",
    "prf:notation": "Notation",
    "prf:criterion": "Criterion",
    "prf:property": "Property",
    "prf:observation": "Observation",
}
#: Quarto's unnumbered class of each kind (a div without a cross-reference id)
UNNUMBERED = {
    "thm": "theorem",
    "lem": "lemma",
    "cor": "corollary",
    "prp": "proposition",
    "cnj": "conjecture",
    "def": "definition",
    "exm": "example",
    "alg": "algorithm",
    "rem": "remark",
    "exr": "exercise",
    "sol": "solution",
}
KNOWN_OPTIONS = frozenset({"label", "name", "class", "nonumber", "hidden"})


def count_name(name: str) -> str:
    """``prf:theorem`` → ``theorem``, ``exercise-start`` → ``exercise``: the key in the counts."""
    return name.split(":", 1)[-1].removesuffix("-start")


def number(d: Directive, ctx: Context, prefix: str) -> None:
    """Count ``d`` for the report and number it among the file's blocks of kind ``prefix``
    (the ``n`` of a generated ``#thm-n``: theorems and criteria share ``thm``)."""
    ctx.count(Count.BLOCK, count_name(d.name))
    ctx.numbers[prefix] += 1


def label_name(d: Directive) -> str:
    """The label a sphinx-proof or sphinx-exercise directive defines (``:label:``, else ``:name:``)."""
    return (d.option("label") or d.option("name")).strip()


def title_text(title: str, d: Directive, ctx: Context) -> str:
    """A directive's title with its MyST (roles, math) converted."""
    title = title.strip()
    return convert_fragment(d, title, d.lineno).strip() if title else ""


def argument_title(d: Directive, tokenize: Tokenize) -> None:
    """A numbered block's argument, its title, is MyST of its own: tokenized by the parse (see :func:`title_text`)."""
    if d.argument.strip():
        tokenize(d.argument.strip())


def heading_open(parts: list[str], title: str, d: Directive, anchor: str = "", fence: str = FENCE) -> str:
    """``{FENCE} {…}`` plus the title as the div's first heading (Quarto's name for it)."""
    open_ = (ids.anchor(anchor) + "\n\n" if anchor else "") + div_open(*parts).replace(FENCE, fence) + "\n"
    if title:
        open_ += f"\n## {title}\n"
        if any(line.strip() for line in d.body_lines) and d.body_lines[0].strip():
            open_ += "\n"
    return open_


def extra_classes(d: Directive, drop: tuple[str, ...] = ("dropdown",)) -> list[str]:
    return [f".{c}" for c in d.classes() if c not in drop]


def hidden_class(d: Directive, ctx: Context) -> list[str]:
    if not d.flag("hidden"):
        return []
    ctx.info(
        d.lineno,
        f"{{{d.name}}} is :hidden:; written with .content-hidden, which Quarto leaves out",
        Code.QUARTO_DIFFERS,
    )
    return [".content-hidden"]


def theorem_parts(d: Directive, ctx: Context) -> tuple[list[str], str]:
    """The div attributes and the anchor for a sphinx-proof directive: ``:nonumber:`` is Quarto's
    unnumbered class (``.theorem``), its label an anchor before it."""
    prefix = KINDS[d.name]
    number(d, ctx, prefix)
    classes = extra_classes(d) + hidden_class(d, ctx)
    if not prefix:
        return [".proof", *classes], ids.anchor_id(d, ctx, LABEL_OPTIONS)
    if d.flag("nonumber"):
        return [f".{UNNUMBERED[prefix]}", *classes], ids.anchor_id(d, ctx, LABEL_OPTIONS)
    return [ids.attribute(ids.numbered_id(d, ctx, prefix, LABEL_OPTIONS)), *classes], ""


def folds(d: Directive) -> bool:
    """``:class: dropdown``: the block starts folded."""
    return "dropdown" in d.classes()


def folded(open_: str, kind: str, title: str, anchor: str = "") -> tuple[str, str]:
    """``(open, close)`` of a block folded in a collapsed callout titled ``Kind (Title)``, one colon wider
    than the block's own div (sphinx-proof and sphinx-exercise fold a ``dropdown`` block; Quarto folds
    callouts only). The anchor stands before the callout."""
    shown = f"{kind} ({title})" if title else kind
    outer = div_open(".callout-note", 'collapse="true"', f"title={attr_value(shown)}").replace(FENCE, FENCE + ":")
    lead = ids.anchor(anchor) + "\n\n" if anchor else ""
    return f"{lead}{outer}\n{open_}", f"{FENCE}\n{FENCE}:"


def kind_name(d: Directive) -> str:
    """The name sphinx-proof or sphinx-exercise shows for ``d``'s kind: ``prf:lemma`` → ``Lemma``."""
    return _OWN_NAMES.get(d.name) or count_name(d.name).capitalize()


def proof_title(d: Directive, ctx: Context) -> str:
    title = title_text(d.argument, d, ctx)
    own = _OWN_NAMES.get(d.name)
    if own:
        kind = {"def": "definition", "thm": "theorem", "prp": "proposition", "rem": "remark"}[KINDS[d.name]]
        ctx.warn(
            d.lineno,
            f"{{{d.name}}}: Quarto has no {own.lower()} block; written as a {kind} titled '{own}'",
            Code.QUARTO_DIFFERS,
        )
        title = f"{own} ({title})" if title else own
    if d.name == "prf:algorithm":
        ctx.warn(
            d.lineno,
            "{prf:algorithm} becomes a Quarto algorithm block (#alg-, Quarto 1.4 or later), "
            "typeset like a theorem, not as pseudocode",
            Code.QUARTO_DIFFERS,
        )
    return title


def proof(d: Directive, ctx: Context) -> Rewrite:
    """Any sphinx-proof directive to a Quarto theorem-like block or proof div (in a folded callout for
    ``:class: dropdown``)."""
    parts, anchor = theorem_parts(d, ctx)
    title = proof_title(d, ctx)
    if folds(d):
        open_, close = folded(heading_open(parts, title, d), kind_name(d), title_text(d.argument, d, ctx), anchor)
        return Rewrite(open=open_, close=close)
    return Rewrite(open=heading_open(parts, title, d, anchor), close=FENCE)


def label_kind(d: Directive) -> str:
    """The kind a sphinx-proof directive's label gets: the kind its block's id has."""
    prefix = KINDS.get(d.name, "")
    if not prefix or d.flag("nonumber"):
        return "anchor"
    return prefix


#: where sphinx-proof and sphinx-exercise write a label: ``:label:``, else ``:name:``
LABEL_OPTIONS: tuple[LabelSource, ...] = ("label", "name")
SPECS = (
    DirectiveSpec(
        tuple(KINDS), proof, label=LABEL_OPTIONS, kind=label_kind, options=KNOWN_OPTIONS, fragments=argument_title
    ),
)
