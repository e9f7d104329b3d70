"""The real German Jupyter Book in ../shared/corpus (CC BY 4.0, read-only) as a Quarto book.

Acceptance test of issue 6: every chapter written and readable by pandoc, nothing of MyST
left, every figure, code cell, admonition, display equation and citation carried over, every
reference and internal link resolving, at least 99 % of the prose words kept, and the same
structure again when the prose goes through the pseudo translation engine.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import SHARED
from myst2qmd.book import convert_book, read_book
from myst2qmd.check import Problem, check
from myst2qmd.codes import Code
from myst2qmd.translate import Translator
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst_structure import DIRECTIVE_INFO, DIRECTIVES, UNKNOWN, directive_parts, myst_parser
from quarto_ast import book_problems, summarize

CORPUS = SHARED / "corpus" / "quadriga-tabelle-1"
ADMONITIONS = (
    "note",
    "tip",
    "warning",
    "caution",
    "important",
    "danger",
    "error",
    "attention",
    "hint",
    "seealso",
    "admonition",
    "dropdown",
)


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _markdown(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] in ("markdown", "raw"))


def _visible(text: str) -> str:
    return re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)


WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{4,}")


def _words(text: str) -> Counter[str]:
    """The words pandoc reads as text in Quarto output (code, HTML and attributes are not words)."""
    return Counter(WORD.findall(summarize(text).text))


def _myst_prose_words(text: str) -> Counter[str]:
    """The prose words of a MyST text: inline text of every paragraph, heading, list item and table
    cell, directive bodies included, without roles, link destinations and inline HTML/code/math.

    Read with markdown-it-py and the upstream MyST plugins (:func:`myst_structure.myst_parser`),
    directive bodies by their names: never with the converter's parser or its ``Converter.parse``,
    so a tokenizer bug cannot hide the words it loses."""
    words: Counter[str] = Counter()
    no_title = ("figure", "image", "include", "literalinclude", "code-cell", "code-block", "code", "math")

    def visit(src: str) -> None:
        for token in myst_parser().parse(src):
            if token.type == "inline":
                words.update(WORD.findall(" ".join(c.content for c in token.children or [] if c.type == "text")))
            directive = DIRECTIVE_INFO.match(token.info.strip()) if token.type in ("fence", "colon_fence") else None
            if directive is None:
                continue
            name, argument = directive.group(1).lower(), directive.group(2)
            if name not in no_title:
                words.update(WORD.findall(re.sub(r"\{[\w:-]+\}`[^`]*`|\]\([^)]*\)", " ", argument)))
            if DIRECTIVES.get(name, UNKNOWN)[1]:  # a body of MyST
                visit(directive_parts(token.content)[1])

    visit(_visible(text))
    return words


@pytest.fixture(scope="module")
def corpus(shared_corpus: Path) -> Path:
    return shared_corpus


@pytest.fixture(scope="module")
def converted(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, list]:
    before = _digest(corpus)
    out = tmp_path_factory.mktemp("corpus") / "book"
    report, warnings = convert_book(corpus, out)
    assert _digest(corpus) == before  # the corpus is untouched
    return out, report, warnings


def _pairs(corpus: Path, out: Path) -> list[tuple[Path, Path]]:
    book = read_book(corpus)
    return [(c.source, out / c.out_rel) for c in book.chapters]


def test_every_toc_chapter_is_written_and_parses(corpus: Path, converted: tuple) -> None:
    out, report, _ = converted
    toc_entries = re.findall(
        r"(?m)^\s*(?:-\s*)?(?:root|file):\s*(\S+)", (corpus / "_toc.yml").read_text(encoding="utf-8")
    )
    assert len(toc_entries) == report.files_converted == 43
    for source, target in _pairs(corpus, out):
        assert target.is_file(), source
        summarize(_markdown(target))
    chapters = yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"]
    listed = [c for item in chapters for c in ([item] if isinstance(item, str) else [item["part"], *item["chapters"]])]
    assert len(listed) == 43 and all((out / c).is_file() for c in listed)


def test_the_missing_pdf_is_warned_about(converted: tuple) -> None:
    """The corpus links a PDF that is not in the book: kept, and reported with file:line."""
    _, _, warnings = converted
    missing = [w for w in warnings if "bildungsbericht-2022.pdf" in w.message]
    assert [(w.path, w.line) for w in missing] == [("Markdown/2_Datenbasis.md", 17)]


def _only_the_missing_pdf(problems: list[Problem]) -> bool:
    """check reports the link to the PDF the corpus lacks (which convert warned about), nothing else."""
    return [(p.path, p.code, "bildungsbericht-2022.pdf does not exist" in p.message) for p in problems] == [
        ("Markdown/2_Datenbasis.qmd", Code.LINK_MISSING, True)
    ]


def test_check_finds_only_the_missing_pdf(converted: tuple) -> None:
    out, _, _ = converted
    problems, files = check(out)
    assert files == 43
    assert _only_the_missing_pdf(problems), "\n".join(map(str, problems))
    assert book_problems(out) == [
        "Markdown/2_Datenbasis.qmd: Data/bildungsbericht-2022.pdf does not exist"
    ]  # pandoc's reading agrees (check is not its own oracle)


def test_constructs_are_carried_over(corpus: Path, converted: tuple) -> None:
    out, _, _ = converted
    for source, target in _pairs(corpus, out):
        src = _visible(_markdown(source))
        summary = summarize(_markdown(target))
        where = source.name
        figures = len(re.findall(r"(?m)^\s*[`:]{3,}\{figure(?:-md)?\}", src))
        assert len(summary.figures) == figures, where
        admonitions = len(re.findall(r"(?m)^\s*[`:]{3,}\{(?:" + "|".join(ADMONITIONS) + r")\}", src, re.IGNORECASE))
        assert len(summary.callouts) >= admonitions, where
        cells = len(re.findall(r"(?m)^\s*`{3,}\{code-cell\}", src))
        executable = [c for c in summary.code_blocks if "cell" in c[0]]
        assert len(executable) == cells, where
        display = len(re.findall(r"(?m)^\s*\$\$", src)) // 2
        assert len(summary.display_math) >= display, where
        keys = Counter(k.strip() for m in re.findall(r"\{cite(?::\w+)?\}`([^`]*)`", src) for k in m.split(","))
        assert Counter(summary.bib_citations) == keys, where


def test_prose_words_are_kept(corpus: Path, converted: tuple) -> None:
    """At least 99 % of the source's prose words (read as MyST) are in the output (as pandoc reads it)."""
    out, _, _ = converted
    source_words: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for source, target in _pairs(corpus, out):
        words = _myst_prose_words(_markdown(source))
        result = _words(_markdown(target))
        source_words += words
        kept += words & result
    assert sum(kept.values()) / sum(source_words.values()) >= 0.99


def test_pseudo_translation_keeps_the_structure(corpus: Path, converted: tuple, tmp_path: Path) -> None:
    plain_out, _, _ = converted
    out = tmp_path / "pseudo"
    report, warnings = convert_book(corpus, out, translator=Translator(PseudoEngine()))
    assert report.translation["kept"] == 0
    assert not [w for w in warnings if "structure" in w.message]
    for _, target in _pairs(corpus, plain_out):
        rel = target.relative_to(plain_out)
        before, after = summarize(_markdown(target)), summarize(_markdown(out / rel))
        assert after.code_blocks == before.code_blocks, rel
        assert after.display_math == before.display_math and after.inline_math == before.inline_math, rel
        assert after.citations == before.citations and after.ids == before.ids, rel
        assert [d[0] for d in after.divs] == [d[0] for d in before.divs], rel
        assert after.links == before.links, rel
    problems, _ = check(out)
    assert _only_the_missing_pdf(problems), "\n".join(map(str, problems))
    assert book_problems(out) == [
        "Markdown/2_Datenbasis.qmd: Data/bildungsbericht-2022.pdf does not exist"
    ]  # pandoc's reading agrees (check is not its own oracle)
