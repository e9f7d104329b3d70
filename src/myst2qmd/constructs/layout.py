"""Layout directives, things Quarto does itself, and the fallback for unknown directives.

MyST → Quarto::

    ::::{tab-set}             ::: {.panel-tabset}
    :::{tab-item} Python
    …                   →     ## Python
    :::                       …
    ::::                      :::

    ```{margin}               ::: {.column-margin}
    ```{sidebar} Title        ::: {.column-margin}  (title in bold)
    ```{epigraph}             ::: {.epigraph}  > quoted body
    ```{card} Title           ::: {.card}  (title in bold, linked with :link:)
    ```{grid} 1 2 2 3         ::: {layout-ncol=3}  with ::: {.grid-item} / {.card} cells
    ```{youtube} ID           {{< video https://www.youtube.com/embed/ID >}}
    ```{bibliography}         (removed, with an info message)
    ```{whatever} arg         ::: {.whatever argument="arg"}  (and a warning)
"""

from __future__ import annotations

import json
import re

from markdown_it.token import Token

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive, is_class_name
from . import ids
from .base import FENCE, DirectiveSpec, LabelSource, Rewrite, attr_value, bold, div_open, own_label
from .blocks import atx_headings, heading_levels_of
from .exercises import fence_extent


def _title_block(title: str, d: Directive) -> str:
    if not title:
        return ""
    tail = "\n" if d.body_lines and d.body_lines[0].strip() else ""
    return f"\n{bold(title)}\n{tail}"


def tab_set(d: Directive, ctx: Context) -> Rewrite:
    """``::::{tab-set}`` → ``::: {.panel-tabset}``; tabs synced by ``:sync:`` keys → ``group="…"``
    (``:sync-group:``, else sphinx-design's default group ``tab``: Quarto syncs the tabsets of a group)."""
    ctx.count(Count.TABSET)
    parts = [ids.own_id(d, ctx, "anchor"), ".panel-tabset", *(f".{c}" for c in d.classes())]
    group = d.option("sync-group").strip() or ("tab" if _SYNC.search(d.body) else "")
    if group:
        parts.append(f"group={attr_value(group)}")
    return Rewrite(open=div_open(*parts) + "\n", close=FENCE)


#: a tab item's ``:sync:`` option line, in a tab-set's body
_SYNC = re.compile(r"^[ \t>]*:sync:", re.MULTILINE)


def heading_levels(text: str) -> list[int]:
    """Levels of the ``#`` headings in ``text``, outside fenced code (read from the parser's tokens).

    >>> heading_levels("## A\\n```\\n# not\\n```\\n### B")
    [2, 3]
    """
    return [level for _, level in atx_headings(text)]


def tab_item(d: Directive, ctx: Context) -> Rewrite:
    """A tab: its label becomes the heading Quarto makes a tab of; its fences go.

    ``:::{tab-item} Python`` → ``## Python`` (one level above any heading inside the
    tab-set, so those stay inside their tab).
    """
    ctx.count(Count.TAB)
    label = d.argument or "Tab"
    levels = heading_levels_of(d.outer) if d.outer is not None else heading_levels(d.view.text)
    inner = [level for level in levels if level > 0]
    level = min(2, min(inner, default=3) - 1)
    if level < 1:
        ctx.warn(d.lineno, "a tab holds a level-1 heading; Quarto will make a tab of it too", Code.QUARTO_DIFFERS)
        level = 1
    attrs = " ".join(a for a in (ids.own_id(d, ctx, "anchor"), ".active" if d.flag("selected") else "") if a)
    heading = "#" * level + f" {label}" + (f" {{{attrs}}}" if attrs else "")
    before = d.view.line(d.open_line - 1) if d.open_line > 0 else ""
    lead = "\n" if before.strip() else ""
    tail = "\n" if d.body_lines and d.body_lines[0].strip() else ""
    return Rewrite(open=f"{lead}{heading}\n{tail}", close="")


def _tabbed_run(d: Directive) -> tuple[bool, bool, int]:
    """Whether a legacy ``{tabbed}`` opens a run of tabs, whether it closes it, and the run's fence width:
    the blocks right before and after it (from the parse of its view) are ``{tabbed}`` too, unless
    ``:new-group:`` parts them. The fence is longer than any its tabs' bodies can hold once converted."""
    tokens = d.outer.tokens if d.outer is not None else []
    at = next((i for i, t in enumerate(tokens) if t is d.token), None)
    if at is None:
        return True, True, 3
    siblings = [i for i, t in enumerate(tokens) if t.level == d.token.level and t.nesting >= 0 and t.map]
    place = siblings.index(at)
    start = end = place
    while start > 0 and _is_tabbed(tokens[siblings[start - 1]]) and not _new_group(tokens[siblings[start]]):
        start -= 1
    while (
        end + 1 < len(siblings) and _is_tabbed(tokens[siblings[end + 1]]) and not _new_group(tokens[siblings[end + 1]])
    ):
        end += 1
    width = 3
    for index in siblings[start : end + 1]:
        colons, depth = fence_extent(d.outer, index)
        width = max(width, colons + 1, depth + 2)
    return start == place, end == place, width


_TABBED = re.compile(r"^\{tabbed\}")
_TABBED_NEW_GROUP = re.compile(r"^:new-group:", re.MULTILINE)


def _new_group(token: Token) -> bool:
    return _TABBED_NEW_GROUP.search(token.content) is not None


def _in_tab_set(d: Directive) -> bool:
    """Does ``d`` stand in the body of a ``{tab-set}`` (then it is one of its tabs)? Read from the lines
    just above the body's view: the set's option lines, then its opening fence."""
    if not d.view.depth or not d.view.abs_starts:
        return False
    above = d.view.source[: d.view.abs_starts[0]].rstrip("\n").split("\n")
    for line in reversed(above):
        text = line.strip(" \t>")
        if not text.startswith(":") or _FENCE_OPEN.match(text):
            return _FENCE_OPEN.match(text) is not None and "{tab-set}" in text
    return False


_FENCE_OPEN = re.compile(r"^(`{3,}|:{3,})\s*\{")


def _is_tabbed(token: Token) -> bool:
    return token.type in ("fence", "colon_fence") and _TABBED.match(token.info.strip()) is not None


def tabbed(d: Directive, ctx: Context) -> Rewrite:
    """sphinx-panels' ``{tabbed} Label`` (Jupyter Book 1's legacy tabs): a run of them is one tabset,
    ``::: {.panel-tabset}`` opened by the first and closed by the last, each tab a heading."""
    first, last, width = _tabbed_run(d) if not _in_tab_set(d) else (False, False, 3)
    tab = tab_item(d, ctx)
    assert tab.open is not None
    if first:
        ctx.count(Count.TABSET)
        before = d.view.line(d.open_line - 1) if d.open_line > 0 else ""
        lead = "\n" if before.strip() else ""  # Pandoc opens a div after a blank line only
        tab.open = lead + ":" * width + " {.panel-tabset}\n" + tab.open.lstrip("\n")
    tab.close = ":" * width if last else ""
    return tab


def margin(d: Directive, ctx: Context) -> Rewrite:
    """``{margin} Title`` → ``::: {.column-margin}`` with ``**Title**`` first."""
    ctx.count(Count.MARGIN)
    return _margin_div(d, ctx)


def sidebar(d: Directive, ctx: Context) -> Rewrite:
    """``{sidebar}``: Quarto has no floating sidebar; the margin column is the nearest."""
    ctx.count(Count.SIDEBAR)
    ctx.info(d.lineno, "{sidebar} becomes a margin column (Quarto has no sidebar blocks)", Code.QUARTO_DIFFERS)
    return _margin_div(d, ctx)


def _margin_div(d: Directive, ctx: Context) -> Rewrite:
    parts = [ids.own_id(d, ctx, "anchor"), ".column-margin", *(f".{c}" for c in d.classes())]
    return Rewrite(open=div_open(*parts) + "\n" + _title_block(d.argument, d), close=FENCE)


def epigraph(d: Directive, ctx: Context) -> Rewrite:
    """Epigraphs, pull quotes and highlights: a quoted div, ``:attribution:`` at its foot.

    ``{epigraph}`` with ``:attribution: Kant`` → ``::: {.epigraph}``, ``> body``,
    ``>``, ``> --- Kant``, ``:::``.
    """
    ctx.count(Count.QUOTE)
    attribution = d.option("attribution")
    close = f">\n> --- {attribution}\n{FENCE}" if attribution else FENCE
    if attribution and d.body_lines and not d.body_lines[-1].strip():
        close = f"> --- {attribution}\n{FENCE}"
        ctx.info(d.lineno, f"{{{d.name}}} ends with a blank line; the attribution follows it", Code.QUARTO_DIFFERS)
    return Rewrite(open=div_open(f".{d.name}") + "\n", close=close, prefix_body="> ")


def card(d: Directive, ctx: Context) -> Rewrite:
    """``{card} Title`` → ``::: {.card}`` with ``**Title**`` (a link with ``:link:``)."""
    ctx.count(Count.CARD)
    return _card_like(d, ctx, [ids.own_id(d, ctx, "anchor"), ".card", *(f".{c}" for c in d.classes())])


def _card_like(d: Directive, ctx: Context, parts: list[str]) -> Rewrite:
    title = d.argument.strip()
    link = d.option("link").strip()
    if link and d.option("link-type") in ("ref", "doc"):
        from .references import doc_target, resolve

        link = doc_target(link) if d.option("link-type") == "doc" else "#" + resolve(link, ctx, "sec", d.lineno)[0]
    if link:
        title = f"[{title or link}]({link})"
    header = d.option("header").strip()
    footer = d.option("footer").strip()
    open_ = div_open(*parts) + "\n"
    heads = [bold(title) if title else "", header]
    block = "\n\n".join(h for h in heads if h)
    if block:
        tail = "\n" if d.body_lines and d.body_lines[0].strip() else ""
        open_ += f"\n{block}\n{tail}"
    close = FENCE
    if footer:
        close = ("" if d.body_lines and not d.body_lines[-1].strip() else "\n") + f"{footer}\n{FENCE}"
    return Rewrite(open=open_, close=close)


def grid_columns(argument: str) -> int:
    """Columns of a sphinx-design grid: its widest breakpoint (``1 2 2 3`` → 3).

    >>> grid_columns("2"), grid_columns("1 2 2 3"), grid_columns("")
    (2, 3, 2)
    """
    numbers = [int(n) for n in re.findall(r"\d+", argument)]
    return max(1, min(12, max(numbers) if numbers else 2))


def grid(d: Directive, ctx: Context) -> Rewrite:
    """``{grid} 2`` → ``::: {layout-ncol=2}``: Quarto lays out each child div as a cell."""
    ctx.count(Count.GRID)
    parts = [ids.own_id(d, ctx, "anchor"), *(f".{c}" for c in d.classes()), f"layout-ncol={grid_columns(d.argument)}"]
    return Rewrite(open=div_open(*parts) + "\n", close=FENCE)


def grid_item(d: Directive, ctx: Context) -> Rewrite:
    """One cell of a grid: ``::: {.grid-item}``, or a card for ``{grid-item-card}``."""
    ctx.count(Count.GRID_ITEM)
    classes = [ids.own_id(d, ctx, "anchor"), ".card" if d.name == "grid-item-card" else ".grid-item"]
    return _card_like(d, ctx, classes + [f".{c}" for c in d.classes()])


def container(d: Directive, ctx: Context) -> Rewrite:
    """``{div}``/``{container}`` with classes → a div with those classes."""
    classes = [f".{c}" for c in d.valid_classes(d.argument.split()) + d.classes()]
    name = own_label(d)
    if name:
        classes.insert(0, ids.attribute(ids.label_id(ctx, name, "anchor", "as-written")))
    return Rewrite(open=div_open(*classes) + "\n", close=FENCE)


def rubric(d: Directive, ctx: Context) -> Rewrite:
    """``{rubric} Anmerkungen`` (a heading outside the sections) → ``## Anmerkungen {.unnumbered .unlisted}``."""
    ctx.count(Count.RUBRIC)
    classes = " ".join([ids.own_id(d, ctx, "anchor"), ".unnumbered", ".unlisted", *(f".{c}" for c in d.classes())])
    view = d.view
    lead = "\n" if d.open_line > 0 and view.line(d.open_line - 1).strip() else ""  # Pandoc: a blank line first
    after = d.close_line + 1 if d.close_line is not None else d.body_first + len(d.body_lines)
    tail = "\n" if view.line(after).strip() or any(line.strip() for line in d.body_lines) else ""
    return Rewrite(open=f"{lead}## {d.argument.strip()} {{{classes.strip()}}}\n{tail}", close="")


def removed(d: Directive, ctx: Context) -> Rewrite:
    """Things Quarto does itself (bibliography, table of contents): removed, and said so.

    A ``{toctree}``'s entries are named in the message: they belong in ``_quarto.yml``.
    """
    entries = [line.strip() for line in d.body_lines if line.strip()]
    where = "the book's chapters in _quarto.yml" if d.name == "toctree" else "_quarto.yml"
    listed = f" (entries: {', '.join(entries)})" if entries else ""
    ctx.info(d.lineno, f"{{{d.name}}} removed: Quarto makes this itself from {where}{listed}", Code.CONSTRUCT_REMOVED)
    ctx.count(Count.REMOVED, d.name)
    return Rewrite(open="", body="", close="")


def youtube(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{youtube} ID ```` → ``{{< video https://www.youtube.com/embed/ID >}}``."""
    return _video(d, ctx, "https://www.youtube.com/embed/" + d.argument.strip())


def video(d: Directive, ctx: Context) -> Rewrite:
    """```` ```{video} film.mp4 ```` → ``{{< video film.mp4 >}}``."""
    return _video(d, ctx, d.argument.strip())


def _video(d: Directive, ctx: Context, src: str) -> Rewrite:
    """The ``video`` shortcode; text in the directive's body (which Sphinx does not show) is
    kept in an HTML comment after it, and warned: never dropped."""
    ctx.count(Count.VIDEO)
    body = "\n".join(d.body_lines).strip("\n")
    if not body.strip():
        return Rewrite(open="{{< video " + src + " >}}", close="", body="")
    ctx.warn(
        d.lineno,
        f"{{{d.name}}} has a body, which Quarto's video shortcode cannot show: kept in a comment",
        Code.UNCONVERTED,
    )
    kept = body.replace("-->", "--&gt;")
    return Rewrite(open="{{< video " + src + " >}}\n", close="", body=f"<!-- {{{d.name}}} body:\n{kept}\n-->")


def raw(d: Directive, ctx: Context) -> Rewrite:
    ctx.count(Count.RAW_BLOCK)
    fmt = (d.argument.split() or ["html"])[0]
    return Rewrite(open=f"```{{={fmt}}}\n", close="```")


def literal(d: Directive, ctx: Context) -> Rewrite:
    ctx.count(Count.CODE_BLOCK)
    return Rewrite(open="```\n", close="```")


def _attr_key(key: str) -> str:
    """An option name as a Pandoc attribute key (``:2col:`` → ``x-2col``)."""
    key = re.sub(r"[^\w-]", "-", key)
    return key if is_class_name(key) else f"x-{key}"


def _attr_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


#: an unknown directive's label is its ``:name:`` only: what its ``:label:`` means is unknown (kept as an attribute)
FALLBACK_LABEL: tuple[LabelSource, ...] = ("name",)


def unknown(d: Directive, ctx: Context) -> Rewrite:
    """Any other directive: a fenced div with its name as class, and a warning.

    Its argument and options become attributes, ``:name:`` its id and ``:class:`` classes:
    ```` ```{foo} Arg ```` with ``:key: v`` → ``::: {.foo argument="Arg" key="v"}``.
    """
    name = re.sub(r"[^A-Za-z0-9_-]", "-", d.name)
    name = name if is_class_name(name) else f"x-{name}"
    ctx.warn(
        d.lineno, f"unknown directive {{{d.name}}}: written as a fenced div ::: {{.{name}}}", Code.DIRECTIVE_UNKNOWN
    )
    ctx.count(Count.UNKNOWN_DIRECTIVE)
    parts = [ids.own_id(d, ctx, "anchor", FALLBACK_LABEL), f".{name}", *(f".{c}" for c in d.classes())]
    if d.argument:
        parts.append(f"argument={attr_value(d.argument)}")
    for key, value in d.options.items():
        if key not in ("name", "class"):
            parts.append(f"{_attr_key(key)}={attr_value(_attr_text(value))}")
    return Rewrite(open=div_open(*parts) + "\n", close=FENCE)


_CARD_OPTIONS = frozenset({"link", "link-type", "header", "footer", "class", "name", "columns"})
_NAME_CLASS = frozenset({"name", "class"})
SPECS = (
    DirectiveSpec(("tab-set",), tab_set, options=frozenset({"sync-group", "class", "name"})),
    DirectiveSpec(("tab-item",), tab_item, options=frozenset({"name", "selected", "sync", "class-label", "class"})),
    DirectiveSpec(("tabbed",), tabbed, options=frozenset({"name", "selected", "new-group", "class-label", "class"})),
    DirectiveSpec(("margin", "aside"), margin, options=_NAME_CLASS),
    DirectiveSpec(("sidebar",), sidebar, options=_NAME_CLASS),
    DirectiveSpec(("epigraph", "pull-quote", "highlights"), epigraph, options=frozenset({"attribution"})),
    DirectiveSpec(("card",), card, options=_CARD_OPTIONS),
    DirectiveSpec(("grid",), grid, options=_NAME_CLASS),
    DirectiveSpec(("grid-item", "grid-item-card"), grid_item, options=_CARD_OPTIONS),
    DirectiveSpec(("div", "container"), container, options=_NAME_CLASS, prose=("body",)),
    DirectiveSpec(("rubric",), rubric, options=_NAME_CLASS),
    DirectiveSpec(("bibliography", "tableofcontents", "toctree", "contents"), removed, body="verbatim", prose=()),
    DirectiveSpec(("youtube",), youtube, body="verbatim", title=False, options=frozenset(), prose=()),
    DirectiveSpec(("video",), video, body="verbatim", title=False, options=frozenset(), prose=()),
    DirectiveSpec(("raw",), raw, body="literal", title=False, options=frozenset(), prose=()),
    DirectiveSpec(("parsed-literal",), literal, body="literal", options=frozenset(), prose=()),
    #: directives the converter does not know but whose body is no Markdown: kept verbatim in the fallback div
    DirectiveSpec(("eval-rst", "highlight"), unknown, body="verbatim", prose=()),
)
#: any other directive: a fenced div (its body converted as MyST)
FALLBACK = DirectiveSpec(("",), unknown, label=FALLBACK_LABEL)
