"""The ``myst2qmd`` command.

Exit codes: 0 converted (warnings go to stderr as ``file:line: warning: …``), 2 bad usage
or input that cannot be read, 1 anything else.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import __version__
from .config import ConfigError, resolve
from .convert import Result, convert_text
from .macros import MacroFileError, load_macros

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

ENGINES = ("none",)


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
        description="Convert one MyST Markdown file to Quarto. Warnings name file:line.",
    )
    convert.add_argument("src", metavar="SRC.md", help="the MyST Markdown file to convert")
    convert.add_argument("-o", "--output", metavar="OUT.qmd",
                         help="where to write (default: SRC with .qmd beside it; '-' for stdout)")
    convert.add_argument("--engine", choices=ENGINES, default=None,
                         help="translation engine (default: none; translation comes in a later release)")
    convert.add_argument("--images-path", metavar="PREFIX", default=None,
                         help='write images of the images folder as {{< meta params.images_path >}}NAME '
                              'and add params: images_path: "PREFIX" to the front matter')
    convert.add_argument("--escape-fences", action="store_const", const=True, default=None,
                         help="write every code fence as \\``` (for pasting into a chat)")
    convert.add_argument("--macros", metavar="FILE", default=None,
                         help="expand LaTeX macros defined in a Jupyter Book _config.yml or a .tex file")
    convert.add_argument("--config", metavar="FILE", default=None,
                         help="settings file (default: myst2qmd.toml found from the current folder up)")
    convert.add_argument("-q", "--quiet", action="store_true", help="print warnings only, no summary")
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


def summary(result: Result, src: Path, out: str) -> str:
    counts = result.counts
    shown = ["figure", "citation", "reference", "callout", "code cell", "equation", "table", "LaTeX comment removed"]
    parts = [
        f"{counts[k]} {k}{'s' if counts[k] != 1 and not k.endswith('removed') else ''}"
        for k in shown if counts.get(k)
    ]
    n_warn = sum(1 for w in result.warnings if w.level == "warning")
    parts.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    return f"{src} -> {out}: " + ", ".join(parts)


def run_convert(args: argparse.Namespace) -> int:
    settings: dict[str, Any] = resolve(
        {"engine": args.engine, "images-path": args.images_path,
         "escape-fences": args.escape_fences, "macros": args.macros},
        args.config, Path.cwd(),
    )
    engine = settings.get("engine", "none")
    if engine not in ENGINES:
        raise UsageError(f"unknown engine '{engine}' (available: {', '.join(ENGINES)})")
    src = Path(args.src)
    text = read_source(src)
    if args.output == "-":
        out_path = None
    else:
        out_path = Path(args.output) if args.output else src.with_suffix(".qmd")
        if out_path.resolve() == src.resolve() or (out_path.exists() and os.path.samefile(out_path, src)):
            raise UsageError(f"refusing to overwrite the input {src}; choose another -o")
        if out_path.is_dir():
            raise UsageError(f"{out_path} is a folder; give a file name for -o")
        if not out_path.parent.exists() and str(out_path.parent):
            raise UsageError(f"folder {out_path.parent} does not exist")
    macros = {}
    if settings.get("macros"):
        try:
            macros = load_macros(settings["macros"])
        except MacroFileError as exc:
            raise UsageError(str(exc)) from exc
    result = convert_text(
        text,
        path=str(src),
        images_path=settings.get("images-path"),
        escape_fences=bool(settings.get("escape-fences", False)),
        macros=macros,
    )
    for warning in result.warnings:
        print(warning, file=sys.stderr)
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
        try:
            write_atomically(out_path, result.text)
        except OSError as exc:
            print(f"myst2qmd: error: cannot write {out_path}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
    if not args.quiet:
        print(summary(result, src, "stdout" if out_path is None else str(out_path)), file=sys.stderr)
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
        return run_convert(args)
    except (UsageError, ConfigError) as exc:
        print(f"myst2qmd: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("myst2qmd: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: a message, never a traceback
        print(f"myst2qmd: error: {type(exc).__name__}: {exc} (please report this with the input file)", file=sys.stderr)
        if os.environ.get("MYST2QMD_DEBUG"):
            raise
        return EXIT_ERROR
