"""The ``myst2qmd`` command.

Exit codes: 0 converted (warnings go to stderr as ``file:line: warning [code]: …``), 2 bad usage
or input that cannot be read, 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import __version__
from .codes import Code, count_codes, suppressed
from .config import ConfigError, find_config_file, resolve
from .constructs.code import escape_fences
from .context import Options, Warning_
from .convert import Result, convert_text
from .macros import MacroFileError, load_macros
from .translate.engines import ENGINE_NAMES, EngineSettings, make_engine, resolve_auto
from .translate.engines.base import FatalEngineError, Request

if TYPE_CHECKING:  # the pipeline, cache and glossary are imported where a run needs them
    from .translate.glossary import Glossary
    from .translate.pipeline import TranslationReport, Translator

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

ENGINES = ENGINE_NAMES


class UsageError(Exception):
    """Bad usage or unreadable input: exit 2 with a one-line message."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="myst2qmd",
        description="Convert Jupyter Book / MyST Markdown to Quarto. Text the converter does not "
        "change stays byte-identical.",
        epilog="Exit codes: 0 converted, 1 failed, 2 bad usage or unreadable input. "
        "Settings can also come from myst2qmd.toml and MYST2QMD_* environment variables.",
    )
    parser.add_argument("--version", action="version", version=f"myst2qmd {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    convert = sub.add_parser(
        "convert",
        help="convert a MyST .md file to a Quarto .qmd file",
        usage="myst2qmd convert SRC.md [-o OUT.qmd] [options]\n       myst2qmd convert BOOK_DIR -o OUT_DIR [options]",
        description="Convert one MyST Markdown file to Quarto and translate its prose. Warnings name file:line.",
    )
    convert.add_argument("src", metavar="SRC.md", help="the MyST Markdown file, or a Jupyter Book folder, to convert")
    convert.add_argument(
        "-o",
        "--output",
        metavar="OUT.qmd",
        help="where to write (default: SRC with .qmd beside it, a notebook as SRC.quarto.ipynb; '-' for stdout); "
        "a notebook goes to .ipynb or, with -o X.qmd, to .qmd",
    )
    convert.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="translation engine: auto (default: DeepL if DEEPL_AUTH_KEY is set, else openai if "
        "OPENAI_API_KEY or MYST2QMD_BASE_URL is set, else local if installed, else none), "
        "none, pseudo (dry run: upper-cases what would be sent), openai, deepl, local",
    )
    convert.add_argument(
        "--images-path",
        metavar="PREFIX",
        default=None,
        help="write images of the images folder as {{< meta params.images_path >}}NAME "
        'and add params: images_path: "PREFIX" to the front matter',
    )
    convert.add_argument(
        "--escape-fences",
        action="store_const",
        const=True,
        default=None,
        help="write every code fence as \\``` (for pasting into a chat)",
    )
    convert.add_argument(
        "--macros",
        metavar="FILE",
        default=None,
        help="expand LaTeX macros defined in a Jupyter Book _config.yml or a .tex file",
    )
    convert.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help="settings file (default: myst2qmd.toml found from the current folder up)",
    )
    tr = convert.add_argument_group("translation")
    tr.add_argument(
        "--from", dest="source_lang", metavar="LANG", default=None, help="language of the source (default: de)"
    )
    tr.add_argument(
        "--to", dest="target_lang", metavar="LANG", default=None, help="language to translate to (default: en)"
    )
    tr.add_argument(
        "--base-url",
        metavar="URL",
        default=None,
        help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama "
        "(default: $MYST2QMD_BASE_URL, else api.openai.com); for deepl: the API server",
    )
    tr.add_argument(
        "--model",
        metavar="NAME",
        default=None,
        help="model for --engine openai (default: $MYST2QMD_MODEL or gpt-4o-mini); a .gguf path for local",
    )
    tr.add_argument(
        "--glossary",
        metavar="FILE",
        default=None,
        help="terms to translate one way or keep (YAML or CSV: source term, target term)",
    )
    tr.add_argument("--jobs", type=int, metavar="N", default=None, help="requests in flight at once (default: 4)")
    tr.add_argument("--timeout", type=float, metavar="SECONDS", default=None, help="per request (default: 120)")
    tr.add_argument(
        "--no-cache",
        action="store_const",
        const=True,
        default=None,
        help="neither read nor write the translation memory",
    )
    tr.add_argument(
        "--translate-code-comments",
        action="store_const",
        const=True,
        default=None,
        help="also translate # comments in code cells (never strings or code)",
    )
    tr.add_argument(
        "--po",
        metavar="DIR",
        default=None,
        help="write one gettext PO file per chapter to DIR for review; reviewed (non-fuzzy) entries "
        "found there win over the engine (with --engine none: only they are translated)",
    )
    tr.add_argument(
        "--deepl-target",
        metavar="VARIANT",
        default=None,
        choices=("EN-US", "EN-GB"),
        help="English variant for DeepL (default: EN-US)",
    )
    convert.add_argument(
        "--report",
        metavar="FILE.json",
        default=None,
        help="with a book: write what was converted, warned and translated as JSON",
    )
    convert.add_argument("-q", "--quiet", action="store_true", help="print warnings only, no summary")
    convert.add_argument(
        "--suppress-warnings",
        metavar="CODE",
        action="append",
        default=None,
        help="do not print warnings with this code (e.g. ref-undefined) or family (e.g. toc); repeatable; "
        "they are still counted and kept in --report",
    )
    checker = sub.add_parser(
        "check",
        help="check a .qmd file or a Quarto project for problems, without rendering",
        description="Report MyST syntax left outside code, references without a target, duplicate ids, ids "
        "without a Quarto prefix, missing images, YAML that does not parse and unbalanced ::: divs, as "
        "file:line. Exit 1 when there are problems. Uses pandoc when present.",
    )
    checker.add_argument("path", metavar="PATH", help="a .qmd file or a Quarto project folder")
    checker.add_argument("--no-pandoc", action="store_true", help="use only the built-in scan")
    po = sub.add_parser(
        "po",
        help="the PO files of --po DIR",
        description="stats: translated, fuzzy and untranslated entries per PO file under DIR and in total "
        "(as msgfmt --statistics counts them).",
    )
    po.add_argument("action", choices=("stats",), help="stats: count the entries")
    po.add_argument("folder", metavar="DIR", help="the folder given to convert --po")
    cache = sub.add_parser("cache", help="the translation memory", description="Manage the translation memory.")
    cache.add_argument("action", choices=("clear", "path"), help="clear: delete every entry; path: print where it is")
    return parser


def read_source(path: Path) -> str:
    """The text of ``path``, or a :class:`UsageError` that says why not."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a .md file")
    try:
        data = path.read_bytes()
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


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
    shown = ["figure", "citation", "reference", "callout", "code cell", "equation", "table", "LaTeX comment removed"]
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


@dataclass(frozen=True)
class Settings:
    """Every setting of a ``convert`` run, resolved (config file, ``MYST2QMD_*``, flags) and
    checked once: a single file, a notebook and a book all get the same object."""

    engine: str = "auto"
    images_path: str | None = None
    escape_fences: bool = False
    macros_file: str | None = None
    source_lang: str = "de"
    target_lang: str = "en"
    base_url: str | None = None
    model: str | None = None
    glossary_file: str | None = None
    jobs: int = 4
    timeout: float = 120.0
    no_cache: bool = False
    translate_code_comments: bool = False
    deepl_target: str = "EN-US"
    #: warning codes (or families) not printed: counted as suppressed, kept in ``--report``
    suppress_warnings: frozenset[str] = frozenset()
    #: ``--po DIR``: PO files for review (see :mod:`.translate.po`)
    po_dir: str | None = None

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Settings:
        """From :func:`config.resolve`'s mapping (``images-path`` …); :class:`UsageError` if a value is bad."""
        settings = cls(
            engine=str(values.get("engine", "auto")),
            images_path=values.get("images-path"),
            escape_fences=bool(values.get("escape-fences", False)),
            macros_file=values.get("macros"),
            source_lang=str(values.get("from", "de")),
            target_lang=str(values.get("to", "en")),
            base_url=values.get("base-url"),
            model=values.get("model"),
            glossary_file=values.get("glossary"),
            jobs=int(values.get("jobs", 4)),
            timeout=float(values.get("timeout", 120.0)),
            no_cache=bool(values.get("no-cache", False)),
            translate_code_comments=bool(values.get("translate-code-comments", False)),
            deepl_target=str(values.get("deepl-target", "EN-US")),
            suppress_warnings=frozenset(values.get("suppress-warnings", ())),
            po_dir=values.get("po"),
        )
        if settings.engine not in ENGINES:
            raise UsageError(f"unknown engine '{settings.engine}' (available: {', '.join(ENGINES)})")
        if settings.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        return settings

    def glossary(self) -> Glossary:
        from .translate.glossary import Glossary, GlossaryError, load_glossary

        try:
            return load_glossary(self.glossary_file) if self.glossary_file else Glossary()
        except GlossaryError as exc:
            raise UsageError(str(exc)) from exc

    def options(self) -> Options:
        """The conversion options every document gets (the macros file read here: exit 2 if unreadable)."""
        macros = {}
        if self.macros_file:
            try:
                macros = load_macros(self.macros_file)
            except MacroFileError as exc:
                raise UsageError(str(exc)) from exc
        return Options(images_path=self.images_path, escape_fences=self.escape_fences, macros=macros)


def run_convert(args: argparse.Namespace) -> int:
    resolved: dict[str, Any] = resolve(
        {
            "engine": args.engine,
            "images-path": args.images_path,
            "escape-fences": args.escape_fences,
            "macros": args.macros,
            "from": args.source_lang,
            "to": args.target_lang,
            "base-url": args.base_url,
            "model": args.model,
            "glossary": args.glossary,
            "jobs": args.jobs,
            "timeout": args.timeout,
            "no-cache": args.no_cache,
            "translate-code-comments": args.translate_code_comments,
            "deepl-target": args.deepl_target,
            "suppress-warnings": args.suppress_warnings,
            "po": args.po,
        },
        args.config,
        Path.cwd(),
    )
    settings = Settings.from_mapping(resolved)
    glossary = settings.glossary()
    options = settings.options()
    src = Path(args.src)
    config = Path(args.config) if args.config else find_config_file(Path.cwd())
    inputs = [Path(p) for p in (settings.macros_file, settings.glossary_file, config) if p]
    if src.is_dir():
        return run_book(args, src, settings, options, glossary, inputs)
    if args.report:
        raise UsageError("--report goes with a book folder")
    notebook = src.suffix.lower() == ".ipynb"
    text = read_source(src)
    if args.output == "-":
        out_path = None
    else:
        default = src.with_suffix(".quarto.ipynb" if notebook else ".qmd")
        out_path = Path(args.output) if args.output else default
        if out_path.resolve() == src.resolve() or (out_path.exists() and os.path.samefile(out_path, src)):
            raise UsageError(f"refusing to overwrite the input {src}; choose another -o")
        refuse_writing_onto_inputs(out_path, inputs)
        if out_path.is_dir():
            raise UsageError(f"{out_path} is a folder; give a file name for -o")
        if not out_path.parent.exists() and str(out_path.parent):
            raise UsageError(f"folder {out_path.parent} does not exist")
        if notebook and out_path.suffix.lower() not in (".ipynb", ".qmd"):
            raise UsageError(f"a notebook converts to .ipynb or .qmd, not {out_path.suffix or 'a file without suffix'}")
    # fences are escaped after translation: escaped, they would not be code to the segmenter
    options = replace(options, source_dir=str(src.resolve().parent), escape_fences=False)
    engine = engine_name(settings, args.quiet)
    translator = make_translator(engine, settings, glossary) if engine != "none" else None
    review = None
    if settings.po_dir:
        from .translate.po import Review

        folder = po_folder(settings.po_dir)
        review = read_po(lambda: Review.for_file(folder, src, **review_settings(settings, engine, src.stem)))
        translator = with_review(translator, review, settings, glossary)
    if notebook:
        result, report = convert_notebook_file(
            src, text, options, translator, args.quiet, out_path, escape=settings.escape_fences
        )
    else:
        result = convert_text(text, path=str(src), options=options)
        report = None
        if translator is not None:
            final = translator
            result.text, report, more = progress_run(
                final,
                src.name,
                args.quiet,
                lambda: final.translate_document(result.text, str(src), result.source_lines),
            )
            result.warnings += more
    if settings.escape_fences:
        result.text = escape_fences(result.text)
    print_warnings(sorted(result.warnings, key=lambda w: w.line), settings.suppress_warnings)
    print_notes(report, settings.suppress_warnings)
    if out_path is None:
        try:
            write_stdout(result.text)
        except BrokenPipeError:
            # the reader went away (`| head`): stop quietly, and keep Python's exit flush quiet
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            except (OSError, ValueError):  # a stream without a file descriptor
                pass
            return EXIT_ERROR
    else:
        from .book import interrupts_deferred

        written = False
        try:
            with interrupts_deferred():
                write_atomically(out_path, result.text)
                written = True
        except OSError as exc:
            print(f"myst2qmd: error: cannot write {out_path}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
        except KeyboardInterrupt:
            if written:
                raise KeyboardInterrupt(f"interrupted after {out_path} was written") from None
            raise
    if review is not None and not write_po(review, args.quiet, str(out_path or "stdout")):
        return EXIT_ERROR
    try:
        if not args.quiet:
            where = "stdout" if out_path is None else str(out_path)
            print(summary(result, src, where, suppress=settings.suppress_warnings), file=sys.stderr)
            if report is not None:
                print(translation_summary(report), file=sys.stderr)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"interrupted after {out_path or 'stdout'} was written") from None
    return EXIT_OK


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


def with_review(translator: Translator | None, review: Any, settings: Settings, glossary: Glossary) -> Translator:
    """``translator`` reading and recording PO files; without an engine, one that sends nothing."""
    if translator is None:
        from .translate.cache import TranslationCache
        from .translate.pipeline import Translator
        from .translate.po import NoEngine

        request = Request(source_lang=settings.source_lang, target_lang=settings.target_lang)
        translator = Translator(NoEngine(), request=request, cache=TranslationCache(None), glossary=glossary)
    translator.review = review
    return translator


def write_po(review: Any, quiet: bool, after: str) -> bool:
    """Write the run's PO files (atomically, after the output); False (with a message) if that fails."""
    from .book import interrupts_deferred

    try:
        with interrupts_deferred():
            written = review.write(write_atomically)
    except OSError as exc:
        print(f"myst2qmd: error: cannot write {exc.filename or 'a PO file'}: {exc.strerror or exc}", file=sys.stderr)
        return False
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"interrupted after {after} was written; the PO files were not") from None
    if not quiet:
        print(f"{len(written)} PO files written", file=sys.stderr)
    return True


def refuse_writing_onto_inputs(output: Path, inputs: list[Path]) -> None:
    """An output that is one of the run's own inputs (``-o _config.yml --macros _config.yml``,
    ``--report terms.yml --glossary terms.yml``) is refused: inputs are never written."""
    for path in inputs:
        same = output.resolve() == path.resolve()
        if same or (output.exists() and path.exists() and os.path.samefile(output, path)):
            raise UsageError(f"refusing to write {output}: it is an input of this run; choose another path")


def engine_name(settings: Settings, quiet: bool) -> str:
    """The engine to use: ``auto`` resolved (with a note when it means no translation)."""
    if settings.engine != "auto":
        return settings.engine
    engine, why = resolve_auto()
    if engine == "none" and not quiet:
        print(f"myst2qmd: note: {why}", file=sys.stderr)
    return engine


def convert_notebook_file(
    src: Path,
    text: str,
    options: Options,
    translator: Translator | None,
    quiet: bool,
    out_path: Path | None,
    escape: bool = False,
) -> tuple[Result, TranslationReport | None]:
    """A single notebook, converted as a book converts its notebook chapters: Markdown cells
    converted, tags as ``#|`` options, outputs kept; written as ``.ipynb``, or as ``.qmd`` when
    ``-o x.qmd`` asks for it (code cells as executable cells, outputs left out, as jupytext does)."""
    from .book import NotebookError, convert_notebook, notebook_to_qmd, read_notebook, render_notebook

    try:
        notebook = read_notebook(text)
    except NotebookError as exc:
        raise UsageError(f"{src}: not a valid notebook: {exc}") from exc
    document, results = convert_notebook(src, notebook, options)
    texts = [r.text for r in results]
    warnings = [w for r in results for w in r.warnings]
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
        qmd, dropped = notebook_to_qmd(document, texts)
        if dropped:
            warnings.append(
                Warning_(
                    str(src),
                    1,
                    f"the outputs of {dropped} code cells are not kept in a .qmd (Quarto runs the code)",
                    Code.QUARTO_DIFFERS,
                    "info",
                )
            )
        return Result(escape_fences(qmd) if escape else qmd, warnings, dict(counts)), report
    if escape:  # only the Markdown cells: code cells hold code, not fences
        texts = [escape_fences(t) for t in texts]
    return Result(render_notebook(document, texts), warnings, dict(counts)), report


def make_translator(engine_name: str, settings: Settings, glossary: Glossary) -> Translator:
    """The translator for a run (its engine and cache are closed by :func:`progress_run`)."""
    from .translate.cache import TranslationCache
    from .translate.pipeline import Translator

    engine_settings = EngineSettings(
        base_url=settings.base_url,
        model=settings.model,
        timeout=settings.timeout,
        deepl_target=settings.deepl_target,
        glossary=glossary.entries or None,
    )
    engine = make_engine(engine_name, engine_settings)
    assert engine is not None
    cache = TranslationCache(None) if settings.no_cache else TranslationCache.default()
    request = Request(source_lang=settings.source_lang, target_lang=settings.target_lang, timeout=settings.timeout)
    return Translator(
        engine,
        request=request,
        cache=cache,
        glossary=glossary,
        jobs=settings.jobs,
        code_comments=settings.translate_code_comments,
    )


def progress_run(translator: Translator, label: str, quiet: bool, work: Callable[[], T]) -> T:
    """Run ``work`` with a progress bar of translated segments on a terminal; close the engine after."""
    try:
        if quiet or not sys.stderr.isatty():
            return work()
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("translating {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task(label, total=None)
            translator.on_total = lambda n: progress.update(task, total=n)
            translator.on_progress = lambda n: progress.advance(task, n)
            return work()
    finally:
        translator.engine.close()
        translator.cache.close()


def translation_summary(report: TranslationReport) -> str:
    parts = [
        f"{report.translated} segments translated",
        f"{report.cached} from the translation memory",
        *([f"{report.reviewed} reviewed (PO)"] if report.reviewed else []),
        f"{report.already_in_target} already in the target language",
        f"{len({line for line, _ in report.kept})} kept in the original language",
        f"{report.engine_calls} requests answered",
        f"{report.requests_failed} failed",
        f"{report.characters_sent:,} characters delivered",
    ]
    line = f"engine {report.engine} ({report.model}): " + ", ".join(parts)
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


def run_book(
    args: argparse.Namespace, src: Path, settings: Settings, options: Options, glossary: Glossary, inputs: list[Path]
) -> int:
    """``myst2qmd convert BOOK_DIR -o OUT_DIR``: a Jupyter Book to a Quarto book project."""
    from .book import BookError, book_converter, interrupts_deferred, is_book, refuse_unsafe_paths

    if not is_book(src):
        raise UsageError(f"{src} is a folder without _toc.yml or myst.yml; give a .md file or a Jupyter Book")
    if args.output in (None, "-"):
        raise UsageError("a book needs an output folder: -o OUT_DIR")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    engine = engine_name(settings, args.quiet)
    reserved = [Path(args.report)] if args.report else []
    if engine != "none" and not settings.no_cache:  # the translation memory is written too
        from .translate.cache import default_cache_dir

        reserved.append(default_cache_dir() / "translations.sqlite")
    if args.report and Path(args.report).is_dir():
        raise UsageError(f"--report {args.report} is a folder; give a file name")
    if args.report:
        refuse_writing_onto_inputs(Path(args.report), inputs)
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
    try:
        converter = book_converter(
            src,
            out,
            options=options,
            translator=translator,
            target_lang=settings.target_lang if translator is not None else None,
            reserved=reserved,
            inputs=inputs,
        )
        run = converter.run
        report = progress_run(translator, src.name, args.quiet, run) if translator else run()
        warnings = converter.warnings
        print_warnings(warnings, settings.suppress_warnings)
        print_notes(report.translation_report, settings.suppress_warnings)
        report.suppressed_codes = count_codes(
            w.code for w in warnings if suppressed(w.code, settings.suppress_warnings)
        )
        if review is not None and not write_po(review, args.quiet, str(out)):
            return EXIT_ERROR
        if args.report:
            with interrupts_deferred():
                write_atomically(Path(args.report), json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
                report_written = True
        if not args.quiet:
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
        missing = f"; {args.report} was not written" if args.report and not report_written else ""
        raise KeyboardInterrupt(f"interrupted after {out} was written completely{missing}") from None
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from .check import check

    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    problems, files = check(path, use_pandoc=not args.no_pandoc)
    for problem in problems:
        print(problem)
    noun = "file" if files == 1 else "files"
    print(
        f"{files} {noun} checked: {len(problems) or 'no'} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr
    )
    return EXIT_ERROR if problems else EXIT_OK


def run_po(args: argparse.Namespace) -> int:
    """``myst2qmd po stats DIR``: per PO file and in total, as ``msgfmt --statistics`` counts."""
    from .translate.po import PoError, Stats, folder_stats

    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    try:
        stats = folder_stats(folder)
    except PoError as exc:
        raise UsageError(str(exc)) from exc
    if not stats:
        raise UsageError(f"{folder} holds no PO files")
    total = Stats()
    for name, counts in stats:
        print(f"{name}: {counts}")
        total.add(counts)
    print(f"total ({len(stats)} file{'s' if len(stats) != 1 else ''}): {total}")
    return EXIT_OK


def run_cache(args: argparse.Namespace) -> int:
    from .translate.cache import TranslationCache, default_cache_dir

    folder = default_cache_dir()
    path = folder / "translations.sqlite"
    if args.action == "path":
        print(path)
        return EXIT_OK
    if not path.exists():
        print(f"the translation memory at {path} is empty")
        return EXIT_OK
    cache = TranslationCache(path)
    removed = cache.clear()
    cache.close()
    print(f"removed {removed} entries from {path}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "po":
            return run_po(args)
        return run_cache(args) if args.command == "cache" else run_convert(args)
    except FatalEngineError as exc:
        print(f"myst2qmd: error: {exc}; nothing was written", file=sys.stderr)
        return EXIT_ERROR
    except (UsageError, ConfigError) as exc:
        print(f"myst2qmd: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "interrupted; nothing was written"
        print(f"myst2qmd: {said}", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: a message, never a traceback
        print(f"myst2qmd: error: {type(exc).__name__}: {exc} (please report this with the input file)", file=sys.stderr)
        if os.environ.get("MYST2QMD_DEBUG"):
            raise
        return EXIT_ERROR
