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
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .constructs.code import TAG_OPTIONS
from .context import Context, Options, Warning_
from .convert import Converter, Result, convert_text
from .macros import dig, macros_from_config
from .source import View
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
]
_SOURCE_SUFFIXES = (".md", ".ipynb", ".myst", ".markdown")


class BookError(ValueError):
    """The folder is not a book we can read (message says why)."""


@dataclass
class Chapter:
    """One document of the book."""

    source: Path
    rel: PurePosixPath  # relative to the book folder, with its suffix
    out_rel: PurePosixPath  # where it is written, relative to the output folder
    is_root: bool = False
    title: str = ""

    @property
    def is_notebook(self) -> bool:
        return self.source.suffix == ".ipynb"


@dataclass
class Part:
    """A group of chapters: a caption (``part: "Title"``), a part file, or none."""

    caption: str | None
    file: Chapter | None
    chapters: list[Chapter] = field(default_factory=list)


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
            out.extend(part.chapters)
        return out

    @property
    def title(self) -> str:
        return str(self.config.get("title") or self.root.title or self.folder.name)


def is_book(folder: Path) -> bool:
    return folder.is_dir() and ((folder / "_toc.yml").is_file() or (folder / "myst.yml").is_file())


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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


class _TocReader:
    """Reads ``_toc.yml`` (Jupyter Book 1) or the ``toc`` of ``myst.yml`` into chapters."""

    def __init__(self, folder: Path, warnings: list[Warning_]):
        self.folder = folder
        self.warnings = warnings
        self.seen: set[PurePosixPath] = set()

    def warn(self, message: str) -> None:
        self.warnings.append(Warning_("_toc.yml", 1, message))

    def chapter(self, entry: str, is_root: bool = False) -> Chapter | None:
        """The chapter for a toc entry (``Markdown/intro``: suffix optional)."""
        entry = entry.strip().lstrip("/")
        candidates = [entry] if Path(entry).suffix in _SOURCE_SUFFIXES else [entry + s for s in _SOURCE_SUFFIXES]
        for candidate in candidates:
            path = self.folder / candidate
            if path.is_file():
                if not _inside(self.folder, path):
                    self.warn(f"{entry} is outside the book; not followed")
                    return None
                rel = PurePosixPath(candidate)
                if rel in self.seen:
                    self.warn(f"{entry} appears twice in the table of contents; converted once")
                    return None
                self.seen.add(rel)
                suffix = ".ipynb" if path.suffix == ".ipynb" else ".qmd"
                out = (
                    PurePosixPath("index.qmd" if is_root and suffix == ".qmd" else "index.ipynb")
                    if is_root
                    else rel.with_suffix(suffix)
                )
                return Chapter(path, rel, out, is_root)
        self.warn(f"table of contents names {entry}, which does not exist")
        return None

    def entries(self, items: Any, out: list[Chapter]) -> None:
        """Chapters of a list of toc entries, sections flattened after their chapter."""
        for item in items or []:
            if not isinstance(item, dict):
                continue
            if "file" in item:
                found = self.chapter(str(item["file"]))
                if found is not None:
                    if item.get("title"):
                        found.title = str(item["title"])
                    out.append(found)
            elif "glob" in item:
                for path in sorted(self.folder.glob(str(item["glob"]) + "*")):
                    if path.suffix in _SOURCE_SUFFIXES:
                        found = self.chapter(path.relative_to(self.folder).as_posix())
                        if found is not None:
                            out.append(found)
            elif "url" in item:
                self.warn(f"external toc entry {item['url']} has no Quarto book equivalent; left out")
            for key in ("sections", "chapters", "children"):
                if key in item and "caption" not in item:
                    self.entries(item[key], out)

    def jupyter_book(self, toc: dict[str, Any]) -> tuple[Chapter, list[Part]]:
        root_entry = toc.get("root")
        if not root_entry:
            raise BookError("_toc.yml has no 'root'")
        root = self.chapter(str(root_entry), is_root=True)
        if root is None:
            raise BookError(f"the root document {root_entry} of _toc.yml does not exist")
        parts: list[Part] = []
        if "parts" in toc:
            for part in toc["parts"] or []:
                chapters: list[Chapter] = []
                self.entries(part.get("chapters"), chapters)
                parts.append(Part(str(part.get("caption") or "") or None, None, chapters))
        else:
            for item in toc.get("chapters") or toc.get("sections") or []:
                if not isinstance(item, dict):
                    continue
                head = self.chapter(str(item["file"])) if "file" in item else None
                children: list[Chapter] = []
                self.entries(item.get("sections"), children)
                if head is not None and children:
                    parts.append(Part(None, head, children))
                elif head is not None:
                    parts.append(Part(None, None, [head]))
                else:
                    parts.append(Part(None, None, children))
        return root, parts

    def myst_project(self, project: dict[str, Any]) -> tuple[Chapter, list[Part]]:
        toc = project.get("toc") or []
        flat: list[dict[str, Any]] = [i for i in toc if isinstance(i, dict)]
        if not flat or "file" not in flat[0]:
            raise BookError("myst.yml project.toc must start with a file")
        root = self.chapter(str(flat[0]["file"]), is_root=True)
        if root is None:
            raise BookError(f"the first document {flat[0]['file']} of myst.yml does not exist")
        parts: list[Part] = []
        for item in flat[1:]:
            chapters: list[Chapter] = []
            if "file" in item:
                head = self.chapter(str(item["file"]))
                self.entries(item.get("children"), chapters)
                parts.append(Part(None, head, chapters) if chapters else Part(None, None, [head] if head else []))
            else:
                self.entries(item.get("children"), chapters)
                parts.append(Part(str(item.get("title") or "") or None, None, chapters))
        return root, parts


def read_book(folder: Path, warnings: list[Warning_] | None = None) -> Book:
    """The book in ``folder`` (Jupyter Book 1 ``_toc.yml``/``_config.yml`` or MyST ``myst.yml``)."""
    warnings = warnings if warnings is not None else []
    reader = _TocReader(folder, warnings)
    if (folder / "_toc.yml").is_file():
        toc = _load_yaml(folder / "_toc.yml")
        config = _load_yaml(folder / "_config.yml") if (folder / "_config.yml").is_file() else {}
        if not isinstance(toc, dict) or not isinstance(config, dict):
            raise BookError("_toc.yml and _config.yml must be YAML mappings")
        root, parts = reader.jupyter_book(toc)
        exclude = [str(p) for p in config.get("exclude_patterns") or []]
    elif (folder / "myst.yml").is_file():
        data = _load_yaml(folder / "myst.yml")
        project = data.get("project") if isinstance(data, dict) else None
        if not isinstance(project, dict):
            raise BookError("myst.yml has no 'project' mapping")
        root, parts = reader.myst_project(project)
        config = {
            "title": project.get("title"),
            "author": _authors(project.get("authors")),
            "bibtex_bibfiles": project.get("bibliography") or [],
            "language": project.get("language"),
            "_myst_math": project.get("math") or {},
            "parse": {"myst_substitutions": project.get("abbreviations") or {}},
        }
        exclude = [str(p) for p in project.get("exclude") or []]
    else:
        raise BookError(f"{folder} has neither _toc.yml nor myst.yml")
    return Book(folder=folder, config=config, root=root, parts=parts, exclude=exclude)


def _authors(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(a.get("name", a)) if isinstance(a, dict) else str(a) for a in value)
    return str(value or "")


# -- reading documents ---------------------------------------------------------------------


@dataclass
class Document:
    """A chapter's MyST text: one piece for a .md file, one per Markdown cell of a notebook."""

    chapter: Chapter
    pieces: list[str]
    notebook: dict[str, Any] | None = None
    #: index of the notebook cell behind each piece
    cells: list[int] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.chapter.rel.as_posix()


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_document(chapter: Chapter) -> Document:
    try:
        raw = chapter.source.read_bytes()
    except OSError as exc:
        raise BookError(f"cannot read {chapter.rel}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BookError(f"{chapter.rel} is not UTF-8 text (offset {exc.start})") from exc
    if not chapter.is_notebook:
        return Document(chapter, [text])
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BookError(f"{chapter.rel} is not a valid notebook (line {exc.lineno}: {exc.msg})") from exc
    pieces, cells = [], []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            pieces.append(_cell_source(cell))
            cells.append(index)
    return Document(chapter, pieces, notebook, cells)


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
    references_resolved: int = 0
    references_unresolved: int = 0
    duplicate_labels: list[str] = field(default_factory=list)
    translation_report: TranslationReport | None = None

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
            "constructs": dict(sorted(self.constructs.items())),
            "warnings": self.warnings,
            "references": {"resolved": self.references_resolved, "unresolved": self.references_unresolved},
            "duplicate_labels": self.duplicate_labels,
            "translation": self.translation,
        }


def _first_h1(text: str) -> str:
    match = re.search(r"(?m)^#\s+(.+?)\s*#*\s*$", re.sub(r"(?s)^---\n.*?\n---\n", "", text))
    return match.group(1).strip() if match else ""


def _relative(target: PurePosixPath, start: PurePosixPath) -> str:
    return os.path.relpath(target.as_posix(), start.parent.as_posix() or ".").replace(os.sep, "/")


class BookConverter:
    """Converts a :class:`Book` into a Quarto book folder."""

    def __init__(
        self,
        book: Book,
        out: Path,
        *,
        images_path: str | None = None,
        translator: Any = None,
        target_lang: str | None = None,
    ):
        self.book = book
        self.out = out
        self.images_path = images_path
        self.translator = translator
        self.target_lang = target_lang
        self.report = BookReport()
        self.warnings: list[Warning_] = []
        self.by_source: dict[PurePosixPath, Chapter] = {c.rel: c for c in book.chapters}
        self.macros = macros_from_config(book.config)
        if not self.macros and book.config.get("_myst_math"):
            self.macros = macros_from_config({"math": book.config["_myst_math"]})
        parse = book.config.get("parse") or {}
        subs = parse.get("myst_substitutions") if isinstance(parse, dict) else None
        self.substitutions = {str(k): str(v) for k, v in (subs or {}).items()}
        extensions = parse.get("myst_enable_extensions") if isinstance(parse, dict) else None
        self.extensions = {str(e) for e in extensions or []}

    # -- labels across the book ----------------------------------------------------------------
    def collect_labels(self, documents: list[Document]) -> dict[str, tuple[str, str, str]]:
        """label → (Quarto id, chapter path, kind); duplicates across chapters are reported."""
        found: dict[str, tuple[str, str, str]] = {}
        by_id: dict[str, str] = {}
        for document in documents:
            document.chapter.title = document.chapter.title or next(
                (t for t in (_first_h1(p) for p in document.pieces) if t), ""
            )
            for piece in document.pieces:
                ctx = Context(path=document.path, options=Options(macros=self.macros))
                converter = Converter(ctx)
                converter.collect_labels(converter.parse(View.root(piece.replace("\r\n", "\n"))))
                for name, label in ctx.labels.items():
                    if name.startswith("slug:"):
                        found.setdefault(name, (label.quarto_id, document.path, label.kind))
                        continue
                    if name in found and found[name][1] != document.path:
                        message = f"label '{name}' is defined in {found[name][1]} and in {document.path}"
                        self.report.duplicate_labels.append(message)
                        self.warnings.append(Warning_(document.path, label.line, message))
                        continue
                    if label.quarto_id in by_id and by_id[label.quarto_id] != name:
                        message = f"labels '{by_id[label.quarto_id]}' and '{name}' both become '#{label.quarto_id}'"
                        self.report.duplicate_labels.append(message)
                        self.warnings.append(Warning_(document.path, label.line, message))
                    found[name] = (label.quarto_id, document.path, label.kind)
                    by_id[label.quarto_id] = name
        return found

    def resolver(self, chapter: Chapter) -> Any:
        """``{doc}`` targets as written in ``chapter`` → (link to the output file, its title)."""

        def resolve(target: str) -> tuple[str, str] | None:
            target, _, anchor = target.partition("#")
            base = PurePosixPath("/") if target.startswith("/") else chapter.rel.parent
            joined = PurePosixPath(os.path.normpath((base / target.lstrip("/")).as_posix())).as_posix().lstrip("/")
            for candidate in [joined] + [joined + s for s in _SOURCE_SUFFIXES]:
                hit = self.by_source.get(PurePosixPath(candidate))
                if hit is not None:
                    href = _relative(hit.out_rel, chapter.out_rel)
                    return href + (f"#{anchor}" if anchor else ""), hit.title
            return None

        return resolve

    # -- chapters ----------------------------------------------------------------------------
    def options(self, chapter: Chapter, labels: dict[str, tuple[str, str, str]]) -> Options:
        out_of = {c.rel.as_posix(): c.out_rel for c in self.book.chapters}
        pages = {
            name: (kind, "" if path == chapter.rel.as_posix() else _relative(out_of[path], chapter.out_rel))
            for name, (_, path, kind) in labels.items()
        }
        return Options(
            images_path=self.images_path,
            macros=self.macros,
            external_labels={name: qid for name, (qid, _, _) in labels.items()},
            label_pages=pages,
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
            result = convert_text(piece, path=where, options=self.options(document.chapter, labels))
            results.append(result)
        return results

    def run(self) -> BookReport:
        if self.out.resolve() == self.book.folder.resolve():
            raise BookError("the output folder must not be the book folder itself")
        documents = [read_document(chapter) for chapter in self.book.chapters]
        labels = self.collect_labels(documents)
        converted: list[tuple[Document, list[Result]]] = []
        for document in documents:
            results = self.convert_document(document, labels)
            converted.append((document, results))
            self.report.files_converted += 1
            for result in results:
                self.report.constructs.update(result.counts)
                self.report.references_unresolved += result.counts.get("unresolved reference", 0)
                self.report.references_resolved += result.counts.get("reference", 0) - result.counts.get(
                    "unresolved reference", 0
                )
                self.warnings.extend(result.warnings)
        texts = {id(d): [r.text for r in results] for d, results in converted}
        root = self.book.root
        prefix = root.rel.parent.as_posix()
        if prefix not in ("", "."):
            texts[id(documents[0])] = [rebase_paths(t, prefix + "/") for t in texts[id(documents[0])]]
        if self.translator is not None:
            texts = self.translate(converted, texts)
        self.out.mkdir(parents=True, exist_ok=True)
        for document, _ in converted:
            self.write(document.chapter.out_rel, self.render(document, texts[id(document)]))
        self.convert_included(labels)
        self.copy_assets()
        self.write(PurePosixPath("_quarto.yml"), self.quarto_yml())
        for warning in self.warnings:
            self.report.warnings.setdefault(warning.path.split("#")[0], []).append(f"{warning.line}: {warning.message}")
        return self.report

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
        title_qmd = "---\ntitle: " + json.dumps(self.book.title, ensure_ascii=False) + "\n---\n"
        outputs, report, warnings = self.translator.translate_many(
            [p[3] for p in pieces] + [title_qmd], where + ["_config.yml"], lines + [None]
        )
        self.warnings.extend(warnings)
        translated_title = re.search(r'^title: "(.*)"$', outputs[-1], re.M)
        if translated_title:
            self.book.config["_translated_title"] = translated_title.group(1).replace('\\"', '"')
        new = {key: list(value) for key, value in texts.items()}
        for (doc_id, n, _, _), text in zip(pieces, outputs[:-1], strict=True):
            new[doc_id][n] = text
        self.report.translation_report = report
        return new

    def convert_included(self, labels: dict[str, tuple[str, str, str]]) -> None:
        """Files that chapters include whole (``{{< include part.qmd >}}``) but that are no chapters."""
        done = {c.out_rel for c in self.book.chapters}
        queue = [c.out_rel for c in self.book.chapters]
        while queue:
            rel = queue.pop()
            target = self.out / rel
            if target.suffix != ".qmd" or not target.is_file():
                continue
            for match in re.finditer(r"\{\{<\s*include\s+(\S+)\s*>\}\}", target.read_text(encoding="utf-8")):
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
                self.write(include_rel, result.text)
                queue.append(include_rel)

    def render(self, document: Document, texts: list[str]) -> str:
        if document.notebook is None:
            return texts[0]
        notebook = json.loads(json.dumps(document.notebook))
        cells = notebook.get("cells", [])
        for index, text in zip(document.cells, texts, strict=True):
            cells[index]["source"] = text.splitlines(keepends=True)
        for cell in cells:
            if cell.get("cell_type") == "code":
                _cell_options(cell)
        # front matter written into the first Markdown cell belongs in a raw cell on top
        if document.cells:
            first = cells[document.cells[0]]
            source = "".join(first["source"])
            match = re.match(r"(?s)^(---\n.*?\n---\n)\n*(.*)$", source)
            if match:
                first["source"] = match.group(2).splitlines(keepends=True)
                cells.insert(
                    0, {"cell_type": "raw", "metadata": {}, "source": match.group(1).splitlines(keepends=True)}
                )
        return json.dumps(notebook, ensure_ascii=False, indent=1) + "\n"

    def write(self, rel: PurePosixPath, text: str) -> None:
        """Write ``text`` to ``out/rel`` atomically, and only if it differs from what is there."""
        from .cli import write_atomically

        target = self.out / rel
        if target.is_file():
            try:
                if target.read_text(encoding="utf-8") == text:
                    self.report.files_unchanged += 1
                    return
            except (OSError, UnicodeDecodeError):
                pass
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text)
        self.report.files_written += 1

    def copy_assets(self) -> None:
        """Every other file of the book (images, data, bibliography, _static) is copied."""
        sources = {c.source.resolve() for c in self.book.chapters}
        patterns = _ALWAYS_EXCLUDED + self.book.exclude
        out_resolved = self.out.resolve()
        for path in sorted(self.book.folder.rglob("*")):
            if not path.is_file() or path.resolve() in sources:
                continue
            if path.is_symlink() and not _inside(self.book.folder, path):
                self.warnings.append(Warning_(path.name, 1, f"{path} points outside the book; not copied"))
                continue
            resolved = path.resolve()
            if out_resolved in resolved.parents:
                continue
            rel = path.relative_to(self.book.folder).as_posix()
            if any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(path.name, p) for p in patterns):
                continue
            if path.suffix in (".md", ".ipynb") and not rel.startswith("_static"):
                continue  # documents outside the toc are not part of the Quarto book
            target = self.out / rel
            if (
                target.is_file()
                and target.stat().st_size == path.stat().st_size
                and target.read_bytes() == path.read_bytes()
            ):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            self.report.assets_copied += 1

    def quarto_yml(self) -> str:
        config = self.book.config
        chapters: list[Any] = [self.book.root.out_rel.as_posix()]
        for part in self.book.parts:
            files = [c.out_rel.as_posix() for c in part.chapters]
            if part.caption:
                chapters.append({"part": part.caption, "chapters": files})
            elif part.file is not None:
                chapters.append({"part": part.file.out_rel.as_posix(), "chapters": files})
            else:
                chapters.extend(files)
        book: dict[str, Any] = {"title": config.get("_translated_title") or self.book.title}
        if config.get("author"):
            book["author"] = str(config["author"])
        book["chapters"] = chapters
        data: dict[str, Any] = {"project": {"type": "book"}, "book": book}
        bib = config.get("bibtex_bibfiles") or []
        if bib:
            data["bibliography"] = [str(b) for b in bib]
        language = self.target_lang or config.get("language") or dig(config, "sphinx", "config", "language")
        if language:
            data["lang"] = str(language)
        execute = dig(config, "execute", "execute_notebooks")
        if execute in ("off", False, "false"):
            data["execute"] = {"enabled": False}
        elif execute == "cache":
            data["execute"] = {"freeze": "auto"}
        numbered = dig(config, "_numbered")
        if numbered:
            data["number-sections"] = True
        data["format"] = {"html": {"theme": "cosmo"}}
        header = "# Written by myst2qmd from the Jupyter Book in " + self.book.folder.name + "\n"
        return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


_LOCAL = re.compile(r"^(?![a-z][a-z0-9+.\-]*:|/|#|\{\{<|data:)", re.IGNORECASE)
_PATH_SPOTS = [
    re.compile(r"\]\(\s*<?(?P<p>[^)\s>]+)"),  # ![alt](path) and [text](path)
    re.compile(r"\b(?:src|href)\s*=\s*[\"'](?P<p>[^\"']+)"),  # <img src="…">, <a href="…">
    re.compile(r"\{\{<\s*include\s+(?P<p>\S+)"),  # {{< include part.qmd >}}
]


def rebase_paths(qmd: str, prefix: str) -> str:
    """Relative paths in ``qmd`` seen from one folder up: ``_images/a.png`` → ``Markdown/_images/a.png``.

    The root chapter moves from its folder to the project's top as ``index.qmd``; its links and
    images must keep pointing at the same files. Code is left alone.
    """
    from .check import blank_code

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


def _cell_options(cell: dict[str, Any]) -> None:
    """Notebook code-cell tags as ``#|`` options at the top of the cell (once)."""
    tags = (cell.get("metadata") or {}).get("tags") or []
    options = [f"#| {k}: {v}" for k, v in dict(TAG_OPTIONS[t] for t in tags if t in TAG_OPTIONS).items()]
    if not options:
        return
    source = _cell_source(cell)
    if source.startswith("#|"):
        return
    cell["source"] = ("\n".join(options) + "\n" + source).splitlines(keepends=True)


def convert_book(folder: Path, out: Path, **kwargs: Any) -> tuple[BookReport, list[Warning_]]:
    """Convert the book in ``folder`` into a Quarto book in ``out``."""
    warnings: list[Warning_] = []
    book = read_book(folder, warnings)
    converter = BookConverter(book, out, **kwargs)
    converter.warnings.extend(warnings)
    report = converter.run()
    return report, converter.warnings
