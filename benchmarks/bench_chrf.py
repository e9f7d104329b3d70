"""The ``local`` engine's translation quality: corpus chrF on a German lecture reference set.

Each item of ``tests/data/chrf_reference.jsonl`` (German MyST, an English reference, the file and
line it was quoted from) is converted and translated the way ``myst2qmd convert --engine local``
does it: inline markup masked as ``⟨n⟩``, sentence units, every reply checked, a rejected one
retried and otherwise kept in German. The reference is converted the same way, and sacrebleu's
chrF compares the two Quarto texts.

``--compare`` (the default) runs the prompt as shipped before (``before``: the six short shots
with the glossary in the instruction, frozen below) and the current one (``after``) on the same
model in one run, item by item in turn, so the machine's load weighs on both alike.

Usage::

    python benchmarks/bench_chrf.py                     # before and after, all items
    python benchmarks/bench_chrf.py --only after --limit 10 --verbose
    python benchmarks/bench_chrf.py --glossary tests/data/chrf_glossary.yml --terms-only

Seconds per sentence depend on the machine and its load (llama.cpp on the CPU); compare the two
columns of one run, not numbers from different runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import sacrebleu  # noqa: E402

from myst2qmd import convert_text  # noqa: E402
from myst2qmd.translate import TranslationCache, Translator  # noqa: E402
from myst2qmd.translate.engines.base import Request, Unit  # noqa: E402
from myst2qmd.translate.engines.local import FIRST_SHOTS, LANGUAGE_NAMES, LocalEngine, build_prompt  # noqa: E402
from myst2qmd.translate.glossary import Glossary, load_glossary  # noqa: E402

REFERENCE = ROOT / "tests" / "data" / "chrf_reference.jsonl"

#: the few-shot examples the local engine shipped with before this benchmark existed
BASELINE_SHOTS = FIRST_SHOTS


def baseline_prompt(unit: Unit, request: Request) -> str:
    """The prompt as shipped before (``before``): glossary line in the head, six shots."""
    source = LANGUAGE_NAMES.get(request.source_lang, request.source_lang)
    target = LANGUAGE_NAMES.get(request.target_lang, request.target_lang)
    prompt = f"Translate {source} lecture notes into {target}. Keep every placeholder like ⟨1⟩ unchanged.\n\n"
    if unit.glossary:
        prompt += "Glossary: " + "; ".join(f"{a} = {b}" for a, b in unit.glossary) + "\n\n"
    for german, english in BASELINE_SHOTS:
        prompt += f"{source}: {german}\n{target}: {english}\n\n"
    return prompt + f"{source}: {' '.join(unit.text.split())}\n{target}:"


PROMPTS: dict[str, Callable[[Unit, Request], str]] = {"before": baseline_prompt, "after": build_prompt}


@dataclass
class Item:
    source: str
    reference: str
    origin: str


@dataclass
class Score:
    hypotheses: list[str] = field(default_factory=list)
    seconds: float = 0.0
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


def translate(engine: LocalEngine, glossary: Glossary, item: Item, score: Score) -> str:
    translator = Translator(engine, cache=TranslationCache(None), glossary=glossary, jobs=1)
    start = time.perf_counter()
    text, report, _ = translator.translate_document(quarto(item.source) + "\n")
    score.seconds += time.perf_counter() - start
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
    parser.add_argument("--only", choices=sorted(PROMPTS), help="run one prompt instead of comparing both")
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
        order = names if index % 2 == 0 else names[::-1]  # neither prompt always runs first
        for name in order:
            engine.prompt = PROMPTS[name]
            scores[name].hypotheses.append(translate(engine, glossary, item, scores[name]))
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
        print(
            f"  {name:<6} chrF {chrf:5.1f}   {score.seconds / max(sentences, 1):5.2f} s per sentence"
            f"   {score.requests} requests, {score.kept} part(s) kept in German"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
