"""``myst2qmd convert BOOK_DIR -o OUT_DIR``: a Jupyter Book to a Quarto book project, translated
if an engine is given; the PO files staged before the book is written and committed after."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..codes import count_codes, suppressed
from ..config import Settings
from ..context import Warning_
from ..files import interrupts_deferred, write_atomically
from .common import EXIT_ERROR, EXIT_OK, UsageError, check_run_paths, engine_name, print_warnings, report_json
from .common import warning_counts as counted
from .translation import commit_po, drop_staged, print_notes, progress_run, set_up_translation, stage_po
from .translation import translation_summary as translation_line

if TYPE_CHECKING:
    from ..book import BookConverter, BookReport
    from ..translate.glossary import Glossary
    from ..translate.po import Review
    from ..translate.po_write import Staged


class _Progress:
    """How far a book run got: what an interrupt or a write error says was written."""

    def __init__(self, review: Review | None) -> None:
        self.converter: BookConverter | None = None
        self.po_written = review is None
        self.report_written = False

    @property
    def committed(self) -> bool:
        return self.converter is not None and self.converter.committed


def run_book(settings: Settings, glossary: Glossary | None) -> int:
    """``myst2qmd convert BOOK_DIR -o OUT_DIR``: a Jupyter Book to a Quarto book project."""
    from ..book import BookError, book_converter

    src, out = settings.src, book_output(settings)
    engine, settings = engine_name(settings)
    reserved = reserved_paths(settings, engine, out)
    translator, review = set_up_translation(settings, glossary, engine)
    progress = _Progress(review)
    staged: list[Staged] = []
    try:
        converter = progress.converter = book_converter(
            src, out, settings=settings, translator=translator, reserved=reserved
        )
        if review is not None:  # staged before the book is written: a PO file that cannot be stops the run
            converter.before_write = lambda: staged.extend(stage_po(review))
        run = converter.run
        report = progress_run(translator, src.name, settings.quiet, run) if translator else run()
        warnings = converter.warnings
        for note in converter.recovered:
            print(f"myst2qmd: note: {note}", file=sys.stderr)
        print_warnings(warnings, settings.suppress_warnings)
        print_notes(report.translation_report, settings.suppress_warnings)
        report.suppressed_codes = count_codes(
            w.code for w in warnings if suppressed(w.code, settings.suppress_warnings)
        )
        if review is not None:
            commit_po(review, staged, settings.quiet, str(out))
            progress.po_written = True
        if settings.report:
            write_book_report(report, Path(settings.report), progress)
        if not settings.quiet:
            print_book_summary(settings, report, warnings, out)
    except BookError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        done = f" ({out} was written completely)" if progress.committed else ""
        print(f"myst2qmd: error: cannot write {exc.filename or out}: {exc.strerror or exc}{done}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        raise KeyboardInterrupt(interrupted(progress, out, settings.report)) from None
    finally:
        if not progress.po_written:
            drop_staged(review, staged)
    return EXIT_OK


def book_output(settings: Settings) -> Path:
    """The output folder of a book run; exit 2 for a source that is no book or an output that cannot be."""
    from ..book import is_book

    src = settings.src
    if not is_book(src):
        raise UsageError(f"{src} is a folder without _toc.yml or myst.yml; give a .md file or a Jupyter Book")
    if settings.output in (None, "-"):
        raise UsageError("a book needs an output folder: -o OUT_DIR")
    out = Path(str(settings.output))
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    return out


def reserved_paths(settings: Settings, engine: str, out: Path) -> list[Path]:
    """The files the run writes besides the book (``--report``, the translation memory), checked
    against the book's inputs and outputs (exit 2 before any work)."""
    from ..book import BookError, refuse_unsafe_paths

    report_file = settings.report
    reserved = [Path(report_file)] if report_file else []
    if engine != "none" and not settings.no_cache:  # the translation memory is written too
        from ..translate.cache import default_cache_dir

        reserved.append(default_cache_dir() / "translations.sqlite")
    if report_file and Path(report_file).is_dir():
        raise UsageError(f"--report {report_file} is a folder; give a file name")
    check_run_paths(settings, engine, out)
    try:
        refuse_unsafe_paths(settings.src, out, reserved)
    except BookError as exc:
        raise UsageError(str(exc)) from exc
    return reserved


def write_book_report(report: BookReport, path: Path, progress: _Progress) -> None:
    """``--report``: the book report as JSON, with the translation's (said written before an interrupt
    deferred meanwhile is raised)."""
    from ..translate.report import kept_json, translation_json

    data = report.as_json()
    if report.translation_report is not None:
        data["translation"] = translation_json(report.translation_report)
    data["kept"] = kept_json(report.translation_report)
    with interrupts_deferred():
        write_atomically(path, report_json(data))
        progress.report_written = True


def print_book_summary(settings: Settings, report: BookReport, warnings: list[Warning_], out: Path) -> None:
    """The run's summary lines on stderr: chapters, files, constructs, references, warnings, translation."""
    top = "".join(f"{n} {k}, " for k, n in report.constructs.most_common(6)).rstrip(", ")
    top += "; " if top else ""
    failed = f"; not converted: {', '.join(report.not_converted)}" if report.not_converted else ""
    reused = f", {report.files_reused} reused from the last run" if report.files_reused else ""
    removed = f", {report.files_removed} of the last run removed" if report.files_removed else ""
    print(
        f"{settings.src} -> {out}: {report.files_converted} chapters{reused} ({report.files_written} files written, "
        f"{report.files_unchanged} unchanged), {report.assets_copied} files copied{removed}; {top}references "
        f"{report.references_resolved} resolved, {report.references_unresolved} unresolved; "
        f"{counted(warnings, settings.suppress_warnings)}{failed}",
        file=sys.stderr,
    )
    if report.translation_report is not None:
        print(translation_line(report.translation_report), file=sys.stderr)


def interrupted(progress: _Progress, out: Path, report_file: str | None) -> str:
    """What an interrupt says: nothing written, or the book and which of the PO files and report were not."""
    if not progress.committed:
        return "interrupted; nothing was written"
    po_written = progress.po_written
    unwritten = [
        *(["the PO files"] if not po_written else []),
        *([report_file] if report_file and not progress.report_written else []),
    ]
    missing = (
        f"; {' and '.join(unwritten)} {'were' if len(unwritten) > 1 or not po_written else 'was'} not written"
        if unwritten
        else ""
    )
    return f"interrupted after {out} was written completely{missing}"
