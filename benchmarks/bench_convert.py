#!/usr/bin/env python3
"""Benchmark: convert 50 copies of the seed chapter with ``myst2qmd.convert_text``.

    .venv/bin/python benchmarks/bench_convert.py                   # this working tree
    .venv/bin/python benchmarks/bench_convert.py --baseline HEAD~3 # against another revision
    .venv/bin/python benchmarks/bench_convert.py --compare         # against HEAD (uncommitted work)

One *run* converts every copy once (each copy gets a distinct trailing comment, so nothing
can be served from a cache). The script warms up on one copy, then ``--repeats`` timed runs
(default 5), and prints files/s and MB/s as the median with min and max.

With ``--baseline REV`` it checks REV out into a temporary ``git worktree``, imports that
revision's package in this same process, and times the two versions alternately (A B B A
A B ...) so that noise from the machine hits both alike. It prints both and the speed-up
(baseline time / current time) as the median, min and max of the per-pair ratios: above 1
means the working tree is faster. The worktree is removed afterwards.

The seed is ``$MYST2QMD_SHARED/seed/cnn-lecture.md`` (default: ``../shared`` beside the
checkout) or ``--seed FILE``. Only the conversion is timed, not reading or writing files.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MYST2QMD_SHARED", ROOT.parent / "shared"))
PACKAGE = "myst2qmd"


class Version:
    """One importable copy of the package, and the ``sys.modules`` entries that are it."""

    def __init__(self, label: str, src: Path) -> None:
        self.label = label
        saved = _take_modules()
        sys.path.insert(0, str(src))
        try:
            import myst2qmd  # noqa: PLC0415 - imported from ``src`` on purpose

            origin = Path(myst2qmd.__file__).resolve().parent
            if origin != (src / PACKAGE).resolve():
                raise SystemExit(f"{label}: imported {origin}, not {src / PACKAGE}")
            self.convert: Callable[..., object] = myst2qmd.convert_text
            self.version = getattr(myst2qmd, "__version__", "?")
        finally:
            sys.path.remove(str(src))
            self.modules = _take_modules()
            sys.modules.update(saved)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make this copy the ``myst2qmd`` that imports inside functions find."""
        saved = _take_modules()
        sys.modules.update(self.modules)
        try:
            yield
        finally:
            self.modules = _take_modules()
            sys.modules.update(saved)


def _take_modules() -> dict[str, ModuleType]:
    names = [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]
    return {n: sys.modules.pop(n) for n in names}


def make_copies(seed: str, files: int) -> list[str]:
    return [f"{seed}\n<!-- copy {i} -->\n" for i in range(files)]


def one_run(version: Version, texts: list[str]) -> float:
    with version.active():
        start = time.perf_counter()
        for text in texts:
            version.convert(text)
        return time.perf_counter() - start


def report(label: str, seconds: list[float], files: int, megabytes: float) -> None:
    def line(name: str, amount: float, fmt: str) -> str:
        rates = [amount / s for s in seconds]
        return f"  {name:<8} {statistics.median(rates):{fmt}}  (min {min(rates):{fmt}}, max {max(rates):{fmt}})"

    print(f"{label}:")
    print(line("files/s", files, ".1f"))
    print(line("MB/s", megabytes, ".3f"))


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="myst2qmd-bench-"))
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", "--quiet", str(folder), rev], check=True)
    try:
        yield folder
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50, help="copies of the seed per run (50)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs (5)")
    parser.add_argument("--seed", type=Path, default=SHARED / "seed" / "cnn-lecture.md")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--baseline", metavar="REV", help="also time git revision REV, alternately")
    group.add_argument("--compare", action="store_true", help="same as --baseline HEAD")
    args = parser.parse_args(argv)
    if args.compare:
        args.baseline = "HEAD"

    texts = make_copies(args.seed.read_text(encoding="utf-8"), args.files)
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    current = Version("working tree", ROOT / "src")
    print(
        f"{args.files} copies of {args.seed.name}, {megabytes:.2f} MB per run, "
        f"{args.repeats} runs; Python {sys.version.split()[0]}"
    )

    if not args.baseline:
        one_run(current, texts[:1])
        times = [one_run(current, texts) for _ in range(args.repeats)]
        report(f"myst2qmd {current.version} ({current.label})", times, args.files, megabytes)
        return 0

    with worktree(args.baseline) as folder:
        base = Version(f"baseline {args.baseline}", folder / "src")
        one_run(current, texts[:1])
        one_run(base, texts[:1])
        pairs: list[tuple[float, float]] = []
        for i in range(args.repeats):
            if i % 2 == 0:
                t_cur, t_base = one_run(current, texts), one_run(base, texts)
            else:
                t_base, t_cur = one_run(base, texts), one_run(current, texts)
            pairs.append((t_cur, t_base))
    report(f"myst2qmd {current.version} ({current.label})", [p[0] for p in pairs], args.files, megabytes)
    report(f"myst2qmd {base.version} ({base.label})", [p[1] for p in pairs], args.files, megabytes)
    ratios = [t_base / t_cur for t_cur, t_base in pairs]
    print(
        f"speed-up (baseline time / working-tree time): {statistics.median(ratios):.3f}  "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f}; > 1 means the working tree is faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
