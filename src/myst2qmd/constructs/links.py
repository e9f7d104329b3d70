"""Markdown links, resolved the way MyST resolves them.

MyST → Quarto (in a book, paths are relative to the output chapter)::

    [Text](faltung)                    →  [Text](grundlagen.qmd#sec-faltung)   (a label)
    [](#faltung)                       →  @sec-faltung                          (empty text: a reference)
    [Text](/Markdown/5_4_Übung_PID.md) →  [Text](5_4_Übung_PID.qmd)            (root-relative, umlauts)
    [Text](../overview/01_overview)    →  [Text](../overview/01_overview.qmd)  (extensionless)
    [Text](01_week_01.html#anchor)     →  [Text](01_week_01.qmd#anchor)        (built pages)
    <project:#faltung>                 →  [Die Faltung](grundlagen.qmd#sec-faltung)

A link to nothing the book has stays as written and is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..adapter import InlineLocator, link_destination
from ..codes import Code, Count
from ..context import Context
from ..edits import Edit
from ..files import looked_at
from ..labels import CROSSREF_KINDS
from .base import link_target
from .references import find_label

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)
_DOCUMENT = re.compile(r"\.(md|ipynb|myst|markdown|html|rst)$", re.IGNORECASE)


@dataclass
class LinkRewrite:
    """A new destination, or (for ``[](#label)``) a replacement for the whole link."""

    target: str | None = None
    whole: str | None = None


_HTML_SUFFIX = re.compile(r"\.html$")
#: a source document's suffix, which becomes ``.qmd``
_SOURCE_SUFFIX = re.compile(r"\.(md|ipynb|myst)$", re.IGNORECASE)


def rewrite_link(target: str, text_is_empty: bool, ctx: Context, line: int) -> LinkRewrite | None:
    """How a link destination changes; ``None`` keeps it."""
    project = target.startswith("project:")
    if project:
        target = target[len("project:") :]
    elif _SCHEME.match(target) or target.startswith("//"):
        return None
    path, _, anchor = target.partition("#")
    if not path:
        found = (find_label(anchor, ctx) or find_label(f"slug:{anchor}", ctx)) if anchor else None
        if found is None:
            _warn_if_nothing_has(anchor, text_is_empty, ctx, line)
            return LinkRewrite(target=f"#{anchor}") if project else None
        return _to_label(found, text_is_empty, _title(anchor, ctx) or _title(f"slug:{anchor}", ctx))
    if "/" not in path and "." not in path and not anchor:
        found = find_label(path, ctx)
        if found is not None:
            return _to_label(found, text_is_empty, _title(path, ctx))
    decoded = unquote(path)
    resolver = ctx.options.resolve_document
    if resolver is not None:
        document = _HTML_SUFFIX.sub("", decoded)
        hit = resolver(document)
        if hit is not None:
            href, title = hit
            if anchor:
                found = find_label(anchor, ctx) or find_label(f"slug:{anchor}", ctx)
                anchor = found[0] if found is not None else anchor
                href += f"#{anchor}"
            ctx.count(Count.DOCUMENT_LINK)
            if text_is_empty:  # MyST shows the page title there
                return LinkRewrite(target=href, whole=f"[{title or path}]({link_target(href)})")
            return LinkRewrite(target=href) if href != target else None
        if _DOCUMENT.search(decoded) or "." not in decoded.rsplit("/", 1)[-1]:
            ctx.warn(line, f"link to {target}: no such document in this book; kept as written", Code.LINK_MISSING)
            return None
    _warn_if_missing(decoded, target, ctx, line)
    if resolver is not None:
        return None
    if _SOURCE_SUFFIX.search(decoded):
        ctx.count(Count.DOCUMENT_LINK)
        new = _SOURCE_SUFFIX.sub(".qmd", path)
        return LinkRewrite(target=new + (f"#{anchor}" if anchor else ""))
    return None


def _warn_if_nothing_has(anchor: str, reference: bool, ctx: Context, line: int) -> None:
    """A link to ``#anchor`` that no label, heading or id of the document (or book) has: kept, and
    reported (``[](#x)``, a reference, as ``ref-undefined``)."""
    if not anchor or anchor in ctx.options.external_labels.values():
        return
    if any(label.quarto_id == anchor for label in ctx.labels.values()):
        return
    if reference:
        ctx.warn(line, f"reference to '{anchor}', which this file does not define; kept as written", Code.REF_UNDEFINED)
        ctx.count(Count.UNRESOLVED_REFERENCE)
    else:
        ctx.warn(line, f"link to #{anchor}: no label, heading or id has it; kept as written", Code.LINK_MISSING)


def _warn_if_missing(path: str, target: str, ctx: Context, line: int) -> None:
    """A link to a file (a PDF, a data set) that is not there: kept, and reported."""
    options = ctx.options
    if options.source_dir is None:
        return
    base = Path(options.root_dir or options.source_dir) if path.startswith("/") else Path(options.source_dir)
    looked_at("file", base / path.lstrip("/"))
    if not (base / path.lstrip("/")).exists():
        ctx.warn(line, f"link to {target}: there is no such file; kept as written", Code.LINK_MISSING)


def _title(name: str, ctx: Context) -> str:
    label = ctx.labels.get(name)
    return label.title if label is not None else ""


def _to_label(found: tuple[str, str, str], text_is_empty: bool, title: str = "") -> LinkRewrite:
    ident, kind, page = found
    if text_is_empty and kind in CROSSREF_KINDS:
        return LinkRewrite(whole=f"@{ident}")
    if text_is_empty:
        return LinkRewrite(target=f"{page}#{ident}", whole=f"[{title or ident}]({link_target(f'{page}#{ident}')})")
    return LinkRewrite(target=f"{page}#{ident}")


def link_edits(content: str, span: tuple[int, int], locator: InlineLocator, ctx: Context, line: int) -> list[Edit]:
    """The edits for a Markdown link at ``span`` of a paragraph's ``content``: its destination,
    as MyST resolves it (labels, documents, built pages), or the whole link."""
    if content[span[0] : span[0] + 9] == "<project:":
        # a MyST autolink <project:#label> or <project:path.md>
        rewrite = rewrite_link(content[span[0] + 1 : span[1] - 1], True, ctx, line)
        if rewrite is None:
            return []
        whole = rewrite.whole or f"[{rewrite.target}]({rewrite.target})"
        return [Edit(locator.abs(span[0]), locator.abs(span[1]), whole, "link")]
    destination = link_destination(content, span)
    if destination is None:
        return []
    target = content[destination[0] : destination[1]]
    empty = content[span[0] + 1 : span[0] + 2] == "]"
    rewrite = rewrite_link(target, empty, ctx, line)
    if rewrite is None:
        return []
    if rewrite.whole is not None:
        return [Edit(locator.abs(span[0]), locator.abs(span[1]), rewrite.whole, "link")]
    if rewrite.target is not None and rewrite.target != target:
        bracketed = content[destination[0] - 1 : destination[0]] == "<"
        new = rewrite.target if bracketed else link_target(rewrite.target)
        return [Edit(locator.abs(destination[0]), locator.abs(destination[1]), new, "link")]
    return []
