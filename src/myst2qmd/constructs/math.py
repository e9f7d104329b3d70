"""Display math.

MyST → Quarto::

    \\begin{equation}           $$
    o = \\floor{k/2}     →      o = \\lfloor k/2 \\rfloor
    \\end{equation}             $$

    \\begin{align} … \\end{align}   →  $$ \\begin{aligned} … \\end{aligned} $$
    $$ x $$ (eq-x)                →  $$ x $$ {#eq-x}
    ```{math}                     →  $$
    :label: eq:norm                  y = …
    y = …                            $$ {#eq-norm}
    ```

Blank lines inside display math end it in Pandoc, so they are removed. With ``--macros``
user macros are expanded; commands MathJax does not know are reported once per document.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from .. import macros as macromod
from ..codes import Code, Count
from ..context import Context
from ..directives import Directive, block_prefix_len, container_strip, continuation
from ..mathjax_commands import KNOWN
from ..source import View
from . import ids
from .base import DirectiveSpec, Rewrite, TokenSpec, Walk, WalkState
from .blocks import replace_block

#: amsmath environment → the environment that works inside ``$$`` (None: just the body)
_INNER_ENV = {
    "equation": None,
    "equation*": None,
    "align": "aligned",
    "align*": "aligned",
    "flalign": "aligned",
    "flalign*": "aligned",
    "eqnarray": "aligned",
    "eqnarray*": "aligned",
    "gather": "gathered",
    "gather*": "gathered",
    # amsmath has no "multlined" (mathtools does); gathered works in MathJax and LaTeX alike
    "multline": "gathered",
    "multline*": "gathered",
    "alignat": "alignedat",
    "alignat*": "alignedat",
    "xalignat": "alignedat",
    "xxalignat": "alignedat",
    "math": None,
    "displaymath": None,
}
_LABEL = re.compile(r"\\label\{([^{}]+)\}")
_BEGIN = re.compile(r"^\s*\\begin\{([a-z]+\*?)\}(\{[^{}]*\})?")


def label_from_amsmath(content: str) -> str | None:
    """The first ``\\label{…}`` of an amsmath block."""
    match = _LABEL.search(content)
    return match.group(1) if match else None


def prepare(tex: str, ctx: Context, line: int) -> str:
    """Expand user macros, note unknown commands, and drop blank lines."""
    tex = macromod.expand(tex, ctx.options.macros)
    for name in macromod.commands(tex):
        if name not in KNOWN and name not in ctx.options.macros:
            ctx.undefined_macros.setdefault(name, line)
    return "\n".join(part for part in tex.split("\n") if part.strip() != "" or part == "")


def _equation_id(label: str, ctx: Context) -> str:
    """``{#eq-…}`` for an equation's label."""
    return ids.braced(ids.label_id(ctx, label, "eq"))


def amsmath(token: Token, ctx: Context, line: int) -> str:
    """An amsmath environment as ``$$`` display math."""
    ctx.count(Count.EQUATION)
    content = token.content.strip("\n")
    match = _BEGIN.match(content)
    env = match.group(1) if match else "equation"
    arg = match.group(2) or "" if match else ""
    inner = content
    if match:
        end = content.rfind(f"\\end{{{env}}}")
        inner = content[match.end() : end if end >= 0 else len(content)]
    labels = _LABEL.findall(inner)
    if len(labels) > 1:
        ctx.warn(
            line,
            f"{env} has {len(labels)} labels; Quarto numbers the whole block once as {labels[0]}",
            Code.LABEL_IGNORED,
        )
    inner = re.sub(r"[ \t]*(?:\\label\{[^{}]+\}|\\(?:notag|nonumber)\b)[ \t]*", " ", inner)
    inner = "\n".join(part.rstrip() if part.strip() else part for part in inner.split("\n"))
    inner = prepare(inner.strip("\n"), ctx, line)
    target = _INNER_ENV.get(env, env)
    if env.startswith("multline"):
        ctx.info(
            line,
            f"{env} written as gathered inside $$: its lines are centred, not flushed left and right",
            Code.QUARTO_DIFFERS,
        )
    body = inner if target is None else f"\\begin{{{target}}}{arg}\n{inner}\n\\end{{{target}}}"
    body = "\n".join(part for part in body.split("\n") if part.strip())
    tail = f" {_equation_id(labels[0], ctx)}" if labels else ""
    return f"$$\n{body}\n$${tail}"


def _dedent_lines(content: str, indent: str) -> str:
    """Lines after the first without the container ``indent`` (dollarmath keeps it there).

    >>> _dedent_lines("\\n  a = b\\n  ", "  ")
    '\\na = b\\n'
    """
    if not indent:
        return content
    lines = content.split("\n")
    rest = [part[len(indent) :] if part.startswith(indent) else part.lstrip(" \t") for part in lines[1:]]
    return "\n".join(lines[:1] + rest)


def dollar_block(token: Token, ctx: Context, line: int, indent: str = "") -> str | None:
    """``$$ … $$`` (with an optional ``(label)``): label to ``{#eq-…}``, macros, blank lines.

    ``indent``: the indentation of the block's first line (in a list item), which
    :func:`.blocks.replace_block` writes again in front of every line of the result.
    """
    ctx.count(Count.EQUATION)
    content = _dedent_lines(token.content, indent)
    new = prepare(content, ctx, line)
    if "\n" in new.strip("\n") or "\n\n" in new:
        new = "\n".join(part for part in new.split("\n") if part.strip())
    if "\n" in content and not new.strip():
        new = "\n"  # an empty equation: a blank line inside would end it for Pandoc
    elif "\n" in content:
        new = ("\n" if content.startswith("\n") else "") + new.strip("\n") + ("\n" if content.endswith("\n") else "")
    if token.type == "math_block_label":
        return f"$${new}$$ {_equation_id(token.info, ctx)}"
    if new == content:
        return None
    return f"$${new}$$"


def math_block(token: Token, view: View, ctx: Context) -> str | None:
    assert token.map is not None
    line = view.lineno(token.map[0])
    if token.type == "amsmath":
        return amsmath(token, ctx, line)
    first = view.line(token.map[0])
    # in a list item ("- $$") the lines after the first stand at the item's content column
    return dollar_block(token, ctx, line, continuation(first[: block_prefix_len(first)]))


def inline_math(source: str, ctx: Context, line: int) -> str | None:
    """``$…$`` spans: macros expand (with ``--macros``), and spaces inside the dollars go.

    MyST reads ``$ t > 0 $`` as math (dollarmath's ``allow_space``); Pandoc reads math only when
    no space follows the opening and none precedes the closing ``$``, else the dollars are text
    and may pair with the next ``$$`` block's. Spaces on one side only (``5$ und 10$``) are
    prices more often than math: kept, and noted.

    >>> print(inline_math("$ t > 0 $", Context(), 1))
    $t > 0$
    >>> inline_math("$x$", Context(), 1) is None
    True
    """
    new = prepare(source, ctx, line)
    if len(new) > 2 and new[0] == "$" and new[1] != "$" and new[1:-1] != new[1:-1].strip():
        inner = new[1:-1].strip(" \t\n")
        if new[1].isspace() and new[-2].isspace() and inner and not inner.endswith("\\"):  # "\\ ": a TeX space
            new = f"${inner}$"
        else:  # "5$ und 10$": prices, most likely; Pandoc reads them as text
            ctx.info(line, f"{source!r} is math in MyST, text in Pandoc: kept as written", Code.QUARTO_DIFFERS)
    return new if new != source else None


def _unnumbered(d: Directive, label: str, ctx: Context) -> None:
    """mystmd's ``:enumerated: false``: the equation has no number, and Quarto numbers exactly the
    equations with an id, so its label goes, warned (the more so where a reference to it, ``@x``,
    ``[](#x)``, ``{eq}`x```, cannot show a number)."""
    referenced = re.search(rf"[@#`<]{re.escape(label)}(?![\w:-]|\.\w)", d.view.source) is not None
    ctx.warn(
        d.lineno,
        f"equation '{label}' is not enumerated: Quarto numbers only equations with an id, so it has none"
        + ("; references to it dangle" if referenced else ""),
        Code.LABEL_IGNORED,
    )


def math_directive(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{math} ```` with ``:label:`` → ``$$ … $$ {#eq-…}``."""
    ctx.count(Count.EQUATION)
    lines = ([d.argument] if d.argument else []) + list(d.body_lines)
    if any("$$" in line for line in lines):
        # "$$" would end the equation early for Pandoc (and our next reading); TeX has no "$$" in math
        ctx.warn(d.lineno, "{math} holds '$$', which display math cannot; written as '\\$\\$'", Code.QUARTO_DIFFERS)
        lines = [line.replace("$$", "\\$\\$") for line in lines]
    tex = "\n".join(lines).strip("\n")
    parts = [p.strip("\n") for p in re.split(r"\n\s*\n", tex) if p.strip()]
    if len(parts) > 1 and not d.flag("nowrap"):
        # one equation per paragraph, each centred (aligned when they align at "&")
        env = "aligned" if any("&" in part for part in parts) else "gathered"
        tex = f"\\begin{{{env}}}\n" + " \\\\\n".join(parts) + f"\n\\end{{{env}}}"
    elif "\\\\" in tex and "\\begin" not in tex and not d.flag("nowrap"):
        tex = "\\begin{aligned}\n" + tex + "\n\\end{aligned}"
    tex = prepare(tex, ctx, d.lineno)
    tex = "\n".join(part for part in tex.split("\n") if part.strip())
    label = d.option("label") or d.option("name")
    if label and d.option("enumerated").strip().lower() == "false":
        _unnumbered(d, label, ctx)
        label = ""
    tail = f" {_equation_id(label, ctx)}" if label else ""
    # after a paragraph line "$$" would continue the paragraph: a blank line keeps it display math
    before = d.view.line(d.open_line - 1) if d.open_line > 0 else ""
    lead = "\n" if container_strip(before).strip() and continuation(d.indent) == d.indent else ""
    if not any(line.strip() for line in d.body_lines):
        # an empty equation has no blank line inside (Pandoc would end the math there)
        single = lead + "$$\n" + (f"{tex}\n" if tex else "") + f"$${tail}"
        return Rewrite(open=single, body="" if d.body_lines else None, close="")
    return Rewrite(open=lead + "$$", body=tex, close=f"$${tail}")


def report_macros(ctx: Context) -> None:
    names = sorted(ctx.undefined_macros)
    if names:
        first = min(ctx.undefined_macros.values())
        listed = ", ".join(f"\\{n}" for n in names)
        hint = "" if ctx.options.macros else " (pass --macros _config.yml or a .tex file of \\newcommand lines)"
        ctx.warn(first, f"math uses macros that are never defined: {listed}{hint}", Code.MACRO_UNDEFINED)


SPECS = (
    DirectiveSpec(
        ("math",),
        math_directive,
        body="literal",
        label=("name", "label"),
        kind="eq",
        options=frozenset({"label", "name", "nowrap", "class", "enumerated"}),
        prose=(),
    ),
)


def math_rule(walk: Walk, state: WalkState, index: int) -> None:
    """A display math block (``$$ … $$ (label)``, an ``amsmath`` environment) is rewritten whole."""
    token, view = state.parsed.tokens[index], state.parsed.view
    walk.extend(replace_block(token, view, math_block(token, view, walk.ctx)))


TOKEN_SPECS = (TokenSpec("display math", ("math_block", "math_block_label", "amsmath"), math_rule),)
