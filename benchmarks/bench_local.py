"""The ``local`` engine's speed on a whole chapter: where the time goes, sentence by sentence.

Translates a chapter (``../shared/seed/cnn-lecture.md`` by default) the way ``myst2qmd convert
--engine local`` does (the built-in glossary, the book's terms, the meaning checks, ``--jobs 4``)
and prints the run's wall and CPU time, the machine's load, and llama.cpp's own counters: prompt
tokens evaluated and generated tokens, with their seconds, per sentence and in all.

``--layout before`` runs the engine the way it ran before it had one context per core: a single
context with a thread per core (llama.cpp's threads spin while they wait for each other, which a
busy machine punishes).

Usage::

    python benchmarks/bench_local.py                         # the seed chapter, as shipped
    python benchmarks/bench_local.py --layout before
    python benchmarks/bench_local.py path/to/chapter.md --jobs 1

Wall time depends on the machine and its load (``uptime``); CPU time much less so. Compare runs
made close together.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from myst2qmd import convert_text  # noqa: E402
from myst2qmd.translate import TranslationCache, Translator  # noqa: E402
from myst2qmd.translate.engines.local import LocalEngine, LocalStats, usable_cores  # noqa: E402
from myst2qmd.translate.glossary import Glossary  # noqa: E402

SEED = Path(os.environ.get("MYST2QMD_SHARED", ROOT.parent / "shared")) / "seed" / "cnn-lecture.md"


def report(stats: LocalStats, wall: float, cpu: float, sentences: int) -> None:
    """Print the run's times and llama.cpp's counters, in all and per sentence."""
    calls = max(stats.calls, 1)
    print(f"  wall {wall:6.1f} s   CPU {cpu:6.1f} s   ({wall / max(sentences, 1):.2f} s wall per sentence)")
    print(
        f"  {stats.calls} completions for {sentences} units sent (sentences and retries); per completion: "
        f"{stats.seconds / calls:.2f} s ({stats.prompt_tokens / calls:.0f} prompt tokens in "
        f"{stats.prompt_seconds / calls:.2f} s, {stats.generated_tokens / calls:.1f} generated in "
        f"{stats.generation_seconds / calls:.2f} s)"
    )
    share = stats.generation_seconds / max(stats.prompt_seconds + stats.generation_seconds, 1e-9)
    print(
        f"  prompt evaluation {stats.prompt_seconds:6.1f} s ({stats.prompt_tokens} tokens), generation "
        f"{stats.generation_seconds:6.1f} s ({stats.generated_tokens} tokens): {share:.0%} of it generating"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapter", type=Path, nargs="?", default=SEED, help="a MyST chapter (default: the seed)")
    parser.add_argument("--jobs", type=int, default=4, help="requests in flight, as convert's --jobs (default 4)")
    parser.add_argument(
        "--layout", choices=("after", "before"), default="after", help="contexts per core (after) or one context"
    )
    args = parser.parse_args()
    if not args.chapter.exists():
        where = "the seed chapter lives in ../shared; MYST2QMD_SHARED names another folder"
        print(f"bench_local: {args.chapter} not found ({where})", file=sys.stderr)
        return 2
    cores = usable_cores()
    engine = LocalEngine(threads=cores, contexts=1) if args.layout == "before" else LocalEngine()
    qmd = convert_text(args.chapter.read_text(encoding="utf-8")).text
    translator = Translator(engine, cache=TranslationCache(None), glossary=Glossary().with_builtin(), jobs=args.jobs)
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    _, summary, _ = translator.translate_document(qmd)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    threads = engine.llm.n_threads
    print(
        f"{args.chapter.name}: layout {args.layout}, {len(engine.contexts)} context(s) x {threads} thread(s) on "
        f"{cores} core(s), --jobs {args.jobs}; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    report(engine.stats, wall, cpu, summary.units_sent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
