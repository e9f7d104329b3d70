"""Acceptance test of issue 2 on the seed chapter, read back through pandoc's JSON AST.

Every expected number is derived from the *source* with small regexes of its own (never
with our parser), and the literal numbers the issue names (34 figures, 28 citations,
7 callouts, 12 python cells) are asserted too, so a change to either side shows up.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import SEED
from myst2qmd import convert_text
from quarto_ast import Summary, read_ast, stringify, summarize, walk

COMMENT = re.compile(r"<!--.*?-->", re.S)
FIGURE_MD = re.compile(r"(?m)^:::\{figure-md\}[ \t]+(\S+)[ \t]*\n<img\b([^>]*)>")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
NUMREF = re.compile(r"\{numref\}`(?:[^`<]*<)?([^`<>]+)>?`")
ADMONITION = re.compile(
    r"(?mi)^(?:`{3,}|:{3,})\{(note|tip|warning|caution|important|danger|error|attention|hint"
    r"|seealso|admonition|dropdown)\}[ \t]*(.*)$"
)
CODE_CELL = re.compile(r"(?ms)^(`{3,})\{code-cell\}[^\n]*\n(.*?)^\1[ \t]*$")
AMSMATH = re.compile(r"(?s)\\begin\{(equation|align|gather|multline)(\*?)\}(.*?)\\end\{\1\2\}")
DOLLARS = re.compile(r"(?s)\$\$(.*?)\$\$")
TARGET = re.compile(r"(?m)^\(([^)\s]+)\)=[ \t]*$")
H1 = re.compile(r"(?m)^# (.+?)[ \t]*$")

# the same patterns as leftovers() in /work/shared/hooks/before-stop
QUARTO_CELLS = r"python|r|julia|ojs|mermaid|dot|bash|sql"
LEFTOVER = {
    "roles": r"\{[\w:-]+\}`",
    "directives": r"(?m)^\s*(`{3,}|~{3,}|:{3,})\s*\{[\w:-]+\}",
    "targets": r"(?m)^\([^)\s]+\)=\s*$",
    "LaTeX export": r"BEGIN LATEX EXPORT",
}


def leftovers(qmd: str) -> dict[str, int]:
    """MyST syntax left outside code, counted exactly as the before-stop hook does."""
    t = re.sub(r"(?ms)^(\s*)(`{3,}|~{3,})(?!\s*\{)[^\n]*\n.*?^\1\2\s*$", "", qmd)
    t = re.sub(r"(?ms)^(\s*)(`{3,})\s*\{(" + QUARTO_CELLS + r")\b[^\n]*\n.*?^\1\2\s*$", "", t)
    t = re.sub(r"``.*?``|`[^`\n]*`", "", t)
    t = re.sub(r"<!--.*?-->", "", t, flags=re.S)
    return {k: len(re.findall(p, t)) for k, p in LEFTOVER.items()}


def visible(src: str) -> str:
    """The source without HTML comments: what a reader of the built book sees."""
    return COMMENT.sub("", src)


def source_cell_bodies(src: str) -> list[str]:
    """Bodies of the {code-cell} directives after their options, as MyST reads them.

    Options are a ``---`` YAML block or leading ``:key: value`` lines; after a block of
    options, one blank first line is not part of the body (myst-parser strips it).
    """
    bodies = []
    for match in CODE_CELL.finditer(src):
        body = match.group(2)
        had_options = False
        if body.startswith("---\n"):
            end = body.index("\n---\n", 3)
            body = body[end + len("\n---\n") :]
            had_options = True
        else:
            stripped = re.sub(r"\A(?::[\w-]+:[^\n]*\n)+", "", body)
            had_options = stripped != body
            body = stripped
        if had_options and body.startswith("\n"):
            body = body[1:]
        bodies.append(body)
    return bodies


def qmd_cell_bodies(qmd: str) -> list[str]:
    """Bodies of the ```` ```{python} ```` cells of the output, without their ``#|`` lines."""
    cells = re.findall(r"(?ms)^(`{3,})\{python\}[^\n]*\n(.*?)^\1[ \t]*$", qmd)
    return [re.sub(r"\A(?:#\|[^\n]*\n)+", "", body) for _, body in cells]


def source_equations(src: str) -> list[tuple[str, str]]:
    """(environment, body) of every display equation of the visible source, in order."""
    text = visible(src)
    found = [(m.start(), m.group(1), m.group(3)) for m in AMSMATH.finditer(text)]
    found += [(m.start(), "$$", m.group(1)) for m in DOLLARS.finditer(text)]
    return [(env, body) for _, env, body in sorted(found)]


def figure_id(label: str) -> str:
    """The Quarto id of a MyST figure label: ``fig-`` prefixed, and (labels.py's documented
    rule, since underscores break Quarto's LaTeX output) only lower-case letters, digits
    and single hyphens."""
    ident = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", label.lower())).strip("-")
    return ident if ident.startswith("fig-") else f"fig-{ident}"


def squash(text: str) -> str:
    return " ".join(text.split())


def divs_with(ast: dict[str, Any], predicate) -> list[dict[str, Any]]:
    return [el for el in walk(ast["blocks"]) if el["t"] == "Div" and predicate(el["c"][0])]


@pytest.fixture(scope="module")
def qmd(seed_text: str) -> str:
    return convert_text(seed_text, path=str(SEED), engine="none").text


@pytest.fixture(scope="module")
def ast(qmd: str) -> dict[str, Any]:
    return read_ast(qmd)


@pytest.fixture(scope="module")
def summary(qmd: str) -> Summary:
    return summarize(qmd)


def test_source_counts_are_the_ones_the_issue_names(seed_text: str) -> None:
    text = visible(seed_text)
    assert len(FIGURE_MD.findall(text)) == 34
    assert sum(len(m.split(",")) for m in CITE.findall(text)) == 28
    assert len(ADMONITION.findall(text)) == 7
    assert len(CODE_CELL.findall(seed_text)) == 12


def test_figures_are_divs_with_the_source_labels(seed_text: str, summary: Summary) -> None:
    labels = [label for label, _ in FIGURE_MD.findall(visible(seed_text))]
    expected = [figure_id(label) for label in labels]
    assert "fig-cnn-learned_filters" in labels and "fig-cnn-learned-filters" in expected
    assert len(summary.figures) == 34
    assert summary.figures == expected
    # commented-out figures stay comments
    hidden = {figure_id(label) for label in re.findall(r"\{figure-md\}[ \t]+(\S+)", seed_text)}
    hidden -= set(expected)
    assert hidden and not hidden & set(summary.ids)


def test_each_figure_holds_its_image_and_caption(seed_text: str, ast: dict[str, Any]) -> None:
    sources = [
        (re.search(r'src="([^"]+)"', attrs).group(1), re.search(r'width="(\d+)px"', attrs).group(1))
        for _, attrs in FIGURE_MD.findall(visible(seed_text))
    ]
    figures = divs_with(ast, lambda attr: attr[0].startswith("fig-"))
    assert len(figures) == len(sources) == 34
    for div, (src, width) in zip(figures, sources, strict=True):
        ident = div["c"][0][0]
        images = [el for el in walk(div["c"][1]) if el["t"] == "Image"]
        assert [(im["c"][2][0], dict(im["c"][0][2]).get("width")) for im in images] == [(src, width)], ident
        blocks = div["c"][1]
        caption = blocks[-1]
        assert caption["t"] == "Para", ident
        assert not [el for el in walk(caption) if el["t"] == "Image"], ident
        assert stringify(caption).strip(), ident


def test_every_figure_reference_resolves(seed_text: str, summary: Summary) -> None:
    fig_refs = [ref for ref in summary.cross_refs if ref.startswith("fig-")]
    assert fig_refs
    assert set(fig_refs) <= set(summary.figures)
    expected = [figure_id(label) for label in NUMREF.findall(visible(seed_text))]
    assert Counter(fig_refs) == Counter(expected)


def test_all_citations(seed_text: str, summary: Summary) -> None:
    keys = [key.strip() for match in CITE.findall(visible(seed_text)) for key in match.split(",")]
    assert len(keys) == 28
    assert Counter(summary.bib_citations) == Counter(keys)


def test_callouts(seed_text: str, ast: dict[str, Any], summary: Summary) -> None:
    directives = ADMONITION.findall(visible(seed_text))
    assert len(summary.callouts) == len(directives) == 7
    callouts = divs_with(ast, lambda attr: any(c.startswith("callout-") for c in attr[1]))
    for div, (name, title) in zip(callouts, directives, strict=True):
        classes, attrs = div["c"][0][1], dict(div["c"][0][2])
        assert attrs.get("appearance") == "simple"
        if name.lower() != "admonition":
            assert f"callout-{name.lower()}" in classes
        else:
            first = div["c"][1][0]  # the title is the callout's heading: Quarto's callout title
            assert first["t"] == "Header"
            assert stringify(first) == title.strip()


def test_python_cells_keep_their_bodies(seed_text: str, qmd: str, summary: Summary) -> None:
    expected = source_cell_bodies(seed_text)
    assert len(expected) == 12
    assert qmd_cell_bodies(qmd) == expected  # byte-identical in the text
    cells = [body for classes, body in summary.code_blocks if "python" in classes]
    assert len(cells) == 12
    # and pandoc reads the same (it drops the final newline)
    assert [re.sub(r"\A(?:#\|[^\n]*\n)+", "", body) for body in cells] == [body.removesuffix("\n") for body in expected]


def test_hide_input_cells_fold_their_code(seed_text: str, summary: Summary) -> None:
    hidden = len(re.findall(r"(?m)^tags: \[hide-input\]$", seed_text))
    folded = [body for classes, body in summary.code_blocks if body.startswith("#| code-fold: true\n")]
    assert hidden == len(folded) == 2


def test_display_equations_are_dollar_math(seed_text: str, ast: dict[str, Any], summary: Summary) -> None:
    equations = source_equations(seed_text)
    assert len(equations) == 11
    assert len(summary.display_math) == len(equations)
    for math, (env, body) in zip(summary.display_math, equations, strict=True):
        assert squash(body) in squash(math)
        if env == "align":
            assert squash(math).startswith(r"\begin{aligned}")
    # no equation environment left for pandoc to pass through as raw TeX
    raw_tex = [
        el["c"][1]
        for el in walk(ast["blocks"])
        if el["t"] in ("RawBlock", "RawInline") and el["c"][0] in ("tex", "latex")
    ]
    assert not [raw for raw in raw_tex if "\\begin{" in raw]


def test_no_myst_left_outside_code(qmd: str) -> None:
    assert leftovers(qmd) == dict.fromkeys(LEFTOVER, 0)


def test_no_latex_export(qmd: str, summary: Summary) -> None:
    assert "LATEX EXPORT" not in qmd
    assert r"\begin{frame}" not in qmd
    assert "LATEX EXPORT" not in "".join(summary.raw_blocks)


def test_title_in_meta(seed_text: str, summary: Summary) -> None:
    title = H1.search(visible(seed_text)).group(1)
    assert stringify(summary.meta["title"]) == title == "Convolutional Neural Networks"
    assert not [h for h in summary.headers if h[0] == 1]
    assert stringify(summary.meta["jupyter"]) == "python3"
    assert "jupytext" not in summary.meta and "kernelspec" not in summary.meta


def test_targets_become_section_ids(seed_text: str, summary: Summary) -> None:
    targets = TARGET.findall(visible(seed_text))
    assert targets
    for label in targets:
        assert f"sec-{label}" in [ident for _, ident, _ in summary.headers]


def test_html_comments_that_are_not_latex_stay_verbatim(seed_text: str, qmd: str) -> None:
    comments = COMMENT.findall(seed_text)
    kept = [c for c in comments if "LATEX EXPORT" not in c]
    assert len(comments) - len(kept) == 16
    assert COMMENT.findall(qmd) == kept  # each verbatim, in order, nothing added


def test_output_is_a_fixed_point(qmd: str) -> None:
    assert convert_text(qmd).text == qmd


def test_cli_on_the_seed_matches_the_api(tmp_path: Path, seed_text: str, qmd: str) -> None:
    out = tmp_path / "cnn-lecture.qmd"
    proc = subprocess.run(
        [sys.executable, "-m", "myst2qmd", "convert", str(SEED), "-o", str(out), "--engine", "none"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text(encoding="utf-8") == qmd
