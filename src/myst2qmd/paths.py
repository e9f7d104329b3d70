"""Every path a run writes, checked against every input and against each other before anything
is written (:func:`refuse_clashes`).

A run writes its output (a file, or a book's folder), ``--report``, the translation memory and
the PO files of ``--po``; it reads its source (a file, or a book's folder), ``--macros``,
``--glossary`` and the settings file. None of the inputs is ever written, no two writes go to
one file, no write lands inside the book, and nothing but the run's own PO files is written
where the next run reads PO files (a ``.po`` file in the PO folder). Paths are compared with
their links resolved, and existing files also by inode (a hard link is the same file).

>>> import tempfile
>>> base = Path(tempfile.mkdtemp())
>>> writes = [Place("--report", base / "po" / "k.po"), Place("--po", base / "po", PO_FOLDER)]
>>> try:
...     refuse_clashes(writes, [Place("the source", base / "k.md")])
... except PathClash as exc:
...     print(str(exc).replace(str(base), "BASE").split(", where")[0])
refusing to write --report BASE/po/k.po: it is in the PO folder of --po BASE/po
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .config import Settings

#: what a place is: one file, a folder the run owns (a book's output), a book (an input folder),
#: or the PO folder (only ``.po`` files in it are written, and every one of them is read)
Kind = Literal["file", "folder", "po-folder"]
FILE: Kind = "file"
FOLDER: Kind = "folder"
PO_FOLDER: Kind = "po-folder"


class PathClash(ValueError):
    """Two paths of a run that must not meet: ``str()`` says which and what to do."""


@dataclass(frozen=True)
class Place:
    """A path a run reads or writes, with how the user named it (``--report``, ``the book``)."""

    what: str
    path: Path
    kind: Kind = FILE

    @property
    def real(self) -> Path:
        """The path with every link resolved (also for a path that does not exist yet)."""
        return Path(os.path.realpath(self.path))

    def __str__(self) -> str:
        return f"{self.what} {self.path}"


def same(a: Place, b: Place) -> bool:
    """Do ``a`` and ``b`` name one file or folder (through a link, or a hard link)?"""
    if a.real == b.real:
        return True
    try:
        return a.path.exists() and b.path.exists() and os.path.samefile(a.path, b.path)
    except OSError:
        return False


def inside(path: Place, folder: Place) -> bool:
    """Is ``path`` inside ``folder`` (not the folder itself)?"""
    return folder.real in path.real.parents


def is_po(place: Place) -> bool:
    return place.kind == FILE and place.path.suffix.lower() == ".po"


def run_places(settings: Settings, output: Path | None, memory: Path | None) -> tuple[list[Place], list[Place]]:
    """What a ``convert`` run with ``settings`` writes (``output``: ``None`` for stdout; ``memory``: the
    translation memory, if it is written) and what it reads."""
    book = settings.src.is_dir()
    inputs = [Place("the book" if book else "the source", settings.src, FOLDER if book else FILE)]
    named = (("--macros", settings.macros_file), ("--glossary", settings.glossary_file))
    inputs += [Place(what, Path(path)) for what, path in (*named, ("the settings file", settings.config_file)) if path]
    writes = [Place("-o", output, FOLDER if book else FILE)] if output is not None else []
    writes += [Place("--report", Path(settings.report))] if settings.report else []
    writes += [Place("the translation memory", memory)] if memory is not None else []
    if settings.po_dir:
        writes.append(Place("--po", Path(settings.po_dir), PO_FOLDER))
        if not book:  # a single file's one PO file: DIR/<stem>.po
            writes.append(Place("--po", Path(settings.po_dir) / (settings.src.stem + ".po")))
    return writes, inputs


def refuse_clashes(writes: Sequence[Place], inputs: Sequence[Place], *, po_inside_book: bool = False) -> None:
    """:class:`PathClash` if a write meets an input or another write; call it before anything is written.

    ``inputs`` of kind :data:`FOLDER` are books: nothing is written inside them, and no output
    folder holds them (the PO folder inside one only with ``po_inside_book``: sphinx-intl's layout).
    """
    for write in writes:
        for source in inputs:
            _against_input(write, source, po_inside_book)
    for n, write in enumerate(writes):
        for other in writes[n + 1 :]:
            _against_write(write, other)
            _against_write(other, write)


def _against_input(write: Place, source: Place, po_inside_book: bool) -> None:
    if same(write, source):
        if source.kind == FOLDER and write.kind == PO_FOLDER and po_inside_book:
            return  # sphinx-intl's layout: kapitel/faltung.po beside kapitel/faltung.md, asked for
        if source.kind == FOLDER:
            raise PathClash(f"{write} is the book folder itself; the input is never written{_hint(write)}")
        raise PathClash(f"refusing to write {write.path}: it is an input of this run ({source}); choose another path")
    if source.kind == FOLDER:
        allowed = write.kind == PO_FOLDER and po_inside_book
        if inside(write, source) and not allowed:
            raise PathClash(
                f"{write} is inside the book {source.path}; the input is never written: "
                f"choose a folder outside it{_hint(write)}"
            )
        if write.kind != FILE and inside(source, write):
            raise PathClash(f"{write} contains the book {source.path}; choose a folder beside it")
    if write.kind == PO_FOLDER and is_po(source) and inside(source, write):
        raise PathClash(
            f"{source} is in the PO folder of {write}, where the run writes PO files; "
            "move it, or choose another PO folder"
        )


def _hint(write: Place) -> str:
    return " (or give --po-inside-book to keep the PO files in the book)" if write.kind == PO_FOLDER else ""


def _against_write(write: Place, other: Place) -> None:
    if same(write, other):
        raise PathClash(f"refusing to write {write}: it is also {other.what}; choose another path")
    if other.kind == PO_FOLDER and is_po(write) and inside(write, other) and write.what != other.what:
        raise PathClash(
            f"refusing to write {write}: it is in the PO folder of {other}, where every .po file is read "
            "as a catalog; choose another path"
        )
    if write.kind == PO_FOLDER and other.kind == FOLDER and inside(write, other):
        raise PathClash(f"{write} is inside the output folder {other.path}; choose a folder beside it")
    if write.kind == FOLDER and other.kind == PO_FOLDER and inside(write, other):
        raise PathClash(f"the output folder {write.path} is inside the PO folder of {other}; choose a folder beside it")
