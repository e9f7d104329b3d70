"""Writing the PO files of a run: each catalog merged (:func:`.po_merge.merge`) and staged in a
temporary file beside its PO file before the run's output is written, then renamed over it after;
a PO file a reviewer saved in between is read and merged again, never overwritten (:mod:`.po_files`)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polib

from ..files import stage_file, unnameable
from .po_files import PoError, Stamp, read_stamped
from .po_merge import LINE_BREAK, Catalog, merge

#: gettext's ``Plural-Forms`` of common target languages (others: the English rule)
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "pt-br": "nplurals=2; plural=(n > 1);",
    "ja": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "zh": "nplurals=1; plural=0;",
    "vi": "nplurals=1; plural=0;",
    "id": "nplurals=1; plural=0;",
    "tr": "nplurals=2; plural=(n != 1);",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "uk": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "cs": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
}
ENGLISH_PLURALS = "nplurals=2; plural=(n != 1);"


def plural_forms(language: str) -> str:
    """``Plural-Forms`` for ``language`` (``en`` → ``nplurals=2; plural=(n != 1);``)."""
    language = language.lower()
    return PLURAL_FORMS.get(language) or PLURAL_FORMS.get(language.split("-")[0]) or ENGLISH_PLURALS


# -- one run -----------------------------------------------------------------------------------


@dataclass
class Staged:
    """A catalog's new text in a temporary file beside its PO file, to be renamed over it."""

    catalog: Catalog
    temp: Path


class PoWriter:
    """The PO files of one run's catalogs, written: merged, staged, committed (or discarded)."""

    def __init__(self, catalogs: dict[Path, Catalog], *, source_lang: str, target_lang: str, project: str) -> None:
        #: the run's catalogs by PO file (shared with the :class:`.po.Review` that fills them)
        self.catalogs = catalogs
        self.source_lang = source_lang
        self.target_lang = target_lang
        # a header line ends at a newline; a file name that is not UTF-8 has its bytes escaped
        self.project = LINE_BREAK.sub(" ", unnameable(project) or project)
        #: PO files that changed while the run went on (a reviewer saved them), read and merged again
        self.merged_again: list[Path] = []
        #: folders :meth:`stage` made for new PO files (removed again if nothing is written into them)
        self.created: list[Path] = []

    def render(self, catalog: Catalog) -> str | None:
        """``catalog`` merged (:func:`merge`) as PO text; ``None`` if that is what its file held when read."""
        po = polib.POFile(wrapwidth=78)
        po.header = catalog.old.header if catalog.old is not None else self.header_comment()
        po.metadata = self.metadata(catalog.old)
        po.extend(merge(catalog.old, list(catalog.found.values())))
        # written in UTF-8 (the header says so) whatever the old file's encoding: compared as bytes
        if Stamp.of((str(po) + "\n").encode("utf-8")) == catalog.stamp:
            return None
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M+0000")
        po.metadata["POT-Creation-Date"] = po.metadata["PO-Revision-Date"] = now
        return str(po) + "\n"

    def stage(self) -> list[Staged]:
        """Every catalog of a document this run translated whose text changed, merged and written to a
        temporary file beside its PO file (before the run's output is written: an :class:`OSError` names
        the PO file, and nothing is left behind). The PO files of other documents are left alone."""
        staged: list[Staged] = []
        try:
            for catalog in self.catalogs.values():
                if not catalog.found:
                    continue
                if catalog.stamp.changed(catalog.path):
                    self.read_again(catalog)
                text = self.render(catalog)
                if text is not None:
                    folder = catalog.path.parent
                    self.created += [f for f in (folder, *folder.parents) if not f.exists()]
                    staged.append(Staged(catalog, stage_file(catalog.path, text)))
        except BaseException:
            self.discard(staged)
            raise
        return staged

    def discard(self, staged: list[Staged]) -> None:
        """Remove the temporary files of ``staged``, and the folders staging made that are left empty."""
        for item in staged:
            item.temp.unlink(missing_ok=True)
        for folder in sorted(set(self.created), key=lambda f: -len(f.parts)):
            with contextlib.suppress(OSError):  # not empty (a PO file was written there), or gone
                folder.rmdir()

    def commit(self, staged: list[Staged]) -> list[Path]:
        """Each staged file renamed over its PO file; a PO file saved since the run read it (a reviewer's
        correction) is read and merged again first, never overwritten. The paths written."""
        written = []
        for n, item in enumerate(staged):
            try:
                if self.settle(item):
                    os.replace(item.temp, item.catalog.path)
                    written.append(item.catalog.path)
            except BaseException:
                self.discard(staged[n:])
                raise
        return written

    def settle(self, item: Staged) -> bool:
        """Is ``item`` still the merge of what its PO file holds? If the file changed, merge again
        (False: nothing to write now)."""
        for _ in range(5):
            catalog = item.catalog
            if not catalog.stamp.changed(catalog.path):
                return True
            self.read_again(catalog)
            text = self.render(catalog)
            if text is None:
                item.temp.unlink(missing_ok=True)
                return False
            item.temp.write_text(text, encoding="utf-8", newline="")
        raise PoError(f"{item.catalog.path}: the PO file keeps changing while this run writes it; run again")

    def read_again(self, catalog: Catalog) -> None:
        """``catalog``'s file changed since it was read (a reviewer saved it): read it again, to merge with that."""
        catalog.old, catalog.stamp = read_stamped(catalog.path)
        self.merged_again.append(catalog.path)

    def write(self, _writer: object = None) -> list[Path]:
        """Write every changed catalog (:meth:`stage`, then :meth:`commit`); the paths written."""
        return self.commit(self.stage())

    def header_comment(self) -> str:
        return (
            f"{self.source_lang} → {self.target_lang} translations written by myst2qmd.\n"
            "Correct a msgstr and remove its fuzzy flag: the next conversion uses it as it is,\n"
            "instead of the engine's translation."
        )

    def metadata(self, old: polib.POFile | None) -> dict[str, str]:
        from .. import __version__

        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M+0000")
        metadata = {
            "Project-Id-Version": self.project or "myst2qmd",
            "Report-Msgid-Bugs-To": "",
            "POT-Creation-Date": now,
            "PO-Revision-Date": now,
            "Last-Translator": "",
            "Language-Team": "",
        }
        if old is not None:
            metadata.update(old.metadata)
        metadata.update(
            {
                "Language": self.target_lang,
                "MIME-Version": "1.0",
                "Content-Type": "text/plain; charset=UTF-8",
                "Content-Transfer-Encoding": "8bit",
                "Plural-Forms": metadata.get("Plural-Forms") or plural_forms(self.target_lang),
                "X-Generator": f"myst2qmd {__version__}",
                "X-Source-Language": self.source_lang,
            }
        )
        return metadata
