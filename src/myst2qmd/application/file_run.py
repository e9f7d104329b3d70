"""``myst2qmd convert SRC.md [-o OUT.qmd]``: one Markdown file or notebook, converted, translated
if an engine is given, finished (:mod:`..finish`) and written atomically (or to stdout)."""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codes import Code, count_codes, suppressed
from ..config import Settings
from ..context import Options, Warning_
from ..files import interrupts_deferred, write_atomically
from ..finish import finish, finish_all
from .common import (
    EXIT_ERROR,
    EXIT_OK,
    UsageError,
    check_run_paths,
    engine_name,
    print_warnings,
    read_source,
    reader_gone,
    report_json,
    summary,
    write_stdout,
)
from .translation import commit_po, drop_staged, print_notes, progress_run, set_up_translation, stage_po
from .translation import translation_summary as translation_line

if TYPE_CHECKING:
    from ..constructs.project import Project
    from ..convert import Result
    from ..translate.glossary import Glossary
    from ..translate.pipeline import TranslationReport, Translator
    from ..translate.po import Review
    from ..translate.po_write import Staged

#: what a file run made: the finished result, the translation report, and a notebook's attachments
Made = tuple["Result", "TranslationReport | None", dict[Path, bytes]]


def run_file(settings: Settings, glossary: Glossary | None) -> int:
    """``myst2qmd convert SRC.md [-o OUT.qmd]``: one Markdown file or notebook."""
    from ..constructs.project import find_project, read_project  # YAML: for a run, not for --help

    src = settings.src
    text = read_source(src)
    out_path = output_path(settings)
    engine, settings = engine_name(settings)
    check_run_paths(settings, engine, out_path)
    project = read_project(find_project(src.parent))
    options = replace(settings.options(), source_dir=str(src.resolve().parent))
    options = project_options(options, project, notebook=src.suffix.lower() == ".ipynb")
    translator, review = set_up_translation(settings, glossary, engine, single=src)
    if src.suffix.lower() == ".ipynb":
        result, report, attachments = convert_notebook_file(
            src, text, options, translator, settings.quiet, out_path, escape=settings.escape_fences
        )
        if attachments:
            check_run_paths(settings, engine, out_path, list(attachments))
    else:
        result, report, attachments = convert_markdown_file(src, text, options, translator, settings)
    print_warnings(project.warnings + sorted(result.warnings, key=lambda w: w.line), settings.suppress_warnings)
    print_notes(report, settings.suppress_warnings)
    staged = stage_po(review) if review is not None else []
    failed = write_output(result.text, out_path, attachments, review, staged)
    if failed is not None:
        return failed
    if review is not None:
        commit_po(review, staged, settings.quiet, str(out_path or "stdout"))
    if settings.report:
        with interrupts_deferred():
            write_atomically(
                Path(settings.report), report_json(file_report(result, report, settings.suppress_warnings))
            )
    try:
        if not settings.quiet:
            where = "stdout" if out_path is None else str(out_path)
            print(summary(result, src, where, suppress=settings.suppress_warnings), file=sys.stderr)
            if report is not None:
                print(translation_line(report), file=sys.stderr)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"interrupted after {out_path or 'stdout'} was written") from None
    return EXIT_OK


def project_options(options: Options, project: Project, notebook: bool = False) -> Options:
    """``options`` with what the page's project file says for every page: its Quarto options (not
    a notebook's: its cells have no front matter), macros (``--macros`` adds to and wins over them),
    substitutions, abbreviations and the extensions ``linkify`` and ``fieldlist``."""
    if project.path is None:
        return options
    return replace(
        options,
        project_meta={} if notebook else project.meta,
        macros={**project.macros, **options.macros},
        substitutions={**project.substitutions, **options.substitutions},
        abbreviations=project.abbreviations,
        linkify=project.linkify,
        fieldlist=project.fieldlist,
    )


def output_path(settings: Settings) -> Path | None:
    """Where ``-o`` writes (``None``: stdout); exit 2 for one that cannot be the output of ``settings.src``."""
    src = settings.src
    notebook = src.suffix.lower() == ".ipynb"
    if settings.output == "-":
        return None
    default = src.with_suffix(".quarto.ipynb" if notebook else ".qmd")
    out_path = Path(settings.output) if settings.output else default
    if out_path.resolve() == src.resolve() or (out_path.exists() and os.path.samefile(out_path, src)):
        raise UsageError(f"refusing to overwrite the input {src}; choose another -o")
    if out_path.is_dir():
        raise UsageError(f"{out_path} is a folder; give a file name for -o")
    if not out_path.parent.exists() and str(out_path.parent):
        raise UsageError(f"folder {out_path.parent} does not exist")
    if notebook and out_path.suffix.lower() not in (".ipynb", ".qmd"):
        raise UsageError(f"a notebook converts to .ipynb or .qmd, not {out_path.suffix or 'a file without suffix'}")
    return out_path


def write_output(
    text: str, out_path: Path | None, attachments: dict[Path, bytes], review: Review | None, staged: list[Staged]
) -> int | None:
    """Write the output (and a notebook's attachments, first) atomically, or to stdout; an exit code if
    that failed (the staged PO files removed), else ``None``."""
    if out_path is None:
        try:
            write_stdout(text)
        except BrokenPipeError:
            drop_staged(review, staged)
            return reader_gone()
        return None
    written = False
    try:
        with interrupts_deferred():
            for path, data in attachments.items():  # first: the output never links to a missing file
                write_atomically(path, data)
            write_atomically(out_path, text)
            written = True
    except OSError as exc:
        drop_staged(review, staged)
        print(f"myst2qmd: error: cannot write {out_path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        drop_staged(review, staged)
        if written:
            po = "; the PO files were not" if review is not None else ""
            raise KeyboardInterrupt(f"interrupted after {out_path} was written{po}") from None
        raise
    return None


def convert_markdown_file(
    src: Path, text: str, options: Options, translator: Translator | None, settings: Settings
) -> Made:
    """A single Markdown file converted, translated with ``translator`` (if any), and finished."""
    from ..convert import convert_text

    result = convert_text(text, path=str(src), options=options)
    report = None
    if translator is not None:
        final = translator
        result.text, report, more = progress_run(
            final,
            src.name,
            settings.quiet,
            lambda: final.translate_document(result.text, str(src), result.source_lines),
        )
        result.warnings += more
    result.text = finish(result.text, escape_fences=settings.escape_fences)
    return result, report, {}


def file_report(result: Result, report: TranslationReport | None, suppress: frozenset[str]) -> dict[str, Any]:
    """``--report`` for a single file: the book report's fields that a file has."""
    warnings: dict[str, list[str]] = {}
    for warning in result.warnings:
        where = warnings.setdefault(warning.path.split("#")[0], [])
        where.append(f"{warning.line}: {warning.level} [{warning.code}]: {warning.message}")
    from ..translate.report import kept_json, translation_json

    return {
        "files_converted": 1,
        "constructs": dict(sorted(result.counts.items())),
        "warnings": warnings,
        "warning_codes": count_codes(w.code for w in result.warnings),
        "suppressed_codes": count_codes(w.code for w in result.warnings if suppressed(w.code, suppress)),
        "translation": translation_json(report),
        "kept": kept_json(report),
    }


def convert_notebook_file(
    src: Path,
    text: str,
    options: Options,
    translator: Translator | None,
    quiet: bool,
    out_path: Path | None,
    escape: bool = False,
) -> Made:
    """A single notebook, converted as a book converts its notebook chapters: Markdown cells
    converted, tags as ``#|`` options, outputs kept; written as ``.ipynb``, or as ``.qmd`` when
    ``-o x.qmd`` asks for it (code cells as executable cells, outputs left out, as jupytext does;
    the Markdown cells' attachments as the files returned, in ``OUT_attachments/`` beside it).
    Finished (``escape``: ``--escape-fences``) as written: the ``.qmd`` whole, the Markdown cells
    of an ``.ipynb`` (code cells hold code, not fences)."""
    from ..convert import Result
    from ..notebooks import NotebookError, convert_notebook, notebook_to_qmd, read_notebook, render_notebook, safe_name

    notes: list[tuple[int, str]] = []
    try:
        notebook = read_notebook(text, notes)
    except NotebookError as exc:
        raise UsageError(f"{src}: not a valid notebook: {exc}") from exc
    document, results = convert_notebook(src, notebook, options, notes)
    texts = [r.text for r in results]
    warnings = document.warnings + [w for r in results for w in r.warnings]
    counts: Counter[str] = Counter()
    for r in results:
        counts.update(r.counts)
    report = None
    if translator is not None:
        final = translator
        paths = [f"{src}#cell{n + 1}" for n in document.cells]
        texts, report, more = progress_run(final, src.name, quiet, lambda: final.translate_many(texts, paths))
        warnings += more
    if out_path is not None and out_path.suffix.lower() == ".qmd":
        qmd = notebook_to_qmd(document, texts, f"{safe_name(out_path.stem)}_attachments")
        if qmd.dropped:
            message = f"the outputs of {qmd.dropped} code cells are not kept in a .qmd (Quarto runs the code)"
            warnings.append(Warning_(str(src), 1, message, Code.QUARTO_DIFFERS, "info"))
        warnings += [Warning_(f"{src}#cell{n}", 1, why, Code.NOTEBOOK_ATTACHMENT) for n, why in qmd.problems]
        result = Result(finish(qmd.text, escape_fences=escape), warnings, dict(counts))
        return result, report, {out_path.parent / rel: data for rel, data in qmd.files.items()}
    texts = finish_all(texts, escape_fences=escape)
    return Result(render_notebook(document, texts), warnings, dict(counts)), report, {}
