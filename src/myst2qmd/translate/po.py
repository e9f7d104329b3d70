"""Translations a reviewer can edit: gettext PO files, one per chapter (``--po DIR``).

Every prose segment of a chapter (:mod:`myst2qmd.segments`) becomes one PO entry: ``msgid``
is the source text and ``msgstr`` its translation, both with inline markup as the Quarto text
holds it (never ``⟨n⟩`` placeholders); ``#:`` gives the MyST source's ``file:line``, ``#.``
what the segment is, and ``msgctxt`` (only where needed) separates the same text standing as
two kinds of segment. Entries that come from the ``local`` engine (a draft), or that are
already in the target language, are ``#, fuzzy``.

An entry whose segment the engine could not translate (it was written in the source language,
with a ``translation-kept`` warning) is marked apart from the drafts: its ``msgstr`` is empty
(gettext's *untranslated*, counted apart by ``msgfmt --statistics`` and every PO editor), and a
second ``#.`` line says so and why (``#. kept in the original language: …``); kept only in part,
it holds the part that was translated, fuzzy, with the same line. ``po stats`` counts them (:mod:`.po_stats`).

A non-fuzzy ``msgstr`` is a *reviewed* translation: on the next run it wins over the engine
and the translation memory (nothing is sent for it), after the checks an engine reply gets
(:func:`.po_check.check_reviewed`: the same inline markup, no new block). A broken one is reported as
``po-file:line`` and the engine's (or the original) text is used instead.

When the source changes, the catalog is merged as ``msgmerge`` does (:func:`.po_merge.merge`): new
segments are added, vanished ones kept as obsolete (``#~``), changed ones become fuzzy with
their previous ``msgid`` (``#|``), reviewed ones stay untouched.

A segment ``Siehe $x$.`` that the engine translated becomes::

    #. paragraph
    #: kapitel/faltung.md:12
    msgid "Siehe $x$."
    msgstr "See $x$."

This module reads the PO files and answers the run (:class:`Review`); :mod:`.po_write` writes
them, :mod:`.po_files` reads and stamps a file safely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import polib

from ..codes import Code
from ..context import Warning_
from ..files import unnameable
from ..segments import Segment
from .engines.base import FatalEngineError, Reply, Request, Unit
from .po_check import check_reviewed
from .po_files import read_stamped
from .po_merge import Catalog, Found
from .po_write import PoWriter

#: engines whose translations wait for review (``#, fuzzy``): ``local`` writes drafts, ``pseudo`` marks text
DRAFT_ENGINES = frozenset({"local", "pseudo"})

#: a notebook cell's part of a warning path: ``kapitel.ipynb#cell3``
_CELL = re.compile(r"#cell\d+$")


class Review:
    """The PO files of one run: reviewed translations in, what the run wrote out (written by
    :attr:`files`).

    ``po_path`` maps a document's path (as warnings name it) to its PO file; ``reference`` maps it to
    the name its entries' ``#:`` lines give (a book's path inside the book, a single file's name: a PO
    file reads the same on every machine and in every checkout).
    """

    def __init__(
        self,
        po_path: Callable[[str], Path],
        *,
        source_lang: str = "de",
        target_lang: str = "en",
        engine: str = "none",
        project: str = "",
        reference: Callable[[str], str] = str,
    ):
        self.po_path = po_path
        self.reference = reference
        #: the local engine's translations are drafts, the pseudo engine's no translations at all: fuzzy
        self.draft = engine in DRAFT_ENGINES
        self.catalogs: dict[Path, Catalog] = {}
        #: (document path, segment id) → the reviewed entry used for it
        self.used: dict[tuple[str, int], polib.POEntry] = {}
        self.warnings: list[Warning_] = []
        #: the catalogs' PO files written when the run's output is (:mod:`.po_write`)
        self.files = PoWriter(self.catalogs, source_lang=source_lang, target_lang=target_lang, project=project)

    @classmethod
    def for_book(cls, folder: Path, **kwargs: Any) -> Review:
        """A book's: ``kapitel/faltung.md`` (or ``.ipynb``) → ``folder/kapitel/faltung.po``; every PO
        file under ``folder`` is read now (:class:`PoError` before anything is converted)."""
        review = cls(lambda where: folder / PurePosixPath(_CELL.sub("", where)).with_suffix(".po"), **kwargs)
        review.load(sorted(folder.rglob("*.po")) if folder.is_dir() else [])
        return review

    @classmethod
    def for_file(cls, folder: Path, source: Path, **kwargs: Any) -> Review:
        """A single file's: ``folder/<stem>.po``, read now."""
        name = unnameable(source.name) or source.name  # a name that is not UTF-8: its bytes escaped
        review = cls(
            lambda _where: folder / (source.stem + ".po"), reference=lambda where: _named(name, where), **kwargs
        )
        review.load([review.po_path(str(source))])
        return review

    def load(self, paths: list[Path]) -> None:
        """Read the PO files at ``paths`` (those that exist); :class:`PoError` if one cannot be read."""
        for path in paths:
            if path.exists() and not path.is_dir():  # a FIFO or device too: refused now, not waited on later
                old, stamp = read_stamped(path)
                self.catalogs[path] = Catalog(path, old, stamp=stamp)

    def catalog(self, where: str) -> Catalog:
        path = self.po_path(where)
        if path not in self.catalogs:
            old, stamp = read_stamped(path)
            self.catalogs[path] = Catalog(path, old, stamp=stamp)
        return self.catalogs[path]

    def reviewed(self, where: str, segment: Segment) -> str | None:
        """The reviewed translation of ``segment`` in ``where``, masked as an engine reply, if it passes
        :func:`check_reviewed`; a broken one is warned about with its PO file and line."""
        catalog = self.catalog(where)
        entry = catalog.lookup(segment)
        if entry is None:
            return None
        masked, why = check_reviewed(segment, entry.msgstr)
        if masked is None:
            self.warnings.append(
                Warning_(
                    str(catalog.path),
                    entry.linenum,
                    f"reviewed translation not used ({why}); the engine's or the original text is used instead",
                    Code.PO_REJECTED,
                )
            )
            return None
        self.used[(where, segment.id)] = entry
        return masked

    def refuse_structure(self, where: str, segment: Segment) -> None:
        """``segment``'s reviewed translation passed :func:`check_reviewed` but changed the document's
        structure: warned about with its PO file and line; the engine translates the segment instead."""
        entry = self.used.pop((where, segment.id), None)
        if entry is not None:
            self.warnings.append(
                Warning_(
                    str(self.catalog(where).path),
                    entry.linenum,
                    "reviewed translation not used: it changed the document structure; the engine's text is used",
                    Code.PO_REJECTED,
                )
            )

    def take_warnings(self) -> list[Warning_]:
        """The warnings about reviewed translations since the last call (each is given once)."""
        warnings, self.warnings = self.warnings, []
        return warnings

    def record(self, where: str, segment: Segment, line: int, text: str, state: str, why: str = "") -> None:
        """What the run wrote for ``segment``: ``state`` is ``reviewed``, ``translated``, ``kept`` (the
        original, all or in part, for the reason ``why``), ``same`` (already in the target language) or
        ``untranslated`` (nothing was sent)."""
        catalog = self.catalog(where)
        entry = self.used.get((where, segment.id))
        if entry is not None and state == "kept":
            self.warnings.append(
                Warning_(
                    str(catalog.path),
                    entry.linenum,
                    "reviewed translation not used: it changed the document structure",
                    Code.PO_REJECTED,
                )
            )
        reference = (self.reference(where), str(line))
        key = (segment.kind, segment.text)
        if key in catalog.found:
            if reference not in catalog.found[key].occurrences:
                catalog.found[key].occurrences.append(reference)
            return
        whole = state == "kept" and text == segment.text
        fuzzy = (state in ("kept", "same") and not whole) or (state == "translated" and self.draft)
        msgstr = "" if state == "untranslated" or whole else text
        kept = (why or "not translated") if state == "kept" else ""
        catalog.found[key] = Found(
            segment.kind, segment.text, msgstr, fuzzy, [reference], state == "untranslated", kept=kept
        )


def _named(name: str, where: str) -> str:
    """``where`` with its path replaced by ``name``: ``/home/a/kapitel.ipynb#cell3`` → ``kapitel.ipynb#cell3``."""
    cell = _CELL.search(where)
    return name + (cell.group() if cell else "")


class NoEngine:
    """``--engine none --po DIR``: nothing is sent; only reviewed translations are written."""

    name = "none"
    model = "reviewed only"
    max_batch_chars = 1
    max_batch_units = 1
    #: the pipeline plans no request for a segment without a reviewed translation
    sends = False

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        raise FatalEngineError("no engine: only reviewed translations are used")

    def close(self) -> None:
        pass
