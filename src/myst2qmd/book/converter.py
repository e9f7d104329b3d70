"""A book run, start to end: read the chapters, collect the labels of every chapter, convert them
(in parallel processes for a big book), translate, plan the output folder and write it.

Each step is a module of this package (:mod:`.toc`, :mod:`.labels`, :mod:`.links`,
:mod:`.workers`, :mod:`.translation`, :mod:`.output`); :class:`BookConverter` holds the run's
state and calls them in order.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from ..codes import Code
from ..commit import OutputError, output_locked
from ..config import Settings
from ..constructs.project import myst_extension
from ..context import Options, Warning_
from ..convert import Result, convert_text
from ..files import watching
from ..finish import finish_all
from ..labelpass import join_labels
from ..macros import macros_from_config
from ..notebooks import (
    Chapter,
    Document,
    DocumentError,
    NotebookError,
    document_label_sets,
    name_chapter,
    read_document,
    render_notebook,
)
from .labels import Labels, LabelTargets
from .links import document_resolver, includes, outside_references, rebase_paths
from .numbering import Numbering, book_numbering, toc_numbering, unnumbered_notebooks
from .output import (
    QUARTO_YML,
    Output,
    Staging,
    assets,
    assign_outputs,
    quarto_yml,
    refuse_reserved,
    refuse_unsafe_paths,
)
from .report import BookReport
from .reuse import MANIFEST, Reuse, chapter_key, settings_digest
from .toc import Book, BookError, inside, read_book
from .translation import Texts, translate_book
from .watch import Seen, Watch, WatchedIds, WatchedPages, watched_resolver
from .workers import Converted, LabelSets, collect_and_convert, drop_parses


def book_options(book: Book, user: Options) -> Options:
    """What every chapter of ``book`` is converted with: the user's options (``user``), with the
    book's macros (``--macros`` adds to and wins over them), substitutions and extensions."""
    macros = macros_from_config(book.config)
    if not macros and book.config.get("_myst_math"):
        macros = macros_from_config({"math": book.config["_myst_math"]})
    macros.update(user.macros)
    parse = book.config.get("parse") or {}
    subs = parse.get("myst_substitutions") if isinstance(parse, dict) else None
    return replace(
        user,
        macros=macros,
        substitutions={str(k): str(v) for k, v in (subs or {}).items()},
        linkify=myst_extension(book.config, "linkify"),
        fieldlist=myst_extension(book.config, "fieldlist"),
        abbreviations={str(k): str(v) for k, v in (book.project.get("abbreviations") or {}).items()},
        root_dir=str(book.folder),
        title_from_h1=False,
    )


def render(document: Document, texts: list[str]) -> str:
    """The output file of a converted document: its text, or the notebook with its converted cells."""
    return texts[0] if document.notebook is None else render_notebook(document, texts)


def chosen_by(chapter: Chapter, pattern: str) -> bool:
    """``--only PATTERN`` names ``chapter``: its source path, with or without suffix, or a glob of it."""
    names = (chapter.rel.as_posix(), chapter.rel.with_suffix("").as_posix())
    return any(fnmatch.fnmatchcase(name, pattern.strip("/")) for name in names)


def read_chapter(chapter: Chapter) -> Document:
    """The chapter's text (:func:`.notebooks.read_document`); :class:`BookError` when it cannot be read."""
    try:
        return read_document(chapter)
    except DocumentError as exc:
        raise BookError(str(exc)) from exc


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
        self.translator = translator
        self.target_lang = self.settings.target_lang if translator is not None else None
        #: other paths this run writes (``--report``): never one of the outputs
        self.reserved = list(reserved)
        self.report = BookReport()
        self.warnings: list[Warning_] = []
        self.staging = Staging(out, book.folder, self.warnings, self.report)
        self.failed: set[PurePosixPath] = set()
        #: chapters ``--only`` left out that the output folder does not hold: not in ``_quarto.yml``
        self.skipped: set[PurePosixPath] = set()
        #: what was done to finish or clean up after a stopped run into the same folder
        self.recovered: list[str] = []
        #: called once everything is converted and translated, right before the output is written
        #: (the application stages the PO files there: one that cannot be written stops the run first)
        self.before_write: Callable[[], object] | None = None
        #: the chapters by their source's path in the book (``a/b.md``): what ``{doc}`` targets name
        self.by_source: dict[str, Chapter] = {c.rel.as_posix(): c for c in book.chapters}
        self.chapter_options = book_options(book, self.user_options)
        #: chapters numbered otherwise than the book (their front matter says so)
        self.numbering = book_numbering(book, toc_numbering(book.toc)) if not book.project else Numbering()
        self.warnings += unnumbered_notebooks(book, self.numbering)
        #: the book's labels and their targets, worked out once (see :meth:`options`)
        self._label_table: tuple[Labels, LabelTargets] | None = None
        #: what the last run into ``out`` left to reuse, and the new manifest (:mod:`.reuse`)
        self.reuse = Reuse(out, "", enabled=False, write=False)
        #: what the chapters' looked-up labels, documents and files are in this run (:mod:`.watch`)
        self.seen: Seen | None = None

    @property
    def committed(self) -> bool:
        """Whether the output folder holds the complete new book (set while Ctrl-C waits)."""
        return self.staging.committed

    # -- converting ----------------------------------------------------------------------------
    def targets(self, labels: Labels) -> LabelTargets:
        """The book's labels and their pages, worked out once."""
        if self._label_table is None or self._label_table[0] is not labels:
            out_of = {c.rel.as_posix(): c.out_rel for c in self.book.chapters}
            self._label_table = (labels, LabelTargets(labels, out_of))
        return self._label_table[1]

    def meta(self, chapter: Chapter) -> Mapping[str, Any]:
        """The front matter the book's numbering gives ``chapter``."""
        return {} if chapter.is_notebook else self.numbering.chapters.get(chapter.rel, {})

    def options(self, chapter: Chapter, labels: Labels, watch: Watch | None = None) -> Options:
        """What ``chapter`` is converted with: the book's options, its labels as seen from it (what
        it looks up of them noted in ``watch``)."""
        targets = self.targets(labels)
        watch = watch if watch is not None else Watch()
        pages = targets.pages_for(chapter.rel.as_posix(), chapter.out_rel)
        return replace(
            self.chapter_options,
            project_meta=self.meta(chapter),
            external_labels=WatchedIds(targets.ids, watch),
            label_pages=WatchedPages(pages, watch),
            resolve_document=watched_resolver(document_resolver(chapter, self.by_source), watch),
            source_dir=str(chapter.source.parent),
        )

    def convert_one(self, document: Document, labels: Labels) -> Converted:
        """A document's converted pieces, its references that lead out of the book, and what it
        looked up of the book and the file system (:class:`.watch.Watch`)."""
        self.read_after_all(document)  # in a worker: not read in the parent before it was forked
        # paths first: the inline tokens it parses are the conversion's, which lets them go
        outside = outside_references(document, self.book.folder)
        watch = Watch()
        options = self.options(document.chapter, labels, watch)
        results = []
        with watching() as files:
            for n, piece in enumerate(document.pieces):
                parsed = document.parses[n] if n < len(document.parses) else None
                results.append(convert_text(piece, path=document.where(n), options=options, parsed=parsed))
        if self.translator is None:  # their source lines are read by the translation only: never worked out
            for result in results:
                result.lines_from = None
        watch.files = files
        drop_parses(document)  # its last reader: let the tokens go
        return results, outside, watch

    def read_documents(self) -> list[Document]:
        """Every chapter's text; a notebook that cannot be read is reported and left out."""
        documents = []
        for chapter in self.book.chapters:
            try:
                documents.append(self.reuse.unread(chapter) or read_chapter(chapter))
                self.warnings += documents[-1].warnings
                self.reuse.note_source(documents[-1])
            except NotebookError as exc:
                if chapter.is_root:
                    raise BookError(f"{chapter.rel}: not a valid notebook: {exc}") from exc
                message = f"not a valid notebook: {exc}; not converted, left out"
                self.warnings.append(Warning_(chapter.rel.as_posix(), 1, message, Code.NOTEBOOK_INVALID))
                self.failed.add(chapter.rel)
                self.report.not_converted.append(chapter.rel.as_posix())
                del self.by_source[chapter.rel.as_posix()]
        return documents

    def read_after_all(self, document: Document) -> Document:
        """``document`` read (in place) if it was not (:meth:`.reuse.Reuse.unread`): it is converted after all."""
        if document.path not in self.reuse.unread_h1 or document.notebook != {}:
            return document
        try:
            read = read_chapter(document.chapter)
        except NotebookError as exc:
            raise BookError(f"{document.path} changed while it was converted: {exc}") from exc
        document.pieces, document.notebook, document.cells = read.pieces, read.notebook, read.cells
        return document

    def convert_included(
        self, labels: Labels, chapters: list[tuple[Document, list[str]]]
    ) -> list[tuple[Document, list[Result]]]:
        """Files that chapters include whole (``{{< include part.qmd >}}``) but that are no chapters,
        converted (and the files they include in turn)."""
        done = {c.out_rel for c in self.book.chapters}
        queue = [(d.chapter.out_rel, "".join(t)) for d, t in chapters if d.chapter.out_rel.suffix == ".qmd"]
        found = []
        while queue:
            rel, text = queue.pop()
            for include_rel in includes(rel, text):
                if include_rel in done:
                    continue
                done.add(include_rel)
                source = self.book.folder / include_rel.with_suffix(".md")
                if not source.is_file() or not inside(self.book.folder, source):
                    continue
                chapter = Chapter(source, include_rel.with_suffix(".md"), include_rel)
                document = read_chapter(chapter)
                result = convert_text(document.pieces[0], path=document.path, options=self.options(chapter, labels))
                self.warnings.extend(result.warnings)
                found.append((document, [result]))
                queue.append((include_rel, result.text))
        return found

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> BookReport:
        """Convert the book and write it; the output folder is locked meanwhile (a second run into
        it stops), and what a stopped run left there is finished first (see :mod:`..commit`)."""
        refuse_unsafe_paths(self.book.folder, self.out, self.reserved)
        try:
            with output_locked(self.out) as notes:
                self.recovered = notes
                return self.convert_and_write()
        except OutputError as exc:
            raise BookError(str(exc)) from exc

    def start_reuse(self) -> Reuse:
        """What the last run into the output folder left to reuse: nothing with ``--force`` or when
        translating; ``--only`` updates the last manifest's outputs only (see :mod:`.reuse`)."""
        digest = settings_digest(self.book, self.chapter_options, self.settings.escape_fences)
        whole, plain = not self.settings.only, self.translator is None
        return Reuse(self.out, digest, enabled=whole and plain and not self.settings.force, write=whole, record=plain)

    def convert_and_write(self) -> BookReport:
        self.reuse = self.start_reuse()
        documents = self.read_documents()
        assign_outputs(self.book, self.warnings, skip=self.failed)
        files = assets(self.book, self.warnings)
        self.refuse_reserved({d.chapter.out_rel for d in documents} | {QUARTO_YML} | {rel for rel, _ in files})
        chosen = self.only(documents)
        labels, converted = self.convert_chapters(documents, chosen)
        fresh = {id(d) for d, _ in converted}
        texts = self.texts(converted, labels, chosen)
        for document in chosen:  # chapters first: they win over anything of the same name
            kept = self.reuse.kept.get(document.path)
            text = kept.text if kept is not None else render(document, texts[id(document)])
            self.reuse.written(document, text)
            self.staging.put(document.chapter.out_rel, Output(document.path, text=text))
        for document, _ in converted:  # the files chapters include
            if id(document) not in fresh:
                text = render(document, texts[id(document)])
                self.staging.put(document.chapter.out_rel, Output(document.path, text=text))
        left_out = self.failed | self.skipped
        yml = quarto_yml(self.book, left_out, self.warnings, self.target_lang, self.settings.execute)
        self.staging.put(QUARTO_YML, Output("the table of contents", text=yml))
        for rel, path in files:
            self.staging.put(rel, Output(rel.as_posix(), source=path))
        self.stage_manifest()
        self.refuse_reserved(set(self.staging.outputs))
        if self.before_write is not None:
            self.before_write()
        self.staging.write_all()
        self.report.add_warnings(self.warnings)
        return self.report

    def convert_chapters(
        self, documents: list[Document], chosen: list[Document]
    ) -> tuple[Labels, list[tuple[Document, list[Result]]]]:
        """The labels of every chapter (references to the others resolve) and the ``chosen`` documents
        converted with them (:func:`.workers.collect_and_convert`), counted and their warnings kept;
        those the last run's output serves (:meth:`choose`) are not converted: their counts and
        warnings are told again, in their place."""
        for document in documents:
            name_chapter(document)  # before any worker starts: ``{doc}`` links in every chapter show the titles
        index = {id(d): n for n, d in enumerate(documents)}
        labels, results_of = collect_and_convert(
            self.collect_one,
            self.join_labels,
            self.convert_one,
            documents,
            lambda labels: [index[id(d)] for d in self.choose(chosen, labels)],
            # the work there is: a chapter whose source the manifest knows is most likely reused
            [0 if d.path in self.reuse.known() else sum(len(p) for p in d.pieces) for d in documents],
        )
        for document in documents:
            drop_parses(document)  # converted (in a worker process, or not chosen): the tokens are let go
        converted: list[tuple[Document, list[Result]]] = []
        fresh = iter(results_of)
        for document in chosen:
            self.report.files_converted += 1
            kept = self.reuse.kept.get(document.path)
            if kept is not None:
                self.report.files_reused += 1
                self.report.add_counts(kept.counts)
                self.warnings.extend(kept.warnings)
                continue
            results, outside, watch = next(fresh)
            converted.append((document, results))
            counts: Counter[str] = Counter()
            for result in results:
                self.report.add_result(result)
                self.warnings.extend(result.warnings)
                counts.update(result.counts)
            self.warnings.extend(outside)
            told = [w for r in results for w in r.warnings] + outside
            key = chapter_key(document.chapter, self.meta(document.chapter))
            assert self.seen is not None, "documents converted before they were chosen"
            self.reuse.converted(document, told, counts, watch, self.seen, key)
        return labels, converted

    def choose(self, chosen: list[Document], labels: Labels) -> list[Document]:
        """The ``chosen`` documents to convert, once the book's labels are known: not those whose
        output the folder holds as the last run left it (:meth:`.reuse.Reuse.choose`)."""
        self.seen = Seen(self.targets(labels), self.by_source)
        self.reuse.choose(chosen, self.seen, {c.rel: self.meta(c) for c in self.book.chapters})
        return [self.read_after_all(d) for d in chosen if d.path not in self.reuse.kept]

    def collect_one(self, document: Document) -> LabelSets:
        """A document's label pass (:func:`.notebooks.document_label_sets`), its parses kept for its
        conversion; the labels the manifest has for its source, if it has them (not parsed)."""
        known = self.reuse.label_sets(document)
        if known is not None:
            return known
        return document_label_sets(document, self.chapter_options)

    def join_labels(self, sets: list[LabelSets]) -> Labels:
        """The book's labels from every document's label sets, collisions reported."""
        self.reuse.keep_labels(sets)
        return join_labels(sets, self.warnings, self.report.duplicate_labels)

    def stage_manifest(self) -> None:
        """The new manifest among the outputs, and the files of the last run no output replaces
        to be removed (:mod:`.reuse`)."""
        outputs = {rel: self.reuse.output_digest(output) for rel, output in self.staging.outputs.items()}
        if not self.reuse.write:  # --only: the last manifest knows the files written anew
            text = self.reuse.patched(outputs)
        else:
            self.staging.removed, notes = self.reuse.stale(outputs)
            self.recovered += notes
            text = self.reuse.manifest(outputs)
        if text is not None:
            self.staging.put(MANIFEST, Output("the manifest", text=text, counted=False))

    def texts(self, converted: list[tuple[Document, list[Result]]], labels: Labels, chapters: list[Document]) -> Texts:
        """The final text of every piece: the root chapter's paths rebased, the files chapters
        include converted too (appended to ``converted``; ``chapters``: every chapter, those reused
        too, in the book's order), translated, finished (:mod:`..finish`)."""
        texts = {id(d): [r.text for r in results] for d, results in converted}
        root = self.book.root
        prefix = root.rel.parent.as_posix()
        if prefix not in ("", ".") and converted and converted[0][0].chapter is root:
            texts[id(converted[0][0])] = [rebase_paths(t, prefix + "/") for t in texts[id(converted[0][0])]]
        kept = self.reuse.kept
        every = [(d, [kept[d.path].text] if d.path in kept else texts[id(d)]) for d in chapters]
        included = self.convert_included(labels, every)
        converted += included
        texts.update({id(d): [r.text for r in results] for d, results in included})
        if self.translator is not None:  # included files are translated with the chapters
            texts, self.report.translation_report, warnings = translate_book(
                self.translator, self.book, converted, texts
            )
            self.warnings.extend(warnings)
        return {key: finish_all(value, escape_fences=self.settings.escape_fences) for key, value in texts.items()}

    def only(self, documents: list[Document]) -> list[Document]:
        """``--only``: the documents to convert (the root always: Quarto needs ``index.qmd``); the others
        stay as they are in the output, and ``_quarto.yml`` lists them only if they are there."""
        patterns = self.settings.only
        if not patterns:
            return documents
        for pattern in patterns:
            if not any(chosen_by(c, pattern) for c in self.book.chapters):
                raise BookError(f"--only {pattern}: no chapter of the book matches it (give a path from the toc)")
        keep = [d for d in documents if d.chapter.is_root or any(chosen_by(d.chapter, p) for p in patterns)]
        for document in documents:
            if document not in keep and not (self.out / document.chapter.out_rel).exists():
                self.skipped.add(document.chapter.rel)
        return keep

    def refuse_reserved(self, outputs: set[PurePosixPath]) -> None:
        """``--report OUT/index.qmd``: a path the run writes as a chapter (or asset) is refused."""
        refuse_reserved(self.out, self.reserved, self.settings.inputs, outputs)


def book_converter(
    folder: Path, out: Path, *, settings: Settings | None = None, translator: Any = None, reserved: Sequence[Path] = ()
) -> BookConverter:
    """The converter for the book in ``folder`` (its table of contents read, warnings kept)."""
    warnings: list[Warning_] = []
    book = read_book(folder, warnings)
    settings = settings if settings is not None else Settings(src=folder)  # read in the book's dialect
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
