"""Issue 18 items 4 and 15: what a notebook holds besides Markdown and code cells.

Attachments (``![](attachment:netz.png)``) become files beside a ``.qmd`` output; raw cells
become raw blocks (``{=latex}``, ``{=html}``) or code blocks, never live Markdown; duplicate
cell ids get the same new id on every run, with a warning; a directive split across cells loses
its stray closing fence, with a warning.
"""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path

import nbformat
import pytest

from myst2qmd import cli
from quarto_ast import summarize
from test_trust_book import make_book, notebook

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(["convert", *argv, "--engine", "none"])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "please report" not in err, err
    return code, err


def attached(name: str, data: bytes, mime: str = "image/png") -> dict[str, object]:
    return {"cell_type": "markdown", "attachments": {name: {mime: base64.b64encode(data).decode()}}}


# -- item 4: attachments ----------------------------------------------------------------------------


def test_an_attachment_becomes_a_file_beside_the_qmd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = tmp_path / "faltung.ipynb"
    nb.write_text(
        notebook(
            {**attached("netz.png", PNG), "source": "# Faltung\n\n![Das Netz](attachment:netz.png)\n"},
            {**attached("netz.png", PNG[:20]), "source": '<img src="attachment:netz.png" alt="anders">\n'},
            {"cell_type": "markdown", "source": "![fehlt](attachment:fehlt.png)\n"},
            {**attached("kaputt.png", b""), "source": "![kaputt](attachment:kaputt.png)\n"},
        ).replace('"image/png": ""', '"image/png": "nicht base64!"'),
        encoding="utf-8",
    )
    code, err = run(capsys, str(nb), "-o", str(tmp_path / "faltung.qmd"))
    assert code == 0, err
    qmd = (tmp_path / "faltung.qmd").read_text(encoding="utf-8")
    assert (tmp_path / "faltung_attachments" / "netz.png").read_bytes() == PNG
    assert (tmp_path / "faltung_attachments" / "cell2-netz.png").read_bytes() == PNG[:20]
    assert [image for image, _ in summarize(qmd).images] == [
        "faltung_attachments/netz.png",
        "faltung_attachments/cell2-netz.png",  # an <img>'s, another cell's netz.png
        "attachment:fehlt.png",  # kept as written, with a warning
        "attachment:kaputt.png",
    ]
    assert "#cell3:1: warning [notebook-attachment]: attachment:fehlt.png: the cell has no such attachment" in err
    assert "#cell4:1: warning [notebook-attachment]: attachment:kaputt.png: its image/png data is not valid" in err


def test_attachment_paths_need_no_quoting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = tmp_path / "faltung.ipynb"
    source = "![Netz](<attachment:../Bild 1.png>)\n"
    nb.write_text(notebook({**attached("../Bild 1.png", PNG), "source": source}), encoding="utf-8")
    code, err = run(capsys, str(nb), "-o", str(tmp_path / "mein kapitel.qmd"))
    assert code == 0, err
    assert (tmp_path / "mein_kapitel_attachments" / "Bild_1.png").read_bytes() == PNG  # never outside its folder
    qmd = (tmp_path / "mein kapitel.qmd").read_text(encoding="utf-8")
    assert [image for image, _ in summarize(qmd).images] == ["mein_kapitel_attachments/Bild_1.png"]


def test_attachments_stay_inside_a_notebook_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = tmp_path / "faltung.ipynb"
    nb.write_text(notebook({**attached("netz.png", PNG), "source": "![Netz](attachment:netz.png)\n"}), encoding="utf-8")
    code, err = run(capsys, str(nb))
    assert code == 0, err
    out = json.loads((tmp_path / "faltung.quarto.ipynb").read_text(encoding="utf-8"))
    assert out["cells"][0]["attachments"]["netz.png"]["image/png"] == base64.b64encode(PNG).decode()
    assert "attachment:netz.png" in "".join(out["cells"][0]["source"])
    assert not (tmp_path / "faltung.quarto_attachments").exists()


def test_an_attachment_onto_an_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = tmp_path / "faltung.ipynb"
    nb.write_text(notebook({**attached("g.yml", PNG), "source": "![Netz](attachment:g.yml)\n"}), encoding="utf-8")
    (tmp_path / "faltung_attachments").mkdir()
    glossary = tmp_path / "faltung_attachments" / "g.yml"
    glossary.write_text("Netz: net\n", encoding="utf-8")
    code = cli.main(["convert", str(nb), "-o", str(tmp_path / "faltung.qmd"), "--glossary", str(glossary)])
    assert code == 2 and "it is an input of this run" in capsys.readouterr().err
    assert glossary.read_text(encoding="utf-8") == "Netz: net\n"
    assert not (tmp_path / "faltung.qmd").exists()


# -- item 15: raw cells, cell ids, directives split across cells ----------------------------------------


def test_raw_cells_are_raw_blocks_in_a_qmd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = tmp_path / "roh.ipynb"
    nb.write_text(
        notebook(
            {"cell_type": "raw", "source": "---\ntitle: Roh\n---\n"},
            {"cell_type": "markdown", "source": "# Einleitung\n"},
            {"cell_type": "raw", "metadata": {"raw_mimetype": "text/latex"}, "source": "\\newpage\n# Kein Titel\n"},
            {"cell_type": "raw", "metadata": {"format": "text/html"}, "source": "<b>fett</b>\n\n- keine Liste\n"},
            {"cell_type": "raw", "source": "{{< include geheim.qmd >}}\n## Auch kein Titel\n"},
            {"cell_type": "raw", "metadata": {"raw_mimetype": "text/restructuredtext"}, "source": ".. note:: x\n"},
        ),
        encoding="utf-8",
    )
    code, err = run(capsys, str(nb), "-o", str(tmp_path / "roh.qmd"))
    assert code == 0, err
    qmd = (tmp_path / "roh.qmd").read_text(encoding="utf-8")
    assert qmd.startswith("---\ntitle: Roh\n---\n\n# Einleitung\n")  # front matter stays front matter
    assert "```{=latex}\n\\newpage\n# Kein Titel\n```" in qmd
    assert "```{=html}\n<b>fett</b>\n\n- keine Liste\n```" in qmd
    assert "```\n{{{< include geheim.qmd >}}}\n## Auch kein Titel\n```" in qmd  # not a live include
    assert "```\n.. note:: x\n```" in qmd
    doc = summarize(qmd)
    assert [text for _, _, text in doc.headers] == ["Einleitung"]  # none of the raw cells' headings is a heading
    assert doc.raw_blocks == ["\\newpage\n# Kein Titel", "<b>fett</b>\n\n- keine Liste"]


def test_duplicate_cell_ids_get_the_same_new_id_every_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cells = [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": f"Zelle {n}\n"} for n in range(3)]
    data = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    nb = tmp_path / "ids.ipynb"
    nb.write_text(json.dumps(data), encoding="utf-8")
    ids = []
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nbformat's own DuplicateCellId warning would fail here
            code, err = run(capsys, str(nb))
        assert code == 0, err
        out = nbformat.reads((tmp_path / "ids.quarto.ipynb").read_text(encoding="utf-8"), as_version=4)
        ids.append([cell.id for cell in out.cells])
    assert ids[0] == ids[1] == ["a", "cell-1", "cell-2"]
    assert f"{nb}#cell2:1: warning [notebook-id-duplicate]: cell id 'a' is also an earlier cell's" in err
    assert "#cell3:1: warning [notebook-id-duplicate]" in err


SPLIT = notebook(
    {"cell_type": "markdown", "source": "# Titel\n\n```{note}\nErster Teil.\n"},
    {"cell_type": "markdown", "source": "Zweiter Teil.\n```\n\nText danach.\n"},
    {"cell_type": "markdown", "source": ":::{warning}\nA\n"},
    {"cell_type": "markdown", "source": "B\n:::\n\n```python\nx = 1\n```\n"},
)


@pytest.mark.parametrize("suffix", [".qmd", ".ipynb"])
def test_a_directive_split_across_cells_loses_its_stray_fence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    nb = tmp_path / "geteilt.ipynb"
    nb.write_text(SPLIT, encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    code, err = run(capsys, str(nb), "-o", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    qmd = text if suffix == ".qmd" else "\n\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
    doc = summarize(qmd)
    # before: "Text danach." was swallowed by the code block the stray ``` opened
    assert [code for _, code in doc.code_blocks] == ["x = 1"] and "Text danach." in doc.text
    assert "\n:::\n" not in qmd.split("B\n", 1)[1]  # the stray ::: is gone
    assert "#cell2:2: warning [fence-unclosed]: this fence closes the {note} opened in cell 1" in err
    assert "#cell4:2: warning [fence-unclosed]: this fence closes the {warning} opened in cell 3" in err


def test_a_book_notebook_gets_the_same_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toc = "format: jb-book\nroot: intro\nchapters:\n- file: geteilt\n"
    book = make_book(tmp_path / "buch", {"_toc.yml": toc, "intro.md": "# Einleitung\n", "geteilt.ipynb": SPLIT})
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert "geteilt.ipynb#cell2:2: warning [fence-unclosed]: this fence closes the {note} opened in cell 1" in err


# -- issue 21: a code cell's myst-nb figure metadata and glue ----------------------------------------


def test_a_notebook_cell_figure_is_quartos_and_numref_finds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = tmp_path / "kurven.ipynb"
    figure = {"mystnb": {"figure": {"name": "kurve", "caption": "Eine Kurve."}}, "tags": ["remove-input"]}
    nb.write_text(
        notebook(
            {"cell_type": "code", "metadata": figure, "source": "plt.plot([1, 2])"},
            {"cell_type": "code", "metadata": {"tags": ["remove-output"]}, "source": 'glue("bild", fig)'},
            {"cell_type": "markdown", "source": "Siehe {numref}`kurve`.\n"},
        ),
        encoding="utf-8",
    )
    code, err = run(capsys, str(nb), "-o", str(tmp_path / "kurven.qmd"))
    assert code == 0, err
    qmd = (tmp_path / "kurven.qmd").read_text(encoding="utf-8")
    assert "```{python}\n#| label: fig-kurve\n#| fig-cap: Eine Kurve.\n#| echo: false\nplt.plot([1, 2])\n```" in qmd
    assert '```{python}\nglue("bild", fig)\n```' in qmd  # its output stays for an embed
    assert "Siehe @fig-kurve." in qmd
    assert "ref-undefined" not in err
