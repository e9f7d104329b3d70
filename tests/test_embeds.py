"""mystmd's embeds of notebook cell outputs (``![](#label)``, ``{figure} #label``, ``{embed} #label``)
become Quarto's ``embed`` shortcode naming the project notebook whose cell has that label."""

from __future__ import annotations

import json
from pathlib import Path

from cli_run import run_cli
from myst2qmd import convert_text
from myst2qmd.context import Options

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["#| label: nicht-code"]},
        {
            "cell_type": "code",
            "metadata": {},
            "source": ["#| label: kurve\n", "plot()"],
            "outputs": [],
            "execution_count": None,
        },
        {
            "cell_type": "code",
            "metadata": {},
            "source": ["#| echo: false\n", "#| label: tabelle\n", "df"],
            "outputs": [],
            "execution_count": None,
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}
PAGE = """\
:::{figure} #kurve
:label: fig-kurve
Die Kurve.
:::

![](#tabelle)

Im Text ![](#kurve) bleibt es ein Bild.

:::{embed} #kurve
:::

![](#nicht-code)
"""


def _project(root: Path) -> Path:
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: T\n", encoding="utf-8")
    (root / "daten").mkdir()
    (root / "daten" / "analyse.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    (root / "kapitel").mkdir()
    (root / "_build").mkdir()
    (root / "_build" / "alt.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    page = root / "kapitel" / "seite.md"
    page.write_text(PAGE, encoding="utf-8")
    return page


def test_cell_outputs_become_embed_shortcodes_of_the_projects_notebook(tmp_path: Path) -> None:
    page = _project(tmp_path)
    result = run_cli("convert", str(page), "-o", "-", "--engine", "none")
    assert result.returncode == 0, result.stderr
    shortcode = "{{< embed ../daten/analyse.ipynb#kurve >}}"
    assert result.stdout.startswith(f"::: {{#fig-kurve}}\n\n{shortcode}\n\nDie Kurve.\n:::\n")
    assert "\n{{< embed ../daten/analyse.ipynb#tabelle >}}\n" in result.stdout
    assert "Im Text ![](#kurve) bleibt es ein Bild." in result.stdout
    assert result.stdout.count(shortcode) == 2
    # a markdown cell's "#| label:" is no cell output: kept, and said so
    assert "\n![](#nicht-code)" in result.stdout
    assert "[ref-undefined]" in result.stderr and "nicht-code" in result.stderr


def test_a_changed_notebook_is_read_again(tmp_path: Path) -> None:
    page = _project(tmp_path)
    options = Options(source_dir=str(page.parent))
    first = convert_text(PAGE, path=str(page), options=options)
    notebook = tmp_path / "daten" / "analyse.ipynb"
    notebook.write_text(json.dumps(NOTEBOOK).replace("kurve", "welle") + "\n", encoding="utf-8")
    second = convert_text(PAGE, path=str(page), options=options)
    assert "analyse.ipynb#kurve" in first.text
    assert "analyse.ipynb#kurve" not in second.text
    assert [w.code.value for w in second.warnings].count("ref-undefined") == 3


def test_a_book_embeds_the_output_of_its_notebook_chapter(tmp_path: Path) -> None:
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_config.yml").write_text("title: Buch\n", encoding="utf-8")
    toc = "format: jb-book\nroot: teil/analyse\nchapters:\n- file: intro\n"  # the notebook is the book's index
    (book / "_toc.yml").write_text(toc, encoding="utf-8")
    (book / "intro.md").write_text("# Einleitung\n\n![](#kurve)\n", encoding="utf-8")
    (book / "teil").mkdir()
    chapter = {
        **NOTEBOOK,
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Analyse"]}, *NOTEBOOK["cells"]],
    }
    (book / "teil" / "analyse.ipynb").write_text(json.dumps(chapter), encoding="utf-8")
    run = run_cli("convert", str(book), "-o", str(tmp_path / "out"), "--engine", "none")
    assert run.returncode == 0, run.stderr
    intro = (tmp_path / "out" / "intro.qmd").read_text(encoding="utf-8")
    assert "{{< embed index.ipynb#kurve >}}" in intro
    assert (tmp_path / "out" / "index.ipynb").is_file()
