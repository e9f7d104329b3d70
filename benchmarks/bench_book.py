"""Whole-book conversion speed on the real corpus (../shared/corpus/quadriga-tabelle-1).

Converts the book into a fresh temporary folder ``--repeat`` times (default 5) and prints
chapters/s and MB/s of chapter source as the median with min and max. A second number shows an
incremental re-run into the same folder (nothing changed: nothing is written). Runs alternate,
so machine noise hits both alike; compare ratios across revisions, not single timings.

Usage: ``python benchmarks/bench_book.py [--repeat 5] [BOOK_DIR]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from myst2qmd.book import convert_book, read_book

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "quadriga-tabelle-1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("book", nargs="?", default=str(CORPUS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = Path(args.book)
    chapters = read_book(folder).chapters
    size = sum(c.source.stat().st_size for c in chapters)
    cold: list[float] = []
    warm: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.repeat):
            out = Path(tmp) / f"run{n}"
            start = time.perf_counter()
            convert_book(folder, out)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            report, _ = convert_book(folder, out)
            warm.append(time.perf_counter() - start)
            assert report.files_written == 0
    print(f"{folder.name}: {len(chapters)} chapters, {size / 1e6:.2f} MB of chapter source")
    for name, times in (("fresh output", cold), ("unchanged re-run", warm)):
        median = statistics.median(times)
        print(
            f"  {name}: median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}) = "
            f"{len(chapters) / median:.1f} chapters/s, {size / 1e6 / median:.2f} MB/s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
