"""The ``local`` engine's translation quality: corpus chrF on a German lecture reference set.

Each item of ``tests/data/chrf_reference.jsonl`` (German MyST, an English reference, the file and
line it was quoted from) is converted and translated the way ``myst2qmd convert --engine local``
does it: inline markup masked as ``⟨n⟩``, sentence units, every reply checked, a rejected one
retried and otherwise kept in German. The reference is converted the same way, and sacrebleu's
chrF compares the two Quarto texts.

Both setups run (the default) on the same model in one run, item by item in turn, so the
machine's load weighs on both alike: ``before`` is the pipeline without the built-in glossary,
the book's mined terms and the meaning checks (:mod:`myst2qmd.translate.plausible`), ``after``
the pipeline as shipped. A ``--glossary`` is the user's in both (the built-in one goes under it
in ``after``). The prompt as first shipped (six shots, the glossary in the instruction) was the
``before`` of the previous comparison; ``git log benchmarks/bench_chrf.py`` has it.

Usage::

    python benchmarks/bench_chrf.py                     # before and after, all items
    python benchmarks/bench_chrf.py --only after --limit 10 --verbose
    python benchmarks/bench_chrf.py --glossary tests/data/chrf_glossary.yml --terms-only

Seconds per sentence depend on the machine and its load (llama.cpp on the CPU); compare the two
columns of one run, not numbers from different runs. Each column also shows its CPU seconds and
llama.cpp's split of a sentence's time: evaluating the prompt (the sentence's own part: the fixed
instruction and examples are evaluated once) and generating the reply. ``bench_local.py`` times a
whole chapter.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import sacrebleu  # noqa: E402

from myst2qmd import convert_text  # noqa: E402
from myst2qmd.translate import TranslationCache, Translator  # noqa: E402
from myst2qmd.translate.engines.local import LocalEngine  # noqa: E402
from myst2qmd.translate.glossary import Glossary, load_glossary  # noqa: E402

REFERENCE = ROOT / "tests" / "data" / "chrf_reference.jsonl"


@dataclass(frozen=True)
class Setup:
    """How the pipeline translates: with the built-in glossary and the meaning checks, or without."""

    builtin_glossary: bool
    check_meaning: bool
    mine_terms: bool
    capital_start: bool


#: ``before``: the pipeline before the built-in glossary, the book's terms, the meaning checks and
#: the capital first letter (commit be7e0f3); ``after``: as shipped now. The prompt is the same.
SETUPS: dict[str, Setup] = {"before": Setup(False, False, False, False), "after": Setup(True, True, True, True)}


@dataclass
class Item:
    source: str
    reference: str
    origin: str


@dataclass
class Score:
    hypotheses: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0
    #: llama.cpp's seconds evaluating prompts and generating (:class:`LocalStats`)
    prompt_seconds: float = 0.0
    generation_seconds: float = 0.0
    sentences: int = 0
    requests: int = 0
    kept: int = 0


def load_items(path: Path) -> list[Item]:
    """The reference set: one JSON object per line with ``source``, ``reference``, ``origin``."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            data = json.loads(line)
            items.append(Item(data["source"], data["reference"], f"{path.name}:{number} ({data['origin']})"))
    return items


def quarto(myst: str) -> str:
    """The Quarto text of a MyST snippet, as the translator sees it (and as the reader reads it)."""
    return convert_text(myst).text.strip()


def translate(engine: LocalEngine, setup: Setup, glossary: Glossary, item: Item, score: Score) -> str:
    if setup.builtin_glossary:
        glossary = glossary.with_builtin()
    engine.capital_start = setup.capital_start
    translator = Translator(
        engine,
        cache=TranslationCache(None),
        glossary=glossary,
        jobs=1,
        check_meaning=setup.check_meaning,
        mine_terms=setup.mine_terms,
    )
    start, cpu = time.perf_counter(), time.process_time()
    prompt, generation = engine.stats.prompt_seconds, engine.stats.generation_seconds
    text, report, _ = translator.translate_document(quarto(item.source) + "\n")
    score.seconds += time.perf_counter() - start
    score.cpu += time.process_time() - cpu
    score.prompt_seconds += engine.stats.prompt_seconds - prompt
    score.generation_seconds += engine.stats.generation_seconds - generation
    score.requests += report.engine_calls
    score.kept += len(report.kept)
    return text.strip()


def sentence_count(engine: LocalEngine, item: Item) -> int:
    """Sentence units the pipeline plans for the item (what one request each translates)."""
    from myst2qmd.segments import extract_segments
    from myst2qmd.translate.pipeline import TranslationReport

    translator = Translator(engine, cache=TranslationCache(None))
    jobs = translator.plan(extract_segments(quarto(item.source) + "\n"), TranslationReport())
    return sum(len(job.pieces) for job in jobs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REFERENCE, help="the reference set (JSONL)")
    parser.add_argument("--only", choices=sorted(SETUPS), help="run one setup instead of comparing both")
    parser.add_argument("--limit", type=int, default=0, help="the first N items only (0: all)")
    parser.add_argument("--every", type=int, default=1, help="every k-th item only (a spread-out subset)")
    parser.add_argument("--glossary", type=Path, help="a glossary (YAML or CSV), as --glossary of convert")
    parser.add_argument(
        "--terms-only", action="store_true", help="with --glossary: only the items a glossary term occurs in"
    )
    parser.add_argument("--verbose", action="store_true", help="print every item's translations")
    args = parser.parse_args()

    items = load_items(args.data)[:: args.every]
    if args.limit:
        items = items[: args.limit]
    glossary = load_glossary(args.glossary) if args.glossary else Glossary()
    if args.terms_only:
        items = [item for item in items if glossary.occurring(item.source)]
    names = [args.only] if args.only else ["before", "after"]
    engine = LocalEngine()
    scores = {name: Score() for name in names}
    sentences = 0
    for index, item in enumerate(items):
        sentences += sentence_count(engine, item)
        order = names if index % 2 == 0 else names[::-1]  # neither setup always runs first
        for name in order:
            scores[name].hypotheses.append(translate(engine, SETUPS[name], glossary, item, scores[name]))
        if args.verbose:
            print(f"{item.origin}\n  de:  {quarto(item.source)}\n  ref: {quarto(item.reference)}")
            for name in names:
                print(f"  {name + ':':<7}{scores[name].hypotheses[-1]}")
            print(flush=True)
    references = [quarto(item.reference) for item in items]
    print(
        f"{len(items)} items, {sentences} sentences (the local engine translates one at a time)"
        + (f", glossary {args.glossary} ({len(glossary.entries)} terms)" if args.glossary else "")
    )
    for name in names:
        score = scores[name]
        chrf = sacrebleu.corpus_chrf(score.hypotheses, [references]).score
        per = max(sentences, 1)
        print(
            f"  {name:<6} chrF {chrf:5.1f}   {score.seconds / per:5.2f} s per sentence ({score.cpu / per:4.2f} s CPU;"
            f" prompt {score.prompt_seconds / per:4.2f} s, generation {score.generation_seconds / per:4.2f} s)"
            f"   {score.requests} requests, {score.kept} part(s) kept in German"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
