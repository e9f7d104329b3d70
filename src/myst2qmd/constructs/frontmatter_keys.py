"""Front matter keys that Quarto spells differently, and the abstract written as a document part.

MyST (both dialects) → Quarto::

    myst: {html_meta: {description: …}}   →  description: …
    numbering: false                      →  number-sections: false      (mystmd)
    exports: [{format: pdf}]              →  format: {html: default, pdf: default}
    math: {'\\R': '\\mathbb{R}'}          →  (applied to the math, then dropped)
    abbreviations: {CNN: …}               →  (applied to the text: [CNN]{title="…"}, then dropped)

    +++ {"part": "abstract"}
    Eine Zusammenfassung.                 →  abstract: |-
    +++                                        Eine Zusammenfassung.

A page without the project's settings (``lang``, ``crossref``, ``bibliography``… of its
``_config.yml``/``myst.yml``: ``Options.project_meta``) gets them in its front matter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import yaml
from markdown_it.token import Token

from ..codes import Code
from ..context import Context
from ..edits import Edit, apply_edits
from ..macros import macros_from_config
from ..source import View
from .project import MetaReader

#: ``html_meta`` names Quarto has a front matter key for
HTML_META = {"description": "description", "keywords": "keywords", "author": "author"}
#: page keys applied to the text before the walk, then dropped from the front matter
APPLIED = ("math", "abbreviations")


def read_page_options(data: Mapping[str, Any] | None, ctx: Context) -> None:
    """The page's ``math:`` macros (over the project's) and ``abbreviations`` into ``ctx.options``."""
    if not data:
        return
    options = ctx.options
    math = data.get("math")
    if isinstance(math, Mapping):
        options = replace(options, macros={**options.macros, **macros_from_config({"math": dict(math)})})
    abbreviations = data.get("abbreviations")
    if isinstance(abbreviations, Mapping):
        found = {str(k): str(v) for k, v in abbreviations.items() if v is not None}
        options = replace(options, abbreviations={**options.abbreviations, **found})
    ctx.options = options


def _html_meta(meta: Any, line: int, ctx: Context, out: dict[str, Any]) -> None:
    for key, value in meta.items() if isinstance(meta, Mapping) else []:
        name = str(key).split()[0]
        if name in HTML_META:
            text = str(value)
            out[HTML_META[name]] = [k.strip() for k in text.split(",") if k.strip()] if name == "keywords" else text
        else:
            ctx.warn(line, f"html_meta {key} has no Quarto equivalent: not carried over", Code.OPTION_UNSUPPORTED)


def converted_key(key: str, value: Any, line: int, ctx: Context) -> dict[str, Any] | None:
    """The Quarto keys one front matter key becomes, or ``None`` when it stays as written."""
    if key in APPLIED:
        return {}
    if key == "myst" and isinstance(value, Mapping) and "html_meta" in value:
        out: dict[str, Any] = {}
        _html_meta(value["html_meta"], line, ctx, out)
        rest = {k: v for k, v in value.items() if k not in ("html_meta", "substitutions")}
        if rest:
            out["myst"] = rest
        return out
    if key in ("numbering", "exports"):
        reader = MetaReader(ctx.path)
        reader.numbering(value, None) if key == "numbering" else reader.exports(value)
        for warning in reader.warnings:
            ctx.warn(line, warning.message, warning.code)
        return reader.meta
    return None


def yaml_lines(data: Mapping[str, Any]) -> list[str]:
    """``data`` as YAML block lines (nothing for an empty mapping)."""
    if not data:
        return []
    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100).rstrip("\n").split("\n")


def project_keys(data: Mapping[str, Any], written: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """The project's Quarto options the page does not set itself."""
    return {k: v for k, v in ctx.options.project_meta.items() if k not in data and k not in written}


# -- the abstract part -------------------------------------------------------------------------


def _part(token: Token) -> str | None:
    """The ``part`` a block break's metadata names (``+++ {"part": "abstract"}``), if any."""
    text = token.content.strip()
    if not text.startswith("{"):
        return None
    try:
        meta = json.loads(text)
    except ValueError:
        return None
    return str(meta.get("part")) if isinstance(meta, dict) and meta.get("part") else None


def abstract_part(tokens: list[Token], data: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """Token indexes ``(first, last)`` of the ``+++ {"part": "abstract"}`` block and its closing
    ``+++`` (or the document's end), when the front matter has no ``abstract`` of its own."""
    if data is None or "abstract" in data:
        return None
    for i, token in enumerate(tokens):
        if token.type == "myst_block_break" and token.level == 0 and _part(token) == "abstract":
            for j in range(i + 1, len(tokens)):
                if tokens[j].type == "myst_block_break" and tokens[j].level == 0:
                    return i, j
            return i, len(tokens) - 1
    return None


def abstract_lines(tokens: list[Token], span: tuple[int, int], view: View) -> tuple[int, int, int]:
    """``(first, text_start, text_end)`` line numbers of the view: the ``+++`` line, and the abstract's
    text between it and the closing ``+++`` (or the end)."""
    first = (tokens[span[0]].map or (0, 1))[0]
    closing = tokens[span[1]]
    end = closing.map[0] if closing.type == "myst_block_break" and closing.map else view.nlines
    return first, first + 1, end


def abstract_yaml(text: str) -> list[str]:
    """``abstract:`` as a YAML literal block (the text's own lines kept)."""
    lines = text.strip("\n").split("\n")
    head = "abstract: |2-" if lines[0].startswith(" ") else "abstract: |-"
    return [head, *[f"  {line}" if line.strip() else "" for line in lines]]


def take_abstract(
    tokens: list[Token], view: View, data: Mapping[str, Any] | None, edits: list[Edit]
) -> tuple[str | None, list[Edit]]:
    """The abstract part converted (by the walk's ``edits`` inside it) and the edits with it taken out
    of the body: ``(abstract, edits)``; ``(None, edits)`` when the page has none."""
    span = abstract_part(tokens, data)
    if span is None:
        return None, edits
    first, text_start, text_end = abstract_lines(tokens, span, view)
    stop = min(text_end + 1, view.nlines)
    while stop < view.nlines and not view.line(stop).strip():
        stop += 1
    start_abs = view.abs(first, 0)
    stop_abs = view.abs(stop, 0) if stop < view.nlines else len(view.text)
    text_from = view.abs(text_start, 0) if text_start < view.nlines else len(view.text)
    text_to = view.abs(text_end, 0) if text_end < view.nlines else len(view.text)
    inside = [e for e in edits if start_abs <= e.start and e.end <= stop_abs]
    body = [e for e in edits if not (start_abs <= e.start and e.end <= stop_abs)]
    shifted = [
        Edit(e.start - text_from, e.end - text_from, e.new, e.kind)
        for e in inside
        if text_from <= e.start and e.end <= text_to
    ]
    abstract = apply_edits(view.text[text_from:text_to], shifted).strip("\n")
    return abstract, [*body, Edit(start_abs, stop_abs, "", "abstract part")]
