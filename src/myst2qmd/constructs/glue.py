"""myst-nb's glue and mystmd's inline expressions: values and outputs computed in cells.

MyST → Quarto::

    ```{code-cell} python                 ```{python}
    glue("n", n)                          glue("n", n)
    ```                                   ```

    Es sind {glue:}`n` Punkte.            Es sind `{python} n` Punkte.
    Wert: {glue:text}`p:.2f`.             Wert: `{python} f"{p:.2f}"`.
    Es sind {eval}`n` Stück.              Es sind `{python} n` Stück.

    ```{glue:figure} kurve                ::: {#fig-glue}
    :name: fig-glue                       {{< embed page.ipynb#kurve >}}

    Eine Kurve.                           Eine Kurve.
    ```                                   :::

A ``{glue}`` role becomes Quarto's inline expression of the value a cell above it glued
(``glue("key", expression)``, remembered by :mod:`.code_cells`): Quarto evaluates inline code in
order, so a key no cell above glued (or one of another notebook, ``nb.ipynb::key``) stays
visible as ``[key]{.glue}``, warned. A ``{glue}`` directive becomes Quarto's ``{{< embed >}}`` of
the notebook's cell; Quarto finds a cell by its label, so the warning says to label it.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..quarto import code_span
from . import ids
from .base import FENCE, DirectiveSpec, Rewrite, Role, RoleResult, RoleSpec, own_label

_NAME = re.compile(r"[A-Za-z_][\w.]*")


def _kept(role: Role, ctx: Context, key: str, why: str) -> RoleResult:
    ctx.warn(role.lineno, f"{{{role.name}}} {why}; kept as [{role.content.strip()}]{{.glue}}", Code.QUARTO_DIFFERS)
    ctx.count(Count.GLUE_KEPT)
    return RoleResult(f"[{role.content.strip()}]{{.glue}}")


def inline_expression(expression: str, spec: str = "") -> str:
    """Quarto's inline Python for ``expression``, formatted by ``spec`` (a format spec) when given.

    >>> inline_expression("n"), inline_expression("p", ".2f"), inline_expression("d['a']", ".1%")
    ('`{python} n`', '`{python} f"{p:.2f}"`', '`{python} format(d[\\'a\\'], ".1%")`')
    """
    if spec and _NAME.fullmatch(expression) and not re.search(r"[{}\"]", spec):
        expression = f'f"{{{expression}:{spec}}}"'
    elif spec:
        expression = "format(" + expression + ', "' + spec.replace("\\", "\\\\").replace('"', '\\"') + '")'
    return code_span("{python} " + expression)


def glue_role(role: Role, ctx: Context) -> RoleResult:
    """``{glue:}`key``` / ``{glue:text}`key:.2f``` → `` `{python} expression` `` of the value glued above."""
    content = role.content.strip()
    if "::" in content:
        return _kept(role, ctx, content, "pastes a value of another notebook, which Quarto cannot look up")
    key, spec = content, ""
    if role.name == "glue:text" and ":" in content:
        key, spec = content.split(":", 1)
    if role.name == "glue:md":
        return _kept(role, ctx, key, "pastes Markdown a cell made; Quarto's inline code writes text")
    expression = ctx.glued.get(key.strip())
    if expression is None or ctx.kernel_language.lower() not in ("python", "python3", "ipython3"):
        return _kept(role, ctx, key, "pastes a value no Python cell above glues, which Quarto cannot look up")
    ctx.count(Count.GLUE_INLINE)
    return RoleResult(inline_expression(expression, spec))


def eval_role(role: Role, ctx: Context) -> RoleResult:
    """mystmd's ``{eval}`expression``` → Quarto's inline `` `{python} expression` ``."""
    ctx.count(Count.INLINE_EXPRESSION)
    return RoleResult(code_span("{python} " + role.content.strip()))


def _notebook_and_key(d: Directive, ctx: Context) -> tuple[str, str]:
    """The notebook a glue directive's key lives in (``nb.ipynb::key``, else the page's own) and the key."""
    argument = d.argument.strip()
    if "::" in argument:
        notebook, key = argument.split("::", 1)
        return notebook.strip(), key.strip()
    own = PurePosixPath(ctx.path.split("#")[0]).name or "page.md"
    return str(PurePosixPath(own).with_suffix(".ipynb")), argument


def embed(d: Directive, ctx: Context) -> str:
    """``{{< embed nb.ipynb#key >}}`` for a glue directive, with the warning Quarto's embed needs."""
    notebook, key = _notebook_and_key(d, ctx)
    ctx.count(Count.GLUE_EMBEDDED)
    ctx.warn(
        d.lineno,
        f"{{{d.name}}} {key}: Quarto embeds the output of the cell labelled {key!r} in {notebook}: give the cell "
        f"that glues it '#| label: {key}' (and render the page as {notebook})",
        Code.QUARTO_DIFFERS,
    )
    return "{{< embed " + f"{notebook}#{key}" + " >}}"


def glue_output(d: Directive, ctx: Context) -> Rewrite:
    """``{glue} key`` / ``{glue:any}`` / ``{glue:md}`` / ``{glue:math}`` → the embedded output."""
    label = own_label(d)
    if label:
        ctx.warn(
            d.lineno, f"{{{d.name}}} label {label!r}: an embedded output takes no label; not kept", Code.LABEL_IGNORED
        )
    return Rewrite(open=embed(d, ctx), body="", close="")


def glue_figure(d: Directive, ctx: Context) -> Rewrite:
    """``{glue:figure} key`` with ``:name:`` and a caption → a figure div around the embedded output."""
    text = embed(d, ctx)
    caption = any(line.strip() for line in d.body_lines)
    name = own_label(d)
    if not name:
        return Rewrite(open=text + ("\n\n" if caption and d.body_lines[0].strip() else ""), close="")
    open_ = f"{FENCE} {{{ids.attribute(ids.label_id(ctx, name, 'fig'))}}}\n{text}\n"
    if caption and d.body_lines[0].strip():
        open_ += "\n"
    return Rewrite(open=open_, close=FENCE)


SPECS = (
    DirectiveSpec(("glue:figure",), glue_figure, kind="fig", title=False, options=frozenset({"name"}), prose=("body",)),
    DirectiveSpec(
        ("glue", "glue:any", "glue:md", "glue:math"),
        glue_output,
        body="verbatim",
        title=False,
        options=frozenset({"name", "label"}),
        prose=(),
    ),
)
ROLE_SPECS = (
    RoleSpec(("glue", "glue:", "glue:any", "glue:text", "glue:md"), glue_role),
    RoleSpec(("eval",), eval_role),
)
