"""The commands beside ``convert``: ``check``, ``po stats`` and ``cache``."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import EXIT_ERROR, EXIT_OK, UsageError, reader_gone


def run_check(path: Path, use_pandoc: bool = True) -> int:
    """``myst2qmd check PATH``: problems on stdout, a count on stderr; exit 1 when there are problems."""
    from ..check import PANDOC_CHECKS, PANDOC_HINT, check, find_pandoc

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
    from ..translate.po_files import PoError
    from ..translate.po_stats import Stats, folder_stats, kept_entries

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
    from ..translate.cache import MemoryFault, clear_memory, default_path

    path = default_path()
    if action == "path":
        print(path)
        return EXIT_OK
    try:
        print(clear_memory(path))
    except MemoryFault as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK
