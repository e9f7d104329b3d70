"""``{include}`` and ``{literalinclude}`` reading real files (made under ``tmp_path``), and the corpus
chapters that use them.

A book here is a folder ``book/`` (``root_dir``) with chapters in ``book/kap/`` (``source_dir``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SHARED
from myst2qmd import convert_text
from myst2qmd.check import scan_file
from myst2qmd.constructs.included_files import line_numbers
from myst2qmd.context import Options, Warning_
from quarto_ast import read_ast

CORPUS = SHARED / "corpus" / "quadriga-tabelle-1"

CODE = "".join(f"line {n}\n" for n in range(1, 11))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    (root / "kap" / "teile").mkdir(parents=True)
    (root / "CITATION.bib").write_text("@book{x,\n  title = {T},\n}\n", encoding="utf-8")
    (root / "kap" / "code.py").write_text(CODE, encoding="utf-8")
    (root / "kap" / "teile" / "hinweis.md").write_text("Ein **Hinweis**.\n", encoding="utf-8")
    (root / "kap" / "teile" / "ziele.md").write_text(
        "# Ziele\n\n<!-- START: A -->\n```{note}\nZiel A, siehe {ref}`intro`.\n```\n<!-- END: A -->\n\n"
        "<!-- START: B -->\nZiel B.\n<!-- END: B -->\n",
        encoding="utf-8",
    )
    (tmp_path / "geheim.txt").write_text("outside\n", encoding="utf-8")
    return root


def convert(book: Path, text: str, *, root: bool = True, sub: str = "kap") -> tuple[str, list[Warning_]]:
    options = Options(source_dir=str(book / sub), root_dir=str(book) if root else None)
    result = convert_text(text, path="kapitel.md", options=options)
    assert convert_text(result.text, options=options).text == result.text  # a fixed point
    return result.text, result.warnings


def warnings_of(found: list[Warning_], level: str = "warning") -> list[tuple[int, str]]:
    return [(w.line, w.message) for w in found if w.level == level]


def literal(option_lines: str, path: str = "code.py") -> str:
    return f"```{{literalinclude}} {path}\n{option_lines}```\n"


# -- {literalinclude} -----------------------------------------------------------------------------
def test_literalinclude_relative_path_takes_its_language_from_the_extension(book: Path) -> None:
    text, found = convert(book, "Text.\n\n" + literal(""))
    assert text == "Text.\n\n```python\n" + CODE + "```\n"
    assert found == []


def test_literalinclude_from_the_book_root(book: Path) -> None:
    text, found = convert(book, literal(":language: bibtex\n", "/CITATION.bib"))
    assert text == "```bibtex\n@book{x,\n  title = {T},\n}\n```\n"
    assert found == []


@pytest.mark.parametrize(
    ("options", "lines"),
    [
        (":lines: 1-3,5,8-\n", [1, 2, 3, 5, 8, 9, 10]),
        (":lines: -2\n", [1, 2]),
        (":start-after: line 3\n:end-before: line 6\n", [4, 5]),
        (":start-at: line 3\n:end-at: line 6\n", [3, 4, 5, 6]),
        (':start-after: "line 7"\n', [8, 9, 10]),
        (":start-after: line 2\n:lines: 2-3\n", [4, 5]),
    ],
)
def test_literalinclude_selections(book: Path, options: str, lines: list[int]) -> None:
    text, found = convert(book, literal(options))
    assert text == "```python\n" + "".join(f"line {n}\n" for n in lines) + "```\n"
    assert found == []


def test_line_spec_as_sphinx_reads_it() -> None:
    assert line_numbers("1-3,5,8-", 9) == [0, 1, 2, 4, 7, 8]
    assert line_numbers("-2, 4", 9) == [0, 1, 3]


def test_literalinclude_dedent_caption_linenos_and_emphasis(book: Path) -> None:
    (book / "kap" / "eingerueckt.py").write_text("    def f():\n        return 1\n", encoding="utf-8")
    text, found = convert(
        book,
        literal(
            ":dedent: 4\n:caption: Die Funktion\n:linenos:\n:lineno-start: 3\n:emphasize-lines: 2\n",
            "eingerueckt.py",
        ),
    )
    assert text == (
        '```{.python .number-lines startFrom="3" filename="Die Funktion" code-line-numbers="2"}\n'
        "def f():\n    return 1\n```\n"
    )
    assert found == []
    text, _ = convert(book, literal(":dedent:\n", "eingerueckt.py"))
    assert text == "```python\ndef f():\n    return 1\n```\n"


def test_literalinclude_name_without_caption_is_an_anchor(book: Path) -> None:
    """Issue 20, bug 1: Quarto numbers no listing without a caption, so the label is an anchor on
    the block, and a {numref} to it a link that says so; a {ref} shows the label, not the path (bug 5)."""
    text, found = convert(book, literal(":name: code-l\n:lines: 1\n") + "\nSiehe {numref}`code-l` und {ref}`code-l`.\n")
    assert text == "```{#code-l .python}\nline 1\n```\n\nSiehe [code-l](#code-l) und [code-l](#code-l).\n"
    assert [str(w.code) for w in found] == ["quarto-differs"]
    text, found = convert(book, literal(":caption:\n:label: code-m\n:lines: 1\n") + "\nSiehe {numref}`code-m`.\n")
    assert text == '```{#lst-m .python lst-cap="code.py"}\nline 1\n```\n\nSiehe @lst-m.\n'
    assert found == []


def test_literalinclude_caption_with_name_is_a_listing(book: Path) -> None:
    text, found = convert(
        book, literal(":caption: Code\n:name: beispiel\n:lines: 1\n") + "\nSiehe {numref}`beispiel`.\n"
    )
    assert text == '```{#lst-beispiel .python lst-cap="Code"}\nline 1\n```\n\nSiehe @lst-beispiel.\n'
    assert found == []


def test_literalinclude_fence_is_longer_than_backticks_inside(book: Path) -> None:
    (book / "kap" / "doku.md").write_text("````{note}\n```py\nx\n```\n````\n", encoding="utf-8")
    text, _ = convert(book, literal("", "doku.md"))
    assert text.startswith("`````markdown\n````{note}\n") and text.endswith("\n`````\n")


def test_literalinclude_lineno_match_and_pyobject(book: Path) -> None:
    (book / "kap" / "mod.py").write_text("import os\n\n\n@dec\ndef f():\n    return 1\n\n\nx = 2\n", encoding="utf-8")
    text, found = convert(book, literal(":pyobject: f\n:lineno-match:\n", "mod.py"))
    assert text == '```{.python .number-lines startFrom="4"}\n@dec\ndef f():\n    return 1\n```\n'
    assert found == []


def test_literalinclude_crlf_file(book: Path) -> None:
    (book / "kap" / "crlf.txt").write_bytes(b"a\r\nb\r\nc\r\n")
    text, found = convert(book, literal(":lines: 2-\n", "crlf.txt"))
    assert text == "```\nb\nc\n```\n"
    assert found == []


def test_literalinclude_in_a_book_of_crlf_lines(book: Path) -> None:
    source = "Text.\r\n\r\n```{literalinclude} code.py\r\n:lines: 1\r\n```\r\n"
    text, found = convert(book, source)
    assert text == "Text.\r\n\r\n```python\r\nline 1\r\n```\r\n"
    assert found == []


# -- what cannot be included: warned, and visible --------------------------------------------------
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("fehlt.py", "file not found"),
        ("../../geheim.txt", "outside the book's folder"),
        ("/../geheim.txt", "outside the book's folder"),
        ("teile", "not a file"),
        ("", "no file is named"),
    ],
)
def test_literalinclude_that_cannot_be_read_is_warned_and_stays_visible(book: Path, path: str, reason: str) -> None:
    text, found = convert(book, "Davor.\n\n" + literal(":language: python\n", path) + "\nDanach.\n")
    assert warnings_of(found) == [
        (3, f"{{literalinclude}} {path or '(no file)'}: {reason}; a warning note stands in its place")
    ]
    shown = path or "(no file)"
    assert text == (
        f'Davor.\n\n::: {{.callout-warning .include-error path="{shown}"}}\n'
        f"**Not included** ({{literalinclude}}): `{shown}`: {reason}.\n:::\n\nDanach.\n"
    )
    read_ast(text)


def test_non_utf8_file_is_warned_and_encoding_option_reads_it(book: Path) -> None:
    (book / "kap" / "latin.txt").write_bytes("Größe\n".encode("latin-1"))
    text, found = convert(book, literal("", "latin.txt"))
    assert "not utf-8 text" in warnings_of(found)[0][1]
    assert "Not included" in text
    text, found = convert(book, literal(":encoding: latin-1\n", "latin.txt"))
    assert text == "```\nGröße\n```\n"
    assert found == []


def test_marker_not_found_and_bad_line_spec_are_warned(book: Path) -> None:
    text, found = convert(book, literal(":start-after: nirgends\n"))
    assert warnings_of(found) == [
        (1, "{literalinclude} code.py: :start-after: text 'nirgends' not found; a warning note stands in its place")
    ]
    text, found = convert(book, literal(":lines: 20-30\n"))
    assert "selects no line" in warnings_of(found)[0][1]
    text, found = convert(book, literal(":lines: 9-12\n"))
    assert text == "```python\nline 9\nline 10\n```\n"
    assert warnings_of(found) == [(1, "{literalinclude} code.py: :lines: 9-12 goes past its 10 lines")]


def test_root_path_in_a_single_file_resolves_from_its_folder_and_is_warned(book: Path) -> None:
    text, found = convert(book, literal("", "/CITATION.bib"), root=False, sub="")
    assert text.startswith("```bibtex\n@book{x,")
    assert warnings_of(found) == [
        (1, "{literalinclude} /CITATION.bib: a path from the book's root in a single file; read from its folder")
    ]
    # without a book, the document's folder is the boundary
    text, found = convert(book, literal("", "../CITATION.bib"), root=False)
    assert "outside the document's folder" in warnings_of(found)[0][1]


def test_without_a_folder_nothing_is_read() -> None:
    result = convert_text(literal(""))
    assert "Not included" in result.text
    assert "the document's folder is unknown" in result.warnings[0].message


# -- {include} ----------------------------------------------------------------------------------------
def test_include_of_a_whole_file_is_the_shortcode_of_the_converted_file(book: Path) -> None:
    text, found = convert(book, "```{include} teile/hinweis.md\n```\n")
    assert text == "{{< include teile/hinweis.qmd >}}\n"
    assert warnings_of(found) == []
    assert warnings_of(found, "info") == [
        (1, "{include} of teile/hinweis.md: convert that file too, it is included as teile/hinweis.qmd")
    ]


def test_include_of_a_missing_or_outside_file_is_warned(book: Path) -> None:
    text, found = convert(book, "```{include} teile/fehlt.md\n```\n")
    assert text.startswith('::: {.callout-warning .include-error path="teile/fehlt.md"}\n')
    assert warnings_of(found) == [(1, "{include} teile/fehlt.md: file not found; a warning note stands in its place")]
    text, found = convert(book, "```{include} ../../geheim.txt\n```\n")
    assert "outside the book's folder" in warnings_of(found)[0][1]


def test_include_with_markers_converts_the_part_in_place(book: Path) -> None:
    source = (
        "(intro)=\n## Intro\n\nText davor.\n"
        '```{include} teile/ziele.md\n:start-after: "<!-- START: A -->"\n:end-before: "<!-- END: A -->"\n```\n'
        "Text danach.\n"
    )
    text, found = convert(book, source)
    assert text == (
        "## Intro {#sec-intro}\n\nText davor.\n\n"
        '::: {.callout-note appearance="simple"}\nZiel A, siehe @sec-intro.\n:::\n\nText danach.\n'
    )
    assert warnings_of(found) == []
    assert warnings_of(found, "info") == [
        (
            5,
            "{include} teile/ziele.md with :start-after: :end-before: — Quarto's include cannot select; "
            "the part is converted and written here",
        )
    ]
    read_ast(text)


def test_include_selections_by_lines(book: Path) -> None:
    text, _ = convert(book, "```{include} teile/ziele.md\n:start-line: 9\n:end-line: 10\n```\n")
    assert text == "Ziel B.\n"
    text, _ = convert(book, "```{include} teile/ziele.md\n:lines: 10\n```\n")
    assert text == "Ziel B.\n"


def test_include_heading_offset_and_literal(book: Path) -> None:
    text, _ = convert(book, "```{include} teile/ziele.md\n:end-before: <!-- START: A -->\n:heading-offset: 1\n```\n")
    assert text == "## Ziele\n"
    text, _ = convert(book, "```{include} teile/ziele.md\n:literal:\n:start-after: <!-- START: B -->\n```\n")
    assert text == "```markdown\nZiel B.\n<!-- END: B -->\n```\n"


def test_include_marker_not_found_is_warned(book: Path) -> None:
    text, found = convert(book, "```{include} teile/ziele.md\n:start-after: <!-- START: C -->\n```\n")
    assert "Not included" in text
    assert warnings_of(found) == [
        (
            1,
            "{include} teile/ziele.md: :start-after: text '<!-- START: C -->' not found; "
            "a warning note stands in its place",
        )
    ]


def test_nested_include_resolves_from_the_included_file_and_recursion_stops(book: Path) -> None:
    teile = book / "kap" / "teile"
    (teile / "aussen.md").write_text("Außen.\n```{include} hinweis.md\n:lines: 1\n```\n", encoding="utf-8")
    text, found = convert(book, "```{include} teile/aussen.md\n:lines: 1-\n```\n")
    assert text == "Außen.\n\nEin **Hinweis**.\n"
    assert warnings_of(found) == []
    (teile / "schleife.md").write_text("Schleife.\n\n```{include} schleife.md\n:lines: 1-\n```\n", encoding="utf-8")
    text, found = convert(book, "```{include} teile/schleife.md\n:lines: 1-\n```\n")
    assert text.startswith("Schleife.\n\n::: {.callout-warning")
    assert [m for _, m in warnings_of(found)] == [
        "{include} schleife.md: the file includes itself; a warning note stands in its place"
    ]


def test_included_part_inside_a_directive_keeps_its_indentation_and_fences(book: Path) -> None:
    source = "````{admonition} Rahmen\n```{include} teile/hinweis.md\n:lines: 1\n```\n````\n"
    text, found = convert(book, source)
    assert text == '::: {.callout-note appearance="simple"}\n\n## Rahmen\n\nEin **Hinweis**.\n\n:::\n'
    assert warnings_of(found) == []
    (book / "kap" / "teile" / "div.md").write_text("```{note}\nInnen.\n```\n", encoding="utf-8")
    text, _ = convert(book, source.replace("hinweis.md\n:lines: 1\n", "div.md\n:lines: 1-\n"))
    assert text == (
        ':::: {.callout-note appearance="simple"}\n\n## Rahmen\n\n'
        '::: {.callout-note appearance="simple"}\nInnen.\n:::\n\n::::\n'
    )
    read_ast(text)
    text, _ = convert(book, "> Zitat\n> ```{include} teile/ziele.md\n> :lines: 10\n> ```\n> mehr\n")
    assert text == "> Zitat\n>  \n> Ziel B.\n>  \n> mehr\n"


# -- the corpus --------------------------------------------------------------------------------------
CORPUS_INCLUDES = [
    ("2_Datenbasis.md", "Die Forschungsfrage kann erläutert"),
    ("3_Datennachnutzung.md", "Die Bedeutung der vier FAIR-Prinzipien"),
    ("4_Qualitätsbewertung.md", "Die Bedeutung zentraler Qualitätskriterien"),
    ("5_Identifikatoren.md", "Die allgemein anerkannten Methoden der Datenzitierung"),
    ("6_Datenaufbereitung1.md", "Die Bedeutung von Datenaufbereitung"),
    ("7_Datenaufbereitung2.md", "Reproduzierbarkeit"),
    ("0_Intro.md", "@book{Plomin_Reproduzierbarkeit_2026,"),
]


@pytest.mark.parametrize(("name", "needle"), CORPUS_INCLUDES, ids=[n for n, _ in CORPUS_INCLUDES])
def test_corpus_chapters_with_includes(tmp_path: Path, name: str, needle: str, shared_corpus: Path) -> None:
    path = CORPUS / "Markdown" / name
    options = Options(source_dir=str(path.parent), root_dir=str(CORPUS))
    result = convert_text(path.read_text(encoding="utf-8"), path=name, options=options)
    assert needle in result.text
    assert "include}" not in result.text and "<!-- START:" not in result.text
    assert not [w for w in result.warnings if "include" in w.message and w.level == "warning"]
    out = tmp_path / name.replace(".md", ".qmd")
    out.write_text(result.text, encoding="utf-8")
    assert [p.message for p in scan_file(out, out.name).problems if " left" in p.message] == []
    if name == "0_Intro.md":
        assert "```bibtex\n@book{Plomin_Reproduzierbarkeit_2026," in result.text
    else:
        assert "::: {.callout-note .lernziele" in result.text
    read_ast(result.text)


def test_include_with_mystmd_lang_is_a_code_block_with_its_options(book: Path) -> None:
    text, found = convert(
        book, "```{include} code.py\n:lang: python\n:lines: 2-3\n:filename: code.py\n:linenos:\n```\n"
    )
    assert text == '```{.python filename="code.py" code-line-numbers="true"}\nline 2\nline 3\n```\n'
    assert found == []


def test_literalinclude_with_mystmd_lang_and_filename(book: Path) -> None:
    text, found = convert(book, literal(":lang: text\n:filename: code.py\n:lines: 1\n"))
    assert text == '```{.text filename="code.py"}\nline 1\n```\n'
    assert found == []
