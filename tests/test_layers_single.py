"""Issue 10 item 6: one of each. One placeholder pattern, one slug function (three documented
styles), one list of executable-cell languages; the source is read (ast) to find copies."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from myst2qmd.cells import CELL_LANGUAGES, HASH_COMMENT_LANGUAGES, KERNEL_LANGUAGES
from myst2qmd.constructs.code import cell_language
from myst2qmd.directives import directive_name
from myst2qmd.labels import slug
from myst2qmd.placeholders import PLACEHOLDER, normalize_placeholders, placeholder, placeholders
from myst2qmd.segments import extract_segments

SRC = Path(__file__).resolve().parent.parent / "src" / "myst2qmd"


def sources() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SRC.rglob("*.py"))
    ]


def strings(tree: ast.AST) -> list[str]:
    """Every string literal, and every f-string's literal parts with ``{}`` for its fields."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
    return found


# --- one placeholder pattern ------------------------------------------------------------------
#: a regular expression of a numbered placeholder (``⟨(\d+)⟩``, ``⟨\s*(\d+)\s*⟩``) or one written (``⟨{}⟩``)
_PLACEHOLDER_CODE = re.compile(r"⟨(?:\\s\*)?\(\\d|⟨\{\}⟩")


def test_only_placeholders_py_spells_a_placeholder() -> None:
    copies = [
        (name, text)
        for name, tree in sources()
        if name != "placeholders.py"
        for text in strings(tree)
        if _PLACEHOLDER_CODE.search(text)
    ]
    assert copies == []
    assert _PLACEHOLDER_CODE.search(r"⟨\s*(\d+)\s*⟩") and _PLACEHOLDER_CODE.search("⟨{}⟩")


def test_placeholders_written_and_read_the_same_way() -> None:
    (segment,) = extract_segments("Siehe @fig-a und `x = 1`.\n")
    masked, spans = segment.masked()
    assert masked == f"Siehe {placeholder(1)} und {placeholder(2)}."
    assert placeholders(masked) == {1: 1, 2: 1}
    assert segment.unmask(normalize_placeholders("See <2> and 〈 1 〉.")) == "See `x = 1` and @fig-a."
    assert [m.group(1) for m in PLACEHOLDER.finditer("⟨ 3 ⟩⟨4⟩")] == ["3", "4"]


# --- one slug function ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        # our label ids: ASCII, umlauts spelled out
        ("Größe der Filter", "quarto", "groesse-der-filter"),
        ("Übung_csv", "quarto", "uebung-csv"),
        ("", "quarto", "x"),
        # MyST's heading anchors (GitHub style): every space a hyphen, letters kept as they are
        ("Stacking & Receptive Field", "myst", "stacking--receptive-field"),
        ("Größe der `Filter` {#sec-x}", "myst", "größe-der-filter"),
        ("snake_case *und* _Betonung_", "myst", "snakecase-und-betonung"),
        # Pandoc's automatic identifiers: leading digits dropped, dots kept, "section" when empty
        ("1. Die *Faltung* {#x}", "pandoc", "die-faltung"),
        ("Größe der Filter", "pandoc", "größe-der-filter"),
        ("Version 2.0  und   mehr", "pandoc", "version-2.0-und-mehr"),
        ("42", "pandoc", "section"),
    ],
)
def test_one_slug_function_three_styles(text: str, style: str, expected: str) -> None:
    assert slug(text, style) == expected  # type: ignore[arg-type]


def test_no_other_slug_function() -> None:
    defined = [
        (name, node.name)
        for name, tree in sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and re.search(r"slug|auto_identifier", node.name)
    ]
    assert defined == [("labels.py", "slug")]


# --- one list of executable-cell languages ----------------------------------------------------
def test_only_cells_py_lists_cell_languages() -> None:
    names = set(CELL_LANGUAGES)
    copies = []
    for name, tree in sources():
        if name == "cells.py":
            continue
        for node in ast.walk(tree):
            items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
            if not isinstance(node, (ast.Dict, ast.Set, ast.List, ast.Tuple)) or items is None:
                continue
            listed = {item.value for item in items if isinstance(item, ast.Constant)} & names
            if len(listed) >= 3:
                copies.append((name, node.lineno, sorted(listed)))
        copies += [(name, 0, [text]) for text in strings(tree) if re.search(r"\bpython\|r\b|\br\|julia\b", text)]
    assert copies == []


@pytest.mark.parametrize("language", sorted(CELL_LANGUAGES))
def test_every_cell_language_is_a_cell_not_a_directive(language: str) -> None:
    assert directive_name(f"{{{language}}}") is None
    assert directive_name("{note}") == "note"


def test_kernel_names_and_commented_languages_come_from_the_one_list() -> None:
    assert HASH_COMMENT_LANGUAGES.issubset(CELL_LANGUAGES)
    assert set(KERNEL_LANGUAGES.values()) <= set(CELL_LANGUAGES)
    assert [cell_language(k, "python") for k in ("ipython3", "ir", "sh", "julia-1.9", "")] == [
        "python",
        "r",
        "bash",
        "julia",
        "python",
    ]
    qmd = "```{r}\n# Eine Bemerkung\nx <- 1\n```\n\n```{ojs}\n// Eine Bemerkung\n```\n"
    kinds = [s.kind for s in extract_segments(qmd, code_comments=True)]
    assert kinds == ["code-comment"]


# --- check reads headings and front matter from the parser's tokens ---------------------------
def test_check_finds_auto_ids_of_every_heading_the_parser_sees(tmp_path: Path) -> None:
    from myst2qmd.check import check

    page = tmp_path / "seite.qmd"
    page.write_text(
        "---\ntitle: Seite\n---\n\nDie Faltung\n===========\n\n## Der `x` Operator\n\n"
        "Siehe [oben](#die-faltung) und [dort](#der-x-operator).\n\n```\n# kein-titel\n```\n\n[hier](#kein-titel)\n",
        encoding="utf-8",
    )
    problems, _ = check(page, use_pandoc=False)
    assert [(p.line, p.message) for p in problems] == [(16, "link to #kein-titel: no #kein-titel in this file")]


def test_check_reads_the_front_matter_the_parser_reads(tmp_path: Path) -> None:
    from myst2qmd.check import check

    page = tmp_path / "seite.qmd"
    page.write_text("---\ntitle: [offen\n---", encoding="utf-8")  # no newline after the closing line
    problems, _ = check(page, use_pandoc=False)
    assert [(p.line, str(p.code)) for p in problems] == [(2, "frontmatter-invalid")]
