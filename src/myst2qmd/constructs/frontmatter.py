"""Front matter and the document title.

MyST::

    ---
    jupytext: {…}
    kernelspec: {name: python3, language: python}
    ---
    # Convolutional Neural Networks

Quarto::

    ---
    title: "Convolutional Neural Networks"
    jupyter: python3
    ---

``jupytext`` is dropped, ``kernelspec`` becomes ``jupyter: <name>``, the first H1 becomes
``title`` (unless one is set) and leaves the body, other keys are kept as written, and
``--images-path P`` adds ``params: images_path: "P"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from markdown_it.token import Token

from ..cells import KERNEL_LANGUAGES
from ..codes import Code, Count
from ..context import Context
from ..edits import Edit
from ..parsed import Fragments
from ..source import View
from ..yamlload import load_yaml
from .frontmatter_keys import abstract_yaml, converted_key, project_keys, yaml_lines

_TOP_KEY = re.compile(r"^([A-Za-z_][\w\-]*)\s*:")


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar.

    >>> yaml_string('Nets: "deep"')
    '"Nets: \\\\"deep\\\\""'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key_blocks(lines: list[str]) -> list[tuple[str, int, int]]:
    """Top-level keys of a YAML mapping with their line ranges ``(key, start, end)``."""
    blocks: list[tuple[str, int, int]] = []
    for i, line in enumerate(lines):
        match = _TOP_KEY.match(line)
        if match:
            if blocks:
                key, start, _ = blocks[-1]
                blocks[-1] = (key, start, i)
            blocks.append((match.group(1), i, len(lines)))
    return blocks


def heading_title(inline: Token) -> str:
    """The text of a heading (its inline token) that becomes the document's ``title:``: MyST of its own,
    tokenized by the parse."""
    text = inline.content.strip()
    # a heading's own MyST roles/markup stay as written; Quarto renders Markdown in titles
    return text


def kernel_of(data: dict[str, Any]) -> tuple[str | None, str]:
    """``(kernel name, cell language)`` from a ``kernelspec`` mapping."""
    spec = data.get("kernelspec") or {}
    if not isinstance(spec, dict):
        return None, "python"
    name = spec.get("name")
    language = str(spec.get("language") or KERNEL_LANGUAGES.get(str(name), "python")).lower()
    return (str(name) if name else None), KERNEL_LANGUAGES.get(language, language)


def _front_matter_data(fm: Token, ctx: Context | None) -> dict[str, Any] | None:
    """The front matter as a mapping; ``None`` (with a warning if ``ctx``) when it is not one."""
    try:
        loaded = load_yaml(fm.content) if fm.content.strip() else {}
    except yaml.YAMLError as exc:
        if ctx is not None:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line + 2) if mark is not None else 1
            ctx.warn(
                line,
                f"front matter is not valid YAML ({getattr(exc, 'problem', exc)}); kept as it is",
                Code.FRONTMATTER_INVALID,
            )
        return None
    if not isinstance(loaded, dict):
        if ctx is not None:
            ctx.warn(1, "front matter is not a YAML mapping; kept as it is", Code.FRONTMATTER_INVALID)
        return None
    return loaded


@dataclass(frozen=True)
class FrontMatter:
    """A document's front matter, its YAML read once: ``data`` is ``None`` when it is not a mapping."""

    token: Token | None = None
    data: dict[str, Any] | None = field(default_factory=dict)


def read_front_matter(tokens: list[Token], ctx: Context) -> FrontMatter:
    """The front matter of a document's tokens (warned about when it is not a YAML mapping)."""
    if not tokens or tokens[0].type != "front_matter":
        return FrontMatter()
    return FrontMatter(tokens[0], _front_matter_data(tokens[0], ctx))


def read_kernel(fm: FrontMatter, ctx: Context) -> None:
    """Set ``ctx.kernel_language`` from the ``kernelspec`` before cells are converted.

    A ``{code-cell}`` without a language argument runs in the document's kernel:
    with ``kernelspec: {name: ir, language: R}`` it becomes ```` ```{r} ````.
    """
    if fm.data is not None:
        ctx.kernel_language = kernel_of(fm.data)[1]


def page_substitutions(data: dict[str, Any]) -> dict[str, Any] | None:
    """A page's own substitutions: ``substitutions:`` (Jupyter Book) or ``myst: substitutions:``."""
    myst = data.get("myst")
    for found in (data.get("substitutions"), myst.get("substitutions") if isinstance(myst, dict) else None):
        if found is not None:
            return found if isinstance(found, dict) else {}
    return None


def read_substitutions(fm: FrontMatter, ctx: Context) -> None:
    """Add the front matter's ``substitutions`` to the book's (``myst_substitutions``); the page's win.

    MyST::

        ---
        substitutions:
          kurs: "Maschinelles Lernen"
        ---
        Der Kurs {{ kurs }}.

    Quarto: ``Der Kurs Maschinelles Lernen.`` (and the key leaves the front matter).
    """
    found = page_substitutions(fm.data) if fm.data is not None else None
    if found is None:
        return
    values = dict(ctx.options.substitutions)
    for key, value in found.items():
        if isinstance(value, (dict, list)):
            ctx.warn(
                1, f"substitution '{key}' is not a text; {{{{ {key} }}}} is kept as it is", Code.SUBSTITUTION_UNDEFINED
            )
            continue
        values[str(key)] = "" if value is None else str(value)
    ctx.options = replace(ctx.options, substitutions=values)


def _only_substitutions(value: Any) -> bool:
    """A ``myst:`` front matter block that holds nothing but ``substitutions``."""
    return isinstance(value, dict) and set(value) <= {"substitutions"}


_LABELLED = re.compile(r"\{[^{}]*#[^{}]*\}\s*$")


def title_candidate(tokens: list[Token]) -> int | None:
    """The index of the first H1 when it may become the document's ``title:`` (for the parse, which
    tokenizes its text: see :func:`title_heading`), not when a label stands before it or in it."""
    h1 = first_h1(tokens)
    if h1 is None or (h1 > 0 and tokens[h1 - 1].type == "myst_target") or _LABELLED.search(tokens[h1 + 1].content):
        return None
    return h1


def title_heading(tokens: list[Token], fm: FrontMatter, ctx: Context) -> int | None:
    """The index of the first H1 when it becomes the document's ``title:`` (decided before the
    walk, which then leaves the heading to :func:`frontmatter_edits`).

    Not when the front matter has a title (or is no mapping), nor when the heading has a label
    (``(label)=`` before it, or ``{#id}``): references lead to it, so it stays a heading with its
    id (``# Title {#sec-label}``, how Quarto books title and reference a chapter).
    """
    h1 = first_h1(tokens)
    if h1 is None or fm.data is None or "title" in fm.data or not ctx.options.title_from_h1:
        return None
    target = tokens[h1 - 1] if h1 > 0 and tokens[h1 - 1].type == "myst_target" else None
    label = ctx.labels.get(target.content.strip()) if target is not None else None
    if (label is not None and label.kind == "sec") or _LABELLED.search(tokens[h1 + 1].content):
        ctx.count(Count.LABELLED_TITLE_HEADING_KEPT)
        return None
    return h1


def frontmatter_edits(
    tokens: list[Token],
    view: View,
    ctx: Context,
    fm: FrontMatter,
    h1: int | None,
    fragments_of: Callable[[Token], Fragments] | None = None,
    abstract: str | None = None,
) -> list[Edit]:
    """Edits for the front matter and the heading :func:`title_heading` chose as the title (converted by
    the walk's ``fragments_of`` the heading's inline token), with the page's ``abstract`` part and its
    project's settings (:mod:`.frontmatter_keys`)."""
    out: list[Edit] = []
    if fm.data is None:
        return out
    data = fm.data
    lines = fm.token.content.split("\n") if fm.token is not None else []

    kernel, language = kernel_of(data)
    ctx.kernel_language = language

    title: str | None = None
    if h1 is not None:
        open_tok, inline = tokens[h1], tokens[h1 + 1]
        first, end = open_tok.map or (0, 1)
        # remove the heading and the blank lines after it
        stop = end
        while stop < view.nlines - 1 and view.line(stop).strip() == "":
            stop += 1
        start_abs = view.abs(first, 0)
        stop_abs = view.abs(stop, 0) if stop < view.nlines else len(view.text)
        text = heading_title(inline)
        title = fragments_of(inline).convert(text, view.lineno(first)) if fragments_of is not None else text
        out.append(Edit(start_abs, stop_abs, "", "title"))
        ctx.count(Count.TITLE)

    new_lines = [f"title: {yaml_string(title)}"] if title is not None else []
    new_lines += _key_lines(lines, data, kernel, ctx)
    if abstract is not None:
        new_lines.extend(abstract_yaml(abstract))
    # keep anything before the first key (comments)
    blocks = _key_blocks(lines)
    head = lines[: blocks[0][1]] if blocks else [line for line in lines if line.strip()]
    if ctx.options.images_path is not None and "params" not in data:
        new_lines.append("params:")
        new_lines.append(f"  images_path: {yaml_string(ctx.options.images_path)}")
    elif ctx.options.images_path is not None:
        ctx.warn(1, "front matter already has 'params'; add images_path to it yourself", Code.UNCONVERTED)
    while new_lines and new_lines[-1].strip() == "":
        new_lines.pop()
    body = "\n".join(head + new_lines)
    token = fm.token
    if token is not None:
        assert token.map is not None
        if body == token.content.rstrip("\n") and title is None:
            return out
        start = view.abs(0, 0)
        if not body.strip():
            # nothing left (only jupytext): the block and the blank lines after it go
            after = token.map[1]
            while after < view.nlines - 1 and view.line(after).strip() == "":
                after += 1
            out.append(Edit(start, view.abs(after, 0), "", "front matter"))
            return out
        stop = view.abs(token.map[1] - 1, len(view.line(token.map[1] - 1)))
        out.append(Edit(start, stop, f"---\n{body}\n---", "front matter"))
    elif new_lines:
        out.append(Edit(0, 0, f"---\n{body}\n---\n\n", "front matter"))
    return out


def _key_lines(lines: list[str], data: dict[str, Any], kernel: str | None, ctx: Context) -> list[str]:
    """The front matter's keys as Quarto reads them (``kernel``: the ``kernelspec``'s name), then the
    project's settings the page does not set (:mod:`.frontmatter_keys`)."""
    out: list[str] = []
    written: dict[str, Any] = {}
    for key, start, end in _key_blocks(lines):
        if key == "jupytext":
            ctx.count(Count.FRONT_MATTER_JUPYTEXT_DROPPED)
            continue
        if key == "substitutions" or (key == "myst" and _only_substitutions(data.get("myst"))):
            # applied to the text (read_substitutions); Quarto has no use for them
            ctx.count(Count.FRONT_MATTER_SUBSTITUTIONS_APPLIED)
            continue
        if key == "kernelspec":
            if kernel:
                out.append(f"jupyter: {kernel}")
            ctx.count(Count.FRONT_MATTER_KERNELSPEC)
            continue
        converted = converted_key(key, data.get(key), start + 2, ctx)
        if converted is not None:
            out.extend(yaml_lines(converted))
            written.update(converted)
            continue
        out.extend(lines[start:end])
    return out + yaml_lines(project_keys(data, written, ctx))


def first_h1(tokens: list[Token]) -> int | None:
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and token.level == 0:
            return i
    return None
