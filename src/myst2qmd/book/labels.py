"""Labels across the book: every chapter's labels, with their Quarto ids and, seen from each
chapter, the page that defines them (``{numref}`` in one chapter to a figure in another).

The labels themselves are collected by :func:`.notebooks.collect_labels` (each chapter's label pass,
joined and checked for collisions by :class:`.labelpass.LabelTable`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath

from ..constructs.base import url_path

#: label → (Quarto id, path of the document that defines it, kind)
Labels = dict[str, tuple[str, str, str]]


def relative(target: PurePosixPath, start: PurePosixPath) -> str:
    """The link from the page ``start`` to the page ``target`` (both relative to the output folder)."""
    return os.path.relpath(target.as_posix(), start.parent.as_posix() or ".").replace(os.sep, "/")


class LabelTargets:
    """The book's labels worked out once: their Quarto ids, and, per output folder and on demand,
    the link from a page in that folder to the page that defines a label.

    >>> targets = LabelTargets({"fig-a": ("fig-a", "a/x.md", "fig")}, {"a/x.md": PurePosixPath("a/x.qmd")})
    >>> targets.ids, targets.pages_for("b/y.md", PurePosixPath("b/y.qmd"))["fig-a"]
    ({'fig-a': 'fig-a'}, ('fig', '../a/x.qmd'))
    """

    def __init__(self, labels: dict[str, tuple[str, str, str]], out_of: dict[str, PurePosixPath]) -> None:
        #: label → Quarto id, the same for every chapter
        self.ids = {name: qid for name, (qid, _, _) in labels.items()}
        self.labels = labels
        self.out_of = out_of
        #: (output folder, defining document) → the link between them
        self.links: dict[tuple[str, str], str] = {}

    def pages_for(self, source: str, out_rel: PurePosixPath) -> LabelPages:
        """``label → (kind, page)`` as seen from the chapter ``source`` (written to ``out_rel``)."""
        return LabelPages(self, source, out_rel)

    def link(self, path: str, out_rel: PurePosixPath, folder: str | None = None) -> str:
        """The link from the page ``out_rel`` (in ``folder``, when the caller has it) to the page of ``path``."""
        key = (out_rel.parent.as_posix() if folder is None else folder, path)
        found = self.links.get(key)
        if found is None:
            found = self.links[key] = url_path(relative(self.out_of[path], out_rel))
        return found


class LabelPages(Mapping[str, tuple[str, str]]):
    """``label → (kind, page of the chapter that defines it, relative to this one)``, the page
    worked out when a label is looked up (see :class:`LabelTargets`)."""

    def __init__(self, targets: LabelTargets, source: str, out_rel: PurePosixPath) -> None:
        self.targets = targets
        self.source = source
        self.out_rel = out_rel
        self.folder = out_rel.parent.as_posix()
        #: what was looked up so far: label → (kind, page)
        self.found: dict[str, tuple[str, str]] = {}

    def __getitem__(self, name: str) -> tuple[str, str]:
        found = self.found.get(name)
        if found is None:
            _, path, kind = self.targets.labels[name]
            page = "" if path == self.source else self.targets.link(path, self.out_rel, self.folder)
            found = self.found[name] = (kind, page)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self.targets.labels

    def __iter__(self) -> Iterator[str]:
        return iter(self.targets.labels)

    def __len__(self) -> int:
        return len(self.targets.labels)
