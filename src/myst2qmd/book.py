"""Whole Jupyter Books to Quarto books.

A Jupyter Book folder (``_toc.yml`` + ``_config.yml``, or a ``myst.yml``) becomes a Quarto
book project::

    _toc.yml  root: intro                     _quarto.yml  project: {type: book}
              parts:                                       book:
              - caption: Grundlagen                          chapters:
                chapters:                                    - index.qmd
                - file: kapitel1                             - part: "Grundlagen"
                  sections:                                    chapters:
                  - file: abschnitt                            - kapitel1.qmd
                                                               - abschnitt.qmd

Labels are collected across the whole book first, so ``{numref}``, ``{ref}``, ``{eq}`` and
``{doc}`` resolve between chapters. Outputs are written only when their content changes, so
re-running after editing one chapter rewrites that chapter only.
"""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import re
import shutil
import signal
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import yaml

from .codes import Code, count_codes
from .commit import Commit, OutputError, output_locked
from .config import Settings
from .constructs import registry
from .constructs.base import url_path
from .context import Context, Options, Warning_
from .convert import Converter, Result, convert_text, parse_text
from .files import MAX_NOTEBOOK_BYTES, MAX_TEXT_BYTES, interrupts_deferred, new_file_mode, read_bounded
from .finish import finish_all
from .macros import dig, macros_from_config
from .notebooks import NotebookError, cell_source, mend_split_directives, read_notebook, render_notebook
from .parsed import Parsed
from .parser import parse_inline
from .quarto import blank_code
from .quarto_config import execute_option, site_options
from .yamlload import YamlRefused, load_yaml

if TYPE_CHECKING:
    from .translate.pipeline import TranslationReport

#: book folders never copied
_ALWAYS_EXCLUDED = [
    "_build",
    "_build/**",
    ".git",
    ".git/**",
    "**/.ipynb_checkpoints/**",
    "**/__pycache__/**",
    ".DS_Store",
    "**/.DS_Store",
    "_toc.yml",
    "_config.yml",
    "myst.yml",
    "*.po",  # gettext catalogs (--po DIR, sphinx-intl's locales): no part of a Quarto book
    "*.pot",
    ".myst2qmd.lock",  # a book folder that was once an output folder: the commit's own files
    ".myst2qmd-*",
    ".myst2qmd-*/**",
]
_SOURCE_SUFFIXES = (".md", ".ipynb", ".myst", ".markdown")
QUARTO_YML = PurePosixPath("_quarto.yml")
#: files Quarto renders to a page of their own
_RENDERED = (".qmd", ".ipynb", ".md", ".rmd", ".markdown")


class BookError(ValueError):
    """The folder is not a book we can read, or a path is unsafe (message says why)."""


class BookInterrupted(KeyboardInterrupt):
    """Ctrl-C after the output folder was complete: the message says what was written."""


@dataclass
class Chapter:
    """One document of the book."""

    source: Path
    rel: PurePosixPath  # relative to the book folder, with its suffix
    out_rel: PurePosixPath  # where it is written, relative to the output folder
    is_root: bool = False
    title: str = ""
    #: the table of contents that names it, and the line there
    toc: str = "_toc.yml"
    line: int = 1

    @property
    def is_notebook(self) -> bool:
        return self.source.suffix == ".ipynb"


@dataclass
class ExternalLink:
    """A ``url:`` entry of the table of contents: an ``href`` entry of the Quarto sidebar."""

    url: str
    title: str


@dataclass
class Part:
    """A group of chapters: a caption (``part: "Title"``), a part file, or none."""

    caption: str | None
    file: Chapter | None
    chapters: list[Chapter | ExternalLink] = field(default_factory=list)


@dataclass
class Book:
    folder: Path
    config: dict[str, Any]
    root: Chapter
    parts: list[Part]
    exclude: list[str] = field(default_factory=list)

    @property
    def chapters(self) -> list[Chapter]:
        out = [self.root]
        for part in self.parts:
            if part.file is not None:
                out.append(part.file)
            out.extend(c for c in part.chapters if isinstance(c, Chapter))
        return out

    @property
    def title(self) -> str:
        return str(self.config.get("title") or self.root.title or self.folder.name)


def is_book(folder: Path) -> bool:
    return folder.is_dir() and ((folder / "_toc.yml").is_file() or (folder / "myst.yml").is_file())


def _line(item: Any) -> int:
    return int(getattr(item, "line", 1))


def _load_yaml(path: Path) -> Any:
    try:
        return load_yaml(read_bounded(path).decode("utf-8"), lines=True) or {}
    except YamlRefused as exc:
        raise BookError(f"{path}: not read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise BookError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BookError(f"cannot read {path}: {exc}") from exc


def _inside(folder: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def normalise_toc_path(entry: str) -> str | None:
    """A toc path as the file it names, or ``None`` when it leads outside the book.

    >>> [normalise_toc_path(p) for p in ("kapitel/../kapitel/pooling", "kapitel//pooling", "./kapitel/pooling")]
    ['kapitel/pooling', 'kapitel/pooling', 'kapitel/pooling']
    >>> normalise_toc_path("../draussen") is None
    True
    """
    path = posixpath.normpath(entry.strip().replace("\\", "/").lstrip("/") or ".")
    if path == "." or path == ".." or path.startswith("../"):
        return None
    return path


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A Sphinx toctree glob as a regex: ``*`` and ``?`` stay in one folder, ``**`` crosses folders.

    >>> bool(glob_regex("kapitel/*").fullmatch("kapitel/a")), bool(glob_regex("kapitel/*").fullmatch("kapitel/x/a"))
    (True, False)
    >>> bool(glob_regex("**/a*").fullmatch("x/y/ab"))
    True
    """
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + re.escape(body[1:]) if body.startswith("!") else re.escape(body)) + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))


def _excluded(rel: str, patterns: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


class _TocReader:
    """Reads ``_toc.yml`` (Jupyter Book 1) or the ``toc`` of ``myst.yml`` into chapters."""

    def __init__(self, folder: Path, warnings: list[Warning_], toc_name: str = "_toc.yml"):
        self.folder = folder
        self.warnings = warnings
        self.toc_name = toc_name
        #: chapter → the toc line that names it
        self.seen: dict[PurePosixPath, int] = {}
        self.exclude: list[str] = []
        self._documents: list[str] | None = None

    def warn(self, line: int, message: str, code: Code) -> None:
        self.warnings.append(Warning_(self.toc_name, line, message, code))

    def documents(self) -> list[str]:
        """Every document of the book folder (``kapitel/a.md``), for ``glob``/``pattern`` entries."""
        if self._documents is None:
            found = []
            for path in self.folder.rglob("*"):
                rel = path.relative_to(self.folder).as_posix()
                if path.suffix not in _SOURCE_SUFFIXES or not path.is_file():
                    continue
                if any(part.startswith(".") for part in rel.split("/")):
                    continue
                if _excluded(rel, _ALWAYS_EXCLUDED + self.exclude):
                    continue
                found.append(rel)
            # as Sphinx sorts document names; one name in two files: the order a file entry picks
            self._documents = sorted(
                found, key=lambda r: (r.rsplit(".", 1)[0], _SOURCE_SUFFIXES.index("." + r.rsplit(".", 1)[1]))
            )
        return self._documents

    def chapter(self, entry: str, line: int = 1, is_root: bool = False, quiet_repeat: bool = False) -> Chapter | None:
        """The chapter for a toc entry (``Markdown/intro``: suffix optional, path normalised)."""
        normal = normalise_toc_path(entry)
        if normal is None:
            self.warn(line, f"{entry.strip()} is outside the book; not followed", Code.PATH_OUTSIDE)
            return None
        candidates = [normal] if Path(normal).suffix in _SOURCE_SUFFIXES else [normal + s for s in _SOURCE_SUFFIXES]
        found = [c for c in candidates if (self.folder / c).is_file()]
        if len(found) > 1:
            self.warn(
                line,
                f"{entry.strip()} names {' and '.join(found)}; {found[0]} is used (as Sphinx does), "
                f"the others are left out: write the suffix to choose",
                Code.TOC_DUPLICATE,
            )
        for candidate in candidates:
            path = self.folder / candidate
            if path.is_file():
                if not _inside(self.folder, path):
                    self.warn(line, f"{entry.strip()} is outside the book; not followed", Code.PATH_OUTSIDE)
                    return None
                rel = PurePosixPath(candidate)
                if rel in self.seen:
                    if not quiet_repeat:
                        self.warn(
                            line,
                            f"{entry.strip()} appears twice in the table of contents (first on line "
                            f"{self.seen[rel]}); converted once",
                            Code.TOC_DUPLICATE,
                        )
                    return None
                self.seen[rel] = line
                suffix = ".ipynb" if path.suffix == ".ipynb" else ".qmd"
                out = PurePosixPath("index" + suffix) if is_root else rel.with_suffix(suffix)
                return Chapter(path, rel, out, is_root, toc=self.toc_name, line=line)
        self.warn(line, f"table of contents names {entry.strip()}, which does not exist", Code.TOC_MISSING)
        return None

    def glob(self, pattern: str, line: int, with_suffix: bool) -> list[Chapter]:
        """The documents a ``glob:`` (Jupyter Book, no suffix) or ``pattern:`` (MyST) entry names, sorted.

        As in Sphinx, documents already named earlier are not repeated (and not warned).
        """
        normal = normalise_toc_path(pattern)
        if normal is None:
            self.warn(line, f"{pattern} is outside the book; not followed", Code.PATH_OUTSIDE)
            return []
        regex = glob_regex(normal)
        found = []
        for rel in self.documents():
            name = rel if with_suffix else rel.rsplit(".", 1)[0]
            if regex.fullmatch(name) and PurePosixPath(rel) not in self.seen:
                chapter = self.chapter(rel, line, quiet_repeat=True)
                if chapter is not None:
                    found.append(chapter)
        if not found and not any(regex.fullmatch(r if with_suffix else r.rsplit(".", 1)[0]) for r in self.documents()):
            self.warn(line, f"'{pattern}' matches no document; nothing converted for it", Code.TOC_MISSING)
        return found

    def listed(self, value: Any, line: int, key: str) -> list[Any]:
        """``value`` of a toc key that holds a list (``chapters:``, ``sections:``…); anything else is warned."""
        if value is None or isinstance(value, list):
            return value or []
        self.warn(line, f"'{key}' must be a list of entries, not {value!r}; left out", Code.TOC_INVALID)
        return []

    def entries(self, items: Any, out: list[Chapter | ExternalLink], lines: list[int] | None = None) -> None:
        """Chapters of a list of toc entries, sections flattened after their chapter."""
        lines = lines if lines is not None else getattr(items, "lines", [])
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                line = lines[n] if n < len(lines) else 1
                self.warn(line, f"toc entry {item!r} is not a mapping (file:, glob:, url:); left out", Code.TOC_INVALID)
                continue
            line = _line(item)
            if "file" in item:
                found = self.chapter(str(item["file"]), line)
                if found is not None:
                    if item.get("title"):
                        found.title = str(item["title"])
                    out.append(found)
            elif "glob" in item or "pattern" in item:
                key = "glob" if "glob" in item else "pattern"
                out.extend(self.glob(str(item[key]), line, with_suffix=key == "pattern"))
            elif "url" in item:
                out.append(ExternalLink(str(item["url"]), str(item.get("title") or item["url"])))
            elif not any(k in item for k in ("sections", "chapters", "children")):
                keys = ", ".join(f"{k}:" for k in item) or "nothing"
                self.warn(
                    line,
                    f"toc entry with {keys} is not supported (file:, glob:, pattern:, url:); left out",
                    Code.TOC_INVALID,
                )
            if "caption" in item and any(k in item for k in ("sections", "chapters", "children")):
                self.warn(
                    line, f"part caption '{item['caption']}' inside a list of chapters is not kept", Code.TOC_INVALID
                )
            for key in ("sections", "chapters", "children"):
                if key in item:
                    self.entries(self.listed(item[key], line, key), out)

    def jupyter_book(self, toc: dict[str, Any]) -> tuple[Chapter, list[Part]]:
        root_entry = toc.get("root")
        if not root_entry:
            raise BookError("_toc.yml has no 'root'")
        root = self.chapter(str(root_entry), _line(toc), is_root=True)
        if root is None:
            raise BookError(f"the root document {root_entry} of _toc.yml does not exist")
        parts: list[Part] = []
        if "parts" in toc:
            for part in self.listed(toc["parts"], _line(toc), "parts"):
                if not isinstance(part, dict):
                    self.warn(_line(toc), f"part {part!r} is not a mapping; left out", Code.TOC_INVALID)
                    continue
                chapters: list[Chapter | ExternalLink] = []
                self.entries(self.listed(part.get("chapters"), _line(part), "chapters"), chapters)
                parts.append(Part(str(part.get("caption") or "") or None, None, chapters))
        else:
            key = "chapters" if "chapters" in toc else "sections"
            items = self.listed(toc.get(key), _line(toc), key)
            for n, item in enumerate(items):
                if not isinstance(item, dict) or "file" not in item:
                    loose: list[Chapter | ExternalLink] = []
                    self.entries([item], loose, getattr(items, "lines", [])[n : n + 1])
                    parts.append(Part(None, None, loose))
                    continue
                head = self.chapter(str(item["file"]), _line(item))
                if head is not None and item.get("title"):
                    head.title = str(item["title"])
                children: list[Chapter | ExternalLink] = []
                self.entries(self.listed(item.get("sections"), _line(item), "sections"), children)
                if head is not None and children:
                    parts.append(Part(None, head, children))
                elif head is not None:
                    parts.append(Part(None, None, [head]))
                else:
                    parts.append(Part(None, None, children))
        return root, parts

    def myst_project(self, project: dict[str, Any]) -> tuple[Chapter, list[Part]]:
        toc = self.listed(project.get("toc"), _line(project), "toc")
        flat: list[dict[str, Any]] = [i for i in toc if isinstance(i, dict)]
        if not flat or "file" not in flat[0]:
            raise BookError("myst.yml project.toc must start with a file")
        root = self.chapter(str(flat[0]["file"]), _line(flat[0]), is_root=True)
        if root is None:
            raise BookError(f"the first document {flat[0]['file']} of myst.yml does not exist")
        parts: list[Part] = []
        for item in toc[1:]:
            chapters: list[Chapter | ExternalLink] = []
            if isinstance(item, dict) and "file" in item:
                head = self.chapter(str(item["file"]), _line(item))
                if head is not None and item.get("title"):
                    head.title = str(item["title"])
                self.entries(self.listed(item.get("children"), _line(item), "children"), chapters)
                parts.append(Part(None, head, chapters) if chapters else Part(None, None, [head] if head else []))
            elif isinstance(item, dict) and "children" in item:
                self.entries(self.listed(item.get("children"), _line(item), "children"), chapters)
                parts.append(Part(str(item.get("title") or "") or None, None, chapters))
            else:
                self.entries([item], chapters)
                parts.append(Part(None, None, chapters))
        return root, parts


def read_book(folder: Path, warnings: list[Warning_] | None = None) -> Book:
    """The book in ``folder`` (Jupyter Book 1 ``_toc.yml``/``_config.yml`` or MyST ``myst.yml``)."""
    warnings = warnings if warnings is not None else []
    if (folder / "_toc.yml").is_file():
        reader = _TocReader(folder, warnings, "_toc.yml")
        toc = _load_yaml(folder / "_toc.yml")
        config = _load_yaml(folder / "_config.yml") if (folder / "_config.yml").is_file() else {}
        if not isinstance(toc, dict) or not isinstance(config, dict):
            raise BookError("_toc.yml and _config.yml must be YAML mappings")
        exclude = [str(p) for p in config.get("exclude_patterns") or []]
        reader.exclude = exclude
        root, parts = reader.jupyter_book(toc)
    elif (folder / "myst.yml").is_file():
        reader = _TocReader(folder, warnings, "myst.yml")
        data = _load_yaml(folder / "myst.yml")
        project = data.get("project") if isinstance(data, dict) else None
        if not isinstance(project, dict):
            raise BookError("myst.yml has no 'project' mapping")
        exclude = [str(p) for p in project.get("exclude") or []]
        reader.exclude = exclude
        root, parts = reader.myst_project(project)
        config = {
            "title": project.get("title"),
            "author": _authors(project.get("authors")),
            "bibtex_bibfiles": project.get("bibliography") or [],
            "language": project.get("language"),
            "_myst_math": project.get("math") or {},
            "parse": {"myst_substitutions": project.get("abbreviations") or {}},
        }
    else:
        raise BookError(f"{folder} has neither _toc.yml nor myst.yml")
    return Book(folder=folder, config=config, root=root, parts=parts, exclude=exclude)


def _output_key(rel: PurePosixPath) -> str:
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
        key = _output_key(chapter.out_rel)
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
        taken[_output_key(chapter.out_rel)] = chapter  # the renamed one too: a third takes another


def _book_pages(folder: Path) -> set[str]:
    """The page keys (:func:`_output_key`) of every file in ``folder`` that renders to a page."""
    suffixes = {*_SOURCE_SUFFIXES, *_RENDERED}
    return {
        _output_key(PurePosixPath(path.relative_to(folder).as_posix()))
        for path in folder.rglob("*")
        if path.suffix.lower() in suffixes
    }


def _free_name(out: PurePosixPath, taken: Collection[str]) -> PurePosixPath:
    for n in range(2, 10_000):
        candidate = out.with_name(f"{out.stem}-{n}{out.suffix}")
        if _output_key(candidate) not in taken:
            return candidate
    raise BookError(f"no free output name for {out}")


def _authors(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(a.get("name", a)) if isinstance(a, dict) else str(a) for a in value)
    return str(value or "")


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


# -- reading documents ---------------------------------------------------------------------


@dataclass
class Document:
    """A chapter's MyST text: one piece for a .md file, one per Markdown cell of a notebook."""

    chapter: Chapter
    pieces: list[str]
    notebook: dict[str, Any] | None = None
    #: index of the notebook cell behind each piece
    cells: list[int] = field(default_factory=list)
    #: each piece parsed once, by the label pass, for the conversion to reuse (see :func:`collect_labels`)
    parses: list[Parsed] = field(default_factory=list)
    #: what reading it found (a notebook's duplicate cell ids, a directive split across its cells)
    warnings: list[Warning_] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.chapter.rel.as_posix()


def notebook_document(chapter: Chapter, notebook: dict[str, Any], notes: Sequence[tuple[int, str]] = ()) -> Document:
    """A notebook's Markdown cells as the pieces to convert (a directive's closing fence in a later
    cell than the directive removed, with a warning); ``notes``: (cell number, message) from reading it."""
    pieces, cells = [], []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            pieces.append(cell_source(cell))
            cells.append(index)
    path = chapter.rel.as_posix()
    warnings = [Warning_(f"{path}#cell{n}", 1, message, Code.NOTEBOOK_ID_DUPLICATE) for n, message in notes]
    for n, line, message in mend_split_directives(pieces, cells):
        warnings.append(Warning_(f"{path}#cell{cells[n] + 1}", line, message, Code.FENCE_UNCLOSED))
    return Document(chapter, pieces, notebook, cells, warnings=warnings)


def read_document(chapter: Chapter) -> Document:
    """The chapter's text; :class:`BookError` when it cannot be read, :class:`NotebookError` for a bad notebook."""
    try:
        raw = read_bounded(chapter.source, MAX_NOTEBOOK_BYTES if chapter.is_notebook else MAX_TEXT_BYTES)
    except OSError as exc:
        raise BookError(f"cannot read {chapter.rel}: {exc.strerror}") from exc
    if chapter.is_notebook:
        notes: list[tuple[int, str]] = []
        notebook = read_notebook(raw, notes)
        return notebook_document(chapter, notebook, notes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BookError(f"{chapter.rel} is not UTF-8 text (offset {exc.start})") from exc
    return Document(chapter, [text])


# -- the conversion --------------------------------------------------------------------------


@dataclass
class BookReport:
    """What happened, for the summary and ``--report report.json``."""

    files_converted: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    assets_copied: int = 0
    constructs: Counter[str] = field(default_factory=Counter)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    #: every warning and info of ``warnings``, counted per code; and those ``suppress-warnings`` kept off stderr
    warning_codes: dict[str, int] = field(default_factory=dict)
    suppressed_codes: dict[str, int] = field(default_factory=dict)
    references_resolved: int = 0
    references_unresolved: int = 0
    duplicate_labels: list[str] = field(default_factory=list)
    translation_report: TranslationReport | None = None
    #: chapters that could not be read (a notebook nbformat refuses): not in the output
    not_converted: list[str] = field(default_factory=list)
    #: every path of the output folder this run wrote (changed or new), once each
    written: list[str] = field(default_factory=list)

    @property
    def translation(self) -> dict[str, Any]:
        """The translation run in numbers ({} without translation)."""
        report = self.translation_report
        if report is None:
            return {}
        return {
            "engine": report.engine,
            "model": report.model,
            "segments": report.segments,
            "translated": report.translated,
            "cached": report.cached,
            "reviewed": report.reviewed,
            "kept": len(report.kept),
            "already_in_target": report.already_in_target,
            "requests": report.engine_calls,
            "characters_sent": report.characters_sent,
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "files_converted": self.files_converted,
            "files_written": self.files_written,
            "files_unchanged": self.files_unchanged,
            "assets_copied": self.assets_copied,
            "not_converted": self.not_converted,
            "constructs": dict(sorted(self.constructs.items())),
            "warnings": self.warnings,
            "warning_codes": self.warning_codes,
            "suppressed_codes": self.suppressed_codes,
            "references": {"resolved": self.references_resolved, "unresolved": self.references_unresolved},
            "duplicate_labels": self.duplicate_labels,
            "translation": self.translation,
        }


def _first_h1(text: str) -> str:
    match = re.search(r"(?m)^#\s+(.+?)\s*#*\s*$", re.sub(r"(?s)^---\n.*?\n---\n", "", text))
    return match.group(1).strip() if match else ""


def _relative(target: PurePosixPath, start: PurePosixPath) -> str:
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

    def link(self, path: str, out_rel: PurePosixPath) -> str:
        folder = out_rel.parent.as_posix()
        key = (folder, path)
        found = self.links.get(key)
        if found is None:
            found = self.links[key] = url_path(_relative(self.out_of[path], out_rel))
        return found


class LabelPages(Mapping[str, tuple[str, str]]):
    """``label → (kind, page of the chapter that defines it, relative to this one)``, the page
    worked out when a label is looked up (see :class:`LabelTargets`)."""

    def __init__(self, targets: LabelTargets, source: str, out_rel: PurePosixPath) -> None:
        self.targets = targets
        self.source = source
        self.out_rel = out_rel

    def __getitem__(self, name: str) -> tuple[str, str]:
        _, path, kind = self.targets.labels[name]
        return kind, "" if path == self.source else self.targets.link(path, self.out_rel)

    def __contains__(self, name: object) -> bool:
        return name in self.targets.labels

    def __iter__(self) -> Iterator[str]:
        return iter(self.targets.labels)

    def __len__(self) -> int:
        return len(self.targets.labels)


@dataclass
class _Output:
    """One file of the output folder: converted text, or a book file copied as it is."""

    origin: str  # what it comes from, for messages
    text: str | None = None
    source: Path | None = None

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


class BookConverter:
    """Converts a :class:`Book` into a Quarto book folder."""

    def __init__(
        self,
        book: Book,
        out: Path,
        *,
        settings: Settings | None = None,
        translator: Any = None,
        reserved: Sequence[Path] = (),
    ):
        self.book = book
        self.out = out
        #: the run's settings (``--images-path``, ``--escape-fences``, ``--macros``, ``--to`` …)
        self.settings = settings or Settings()
        #: what the user asked for: every chapter gets it
        self.user_options = self.settings.options()
        self.images_path = self.user_options.images_path
        self.translator = translator
        self.target_lang = self.settings.target_lang if translator is not None else None
        #: other paths this run writes (``--report``): never one of the outputs
        self.reserved = list(reserved)
        #: files the run reads besides the book (``--macros``, ``--glossary``, the config): never written
        self.inputs = self.settings.inputs
        self.report = BookReport()
        self.warnings: list[Warning_] = []
        self.outputs: dict[PurePosixPath, _Output] = {}
        #: page key (see :func:`_output_key`) → the output that renders to that page
        self.pages: dict[str, _Output] = {}
        self.failed: set[PurePosixPath] = set()
        #: chapters ``--only`` left out that the output folder does not hold: not in ``_quarto.yml``
        self.skipped: set[PurePosixPath] = set()
        #: set (while Ctrl-C waits) once the output folder holds the complete new book
        self.committed = False
        #: what was done to finish or clean up after a stopped run into the same folder
        self.recovered: list[str] = []
        #: called once everything is converted and translated, right before the output is written
        #: (the application stages the PO files there: one that cannot be written stops the run first)
        self.before_write: Callable[[], object] | None = None
        self.by_source: dict[PurePosixPath, Chapter] = {c.rel: c for c in book.chapters}
        self.macros = macros_from_config(book.config)
        if not self.macros and book.config.get("_myst_math"):
            self.macros = macros_from_config({"math": book.config["_myst_math"]})
        self.macros.update(self.user_options.macros)  # --macros FILE adds to (and wins over) the book's
        parse = book.config.get("parse") or {}
        subs = parse.get("myst_substitutions") if isinstance(parse, dict) else None
        self.substitutions = {str(k): str(v) for k, v in (subs or {}).items()}
        extensions = parse.get("myst_enable_extensions") if isinstance(parse, dict) else None
        self.extensions = {str(e) for e in extensions or []}
        #: the book's labels and their targets, worked out once (see :meth:`options`)
        self._label_table: tuple[dict[str, tuple[str, str, str]], LabelTargets] | None = None

    # -- labels across the book ----------------------------------------------------------------
    def collect_labels(self, documents: list[Document]) -> dict[str, tuple[str, str, str]]:
        """label → (Quarto id, chapter path, kind); duplicates across chapters are reported."""
        return collect_labels(documents, self.macros, self.warnings, self.report.duplicate_labels)

    def resolver(self, chapter: Chapter) -> Any:
        """``{doc}`` targets as written in ``chapter`` → (link to the output file, its title)."""

        def resolve(target: str) -> tuple[str, str] | None:
            target, _, anchor = target.partition("#")
            base = PurePosixPath("/") if target.startswith("/") else chapter.rel.parent
            joined = PurePosixPath(os.path.normpath((base / target.lstrip("/")).as_posix())).as_posix().lstrip("/")
            for candidate in [joined] + [joined + s for s in _SOURCE_SUFFIXES]:
                hit = self.by_source.get(PurePosixPath(candidate))
                if hit is not None:
                    href = url_path(_relative(hit.out_rel, chapter.out_rel))
                    return href + (f"#{anchor}" if anchor else ""), hit.title
            return None

        return resolve

    # -- chapters ----------------------------------------------------------------------------
    def options(self, chapter: Chapter, labels: dict[str, tuple[str, str, str]]) -> Options:
        if self._label_table is None or self._label_table[0] is not labels:
            out_of = {c.rel.as_posix(): c.out_rel for c in self.book.chapters}
            self._label_table = (labels, LabelTargets(labels, out_of))
        targets = self._label_table[1]
        return replace(
            self.user_options,
            macros=self.macros,
            external_labels=targets.ids,
            label_pages=targets.pages_for(chapter.rel.as_posix(), chapter.out_rel),
            resolve_document=self.resolver(chapter),
            substitutions=self.substitutions,
            linkify="linkify" in self.extensions,
            source_dir=str(chapter.source.parent),
            root_dir=str(self.book.folder),
            title_from_h1=False,
        )

    def convert_document(self, document: Document, labels: dict[str, tuple[str, str, str]]) -> list[Result]:
        results = []
        for n, piece in enumerate(document.pieces):
            where = document.path if not document.notebook else f"{document.path}#cell{document.cells[n] + 1}"
            parsed = document.parses[n] if n < len(document.parses) else None
            result = convert_text(piece, path=where, options=self.options(document.chapter, labels), parsed=parsed)
            results.append(result)
        return results

    def convert_one(
        self, document: Document, labels: dict[str, tuple[str, str, str]]
    ) -> tuple[list[Result], list[Warning_]]:
        """A document's converted pieces, and its references that lead out of the book."""
        # paths first: the inline tokens it parses are the conversion's, which lets them go
        outside = outside_references(document, self.book.folder)
        done = self.convert_document(document, labels), outside
        document.parses = []  # its last reader: let the tokens go
        return done

    def convert_all(
        self, documents: list[Document], labels: dict[str, tuple[str, str, str]]
    ) -> list[tuple[list[Result], list[Warning_]]]:
        """Every document converted (:meth:`convert_one`), in order: in parallel processes (one
        per core) once the labels are known, for a book big enough that this pays (a ct-book-sized
        book on 2 cores: 3.3 s -> 2.3 s; a small one would only pay the start-up of the workers).
        ``MYST2QMD_BOOK_PROCESSES=1`` converts in this process (as on a system without ``fork``,
        or when other threads run here, which a forked worker could find mid-way).
        """
        jobs = _book_processes(sum(len(p) for d in documents for p in d.pieces), len(documents))
        if jobs <= 1:
            return [self.convert_one(d, labels) for d in documents]
        import multiprocessing

        global _WORK
        _WORK = (self, documents, labels)
        try:
            pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_ignore_interrupts)
        except OSError:  # no semaphores here (a sandbox without /dev/shm): one process does it
            _WORK = None
            return [self.convert_one(d, labels) for d in documents]
        try:
            with pool:
                return pool.map(_convert_nth, range(len(documents)), chunksize=max(1, len(documents) // (4 * jobs)))
        finally:
            _WORK = None

    def read_documents(self) -> list[Document]:
        """Every chapter's text; a notebook that cannot be read is reported and left out."""
        documents = []
        for chapter in self.book.chapters:
            try:
                documents.append(read_document(chapter))
                self.warnings += documents[-1].warnings
            except NotebookError as exc:
                if chapter.is_root:
                    raise BookError(f"{chapter.rel}: not a valid notebook: {exc}") from exc
                self.warnings.append(
                    Warning_(
                        chapter.rel.as_posix(),
                        1,
                        f"not a valid notebook: {exc}; not converted, left out",
                        Code.NOTEBOOK_INVALID,
                    )
                )
                self.failed.add(chapter.rel)
                self.report.not_converted.append(chapter.rel.as_posix())
                del self.by_source[chapter.rel]
        return documents

    def run(self) -> BookReport:
        """Convert the book and write it; the output folder is locked meanwhile (a second run into
        it stops), and what a stopped run left there is finished first (see :mod:`.commit`)."""
        refuse_unsafe_paths(self.book.folder, self.out, self.reserved)
        try:
            with output_locked(self.out) as notes:
                self.recovered = notes
                return self.convert_and_write()
        except OutputError as exc:
            raise BookError(str(exc)) from exc

    def convert_and_write(self) -> BookReport:
        documents = self.read_documents()
        assign_outputs(self.book, self.warnings, skip=self.failed)
        assets = self.assets()
        self.refuse_reserved({d.chapter.out_rel for d in documents} | {QUARTO_YML} | {rel for rel, _ in assets})
        labels = self.collect_labels(documents)  # of every chapter: references to the others resolve
        documents = self.only(documents)
        converted: list[tuple[Document, list[Result]]] = []
        for document, (results, outside) in zip(documents, self.convert_all(documents, labels), strict=True):
            document.parses = []  # converted in a worker process: this one's copy is not needed either
            converted.append((document, results))
            self.report.files_converted += 1
            for result in results:
                self.report.constructs.update(result.counts)
                self.report.references_unresolved += result.counts.get("unresolved reference", 0)
                self.report.references_resolved += result.counts.get("reference", 0) - result.counts.get(
                    "unresolved reference", 0
                )
                self.warnings.extend(result.warnings)
            self.warnings.extend(outside)
        texts = {id(d): [r.text for r in results] for d, results in converted}
        root = self.book.root
        prefix = root.rel.parent.as_posix()
        if prefix not in ("", ".") and documents and documents[0].chapter is root:
            texts[id(documents[0])] = [rebase_paths(t, prefix + "/") for t in texts[id(documents[0])]]
        included = self.convert_included(labels, [(d, texts[id(d)]) for d, _ in converted])
        converted += included
        texts.update({id(d): [r.text for r in results] for d, results in included})
        if self.translator is not None:  # included files are translated with the chapters
            texts = self.translate(converted, texts)
        texts = {key: finish_all(value, escape_fences=self.settings.escape_fences) for key, value in texts.items()}
        for document, _ in converted:  # chapters first: they win over anything of the same name
            self.put(document.chapter.out_rel, _Output(document.path, text=self.render(document, texts[id(document)])))
        self.put(QUARTO_YML, _Output("the table of contents", text=self.quarto_yml()))
        for rel, path in assets:
            self.put(rel, _Output(rel.as_posix(), source=path))
        self.refuse_reserved(set(self.outputs))
        if self.before_write is not None:
            self.before_write()
        self.write_all()
        for warning in self.warnings:
            where = self.report.warnings.setdefault(warning.path.split("#")[0], [])
            where.append(f"{warning.line}: {warning.level} [{warning.code}]: {warning.message}")
        self.report.warning_codes = count_codes(w.code for w in self.warnings)
        return self.report

    def only(self, documents: list[Document]) -> list[Document]:
        """``--only``: the documents to convert (the root always: Quarto needs ``index.qmd``); the others
        stay as they are in the output, and ``_quarto.yml`` lists them only if they are there."""
        patterns = self.settings.only
        if not patterns:
            return documents

        def chosen(chapter: Chapter) -> bool:
            return any(chosen_by(chapter, pattern) for pattern in patterns)

        for pattern in patterns:
            if not any(chosen_by(c, pattern) for c in self.book.chapters):
                raise BookError(f"--only {pattern}: no chapter of the book matches it (give a path from the toc)")
        keep = [d for d in documents if d.chapter.is_root or chosen(d.chapter)]
        for document in documents:
            if document not in keep and not (self.out / document.chapter.out_rel).exists():
                self.skipped.add(document.chapter.rel)
        return keep

    def refuse_reserved(self, outputs: set[PurePosixPath]) -> None:
        """``--report OUT/index.qmd``: a path the run writes as a chapter (or asset) is refused."""
        out = self.out.resolve()
        for path in self.reserved + self.inputs:
            resolved = path.resolve()
            if out in resolved.parents and PurePosixPath(resolved.relative_to(out).as_posix()) in outputs:
                what = "an input of this run" if path in self.inputs else "another file this run writes"
                raise BookError(f"{path} is {what}, and the book would be written over it; choose another path")

    def put(self, rel: PurePosixPath, output: _Output) -> bool:
        """Plan ``output`` at ``rel``; a path already planned keeps what it has, so a converted
        chapter wins over a book file of the same name (or one Quarto would render to the same
        page: ``kapitel/Faltung.qmd`` beside the chapter ``kapitel/faltung.md``), which is reported."""
        page = _output_key(rel) if rel.suffix.lower() in _RENDERED else None
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

    def translate(
        self, converted: list[tuple[Document, list[Result]]], texts: dict[int, list[str]]
    ) -> dict[int, list[str]]:
        """One translation run for the whole book: one cache, one progress bar, all files at once."""
        pieces = [(id(d), n, d.path, text) for d, _ in converted for n, text in enumerate(texts[id(d)])]
        # warnings name the chapter's (or notebook cell's) source line, as the converter's do
        lines: list[list[int] | None] = [r.source_lines for _, results in converted for r in results]
        where = [
            f"{d.path}#cell{d.cells[n] + 1}" if d.notebook else d.path for d, rs in converted for n in range(len(rs))
        ]
        # the book's title and its part captions are translated as a title and headings are
        captions = list(dict.fromkeys(part.caption for part in self.book.parts if part.caption))
        title_qmd = "---\ntitle: " + json.dumps(self.book.title, ensure_ascii=False) + "\n---\n"
        title_qmd += "".join(f"\n# {caption}\n" for caption in captions)
        outputs, report, warnings = self.translator.translate_many(
            [p[3] for p in pieces] + [title_qmd], where + ["_config.yml"], lines + [None]
        )
        self.warnings.extend(warnings)
        translated_title = re.search(r'^title: "(.*)"$', outputs[-1], re.M)
        if translated_title:
            self.book.config["_translated_title"] = translated_title.group(1).replace('\\"', '"')
        headings = re.findall(r"^# (.*)$", outputs[-1], re.M)
        if len(headings) == len(captions):
            self.book.config["_translated_parts"] = dict(zip(captions, headings, strict=True))
        new = {key: list(value) for key, value in texts.items()}
        for (doc_id, n, _, _), text in zip(pieces, outputs[:-1], strict=True):
            new[doc_id][n] = text
        self.report.translation_report = report
        return new

    def convert_included(
        self, labels: dict[str, tuple[str, str, str]], chapters: list[tuple[Document, list[str]]]
    ) -> list[tuple[Document, list[Result]]]:
        """Files that chapters include whole (``{{< include part.qmd >}}``) but that are no chapters,
        converted (and the files they include in turn)."""
        done = {c.out_rel for c in self.book.chapters}
        queue = [(d.chapter.out_rel, "".join(t)) for d, t in chapters if d.chapter.out_rel.suffix == ".qmd"]
        found = []
        while queue:
            rel, text = queue.pop()
            for match in re.finditer(r"\{\{<\s*include\s+(\S+)\s*>\}\}", text):
                path = match.group(1)
                base = PurePosixPath("/") if path.startswith("/") else rel.parent
                include_rel = PurePosixPath(os.path.normpath((base / path.lstrip("/")).as_posix()).lstrip("/"))
                if include_rel in done:
                    continue
                done.add(include_rel)
                source = self.book.folder / include_rel.with_suffix(".md")
                if not source.is_file() or not _inside(self.book.folder, source):
                    continue
                chapter = Chapter(source, include_rel.with_suffix(".md"), include_rel)
                document = read_document(chapter)
                result = convert_text(document.pieces[0], path=document.path, options=self.options(chapter, labels))
                self.warnings.extend(result.warnings)
                found.append((document, [result]))
                queue.append((include_rel, result.text))
        return found

    def render(self, document: Document, texts: list[str]) -> str:
        if document.notebook is None:
            return texts[0]
        return render_notebook(document, texts)

    # -- writing -------------------------------------------------------------------------------
    def write_all(self) -> None:
        """Write what changed, all or nothing: into a staging folder inside the output first, then
        moved in with renames (a journal lets the next run finish a commit stopped by ``kill -9``).
        Unchanged files are left alone (incremental)."""
        changed = []
        for rel, output in self.outputs.items():
            if output.same_as(self.out / rel):
                if output.text is not None:
                    self.report.files_unchanged += 1
            else:
                changed.append(rel)
        self.refuse_blocked(changed)
        if not changed:
            return
        # stop signals are held for the whole write phase and looked at between files: before the
        # switch they remove the staging folder and stop (nothing written); during it they wait;
        # after it, the message says the output is complete. ``kill -9``: see :mod:`.commit`
        with interrupts_deferred() as pending:
            commit = Commit(self.out, changed)
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
            if self.outputs[rel].text is not None:
                self.report.files_written += 1
            else:
                self.report.assets_copied += 1

    def refuse_blocked(self, changed: list[PurePosixPath]) -> None:
        """Before anything is written: a file where a folder must go (or the reverse), or an output
        folder that leads back into the book through a link, stops the run."""
        for rel in changed:
            target = self.out / rel
            for parent in [target.parent, *target.parent.parents]:
                if parent == self.out.parent:
                    break
                if parent.exists() and not parent.is_dir():
                    raise BookError(f"cannot write {target}: {parent} is a file, not a folder")
            if target.is_dir():
                raise BookError(f"cannot write {target}: it is a folder")
            existing = next(p for p in [target.parent, *target.parent.parents] if p.exists())
            if not os.access(existing, os.W_OK | os.X_OK):
                raise BookError(f"cannot write {target}: {existing} is not writable")
            if target.parent.exists() and _inside(self.book.folder, target.parent):
                raise BookError(f"{target.parent} leads into the book {self.book.folder}; the input is never written")

    def assets(self) -> list[tuple[PurePosixPath, Path]]:
        """Every other file of the book (images, data, bibliography, _static), to be copied."""
        sources = {c.source.resolve() for c in self.book.chapters}
        patterns = _ALWAYS_EXCLUDED + self.book.exclude
        found = []
        for path in sorted(self.book.folder.rglob("*")):
            if not path.is_file() or path.resolve() in sources:
                continue
            rel = path.relative_to(self.book.folder).as_posix()
            if path.is_symlink() and not _inside(self.book.folder, path):
                self.warnings.append(Warning_(rel, 1, f"{path} points outside the book; not copied", Code.PATH_OUTSIDE))
                continue
            if _excluded(rel, patterns):
                continue
            if path.suffix in (".md", ".ipynb") and not rel.startswith("_static"):
                continue  # documents outside the toc are not part of the Quarto book
            found.append((PurePosixPath(rel), path))
        return found

    def quarto_yml(self) -> str:
        config = self.book.config

        def entry(item: Chapter | ExternalLink) -> Any:
            if isinstance(item, ExternalLink):
                return {"text": item.title, "href": item.url}
            return item.out_rel.as_posix()

        def kept(items: list[Chapter | ExternalLink]) -> list[Any]:
            left_out = self.failed | self.skipped
            return [entry(c) for c in items if not (isinstance(c, Chapter) and c.rel in left_out)]

        chapters: list[Any] = [self.book.root.out_rel.as_posix()]
        for part in self.book.parts:
            files = kept(part.chapters)
            if part.caption:
                caption = config.get("_translated_parts", {}).get(part.caption, part.caption)
                if files:  # a part whose chapters are all left out (--only) is left out too
                    chapters.append({"part": caption, "chapters": files})
            elif part.file is not None and part.file.rel not in self.failed | self.skipped:
                chapters.append({"part": part.file.out_rel.as_posix(), "chapters": files})
            else:
                chapters.extend(files)
        book: dict[str, Any] = {"title": config.get("_translated_title") or self.book.title}
        if config.get("author"):
            book["author"] = str(config["author"])
        book["chapters"] = chapters
        site, html = site_options(config, self.warnings)
        book.update(site)
        data: dict[str, Any] = {"project": {"type": "book"}, "book": book}
        bib = config.get("bibtex_bibfiles") or []
        if bib:
            data["bibliography"] = [str(b) for b in bib]
        language = self.target_lang or config.get("language") or dig(config, "sphinx", "config", "language")
        if language:
            data["lang"] = str(language)
        execute = execute_option(self.settings.execute, config)
        if execute is not None:
            data["execute"] = execute
        numbered = dig(config, "_numbered")
        if numbered:
            data["number-sections"] = True
        data["format"] = {"html": {"theme": "cosmo", **html}}
        header = "# Written by myst2qmd from the Jupyter Book in " + self.book.folder.name + "\n"
        return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


#: the characters of chapter source from which a book is converted in parallel processes
PARALLEL_FROM = 512 * 1024
#: what the workers of :meth:`BookConverter.convert_all` convert (inherited through ``fork``)
_WORK: Any = None


def chosen_by(chapter: Chapter, pattern: str) -> bool:
    """``--only PATTERN`` names ``chapter``: its source path, with or without suffix, or a glob of it."""
    names = (chapter.rel.as_posix(), chapter.rel.with_suffix("").as_posix())
    return any(fnmatch.fnmatchcase(name, pattern.strip("/")) for name in names)


def _book_processes(characters: int, documents: int) -> int:
    """How many processes convert a book's documents (1: this one)."""
    setting = os.environ.get("MYST2QMD_BOOK_PROCESSES", "")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    wanted = int(setting) if setting.isdigit() else (cores if characters >= PARALLEL_FROM else 1)
    import multiprocessing

    if documents < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(wanted, documents))


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C and SIGHUP are the main process's to handle (it stops the workers, with
    SIGTERM, which ends a worker at once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _convert_nth(n: int) -> tuple[list[Result], list[Warning_]]:
    converter, documents, labels = _WORK
    return converter.convert_one(documents[n], labels)


def collect_labels(
    documents: list[Document], macros: dict[str, tuple[str, int]], warnings: list[Warning_], duplicates: list[str]
) -> dict[str, tuple[str, str, str]]:
    """label → (Quarto id, document path, kind) across documents (chapters, or a notebook's cells);
    a label defined in two documents, or two labels that become one id, are reported."""
    found: dict[str, tuple[str, str, str]] = {}
    by_id: dict[str, str] = {}
    for document in documents:
        document.chapter.title = document.chapter.title or next(
            (t for t in (_first_h1(p) for p in document.pieces) if t), ""
        )
        document.parses = [parse_text(piece, document.path) for piece in document.pieces]  # block tokens
        for parsed in document.parses:
            ctx = Context(path=document.path, options=Options(macros=macros))
            Converter(ctx).collect_labels(parsed)
            for name, label in ctx.labels.items():
                if name.startswith("slug:"):
                    found.setdefault(name, (label.quarto_id, document.path, label.kind))
                    continue
                if name in found and found[name][1] != document.path:
                    message = f"label '{name}' is defined in {found[name][1]} and in {document.path}"
                    duplicates.append(message)
                    warnings.append(Warning_(document.path, label.line, message, Code.LABEL_DUPLICATE))
                    continue
                if label.quarto_id in by_id and by_id[label.quarto_id] != name:
                    message = f"labels '{by_id[label.quarto_id]}' and '{name}' both become '#{label.quarto_id}'"
                    duplicates.append(message)
                    warnings.append(Warning_(document.path, label.line, message, Code.LABEL_DUPLICATE))
                found[name] = (label.quarto_id, document.path, label.kind)
                by_id[label.quarto_id] = name
    return found


def convert_notebook(
    source: Path, notebook: dict[str, Any], options: Options, notes: Sequence[tuple[int, str]] = ()
) -> tuple[Document, list[Result]]:
    """A single notebook's Markdown cells converted as a book converts them: labels of every cell
    known to every other cell (``{numref}`` in one cell, ``{figure}`` in another); ``notes``: (cell
    number, message) from reading it, in the document's warnings with its own."""
    document = notebook_document(
        Chapter(source, PurePosixPath(str(source)), PurePosixPath(source.name)), notebook, notes
    )
    cells = document.cells
    warnings: list[Warning_] = []
    labels = collect_labels([document], options.macros, warnings, [])
    cell_options = replace(
        options,
        external_labels={name: qid for name, (qid, _, _) in labels.items()},
        label_pages={name: (kind, "") for name, (_, _, kind) in labels.items()},
        title_from_h1=False,
        source_dir=str(source.resolve().parent),
    )
    results = [
        convert_text(piece, path=f"{source}#cell{cells[n] + 1}", options=cell_options)
        for n, piece in enumerate(document.pieces)
    ]
    if results:
        results[0].warnings[:0] = warnings
    return document, results


def outside_references(document: Document, folder: Path) -> list[Warning_]:
    """Images, links and ``{download}`` targets that lead out of the book folder: they are not
    copied (the link stays as written), and each is reported with its file:line."""
    found = []
    source_dir = document.chapter.source.parent
    for n, piece in enumerate(document.pieces):
        where = document.path if document.notebook is None else f"{document.path}#cell{document.cells[n] + 1}"
        parsed = document.parses[n] if n < len(document.parses) else None
        for line, target in local_targets(piece, parsed=parsed):
            path = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
            if not path:
                continue
            base = folder if path.startswith("/") else source_dir
            if not _inside(folder, base / path.lstrip("/")):
                message = f"{target} leads outside the book; not copied (kept as written)"
                found.append(Warning_(where, line, message, Code.PATH_OUTSIDE))
    return found


_URL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//|#|\{\{)", re.IGNORECASE)
#: ``<img src="…">``, ``<a href="…">``
_HTML_PATH = re.compile(r"\b(?:src|href)\s*=\s*[\"'](?P<p>[^\"']+)")


def local_targets(text: str, offset: int = 0, parsed: Parsed | None = None) -> list[tuple[int, str]]:
    """(line, path) of every local image, link and ``{download}`` target, read from the parser's
    tokens (directive bodies too; ``parsed``: ``text``'s parse, when the label pass made it).

    >>> local_targets("Text\\n\\n![a](../b.png) and {download}`Daten <../d.csv>`\\n")
    [(3, '../b.png'), (3, '../d.csv')]
    """
    return _targets(parsed if parsed is not None else parse_text(text), offset)


def _targets(parsed: Parsed, offset: int) -> list[tuple[int, str]]:
    """:func:`local_targets` of a parse: a Markdown body from the parse's own bodies, any other
    directive's content (a ``{list-table}``'s) parsed as a document of its own. Inline tokens it
    parses keep their children, for the conversion to use (and let go)."""
    found: list[tuple[int, str]] = []
    view, tokens = parsed.view, parsed.tokens
    references = bool((parsed.env or {}).get("references"))
    for index, token in enumerate(tokens):
        line = offset + view.lineno(token.map[0] if token.map else 0)
        if token.type in ("fence", "colon_fence"):
            match = re.match(r"\{([\w:-]+)\}\s*(.*)", token.info.strip())
            if match and not registry.literal_body(match.group(1)):
                if registry.path_argument(match.group(1)) and match.group(2):
                    found.append((line, match.group(2).strip()))
                body = parsed.bodies.get(index)
                if body is not None:
                    found.extend(_targets(body, offset))
                else:
                    found.extend(local_targets(token.content, line))
            continue
        content = token.content
        lazy = parsed.env is not None and token.type == "inline" and not token.children
        if lazy and ("](" in content or "<" in content or "{download}" in content or (references and "[" in content)):
            parse_inline(token, parsed.env or {})
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            target = None
            if child.type == "image":
                target = str(child.attrGet("src") or "")
            elif child.type == "link_open":
                target = str(child.attrGet("href") or "")
            elif child.type == "myst_role" and child.meta.get("name") == "download":
                role = child.content.strip()
                angled = re.search(r"<([^<>]+)>\s*$", role)
                target = angled.group(1) if angled else role
            if target and not _URL.match(target):
                found.append((line, target))
            if child.type == "html_inline":
                found += [(line, m["p"]) for m in _HTML_PATH.finditer(child.content) if not _URL.match(m["p"])]
        if token.type == "html_block":
            found += [(line, m["p"]) for m in _HTML_PATH.finditer(token.content) if not _URL.match(m["p"])]
    return found


_LOCAL = re.compile(r"^(?![a-z][a-z0-9+.\-]*:|/|#|\{\{<|data:)", re.IGNORECASE)
_PATH_SPOTS = [
    re.compile(r"\]\(\s*<?(?P<p>[^)\s>]+)"),  # ![alt](path) and [text](path)
    _HTML_PATH,
    re.compile(r"\{\{<\s*include\s+(?P<p>\S+)"),  # {{< include part.qmd >}}
]


def rebase_paths(qmd: str, prefix: str) -> str:
    """Relative paths in ``qmd`` seen from one folder up: ``_images/a.png`` → ``Markdown/_images/a.png``.

    The root chapter moves from its folder to the project's top as ``index.qmd``; its links and
    images must keep pointing at the same files. Code is left alone.
    """
    if not prefix:
        return qmd
    body = blank_code(qmd)
    edits: list[tuple[int, int, str]] = []
    for pattern in _PATH_SPOTS:
        for match in pattern.finditer(body):
            start, end = match.span("p")
            path = qmd[start:end]
            # links to chapters were already resolved from index.qmd's point of view
            if _LOCAL.match(path) and not re.search(r"\.(qmd|ipynb)(#|$)", path):
                edits.append((start, end, os.path.normpath(prefix + path).replace(os.sep, "/")))
    for start, end, new in sorted(edits, reverse=True):
        qmd = qmd[:start] + new + qmd[end:]
    return qmd


def book_converter(
    folder: Path, out: Path, *, settings: Settings | None = None, translator: Any = None, reserved: Sequence[Path] = ()
) -> BookConverter:
    """The converter for the book in ``folder`` (its table of contents read, warnings kept)."""
    warnings: list[Warning_] = []
    book = read_book(folder, warnings)
    converter = BookConverter(book, out, settings=settings, translator=translator, reserved=reserved)
    converter.warnings[:0] = warnings
    return converter


def convert_book(
    folder: Path, out: Path, *, settings: Settings | None = None, translator: Any = None
) -> tuple[BookReport, list[Warning_]]:
    """Convert the book in ``folder`` into a Quarto book in ``out`` (``settings``: the run's, else the defaults)."""
    converter = book_converter(folder, out, settings=settings, translator=translator)
    report = converter.run()
    return report, converter.warnings
