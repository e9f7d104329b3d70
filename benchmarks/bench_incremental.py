#!/usr/bin/env python3
"""Re-runs after editing one chapter, against the full run, on the same book and machine.

Books: the real-shaped 113-chapter course of ``benchmarks/course_book.py`` (about 1.2 MB and
1,000 labels) and the shared corpus book (``$MYST2QMD_SHARED/corpus/quadriga-tabelle-1``) when it
is there (``course_book.default_books``). Each is copied to a temporary folder; then, ``--repeat`` times (default 5),
alternately: a full run into a fresh folder, and into the folder of the first run after one
sentence was added to a chapter in the middle of the book (``python -m myst2qmd convert BOOK
-o OUT --engine none -q``, whole process). Each run says how long its own work took after the
imports (``start-up``: the interpreter and every module a book run loads, parser included), so
``re-run`` = ``start-up`` + the run itself. The issue's bound: the run itself ≤ 0.3 s.

Usage: ``python benchmarks/bench_incremental.py [--repeat 5] [BOOK_DIR ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MYST2QMD_ENGINE": "none"}

#: one run in a process of its own: the imports a book run needs first (start-up), then the run,
#: timed on its own (wall, and CPU of this process and its worker processes), printed as JSON
RUNNER = """
import io, json, sys, time, contextlib, resource
from myst2qmd import cli
from myst2qmd.application import book_run
from myst2qmd import book, convert, parser
import myst2qmd.book.converter
parser.create_md_parser()
def cpu_now():  # this process's CPU and its (ended) worker processes'
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime
wall, cpu = time.perf_counter(), cpu_now()
with contextlib.redirect_stderr(io.StringIO()) as said:
    code = cli.main(["convert", sys.argv[1], "-o", sys.argv[2], "--engine", "none"])
wall, cpu = time.perf_counter() - wall, cpu_now() - cpu
summary = [line for line in said.getvalue().splitlines() if " chapters" in line]
print(json.dumps({"code": code, "wall": wall, "cpu": cpu, "summary": summary[-1] if summary else ""}))
"""


def one_run(book: Path, out: Path) -> tuple[float, dict[str, object]]:
    """The whole process's wall time, and what the run said of its own time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(book), str(out)], check=True, env=ENV, capture_output=True, text=True
    )
    whole = time.perf_counter() - start
    return whole, json.loads(done.stdout.splitlines()[-1])


def median(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def chapter_to_edit(book: Path) -> Path:
    """A Markdown chapter in the middle of the book (by path)."""
    chapters = sorted(p for p in book.rglob("*.md") if not p.name.startswith(("_", ".")) and "_build" not in p.parts)
    return chapters[len(chapters) // 2]


def bench(source: Path, work: Path, repeat: int) -> None:
    book = work / f"{source.name}-copy"
    shutil.copytree(source, book)
    chapters = [p for p in book.rglob("*") if p.suffix in (".md", ".ipynb") and "_build" not in p.parts]
    size = sum(p.stat().st_size for p in chapters)
    print(f"\n{source.name}: {len(chapters)} source files, {size / 1e6:.2f} MB")
    out = work / f"{source.name}-out"
    one_run(book, out)  # the folder the re-runs go into
    edited = chapter_to_edit(book)
    full_whole, full_own, full_cpu, re_whole, re_own, re_cpu = [], [], [], [], [], []
    said = ""
    for n in range(repeat):
        whole, own = one_run(book, work / f"{source.name}-full{n}")
        full_whole.append(whole)
        full_own.append(float(own["wall"]))  # type: ignore[arg-type]
        full_cpu.append(float(own["cpu"]))  # type: ignore[arg-type]
        with edited.open("a", encoding="utf-8") as handle:
            handle.write(f"\nEin Satz mehr, Nummer {n}.\n")
        whole, own = one_run(book, out)
        re_whole.append(whole)
        re_own.append(float(own["wall"]))  # type: ignore[arg-type]
        re_cpu.append(float(own["cpu"]))  # type: ignore[arg-type]
        said = str(own["summary"])
    start_up = [w - o for w, o in zip(re_whole, re_own, strict=True)]
    print(f"  edited: {edited.relative_to(book)}; the re-run said: {said.split(': ', 1)[-1][:100]}")
    print(f"  full run, whole process:         {median(full_whole)}")
    print(f"  full run, after start-up:        {median(full_own)}  CPU {median(full_cpu)}")
    print(f"  re-run, whole process:           {median(re_whole)}")
    print(f"  re-run, after start-up:          {median(re_own)}  CPU {median(re_cpu)}")
    print(f"  start-up (interpreter, imports): {median(start_up)}")
    ratio = statistics.median(full_own) / statistics.median(re_own)
    cpu_ratio = statistics.median(full_cpu) / statistics.median(re_cpu)
    bound = "within" if statistics.median(re_own) <= 0.3 else "ABOVE"
    cpu_bound = "within" if statistics.median(re_cpu) <= 0.3 else "ABOVE"
    print(f"  full / re-run (after start-up):  {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU")
    print(f"  the 0.3 s bound: re-run wall {bound} it, CPU {cpu_bound} it (wall counts a loaded machine's waits)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("books", nargs="*", type=Path, help="book folders (default: the 113-chapter book + corpus)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {args.repeat} runs")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        from course_book import default_books  # noqa: PLC0415 - beside this script

        books = list(args.books) or default_books(work)
        for book in books:
            bench(book, work, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
