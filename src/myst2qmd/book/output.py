"""The output folder: every file planned (converted chapters, ``_quarto.yml``, the book's other
files), checked, then written all or nothing through a staging folder (:mod:`..commit`); files
whose content did not change are left alone, so a re-run rewrites what changed only.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..codes import Code
from ..commit import Commit
from ..constructs.project import jupyter_book_meta, myst_project_meta
from ..context import Warning_
from ..files import interrupts_deferred, new_file_mode, unnameable
from ..notebooks import Chapter
from ..quarto_config import execute_option, site_options
from .numbering import book_numbering, toc_numbering
from .report import BookReport
from .toc import ALWAYS_EXCLUDED, SOURCE_SUFFIXES, Book, BookError, ExternalLink, excluded, inside

QUARTO_YML = PurePosixPath("_quarto.yml")
#: files Quarto renders to a page of their own
RENDERED = (".qmd", ".ipynb", ".md", ".rmd", ".markdown")


class BookInterrupted(KeyboardInterrupt):
    """Ctrl-C after the output folder was complete: the message says what was written."""


def output_key(rel: PurePosixPath) -> str:
    """Outputs that Quarto renders to one page (``a.qmd``/``a.ipynb``) or that one file system
    holds as one file (``A.qmd``/``a.qmd`` on macOS) clash: one key for both."""
    return unicodedata.normalize("NFC", rel.with_suffix("").as_posix()).casefold()


def assign_outputs(book: Book, warnings: list[Warning_], skip: Collection[PurePosixPath] = ()) -> None:
    """Give every chapter (but those in ``skip``: not converted) an output path of its own: a
    later chapter whose output another one already has (root ``einleitung.md`` and chapter
    ``index.md`` both → ``index.qmd``) becomes ``index-2.qmd``, a name no other chapter has and
    no file of the book renders to (in any case or Unicode form); links and references follow,
    since they are resolved through ``out_rel``."""
    taken: dict[str, Chapter] = {}
    in_book: set[str] | None = None  # the pages of the book's own files, read at the first clash
    for chapter in book.chapters:
        if chapter.rel in skip:
            continue
        key = output_key(chapter.out_rel)
        if key in taken:
            other = taken[key]
            in_book = _book_pages(book.folder) if in_book is None else in_book
            new = _free_name(chapter.out_rel, taken.keys() | in_book)
            warnings.append(
                Warning_(
                    chapter.toc,
                    chapter.line,
                    f"{chapter.rel} and {other.rel} would both be written as {other.out_rel}; "
                    f"{chapter.rel} is written as {new}",
                    Code.OUTPUT_COLLISION,
                )
            )
            chapter.out_rel = new
        taken[output_key(chapter.out_rel)] = chapter  # the renamed one too: a third takes another


def _book_pages(folder: Path) -> set[str]:
    """The page keys (:func:`_output_key`) of every file in ``folder`` that renders to a page."""
    suffixes = {*SOURCE_SUFFIXES, *RENDERED}
    return {
        output_key(PurePosixPath(path.relative_to(folder).as_posix()))
        for path in folder.rglob("*")
        if path.suffix.lower() in suffixes
    }


def _free_name(out: PurePosixPath, taken: Collection[str]) -> PurePosixPath:
    for n in range(2, 10_000):
        candidate = out.with_name(f"{out.stem}-{n}{out.suffix}")
        if output_key(candidate) not in taken:
            return candidate
    raise BookError(f"no free output name for {out}")


def refuse_unsafe_paths(folder: Path, out: Path, others: Sequence[Path] = ()) -> None:
    """Refuse (:class:`BookError`) an output that could touch the input book: the output folder
    inside the book or the book inside the output folder, another written file (``--report``)
    inside the book or onto the output folder itself."""
    book = folder.resolve()
    target = out.resolve()
    if target == book:
        raise BookError("the output folder must not be the book folder itself")
    if book in target.parents:
        raise BookError(f"the output folder {out} is inside the book {folder}; choose a folder outside it")
    if target in book.parents:
        raise BookError(f"the output folder {out} contains the book {folder}; choose a folder beside it")
    for path in others:
        resolved = path.resolve()
        if resolved == book or book in resolved.parents:
            raise BookError(f"{path} is inside the book {folder}; the input is never written")
        if resolved == target:
            raise BookError(f"{path} is the output folder; choose another path")


@dataclass
class Output:
    """One file of the output folder: converted text, or a book file copied as it is."""

    origin: str  # what it comes from, for messages
    text: str | None = None
    source: Path | None = None
    #: counted in the report (files written, unchanged): not the manifest (:mod:`.reuse`)
    counted: bool = True

    def same_as(self, target: Path) -> bool:
        """Whether ``target`` already holds exactly this (then it is not written again)."""
        if not target.is_file():
            return False
        try:
            if self.source is not None:
                return target.stat().st_size == self.source.stat().st_size and (
                    target.read_bytes() == self.source.read_bytes()
                )
            return target.read_text(encoding="utf-8") == self.text
        except (OSError, UnicodeDecodeError):
            return False

    def stage(self, path: Path, like: Path) -> None:
        """Write it to ``path`` (in the staging folder) with the permissions ``like`` has, if it exists."""
        if self.source is not None:
            shutil.copy2(self.source, path)
            return
        assert self.text is not None
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(self.text)
        os.chmod(path, like.stat().st_mode & 0o777 if like.is_file() else new_file_mode())


class Staging:
    """The files of the output folder, planned one by one (:meth:`put`), then written (:meth:`write_all`)."""

    def __init__(self, out: Path, book_folder: Path, warnings: list[Warning_], report: BookReport) -> None:
        self.out = out
        self.book_folder = book_folder
        self.warnings = warnings
        self.report = report
        self.outputs: dict[PurePosixPath, Output] = {}
        #: page key (see :func:`output_key`) → the output that renders to that page
        self.pages: dict[str, Output] = {}
        #: set (while Ctrl-C waits) once the output folder holds the complete new book
        self.committed = False
        #: files of an earlier run that no file of this run replaces: removed in the commit (:mod:`.reuse`)
        self.removed: list[PurePosixPath] = []

    def put(self, rel: PurePosixPath, output: Output) -> bool:
        """Plan ``output`` at ``rel``; a path already planned keeps what it has, so a converted
        chapter wins over a book file of the same name (or one Quarto would render to the same
        page: ``kapitel/Faltung.qmd`` beside the chapter ``kapitel/faltung.md``), which is reported."""
        page = output_key(rel) if rel.suffix.lower() in RENDERED else None
        planned = self.outputs.get(rel) or (self.pages.get(page) if page is not None else None)
        if planned is not None:
            self.warnings.append(
                Warning_(
                    output.origin,
                    1,
                    f"{rel} is also written from {planned.origin} (a converted chapter wins); "
                    f"{output.origin} is not copied",
                    Code.OUTPUT_COLLISION,
                )
            )
            return False
        self.outputs[rel] = output
        if page is not None:
            self.pages.setdefault(page, output)
        return True

    def write_all(self) -> None:
        """Write what changed, all or nothing: into a staging folder inside the output first, then
        moved in with renames (a journal lets the next run finish a commit stopped by ``kill -9``).
        Unchanged files are left alone (incremental)."""
        changed = []
        for rel, output in self.outputs.items():
            if output.same_as(self.out / rel):
                if output.text is not None and output.counted:
                    self.report.files_unchanged += 1
            else:
                changed.append(rel)
        self.refuse_blocked(changed)
        if not changed and not self.removed:
            return
        # stop signals are held for the whole write phase and looked at between files: before the
        # switch they remove the staging folder and stop (nothing written); during it they wait;
        # after it, the message says the output is complete. ``kill -9``: see :mod:`.commit`
        with interrupts_deferred() as pending:
            commit = Commit(self.out, changed, self.removed)
            try:
                for rel in changed:
                    if pending:
                        break
                    self.outputs[rel].stage(commit.path(rel), self.out / rel)
                    commit.staged(rel)
                if not pending:
                    commit.switch()
                    self.committed = True
            finally:
                commit.discard()
            if pending and self.committed:
                raise BookInterrupted(f"interrupted after {self.out} was written completely")
        for rel in changed:
            self.report.written.append(rel.as_posix())
            if not self.outputs[rel].counted:
                continue
            if self.outputs[rel].text is not None:
                self.report.files_written += 1
            else:
                self.report.assets_copied += 1
        self.report.files_removed += len(self.removed)

    def refuse_blocked(self, changed: list[PurePosixPath]) -> None:
        """Before anything is written: a file where a folder must go (or the reverse), or an output
        folder that leads back into the book through a link, stops the run. A folder's checks are
        made for the first file in it only (they hold for the others)."""
        checked: set[Path] = set()
        for rel in changed:
            target = self.out / rel
            folder_checked = target.parent in checked
            if not folder_checked:
                self.refuse_file_in_the_way(target)
            if target.is_dir():
                raise BookError(f"cannot write {target}: it is a folder")
            if not folder_checked:
                self.refuse_unwritable(target)
                checked.add(target.parent)

    def refuse_file_in_the_way(self, target: Path) -> None:
        """A file where a folder of ``target``'s path must go stops the run."""
        for parent in [target.parent, *target.parent.parents]:
            if parent == self.out.parent:
                break
            if parent.exists() and not parent.is_dir():
                raise BookError(f"cannot write {target}: {parent} is a file, not a folder")

    def refuse_unwritable(self, target: Path) -> None:
        """A folder ``target`` cannot be written into, or one that leads into the book, stops the run."""
        existing = next(p for p in [target.parent, *target.parent.parents] if p.exists())
        if not os.access(existing, os.W_OK | os.X_OK):
            raise BookError(f"cannot write {target}: {existing} is not writable")
        if target.parent.exists() and inside(self.book_folder, target.parent):
            raise BookError(f"{target.parent} leads into the book {self.book_folder}; the input is never written")


def refuse_reserved(
    out: Path, reserved: Sequence[Path], inputs: Sequence[Path], outputs: Collection[PurePosixPath]
) -> None:
    """``--report OUT/index.qmd``: a path the run writes as a chapter (or asset) is refused
    (``reserved``: the other files the run writes; ``inputs``: the files it reads besides the book)."""
    out = out.resolve()
    for path in [*reserved, *inputs]:
        resolved = path.resolve()
        if out in resolved.parents and PurePosixPath(resolved.relative_to(out).as_posix()) in outputs:
            what = "an input of this run" if path in inputs else "another file this run writes"
            raise BookError(f"{path} is {what}, and the book would be written over it; choose another path")


def assets(book: Book, warnings: list[Warning_]) -> list[tuple[PurePosixPath, Path]]:
    """Every other file of the book (images, data, bibliography, _static), to be copied."""
    sources = {c.source.resolve() for c in book.chapters}
    patterns = ALWAYS_EXCLUDED + book.exclude
    found = []
    for path in sorted(book.folder.rglob("*")):
        if not path.is_file() or path.resolve() in sources:
            continue
        rel = path.relative_to(book.folder).as_posix()
        shown = unnameable(rel)
        if shown is not None:
            why = f"{shown}: the file name is not UTF-8; not copied (rename the file)"
            warnings.append(Warning_(shown, 1, why, Code.FILE_UNREADABLE))
            continue
        if path.is_symlink() and not inside(book.folder, path):
            warnings.append(Warning_(rel, 1, f"{path} points outside the book; not copied", Code.PATH_OUTSIDE))
            continue
        if excluded(rel, patterns):
            continue
        if path.suffix in (".md", ".ipynb") and not rel.startswith("_static"):
            continue  # documents outside the toc are not part of the Quarto book
        found.append((PurePosixPath(rel), path))
    return found


def quarto_yml(
    book: Book, left_out: Collection[PurePosixPath], warnings: list[Warning_], language: Any, execute_setting: Any
) -> str:
    """The ``_quarto.yml`` of the book: its chapters and parts (those in ``left_out`` left out),
    title, author, site options, bibliography, ``language`` (the target's, else the book's) and
    ``execute`` (``execute_setting``: the run's ``--execute``, else the book's)."""
    config = book.config
    meta: dict[str, Any] = {"title": config.get("_translated_title") or book.title}
    if config.get("author"):
        meta["author"] = str(config["author"])
    meta["chapters"] = _chapters(book, left_out)
    site, html = site_options(config, warnings)
    meta.update(site)
    data: dict[str, Any] = {"project": {"type": "book"}, "book": meta}
    bib = config.get("bibtex_bibfiles") or []
    if bib:
        data["bibliography"] = [str(b) for b in bib]
    project = book_meta(book, warnings)
    own_language = project.pop("lang", None)
    language = language or own_language
    if language:
        data["lang"] = str(language)
    execute = execute_option(execute_setting, config)
    if execute is not None:
        data["execute"] = execute
    formats = project.pop("format", {})
    project.pop("bibliography", None)  # written above, as a list
    data.update(project)
    data["format"] = {"html": {"theme": "cosmo", **html}, **{k: v for k, v in formats.items() if k != "html"}}
    header = "# Written by myst2qmd from the Jupyter Book in " + book.folder.name + "\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def book_meta(book: Book, warnings: list[Warning_]) -> dict[str, Any]:
    """The Quarto options the book's project file gives every chapter (``lang``, ``crossref``,
    ``format``…: :mod:`..constructs.project`) and its numbering (:mod:`.numbering`)."""
    if book.project:
        meta = myst_project_meta(book.project, warnings)
        meta.setdefault("number-sections", False)  # mystmd numbers no heading unless told
        return meta
    meta = jupyter_book_meta(book.config, warnings)
    meta.update(book_numbering(book, toc_numbering(book.toc)).project)
    return meta


def _chapters(book: Book, left_out: Collection[PurePosixPath]) -> list[Any]:
    """``book: chapters:`` of ``_quarto.yml``: the root, then each part's (translated) caption or
    part file with its chapters, or the chapters of a part without either."""

    def entry(item: Chapter | ExternalLink) -> Any:
        if isinstance(item, ExternalLink):
            return {"text": item.title, "href": item.url}
        return item.out_rel.as_posix()

    def kept(items: list[Chapter | ExternalLink]) -> list[Any]:
        return [entry(c) for c in items if not (isinstance(c, Chapter) and c.rel in left_out)]

    chapters: list[Any] = [book.root.out_rel.as_posix()]
    for part in book.parts:
        files = kept(part.chapters)
        if part.caption:
            caption = book.config.get("_translated_parts", {}).get(part.caption, part.caption)
            if files:  # a part whose chapters are all left out (--only) is left out too
                chapters.append({"part": caption, "chapters": files})
        elif part.file is not None and part.file.rel not in left_out:
            chapters.append({"part": part.file.out_rel.as_posix(), "chapters": files})
        else:
            chapters.extend(files)
    return chapters
