"""Which chapters a book numbers, as Quarto's ``number-sections`` says it.

A Quarto book numbers every chapter unless told otherwise; a Jupyter Book 1 book numbers none
unless its ``_toc.yml`` says ``numbered`` (for all: ``defaults:``; for the chapters of a book without
parts: ``options:``; for one part: on the part; for a chapter's sections: on the chapter's entry;
``numbered: 2`` numbers two levels deep). A Jupyter Book 2 book numbers its headings only when
``myst.yml`` says ``numbering: headings: true`` (:mod:`..constructs.project`).

=============================================  =================================================
Jupyter Book 1 ``_toc.yml``                     Quarto
=============================================  =================================================
no ``numbered`` (the default)                   ``number-sections: false`` in ``_quarto.yml``
``numbered: true`` for every chapter            ``number-sections: true``
``numbered: 2``                                 ``number-sections: true``, ``number-depth: 2``
some parts numbered, others not                 ``number-sections: true``, and
                                                ``number-sections: false`` in the front matter of
                                                each chapter that is not
=============================================  =================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ..codes import Code
from ..context import Warning_
from .toc import Book, normalise_toc_path

#: a chapter's numbering: ``False``, ``True`` (every level) or a depth
Numbered = bool | int


def _numbered(options: Any, inherited: Numbered) -> Numbered:
    value = options.get("numbered", inherited) if isinstance(options, Mapping) else inherited
    return value if isinstance(value, (bool, int)) else bool(value)


def _entries(items: Any, numbered: Numbered, defaults: Numbered, out: dict[str, Numbered]) -> None:
    """Each ``file:`` entry of ``items`` (and the sections below it) with the numbering it gets."""
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        if "file" in item:
            path = normalise_toc_path(str(item["file"]))
            if path is not None:
                out[path.rsplit(".", 1)[0] if path.endswith((".md", ".ipynb")) else path] = numbered
        below = _numbered(item, numbered or defaults)
        for key in ("sections", "chapters"):
            if key in item:
                _entries(item[key], below, defaults, out)


def toc_numbering(toc: Mapping[str, Any]) -> dict[str, Numbered]:
    """Every entry of a ``_toc.yml`` (its path without suffix) → how it is numbered."""
    defaults = _numbered(toc.get("defaults"), False)
    out: dict[str, Numbered] = {}
    if isinstance(toc.get("parts"), list):
        for part in toc["parts"]:
            if isinstance(part, Mapping):
                _entries(part.get("chapters"), _numbered(part, defaults), defaults, out)
        return out
    top = _numbered(toc.get("options"), _numbered(toc, defaults))
    _entries(toc.get("chapters") or toc.get("sections"), top, defaults, out)
    return out


@dataclass
class Numbering:
    """``number-sections`` (and ``number-depth``) of ``_quarto.yml``, and the chapters that differ."""

    project: dict[str, Any] = field(default_factory=dict)
    #: chapter → its own front matter keys (``number-sections: false`` in a book that numbers)
    chapters: dict[PurePosixPath, dict[str, Any]] = field(default_factory=dict)


def book_numbering(book: Book, numbered: Mapping[str, Numbered]) -> Numbering:
    """The Quarto numbering of a Jupyter Book 1 ``book`` whose entries are numbered as ``numbered``
    says (:func:`toc_numbering`); the root is never numbered (Quarto's ``index.qmd`` neither)."""
    chapters = [c for c in book.chapters if not c.is_root]
    found = {c.rel: numbered.get(c.rel.with_suffix("").as_posix(), False) for c in chapters}
    if not any(found.values()):
        return Numbering({"number-sections": False})
    project: dict[str, Any] = {"number-sections": True}
    depths = {v for v in found.values() if v is not True and v}
    if depths and all(v is not True for v in found.values() if v):
        project["number-depth"] = max(int(v) for v in depths)
    off = {rel: {"number-sections": False} for rel, value in found.items() if not value}
    return Numbering(project, off)


def unnumbered_notebooks(book: Book, numbering: Numbering) -> list[Warning_]:
    """A notebook chapter left unnumbered in a book that numbers (its cells have no front matter to
    say so): reported, for Quarto numbers it as the rest of the book."""
    return [
        Warning_(
            chapter.toc,
            chapter.line,
            f"{chapter.rel} is not numbered in the book, but a notebook has no front matter to say so: "
            "Quarto numbers it (add number-sections: false to its first raw cell)",
            Code.OPTION_UNSUPPORTED,
        )
        for chapter in book.chapters
        if chapter.is_notebook and chapter.rel in numbering.chapters
    ]
