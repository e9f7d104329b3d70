#!/usr/bin/env python3
"""Whole-book conversion, whole process, side by side with the bare parse and with mystquarto.

Two books: a real-shaped German course (113 chapters, about 1.2 MB and 1,000 labels, written to a
temporary folder by ``benchmarks/course_book.py`` from real chapter text) and the shared corpus
book (``$MYST2QMD_SHARED/corpus/quadriga-tabelle-1``). Each is converted ``--repeat`` times
(default 5) by ``python -m myst2qmd convert BOOK -o OUT --engine none -q`` into a fresh folder
(chapters in parallel processes when the book is big enough), then once more into the same
folder (nothing changed: nothing is written), in one process (``MYST2QMD_BOOK_PROCESSES=1``), and by
``mystquarto to-quarto BOOK -o OUT`` when it is installed (``$MYSTQUARTO``, else beside this
Python or on ``PATH``; ``pip install mystquarto`` into a venv of its own: not a dependency of the
project; without it that column is skipped with a message). Runs alternate so machine noise hits
both alike. Each run's CPU time is the process's and its workers' (``getrusage`` of the children),
its wall time the clock's; medians are printed.

The floor of the ratio: the bare parse of the same chapters (every ``.md`` file and every Markdown cell of a
notebook) by ``parser.create_md_parser()``, the project's parser factory, in this process, CPU
time, median of the runs; beside it the same chapters parsed as the converter parses a document
(directive bodies and fragments too). Then the ratios of the same run: our CPU / bare parse
(target ≤ 2) and our wall / mystquarto's wall (target ≤ 2); and our CPU without the start-up (a
one-line file converted by a process of its own: interpreter and imports). Last, the floor of any
converter built on this parser in the same run: a process that only imports the parser, its plugins and
PyYAML, plus the parse no converter can do without (every chapter's and every Markdown directive body's
block tokens, and the inline tokens of paragraphs that may hold a construct), as CPU and as the best
wall time two cores allow.

Both trees' ``src`` is compiled to bytecode first and the runs may cache it (as an installed
package has it), whatever ``PYTHONDONTWRITEBYTECODE`` says here.

Start-up: ``myst2qmd --help`` and a one-file ``--engine none`` run, timed, and checked with
``python -X importtime`` not to import a translation engine (httpx, deepl, llama_cpp, py3langid).

With ``--baseline REV`` the same fresh conversion is also timed with git revision REV (checked
out into a temporary worktree, run with its ``src`` first on ``PYTHONPATH``), alternately with
the working tree, and the ratios baseline / now are printed: before and after a change, in one run.

Usage: ``python benchmarks/bench_book.py [--repeat 5] [--baseline REV] [BOOK_DIR ...]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENGINE_MODULES = ("httpx", "deepl", "llama_cpp", "py3langid", "openai")
#: the runs' environment: bytecode cached (as an installed package has it), whatever this shell says
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPATH": str(ROOT / "src"),
    "MYST2QMD_ENGINE": "none",
}
MYST2QMD = [sys.executable, "-m", "myst2qmd"]
#: what any converter built on the project's parser must import: the parser, its plugins, libyaml's PyYAML
PARSER_IMPORTS = [
    sys.executable,
    "-c",
    "import markdown_it, yaml\n"
    "from mdit_py_plugins import amsmath, colon_fence, deflist, dollarmath, field_list, footnote, "
    "front_matter, myst_blocks, myst_role",
]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], **env: str) -> tuple[float, float]:
    """(CPU, wall) seconds of ``command``: its process and every process it started."""
    before, start = _children_cpu(), time.perf_counter()
    subprocess.run(command, check=True, env={**ENV, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return _children_cpu() - before, time.perf_counter() - start


def seconds(command: list[str], **env: str) -> float:
    return timed(command, **env)[1]


def mystquarto() -> str | None:
    """``$MYSTQUARTO``, else ``mystquarto`` beside this Python, else on ``PATH``."""
    given = os.environ.get("MYSTQUARTO")
    if given:
        return given if Path(given).exists() else None
    beside = Path(sys.executable).parent / "mystquarto"
    return str(beside) if beside.exists() else shutil.which("mystquarto")


def median(times: list[float]) -> float:
    return statistics.median(times)


def summary(times: list[float]) -> str:
    return f"median {median(times):6.2f} s (min {min(times):.2f}, max {max(times):.2f})"


def chapter_texts(book: Path) -> list[str]:
    """The MyST of every chapter: ``.md`` files, and the Markdown cells of notebooks."""
    texts = []
    for path in sorted(book.rglob("*")):
        if "_build" in path.parts or path.suffix not in (".md", ".ipynb"):
            continue
        if path.suffix == ".md":
            texts.append(path.read_text(encoding="utf-8"))
            continue
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            if cell.get("cell_type") == "markdown":
                source = cell.get("source", "")
                texts.append("".join(source) if isinstance(source, list) else source)
    return texts


def parse_cpu(texts: list[str], document: bool) -> float:
    """CPU seconds to parse ``texts``: bare (``create_md_parser().parse``) or as the converter does
    (block tokens of the document and of its directive bodies, fragments, options, line maps)."""
    from myst2qmd.convert import parse_text  # noqa: PLC0415 - this tree's package
    from myst2qmd.parser import create_md_parser  # noqa: PLC0415

    md = create_md_parser()
    parse = parse_text if document else md.parse
    start = time.process_time()
    for text in texts:
        parse(text)
    return time.process_time() - start


def least_parse_cpu(texts: list[str]) -> float:
    """CPU seconds of the parse no converter of these chapters can do without: the block tokens of
    every chapter and of every directive body holding Markdown (which the bare parse keeps as fence
    text), by the parser without its inline pass, and the inline tokens of the paragraphs that may
    hold a construct (those the conversion parses; plain prose it leaves unparsed)."""
    from myst2qmd.constructs.inline import may_convert  # noqa: PLC0415 - this tree's package
    from myst2qmd.context import Context  # noqa: PLC0415
    from myst2qmd.convert import parse_text  # noqa: PLC0415
    from myst2qmd.parser import block_parser, parse_inline  # noqa: PLC0415

    bodies: list[str] = []
    for text in texts:  # the bodies' texts, as the converter finds them (not timed)
        _bodies(parse_text(text), bodies)
    md, ctx = block_parser(), Context()
    start = time.process_time()
    for text in [*texts, *bodies]:
        env: dict[str, Any] = {}
        for token in md.parse(text, env):
            if token.type == "inline" and may_convert(token.content, ctx):
                parse_inline(token, env)
    return time.process_time() - start


def _bodies(parsed: Any, found: list[str]) -> None:
    for body in parsed.bodies.values():
        found.append(body.view.text)
        _bodies(body, found)


@dataclass
class Runs:
    """The timings of one book, per kind of run: (CPU, wall) of each run."""

    runs: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def add(self, kind: str, times: tuple[float, float]) -> None:
        self.runs.setdefault(kind, []).append(times)

    def cpu(self, kind: str) -> list[float]:
        return [c for c, _ in self.runs.get(kind, [])]

    def wall(self, kind: str) -> list[float]:
        return [w for _, w in self.runs.get(kind, [])]


def time_book(book: Path, work: Path, repeat: int, other: str | None, baseline: Path | None) -> Runs:
    """Every kind of run of ``book``, ``repeat`` times, alternately."""
    runs = Runs()
    start_file = work / "start.md"
    start_file.write_text("# Start\n", encoding="utf-8")

    def convert(out: Path) -> list[str]:
        return [*MYST2QMD, "convert", str(book), "-o", str(out), "--engine", "none", "-q"]

    for n in range(repeat):
        out = work / f"{book.name}-{n}"
        runs.add("fresh", timed(convert(out)))
        if baseline is not None:
            runs.add("baseline", timed(convert(work / f"{book.name}-base{n}"), PYTHONPATH=str(baseline / "src")))
        runs.add("again", timed(convert(out)))
        runs.add("single", timed(convert(work / f"{book.name}-one{n}"), MYST2QMD_BOOK_PROCESSES="1"))
        one = [*MYST2QMD, "convert", str(start_file), "-o", str(work / "start.qmd"), "--engine", "none", "-q"]
        runs.add("start-up", timed(one))
        if other is not None:  # the floor's imports are printed beside mystquarto's times only
            runs.add("imports", timed(PARSER_IMPORTS))
            runs.add("mystquarto", timed([other, "to-quarto", str(book), "-o", str(work / f"{book.name}-mq{n}")]))
    return runs


def bench_book(book: Path, work: Path, repeat: int, other: str | None, baseline: Path | None = None) -> None:
    texts = chapter_texts(book)
    size = sum(len(t.encode("utf-8")) for t in texts)
    print(f"\n{book.name}: {len(texts)} chapters and notebook cells, {size / 1e6:.2f} MB of MyST")
    runs = time_book(book, work, repeat, other, baseline)
    bare = median([parse_cpu(texts, document=False) for _ in range(repeat)])
    document = median([parse_cpu(texts, document=True) for _ in range(repeat)])
    cpu, wall = median(runs.cpu("fresh")), median(runs.wall("fresh"))
    start = median(runs.cpu("start-up"))
    print(f"  myst2qmd, fresh output:     wall {summary(runs.wall('fresh'))}  {size / 1e6 / wall:.2f} MB/s")
    print(f"                              CPU  {summary(runs.cpu('fresh'))}  (process and workers)")
    print(
        f"  bare parse (create_md_parser().parse), CPU: {bare:6.2f} s; "
        f"as the converter parses documents (blocks): {document:.2f} s"
    )
    print(f"  start-up (a one-line file), CPU:            {start:6.2f} s")
    print(
        f"  our CPU / bare parse:       {cpu / bare:.2f}  (without start-up: {(cpu - start) / bare:.2f}; target <= 2)"
    )
    print(
        f"  myst2qmd, one process:      wall {summary(runs.wall('single'))}  CPU {median(runs.cpu('single')):.2f} s "
        f"(parallel / one process, wall: {wall / median(runs.wall('single')):.2f})"
    )
    print(f"  myst2qmd, unchanged re-run: wall {summary(runs.wall('again'))}")
    if baseline is not None:
        base_cpu, base_wall = median(runs.cpu("baseline")), median(runs.wall("baseline"))
        print(f"  baseline revision, fresh:   wall {summary(runs.wall('baseline'))}  CPU {base_cpu:.2f} s")
        print(
            f"  baseline / now:             wall {base_wall / wall:.2f}, CPU {base_cpu / cpu:.2f} "
            "(above 1: now faster); "
            f"baseline CPU / bare parse: {base_cpu / bare:.2f}"
        )
    if other is None:
        print("  mystquarto: not installed (pip install mystquarto, or MYSTQUARTO=PATH, to compare); skipped")
        return
    theirs = median(runs.wall("mystquarto"))
    print(
        f"  mystquarto to-quarto:       wall {summary(runs.wall('mystquarto'))}  "
        f"CPU {median(runs.cpu('mystquarto')):.2f} s"
    )
    print(f"  myst2qmd / mystquarto, wall: {wall / theirs:.1f}x (target <= 2)")
    floor(runs, bare, median([least_parse_cpu(texts) for _ in range(repeat)]), theirs)


def floor(runs: Runs, bare: float, parse: float, theirs: float) -> None:
    """The least any converter built on this parser spends, in the same run: an interpreter that
    imports the parser, its plugins and PyYAML, plus the parse it cannot do without
    (:func:`least_parse_cpu`), before it converts anything. On 2 cores the parse can at best be
    split in two: the wall floor is the imports plus half the parse."""
    imports = median(runs.cpu("imports"))
    least = imports + parse
    print(
        f"  floor, any markdown-it-py converter: imports {imports:.2f} s + the parse it needs {parse:.2f} s "
        f"= {least:.2f} s CPU = {least / bare:.2f}x the bare parse, before converting anything; wall at best "
        f"{imports + parse / 2:.2f} s = {(imports + parse / 2) / theirs:.1f}x mystquarto"
    )


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
    parser.add_argument("books", nargs="*", type=Path, help="book folders (default: the course + the corpus)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chapters", type=int, default=113, help="chapters of the course book (113)")
    parser.add_argument("--baseline", metavar="REV", help="also time git revision REV, alternately")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(ROOT / "src"))
    from bench_convert import worktree  # noqa: PLC0415 - the same temporary git worktree

    with contextlib.ExitStack() as stack:
        baseline = stack.enter_context(worktree(args.baseline)) if args.baseline else None
        for tree in [ROOT] + ([baseline] if baseline is not None else []):  # compiled before, not in the first run
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "src")], check=True, env=ENV)
        return run(args, baseline)


def run(args: argparse.Namespace, baseline: Path | None) -> int:
    other = mystquarto()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {args.repeat} runs, whole process")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        from course_book import default_books  # noqa: PLC0415 - beside this script

        books = list(args.books) or default_books(work, args.chapters)
        for book in books:
            bench_book(book, work, args.repeat, other, baseline)
        bench_startup(work, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
