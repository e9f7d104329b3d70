"""Issue 21: two small real-shaped books of our own, one per dialect (``tests/books/kurs``: Jupyter
Book 1, ``_toc.yml``; ``tests/books/kurs-jb2``: Jupyter Book 2, ``myst.yml``), converted whole and
measured through pandoc's AST, never through the converter's own reading:

every chapter converted; every label an id; no ``@ref`` or link to nothing; as many figures,
equations, callouts, tables and code cells as the source has; no warning (nothing lost silently
or otherwise); ``_quarto.yml`` valid, its chapters in the order of the source's toc; numbering,
cross-reference words, language and bibliography as the source book says; the images copied.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from myst2qmd.book import convert_book
from myst_structure import myst_counts
from quarto_ast import _document_text, _read_document, block_counts, book_problems

BOOKS = Path(__file__).parent / "books"
#: per book: its chapters' sources → outputs, in toc order, and what its project file says
EXPECTED: dict[str, dict[str, Any]] = {
    "kurs": {
        "chapters": {
            "intro.md": "index.qmd",
            "teil1/grundlagen.md": "teil1/grundlagen.qmd",
            "teil1/vertiefung.md": "teil1/vertiefung.qmd",
            "teil2/anwendung.ipynb": "teil2/anwendung.ipynb",
            "glossar.md": "glossar.qmd",
        },
        "meta": {"number-sections": False, "lang": "de", "bibliography": ["references.bib"]},
    },
    "kurs-jb2": {
        "chapters": {
            "index.md": "index.qmd",
            "kapitel/beschreibend.md": "kapitel/beschreibend.qmd",
            "kapitel/streuung.md": "kapitel/streuung.qmd",
            "kapitel/simulation.ipynb": "kapitel/simulation.ipynb",
            "kapitel/tests.md": "kapitel/tests.qmd",
            "anhang.md": "anhang.qmd",
        },
        "meta": {
            "number-sections": True,
            "lang": "de",
            "bibliography": ["literatur.bib"],
            "crossref": {"fig-title": "Abb.", "fig-prefix": "Abb."},
        },
    },
}
#: the kinds of blocks counted in source and output
KINDS = ("figure", "display_math", "callout", "table", "cell")
#: labels as course authors write them: ``(name)=``, ``:name:``/``:label:``, ``$$ (name)``, ``\label{name}``
_LABELS = re.compile(
    r"(?m)^\((?P<t>[^)\s]+)\)=\s*$|^:(?:name|label):\s*(?P<o>\S+)|^\$\$\s*\((?P<m>[^)\s]+)\)|\\label\{(?P<l>[^}]+)\}"
)
_FIGURE_MD = re.compile(r"(?m)^:::\{figure-md\}\s+(\S+)")


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def converted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, list[Any]]:
    name = request.param
    out = tmp_path_factory.mktemp("measures") / name
    report, warnings = convert_book(BOOKS / name, out)
    assert report.files_converted == len(EXPECTED[name]["chapters"])
    return name, out, warnings


def _source_text(path: Path) -> str:
    """A chapter's MyST: a Markdown file, or a notebook's cells (code cells as ``{code-cell}``)."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join(
        "".join(c["source"])
        if c["cell_type"] == "markdown"
        else "```{code-cell} python\n" + "".join(c["source"]) + "\n```"
        for c in cells
    )


def _counts(counts: Counter[str]) -> dict[str, int]:
    return {kind: counts[kind] for kind in KINDS if counts[kind]}


def test_no_warning_nothing_lost(converted: tuple[str, Path, list[Any]]) -> None:
    _, _, warnings = converted
    assert [w for w in warnings if w.level == "warning"] == []


def test_every_chapter_converted_in_toc_order(converted: tuple[str, Path, list[Any]]) -> None:
    name, out, _ = converted
    data = yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))
    assert data["project"] == {"type": "book"}

    def flat(items: list[Any]) -> list[str]:
        return [f for item in items for f in (flat(item["chapters"]) if isinstance(item, dict) else [item])]

    expected = list(EXPECTED[name]["chapters"].values())
    assert flat(data["book"]["chapters"]) == expected
    assert all((out / chapter).is_file() for chapter in expected)


def test_project_settings_as_the_source_says(converted: tuple[str, Path, list[Any]]) -> None:
    name, out, _ = converted
    data = yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))
    for key, value in EXPECTED[name]["meta"].items():
        assert data.get(key) == value, key
    assert all((out / bib).is_file() for bib in data["bibliography"])


def test_every_label_is_an_id_and_no_reference_dangles(converted: tuple[str, Path, list[Any]]) -> None:
    name, out, _ = converted
    assert book_problems(out) == []
    ids: set[str] = set()
    for output in EXPECTED[name]["chapters"].values():
        ids |= _read_document(_document_text(out / output), output).ids
    for source in EXPECTED[name]["chapters"]:
        text = _source_text(BOOKS / name / source)
        labels = [next(v for v in m.groups() if v) for m in _LABELS.finditer(text)] + _FIGURE_MD.findall(text)
        for label in labels:
            quarto = re.sub(r"[^\w-]", "-", label)
            assert any(i == quarto or i.endswith("-" + quarto) for i in ids), f"{source}: {label} has no id"


def test_blocks_as_many_as_the_source_has(converted: tuple[str, Path, list[Any]]) -> None:
    name, out, _ = converted
    for source, output in EXPECTED[name]["chapters"].items():
        want = _counts(myst_counts(_source_text(BOOKS / name / source)))
        got = _counts(block_counts(_document_text(out / output)))
        assert got == want, source


def test_images_copied(converted: tuple[str, Path, list[Any]]) -> None:
    name, out, _ = converted
    source = {p.relative_to(BOOKS / name) for p in (BOOKS / name).rglob("*.png")}
    assert source and {p.relative_to(out) for p in out.rglob("*.png")} == source
