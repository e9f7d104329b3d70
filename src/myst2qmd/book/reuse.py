"""Re-runs that redo only what changed: a book converted into an output folder it already wrote
converts again only the chapters whose source, settings or looked-up labels, documents and files
changed; the others keep the output the folder holds (read, checked, staged again as it is).

The manifest :data:`MANIFEST` in the output folder says what the last run wrote; it is written
with the outputs, in the same commit (:mod:`..commit`), so the folder holds the old outputs and
the old manifest, or the new ones. Its first line is the digest of the rest: a manifest edited by
hand, cut short or written by another format is not read (the run converts every chapter). Per
chapter it keeps:

- ``source``: the digest of its source, and ``labels``: the labels its label pass found (a
  chapter whose source did not change is not parsed for them);
- ``key``: its place in the book (source and output path, root or not, title, numbering);
- ``watched`` and ``seen``: what its conversion looked up (:class:`.watch.Watch`) and the digest of
  what that was (:class:`.watch.Seen`): a label of chapter A changed converts again the chapters
  that reference it, and only those;
- ``warnings`` and ``counts``: told again as they were, so the report and the exit code are a
  full run's;
- ``output``: the digest of the output file; a file edited since is converted again (and
  written over, as a full run writes it).

The book-wide settings (:func:`settings_digest`: the conversion options, the book's
configuration, ``--escape-fences`` and the code of this tool) are one digest for all: another
digest converts every chapter. ``--force`` converts every chapter too; ``--only`` and
translating runs convert every chapter they convert (see :class:`Reuse`); ``--only`` records the
digests of the files it wrote in the last manifest, so that a later run removes them as its own.

``outputs`` lists every file the run wrote with its digest: a file of an earlier run that this
run does not write (a chapter deleted or renamed, an image deleted from the book) is removed
in the commit, unless it was changed since (then it is kept, and a note says so).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from ..codes import Code
from ..commit import safe_rel
from ..context import Label, Options, Warning_
from ..files import MAX_NOTEBOOK_BYTES, read_bounded
from ..notebooks import Chapter, Document, first_h1
from .toc import Book
from .watch import Seen, Watch, sha256
from .workers import drop_parses

#: the manifest of the last run, in the output folder (a dot file: Quarto and ``check`` skip it)
MANIFEST = PurePosixPath(".myst2qmd.manifest.json")
#: the manifest's format: another one is not read
FORMAT = 1
#: the conversion options that are a chapter's own (:func:`chapter_key`, :class:`.watch.Seen`); every
#: other one is the same for every chapter, and in the settings' digest
_CHAPTER_OPTIONS = ("external_labels", "label_pages", "resolve_document", "project_meta", "source_dir")


@lru_cache(maxsize=1)
def tool_digest() -> str:
    """The digest of this tool's code (each file's path, size and time) and of the parser it builds
    on: another version, or a file of it edited, converts anew."""
    import markdown_it
    import mdit_py_plugins
    import yaml

    package = Path(__file__).resolve().parent.parent
    parts = [sys.version, markdown_it.__version__, mdit_py_plugins.__version__, yaml.__version__]
    for folder, dirs, files in sorted(os.walk(package)):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in sorted(files):
            info = os.stat(os.path.join(folder, name))
            parts.append(f"{os.path.relpath(os.path.join(folder, name), package)} {info.st_size} {info.st_mtime_ns}")
    return sha256("\n".join(parts).encode())


def settings_digest(book: Book, options: Options, escape_fences: bool) -> str:
    """The digest of what every chapter of ``book`` is converted with (``options``: the book's)."""
    chosen = {f.name: getattr(options, f.name) for f in fields(options) if f.name not in _CHAPTER_OPTIONS}
    data = {
        "format": FORMAT,
        "tool": tool_digest(),
        "options": chosen,
        "escape_fences": escape_fences,
        "config": book.config,
        # the table of contents is not: a chapter's place is its own (:func:`chapter_key`, :class:`.watch.Seen`)
        "project": {key: value for key, value in book.project.items() if key != "toc"},
        "folder": str(book.folder.resolve()),
    }
    return sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode())


def chapter_key(chapter: Chapter, meta: Mapping[str, Any]) -> str:
    """The digest of a chapter's place in the book (``meta``: its numbering's front matter)."""
    data = [chapter.rel.as_posix(), chapter.out_rel.as_posix(), chapter.is_root, chapter.title, meta]
    data.append(os.path.abspath(chapter.source.parent))  # what its relative paths start from
    return sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode())


def _label_json(key: str, label: Label) -> list[Any]:
    return [key, label.name, label.kind, label.quarto_id, label.line, label.title]


def _label(item: Any) -> tuple[str, Label]:
    key, name, kind, qid, line, title = item
    if not all(isinstance(v, str) for v in (key, name, kind, qid, title)) or type(line) is not int:
        raise ValueError("not a label")
    return key, Label(name, kind, qid, line, title)


def _labels(entry: Mapping[str, Any]) -> list[dict[str, Label]]:
    """The labels of a manifest's chapter entry, one mapping per piece (:class:`ValueError` and
    the like if they are not labels)."""
    return [dict(_label(item) for item in piece) for piece in entry["labels"]]


def _warning_json(warning: Warning_) -> list[Any]:
    return [warning.path, warning.line, warning.message, warning.code.value, warning.level]


def _warning(item: Any) -> Warning_:
    path, line, message, code, level = item
    if not isinstance(path, str) or type(line) is not int or not isinstance(message, str):
        raise ValueError("not a warning")
    if level not in ("warning", "info"):
        raise ValueError("not a warning")
    return Warning_(path, line, message, Code(code), level)


@dataclass
class Kept:
    """A chapter reused: its output as the folder holds it, and what its conversion told."""

    text: str
    warnings: list[Warning_]
    counts: Counter[str]


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest in ``out``, or ``{}`` when there is none or it is not one this version wrote whole."""
    try:
        head, _, body = read_bounded(out / MANIFEST).decode("utf-8").partition("\n")
        body = body.removesuffix("\n")
        data = json.loads(body)
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    if head != sha256(body.encode()) or not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    if not isinstance(data.get("chapters"), dict) or not isinstance(data.get("outputs"), dict):
        return {}
    return data


class Reuse:
    """One run's reuse: the last run's manifest read (``enabled``: its chapters may be reused),
    which chapters keep their output (:meth:`choose`), and the new manifest (:meth:`manifest`)."""

    def __init__(self, out: Path, digest: str, *, enabled: bool, write: bool, record: bool = True) -> None:
        self.out = out
        self.digest = digest
        #: whether this run writes a whole manifest (``--only`` writes part of the book: it only
        #: updates the last manifest's outputs, :meth:`patched`)
        self.write = write
        #: whether its chapters go into the manifest (a translating run's do not: see the module)
        self.record = record
        self.last = read_manifest(out)
        same = enabled and self.last.get("settings") == digest
        self.entries: dict[str, Any] = self.last.get("chapters", {}) if same else {}
        self.sources: dict[str, str] = {}
        self.labels: dict[str, list[dict[str, Label]]] = {}
        #: chapters that keep their output (:meth:`choose`)
        self.kept: dict[str, Kept] = {}
        #: the new manifest's chapters
        self.new: dict[str, Any] = {}
        #: notebooks not read (:meth:`unread`): their first heading's text
        self.unread_h1: dict[str, str] = {}
        self._known: set[str] | None = None

    def unread(self, chapter: Chapter) -> Document | None:
        """A notebook whose source the manifest knows, not read (nbformat's schema check is most of a
        re-run's time): a document without pieces, the warnings its reading gave, as the manifest
        says; read if it is converted after all (:meth:`choose` leaves it out of :attr:`kept`)."""
        entry = self.entries.get(chapter.rel.as_posix())
        if not chapter.is_notebook or not isinstance(entry, dict):
            return None
        try:
            digest = sha256(read_bounded(chapter.source, MAX_NOTEBOOK_BYTES))
            if entry.get("source") != digest:
                return None
            warnings, h1 = [_warning(w) for w in entry["read"]], str(entry["h1"])
            _labels(entry)  # the label pass takes them from the manifest: they must be there
        except (OSError, KeyError, TypeError, ValueError):
            return None
        self.sources[chapter.rel.as_posix()] = digest
        self.unread_h1[chapter.rel.as_posix()] = h1
        chapter.title = chapter.title or h1  # as :func:`..notebooks.name_chapter` names it from its text
        return Document(chapter, [], {}, [], warnings=warnings)

    # -- the label pass --------------------------------------------------------------------------
    def source_digest(self, document: Document) -> str:
        """The digest of the source ``document`` was read from (a notebook's, as it was read: one
        edited since is converted again next time)."""
        if document.path in self.unread_h1:
            return self.sources[document.path]
        if document.notebook is None:
            return sha256(document.pieces[0].encode("utf-8"))
        return document.source_digest

    def cached_labels(self, document: Document) -> list[dict[str, Label]] | None:
        """The labels the manifest has for ``document``, if its source is the one they were read from."""
        entry = self.entries.get(document.path)
        if not isinstance(entry, dict) or entry.get("source") != self.sources[document.path]:
            return None
        try:
            return _labels(entry)
        except (KeyError, TypeError, ValueError):
            return None

    def note_source(self, document: Document) -> None:
        """The digest of the document's source, noted before the label pass (which may run in workers)."""
        self.sources[document.path] = self.source_digest(document)

    def label_sets(self, document: Document) -> list[tuple[str, dict[str, Label]]] | None:
        """The document's label sets (:func:`..notebooks.document_label_sets`) as the manifest has them
        for its source, or ``None`` (then it is parsed)."""
        found = self.cached_labels(document)
        return None if found is None else [(document.path, labels) for labels in found]

    def known(self) -> set[str]:
        """The documents whose source is the one the manifest has (their labels come from it)."""
        if self._known is None:
            self._known = {
                p for p, e in self.entries.items() if isinstance(e, dict) and e.get("source") == self.sources.get(p)
            }
        return self._known

    def keep_labels(self, sets: list[list[tuple[str, dict[str, Label]]]]) -> None:
        """Every document's label sets, for the new manifest."""
        for document_sets in sets:
            if document_sets:
                self.labels[document_sets[0][0]] = [labels for _, labels in document_sets]

    def h1(self, document: Document) -> str:
        """The text of the document's first level-1 heading ("" if none)."""
        if document.path in self.unread_h1:
            return self.unread_h1[document.path]
        return next((t for t in (first_h1(p) for p in document.pieces) if t), "")

    # -- which chapters keep their output --------------------------------------------------------
    def choose(
        self, documents: Iterable[Document], seen: Seen, meta: Mapping[PurePosixPath, Mapping[str, Any]]
    ) -> None:
        """Every document whose output can be kept: its source, place, looked-up labels and files and
        output file as the manifest says (its parses are let go: it is not converted)."""
        for document in documents:
            entry = self.entries.get(document.path)
            if not isinstance(entry, dict) or entry.get("source") != self.sources.get(document.path):
                continue
            key = chapter_key(document.chapter, meta.get(document.chapter.rel, {}))
            try:
                if entry["key"] != key or entry["seen"] != seen.digest(document.chapter, entry["watched"]):
                    continue
                kept = self._kept(document.chapter, entry)
            except (OSError, KeyError, TypeError, ValueError, AttributeError):
                continue  # a file that cannot be read, an entry that is not one: converted
            if kept is not None:
                self.kept[document.path] = kept
                self.new[document.path] = entry
                drop_parses(document)

    def _kept(self, chapter: Chapter, entry: Mapping[str, Any]) -> Kept | None:
        """The chapter's output as the folder holds it, if it is the one the manifest says."""
        path = self.out / chapter.out_rel
        if path.is_symlink() or not path.is_file():
            return None
        data = path.read_bytes()
        if sha256(data) != entry["output"]:
            return None
        counts: Counter[str] = Counter()
        for name, number in entry["counts"]:
            counts[str(name)] += int(number)
        return Kept(data.decode("utf-8"), [_warning(w) for w in entry["warnings"]], counts)

    # -- the new manifest ------------------------------------------------------------------------
    def converted(
        self, document: Document, warnings: list[Warning_], counts: Counter[str], watch: Watch, seen: Seen, key: str
    ) -> None:
        """A chapter converted in this run: its entry (the output's digest follows: :meth:`written`)."""
        watched = watch.as_json()
        self.new[document.path] = {
            "source": self.sources.get(document.path, ""),
            "labels": [[_label_json(k, v) for k, v in labels.items()] for labels in self.labels.get(document.path, [])],
            "key": key,
            "watched": watched,
            "seen": seen.digest(document.chapter, watched),
            "warnings": [_warning_json(w) for w in warnings],
            "read": [_warning_json(w) for w in document.warnings],
            "h1": self.h1(document),
            "counts": [[k, v] for k, v in counts.items()],  # in their order: the summary's ties
        }

    def written(self, document: Document, text: str) -> None:
        """The output of a chapter converted in this run."""
        if document.path in self.new and document.path not in self.kept:
            self.new[document.path]["output"] = sha256(text.encode("utf-8"))

    def manifest(self, outputs: Mapping[PurePosixPath, str]) -> str:
        """The new manifest's text (``outputs``: path → digest of every file written)."""
        chapters = {path: entry for path, entry in sorted(self.new.items()) if "output" in entry and self.record}
        data = {
            "format": FORMAT,
            "settings": self.digest,
            "chapters": chapters,
            "outputs": {rel.as_posix(): digest for rel, digest in sorted(outputs.items())},
        }
        return _manifest_text(data)

    def patched(self, outputs: Mapping[PurePosixPath, str]) -> str | None:
        """A partial run's (``--only``) manifest: the last one, with the digests of the files this run
        wrote anew, so that the next whole run knows them for its own (it converts their chapters
        again, their output no longer being what their entries say, and may remove them when they
        are no longer written); ``None`` without a last manifest."""
        if not self.last:
            return None
        written = {rel.as_posix(): digest for rel, digest in outputs.items()}
        return _manifest_text({**self.last, "outputs": {**self.last["outputs"], **written}})

    @staticmethod
    def output_digest(output: Any) -> str:
        """What the manifest keeps of an :class:`.output.Output`: its text's digest, or a copied
        file's size and time (``copy2`` keeps them; its bytes are not read on every run)."""
        if output.text is not None:
            return sha256(output.text.encode("utf-8"))
        return _stat_digest(output.source)

    def stale(self, written: Iterable[PurePosixPath]) -> tuple[list[PurePosixPath], list[str]]:
        """Files the last run wrote that this one does not: those unchanged since (to remove), and
        notes on those changed since (kept). A whole run's question: a partial one (``--only``)
        removes nothing (:meth:`patched`)."""
        now = set(written) | {MANIFEST}
        removed, notes = [], []
        real_out = os.path.realpath(self.out)
        for name, digest in self.last.get("outputs", {}).items():
            rel = safe_rel(name)
            if rel is None or rel in now:
                continue
            path = self.out / rel
            parent = os.path.realpath(path.parent)
            inside = parent == real_out or parent.startswith(real_out + os.sep)
            if not inside or path.is_symlink() or not path.is_file():
                continue
            if _unchanged(path, digest):
                removed.append(rel)
            else:
                notes.append(f"{path}: an earlier run wrote it, no file of this run does; changed since, so kept")
        return sorted(removed), notes


def _manifest_text(data: Mapping[str, Any]) -> str:
    """A manifest's text: the sha256 of its JSON body, then the body (read by :func:`read_manifest`)."""
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256(body.encode()) + "\n" + body + "\n"


def _unchanged(path: Path, digest: Any) -> bool:
    """Whether ``path`` holds what the manifest's ``digest`` (:meth:`Reuse.output_digest`) says (a
    file that cannot be read does not: it is kept)."""
    try:
        if isinstance(digest, str) and digest.startswith("stat:"):
            return digest == _stat_digest(path)
        return sha256(path.read_bytes()) == digest
    except OSError:
        return False


def _stat_digest(path: Path) -> str:
    """What the manifest keeps of a copied file: its size and time (``copy2`` keeps them)."""
    info = path.stat()
    return f"stat:{info.st_size}:{info.st_mtime_ns}"
