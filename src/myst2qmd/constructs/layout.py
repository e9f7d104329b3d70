"""Layout directives, things Quarto does itself, and the fallback for unknown directives.

MyST → Quarto::

    ::::{tab-set}             ::: {.panel-tabset}
    :::{tab-item} Python      ## Python
    …                   →     …
    :::                       :::
    ::::

    ```{margin}               ::: {.column-margin}
    ```{sidebar} Title        ::: {.column-margin}  (title in bold)
    ```{epigraph}             ::: {.epigraph}  > quoted body
    ```{card} Title           ::: {.card}  (Bootstrap card, title in bold)
    ```{grid} 2               ::: {.grid}  with ::: {.g-col-6} items
    ```{include} a.md         {{< include a.qmd >}}
    ```{youtube} ID           {{< video https://www.youtube.com/embed/ID >}}
    ```{bibliography}         (removed, with an info message)
    ```{whatever}             ::: {.whatever}  (and a warning)
"""

from __future__ import annotations

import re

from ..context import Context
from ..directives import Directive
from .base import FENCE, Rewrite, attr_value, div_open


def _title_block(title: str, d: Directive) -> str:
    if not title:
        return ""
    tail = "\n" if d.body_lines and d.body_lines[0].strip() else ""
    return f"\n**{title}**\n{tail}"


def tab_set(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("tabset")
    return Rewrite(open=div_open(".panel-tabset") + "\n", close=FENCE)


def tab_item(d: Directive, ctx: Context) -> Rewrite:
    """A tab: its label becomes the heading Quarto makes a tab of; its fences go."""
    ctx.count("tab")
    label = d.argument or "Tab"
    return Rewrite(open=f"## {label}\n", close="")


def margin(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("margin")
    return Rewrite(open=div_open(".column-margin") + "\n" + _title_block(d.argument, d), close=FENCE)


def sidebar(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("sidebar")
    ctx.info(d.lineno, "{sidebar} becomes a margin column (Quarto has no sidebar blocks)")
    return Rewrite(open=div_open(".column-margin") + "\n" + _title_block(d.argument, d), close=FENCE)


def epigraph(d: Directive, ctx: Context) -> Rewrite:
    """Epigraphs, pull quotes and highlights: a quoted div."""
    ctx.count("quote")
    attribution = d.option("attribution")
    close = f"> \n> --- {attribution}\n{FENCE}" if attribution else FENCE
    return Rewrite(open=div_open(f".{d.name}") + "\n", close=close, prefix_body="> ")


def card(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("card")
    parts = [".card"]
    link = d.option("link")
    open_ = div_open(*parts) + "\n" + _title_block(d.argument, d)
    if link:
        ctx.info(d.lineno, f"{{{d.name}}} :link: written as a link under the card's title")
        open_ += f"\n[{link}]({link})\n\n"
    return Rewrite(open=open_, close=FENCE)


def grid(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("grid")
    return Rewrite(open=div_open(".grid") + "\n", close=FENCE)


def _columns(argument: str) -> int:
    numbers = [int(n) for n in re.findall(r"\d+", argument)]
    return max(1, min(12, numbers[-1] if numbers else 2))


def grid_item(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("grid item")
    width = 12 // _columns(d.option("columns") or "2")
    classes = [f".g-col-{width}"]
    if d.name == "grid-item-card":
        classes.append(".card")
    return Rewrite(open=div_open(*classes) + "\n" + _title_block(d.argument, d), close=FENCE)


def container(d: Directive, ctx: Context) -> Rewrite:
    """``{div}``/``{container}`` with classes → a div with those classes."""
    classes = [f".{c}" for c in (d.argument.split() + d.classes())]
    name = d.option("name")
    if name:
        classes.insert(0, f"#{ctx.labels[name].quarto_id if name in ctx.labels else name}")
    return Rewrite(open=div_open(*classes) + "\n", close=FENCE)


def rubric(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("rubric")
    return Rewrite(open=f"**{d.argument}**\n", close="")


def removed(d: Directive, ctx: Context) -> Rewrite:
    """Things Quarto does itself (bibliography, table of contents)."""
    ctx.info(d.lineno, f"{{{d.name}}} removed: Quarto makes this itself (see _quarto.yml)")
    ctx.count(f"{d.name} removed")
    return Rewrite(open="", body="", close="", parse_body=False)


def include(d: Directive, ctx: Context) -> Rewrite:
    from .references import doc_target

    ctx.count("include")
    target = d.argument
    if target.endswith(".md"):
        target = doc_target(target)
        ctx.info(d.lineno, f"{{include}} of {d.argument}: convert that file too, it is included as {target}")
    for key in ("start-after", "end-before", "start-line", "end-line", "lines"):
        if d.flag(key):
            ctx.warn(d.lineno, f"{{include}} :{key}: cannot be expressed by Quarto's include shortcode; the whole file is included")
    if d.option("literal") is not None and d.flag("literal"):
        ctx.warn(d.lineno, "{include} :literal: — use {literalinclude}; included as Markdown")
    return Rewrite(open="{{< include " + target + " >}}", body="", close="", parse_body=False)


def youtube(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("video")
    video_id = d.argument.strip()
    return Rewrite(open="{{< video https://www.youtube.com/embed/" + video_id + " >}}", close="", body="", parse_body=False)


def video(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("video")
    return Rewrite(open="{{< video " + d.argument.strip() + " >}}", close="", body="", parse_body=False)


def raw(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("raw block")
    fmt = (d.argument.split() or ["html"])[0]
    return Rewrite(open=f"```{{={fmt}}}\n", close="```", parse_body=False)


def literal(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("code block")
    return Rewrite(open="```\n", close="```", parse_body=False)


def unknown(d: Directive, ctx: Context) -> Rewrite:
    """Any other directive: a fenced div with its name as class, and a warning."""
    ctx.warn(d.lineno, f"unknown directive {{{d.name}}}: written as a fenced div ::: {{.{d.name}}}")
    ctx.count("unknown directive")
    parts = [f".{re.sub(r'[^A-Za-z0-9_-]', '-', d.name)}"]
    if d.argument:
        parts.append(f"argument={attr_value(d.argument)}")
    for key, value in d.options.items():
        if re.fullmatch(r"[A-Za-z_][\w-]*", key):
            parts.append(f"{key}={attr_value(str(value) if value is not None else '')}")
    return Rewrite(open=div_open(*parts) + "\n", close=FENCE)


DIRECTIVES = {
    "tab-set": tab_set,
    "tab-item": tab_item,
    "tabbed": tab_item,
    "margin": margin,
    "sidebar": sidebar,
    "epigraph": epigraph,
    "pull-quote": epigraph,
    "highlights": epigraph,
    "card": card,
    "grid": grid,
    "grid-item": grid_item,
    "grid-item-card": grid_item,
    "div": container,
    "container": container,
    "rubric": rubric,
    "bibliography": removed,
    "tableofcontents": removed,
    "toctree": removed,
    "contents": removed,
    "include": include,
    "youtube": youtube,
    "video": video,
    "raw": raw,
    "parsed-literal": literal,
}
LABELS = {"div": "anchor", "container": "anchor"}
