"""A real-shaped German course book for the benchmarks, built from real chapter text.

The material is the project's own German MyST (``tests/books/*``, ``examples/``, the inputs of
``tests/checklist/jb1``) and, where ``$MYST2QMD_SHARED`` holds them, the shared corpus's Markdown
chapters and the seed lecture, read at run time (nothing of ``../shared`` is copied into the
project). Every file is cut into its top-level blocks by the project's own parser; chapters are
made of runs of consecutive blocks (a section as its author wrote it), drawn deterministically,
with a labelled title and labelled sections of their own. Each label of the material is renamed
per use (``sec-a`` becomes ``sec-a-k12``), and a reference to it points at a chapter that holds
it; every chapter refers to sections, equations and figures of other chapters with ``{ref}``,
``{numref}``, ``{eq}`` and ``[](#…)``. The defaults give the shape of the issue's course: 113
chapters, about 1.2 MB and 800 labels.

    python benchmarks/course_book.py OUT [--chapters 113]
"""

from __future__ import annotations

import argparse
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MYST2QMD_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "quadriga-tabelle-1"

#: where a label is defined in a block: a target, a ``:name:``/``:label:`` option, a math label
DEFINES = re.compile(r"^\(([\w:.-]+)\)=\s*$|^:(?:name|label):\s*([\w:.-]+)\s*$|^\$\$\s*\(([\w:.-]+)\)\s*$", re.M)
#: a reference to a label: a role's target (``<x>`` or the whole text) or a ``(#x)`` link
REFERS = re.compile(r"(\{(?:ref|numref|eq|numref)\}`(?:[^`<]*<)?)([\w:.-]+)(>?`)|(\]\(#)([\w:.-]+)(\))")
SKIP = re.compile(r"\{(?:include|bibliography|tableofcontents|literalinclude|glossary)\}|^---$", re.M)


@dataclass
class Block:
    """A top-level block of a material file, and the labels it defines."""

    text: str
    labels: list[str] = field(default_factory=list)


def material() -> list[list[Block]]:
    """Every material file as its top-level blocks (front matter and whole-file constructs left out)."""
    files = sorted((ROOT / "tests" / "books").rglob("*.md")) + sorted((ROOT / "examples").rglob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in files]
    for path in sorted((ROOT / "tests" / "checklist" / "jb1").glob("*.md")):
        texts += _case_inputs(path.read_text(encoding="utf-8"))
    if CORPUS.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.md")) if "_build" not in p.parts]
    seed = SHARED / "seed" / "cnn-lecture.md"
    if seed.is_file():
        texts.append(seed.read_text(encoding="utf-8"))
    return [blocks for blocks in map(_blocks, texts) if blocks]


def _case_inputs(text: str) -> list[str]:
    """The inputs of a checklist file's cases (title, ``.``, input, ``.``, expected, ``.``)."""
    parts = re.split(r"^\.\n", text, flags=re.M)
    return [parts[i] for i in range(1, len(parts), 3)]


def _blocks(text: str) -> list[Block]:
    from myst2qmd.parser import create_md_parser  # noqa: PLC0415 - the project's parser factory

    lines = text.splitlines(keepends=True)
    tokens = create_md_parser().parse(text)
    blocks = []
    for token in tokens:
        if token.level != 0 or token.map is None or token.nesting == -1 or token.type == "front_matter":
            continue
        block = "".join(lines[token.map[0] : token.map[1]]).rstrip("\n")
        if block.strip() and not SKIP.search(block):
            labels = [next(g for g in m.groups() if g) for m in DEFINES.finditer(block)]
            blocks.append(Block(block, labels))
    return blocks


def _run(rng: random.Random, blocks: list[Block], size: int) -> list[Block]:
    """About ``size`` characters of consecutive blocks, from a place drawn by their characters."""
    start = rng.choices(range(len(blocks)), weights=[len(b.text) for b in blocks])[0]
    run: list[Block] = []
    while sum(len(b.text) for b in run) < size:
        run.append(blocks[start % len(blocks)])
        start += 1
    return run


@dataclass
class Chapter:
    """One chapter being made: its blocks and the labels it defines, by kind."""

    number: int
    title: str
    sections: list[tuple[str, list[Block]]] = field(default_factory=list)
    defines: set[str] = field(default_factory=set)


def plan(chapters: int, seed: int = 22, size: int = 7500) -> list[Chapter]:
    """The chapters: a title and four to six sections of material each, drawn with ``seed``."""
    rng = random.Random(seed)
    blocks = [b for f in material() for b in f]
    headings = [b.text.lstrip("#").strip() for b in blocks if b.text.startswith("#") and "\n" not in b.text]
    planned = []
    for n in range(chapters):
        chapter = Chapter(n, rng.choice(headings) or f"Kapitel {n}")
        for _ in range(rng.randint(4, 6)):
            run = _run(rng, blocks, size // 5)
            chapter.sections.append((rng.choice(headings), run))
            chapter.defines.update(label for b in run for label in b.labels)
        planned.append(chapter)
    return planned


def _holder(planned: list[Chapter], label: str, near: int) -> int | None:
    """The chapter nearest to ``near`` that defines ``label`` (None: none does)."""
    holders = [c.number for c in planned if label in c.defines]
    return min(holders, key=lambda c: (abs(c - near), c)) if holders else None


def render(planned: list[Chapter], chapter: Chapter) -> str:
    """The chapter's text: its labels renamed per chapter, references to the chapters that hold them."""

    def rename(match: re.Match[str]) -> str:
        before, label, after = (
            (match.group(1), match.group(2), match.group(3)) if match.group(2) else match.group(4, 5, 6)
        )
        holder = _holder(planned, label, chapter.number)
        return f"{before}{label}-k{holder}{after}" if holder is not None else match.group(0)

    def define(match: re.Match[str]) -> str:
        label = next(g for g in match.groups() if g)
        return match.group(0).replace(label, f"{label}-k{chapter.number}")

    n = chapter.number
    parts = [f"(kap-{n})=\n# {chapter.title}\n"]
    for s, (heading, blocks) in enumerate(chapter.sections):
        parts.append(f"(kap-{n}-{s})=\n## {heading}\n")
        parts += [DEFINES.sub(define, REFERS.sub(rename, b.text)) + "\n" for b in blocks]
    parts.append(_cross_references(planned, chapter))
    return "\n".join(parts)


def _cross_references(planned: list[Chapter], chapter: Chapter) -> str:
    """A closing paragraph referring to sections, equations and figures of other chapters."""
    rng = random.Random(chapter.number)
    others = [c for c in planned if c.number != chapter.number] or [chapter]
    refs = []
    for other in rng.sample(others, min(3, len(others))):
        refs.append(f"{{ref}}`kap-{other.number}-{rng.randrange(len(other.sections))}`")
        refs.append(f"[Kapitel {other.number}](#kap-{other.number})")
        for label in sorted(other.defines)[:2]:
            role = "eq" if label.startswith("eq") else "numref" if label.startswith(("fig", "tbl")) else "ref"
            refs.append(f"{{{role}}}`{label}-k{other.number}`")
    return "Zum Weiterlesen: " + ", ".join(refs) + ".\n"


def write_course(folder: Path, chapters: int = 113, seed: int = 22) -> int:
    """The book in ``folder`` (two parts, chapters in subfolders); returns the bytes of its chapters."""
    planned = plan(chapters, seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text("title: Ein Kurs\nauthor: Bench\nlanguage: de\n", encoding="utf-8")
    (folder / "intro.md").write_text("# Einleitung\n\nWillkommen zum Kurs, siehe {ref}`kap-0`.\n", encoding="utf-8")
    toc = ["format: jb-book", "root: intro", "parts:"]
    size = 0
    half = (chapters + 1) // 2
    for part, (lo, hi) in enumerate(((0, half), (half, chapters))):
        toc += [f"- caption: Teil {part + 1}", "  chapters:"]
        for chapter in planned[lo:hi]:
            rel = f"teil{part + 1}/kapitel{chapter.number:03d}.md"
            text = render(planned, chapter)
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
            size += len(text.encode("utf-8"))
            toc.append(f"  - file: {rel[:-3]}")
    (folder / "_toc.yml").write_text("\n".join(toc) + "\n", encoding="utf-8")
    return size


def default_books(work: Path, chapters: int = 113) -> list[Path]:
    """The benchmarks' books when none are given: this course, written into ``work/kurs-113``, and the
    shared corpus where ``$MYST2QMD_SHARED`` has it (else a line says it was left out)."""
    course = work / "kurs-113"
    write_course(course, chapters)
    if CORPUS.is_dir():
        return [course, CORPUS]
    print(f"(the corpus is not at {CORPUS}: set MYST2QMD_SHARED; left out)")
    return [course]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chapters", type=int, default=113)
    args = parser.parse_args()
    size = write_course(args.out, args.chapters)
    labels = sum(len(DEFINES.findall(p.read_text(encoding="utf-8"))) for p in args.out.rglob("*.md"))
    print(f"{args.out}: {args.chapters} chapters, {size / 1e6:.2f} MB, {labels} labels")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
