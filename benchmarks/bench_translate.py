"""Translation throughput against a local OpenAI-compatible server that adds 200 ms per request.

Reports, for the seed chapter:

* wall time at ``--jobs 1`` and ``--jobs 8`` (median of ``--repeat`` runs, with min/max, and
  their ratio: batching plus concurrency should hide most of the latency),
* characters sent versus the chapter's size (what a whole-file prompt would send: prose only,
  protected spans as short placeholders),
* the same run again from the translation memory (no requests at all).

With ``--book DIR`` (default: ``../shared/corpus/quadriga-tabelle-1`` when given as ``--book``
without a value), a whole book instead: converted once, then translated in one run as
``myst2qmd convert`` does (``--jobs``, default 4, the CLI's batch limits for a local server unless
``--chars``/``--units`` say otherwise): requests, seconds and the share of the characters sent
beyond the units (instructions, examples, glossary).

Usage: ``python benchmarks/bench_translate.py [--repeat 3] [--delay 0.2] [SRC.md | --book [DIR]]``.
The numbers depend on this machine's load; compare the ratios, not single timings.
"""

from __future__ import annotations

import argparse
import json
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
    """Translate a book's chapters in one run against the slow server: requests, seconds, overhead."""
    with FakeOpenAI(delay=args.delay) as server, tempfile.TemporaryDirectory() as tmp:
        texts = book_chapters(Path(args.book), Path(tmp) / "plain")
        engine = OpenAIEngine(server.base_url, "bench", None, max_batch_chars=args.chars, max_batch_units=args.units)
        translator = Translator(engine, cache=TranslationCache(None), jobs=args.jobs)
        start = time.perf_counter()
        _, report, _ = translator.translate_many(texts, [f"c{n}.md" for n in range(len(texts))])
        elapsed = time.perf_counter() - start
        engine.close()
    print(
        f"book {args.book}: {len(texts)} chapters, {report.sent} segments sent as {report.units_sent} units; "
        f"server delay {args.delay * 1000:.0f} ms, --jobs {args.jobs}, requests of at most {args.units} units / "
        f"{args.chars} characters"
    )
    # measured from what the server received (any revision): every message's characters, less the units'
    sent = sum(len(m["content"]) for body in server.bodies for m in body["messages"])
    units = sum(len(t) for body in server.bodies for t in json.loads(body["messages"][-1]["content"]).values())
    overhead = sent - units
    share = overhead / max(1, sent)
    print(
        f"  {server.requests} requests ({report.engine_calls} answered), {elapsed:.1f} s; "
        f"{units:,} characters of units, {overhead:,} beyond them: "
        f"overhead share {share:.0%}"
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
    parser.add_argument("--chars", type=int, default=1500, help="with --book: characters a request")
    parser.add_argument("--units", type=int, default=8, help="with --book: units a request")
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
