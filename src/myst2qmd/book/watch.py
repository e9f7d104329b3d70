"""What one chapter's conversion reads of the rest of the book, noted while it runs, so that a
re-run can tell whether that chapter would come out differently (:mod:`.reuse`).

A chapter's output depends on its own source and the run's settings, and on what it looks up:
labels of other chapters (their Quarto ids, kinds and pages, through ``Options.external_labels``
and ``Options.label_pages``), other chapters' paths and titles (``{doc}``, through
``Options.resolve_document``) and files (``{include}``, ``{literalinclude}``, ``{csv-table}``,
links to files, embedded notebooks: :func:`..files.looked_at`). :class:`Watch` notes the names,
targets and paths; :class:`Seen` works out, from a run's tables and the file system, what they
are now, as one digest: the same digest, the same output.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..constructs.embeds import project_notebooks
from ..notebooks import Chapter
from .labels import LabelPages, LabelTargets
from .links import document_resolver


@dataclass
class Watch:
    """What a chapter's conversion looked up (and so depends on) besides its own source."""

    #: label names looked up, found or not (a label defined later makes the chapter convert again)
    names: set[str] = field(default_factory=set)
    #: Quarto ids asked whether some label has them (an id made up for an unlabelled figure must be a free one)
    id_queries: set[str] = field(default_factory=set)
    #: every label's Quarto id (listed)
    ids: bool = False
    #: every label's name (listed: a term looked up in any case)
    every: bool = False
    #: ``{doc}`` targets as written
    documents: set[str] = field(default_factory=set)
    #: ``("file", path)`` and ``("notebooks", folder)`` (:func:`..files.looked_at`)
    files: set[tuple[str, str]] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            "names": sorted(self.names),
            "id_queries": sorted(self.id_queries),
            "ids": self.ids,
            "every": self.every,
            "documents": sorted(self.documents),
            "files": sorted([kind, path] for kind, path in self.files),
        }


class WatchedIds(dict[str, str]):
    """``Options.external_labels`` (label → Quarto id) noting into a :class:`Watch` what is looked up."""

    def __init__(self, ids: Mapping[str, str], watch: Watch) -> None:
        super().__init__(ids)
        self.watch = watch
        self._values: WatchedValues | None = None

    def get(self, key: str, default: Any = None) -> Any:
        self.watch.names.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.watch.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.watch.names.add(key)
        return super().__contains__(key)

    def values(self) -> Any:
        if self._values is None:
            self._values = WatchedValues(super().values(), self.watch)
        return self._values

    def keys(self) -> Any:
        self.watch.every = True
        return super().keys()

    def items(self) -> Any:
        self.watch.names.update(super().keys())  # every label and its id: each looked up
        return super().items()

    def __iter__(self) -> Iterator[str]:
        self.watch.every = True
        return super().__iter__()


class WatchedValues(Collection[str]):
    """The Quarto ids of :class:`WatchedIds`: an id asked for is noted, listing them notes all."""

    def __init__(self, ids: Iterable[str], watch: Watch) -> None:
        self.ids = set(ids)
        self.watch = watch

    def __contains__(self, ident: object) -> bool:
        if isinstance(ident, str):
            self.watch.id_queries.add(ident)
        return ident in self.ids

    def __iter__(self) -> Iterator[str]:
        self.watch.ids = True
        return iter(self.ids)

    def __len__(self) -> int:
        self.watch.ids = True
        return len(self.ids)


class WatchedPages(LabelPages):
    """``Options.label_pages`` noting into a :class:`Watch` what is looked up."""

    def __init__(self, pages: LabelPages, watch: Watch) -> None:
        super().__init__(pages.targets, pages.source, pages.out_rel)
        self.watch = watch

    def __getitem__(self, name: str) -> tuple[str, str]:
        self.watch.names.add(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        """``Mapping.get`` (``self[name]``, else ``default``), noting ``name`` without a call more."""
        self.watch.names.add(name)
        try:
            return LabelPages.__getitem__(self, name)
        except KeyError:
            return default

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.watch.names.add(name)
        return super().__contains__(name)

    def __iter__(self) -> Iterator[str]:
        self.watch.every = True
        return super().__iter__()


def watched_resolver(
    resolve: Callable[[str], tuple[str, str] | None], watch: Watch
) -> Callable[[str], tuple[str, str] | None]:
    """``Options.resolve_document`` noting each ``{doc}`` target into ``watch``."""

    def watched(target: str) -> tuple[str, str] | None:
        watch.documents.add(target)
        return resolve(target)

    return watched


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(kind: str, path: str) -> str:
    """What ``path`` holds now: a file's digest, ``dir``, ``missing``, ``other``, ``unreadable``;
    for ``notebooks``, the digest of every notebook of that project folder (the conversion reads
    around one it cannot read, and so does this)."""
    if kind == "notebooks":
        found = [[p.as_posix(), _content(p)] for p in project_notebooks(Path(path)) if p.is_file()]
        return sha256(json.dumps(found).encode())
    if os.path.isdir(path):
        return "dir"
    if not os.path.isfile(path):
        return "missing" if not os.path.lexists(path) else "other"
    return _content(path)


def _content(path: str | Path) -> str:
    """The digest of a file's bytes, read in pieces (it may be far larger than what a conversion
    reads), or ``unreadable``."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return "unreadable"
    return digest.hexdigest()


class Seen:
    """What the names, targets and files a chapter looked up (:class:`Watch`, as JSON) are in this
    run: one digest (:meth:`digest`); the book-wide parts worked out once."""

    def __init__(self, targets: LabelTargets, by_source: Mapping[str, Chapter]) -> None:
        self.targets = targets
        self.by_source = by_source
        self._ids: str | None = None
        self._id_set: set[str] | None = None
        self._names: str | None = None
        self._fingerprints: dict[tuple[str, str], str] = {}

    def all_ids(self) -> str:
        """The digest of every label's Quarto id (worked out once)."""
        if self._ids is None:
            self._ids = sha256(json.dumps(sorted(self.id_set()), ensure_ascii=False).encode())
        return self._ids

    def all_names(self) -> str:
        """The digest of every label's name (worked out once)."""
        if self._names is None:
            self._names = sha256(json.dumps(sorted(self.targets.ids), ensure_ascii=False).encode())
        return self._names

    def id_set(self) -> set[str]:
        if self._id_set is None:
            self._id_set = set(self.targets.ids.values())
        return self._id_set

    def digest(self, chapter: Chapter, watched: Mapping[str, Any]) -> str:
        """The digest of what ``watched`` (:meth:`Watch.as_json`) names, seen from ``chapter``."""
        source, folder = chapter.rel.as_posix(), chapter.out_rel.parent.as_posix()
        labels = self.targets.labels

        def label(name: str) -> list[Any]:  # the Quarto id, and kind and page as ``Options.label_pages`` has them
            found = labels.get(name)
            if found is None:
                return [name, None, None]
            qid, path, kind = found
            page = "" if path == source else self.targets.link(path, chapter.out_rel, folder)
            return [name, qid, [kind, page]]

        resolve = document_resolver(chapter, self.by_source)
        data = [
            [label(str(name)) for name in watched["names"]],
            self.all_ids() if watched["ids"] else None,
            [[str(q), q in self.id_set()] for q in watched["id_queries"]],
            self.all_names() if watched["every"] else None,
            [[str(target), resolve(str(target))] for target in watched["documents"]],
            [[kind, path, self.fingerprint(str(kind), str(path))] for kind, path in watched["files"]],
        ]
        return sha256(json.dumps(data, ensure_ascii=False).encode())

    def fingerprint(self, kind: str, path: str) -> str:
        key = (kind, path)
        if key not in self._fingerprints:
            self._fingerprints[key] = fingerprint(kind, path)
        return self._fingerprints[key]
