"""Issue 20 item 5: the translator is split by job, its review is passed in when it is built, the
engine and PO files are set up once, and every output is finished in one place.

The parts (planning, memory, sending, review, write-back) talk through public names only; the run
never asks whether it has a review (:class:`~myst2qmd.translate.reviewing.NoReview` stands in);
``--escape-fences`` is applied by :func:`myst2qmd.finish.finish` alone, never switched off. The
outputs themselves stay byte-identical: ``tests/test_run_digests.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from myst2qmd.segments import extract_segments
from myst2qmd.translate import Translator
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst2qmd.translate.po import Review
from myst2qmd.translate.report import TranslationReport
from myst2qmd.translate.reviewing import NoReview

SRC = Path(__file__).resolve().parent.parent / "src" / "myst2qmd"
#: the translator's parts
PARTS = ("pipeline", "planning", "acceptance", "memory", "sending", "reviewing", "writeback", "terms")


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("part", PARTS)
def test_the_parts_use_no_private_name_of_another_object(part: str) -> None:
    """``terms.mine`` used ``translator._cached`` and six more private methods: a part reaches
    another only through its public names."""
    reached = [
        f"{part}.py:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(_tree(SRC / "translate" / f"{part}.py"))
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    assert reached == []


@pytest.mark.parametrize("part", PARTS)
def test_the_run_never_asks_whether_it_has_a_review(part: str) -> None:
    """Six ``if self.review`` checks once followed a review set after construction."""
    asked = [
        f"{part}.py:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(_tree(SRC / "translate" / f"{part}.py"))
        if isinstance(node, ast.Compare)
        and any(isinstance(op, ast.Is | ast.IsNot) for op in node.ops)
        and ast.unparse(node.left).split(".")[-1] == "review"
    ]
    assert asked == []


def test_a_translator_without_po_files_has_the_null_review() -> None:
    translator = Translator(PseudoEngine())
    assert isinstance(translator.review, NoReview)
    text, report, warnings = translator.translate_document("Ein Absatz.\n")
    assert text == "⟦EIN ABSATZ.⟧\n" and report.reviewed == 0 and warnings == []


def test_the_review_given_when_the_translator_is_built_is_used(tmp_path: Path) -> None:
    """A reviewed ``msgstr`` wins over the engine, and what the run wrote is recorded in the catalog."""
    (tmp_path / "k.po").write_text('msgid "Ein Absatz."\nmsgstr "A reviewed paragraph."\n', encoding="utf-8")
    review = Review.for_file(tmp_path, Path("k.md"))
    translator = Translator(PseudoEngine(), review=review)
    text, report, _ = translator.translate_document("Ein Absatz.\n\nNoch einer.\n", "k.md")
    assert text == "A reviewed paragraph.\n\n⟦NOCH EINER.⟧\n"
    assert report.reviewed == 1
    found = review.catalogs[tmp_path / "k.po"].found
    assert [(item.msgid, item.msgstr) for item in found.values()] == [
        ("Ein Absatz.", "A reviewed paragraph."),
        ("Noch einer.", "⟦NOCH EINER.⟧"),
    ]


def test_a_plan_holds_only_what_is_sent_or_reviewed() -> None:
    translator = Translator(PseudoEngine())
    segments = extract_segments("# Titel\n\nEin Absatz.\n\n```python\nx = 1\n```\n")
    report = TranslationReport()
    jobs = translator.plan(segments, report)
    assert [job.masked for job in jobs] == ["Titel", "Ein Absatz."]
    assert report.segments == 2  # the code cell holds no segment


# -- one place for post-processing ----------------------------------------------------------------
def _calls(name: str) -> list[str]:
    """Every call of a function ``name`` in the source, as ``module:line``."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if called == name:
                    found.append(f"{path.relative_to(SRC).as_posix()}:{node.lineno}")
    return found


def test_fences_are_escaped_in_one_place() -> None:
    """``escape_fences`` was applied at four places and switched off at two; now every output passes
    through :func:`myst2qmd.finish.finish`, and nothing turns escaping off."""
    assert all(where.startswith("finish.py:") for where in _calls("escape_fences")), _calls("escape_fences")
    switched_off = [
        f"{path.relative_to(SRC).as_posix()}:{node.lineno}"
        for path in sorted(SRC.rglob("*.py"))
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.keyword)
        and node.arg == "escape_fences"
        and isinstance(node.value, ast.Constant)
        and node.value.value is False
    ]
    assert switched_off == []


def test_the_engine_and_po_files_are_set_up_once() -> None:
    """The single-file run and the book run build their translator with the one set-up function."""
    assert sorted(where.split(":")[0] for where in _calls("set_up_translation")) == [
        "application/book_run.py",
        "application/file_run.py",
    ]
    built = [where.split(":")[0] for where in _calls("Translator") if where.startswith("application/")]
    assert built == ["application/translation.py"] * 2  # with an engine, and reviewed translations only
