"""Issue 9 cases 9, 10, 11, 17, 18, 19, 23, 30 and issue 12: directives, fences and links
that Pandoc must read as the blocks MyST meant.

Each case of ``fixtures/trust_directives.md`` names in its title the Pandoc element counts its
expected output must have (``{Div=1 CodeBlock=0}``); pandoc reads the output here, so a
fixture that writes text where a div or code block belongs fails.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest
from markdown_it.utils import read_fixture_file

from myst2qmd import convert_text
from myst2qmd.book import convert_book
from myst2qmd.segments import extract_segments
from quarto_ast import read_ast, summarize, walk

FIXTURES = Path(__file__).parent / "fixtures" / "trust_directives.md"
CASES = [
    pytest.param(title, expected, id=f"{line}:{title[:50]}")
    for line, title, _src, expected in read_fixture_file(FIXTURES)
]
_COUNTS = re.compile(r"\{((?:\w+=\d+\s*)+)\}\s*$")


def kinds(qmd: str) -> Counter[str]:
    """How many of each Pandoc element (``Div``, ``CodeBlock``, ``Link``…) pandoc reads in ``qmd``."""
    return Counter(el["t"] for el in walk(read_ast(qmd)["blocks"]))


@pytest.mark.parametrize(("title", "expected"), CASES)
def test_pandoc_reads_the_blocks_the_title_names(title: str, expected: str) -> None:
    wanted = _COUNTS.search(title)
    assert wanted is not None, f"fixture title names no element counts: {title}"
    counts = kinds(expected)
    for kind, number in re.findall(r"(\w+)=(\d+)", wanted.group(1)):
        assert counts[kind] == int(number), (kind, counts)


def test_fixture_file_is_collected() -> None:
    assert len(CASES) >= 20


# -- case 9 --------------------------------------------------------------------------------------
def test_invalid_class_names_are_reported() -> None:
    result = convert_text("```{admonition} Frage\n:class: [tip, extra\nText.\n```\n", path="k.md")
    assert result.text.startswith("::: {.callout-note .extra ")
    assert [w.message for w in result.warnings] == ["{admonition}: class names Pandoc cannot read left out: '[tip'"]


# -- case 11 -------------------------------------------------------------------------------------
def _book(tmp_path: Path, files: dict[str, str], toc: str) -> Path:
    src = tmp_path / "buch"
    for name, text in {"_config.yml": "title: Buch\n", "_toc.yml": toc, **files}.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    convert_book(src, out)
    return out


def test_links_to_files_with_spaces_are_links_to_those_files(tmp_path: Path) -> None:
    intro = (
        "# Einleitung\n\nSiehe {doc}`Kapitel Eins/Übung 1`, [die Übung](<Kapitel Eins/Übung 1.md>),\n"
        "[](<Kapitel Eins/Übung 1.md>) und [den Abschnitt](abschnitt).\n"
    )
    chapter = "# Übung Eins\n\n(abschnitt)=\n## Abschnitt\n\nText.\n"
    toc = "format: jb-book\nroot: intro\nchapters:\n- file: Kapitel Eins/Übung 1\n"
    out = _book(tmp_path, {"intro.md": intro, "Kapitel Eins/Übung 1.md": chapter}, toc)
    qmd = (out / "index.qmd").read_text(encoding="utf-8")
    links = [unquote(target) for target in summarize(qmd).links]
    assert links == ["Kapitel Eins/Übung 1.qmd"] * 3 + ["Kapitel Eins/Übung 1.qmd#sec-abschnitt"]
    assert all((out / link.split("#")[0]).is_file() for link in links)
    # our own reading sees links too: no path reaches a translation engine as prose
    assert not [s for s in extract_segments(qmd) if "Kapitel Eins" in s.masked()[0]]


# -- case 17 -------------------------------------------------------------------------------------
def test_labelled_h1_resolves_across_a_book(tmp_path: Path) -> None:
    intro = "# Einleitung\n\nSiehe {ref}`kap-eins` und [Kapitel Eins](kap-eins).\n"
    chapter = "(kap-eins)=\n# Kapitel Eins\n\nText.\n"
    toc = "format: jb-book\nroot: intro\nchapters:\n- file: eins\n"
    out = _book(tmp_path, {"intro.md": intro, "eins.md": chapter}, toc)
    [(level, ident, title)] = summarize((out / "eins.qmd").read_text(encoding="utf-8")).headers
    assert (level, title) == (1, "Kapitel Eins") and ident.startswith("sec-")
    intro_qmd = summarize((out / "index.qmd").read_text(encoding="utf-8"))
    assert intro_qmd.cross_refs == [ident] and intro_qmd.links == [f"eins.qmd#{ident}"]


def test_labelled_h1_of_a_file_warns_no_more() -> None:
    result = convert_text("(intro)=\n# Intro\n\nSiehe {ref}`intro`.\n")
    assert result.warnings == []
    assert summarize(result.text).headers == [(1, "sec-intro", "Intro")]


# -- case 18 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("info", "classes", "attributes"),
    [
        ('python title="demo.py"', ["python"], {"filename": "demo.py"}),
        ("python   extra", ["python", "extra"], {}),
        ("js title='a b.js' emphasize=2", ["js"], {"filename": "a b.js", "emphasize": "2"}),
        ('c++ title="x.cpp"', ["cpp"], {"filename": "x.cpp"}),
        ("python 3!", ["python"], {"info": "3!"}),
    ],
)
def test_fence_info_pandoc_cannot_read_is_rewritten(info: str, classes: list[str], attributes: dict[str, str]) -> None:
    body = 'print("a `b`")\n    x = {1: 2}\n'
    result = convert_text(f"```{info}\n{body}```\n").text
    assert summarize(result).code_blocks == [(classes, body.rstrip("\n"))]
    block = next(el for el in walk(read_ast(result)["blocks"]) if el["t"] == "CodeBlock")
    assert dict(block["c"][0][2]) == attributes
    assert result.endswith(f"\n{body}```\n")  # the body byte for byte


@pytest.mark.parametrize("info", ["python", "python  ", "{.python}", 'python {filename="a"}', "{python}", "", "c#"])
def test_fence_info_pandoc_reads_is_left_alone(info: str) -> None:
    text = f"```{info}\nx = 1\n```\n"
    assert convert_text(text).text == text


# -- case 19 / issue 12.2 ------------------------------------------------------------------------
@pytest.mark.parametrize("extra", [0, 1, 2, 3])
@pytest.mark.parametrize(("item", "column"), [("1. Punkt", 3), ("- Punkt", 2), ("  - Punkt", 4), ("10. Punkt", 4)])
def test_directive_indented_past_a_list_item_is_a_div_in_it(item: str, column: int, extra: int) -> None:
    pad = " " * (column + extra)
    text = f"{item}\n\n{pad}```{{note}}\n{pad}Notiz.\n{pad}```\n"
    result = convert_text(text).text
    assert f"\n{' ' * column}::: {{.callout-note" in result
    blocks = read_ast(result)["blocks"]
    assert [b["t"] for b in blocks] == (["BulletList"] if "-" in item else ["OrderedList"])
    assert [el["c"][0][1] for el in walk(blocks) if el["t"] == "Div"] == [["callout-note"]]


@pytest.mark.parametrize("indent", [1, 2, 3])
@pytest.mark.parametrize(
    "directive",
    ["```{admonition} Lösung\nText.\n```", ":::{figure} bild.png\n:name: fig-a\nBild.\n:::", "```{tip}\nTipp.\n```"],
)
def test_top_level_indented_directives_are_divs(indent: int, directive: str) -> None:
    text = "Absatz.\n\n" + "\n".join(" " * indent + line for line in directive.split("\n")) + "\n"
    summary = summarize(convert_text(text).text)
    assert len(summary.divs) == 1 and summary.text.startswith("Absatz.")


def test_nested_indented_directives_are_divs_and_their_bodies_move_with_them() -> None:
    text = "  ::::{admonition} Aussen\n  Text.\n\n    :::{tip}\n    Innen.\n\n        code\n    :::\n  ::::\n"
    result = convert_text(text).text
    summary = summarize(result)
    assert [d[1] for d in summary.divs] == [["callout-note"], ["callout-tip"]]
    assert summary.code_blocks == [([], "code")]  # indented code in MyST, byte for byte
    assert "Innen." in summary.text and ":::" not in summary.text
    assert convert_text(result).text == result


def test_a_body_line_another_construct_rewrites_keeps_its_indentation() -> None:
    text = " ```{note}\n $$\n a\n $$ (eq-a)\n\n Text {math}`x`.\n ```\n"
    result = convert_text(text).text
    assert result == '::: {.callout-note appearance="simple"}\n$$\n a\n $$ {#eq-a}\n\nText $x$.\n:::\n'
    assert summarize(result).display_math == ["\n a\n "]


@pytest.mark.parametrize(
    ("text", "kinds_in_order"),
    [
        (">  ```{note}\n<!-- c -->\n", ["BlockQuote", "RawBlock"]),
        (">  ```{note}\n## Titel\n", ["BlockQuote", "Header"]),
        ("1. Punkt\n   :::{tip}\n\nText.\n", ["OrderedList", "Para"]),
        ("- Punkt\n\n   ```{admonition} Titel\nText.\n", ["BulletList", "Para"]),
    ],
)
def test_unclosed_directive_in_a_list_item_or_quote_closes_where_it_ends(text: str, kinds_in_order: list[str]) -> None:
    result = convert_text(text, path="k.md")
    assert [b["t"] for b in read_ast(result.text)["blocks"]] == kinds_in_order
    assert sum(el["t"] == "Div" for el in walk(read_ast(result.text)["blocks"])) == 1
    assert "closed where its list item or quote ends" in result.warnings[0].message
    assert convert_text(result.text).text == result.text


# -- case 30 -------------------------------------------------------------------------------------
_FENCE_LIKE = [
    "```{math}",
    "```{math} x^2",
    "```",
    "````",
    "~~~",
    ":::",
    ":::{note}",
    "````{note}",
    "x = 1",
    "{math}`x`",
    "```{note} {math}`x`",
    "``` {math}`y`",
    "",
    "text",
    "  ```{math}",
    "> ```{math}",
    "- ```{math}",
    ":::{math}",
]


#: three-line inputs that once converted to something a second conversion changed
_ONCE_UNSTABLE = [
    "````{note}\n```\n:::\n",
    "> ```{math}\n> ```{math}\n```{math}\n",
    "> ```{math}\n> ```{math}\n:::{note}\n",
    "- ```{math}\n  ```{math}\n```{math}\n",
    "- ```{math}\n  ```{math}\n:::{note}\n",
    "text\n```{math}\n```{math}\n",
    "```{math}\n$$\n```{math}\n",
    "- ```{math}\n\n",
]


def test_math_among_fence_like_lines_converts_to_a_fixed_point() -> None:
    texts = ["\n".join(pair) + "\n" for pair in itertools.product(_FENCE_LIKE, repeat=2)] + _ONCE_UNSTABLE
    unstable = []
    for text in texts:
        once = convert_text(text).text
        if convert_text(once).text != once:
            unstable.append(text)
    assert unstable == []


# -- issue 12 in notebooks -----------------------------------------------------------------------
_CELLS = [
    "# Kapitel\n\n ```{admonition} Lösung\n Die Lösung.\n ```",
    "```{figure} bild.png\n\n---\n\n---\nData overview.\n```",
    "  ```{note}\n  ---\n  ---\n  Eine Notiz.\n  ```",
    "::::{card} Karte\n ```{admonition} Solution\n Innen.\n ```\n::::",
    "   ```{code-block} python\n   ---\n   ---\n   x = 1\n   ```",
    '- Punkt\n\n   :::{figure-md} fig-liste\n   <img src="bild.png" width="300px">\n\n   Liste.\n   :::',
]


def test_empty_option_blocks_and_indented_directives_in_notebook_cells(tmp_path: Path) -> None:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": text} for text in _CELLS]
    cells.append({"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [], "execution_count": None})
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    toc = "format: jb-book\nroot: intro\nchapters:\n- file: heft\n"
    out = _book(tmp_path, {"intro.md": "# Einleitung\n", "heft.ipynb": json.dumps(notebook), "bild.png": ""}, toc)
    written = json.loads((out / "heft.ipynb").read_text(encoding="utf-8"))["cells"]
    markdown = ["".join(c["source"]) for c in written if c["cell_type"] == "markdown"]
    assert len(markdown) == len(_CELLS)
    counts = [kinds(text) for text in markdown]
    assert [c["Div"] for c in counts] == [1, 1, 1, 2, 0, 1]
    assert [c["CodeBlock"] for c in counts] == [0, 0, 0, 0, 1, 0]
    assert not any(c["HorizontalRule"] for c in counts)
    assert not any("---" in text for text in markdown)
