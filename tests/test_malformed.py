"""Malformed and unusual input: what tests/fixtures/malformed.md cannot express.

Byte-level cases (CRLF, BOM, NUL), warnings and their lines, blockquotes, 200 nested
directives (read back with pandoc), and a 20 MB file in linear work. Converter bugs found
here stay as strict xfails naming the bug, so a fix shows up as an XPASS (none left).
"""

from __future__ import annotations

import re
import sys
import time
from typing import Any

import pytest

from myst2qmd import convert_text
from quarto_ast import read_ast, stringify, summarize, walk
from work_count import cpu_seconds, steps


def warnings_of(text: str) -> list[tuple[int, str]]:
    return [(w.line, w.message) for w in convert_text(text).warnings if w.level == "warning"]


# --- unclosed fences, bad options, unknown directives --------------------------------------


def test_unclosed_directive_is_closed_at_the_end_and_warned_at_its_line() -> None:
    src = "Intro\n\nMehr.\n\n```{note}\nHallo\n\nNoch {numref}`fig-x`.\n"
    result = convert_text(src)
    assert result.text.endswith("\n:::\n")
    assert [(w.line, "never closed" in w.message) for w in result.warnings if "never closed" in w.message] == [
        (5, True)
    ]
    summary = summarize(result.text)
    assert [d[1] for d in summary.callouts] == [["callout-note"]]
    assert "Hallo" in summary.text and "Noch" in summary.text


def test_unclosed_code_cell_keeps_its_body() -> None:
    src = "```{code-cell} ipython3\nimport os\n\nprint(os.sep)\n"
    result = convert_text(src)
    assert result.text == "```{python}\nimport os\n\nprint(os.sep)\n```\n"
    assert [w.line for w in result.warnings] == [1]


def test_unclosed_plain_fence_is_verbatim_and_silent() -> None:
    src = "Text {numref}`fig-a`.\n\n````\n```{note}\nnot converted\n"
    result = convert_text(src)
    assert result.text == "Text @fig-a.\n\n````\n```{note}\nnot converted\n"


def test_bad_yaml_options_of_a_code_cell_keep_the_cell_valid_python() -> None:
    """The unreadable options go into an HTML comment *before* the cell, never into its code."""
    src = "```{code-cell} ipython3\n---\ntags: [hide-input\n---\nx = 1\n```\n"
    result = convert_text(src)
    assert any("YAML" in w.message for w in result.warnings)
    summary = summarize(result.text)
    cells = [body for classes, body in summary.code_blocks if "python" in classes]
    assert cells == ["x = 1"]
    compile(cells[0], "<cell>", "exec")
    assert any("tags: [hide-input" in raw for raw in summary.raw_blocks)


def test_bad_yaml_options_of_an_admonition_are_warned_and_the_body_kept() -> None:
    src = "```{note}\n---\nclass: [x\n---\nHallo\n```\n"
    result = convert_text(src)
    assert [(w.line, "YAML" in w.message) for w in result.warnings] == [(1, True)]
    summary = summarize(result.text)
    assert len(summary.callouts) == 1 and "Hallo" in summary.text


def test_invalid_front_matter_is_kept_verbatim_and_warned() -> None:
    src = "---\ntitle: [X\n---\n\n# T\n\nHallo\n"
    result = convert_text(src)
    assert result.text == src
    assert [line for line, message in warnings_of(src) if "YAML" in message] == [2]


def test_unknown_directive_drops_nothing() -> None:
    src = "```{aufgabe} Aufgabe 1\n:label: ex-1\n:difficulty: hard\n\nRechne {math}`1+1`.\n```\n"
    result = convert_text(src)
    warned = [w for w in result.warnings if "aufgabe" in w.message]
    assert warned and warned[0].line == 1
    summary = summarize(result.text)
    div = [d for d in summary.divs if "aufgabe" in d[1]]
    assert len(div) == 1
    assert "Aufgabe 1" in result.text and "hard" in result.text and "Rechne" in summary.text


# --- line endings, BOM, NUL, tabs, empty ------------------------------------------------------


def test_crlf_seed_keeps_crlf_and_converts_like_lf(seed_text: str) -> None:
    lf = convert_text(seed_text).text
    crlf = convert_text(seed_text.replace("\n", "\r\n")).text
    assert crlf == lf.replace("\n", "\r\n")
    assert "\n" not in crlf.replace("\r\n", "")


def test_crlf_untouched_lines_are_byte_identical() -> None:
    src = (
        "Zeile mit Leerzeichen  \r\n\tTab-Zeile\r\n\r\nSiehe {numref}`fig-a`.\r\n\r\n"
        ':::{figure-md} fig-a\r\n<img src="a.png" width="5px">\r\n\r\nCap\r\n:::\r\n'
    )
    out = convert_text(src).text
    assert out.startswith("Zeile mit Leerzeichen  \r\n\tTab-Zeile\r\n\r\nSiehe @fig-a.\r\n")
    assert "\n" not in out.replace("\r\n", "")
    assert "{width=5}\r\n\r\nCap\r\n:::\r\n" in out


def test_mixed_line_endings_keep_each_untouched_line_as_it_was() -> None:
    src = "A\r\nB\n\n```{note}\r\nX\r\n```\r\n\r\nC\n"
    out = convert_text(src).text
    assert out.startswith("A\r\nB\n\n")
    assert out.endswith("\r\nC\n")


def test_bom_is_dropped_and_front_matter_still_found(seed_text: str) -> None:
    assert convert_text("\ufeff" + seed_text).text == convert_text(seed_text).text
    out = convert_text("\ufeff# Titel\r\n\r\nText {cite}`a`\r\n").text
    assert out == '---\r\ntitle: "Titel"\r\n---\r\n\r\nText [@a]\r\n'
    assert "\ufeff" not in out


def test_empty_file() -> None:
    result = convert_text("")
    assert result.text == "" and result.warnings == []


def test_front_matter_without_final_newline() -> None:
    assert convert_text("---\ntitle: X\n---").text == "---\ntitle: X\n---"


def test_nul_bytes_in_prose_and_code_are_kept() -> None:
    src = "Hallo\x00Welt.\n\n```{code-cell} ipython3\nx = '\x00'\n```\n"
    assert convert_text(src).text == "Hallo\x00Welt.\n\n```{python}\nx = '\x00'\n```\n"


@pytest.mark.parametrize(
    "src",
    [
        "A\x00 {numref}`fig-a`\n",
        "```{note}\nA\x00B {numref}`fig-a`\n```\n",
    ],
)
def test_nul_bytes_do_not_stop_conversion(src: str) -> None:
    result = convert_text(src)
    assert "{numref}" not in result.text
    assert "@fig-a" in result.text and "\x00" in result.text
    assert not [w for w in result.warnings if "could not" in w.message]


def test_tabs_in_code_cells_are_byte_identical() -> None:
    body = "def f(x):\n\tif x:\n\t\treturn 1\t# eins\n"
    out = convert_text("```{code-cell} ipython3\n" + body + "```\n").text
    assert out == "```{python}\n" + body + "```\n"


# --- directives in containers -----------------------------------------------------------------


def _blockquote_callouts(qmd: str) -> list[dict[str, Any]]:
    ast = read_ast(qmd)
    quotes = [el for el in walk(ast["blocks"]) if el["t"] == "BlockQuote"]
    return [
        el
        for q in quotes
        for el in walk(q["c"])
        if el["t"] == "Div" and any(c.startswith("callout-") for c in el["c"][0][1])
    ]


@pytest.mark.parametrize(
    "src",
    [
        "> Zitat.\n>\n> ```{note}\n> Hallo {numref}`fig-x`\n> ```\n",
        "> :::{tip}\n> Hallo {numref}`fig-x`\n> :::\n",
        "- item\n\n  > ```{note}\n  > Hallo {numref}`fig-x`\n  > ```\n",
    ],
    ids=["backticks", "colons", "in a list item"],
)
def test_directive_in_a_blockquote_stays_in_the_quote(src: str) -> None:
    result = convert_text(src)
    assert not [w for w in result.warnings if "never closed" in w.message]
    callouts = _blockquote_callouts(result.text)
    assert len(callouts) == 1
    assert stringify(callouts[0]["c"][1]).startswith("Hallo")
    assert "```" not in summarize(result.text).text


def test_directive_in_a_list_item_stays_in_the_item() -> None:
    src = "- eins\n\n  ```{note}\n  Hallo\n  ```\n- zwei\n"
    ast = read_ast(convert_text(src).text)
    items = [el for el in walk(ast["blocks"]) if el["t"] == "BulletList"][0]["c"]
    assert len(items) == 2
    assert [el["c"][0][1] for el in walk(items[0]) if el["t"] == "Div"] == [["callout-note"]]


# --- deep nesting -------------------------------------------------------------------------------


def _nested(depth: int, fence: str) -> str:
    """``depth`` directives, each inside the previous one; outer fences are longer."""
    names = ["note", "tip", "warning", "aufgabe"]
    opens = [f"{fence * (depth + 3 - i)}{{{names[i % 4]}}}\n" for i in range(depth)]
    closes = [f"{fence * (4 + i)}\n" for i in range(depth)]
    return "".join(opens) + "Kern {numref}`fig-x`.\n" + "".join(closes)


def _div_depth(blocks: list[Any]) -> int:
    """Deepest chain of Divs directly nested in each other (iterative: no recursion)."""
    deepest, stack = 0, [(block, 0) for block in blocks]
    while stack:
        block, depth = stack.pop()
        if block.get("t") == "Div":
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in block["c"][1])
    return deepest


@pytest.mark.parametrize("fence", [":", "`"], ids=["colon", "backtick"])
def test_200_nested_directives(fence: str) -> None:
    limit = sys.getrecursionlimit()
    src = _nested(200, fence)
    result = convert_text(src)  # no RecursionError
    assert sys.getrecursionlimit() == limit
    assert not [w for w in result.warnings if "never closed" in w.message]
    assert "{numref}" not in result.text and "@fig-x" in result.text
    ast = read_ast(result.text)
    assert _div_depth(ast["blocks"]) == 200
    divs = [el["c"][0] for el in walk(ast["blocks"]) if el["t"] == "Div"]
    assert len(divs) == 200
    assert sum(1 for _, classes, _ in divs if "aufgabe" in classes) == 50
    assert sum(1 for _, classes, _ in divs if any(c.startswith("callout-") for c in classes)) == 150


# --- size ---------------------------------------------------------------------------------------


def _chapter_of(seed: str, megabytes: float) -> tuple[str, int]:
    """The seed's front matter and then copies of its body, about ``megabytes`` long."""
    end = seed.index("\n---\n", 4) + len("\n---\n")
    head, body = seed[:end], seed[end:]
    copies = max(1, round(megabytes * 2**20 / len(body.encode("utf-8"))))
    return head + body * copies, copies


def test_big_files_convert_in_linear_work(seed_text: str) -> None:
    """4x the text is about 4x the work (counted: the lines and calls executed, the same on a loaded
    machine); 20 MB takes CPU time in proportion (generous: within 3x of linear)."""
    small, _ = _chapter_of(seed_text, 0.25)
    large, _ = _chapter_of(seed_text, 1)
    ratio_size = len(large) / len(small)
    convert_text(small)  # warm up
    work_small, work_large = steps(lambda: convert_text(small)), steps(lambda: convert_text(large))
    # linear is ~4x; quadratic would be ~16x
    assert work_large / work_small < 1.25 * ratio_size, (work_small, work_large)

    t_large = cpu_seconds(lambda: convert_text(large))
    huge, copies = _chapter_of(seed_text, 20)
    assert len(huge.encode("utf-8")) >= 20 * 10**6
    start = time.process_time()
    result = convert_text(huge)
    t_huge = time.process_time() - start
    assert t_huge < 3 * t_large * len(huge) / len(large), (t_large, t_huge)
    assert len(re.findall(r"(?m)^::: \{#fig-", result.text)) == 34 * copies
    assert len(re.findall(r"(?m)^```\{python\}", result.text)) == 12 * copies
