"""Executable cells: myst-nb's and mystmd's ``{code-cell}`` → Quarto's executable cells.

MyST::

    ```{code-cell} ipython3
    ---
    tags: [hide-input]
    mystnb:
      figure:
        caption: Eine Kurve.
        name: fig-kurve
    ---
    plt.plot(x)
    ```

Quarto::

    ```{python}
    #| label: fig-kurve
    #| fig-cap: Eine Kurve.
    #| code-fold: true
    plt.plot(x)
    ```

Tags become Quarto's cell options (``hide-input`` → ``code-fold``, ``remove-output`` →
``output: false`` …); myst-nb's ``mystnb`` metadata its figure options; other options ``#|``
lines. mystmd reads ``#| caption:`` in the cell itself (Quarto: ``fig-cap``, ``tbl-cap``). What
Quarto cannot do (fold an output) is kept as a tag, with a warning. A cell's ``glue("key", x)``
calls are remembered for the ``{glue}`` roles after it (:mod:`.glue`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from . import ids
from .base import DirectiveSpec, LabelDef, Rewrite, jb2
from .code import _tags, _yaml_value, cell_language, fence_for

#: cell tag → Quarto cell option
TAG_OPTIONS = {
    "hide-input": ("code-fold", "true"),
    "hide-cell": ("code-fold", "true"),
    "remove-input": ("echo", "false"),
    "remove-output": ("output", "false"),
    "remove-cell": ("include", "false"),
    "raises-exception": ("error", "true"),
    "remove-stderr": ("warning", "false"),
    "remove-stdout": ("output", "false"),
    "skip-execution": ("eval", "false"),
    "full-width": ("column", "page"),
    "margin": ("column", "margin"),
}
# myst-nb honours the underscore spellings too (``remove_input``, ``hide_cell``, …)
TAG_OPTIONS.update({tag.replace("-", "_"): option for tag, option in list(TAG_OPTIONS.items()) if "-" in tag})
#: tags Quarto has no option for: kept as tags (the content stays visible), with a warning
UNFOLDABLE = {"hide-output": "Quarto folds a cell's code (code-fold), never its output: the output is shown"}
UNFOLDABLE["hide_output"] = UNFOLDABLE["hide-output"]
#: myst-nb's ``mystnb: image:`` keys → Quarto cell options (display size has none for Jupyter cells)
IMAGE_OPTIONS = {"alt": "fig-alt", "align": "fig-align", "classes": "classes"}
#: myst-nb's ``mystnb: figure:`` keys read here
FIGURE_KEYS = ("caption", "name", "align", "classes")

Options = list[tuple[str, str]]


def mystnb_figure(d: Directive) -> dict[str, Any]:
    """The ``mystnb: figure:`` mapping of a cell (``{}``: none)."""
    mystnb = d.options.get("mystnb")
    figure = mystnb.get("figure") if isinstance(mystnb, dict) else None
    return figure if isinstance(figure, dict) else {}


def figure_labels(d: Directive) -> Iterator[LabelDef]:
    """The figure label ``mystnb: figure: name:`` gives a cell (a ``{numref}`` target)."""
    figure = mystnb_figure(d)
    name = str(figure.get("name") or "").strip()
    if name:
        yield LabelDef(name, "fig", d.lineno, str(figure.get("caption") or ""))


def tag_options(tags: list[str], d: Directive, ctx: Context, glues: bool) -> Options:
    """Quarto options for a cell's tags; the tags Quarto has none for as ``tags: [...]``.

    A cell that glues a value keeps ``remove-output`` as a tag: its output must stay in the
    notebook for ``{{< embed >}}`` to find it.
    """
    options: Options = []
    kept = []
    for tag in tags:
        if tag in TAG_OPTIONS and not (glues and TAG_OPTIONS[tag] == ("output", "false")):
            if TAG_OPTIONS[tag] not in options:
                options.append(TAG_OPTIONS[tag])
            ctx.count(Count.CELL_TAG, tag)
            continue
        kept.append(tag)
        if tag in UNFOLDABLE:
            ctx.warn(d.lineno, f"cell tag {tag}: {UNFOLDABLE[tag]}; kept as a tag", Code.QUARTO_DIFFERS)
        elif tag in TAG_OPTIONS:
            ctx.warn(
                d.lineno,
                f"cell tag {tag} on a cell that glues a value: the output is shown, so an embed keeps it",
                Code.QUARTO_DIFFERS,
            )
    if kept:
        options.append(("tags", "[" + ", ".join(kept) + "]"))
    return options


def mystnb_options(value: Any, d: Directive, ctx: Context) -> Options:
    """myst-nb's ``mystnb`` metadata: a figure's name and caption → ``label`` and ``fig-cap``, an
    image's alt text, alignment and classes → ``fig-alt``, ``fig-align``, ``classes``; the rest warned."""
    if not isinstance(value, dict):
        ctx.warn(d.lineno, "code-cell mystnb options are not a mapping; not carried over", Code.OPTION_INVALID)
        return []
    options: Options = []
    figure = mystnb_figure(d)
    name = str(figure.get("name") or "").strip()
    if name:
        options.append(("label", ids.label_id(ctx, name, "fig")))
    if figure.get("caption"):
        options.append(("fig-cap", _yaml_value(figure["caption"])))
    lost = [f"figure.{key}" for key in figure if key not in ("caption", "name")]
    image = value.get("image")
    image = image if isinstance(image, dict) else {}
    for key, option_value in image.items():
        if key in IMAGE_OPTIONS:
            options.append((IMAGE_OPTIONS[key], _yaml_value(option_value)))
        else:
            lost.append(f"image.{key}")
    lost += [str(key) for key in value if key not in ("figure", "image") or not isinstance(value[key], dict)]
    if lost:
        ctx.warn(
            d.lineno,
            f"code-cell mystnb options Quarto has no cell option for (a Jupyter cell's output keeps "
            f"its own size): {', '.join(lost)}",
            Code.OPTION_UNSUPPORTED,
        )
    return options


def cell_options(d: Directive, ctx: Context, glues: bool) -> Options:
    """The ``#|`` options of a cell: its label first, then its tags', then its other options'."""
    options = tag_options(_tags(d.options.get("tags")), d, ctx, glues)
    for key, value in d.options.items():
        if key == "tags":
            continue
        if key in ("name", "label"):
            options.insert(0, ("label", ids.label_id(ctx, str(value), "anchor", "as-written")))
        elif key == "mystnb":
            figure_first = mystnb_options(value, d, ctx)
            labels = [pair for pair in figure_first if pair[0] == "label"]
            options = labels + options + [pair for pair in figure_first if pair[0] != "label"]
        else:
            options.append((key, _yaml_value(value)))
            ctx.info(
                d.lineno, f"code-cell option '{key}' kept as '#| {key}'; check Quarto knows it", Code.QUARTO_DIFFERS
            )
    return options


_OPTION_LINE = re.compile(r"^(#\||//\|)\s*([\w-]+)\s*:(.*)$")


def body_options(lines: list[str]) -> list[tuple[int, str]]:
    """``(index, key)`` of the ``#|`` option lines at the top of a cell's body."""
    found = []
    for index, line in enumerate(lines):
        match = _OPTION_LINE.match(line)
        if not match:
            break
        found.append((index, match.group(2)))
    return found


def mystmd_caption(lines: list[str]) -> list[str]:
    """mystmd's ``#| caption:`` in a cell → Quarto's ``#| fig-cap:`` (``tbl-cap`` for a ``tbl-`` label).

    >>> mystmd_caption(["#| label: tbl-a", "#| caption: Werte", "df"])
    ['#| label: tbl-a', '#| tbl-cap: Werte', 'df']
    """
    top = body_options(lines)
    labels = [_OPTION_LINE.match(lines[i]) for i, key in top if key == "label"]
    label = labels[0].group(3).strip() if labels and labels[0] else ""
    cap = "tbl-cap" if label.startswith("tbl-") else "fig-cap"
    out = list(lines)
    for index, key in top:
        if key == "caption":
            out[index] = re.sub(r"caption(?=\s*:)", cap, lines[index], count=1)
    return out


def glue_calls(body: str) -> dict[str, str]:
    """``key → expression`` for each ``glue("key", expression)`` in a cell (myst-nb's ``glue``).

    >>> glue_calls('from myst_nb import glue\\nglue("n", n)\\nglue("m", df.mean(), display=False)\\n%matplotlib')
    {'n': 'n', 'm': 'df.mean()'}
    """
    if "glue" not in body:  # no call to it: the cell is not compiled to find none
        return {}
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in body.split("\n"))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and len(node.args) >= 2):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        key = node.args[0]
        if name == "glue" and isinstance(key, ast.Constant) and isinstance(key.value, str):
            expression = ast.get_source_segment(source, node.args[1])
            if expression and "\n" not in expression:
                found[key.value] = expression
    return found


def write_cell(d: Directive, ctx: Context, body: list[str]) -> Rewrite:
    """A cell's rewrite: ``{language}``, the ``#|`` options, the body."""
    ctx.count(Count.CODE_CELL)
    language = cell_language(d.argument, ctx.kernel_language)
    glued = glue_calls("\n".join(body))
    ctx.glued.update(glued)
    options = cell_options(d, ctx, bool(glued))
    own = {key for _, key in body_options(body)}
    options = [(key, value) for key, value in options if key not in own]
    comment = "//" if language in ("ojs", "js") else "#"
    lines = [f"{comment}| {key}: {value}" for key, value in options]
    fence = fence_for(d.body_lines, len(d.marker) if d.marker.startswith("`") else 3)
    open_ = f"{fence}{{{language}}}\n" + "".join(line + "\n" for line in lines)
    changed = body != list(d.body_lines)
    return Rewrite(open=open_, close=fence, body="\n".join(body) if changed else None)


def _body(d: Directive) -> list[str]:
    """The cell's lines without the one blank line myst-nb and mystmd drop after the options."""
    lines = list(d.body_lines)
    return lines[1:] if lines and not lines[0].strip() else lines


def notebook_figure(metadata: Any) -> tuple[str, str]:
    """A notebook code cell's myst-nb figure: ``(name, caption)`` from ``metadata.mystnb.figure``
    (``("", "")``: none).

    >>> notebook_figure({"mystnb": {"figure": {"name": "fig-a", "caption": "Eine Kurve."}}})
    ('fig-a', 'Eine Kurve.')
    """
    mystnb = metadata.get("mystnb") if isinstance(metadata, dict) else None
    figure = mystnb.get("figure") if isinstance(mystnb, dict) else None
    if not isinstance(figure, dict):
        return "", ""
    return str(figure.get("name") or "").strip(), str(figure.get("caption") or "").strip()


def notebook_cell_options(metadata: Any, source: str, figure_id: str) -> list[str]:
    """The ``#|`` lines for a notebook code cell: its figure's label (``figure_id``, its Quarto id) and
    caption, then its tags' options; a cell that glues keeps ``remove-output`` (the embed needs its output).

    >>> notebook_cell_options({"tags": ["remove-output"], "mystnb": {"figure": {"caption": "K."}}}, "x", "fig-k")
    ['#| label: fig-k', '#| fig-cap: K.', '#| output: false']
    >>> notebook_cell_options({"tags": ["remove-output"]}, 'glue("k", fig)', "")
    []
    """
    meta = metadata if isinstance(metadata, dict) else {}
    options: Options = [("label", figure_id)] if figure_id else []
    caption = notebook_figure(meta)[1]
    if caption:
        options.append(("fig-cap", _yaml_value(caption)))
    glues = bool(glue_calls(source))
    tags = meta.get("tags")
    for tag in map(str, tags if isinstance(tags, list) else []):
        pair = TAG_OPTIONS.get(tag)
        if pair is not None and pair not in options and not (glues and pair == ("output", "false")):
            options.append(pair)
    return [f"#| {key}: {value}" for key, value in options]


def code_cell(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{code-cell} ipython3 ```` (myst-nb) → ```` ```{python} ```` with ``#|`` options."""
    return write_cell(d, ctx, _body(d))


def mystmd_code_cell(d: Directive, ctx: Context) -> Rewrite:
    """mystmd's ``{code-cell}``: as myst-nb's, and its ``#| caption:`` is Quarto's ``fig-cap``."""
    body = _body(d)
    renamed = mystmd_caption(body)
    if renamed != body:
        ctx.info(d.lineno, "code-cell '#| caption:' written as Quarto's caption option", Code.QUARTO_DIFFERS)
    return write_cell(d, ctx, renamed)


SPECS = (
    DirectiveSpec(
        ("code-cell",),
        code_cell,
        body="literal",
        title=False,
        prose=(),
        more_labels=figure_labels,
        # mystmd reads a cell's own '#| caption:' (Quarto: fig-cap); myst-nb leaves it a comment
        jb2=jb2(function=mystmd_code_cell),
    ),
)
