"""MyST-Parser's ``html_admonition``: an admonition written in HTML, to a Quarto callout.

MyST → Quarto::

    <div class="admonition tip">          ::: {.callout-tip appearance="simple"}
    <p class="title">Tipp</p>        →
    Etwas Text.                           ## Tipp
    </div>
                                          Etwas Text.
                                          :::

The ``<div>`` may be one HTML block with its body, or open a body of Markdown blocks that a
``</div>`` block of its own closes (blank lines between them). Its ``name`` is the callout's id;
``style`` and other attributes Quarto has no place for are warned.
"""

from __future__ import annotations

import html
import re

from markdown_it.token import Token

from ..adapter import block_lines
from ..codes import Code, Count
from ..context import Context
from ..source import View
from . import ids
from .admonitions import CALLOUT_KIND
from .base import Walk, WalkState
from .blocks import colon_runs, replace_block

#: ``<div class="admonition …" …>`` at the start of an HTML block
_OPEN = re.compile(r"\A\s*<div\s+(?P<attrs>[^>]*?)\s*>[ \t]*\n?", re.IGNORECASE)
_ATTR = re.compile(r"""(?P<key>[\w-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))""")
#: ``<p class="title">…</p>`` right after the opening tag
_TITLE = re.compile(
    r"""\A\s*<p\s+class\s*=\s*["']?(?:[^"'>]*\s)?title(?:\s[^"'>]*)?["']?\s*>(?P<title>.*?)</p>[ \t]*\n?""",
    re.IGNORECASE | re.DOTALL,
)
_CLOSE = re.compile(r"\s*</div>\s*\Z", re.IGNORECASE)
#: attributes the callout carries (the others are warned)
_CARRIED = frozenset({"class", "name"})


def _attributes(text: str) -> dict[str, str]:
    """A tag's attributes: name → value (entities decoded)."""
    return {
        m["key"].lower(): html.unescape(next(v for v in (m["dq"], m["sq"], m["bare"], "") if v is not None))
        for m in _ATTR.finditer(text)
    }


def _open_text(attrs: dict[str, str], title: str, ctx: Context, line: int, fence: str) -> str:
    """The callout's opening ``fence`` and its title heading."""
    classes = attrs.get("class", "").split()
    kind = next((CALLOUT_KIND[c] for c in classes if c in CALLOUT_KIND and c != "admonition"), "note")
    extra = [f".{c}" for c in classes if c not in CALLOUT_KIND and re.fullmatch(r"[A-Za-z][\w-]*", c)]
    name = attrs.get("name", "").strip()
    parts = [*([ids.attribute(ids.label_id(ctx, name, "anchor", "as-written"))] if name else []), f".callout-{kind}"]
    dropped = sorted(set(attrs) - _CARRIED)
    if dropped:
        ctx.warn(
            line,
            f"HTML admonition: attributes Quarto has no place for left out: {', '.join(dropped)}",
            Code.QUARTO_DIFFERS,
        )
    ctx.count(Count.CALLOUT)
    heading = f"\n## {' '.join(title.split())}\n" if title.strip() else ""
    return fence + " {" + " ".join([*parts, *extra, 'appearance="simple"']) + "}\n" + heading


def admonition_opening(content: str) -> tuple[dict[str, str], str, str] | None:
    """``(attributes, title, rest)`` when ``content`` (an HTML block) opens an HTML admonition, else ``None``.

    >>> admonition_opening('<div class="admonition tip">\\n<p class="title">Tipp</p>\\nText.\\n</div>')
    ({'class': 'admonition tip'}, 'Tipp', 'Text.\\n</div>')
    >>> admonition_opening('<div class="box">\\n</div>') is None
    True
    """
    opening = _OPEN.match(content)
    if opening is None:
        return None
    attrs = _attributes(opening["attrs"])
    if "admonition" not in attrs.get("class", "").split():
        return None
    rest = content[opening.end() :]
    title = _TITLE.match(rest)
    return attrs, title["title"].strip() if title else "", rest[title.end() :] if title else rest


def html_admonition(content: str, ctx: Context, line: int) -> str | None:
    """An HTML block that is a whole admonition (opening tag, title, body, ``</div>``) as a callout."""
    found = admonition_opening(content)
    if found is None:
        return None
    attrs, title, rest = found
    close = _CLOSE.search(rest)
    if close is None or re.search(r"<div\b", rest[: close.start()], re.IGNORECASE):
        return None
    body = rest[: close.start()].strip("\n")
    gap = "\n" if title and body else ""
    fence = ":" * max([3, *(n + 1 for n in colon_runs(body))])
    return _open_text(attrs, title, ctx, line, fence) + gap + (body + "\n" if body else "") + fence


def _closing(tokens: list[Token], index: int) -> int | None:
    """The index of the lone ``</div>`` block closing the admonition ``tokens[index]`` opens (at its level,
    no other ``<div`` block between), or ``None``."""
    level = tokens[index].level
    for at in range(index + 1, len(tokens)):
        token = tokens[at]
        if token.level < level:
            return None
        if token.type == "html_block" and token.level == level:
            if _CLOSE.fullmatch(token.content) is not None:
                return at
            if re.search(r"<div\b", token.content, re.IGNORECASE):
                return None
    return None


def admonition_rule(walk: Walk, state: WalkState, index: int) -> bool:
    """An HTML block opening an admonition whose body follows as Markdown blocks, up to a ``</div>`` block:
    both become the callout's fences once the body is converted. ``False``: not one (the block is left)."""
    tokens, view = state.parsed.tokens, state.parsed.view
    found = admonition_opening(tokens[index].content)
    close = _closing(tokens, index) if found is not None and not found[2].strip() else None
    if found is None or close is None or tokens[index].map is None or tokens[close].map is None:
        return False
    opening, closing = tokens[index], tokens[close]
    line = view.lineno(block_lines(opening)[0])
    state.deferred.append(lambda: _fences(walk, view, (opening, closing), found[:2], line))
    return True


def _fences(walk: Walk, view: View, blocks: tuple[Token, Token], head: tuple[dict[str, str], str], line: int) -> int:
    """The edits writing the callout's fences over the opening and closing HTML blocks; the fence's width."""
    start, end = view.abs(block_lines(blocks[0])[1], 0), view.abs(block_lines(blocks[1])[0], 0)
    texts = [*(e.new for e in walk.edits_within(start, end)), view.text[start:end]]
    fence = ":" * max([3, *(n + 1 for text in texts for n in colon_runs(text))])
    walk.extend(replace_block(blocks[0], view, _open_text(*head, walk.ctx, line, fence).rstrip("\n")))
    walk.extend(replace_block(blocks[1], view, fence))
    return len(fence)
