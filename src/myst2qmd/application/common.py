"""What every command of the application shares: exit codes and their exceptions, reading the
inputs, printing warnings and summaries, and the paths a run writes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codes import Code, Count, count_codes, suppressed
from ..config import Settings
from ..context import Warning_
from ..files import MAX_NOTEBOOK_BYTES, MAX_TEXT_BYTES, read_bounded

if TYPE_CHECKING:
    from ..convert import Result
    from ..translate.glossary import Glossary

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad usage or unreadable input: exit 2 with a one-line message."""


class RunFailed(Exception):
    """The run cannot go on (a translation engine that cannot be used): exit 1 with a one-line message."""


def read_macros(settings: Settings) -> Settings:
    """``settings`` with the macros file read (exit 2 if it cannot be)."""
    from ..macros import MacroFileError

    try:
        return settings.with_macros()
    except MacroFileError as exc:
        raise UsageError(str(exc)) from exc


def read_glossary(settings: Settings) -> Glossary:
    """The glossary of ``--glossary FILE`` (no entries without) over the built-in one of the language pair."""
    from ..translate.glossary import Glossary, GlossaryError, load_glossary

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


def report_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def reader_gone() -> int:
    """The reader of stdout went away (``| head``): stop quietly, and keep Python's exit flush quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # a stream without a file descriptor
        pass
    return EXIT_ERROR


def check_run_paths(settings: Settings, engine: str, output: Path | None, attachments: Sequence[Path] = ()) -> None:
    """Every path the run writes (the output, ``--report``, the translation memory, the PO files, a
    notebook's ``attachments``) against every input and against each other (:func:`.paths.refuse_clashes`):
    exit 2 before any work (the attachments: before anything is written)."""
    from ..paths import PathClash, Place, refuse_clashes, run_places

    for path in attachments:
        if path.parent.exists() and not path.parent.is_dir() or path.is_dir():
            raise UsageError(f"cannot write the notebook's attachment {path}: a file or folder is in the way")

    memory = None
    if engine != "none" and not settings.no_cache:
        from ..translate.cache import default_cache_dir

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
    from ..translate.engines import AutoChoice, choose_auto

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
