"""``myst2qmd check`` on what broke it (issue 18 item 16, issue 19, issue 23 item 2): the
converter's own raw blocks, 600 nested divs, deeply nested YAML, includes of a missing file or
of the file itself, a div whose ``{`` is never closed, a Latin-1 file, a link to a missing PDF,
and a run without pandoc that says what it did not check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pypandoc
import pytest

from myst2qmd import convert_text
from myst2qmd.application import run_check
from myst2qmd.check import check
from myst2qmd.check.deepjson import loads
from myst2qmd.codes import Code
from myst2qmd.context import Options
from quarto_ast import read_ast, walk


def _check(folder: Path, name: str, text: str | bytes, use_pandoc: bool = True) -> list[tuple[int, str, Code]]:
    page = folder / name
    if isinstance(text, bytes):
        page.write_bytes(text)
    else:
        page.write_text(text, encoding="utf-8")
    problems, files = check(page, use_pandoc=use_pandoc)
    assert files == 1
    return [(p.line, p.message, p.code) for p in problems]


def _nested_callouts(depth: int) -> str:
    """``depth`` MyST notes, each inside the one before (the outer fence the longest)."""
    opening = "".join(":" * (depth + 2 - i) + "{note}\n" + f"Ebene {i}.\n" for i in range(depth))
    return opening + "".join(":" * (3 + i) + "\n" for i in range(depth))


@pytest.mark.parametrize("use_pandoc", [True, False])
def test_the_converters_raw_blocks_are_no_problem(tmp_path: Path, use_pandoc: bool) -> None:
    """``{raw}`` becomes ```` ```{=html} ````: pandoc reads a raw block there, not a code block."""
    out = convert_text("```{raw} html\n<b>x</b>\n```\n\nText {raw-html}`<i>y</i>` ende.\n").text
    assert "```{=html}\n<b>x</b>\n```" in out
    qmd = out + "\n~~~{=latex}\n\\relax\n~~~\n\n```html\n<b>Code</b>\n```\n"
    assert _check(tmp_path, "roh.qmd", qmd, use_pandoc) == []


def test_a_raw_fence_pandoc_reads_as_code_is_still_reported(tmp_path: Path) -> None:
    """The raw-block reading does not hide a fence pandoc takes for something else."""
    qmd = "Text.\n\n```{=html} extra\n<b>x</b>\n```\n"
    problems = _check(tmp_path, "roh.qmd", qmd)
    assert [(line, code) for line, _, code in problems] == [(3, Code.PANDOC_MISREAD)], problems


@pytest.mark.parametrize("use_pandoc", [True, False])
def test_600_nested_callouts_that_convert_writes_are_checked(tmp_path: Path, use_pandoc: bool) -> None:
    """pandoc's AST of 600 nested divs is about 1,800 levels deep: ``json.loads`` raised
    RecursionError ("please report"); read and walked without recursion it has no problem."""
    result = convert_text(_nested_callouts(600))
    assert not [w for w in result.warnings if w.level == "warning"]
    assert result.text.count("callout-note") == 600
    assert _check(tmp_path, "tief.qmd", result.text, use_pandoc) == []
    # one unclosed div at the bottom is still found, at its line
    broken = result.text.replace("Ebene 599.\n:::\n", "Ebene 599.\n", 1)
    lines = [line for line, message, _ in _check(tmp_path, "tief.qmd", broken, use_pandoc) if "never" in message]
    assert lines == [1], lines


def test_a_deep_pandoc_ast_reads_as_json_loads_reads_a_shallow_one() -> None:
    """The flat JSON reader gives what ``json.loads`` gives, for pandoc's own output."""
    text = "# Titel {#sec-a}\n\n::: {.callout-note}\nEin *Hinweis* mit `code` und $x^2$, 1.5e3 und -2.\n:::\n"
    ast = read_ast(text)
    raw = json.dumps(ast)
    assert loads(raw) == json.loads(raw) == ast
    deep = pypandoc.convert_text(convert_text(_nested_callouts(600)).text, "json", format="markdown")
    with pytest.raises(RecursionError):
        json.loads(deep)
    divs = [node for node in walk_flat(loads(deep)) if node.get("t") == "Div"]
    assert len(divs) == 600


def walk_flat(node: object) -> list[dict]:
    """Every AST element, with an explicit stack (the test's own walker recurses)."""
    found, todo = [], [node]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            found += [item] if "t" in item else []
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return found


def test_deeply_nested_front_matter_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    qmd = "---\ntitle: T\nx: " + "[" * 3000 + "]" * 3000 + "\n---\n\nText.\n"
    problems = _check(tmp_path, "tief.qmd", qmd, use_pandoc=False)
    assert [(line, code) for line, _, code in problems] == [(1, Code.FRONTMATTER_INVALID)]
    assert "front matter not read (nested deeper than 1000 levels" in problems[0][1]
    assert _check(tmp_path, "tief.qmd", qmd) == problems  # and pandoc is not run on it
    (tmp_path / "_quarto.yml").write_text("book:\n  chapters: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    problems, _ = check(tmp_path, use_pandoc=False)
    assert [(p.path, p.code) for p in problems] == [
        ("_quarto.yml", Code.TOC_INVALID),
        ("tief.qmd", Code.FRONTMATTER_INVALID),
    ]


@pytest.mark.parametrize("depth", [150, 3000])
def test_a_deeply_nested_toc_is_read_or_refused(tmp_path: Path, depth: int) -> None:
    """``_quarto.yml`` with parts nested 150 deep: the missing chapter at the bottom is found;
    3,000 deep (past what the YAML reader can compose): one problem, no crash."""
    toc = '{"book": {"chapters": ' + '[{"part": "T", "chapters": ' * depth + '["fehlt.qmd"]' + "}]" * depth + "}}"
    (tmp_path / "_quarto.yml").write_text(toc, encoding="utf-8")
    (tmp_path / "index.qmd").write_text("# Start\n", encoding="utf-8")
    problems, _ = check(tmp_path, use_pandoc=False)
    expected = "chapter fehlt.qmd does not exist" if depth == 150 else "not read: nested deeper than 1000 levels"
    assert [(p.path, p.message.split(" (line")[0]) for p in problems] == [("_quarto.yml", expected)]


@pytest.mark.parametrize("use_pandoc", [True, False])
def test_includes_of_a_missing_file_or_of_the_file_itself_are_reported(tmp_path: Path, use_pandoc: bool) -> None:
    (tmp_path / "teile").mkdir()
    (tmp_path / "teile" / "_da.qmd").write_text("Da.\n", encoding="utf-8")
    (tmp_path / "teile" / "_zurueck.qmd").write_text("Z.\n\n{{< include ../kapitel.qmd >}}\n", encoding="utf-8")
    (tmp_path / "_wurzel.qmd").write_text("W.\n", encoding="utf-8")
    qmd = (
        "# K\n\n{{< include teile/_da.qmd >}}\n\n{{< include teile/_fehlt.qmd >}}\n\n"
        "{{< include kapitel.qmd >}}\n\n{{< include teile/_zurueck.qmd >}}\n\n"
        '{{< include "/_wurzel.qmd" >}}\n\n'
        "```markdown\n{{< include nicht_gemeint.qmd >}}\n```\n\n`{{< include auch_nicht.qmd >}}`\n"
    )
    problems = _check(tmp_path, "kapitel.qmd", qmd, use_pandoc)
    assert [(line, code) for line, _, code in problems] == [(5, Code.INCLUDE_FAILED)] + [(7, Code.INCLUDE_FAILED)] + [
        (9, Code.INCLUDE_FAILED)
    ]
    assert "teile/_fehlt.qmd does not exist" in problems[0][1]
    assert "includes this file itself" in problems[1][1]
    assert "(teile/_zurueck.qmd -> kapitel.qmd)" in problems[2][1]


@pytest.mark.parametrize("use_pandoc", [True, False])
def test_a_div_whose_brace_is_never_closed_is_reported(tmp_path: Path, use_pandoc: bool) -> None:
    """pandoc reads ``::: {.callout-note`` as text: no callout, and its ``:::`` closes nothing."""
    qmd = "Vorher.\n\n::: {.callout-note\nInhalt.\n:::\n\n::: {.callout-tip}\nGut.\n:::\n"
    assert not [d for d in walk(read_ast(qmd)) if d["t"] == "Div" and "callout-note" in d["c"][0][1]]
    problems = _check(tmp_path, "k.qmd", qmd, use_pandoc)
    assert [(line, code) for line, _, code in problems] == [(3, Code.FENCE_UNCLOSED), (5, Code.FENCE_UNCLOSED)]
    assert "no closing brace" in problems[0][1] and "never opened" in problems[1][1]


@pytest.mark.parametrize("use_pandoc", [True, False])
def test_a_latin1_file_is_reported_with_its_line(tmp_path: Path, use_pandoc: bool) -> None:
    """Issue 23 item 2: ``check`` itself, run on a file that is not UTF-8."""
    latin = "# Kapitel\n\nText.\n\nGrösse.\n".encode("latin-1")
    problems = _check(tmp_path, "k.qmd", latin, use_pandoc)
    assert len(problems) == 1
    line, message, code = problems[0]
    assert (line, code) == (5, Code.FILE_UNREADABLE)
    assert "not UTF-8" in message and "0xf6" in message
    # in a project, next to a readable chapter and a Latin-1 _quarto.yml: each is named
    (tmp_path / "gut.qmd").write_text("# Gut\n", encoding="utf-8")
    (tmp_path / "_quarto.yml").write_bytes("book:\n  title: Größe\n  chapters: [gut.qmd, k.qmd]\n".encode("latin-1"))
    problems_in_project, files = check(tmp_path, use_pandoc=use_pandoc)
    assert files == 2
    assert [(p.path, p.line, p.code) for p in problems_in_project] == [
        ("_quarto.yml", 2, Code.FILE_UNREADABLE),
        ("k.qmd", 5, Code.FILE_UNREADABLE),
    ]


@pytest.mark.parametrize("use_pandoc", [True, False])
def test_a_link_to_a_missing_pdf_is_reported(tmp_path: Path, use_pandoc: bool) -> None:
    """Issue 19: ``convert`` warns about a link to a PDF that is not there; ``check`` did not."""
    (tmp_path / "da.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "andere.qmd").write_text("# Andere\n", encoding="utf-8")
    myst = "Siehe [Bericht](bericht-2022.pdf), [da](da.pdf), [web](https://x.org/a.pdf) und [A](andere.qmd).\n"
    result = convert_text(myst, options=Options(source_dir=str(tmp_path)))
    assert [w.code for w in result.warnings] == [Code.LINK_MISSING]
    problems = _check(tmp_path, "k.qmd", result.text, use_pandoc)
    assert problems == [(1, "link to bericht-2022.pdf: bericht-2022.pdf does not exist", Code.LINK_MISSING)]


def test_without_pandoc_check_says_what_it_did_not_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No ``quarto``, no ``pandoc`` on the PATH and no pypandoc: the built-in scan runs, and the
    summary says which checks were skipped and how to get them."""
    page = tmp_path / "k.qmd"
    page.write_text("Text.\n\n ::: {.callout-note}\nEingerückt.\n :::\n", encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "pypandoc", None)  # `import pypandoc` fails
    assert run_check(page) == 0
    err = capsys.readouterr().err
    assert "1 file checked: no problems" in err
    assert "not checked (no pandoc found): files pandoc cannot read, ':::' fences that are no div" in err
    assert "pip install pypandoc-binary" in err
    monkeypatch.undo()
    assert run_check(page) == 1  # with pandoc: the indented fence is no div
    assert "not checked" not in capsys.readouterr().err
    assert run_check(page, use_pandoc=False) == 0
    assert "not checked (--no-pandoc)" in capsys.readouterr().err
