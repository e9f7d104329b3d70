"""The application: one :class:`~.config.Settings` for a run, then a file run or a book run
(and the ``check``, ``po`` and ``cache`` commands).

The command line (:mod:`.cli`) parses flags and maps failures to exit codes; everything a run
does is here. A run imports what it needs when it needs it: the converter for a conversion,
the translation pipeline and its engine only when something is translated.

Exit codes: 0 converted (warnings go to stderr as ``file:line: warning [code]: …``), 2 bad usage
or input that cannot be read, 1 anything else.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .codes import Code, Count, count_codes, suppressed
from .config import Settings, load_settings
from .context import Options, Warning_
from .files import MAX_NOTEBOOK_BYTES, MAX_TEXT_BYTES, interrupts_deferred, read_bounded, write_atomically
from .languages import LanguageError

if TYPE_CHECKING:  # the converter, the book and the translation are imported where a run needs them
    from .convert import Result
    from .translate.glossary import Glossary
    from .translate.pipeline import TranslationReport, Translator
    from .translate.po import Review, Staged

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad usage or unreadable input: exit 2 with a one-line message."""


class RunFailed(Exception):
    """The run cannot go on (a translation engine that cannot be used): exit 1 with a one-line message."""


def settings_from(flags: dict[str, Any], config: str | None, **run: Any) -> Settings:
    """The run's one settings object: ``flags`` (``None`` where not given) over ``MYST2QMD_*``
    over the settings file ``config`` (or the one found from the current folder up)."""
    return load_settings(flags, config, Path.cwd(), **run)


def read_macros(settings: Settings) -> Settings:
    """``settings`` with the macros file read (exit 2 if it cannot be)."""
    from .macros import MacroFileError

    try:
        return settings.with_macros()
    except MacroFileError as exc:
        raise UsageError(str(exc)) from exc


def read_glossary(settings: Settings) -> Glossary:
    """The glossary of ``--glossary FILE`` (no entries without) over the built-in one of the language pair."""
    from .translate.glossary import Glossary, GlossaryError, load_glossary

    try:
        glossary = load_glossary(settings.glossary_file) if settings.glossary_file else Glossary()
    except GlossaryError as exc:
        raise UsageError(str(exc)) from exc
    return glossary.with_builtin(settings.source_lang, settings.target_lang)


def read_source(path: Path) -> str:
    """The text of ``path``, or a :class:`UsageError` that says why not."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a .md file")
    limit = MAX_NOTEBOOK_BYTES if path.suffix.lower() == ".ipynb" else MAX_TEXT_BYTES
    try:
        data = read_bounded(path, limit)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UsageError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}, "
            f"offset {exc.start}); "
            "re-encode it, e.g. iconv -f latin1 -t utf-8"
        ) from exc


def write_stdout(text: str) -> None:
    """Write ``text`` as UTF-8 bytes, whatever the locale says stdout's encoding is."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (tests, some IDEs)
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


def summary(
    result: Result, src: Path, out: str, warnings: list[Warning_] | None = None, suppress: frozenset[str] = frozenset()
) -> str:
    counts = result.counts
    kinds = (Count.FIGURE, Count.CITATION, Count.REFERENCE, Count.CALLOUT, Count.CODE_CELL, Count.EQUATION)
    shown = [kind.key() for kind in (*kinds, Count.TABLE, Count.LATEX_COMMENT_REMOVED)]
    parts = [
        f"{counts[k]} {k}{'s' if counts[k] != 1 and not k.endswith('removed') else ''}" for k in shown if counts.get(k)
    ]
    parts.append(warning_counts(result.warnings if warnings is None else warnings, suppress))
    return f"{src} -> {out}: " + ", ".join(parts)


def warning_counts(warnings: list[Warning_], suppress: frozenset[str]) -> str:
    """The summary's count of warnings, per code: ``3 warnings (ref-undefined 2, role-unknown 1), 1 suppressed
    (toc-missing 1)``; infos are not counted."""
    counted = [w for w in warnings if w.level == "warning"]
    shown = [w.code for w in counted if not suppressed(w.code, suppress)]
    hidden = [w.code for w in counted if suppressed(w.code, suppress)]

    def per_code(codes: list[Code]) -> str:
        return " (" + ", ".join(f"{code} {n}" for code, n in count_codes(codes).items()) + ")" if codes else ""

    text = f"{len(shown)} warning{'s' if len(shown) != 1 else ''}{per_code(shown)}"
    return text + (f", {len(hidden)} suppressed{per_code(hidden)}" if hidden else "")


def print_warnings(warnings: list[Warning_], suppress: frozenset[str]) -> None:
    """Every warning and info to stderr as ``file:line: warning [code]: …``, but those ``suppress`` silences."""
    for warning in warnings:
        if not suppressed(warning.code, suppress):
            print(warning, file=sys.stderr)


def convert(settings: Settings) -> int:
    """``myst2qmd convert``: a book run for a folder, else a file run."""
    glossary = read_glossary(settings)
    settings = read_macros(settings)
    if settings.src.is_dir():
        return run_book(settings, glossary)
    for given, flag in ((settings.only, "--only"), (settings.execute != "auto", "--execute")):
        if given:
            raise UsageError(f"{flag} goes with a book folder (a single file is converted whole; see the README)")
    if settings.report and Path(settings.report).is_dir():
        raise UsageError(f"--report {settings.report} is a folder; give a file name")
    return run_file(settings, glossary)  # --report against the inputs and outputs: check_run_paths


def run_file(settings: Settings, glossary: Glossary) -> int:
    """``myst2qmd convert SRC.md [-o OUT.qmd]``: one Markdown file or notebook."""
    from .constructs.code import escape_fences
    from .convert import convert_text

    src = settings.src
    notebook = src.suffix.lower() == ".ipynb"
    text = read_source(src)
    if settings.output == "-":
        out_path = None
    else:
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
    engine, settings = engine_name(settings)
    check_run_paths(settings, engine, out_path)
    # fences are escaped after translation: escaped, they would not be code to the segmenter
    options = replace(settings.options(), source_dir=str(src.resolve().parent), escape_fences=False)
    translator = make_translator(engine, settings, glossary) if engine != "none" else None
    review = None
    if settings.po_dir:
        from .translate.po import Review

        folder = po_folder(settings.po_dir)
        review = read_po(lambda: Review.for_file(folder, src, **review_settings(settings, engine, src.stem)))
        translator = with_review(translator, review, settings, glossary)
    attachments: dict[Path, bytes] = {}
    if notebook:
        result, report, attachments = convert_notebook_file(
            src, text, options, translator, settings.quiet, out_path, escape=settings.escape_fences
        )
        if attachments:
            check_run_paths(settings, engine, out_path, list(attachments))
    else:
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
    if settings.escape_fences:
        result.text = escape_fences(result.text)
    print_warnings(sorted(result.warnings, key=lambda w: w.line), settings.suppress_warnings)
    print_notes(report, settings.suppress_warnings)
    staged = stage_po(review) if review is not None else []
    if out_path is None:
        try:
            write_stdout(result.text)
        except BrokenPipeError:
            drop_staged(review, staged)
            return reader_gone()
    else:
        written = False
        try:
            with interrupts_deferred():
                for path, data in attachments.items():  # first: the output never links to a missing file
                    write_atomically(path, data)
                write_atomically(out_path, result.text)
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
                print(translation_summary(report), file=sys.stderr)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"interrupted after {out_path or 'stdout'} was written") from None
    return EXIT_OK


def report_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def file_report(result: Result, report: TranslationReport | None, suppress: frozenset[str]) -> dict[str, Any]:
    """``--report`` for a single file: the book report's fields that a file has."""
    warnings: dict[str, list[str]] = {}
    for warning in result.warnings:
        where = warnings.setdefault(warning.path.split("#")[0], [])
        where.append(f"{warning.line}: {warning.level} [{warning.code}]: {warning.message}")
    from .translate.report import kept_json, translation_json

    return {
        "files_converted": 1,
        "constructs": dict(sorted(result.counts.items())),
        "warnings": warnings,
        "warning_codes": count_codes(w.code for w in result.warnings),
        "suppressed_codes": count_codes(w.code for w in result.warnings if suppressed(w.code, suppress)),
        "translation": translation_json(report),
        "kept": kept_json(report),
    }


def reader_gone() -> int:
    """The reader of stdout went away (``| head``): stop quietly, and keep Python's exit flush quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # a stream without a file descriptor
        pass
    return EXIT_ERROR


def po_folder(value: str) -> Path:
    """``--po DIR``: a folder (made if missing), never a file."""
    folder = Path(value)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--po {value} is a file; give a folder for the PO files")
    return folder


def read_po(load: Callable[[], T]) -> T:
    """The PO files of ``--po DIR`` read; one that cannot be read is a usage error (exit 2)."""
    from .translate.po import PoError

    try:
        return load()
    except PoError as exc:
        raise UsageError(str(exc)) from exc


def review_settings(settings: Settings, engine: str, project: str) -> dict[str, str]:
    return {
        "source_lang": settings.source_lang,
        "target_lang": settings.target_lang,
        "engine": engine,
        "project": project,
    }


def with_review(translator: Translator | None, review: Review, settings: Settings, glossary: Glossary) -> Translator:
    """``translator`` reading and recording PO files; without an engine, one that sends nothing."""
    if translator is None:
        from .translate.cache import TranslationCache
        from .translate.engines.base import Request
        from .translate.pipeline import Translator
        from .translate.po import NoEngine

        request = Request.for_languages(settings.source_lang, settings.target_lang)
        translator = Translator(NoEngine(), request=request, cache=TranslationCache(None), glossary=glossary)
    translator.review = review
    return translator


def stage_po(review: Review) -> list[Staged]:
    """The run's changed PO files staged beside them, before the output is written: one that cannot be
    (a read-only folder, a full disk, a folder of its name) stops the run with exit 1 and nothing written;
    one a reviewer saved meanwhile into a broken file, with exit 2 (:func:`read_po`)."""
    try:
        return read_po(review.stage)
    except OSError as exc:
        raise RunFailed(
            f"cannot write {exc.filename or 'a PO file'}: {exc.strerror or exc}; nothing was written"
        ) from None


def commit_po(review: Review, staged: list[Staged], quiet: bool, after: str) -> None:
    """Put the staged PO files in place (after the output, ``after``): merged again with any a reviewer
    saved meanwhile, never written over it. Exit 2 if such a file cannot be read now (left as it is)."""
    from .translate.po import PoError

    try:
        with interrupts_deferred():
            written = review.commit(staged)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"interrupted after {after} was written; the PO files were not") from None
    except (OSError, PoError) as exc:
        review.discard(staged)
        why = f"cannot write {exc.filename}: {exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        raise UsageError(f"{why} ({after} was written; the PO files not written were left as they were)") from None
    for path in review.merged_again:
        print(f"myst2qmd: note: {path} changed while this run went on: merged again, the changes kept", file=sys.stderr)
    if not quiet:
        print(f"{len(written)} PO files written", file=sys.stderr)


def drop_staged(review: Review | None, staged: list[Staged]) -> None:
    """The staged PO files will not be written: remove them."""
    if review is not None:
        review.discard(staged)


def check_run_paths(settings: Settings, engine: str, output: Path | None, attachments: Sequence[Path] = ()) -> None:
    """Every path the run writes (the output, ``--report``, the translation memory, the PO files, a
    notebook's ``attachments``) against every input and against each other (:func:`.paths.refuse_clashes`):
    exit 2 before any work (the attachments: before anything is written)."""
    from .paths import PathClash, Place, refuse_clashes, run_places

    for path in attachments:
        if path.parent.exists() and not path.parent.is_dir() or path.is_dir():
            raise UsageError(f"cannot write the notebook's attachment {path}: a file or folder is in the way")

    memory = None
    if engine != "none" and not settings.no_cache:
        from .translate.cache import default_cache_dir

        memory = default_cache_dir() / "translations.sqlite"
    try:
        writes, inputs = run_places(settings, output, memory)
        writes += [Place("a notebook attachment", path) for path in attachments]
        refuse_clashes(writes, inputs, po_inside_book=settings.po_inside_book)
    except PathClash as exc:
        raise UsageError(str(exc)) from exc


def engine_name(settings: Settings) -> tuple[str, Settings]:
    """The engine to use, and the settings for it: ``auto`` resolved (a local server it found gives the
    URL and model), and said on stderr in one line: which engine and why."""
    if settings.engine != "auto":
        return settings.engine, settings
    from .translate.engines import AutoChoice, choose_auto

    choice = choose_auto()
    if settings.base_url and choice.engine not in ("deepl", "openai"):
        choice = AutoChoice("openai", "--base-url is given")
    if choice.base_url and not settings.base_url:
        settings = replace(settings, base_url=choice.base_url, model=settings.model or choice.model)
    if not settings.quiet:
        if choice.engine == "none":
            print(f"myst2qmd: note: {choice.why}", file=sys.stderr)
        else:
            where = f" at {settings.base_url}, model {settings.model}" if choice.base_url else ""
            print(f"myst2qmd: engine auto: {choice.engine}{where} ({choice.why})", file=sys.stderr)
    return choice.engine, settings


def convert_notebook_file(
    src: Path,
    text: str,
    options: Options,
    translator: Translator | None,
    quiet: bool,
    out_path: Path | None,
    escape: bool = False,
) -> tuple[Result, TranslationReport | None, dict[Path, bytes]]:
    """A single notebook, converted as a book converts its notebook chapters: Markdown cells
    converted, tags as ``#|`` options, outputs kept; written as ``.ipynb``, or as ``.qmd`` when
    ``-o x.qmd`` asks for it (code cells as executable cells, outputs left out, as jupytext does;
    the Markdown cells' attachments as the files returned, in ``OUT_attachments/`` beside it)."""
    from .constructs.code import escape_fences
    from .convert import Result
    from .notebooks import NotebookError, convert_notebook, notebook_to_qmd, read_notebook, render_notebook, safe_name

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
        result = Result(escape_fences(qmd.text) if escape else qmd.text, warnings, dict(counts))
        return result, report, {out_path.parent / rel: data for rel, data in qmd.files.items()}
    if escape:  # only the Markdown cells: code cells hold code, not fences
        texts = [escape_fences(t) for t in texts]
    return Result(render_notebook(document, texts), warnings, dict(counts)), report, {}


def make_translator(engine_name: str, settings: Settings, glossary: Glossary) -> Translator:
    """The translator for a run (its engine and cache are closed by :func:`progress_run`)."""
    from .translate.cache import TranslationCache
    from .translate.engines import EngineSettings, make_engine
    from .translate.engines.base import FatalEngineError, Request
    from .translate.pipeline import Translator

    engine_settings = EngineSettings(
        base_url=settings.base_url,
        model=settings.model,
        timeout=settings.timeout,
        deepl_target=settings.deepl_target,
        # DeepL enforces a glossary's terms: only the user's; the built-in and mined ones are hints for the others
        glossary=glossary.entries or None,
        target_lang=settings.target_lang,
    )
    try:
        engine = make_engine(engine_name, engine_settings)
    except FatalEngineError as exc:
        raise RunFailed(f"{exc}; nothing was written") from None
    except LanguageError as exc:
        raise UsageError(str(exc)) from None
    assert engine is not None
    cache = TranslationCache(None) if settings.no_cache else TranslationCache.default(memory_warning(settings))
    request = Request.for_languages(settings.source_lang, settings.target_lang, settings.timeout)
    return Translator(
        engine,
        request=request,
        cache=cache,
        glossary=glossary,
        jobs=settings.jobs,
        code_comments=settings.translate_code_comments,
        retry_kept=settings.retry_kept,
    )


def memory_warning(settings: Settings) -> Callable[[str], None]:
    """How a translation memory that cannot be used is said: one warning (the run goes on)."""
    code = Code.MEMORY_UNUSABLE

    def warn(message: str) -> None:
        if not suppressed(code, settings.suppress_warnings):
            print(f"myst2qmd: warning [{code}]: {message}", file=sys.stderr)

    return warn


def progress_run(translator: Translator, label: str, quiet: bool, work: Callable[[], T]) -> T:
    """Run ``work`` with a progress bar of translated segments on a terminal; close the engine after.
    An engine that cannot be used stops the run (:class:`RunFailed`)."""
    from .translate.engines.base import FatalEngineError

    try:
        if quiet or not sys.stderr.isatty():
            return work()
        from .progress import progress_bar

        with progress_bar(label) as (translator.on_total, translator.on_progress):
            return work()
    except FatalEngineError as exc:
        raise RunFailed(f"{exc}; nothing was written") from None
    finally:
        translator.engine.close()
        translator.cache.close()


def translation_summary(report: TranslationReport) -> str:
    """One line: what was sent (the progress bar's count) and how it came back, then what was not sent."""
    sent = [
        f"{report.translated} translated",
        *([f"{report.unchanged} unchanged"] if report.unchanged else []),
        f"{report.kept_sent} kept in the original language",
    ]
    other = [
        f"{report.cached} from the translation memory",
        *(
            [f"{report.kept_remembered} kept as in an earlier run (--retry-kept sends them again)"]
            if report.kept_remembered
            else []
        ),
        *([f"{report.reviewed} reviewed (PO)"] if report.reviewed else []),
        f"{report.already_in_target} already in the target language",
    ]
    requests = [
        f"{report.engine_calls} requests answered",
        f"{report.requests_failed} failed",
        f"{report.characters_sent:,} characters delivered",
    ]
    line = (
        f"engine {report.engine} ({report.model}): {report.sent} segments sent: {', '.join(sent)}; "
        f"{', '.join(other)}; {', '.join(requests)}"
    )
    if report.stopped:
        line += f"\nstopped sending: {report.stopped}; the segments not sent kept their original text"
    if report.engine == "local":
        line += (
            "\nnote: the local model (Gemma 3 270M) gives a draft; DeepL or a larger model behind "
            "--engine openai gives publication quality"
        )
    return line


def print_notes(report: TranslationReport | None, suppress: frozenset[str] = frozenset()) -> None:
    """Run-wide warnings of a translation (a ``Retry-After`` cut short), also with ``-q``."""
    code = Code.ENGINE_RETRY_AFTER
    for note in report.notes if report is not None and not suppressed(code, suppress) else []:
        print(f"myst2qmd: warning [{code}]: {note}", file=sys.stderr)


def run_book(settings: Settings, glossary: Glossary) -> int:
    """``myst2qmd convert BOOK_DIR -o OUT_DIR``: a Jupyter Book to a Quarto book project."""
    from .book import BookError, book_converter, is_book, refuse_unsafe_paths

    src, report_file = settings.src, settings.report
    if not is_book(src):
        raise UsageError(f"{src} is a folder without _toc.yml or myst.yml; give a .md file or a Jupyter Book")
    if settings.output in (None, "-"):
        raise UsageError("a book needs an output folder: -o OUT_DIR")
    out = Path(str(settings.output))
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    engine, settings = engine_name(settings)
    reserved = [Path(report_file)] if report_file else []
    if engine != "none" and not settings.no_cache:  # the translation memory is written too
        from .translate.cache import default_cache_dir

        reserved.append(default_cache_dir() / "translations.sqlite")
    if report_file and Path(report_file).is_dir():
        raise UsageError(f"--report {report_file} is a folder; give a file name")
    check_run_paths(settings, engine, out)
    try:
        refuse_unsafe_paths(src, out, reserved)
    except BookError as exc:
        raise UsageError(str(exc)) from exc
    translator = make_translator(engine, settings, glossary) if engine != "none" else None
    review = None
    if settings.po_dir:
        from .translate.po import Review

        folder = po_folder(settings.po_dir)
        review = read_po(lambda: Review.for_book(folder, **review_settings(settings, engine, src.resolve().name)))
        translator = with_review(translator, review, settings, glossary)
    converter = None
    report_written = False
    po_written = review is None
    staged: list[Staged] = []
    try:
        converter = book_converter(src, out, settings=settings, translator=translator, reserved=reserved)
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
            po_written = True
        if report_file:
            from .translate.report import kept_json, translation_json

            data = report.as_json()
            if report.translation_report is not None:
                data["translation"] = translation_json(report.translation_report)
            data["kept"] = kept_json(report.translation_report)
            with interrupts_deferred():
                write_atomically(Path(report_file), report_json(data))
                report_written = True
        if not settings.quiet:
            top = "".join(f"{n} {k}, " for k, n in report.constructs.most_common(6)).rstrip(", ")
            top += "; " if top else ""
            failed = f"; not converted: {', '.join(report.not_converted)}" if report.not_converted else ""
            print(
                f"{src} -> {out}: {report.files_converted} chapters ({report.files_written} files written, "
                f"{report.files_unchanged} unchanged), {report.assets_copied} files copied; {top}references "
                f"{report.references_resolved} resolved, {report.references_unresolved} unresolved; "
                f"{warning_counts(warnings, settings.suppress_warnings)}{failed}",
                file=sys.stderr,
            )
            if report.translation_report is not None:
                print(translation_summary(report.translation_report), file=sys.stderr)
    except BookError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        done = "" if converter is None or not converter.committed else f" ({out} was written completely)"
        print(f"myst2qmd: error: cannot write {exc.filename or out}: {exc.strerror or exc}{done}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        if converter is None or not converter.committed:
            raise KeyboardInterrupt("interrupted; nothing was written") from None
        unwritten = [
            *(["the PO files"] if not po_written else []),
            *([report_file] if report_file and not report_written else []),
        ]
        missing = (
            f"; {' and '.join(unwritten)} {'were' if len(unwritten) > 1 or not po_written else 'was'} not written"
            if unwritten
            else ""
        )
        raise KeyboardInterrupt(f"interrupted after {out} was written completely{missing}") from None
    finally:
        if not po_written:
            drop_staged(review, staged)
    return EXIT_OK


def run_check(path: Path, use_pandoc: bool = True) -> int:
    """``myst2qmd check PATH``: problems on stdout, a count on stderr; exit 1 when there are problems."""
    from .check import PANDOC_CHECKS, PANDOC_HINT, check, find_pandoc

    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    problems, files = check(path, use_pandoc=use_pandoc)
    for problem in problems:
        print(problem)
    noun = "file" if files == 1 else "files"
    print(
        f"{files} {noun} checked: {len(problems) or 'no'} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr
    )
    if not use_pandoc:
        print(f"not checked (--no-pandoc): {PANDOC_CHECKS}; run without --no-pandoc to check them", file=sys.stderr)
    elif find_pandoc() is None:
        print(f"not checked (no pandoc found): {PANDOC_CHECKS}; to check them, {PANDOC_HINT}", file=sys.stderr)
    return EXIT_ERROR if problems else EXIT_OK


def run_po(folder: Path) -> int:
    """``myst2qmd po stats DIR``: per PO file and in total, as ``msgfmt --statistics`` counts."""
    from .translate.po import PoError, Stats, folder_stats, kept_entries

    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    try:
        stats = folder_stats(folder)
        kept = kept_entries(folder)
    except PoError as exc:
        raise UsageError(str(exc)) from exc
    if not stats:
        raise UsageError(f"{folder} holds no PO files")
    total = Stats()
    try:
        for name, counts in stats:
            print(f"{name}: {counts}")
            total.add(counts)
        print(f"total ({len(stats)} file{'s' if len(stats) != 1 else ''}): {total}", flush=True)
        for where, why in kept:  # the segments written in the source language, each with its source line
            print(f"{where}: {why}")
    except BrokenPipeError:
        return reader_gone()
    return EXIT_OK


def run_cache(action: str) -> int:
    """``myst2qmd cache path`` prints where the translation memory is; ``cache clear`` empties it
    (or removes it, if it cannot be read)."""
    from .translate.cache import MemoryFault, clear_memory, default_path

    path = default_path()
    if action == "path":
        print(path)
        return EXIT_OK
    try:
        print(clear_memory(path))
    except MemoryFault as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK
