"""Translation throughput against a local OpenAI-compatible server that adds 200 ms per request.

Reports, for the seed chapter:

* wall time at ``--jobs 1`` and ``--jobs 8`` (median of ``--repeat`` runs, with min/max, and
  their ratio: batching plus concurrency should hide most of the latency),
* characters sent versus the chapter's size (what a whole-file prompt would send: prose only,
  protected spans as short placeholders),
* the same run again from the translation memory (no requests at all).

With ``--book DIR`` (default: ``../shared/corpus/quadriga-tabelle-1`` when given as ``--book``
without a value), a whole book instead: converted once, then translated in one run as
``myst2qmd convert`` does (``--jobs``, default 4), once with the request limits the CLI gives a
hosted API and once with those of a local server (or the ``--chars``/``--units`` given): requests,
seconds and the share of the characters sent beyond the units (instructions, the example, glossary,
markers, the JSON around them), as the summary reports it and as the server received it.

Usage: ``python benchmarks/bench_translate.py [--repeat 3] [--delay 0.2] [SRC.md | --book [DIR]]``.
The numbers depend on this machine's load; compare the ratios, not single timings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI  # noqa: E402
from myst2qmd import convert_text  # noqa: E402
from myst2qmd.translate import TranslationCache, Translator  # noqa: E402
from myst2qmd.translate.engines import HOSTED_LIMITS, LOCAL_LIMITS  # noqa: E402
from myst2qmd.translate.engines.openai import OpenAIEngine  # noqa: E402

SHARED = Path(os.environ.get("MYST2QMD_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seed" / "cnn-lecture.md"
CORPUS = SHARED / "corpus" / "quadriga-tabelle-1"


def book_chapters(book: Path, out: Path) -> list[str]:
    """The book's chapters as the conversion writes them, untranslated."""
    from myst2qmd import cli

    cli.main(["convert", str(book), "-o", str(out), "--engine", "none", "-q"])
    return [p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.qmd"))]


def run_book(args: argparse.Namespace) -> int:
    """Translate a book's chapters in one run against the slow server, with a hosted API's request limits
    and a local server's (or ``--chars``/``--units``): requests, seconds, the share sent beyond the units."""
    with tempfile.TemporaryDirectory() as tmp:
        texts = book_chapters(Path(args.book), Path(tmp) / "plain")
    print(f"book {args.book}: {len(texts)} chapters; server delay {args.delay * 1000:.0f} ms, --jobs {args.jobs}")
    limits = {"hosted API": HOSTED_LIMITS, "local server": LOCAL_LIMITS}
    if args.chars or args.units:
        limits = {"given": (args.chars or HOSTED_LIMITS[0], args.units or HOSTED_LIMITS[1])}
    for name, (chars, units) in limits.items():
        with FakeOpenAI(delay=args.delay) as server:
            engine = OpenAIEngine(server.base_url, "bench", None, max_batch_chars=chars, max_batch_units=units)
            translator = Translator(engine, cache=TranslationCache(None), jobs=args.jobs)
            start = time.perf_counter()
            _, report, _ = translator.translate_many(texts, [f"c{n}.md" for n in range(len(texts))])
            elapsed = time.perf_counter() - start
            engine.close()
        # measured from what the server received (any revision): every message's characters, less the units'
        sent = sum(len(m["content"]) for body in server.bodies for m in body["messages"])
        beyond = sent - server.answered_characters
        print(
            f"  {name} limits ({units} units / {chars:,} characters a request): {server.requests} requests "
            f"({report.engine_calls} answered) for {report.sent} segments, {report.units_sent} units; "
            f"{elapsed:.1f} s; sent beyond the units: {report.overhead_share:.1%} in the summary "
            f"({beyond / max(1, sent):.1%} of what the server received)"
        )
    return 0


def run(qmd: str, server: FakeOpenAI, jobs: int, cache: TranslationCache) -> tuple[float, int, int]:
    engine = OpenAIEngine(server.base_url, "bench", None, max_batch_chars=6000, max_batch_units=20)
    start = time.perf_counter()
    _, report, _ = Translator(engine, cache=cache, jobs=jobs).translate_document(qmd)
    elapsed = time.perf_counter() - start
    engine.close()
    return elapsed, report.characters_sent, report.engine_calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src", nargs="?", default=str(SEED))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the server adds to every request")
    parser.add_argument("--book", nargs="?", const=str(CORPUS), default=None, help="translate a whole book")
    parser.add_argument("--jobs", type=int, default=4, help="with --book: requests in flight")
    parser.add_argument("--chars", type=int, default=0, help="with --book: characters a request (default: both limits)")
    parser.add_argument("--units", type=int, default=0, help="with --book: units a request (default: both limits)")
    args = parser.parse_args()
    if args.book:
        return run_book(args)
    source = Path(args.src).read_text(encoding="utf-8")
    qmd = convert_text(source).text
    results: dict[int, list[float]] = {1: [], 8: []}
    sent = calls = 0
    with FakeOpenAI(delay=args.delay) as server, tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for jobs in (1, 8):  # alternate, so machine noise hits both
                elapsed, sent, calls = run(qmd, server, jobs, TranslationCache(None))
                results[jobs].append(elapsed)
        cache = TranslationCache(Path(tmp) / "tm.sqlite")
        cold, _, _ = run(qmd, server, 8, cache)
        before = server.requests
        warm, _, warm_calls = run(qmd, server, 8, cache)
        assert server.requests == before and warm_calls == 0
    med1, med8 = statistics.median(results[1]), statistics.median(results[8])
    print(
        f"seed chapter: {len(source):,} characters, {len(qmd):,} after conversion; "
        f"server delay {args.delay * 1000:.0f} ms"
    )
    for jobs in (1, 8):
        times = results[jobs]
        print(
            f"  --jobs {jobs}: median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}), "
            f"{calls} requests"
        )
    print(f"  speed-up --jobs 8 vs --jobs 1: {med1 / med8:.2f}x")
    print(f"  characters sent: {sent:,} = {sent / len(source):.0%} of the chapter a whole-file prompt would send")
    print(f"  from the cache: {warm:.3f} s, 0 requests (cold run with cache: {cold:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
