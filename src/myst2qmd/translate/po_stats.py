"""``myst2qmd po stats``: the entries of PO files counted as ``msgfmt --statistics`` counts them,
and the entries the engine could not translate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polib

from .po_files import read_catalog
from .po_merge import KEPT_NOTE


@dataclass
class Stats:
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    #: entries the engine could not translate (:data:`KEPT_NOTE`): counted among the untranslated or fuzzy
    kept: int = 0

    def add(self, other: Stats) -> None:
        self.translated += other.translated
        self.fuzzy += other.fuzzy
        self.untranslated += other.untranslated
        self.kept += other.kept

    def __str__(self) -> str:
        """As ``msgfmt --statistics`` says it."""

        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        return (
            f"{count(self.translated, 'translated message', 'translated messages')}, "
            f"{count(self.fuzzy, 'fuzzy translation', 'fuzzy translations')}, "
            f"{count(self.untranslated, 'untranslated message', 'untranslated messages')}."
            + (f" {self.kept} kept in the original language." if self.kept else "")
        )


def catalog_stats(po: polib.POFile) -> Stats:
    """Translated / fuzzy / untranslated entries, as ``msgfmt --statistics`` counts them: obsolete ones and
    the header (empty ``msgid`` without ``msgctxt``) not counted, a plural entry translated by its
    ``msgstr[0]``."""
    live = [e for e in po if not e.obsolete and (e.msgid or e.msgctxt is not None)]

    def translation(entry: polib.POEntry) -> str:
        return str(entry.msgstr_plural.get(0, "")) if entry.msgid_plural else entry.msgstr

    return Stats(
        sum(1 for e in live if translation(e) and not e.fuzzy),
        sum(1 for e in live if translation(e) and e.fuzzy),
        sum(1 for e in live if not translation(e)),
        sum(1 for e in live if is_kept(e)),
    )


def is_kept(entry: polib.POEntry) -> bool:
    """An entry whose segment the engine could not translate (see :data:`KEPT_NOTE`)."""
    return any(line.startswith(KEPT_NOTE) for line in (entry.comment or "").split("\n"))


def kept_entries(folder: Path) -> list[tuple[str, str]]:
    """Every entry under ``folder`` kept in the original language: its source ``file:line`` and why."""
    found = []
    for path in sorted(folder.rglob("*.po")):
        for entry in read_catalog(path):
            if not entry.obsolete and is_kept(entry):
                why = next(line for line in entry.comment.split("\n") if line.startswith(KEPT_NOTE))
                where = ", ".join(f"{name}:{line}" for name, line in entry.occurrences) or path.name
                found.append((where, why))
    return found


def folder_stats(folder: Path) -> list[tuple[str, Stats]]:
    """Every PO file under ``folder`` (sorted, relative path) with its :class:`Stats`."""
    return [
        (path.relative_to(folder).as_posix(), catalog_stats(read_catalog(path)))
        for path in sorted(folder.rglob("*.po"))
    ]
