"""sphinx-exercise directives to Quarto exercises and solutions.

MyST::

    ```{exercise} Faltung
    :label: ex-faltung

    Berechne $f * g$.
    ```

    ```{solution} ex-faltung
    :class: dropdown

    Es ist …
    ```

Quarto (https://quarto.org/docs/authoring/cross-references.html#theorems-and-proofs: an
exercise is a theorem-like div with an ``#exr-`` id, its name the first heading in it)::

    ::: {#exr-faltung}

    ## Faltung

    Berechne $f * g$.
    :::

    ::: {.callout-note .solution appearance="simple" collapse="true"}
    ## Solution to @exr-faltung

    Es ist …
    :::

``{ref}``/``{numref}`` to ``ex-faltung`` become ``@exr-faltung``. Decisions:

* An exercise without ``:label:`` is numbered in sphinx-exercise, so it gets a numbered
  Quarto exercise with a generated id ``#exr-<n>``, ``n`` its place among the file's exercises
  (see :mod:`.proofs`). ``:nonumber:`` stays numbered (Quarto has no unnumbered exercise;
  an info message says so), and ``:class: dropdown`` on an exercise cannot fold a Quarto
  exercise: it is shown open, with an info message.
* A solution is Quarto's ``.solution`` block named after its exercise (``## @exr-x`` →
  "Solution (Exercise 1)"); with a ``:label:`` it is the cross-referenceable ``#sol-label``
  (Quarto numbers those). A ``dropdown`` solution is a folded callout
  (``collapse="true"``, https://quarto.org/docs/authoring/callouts.html) titled
  "Solution to @exr-x", class ``.solution``; its label is an anchor ``[]{#label}`` before it.
* Gated directives: ```` ```{exercise-start} ```` opens the div and ```` ```{exercise-end} ````
  closes it (likewise ``solution-start``/``solution-end``), so code cells and directives in
  between end up inside. Both write the same fixed fence, at least ``::::::`` and longer
  than any fence the content between them can become, so inner divs nest. A start without
  its end (or an end without its start) is reported; the start then becomes an empty block.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..parsed import Parsed
from . import ids
from .base import FENCE, DirectiveSpec, Rewrite
from .proofs import (
    KNOWN_OPTIONS,
    LABEL_OPTIONS,
    argument_title,
    extra_classes,
    folded,
    heading_open,
    hidden_class,
    label_name,
    number,
    title_text,
)
from .references import resolve

_GATE = re.compile(r"^\{(exercise|solution)-(start|end)\}", re.IGNORECASE)
#: the shortest fence a gated pair writes
GATED_FENCE = 6


def _dropdown(d: Directive) -> bool:
    return "dropdown" in d.classes()


def _exercise_parts(d: Directive, ctx: Context) -> tuple[list[str], str]:
    """An exercise's div attributes and the anchor before it: ``:nonumber:`` is Quarto's unnumbered
    ``.exercise``, its label an anchor."""
    number(d, ctx, "exr")
    classes = [*extra_classes(d), *hidden_class(d, ctx)]
    if d.flag("nonumber"):
        return [".exercise", *classes], ids.anchor_id(d, ctx, LABEL_OPTIONS)
    return [ids.attribute(ids.numbered_id(d, ctx, "exr", LABEL_OPTIONS)), *classes], ""


def _exercise_open(d: Directive, ctx: Context, fence: str = FENCE) -> str:
    """A gated exercise's opening (its fence fixed: a gated exercise is not folded)."""
    parts, anchor = _exercise_parts(d, ctx)
    if _dropdown(d):
        ctx.info(
            d.lineno,
            f"{{{d.name}}} is a dropdown, but a gated exercise cannot be folded in Quarto; shown open",
            Code.OPTION_UNSUPPORTED,
        )
    return heading_open(parts, title_text(d.argument, d, ctx), d, anchor, fence=fence)


def _solution_open(d: Directive, ctx: Context, fence: str = FENCE) -> str:
    number(d, ctx, "sol")
    target = d.argument.strip()
    ref = ""
    if target:
        ctx.count(Count.REFERENCE)
        ref = "@" + resolve(target, ctx, "exr", d.lineno)[0]
    else:
        ctx.warn(d.lineno, f"{{{d.name}}} names no exercise", Code.REF_UNDEFINED)
    classes = [*extra_classes(d), *hidden_class(d, ctx)]
    if _dropdown(d):
        parts = [".callout-note", ".solution", *classes, 'appearance="simple"', 'collapse="true"']
        title = f"Solution to {ref}" if ref else "Solution"
        return heading_open(parts, title, d, ids.anchor_id(d, ctx, LABEL_OPTIONS), fence)
    ident = ids.attribute(ids.numbered_id(d, ctx, "sol", LABEL_OPTIONS)) if label_name(d) else ".solution"
    return heading_open([ident, *classes], ref, d, fence=fence)


def exercise(d: Directive, ctx: Context) -> Rewrite:
    """An exercise: Quarto's ``#exr-`` block (in a folded callout for ``:class: dropdown``)."""
    parts, anchor = _exercise_parts(d, ctx)
    title = title_text(d.argument, d, ctx)
    if _dropdown(d):
        open_, close = folded(heading_open(parts, title, d), "Exercise", title, anchor)
        return Rewrite(open=open_, close=close)
    return Rewrite(open=heading_open(parts, title, d, anchor), close=FENCE)


def exercise_kind(d: Directive) -> str:
    """An exercise's label: ``exr``, an anchor if unnumbered (Quarto numbers ``#exr-`` blocks only)."""
    return "anchor" if d.flag("nonumber") else "exr"


def solution(d: Directive, ctx: Context) -> Rewrite:
    return Rewrite(open=_solution_open(d, ctx), close=FENCE)


def gated_pairs(parsed: Parsed) -> dict[int, tuple[int, int]]:
    """Gated start/end directives in a parse of a view: line → (the other line, fence length).

    Read from the parser's tokens: only directives outside any other fence pair up; the fence
    length is longer than every fence the blocks between can hold once converted (a div grows
    by one colon per level). Found once per parse (``parsed.memo``).

    >>> from myst2qmd.structure import parse_document
    >>> text = "```{exercise-start}\\n```\\n::::{note}\\n:::{tip}\\n:::\\n::::\\n```{exercise-end}\\n```"
    >>> gated_pairs(parse_document(text))
    {0: (6, 7), 6: (0, 7)}
    """
    found: dict[int, tuple[int, int]] | None = parsed.memo.get("gated_pairs")
    if found is not None:
        return found
    pairs: dict[int, tuple[int, int]] = {}
    pending: dict[str, list[int]] = {}  # kind -> [start line, longest colon fence, depth]
    for index, token in enumerate(parsed.tokens):
        if token.type not in ("fence", "colon_fence") or token.map is None:
            continue
        line = token.map[0]
        gate = _GATE.match(token.info.strip())
        if gate is not None:
            kind, which = gate.group(1).lower(), gate.group(2).lower()
            if which == "start" and kind not in pending:
                pending[kind] = [line, 0, 0]
            elif which == "end" and kind in pending:
                start, colons, depth = pending.pop(kind)
                width = max(GATED_FENCE, colons + depth + 1, depth + 3)
                pairs[start] = (line, width)
                pairs[line] = (start, width)
        colons, depth = fence_extent(parsed, index)
        for kind, (start, longest, deepest) in pending.items():
            if start != line:
                pending[kind] = [start, max(longest, colons), max(deepest, depth)]
    parsed.memo["gated_pairs"] = pairs
    return pairs


def fence_extent(parsed: Parsed, index: int) -> tuple[int, int]:
    """``(longest ":" fence, fences nested)`` of the fence ``parsed.tokens[index]`` and the fences in its
    Markdown body (a directive's or a ``:::`` div's, from the same parse; code holds no fences)."""
    token = parsed.tokens[index]
    colons = len(token.markup) if token.type == "colon_fence" else 0
    depth = 1
    body = parsed.bodies.get(index)
    if body is not None:
        inner_colons, inner_depth = _body_extent(body)
        colons, depth = max(colons, inner_colons), max(depth, inner_depth + 1)
    return colons, depth


def _body_extent(body: Parsed) -> tuple[int, int]:
    """``(longest ":" fence, fences nested)`` of the fences in a body, found once per body."""
    found: tuple[int, int] | None = body.memo.get("fence_extent")
    if found is None:
        colons, depth = 0, 0
        for index, token in enumerate(body.tokens):
            if token.type in ("fence", "colon_fence"):
                inner_colons, inner_depth = fence_extent(body, index)
                colons, depth = max(colons, inner_colons), max(depth, inner_depth)
        found = body.memo["fence_extent"] = (colons, depth)
    return found


def _pairs(d: Directive) -> dict[int, tuple[int, int]]:
    """The gated pairs of the view ``d`` stands in (none when its parse is not known)."""
    return gated_pairs(d.outer) if d.outer is not None else {}


def _gated_start(d: Directive, ctx: Context, opener: Callable[..., str]) -> Rewrite:
    pair = _pairs(d).get(d.open_line)
    if pair is None or d.close_line is None:
        end = d.name.replace("-start", "-end")
        ctx.warn(d.lineno, f"{{{d.name}}} without a matching {{{end}}}; written as an empty block", Code.FENCE_UNCLOSED)
        return Rewrite(open=opener(d, ctx), close=FENCE)
    _, width = pair
    open_ = opener(d, ctx, ":" * width)
    view = d.view
    if d.open_line > 0 and view.line(d.open_line - 1).strip():
        open_ = "\n" + open_
    if not any(line.strip() for line in d.body_lines) and view.line(d.close_line + 1).strip():
        open_ += "\n"
    return Rewrite(open=open_, close="")


def exercise_start(d: Directive, ctx: Context) -> Rewrite:
    return _gated_start(d, ctx, _exercise_open)


def solution_start(d: Directive, ctx: Context) -> Rewrite:
    return _gated_start(d, ctx, _solution_open)


def gated_end(d: Directive, ctx: Context) -> Rewrite:
    pair = _pairs(d).get(d.open_line)
    if pair is None:
        start = d.name.replace("-end", "-start")
        if any(line.strip() for line in d.body_lines):
            # its body is MyST (walked with the document): the fences go, the content stays
            message = f"{{{d.name}}} without a {{{start}}} before it; removed, its content kept"
            ctx.warn(d.lineno, message, Code.FENCE_UNCLOSED)
            return Rewrite(open="", close="")
        ctx.warn(d.lineno, f"{{{d.name}}} without a {{{start}}} before it; removed", Code.FENCE_UNCLOSED)
        return Rewrite(open="", close="", body="")
    if any(line.strip() for line in d.body_lines):
        ctx.warn(d.lineno, f"{{{d.name}}} has content; it is kept after the closing fence", Code.DIRECTIVE_BODY)
    open_ = ":" * pair[1]
    if d.close_line is not None and d.view.line(d.close_line + 1).strip():
        open_ += "\n\n"
    return Rewrite(open=open_, close="")


def solution_kind(d: Directive) -> str:
    """A solution's label: ``sol``, an anchor if folded (a callout Quarto does not number)."""
    return "anchor" if _dropdown(d) else "sol"


_OPTS = KNOWN_OPTIONS
SPECS = (
    DirectiveSpec(
        ("exercise",), exercise, label=LABEL_OPTIONS, kind=exercise_kind, options=_OPTS, fragments=argument_title
    ),
    DirectiveSpec(("solution",), solution, label=LABEL_OPTIONS, kind=solution_kind, options=_OPTS, prose=("body",)),
    DirectiveSpec(
        ("exercise-start",),
        exercise_start,
        label=LABEL_OPTIONS,
        kind=exercise_kind,
        options=_OPTS,
        fragments=argument_title,
    ),
    DirectiveSpec(("solution-start",), solution_start, label=LABEL_OPTIONS, kind=solution_kind, options=_OPTS),
    DirectiveSpec(("exercise-end", "solution-end"), gated_end),
)
