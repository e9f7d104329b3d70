"""The application: one :class:`~.config.Settings` for a run, then a file run or a book run
(and the ``check``, ``po`` and ``cache`` commands).

The command line (:mod:`..cli`) parses flags and maps failures to exit codes; everything a run
does is here, one module per concern: what every command shares (:mod:`.common`), the single
file run (:mod:`.file_run`), the book run (:mod:`.book_run`), the translation both set up the
same way (:mod:`.translation`), and the other commands (:mod:`.commands`). A run imports what it
needs when it needs it: the converter for a conversion, the translation pipeline and its engine
only when something is translated.

Exit codes: 0 converted (warnings go to stderr as ``file:line: warning [code]: …``), 2 bad usage
or input that cannot be read, 1 anything else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import Settings, load_settings
from .book_run import run_book
from .commands import run_cache, run_check, run_po
from .common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, RunFailed, UsageError, read_glossary, read_macros
from .file_run import run_file
from .translation import print_notes

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "RunFailed",
    "UsageError",
    "convert",
    "print_notes",
    "run_book",
    "run_cache",
    "run_check",
    "run_file",
    "run_po",
    "settings_from",
]


def settings_from(flags: dict[str, Any], config: str | None, **run: Any) -> Settings:
    """The run's one settings object: ``flags`` (``None`` where not given) over ``MYST2QMD_*``
    over the settings file ``config`` (or the one found from the current folder up)."""
    return load_settings(flags, config, Path.cwd(), **run)


def convert(settings: Settings) -> int:
    """``myst2qmd convert``: a book run for a folder, else a file run. A ``--glossary`` file is
    read first (exit 2 if it cannot be); the built-in glossary only by a run that translates."""
    glossary = read_glossary(settings) if settings.glossary_file else None
    settings = read_macros(settings)
    if settings.src.is_dir():
        return run_book(settings, glossary)
    for given, flag in ((settings.only, "--only"), (settings.execute != "auto", "--execute")):
        if given:
            raise UsageError(f"{flag} goes with a book folder (a single file is converted whole; see the README)")
    if settings.report and Path(settings.report).is_dir():
        raise UsageError(f"--report {settings.report} is a folder; give a file name")
    return run_file(settings, glossary)  # --report against the inputs and outputs: check_run_paths
