#!/usr/bin/env python3
"""Whole-book conversion, whole process, side by side with mystquarto.

Two books: a synthetic one shaped like ct-book (113 chapters, about 1.2 MB and 800 labels,
written to a temporary folder by ``tests/scaling_families.write_book``) and the shared corpus
book (``$MYST2QMD_SHARED/corpus/quadriga-tabelle-1``). Each is converted ``--repeat`` times
(default 5) by ``python -m myst2qmd convert BOOK -o OUT --engine none -q`` into a fresh folder
(chapters in parallel processes when the book is big enough), then once more into the same
folder (nothing changed: nothing is written), in one process (``MYST2QMD_BOOK_PROCESSES=1``), and by
``mystquarto to-quarto BOOK -o OUT`` when it is installed (``pip install mystquarto``: not a
dependency of the project; without it that column is skipped with a message). Runs alternate so
machine noise hits both alike; the medians and their ratio are printed.

Start-up: ``myst2qmd --help`` and a one-file ``--engine none`` run, timed, and checked with
``python -X importtime`` not to import a translation engine (httpx, deepl, llama_cpp, py3langid).

With ``--baseline REV`` the same fresh conversion is also timed with git revision REV (checked
out into a temporary worktree, run with its ``src`` first on ``PYTHONPATH``), alternately with
the working tree, and the ratio baseline / now is printed: before and after a change, in one run.

Usage: ``python benchmarks/bench_book.py [--repeat 5] [--baseline REV] [BOOK_DIR ...]``
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MYST2QMD_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "quadriga-tabelle-1"
ENGINE_MODULES = ("httpx", "deepl", "llama_cpp", "py3langid", "openai")
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MYST2QMD_ENGINE": "none"}
MYST2QMD = [sys.executable, "-m", "myst2qmd"]


def seconds(command: list[str], **env: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env={**ENV, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def mystquarto() -> str | None:
    beside = Path(sys.executable).parent / "mystquarto"
    return str(beside) if beside.exists() else shutil.which("mystquarto")


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):6.2f} s (min {min(times):.2f}, max {max(times):.2f})"


def bench_book(book: Path, work: Path, repeat: int, other: str | None, baseline: Path | None = None) -> None:
    chapters = [p for p in book.rglob("*") if p.suffix in (".md", ".ipynb") and "_build" not in p.parts]
    size = sum(p.stat().st_size for p in chapters)
    print(f"\n{book.name}: {len(chapters)} source files, {size / 1e6:.2f} MB")
    fresh: list[float] = []
    single: list[float] = []
    again: list[float] = []
    theirs: list[float] = []
    before: list[float] = []
    for n in range(repeat):
        out = work / f"{book.name}-{n}"
        fresh.append(seconds([*MYST2QMD, "convert", str(book), "-o", str(out), "--engine", "none", "-q"]))
        if baseline is not None:
            old = [*MYST2QMD, "convert", str(book), "-o", str(work / f"{book.name}-base{n}"), "--engine", "none", "-q"]
            before.append(seconds(old, PYTHONPATH=str(baseline / "src")))
        again.append(seconds([*MYST2QMD, "convert", str(book), "-o", str(out), "--engine", "none", "-q"]))
        one = [*MYST2QMD, "convert", str(book), "-o", str(work / f"{book.name}-one{n}"), "--engine", "none", "-q"]
        single.append(seconds(one, MYST2QMD_BOOK_PROCESSES="1"))
        if other is not None:
            theirs.append(seconds([other, "to-quarto", str(book), "-o", str(work / f"{book.name}-mq{n}")]))
    print(f"  myst2qmd, fresh output:     {summary(fresh)}  {size / 1e6 / statistics.median(fresh):.2f} MB/s")
    print(
        f"  myst2qmd, one process:      {summary(single)}  (parallel / one process: "
        f"{statistics.median(fresh) / statistics.median(single):.2f})"
    )
    print(f"  myst2qmd, unchanged re-run: {summary(again)}")
    if before:
        ratio = statistics.median(before) / statistics.median(fresh)
        print(f"  baseline revision, fresh:   {summary(before)}  (baseline / now: {ratio:.2f}; above 1: now faster)")
    if other is None:
        print("  mystquarto: not installed (pip install mystquarto to compare); skipped")
        return
    ratio = statistics.median(fresh) / statistics.median(theirs)
    print(f"  mystquarto to-quarto:       {summary(theirs)}")
    print(f"  myst2qmd / mystquarto:      {ratio:.1f}x")


def engines_imported(args: list[str]) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "myst2qmd", *args], env=ENV, capture_output=True, text=True
    )
    names = {line.split("|")[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    return sorted(n for n in names if n.split(".")[0] in ENGINE_MODULES)


def bench_startup(work: Path, repeat: int) -> None:
    one = work / "one.md"
    one.write_text("# Kapitel\n\nSiehe {ref}`sec-a`.\n\n(sec-a)=\n## A\n", encoding="utf-8")
    runs = {
        "myst2qmd --help": ["--help"],
        "one file, --engine none": ["convert", str(one), "-o", str(work / "one.qmd"), "--engine", "none", "-q"],
    }
    print("\nstart-up")
    for name, args in runs.items():
        times = [seconds([*MYST2QMD, *args]) for _ in range(repeat)]
        found = engines_imported(args)
        said = f"imports {', '.join(found)}" if found else "imports no translation engine"
        print(f"  {name:<26} {summary(times)}  {said}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("books", nargs="*", type=Path, help="book folders (default: synthetic + corpus)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chapters", type=int, default=113, help="chapters of the synthetic book (113)")
    parser.add_argument("--baseline", metavar="REV", help="also time git revision REV, alternately")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_convert import worktree  # noqa: PLC0415 - the same temporary git worktree

    with contextlib.ExitStack() as stack:
        baseline = stack.enter_context(worktree(args.baseline)) if args.baseline else None
        return run(args, baseline)


def run(args: argparse.Namespace, baseline: Path | None) -> int:
    other = mystquarto()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {args.repeat} runs, whole process")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        books = list(args.books)
        if not books:
            sys.path.insert(0, str(ROOT / "tests"))
            from scaling_families import write_book  # noqa: PLC0415 - the tests' generator

            synthetic = work / "synthetic-ct-book"
            write_book(synthetic, args.chapters)
            books = [synthetic] + ([CORPUS] if CORPUS.is_dir() else [])
        for book in books:
            bench_book(book, work, args.repeat, other, baseline)
        bench_startup(work, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
