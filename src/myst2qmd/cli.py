"""The ``myst2qmd`` command: flags in, exit code out; the runs themselves are in :mod:`.application`.

Exit codes: 0 converted (warnings go to stderr as ``file:line: warning [code]: …``), 2 bad usage
or input that cannot be read, 1 anything else.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from . import __version__
from .application import (
    EXIT_ERROR,
    EXIT_USAGE,
    RunFailed,
    UsageError,
    convert,
    run_cache,
    run_check,
    run_po,
    settings_from,
)
from .config import ENGINE_NAMES, ConfigError
from .dialect import DIALECT_NAMES
from .files import STOP_SIGNALS, stop_signal, stops_as_interrupts


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
        choices=ENGINE_NAMES,
        default=None,
        help="translation engine: auto (default: DeepL if DEEPL_AUTH_KEY is set, else openai if "
        "OPENAI_API_KEY or MYST2QMD_BASE_URL is set, else a local Ollama or llama.cpp server on its default port, "
        "else local (the embedded model) if installed, else none; says which and why), "
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
        "--dialect",
        choices=DIALECT_NAMES,
        type=str.lower,
        default=None,
        help="the MyST dialect of the input: jb1 (Jupyter Book 1: MyST-Parser and Sphinx) or jb2 (Jupyter "
        "Book 2: mystmd, where e.g. an admonition's argument is its title). Default: the project's, by the nearest "
        "project file in the book folder or above the file: myst.yml jb2, _config.yml or _toc.yml jb1; none: jb1",
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
        "--to",
        dest="target_lang",
        metavar="LANG",
        default=None,
        help="language to translate to, a BCP 47 code in any case: en, en-GB, pt-BR (default: en)",
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
    tr.add_argument(
        "--rpm",
        type=float,
        metavar="N",
        default=None,
        help="requests per minute at most, shared by all --jobs: paces a run under a provider's rate limit "
        "instead of running into HTTP 429 (default: no limit)",
    )
    tr.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        default=None,
        help="the most one request may take in all: connecting, sending, the whole answer (default: 120)",
    )
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
        "--retry-kept",
        action="store_const",
        const=True,
        default=None,
        help="send again what the translation memory remembers the engine could not translate "
        "(by default a re-run keeps it in the original language, with its warning, and sends nothing)",
    )
    tr.add_argument(
        "--po-inside-book",
        action="store_const",
        const=True,
        default=None,
        help="allow the --po folder inside the book (sphinx-intl's locales/ layout); without it, refused",
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
        help="write what was converted, warned and translated as JSON, with every segment kept in the "
        "original language (file and line)",
    )
    convert.add_argument(
        "--only",
        metavar="CHAPTER",
        action="append",
        default=None,
        help="with a book: convert and translate only these chapters (source paths or glob patterns, "
        "e.g. kapitel/faltung.md or 'kapitel/*'; repeatable); the others are left as they are in the output",
    )
    convert.add_argument(
        "--execute",
        choices=("auto", "freeze", "off", "on"),
        default=None,
        help="with a book: what _quarto.yml says about running code cells at render time: freeze (run once, "
        "keep the results in _freeze/), off (never run: notebooks show their stored outputs), on (run on "
        "every render), auto (default: as the book's execute_notebooks says)",
    )
    convert.add_argument("-q", "--quiet", action="store_true", help="print warnings only, no summary")
    convert.add_argument(
        "--force",
        action="store_true",
        help="with a book: convert every chapter; without it, a run into an output folder it wrote before "
        "converts only the chapters whose source, settings or referenced labels and files changed",
    )
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
        "without a Quarto prefix, missing images and linked files, includes of a missing file or of the file "
        "itself, YAML that does not parse, unbalanced ::: divs and files that are not UTF-8, as file:line. "
        "Exit 1 when there are problems. Uses pandoc when present (and says what it skipped without it).",
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


def convert_settings(args: argparse.Namespace) -> dict[str, object]:
    """The ``convert`` flags by their setting names (``None`` where not given)."""
    return {
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
        "rpm": args.rpm,
        "timeout": args.timeout,
        "no-cache": args.no_cache,
        "translate-code-comments": args.translate_code_comments,
        "deepl-target": args.deepl_target,
        "suppress-warnings": args.suppress_warnings,
        "po": args.po,
        "retry-kept": args.retry_kept,
        "execute": args.execute,
        "only": args.only,
        "po-inside-book": args.po_inside_book,
        "dialect": args.dialect,
    }


def run(args: argparse.Namespace) -> int:
    """The command ``args`` names."""
    if args.command == "check":
        return run_check(Path(args.path), use_pandoc=not args.no_pandoc)
    if args.command == "cache":
        return run_cache(args.action)
    if args.command == "po":
        return run_po(Path(args.folder))
    settings = settings_from(
        convert_settings(args),
        args.config,
        src=Path(args.src),
        output=args.output,
        report=args.report,
        quiet=args.quiet,
        force=args.force,
    )
    return convert(settings)


def main(argv: list[str] | None = None, *, until_exit: bool = False) -> int:
    """Run the command line; returns the exit code. ``until_exit``: the process ends with this run
    (:func:`entry`), and ignores stop signals from the run's end (or its first one) to its exit."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with stops_as_interrupts(until_exit):  # SIGTERM and SIGHUP: as Ctrl-C (the same clean-up and message)
            return run(args)
    except RunFailed as exc:
        print(f"myst2qmd: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (UsageError, ConfigError) as exc:
        print(f"myst2qmd: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "interrupted; nothing was written"
        print(f"myst2qmd: {said}", file=sys.stderr)
        return 128 + stop_signal()  # 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP
    except Exception as exc:  # noqa: BLE001 - last line of defence: a message, never a traceback
        print(f"myst2qmd: error: {type(exc).__name__}: {exc} (please report this with the input file)", file=sys.stderr)
        if os.environ.get("MYST2QMD_DEBUG"):
            raise
        return EXIT_ERROR


def entry() -> None:
    """The ``myst2qmd`` command (the console script, ``python -m myst2qmd``): :func:`main`, its code
    the process's exit code. Once the run has a stop signal, later ones (Ctrl-C pressed twice, one
    sent to the whole process group) are ignored until the process has exited: exit 130 and one
    message, never a traceback or a death by SIGINT. A Ctrl-C before the run handles stop signals
    (while the command line is read) says the same and exits 130 too."""
    try:
        code = main(until_exit=True)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write("myst2qmd: interrupted; nothing was written\n")
        code = 128 + signal.SIGINT
    if hasattr(signal, "pthread_sigmask"):  # the code is decided: no stop signal ends the exit by signal
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    sys.exit(code)
