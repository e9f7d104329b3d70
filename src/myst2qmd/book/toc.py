"""The table of contents: ``_toc.yml`` (+ ``_config.yml``) or ``myst.yml`` read into a :class:`Book`.

Entries become chapters (``file:``), the documents a ``glob:``/``pattern:`` names, or external
links (``url:``); parts keep their captions. What cannot be followed is warned with its toc line.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..codes import Code
from ..context import Warning_
from ..files import read_bounded, unnameable
from ..notebooks import Chapter
from ..yamlload import YamlRefused, load_yaml

#: book folders never copied
ALWAYS_EXCLUDED = [
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
SOURCE_SUFFIXES = (".md", ".ipynb", ".myst", ".markdown")


class BookError(ValueError):
    """The folder is not a book we can read, or a path is unsafe (message says why)."""


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
    #: ``_toc.yml`` as read (Jupyter Book 1: its ``numbered`` options, :mod:`.numbering`)
    toc: dict[str, Any] = field(default_factory=dict)
    #: ``myst.yml``'s ``project:`` as read (Jupyter Book 2: :mod:`..constructs.project`); empty for Jupyter Book 1
    project: dict[str, Any] = field(default_factory=dict)

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


def inside(folder: Path, path: Path) -> bool:
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


def excluded(rel: str, patterns: Sequence[str]) -> bool:
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
                if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                    continue
                shown = unnameable(rel)
                if shown is not None:
                    why = f"{shown}: the file name is not UTF-8; left out of the book (rename the file)"
                    self.warnings.append(Warning_(shown, 1, why, Code.FILE_UNREADABLE))
                    continue
                if any(part.startswith(".") for part in rel.split("/")):
                    continue
                if excluded(rel, ALWAYS_EXCLUDED + self.exclude):
                    continue
                found.append(rel)
            # as Sphinx sorts document names; one name in two files: the order a file entry picks
            self._documents = sorted(
                found, key=lambda r: (r.rsplit(".", 1)[0], SOURCE_SUFFIXES.index("." + r.rsplit(".", 1)[1]))
            )
        return self._documents

    def chapter(self, entry: str, line: int = 1, is_root: bool = False, quiet_repeat: bool = False) -> Chapter | None:
        """The chapter for a toc entry (``Markdown/intro``: suffix optional, path normalised)."""
        normal = normalise_toc_path(entry)
        if normal is None:
            self.warn(line, f"{entry.strip()} is outside the book; not followed", Code.PATH_OUTSIDE)
            return None
        candidates = [normal] if Path(normal).suffix in SOURCE_SUFFIXES else [normal + s for s in SOURCE_SUFFIXES]
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
                if not inside(self.folder, path):
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


def _jupyter_book(reader: _TocReader, toc: dict[str, Any]) -> tuple[Chapter, list[Part]]:
    """The root and parts of a ``_toc.yml`` (``parts:`` with captions, or ``chapters:``/``sections:``)."""
    root_entry = toc.get("root")
    if not root_entry:
        raise BookError("_toc.yml has no 'root'")
    root = reader.chapter(str(root_entry), _line(toc), is_root=True)
    if root is None:
        raise BookError(f"the root document {root_entry} of _toc.yml does not exist")
    parts: list[Part] = []
    if "parts" in toc:
        for part in reader.listed(toc["parts"], _line(toc), "parts"):
            if not isinstance(part, dict):
                reader.warn(_line(toc), f"part {part!r} is not a mapping; left out", Code.TOC_INVALID)
                continue
            chapters: list[Chapter | ExternalLink] = []
            reader.entries(reader.listed(part.get("chapters"), _line(part), "chapters"), chapters)
            parts.append(Part(str(part.get("caption") or "") or None, None, chapters))
    else:
        key = "chapters" if "chapters" in toc else "sections"
        items = reader.listed(toc.get(key), _line(toc), key)
        for n, item in enumerate(items):
            if not isinstance(item, dict) or "file" not in item:
                loose: list[Chapter | ExternalLink] = []
                reader.entries([item], loose, getattr(items, "lines", [])[n : n + 1])
                parts.append(Part(None, None, loose))
                continue
            head = reader.chapter(str(item["file"]), _line(item))
            if head is not None and item.get("title"):
                head.title = str(item["title"])
            children: list[Chapter | ExternalLink] = []
            reader.entries(reader.listed(item.get("sections"), _line(item), "sections"), children)
            if head is not None and children:
                parts.append(Part(None, head, children))
            elif head is not None:
                parts.append(Part(None, None, [head]))
            else:
                parts.append(Part(None, None, children))
    return root, parts


def _myst_project(reader: _TocReader, project: dict[str, Any]) -> tuple[Chapter, list[Part]]:
    """The root and parts of ``myst.yml``'s ``project.toc`` (the first file is the root)."""
    toc = reader.listed(project.get("toc"), _line(project), "toc")
    flat: list[dict[str, Any]] = [i for i in toc if isinstance(i, dict)]
    if not flat or "file" not in flat[0]:
        raise BookError("myst.yml project.toc must start with a file")
    root = reader.chapter(str(flat[0]["file"]), _line(flat[0]), is_root=True)
    if root is None:
        raise BookError(f"the first document {flat[0]['file']} of myst.yml does not exist")
    parts: list[Part] = []
    for item in toc[1:]:
        chapters: list[Chapter | ExternalLink] = []
        if isinstance(item, dict) and "file" in item:
            head = reader.chapter(str(item["file"]), _line(item))
            if head is not None and item.get("title"):
                head.title = str(item["title"])
            reader.entries(reader.listed(item.get("children"), _line(item), "children"), chapters)
            parts.append(Part(None, head, chapters) if chapters else Part(None, None, [head] if head else []))
        elif isinstance(item, dict) and "children" in item:
            reader.entries(reader.listed(item.get("children"), _line(item), "children"), chapters)
            parts.append(Part(str(item.get("title") or "") or None, None, chapters))
        else:
            reader.entries([item], chapters)
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
        root, parts = _jupyter_book(reader, toc)
    elif (folder / "myst.yml").is_file():
        reader = _TocReader(folder, warnings, "myst.yml")
        data = _load_yaml(folder / "myst.yml")
        project = data.get("project") if isinstance(data, dict) else None
        if not isinstance(project, dict):
            raise BookError("myst.yml has no 'project' mapping")
        exclude = [str(p) for p in project.get("exclude") or []]
        reader.exclude = exclude
        root, parts = _myst_project(reader, project)
        config = {
            "title": project.get("title"),
            "author": _authors(project.get("authors")),
            "bibtex_bibfiles": project.get("bibliography") or [],
            "language": project.get("language"),
            "_myst_math": project.get("math") or {},
        }
        return Book(folder=folder, config=config, root=root, parts=parts, exclude=exclude, project=project)
    else:
        raise BookError(f"{folder} has neither _toc.yml nor myst.yml")
    return Book(folder=folder, config=config, root=root, parts=parts, exclude=exclude, toc=toc)


def _authors(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(a.get("name", a)) if isinstance(a, dict) else str(a) for a in value)
    return str(value or "")
