#!/usr/bin/env python3
"""How conversion time grows: each family of inputs at n and 4n, medians of several runs, and the ratio.

Linear time is a ratio of about 4, quadratic about 16; the goal is at most 5 (issue 10). The
families are those of ``tests/scaling_families.py`` (``tests/test_scaling.py`` pins the same
families, smaller, at a generous bound):

    nested directives (250 -> 1,000), roles in one paragraph (2,000 -> 8,000), an unclosed
    ``<!--`` repeated (4,000 -> 16,000), labelled sections with references (1,500 -> 6,000),
    plain paragraphs (5,000 -> 20,000), and a book of 40 vs 160 chapters (whole book, in-process).

Usage: ``python benchmarks/bench_scaling.py [--repeat 3] [--only FAMILY] [--big 30]``.
``--big 30`` also converts one rich 30 MB file in a process of its own and prints its peak memory.
The nested families' text grows about 14x for 4x the depth (each level's fence is one character
longer): their ``size`` column gives that ratio, which is what linear time is measured against.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from myst2qmd import convert_text  # noqa: E402
from myst2qmd.book import convert_book  # noqa: E402
from scaling_families import FAMILIES, write_book  # noqa: E402

SIZES = {
    "nested directives": 250,
    "nested backtick directives": 250,
    "labelled lists": 1000,
    "roles in one paragraph": 2000,
    "unclosed <!--": 4000,
    "labelled sections": 1500,
    "plain paragraphs": 5000,
}


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def text_work(text: str) -> Callable[[], object]:
    return lambda: convert_text(text)


def book_work(folder: Path, chapters: int) -> Callable[[], object]:
    book = folder / f"book{chapters}"
    write_book(book, chapters)
    runs = iter(range(10**6))
    return lambda: convert_book(book, folder / f"out{chapters}-{next(runs)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="one family (or 'book')")
    parser.add_argument("--big", type=float, default=0, metavar="MB", help="also convert one rich file of MB (30)")
    args = parser.parse_args(argv)
    convert_text("warm up {ref}`x`\n")
    print(f"{'family':<26} {'n':>7} {'time':>9} {'4n':>7} {'time':>9} {'ratio':>6}  (medians of {args.repeat})")
    with tempfile.TemporaryDirectory() as tmp:
        cases: list[tuple[str, int, Callable[[int], Callable[[], object]]]] = [
            (name, n, lambda k, name=name: text_work(FAMILIES[name](k))) for name, n in SIZES.items()
        ]
        cases.append(("book (chapters)", 40, lambda k: book_work(Path(tmp), k)))
        for name, n, make in cases:
            if args.only and args.only not in name:
                continue
            small = median_seconds(make(n), args.repeat)
            large = median_seconds(make(4 * n), args.repeat)
            size = f"  (size {len(FAMILIES[name](4 * n)) / len(FAMILIES[name](n)):.1f}x)" if name in FAMILIES else ""
            print(f"{name:<26} {n:>7} {small:>8.3f}s {4 * n:>7} {large:>8.3f}s {large / small:>6.1f}{size}")
    if args.big:
        big_file(args.big)
    return 0


def big_file(megabytes: float) -> None:
    """Time and peak memory (of a process of its own) converting one rich file of ``megabytes``."""
    code = (
        "import resource, sys, time; from scaling_families import rich_file; from myst2qmd import convert_text; "
        f"text = rich_file({megabytes}); start = time.perf_counter(); convert_text(text); "
        "print(time.perf_counter() - start, len(text.encode()) / 1e6, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"  # a fresh process: its own peak
    )
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT / "src")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    took, size, peak = (float(x) for x in out.split())
    print(f"one rich file of {size:.1f} MB: {took:.1f} s, peak memory {peak:.0f} MB (goal: 30 MB under 1 GB)")


if __name__ == "__main__":
    raise SystemExit(main())
