"""``myst2qmd check`` finds what pandoc (and so Quarto) does not read as written (issue 9 case 29,
issue 12): each problem with its file:line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from myst2qmd import convert_text
from myst2qmd.check import Problem, check
from myst2qmd.codes import Code


def _problems(tmp_path: Path, qmd: str, use_pandoc: bool = True, name: str = "kapitel.qmd") -> list[tuple[int, str]]:
    page = tmp_path / name
    page.write_text(qmd, encoding="utf-8")
    problems, files = check(page, use_pandoc=use_pandoc)
    assert files == 1
    assert all(p.path == name for p in problems)
    return [(p.line, p.message) for p in problems]


def _lines(problems: list[tuple[int, str]], word: str) -> list[int]:
    return [line for line, message in problems if word in message]


@pytest.mark.parametrize("use_pandoc", [True, False])
def test_a_leftover_directive_fence_is_reported(tmp_path: Path, use_pandoc: bool) -> None:
    qmd = "Text.\n\n```{note}\nEin Hinweis.\n```\n\n:::{tip}\nTipp.\n:::\n\n```python\n```{note}\n```\n"
    problems = _problems(tmp_path, qmd, use_pandoc)
    assert _lines(problems, "MyST directive left") == [3, 7]


@pytest.mark.parametrize("use_pandoc", [True, False])
def test_every_leftover_role_on_a_line_is_reported(tmp_path: Path, use_pandoc: bool) -> None:
    qmd = "Siehe {ref}`a` und {numref}`fig-b` und `{eq}` und {eq}`c`.\n\n::: {.callout-note}\nDort {term}`d`.\n:::\n"
    problems = _problems(tmp_path, qmd, use_pandoc)
    assert [(line, m.split(": ", 1)[1]) for line, m in problems if "role" in m] == [
        (1, "{ref}`a`"),
        (1, "{numref}`fig-b`"),
        (1, "{eq}`c`"),
        (4, "{term}`d`"),
    ]


def test_a_div_with_attributes_pandoc_cannot_read_is_reported(tmp_path: Path) -> None:
    qmd = "Text.\n\n::: {.callout-note .[a .b}\nInhalt.\n:::\n\n::: {.callout-tip}\nGut.\n:::\n"
    problems = _problems(tmp_path, qmd)
    assert _lines(problems, "as a div") == [3]
    assert "attributes" in problems[0][1] and ".[a .b" in problems[0][1]


def test_an_indented_div_fence_is_reported(tmp_path: Path) -> None:
    """Issue 12: pandoc reads an indented ``:::`` at the top level as text; in a list item at
    its content column it is a div."""
    qmd = (
        "Text.\n\n ::: {.callout-note}\nLösung.\n :::\n\n"
        "- Punkt\n\n  ::: {.callout-tip}\n  Im Punkt.\n  :::\n\n"
        "```markdown\n ::: {.callout-note}\n```\n"
    )
    problems = _problems(tmp_path, qmd)
    assert _lines(problems, "as a div") == [3]
    assert "indented" in problems[0][1]


def test_a_table_caption_detached_from_its_table_is_reported(tmp_path: Path) -> None:
    qmd = (
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n: Angehängt {#tbl-gut}\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nEin Absatz dazwischen.\n\n: Abgehängt {#tbl-weg}\n\n"
        "Begriff\n: Eine Definition, keine Beschriftung.\n"
    )
    problems = _problems(tmp_path, qmd)
    assert _lines(problems, "caption") == [13]


def test_a_table_glued_to_an_anchor_span_is_reported(tmp_path: Path) -> None:
    qmd = "[]{#tab-daten}\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[]{#frei}\n\n| c | d |\n|---|---|\n| 3 | 4 |\n"
    problems = _problems(tmp_path, qmd)
    assert _lines(problems, "pipe table") == [2]


def test_links_to_a_missing_id_in_another_file_are_reported(tmp_path: Path) -> None:
    (tmp_path / "other.qmd").write_text("# Anderes\n\n## Da {#sec-da}\n\n[]{#anker}\n", encoding="utf-8")
    qmd = "[weg](other.qmd#missing) [da](other.qmd#sec-da) [a](other.qmd#anker) [x](other.qmd#anderes)\n"
    problems = _problems(tmp_path, qmd)
    assert problems == [(1, "link to other.qmd#missing: no #missing in other.qmd")]


def test_a_chapter_pandoc_cannot_read_is_reported_with_pandocs_message_and_line(tmp_path: Path) -> None:
    """Issue 12: stray ``---`` lines make pandoc read a YAML block, and fail on the whole chapter."""
    qmd = '---\ntitle: "T"\n---\n\nText.\n\n---\n\n---\nDatenübersicht: Mittel: 3.\n---\n\nMehr.\n'
    problems = _problems(tmp_path, qmd)
    assert len(problems) == 1
    line, message = problems[0]
    assert line == 9
    assert message.startswith("pandoc cannot read this file: ")
    assert "YAML parse exception" in message and "mapping values are not allowed" in message


def test_a_fence_pandoc_cannot_read_is_reported(tmp_path: Path) -> None:
    qmd = 'Text.\n\n```python title="demo.py"\nx = 1\n```\n\n```{.python filename="demo.py"}\ny = 2\n```\n'
    problems = _problems(tmp_path, qmd)
    assert problems == [(3, 'pandoc does not read this fence as a code block: ```python title="demo.py"')]


def test_well_formed_quarto_has_no_problems(tmp_path: Path) -> None:
    """Tables with captions, definition lists, cells holding ':::' and ': ' lines, divs in
    list items at their content column, inline code that looks like a role: nothing to report."""
    qmd = (
        '---\ntitle: "T"\n---\n\n## A {#sec-a}\n\n'
        "| a | b |\n|---|---|\n| `{ref}` | 2 |\n\n: Zahlen {#tbl-zahlen}\n\n"
        "Siehe @tbl-zahlen und @sec-a, `{ref}`x`` bleibt Code.\n\n"
        "[Faltung]{#term-faltung}\n: Eine Operation.\n\n"
        "```{python}\n#| echo: false\nx = ''':::\n: kein Titel\n'''\n```\n\n"
        '1. Punkt\n\n   ::: {.callout-note appearance="simple"}\n   Hinweis.\n   :::\n\n'
        "> | c | d |\n> |---|---|\n> | 3 | 4 |\n"
    )
    assert _problems(tmp_path, qmd) == []


def test_converted_list_tables_and_captions_read_back(tmp_path: Path) -> None:
    """A converted chapter with a table right under a paragraph line and a labelled table:
    check finds nothing (the converter separates the table from the paragraph)."""
    myst = (
        "Vorher:\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```{list-table} Liste\n:name: liste\n:header-rows: 1\n* - x\n  - y\n* - 1\n  - 2\n```\n\n"
        "Siehe {numref}`liste`.\n"
    )
    assert _problems(tmp_path, convert_text(myst).text) == []


def test_check_cli_prints_file_and_line(tmp_path: Path) -> None:
    page = tmp_path / "k.qmd"
    page.write_text("A {ref}`x` B {ref}`y`.\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "myst2qmd", "check", str(page)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1
    assert run.stdout.splitlines()[:2] == [
        "k.qmd:1: error [myst-left]: MyST role left: {ref}`x`",
        "k.qmd:1: error [myst-left]: MyST role left: {ref}`y`",
    ]
    assert str(Problem("k.qmd", 1, "m", Code.MYST_LEFT)) == "k.qmd:1: error [myst-left]: m"


def test_notebook_markdown_cells_are_read_by_pandoc_too(tmp_path: Path) -> None:
    """Issue 12: an indented ``:::`` in a notebook's Markdown cell is no div for Quarto either."""
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Titel\n", "\n", "Text."]},
            {"cell_type": "code", "metadata": {}, "source": ["x = ''':::\n", " ::: {.a}\n", "'''"], "outputs": []},
            {"cell_type": "markdown", "metadata": {}, "source": [" ::: {.callout-note}\n", "Lösung.\n", " :::"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    page = tmp_path / "kapitel.ipynb"
    page.write_text(json.dumps(notebook), encoding="utf-8")
    problems, _ = check(page)
    assert [p.message.split(" (")[0] for p in problems] == ["pandoc does not read this ':::' fence as a div"]
