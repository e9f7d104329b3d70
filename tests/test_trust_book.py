"""Issue 9, books: nothing of the user's written over, nothing merged, nothing left out without a
word. Each test builds a small Jupyter Book in a temporary folder and runs the real command
(``myst2qmd.cli.main``) or :func:`convert_book` on it; outputs are read back through pandoc."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from myst2qmd import cli
from myst2qmd.book import convert_book
from quarto_ast import summarize


def make_book(root: Path, files: dict[str, str | bytes]) -> Path:
    """A book folder holding ``files`` (path → text or bytes)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(["convert", *argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, err


def chapters_of(out: Path) -> list[object]:
    return yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"]


def notebook(*cells: dict[str, object], minor: int = 5, language: str = "python") -> str:
    """A valid nbformat 4 notebook of ``cells`` (markdown/code/raw: ids added)."""
    full = []
    for n, cell in enumerate(cells):
        cell = {"metadata": {}, **cell}
        if minor >= 5:
            cell.setdefault("id", f"c{n}")
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        full.append(cell)
    kernel = {"name": "python3" if language == "python" else "ir", "display_name": language, "language": language}
    data = {"cells": full, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": minor}
    return json.dumps(data, indent=1)


SIMPLE = {
    "_toc.yml": "format: jb-book\nroot: intro\nchapters:\n  - file: kapitel/faltung\n",
    "_config.yml": "title: Kurs\n",
    "intro.md": "# Einleitung\n\nWillkommen im Kurs.\n",
    "kapitel/faltung.md": "# Faltung\n\n(fig-netz)=\n## Netz\n\nDie Faltung verschiebt einen Filter.\n",
}


# -- case 1: --report (and every written path) never inside the input, never onto an output ------


@pytest.mark.parametrize("target", ["_toc.yml", "intro.md", "kapitel/faltung.md", "neu.json"])
def test_report_inside_the_book_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    before = snapshot(book)
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"), "--report", str(book / target))
    assert code == 2 and "inside the book" in err, err
    assert snapshot(book) == before
    assert not (tmp_path / "out").exists()  # refused before any work


@pytest.mark.parametrize("target", ["index.qmd", "kapitel/faltung.qmd", "_quarto.yml", "bild.png", "."])
def test_report_onto_an_output_of_the_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    book = make_book(tmp_path / "book", {**SIMPLE, "bild.png": b"\x89PNG"})
    out = tmp_path / "out"
    assert run(capsys, str(book), "-o", str(out))[0] == 0
    before = snapshot(out)
    code, err = run(capsys, str(book), "-o", str(out), "--report", str(out / target))
    assert code == 2, err
    assert snapshot(out) == before


def test_report_beside_the_outputs_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    out = tmp_path / "out"
    code, err = run(capsys, str(book), "-o", str(out), "--report", str(out / "report.json"))
    assert code == 0, err
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["files_converted"] == 2


def test_outputs_onto_the_runs_other_inputs_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--macros``, ``--glossary`` and the config file are inputs too: never written."""
    macros = tmp_path / "macros.tex"
    macros.write_text("\\newcommand{\\R}{\\mathbb{R}}\n", encoding="utf-8")
    glossary = tmp_path / "terms.yml"
    glossary.write_text("Faltung: convolution\n", encoding="utf-8")
    src = tmp_path / "a.md"
    src.write_text("# A\n", encoding="utf-8")
    before = snapshot(tmp_path)
    code, err = run(capsys, str(src), "-o", str(macros), "--macros", str(macros))
    assert code == 2 and "it is an input of this run" in err, err
    assert snapshot(tmp_path) == before
    book = make_book(tmp_path / "book", SIMPLE)
    before = snapshot(tmp_path)
    code, err = run(
        capsys, str(book), "-o", str(tmp_path / "out"), "--report", str(glossary), "--glossary", str(glossary)
    )
    assert code == 2 and "it is an input of this run" in err, err
    assert snapshot(tmp_path) == before
    out = tmp_path / "out"
    assert run(capsys, str(book), "-o", str(out))[0] == 0
    before = snapshot(tmp_path)
    code, err = run(capsys, str(book), "-o", str(out), "--macros", str(out / "index.qmd"))
    assert code == 2 and "is an input of this run, and the book would be written over it" in err, err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["inside", "around"])
def test_output_folder_inside_or_around_the_book_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    before = snapshot(tmp_path)
    out = book / "quarto" if where == "inside" else tmp_path
    code, err = run(capsys, str(book), "-o", str(out))
    assert code == 2 and ("inside the book" in err or "contains the book" in err), err
    assert snapshot(tmp_path) == before


def test_single_file_output_onto_the_input_through_a_link_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "a.md"
    src.write_text("# A\n", encoding="utf-8")
    (tmp_path / "link.qmd").symlink_to(src)
    code, err = run(capsys, str(src), "-o", str(tmp_path / "link.qmd"))
    assert code == 2 and "refusing to overwrite the input" in err
    assert src.read_text(encoding="utf-8") == "# A\n"


def test_output_folder_leading_back_into_the_book_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    out = tmp_path / "out"
    out.mkdir()
    (out / "kapitel").symlink_to(book / "kapitel")  # OUT/kapitel/faltung.qmd would land in the book
    before = snapshot(book)
    code, err = run(capsys, str(book), "-o", str(out))
    assert code == 2 and "leads into the book" in err, err
    assert snapshot(book) == before


def test_the_output_folders_are_checked_once_each_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file in the way of a folder, or a folder in the way of a file, stops the run; each
    folder's checks are made once, not once per file in it."""
    from myst2qmd.book.output import Staging

    chapters = {f"kapitel/k{n}.md": f"# K{n}\n" for n in range(4)}
    toc = "format: jb-book\nroot: intro\nchapters:\n" + "".join(f"  - file: kapitel/k{n}\n" for n in range(4))
    book = make_book(tmp_path / "book", {**SIMPLE, "_toc.yml": toc, **chapters})
    folders: list[Path] = []
    real = Staging.refuse_file_in_the_way
    monkeypatch.setattr(Staging, "refuse_file_in_the_way", lambda self, t: folders.append(t.parent) or real(self, t))
    out = tmp_path / "out"
    out.mkdir()
    (out / "kapitel").write_text("a file where the chapters' folder goes\n", encoding="utf-8")
    code, err = run(capsys, str(book), "-o", str(out))
    assert code == 2 and re.search(r"cannot write \S+/kapitel/k\d\.qmd: \S+/kapitel is a file, not a folder", err), err
    (out / "kapitel").unlink()
    (out / "kapitel" / "k2.qmd").mkdir(parents=True)
    code, err = run(capsys, str(book), "-o", str(out))
    assert code == 2 and f"cannot write {out / 'kapitel' / 'k2.qmd'}: it is a folder" in err, err
    (out / "kapitel" / "k2.qmd").rmdir()
    folders.clear()
    code, err = run(capsys, str(book), "-o", str(out))
    assert code == 0, err
    assert sorted(folders) == sorted({out, out / "kapitel"})  # six files, two folders


# -- case 3: two sources, one output path ---------------------------------------------------------


def test_two_sources_for_one_output_are_renamed_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(
        tmp_path / "book",
        {
            "_toc.yml": "format: jb-book\nroot: einleitung\nchapters:\n  - file: index\n  - file: anhang\n",
            "einleitung.md": "# Einleitung\n\nDer Wurzeltext bleibt. Siehe {doc}`index` und [Index](index.md).\n",
            "index.md": "(sec-index)=\n# Inhaltsverzeichnis\n\nDer Kapiteltext bleibt auch.\n",
            "anhang.md": "# Anhang\n\nZurück zu {ref}`sec-index` und {doc}`einleitung`.\n",
        },
    )
    out = tmp_path / "out"
    code, err = run(capsys, str(book), "-o", str(out))
    assert code == 0, err
    assert chapters_of(out) == ["index.qmd", "index-2.qmd", "anhang.qmd"]
    assert "Der Wurzeltext bleibt" in (out / "index.qmd").read_text(encoding="utf-8")
    assert "Der Kapiteltext bleibt auch" in (out / "index-2.qmd").read_text(encoding="utf-8")
    warned = "_toc.yml:4: warning [output-collision]: index.md and einleitung.md would both be written as index.qmd"
    assert warned in err
    intro = summarize((out / "index.qmd").read_text(encoding="utf-8"))
    assert intro.links == ["index-2.qmd", "index-2.qmd"]
    appendix = (out / "anhang.qmd").read_text(encoding="utf-8")
    assert "@sec-index" in appendix and "[Einleitung](index.qmd)" in appendix


def test_chapters_that_render_to_one_page_are_renamed_apart(tmp_path: Path) -> None:
    """``a.md`` and ``a.ipynb`` both render to ``a.html``; ``A.md`` and ``a.md`` are one file on macOS."""
    book = make_book(
        tmp_path / "book",
        {
            "_toc.yml": "root: intro\nchapters:\n  - file: a.md\n  - file: a.ipynb\n",
            "intro.md": "# Intro\n",
            "a.md": "# A\n\nText von a.md.\n",
            "a.ipynb": notebook({"cell_type": "markdown", "source": "# A nb\n\nText des Notebooks.\n"}),
        },
    )
    report, warnings = convert_book(book, tmp_path / "out")
    assert chapters_of(tmp_path / "out") == ["index.qmd", "a.qmd", "a-2.ipynb"]
    assert any("a-2.ipynb" in w.message for w in warnings)
    assert report.files_converted == 3


# -- case 4: a .qmd in the source never replaces a converted chapter --------------------------------


def test_a_qmd_in_the_source_does_not_replace_the_converted_chapter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = make_book(
        tmp_path / "book",
        {
            **SIMPLE,
            "kapitel/faltung.qmd": "# Alte Fassung\n\nVERALTET\n",
            "kapitel/Faltung.qmd": "# Andere Schreibung\n\nVERALTET\n",
            "_quarto.yml": "project: {type: website}\n",
        },
    )
    out = tmp_path / "out"
    code, err = run(capsys, str(book), "-o", str(out))
    assert code == 0, err
    written = (out / "kapitel/faltung.qmd").read_text(encoding="utf-8")
    assert "Die Faltung verschiebt" in written and "VERALTET" not in written
    warned = "kapitel/faltung.qmd:1: warning [output-collision]: kapitel/faltung.qmd is also written from "
    assert warned + "kapitel/faltung.md" in err
    assert "book" in yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))["project"]["type"]
    assert "_quarto.yml is also written from the table of contents" in err
    assert "kapitel/Faltung.qmd is also written from kapitel/faltung.md" in err
    assert not (out / "kapitel/Faltung.qmd").exists()


# -- case 12: glob, pattern and url entries ---------------------------------------------------------

GLOBBED = {
    "intro.md": "# Intro\n\nStart.\n",
    "kapitel/b.md": "# B\n\nZweites Kapitel.\n",
    "kapitel/a.md": "# A\n\nErstes Kapitel.\n",
    "kapitel/c.ipynb": notebook({"cell_type": "markdown", "source": "# C\n\nDrittes Kapitel.\n"}),
    "kapitel/tief/d.md": "# D\n\nTief.\n",
}


def test_toc_glob_entries_are_expanded_as_jupyter_book_does(tmp_path: Path) -> None:
    toc = (
        "format: jb-book\nroot: intro\nparts:\n"
        "  - caption: Alles\n    chapters:\n"
        "      - file: kapitel/b\n"
        "      - glob: kapitel/*\n"
        "      - url: https://example.org/kurs\n        title: Webseite\n"
        "      - title: Nur ein Titel\n"
        "      - glob: nirgends/*\n"
        "      - kapitel/a\n"
    )
    book = make_book(tmp_path / "book", {**GLOBBED, "_toc.yml": toc})
    report, warnings = convert_book(book, tmp_path / "out")
    assert chapters_of(tmp_path / "out") == [
        "index.qmd",
        {
            "part": "Alles",
            "chapters": [
                "kapitel/b.qmd",
                "kapitel/a.qmd",
                "kapitel/c.ipynb",
                {"text": "Webseite", "href": "https://example.org/kurs"},
            ],
        },
    ]
    assert report.files_converted == 4
    messages = {(w.path, w.line): w.message for w in warnings}
    assert "title: is not supported" in messages[("_toc.yml", 10)]
    assert "'nirgends/*' matches no document" in messages[("_toc.yml", 11)]
    assert "toc entry 'kapitel/a' is not a mapping" in messages[("_toc.yml", 12)]


def test_a_book_made_of_globs_converts_its_chapters(tmp_path: Path) -> None:
    toc = "root: intro\nchapters:\n  - glob: kapitel/**\n"
    book = make_book(tmp_path / "book", {**GLOBBED, "_toc.yml": toc})
    report, _ = convert_book(book, tmp_path / "out")
    assert report.files_converted == 5
    assert chapters_of(tmp_path / "out")[1:] == [
        "kapitel/a.qmd",
        "kapitel/b.qmd",
        "kapitel/c.ipynb",
        "kapitel/tief/d.qmd",
    ]


def test_myst_yml_pattern_and_url_entries(tmp_path: Path) -> None:
    myst = (
        "version: 1\nproject:\n  title: Kurs\n  toc:\n"
        "    - file: intro.md\n"
        "    - title: Kapitel\n      children:\n        - pattern: 'kapitel/*.md'\n"
        "    - url: https://example.org\n      title: Extern\n"
        "    - pattern: 'kapitel/**/*.md'\n"
    )
    book = make_book(tmp_path / "book", {**GLOBBED, "myst.yml": myst})
    report, warnings = convert_book(book, tmp_path / "out")
    assert chapters_of(tmp_path / "out") == [
        "index.qmd",
        {"part": "Kapitel", "chapters": ["kapitel/a.qmd", "kapitel/b.qmd"]},
        {"text": "Extern", "href": "https://example.org"},
        "kapitel/tief/d.qmd",
    ]
    assert report.files_converted == 4, warnings


# -- case 13: toc paths normalised, repeats warned ------------------------------------------------------


def test_an_entry_without_suffix_naming_two_files_is_warned(tmp_path: Path) -> None:
    """``- file: kapitel`` with ``kapitel.md`` and ``kapitel.ipynb`` beside each other: the first
    suffix Sphinx tries wins, and the one left out is named, never dropped silently."""
    book = make_book(
        tmp_path / "book",
        {
            "_toc.yml": "root: intro\nchapters:\n  - file: kapitel\n",
            "intro.md": "# Intro\n",
            "kapitel.md": "# Kapitel\n\nAus Markdown.\n",
            "kapitel.ipynb": notebook({"cell_type": "markdown", "source": "# Kapitel\n\nAus dem Notebook."}),
        },
    )
    _, warnings = convert_book(book, tmp_path / "out")
    assert chapters_of(tmp_path / "out") == ["index.qmd", "kapitel.qmd"]
    named = [w for w in warnings if "kapitel.md and kapitel.ipynb" in w.message]
    assert [(w.path, w.line) for w in named] == [("_toc.yml", 3)], [str(w) for w in warnings]


def test_toc_paths_are_normalised_and_repeats_warned(tmp_path: Path) -> None:
    toc = (
        "root: intro\nchapters:\n"
        "  - file: kapitel/pooling\n"
        "  - file: kapitel/../kapitel/pooling\n"
        "  - file: kapitel//pooling\n"
        "  - file: ./kapitel/pooling.md\n"
        "  - file: /kapitel/faltung\n"
    )
    book = make_book(
        tmp_path / "book",
        {
            "_toc.yml": toc,
            "intro.md": "# Intro\n",
            "kapitel/pooling.md": "# Pooling\n\nMax-Pooling halbiert.\n",
            "kapitel/faltung.md": "# Faltung\n",
        },
    )
    report, warnings = convert_book(book, tmp_path / "out")
    assert chapters_of(tmp_path / "out") == ["index.qmd", "kapitel/pooling.qmd", "kapitel/faltung.qmd"]
    assert report.files_converted == 3
    repeats = sorted(w.line for w in warnings if "appears twice" in w.message)
    assert repeats == [4, 5, 6]
    assert all(w.path == "_toc.yml" for w in warnings if "appears twice" in w.message)


# -- case 14: notebooks read with nbformat ------------------------------------------------------------

V3 = json.dumps(
    {
        "metadata": {"name": ""},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Alte Fassung"]},
                    {"cell_type": "markdown", "metadata": {}, "source": ["Siehe {numref}`fig-alt`.\n"]},
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": ["1 + 1"],
                        "language": "python",
                        "metadata": {},
                        "outputs": [],
                    },
                ],
                "metadata": {},
            }
        ],
    }
)

MALFORMED = {
    "cells-a-string": json.dumps({"cells": "kaputt", "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
    "cell-a-list": json.dumps({"cells": [["x"]], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}),
    "source-numbers": json.dumps(
        {
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": [1, 2]}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 4,
        }
    ),
    "no-cell-type": json.dumps(
        {"cells": [{"metadata": {}, "source": "x"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    ),
    "not-json": "{ kein json",
    "v3-broken": json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": "x", "metadata": {}}),
}


def test_nbformat_3_chapters_are_upgraded_and_converted(tmp_path: Path) -> None:
    book = make_book(
        tmp_path / "book",
        {
            "_toc.yml": "root: intro\nchapters:\n  - file: alt\n",
            "intro.md": "# Intro\n\n```{figure} bild.png\n:name: fig-alt\n\nAlt.\n```\n",
            "bild.png": b"\x89PNG",
            "alt.ipynb": V3,
        },
    )
    convert_book(book, tmp_path / "out")
    text = (tmp_path / "out" / "alt.ipynb").read_text(encoding="utf-8")
    converted = nbformat.reads(text, as_version=4)
    nbformat.validate(converted)
    assert converted.nbformat == 4
    sources = [c.source for c in converted.cells]
    assert "# Alte Fassung" in sources[0] and "@fig-alt" in sources[1] and sources[2] == "1 + 1"
    # the same bytes on a second run (cell ids do not change): nothing rewritten
    assert convert_book(book, tmp_path / "out")[0].files_written == 0


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_notebook_is_reported_and_the_others_convert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    book = make_book(
        tmp_path / "book",
        {
            **SIMPLE,
            "_toc.yml": "root: intro\nchapters:\n  - file: kapitel/faltung\n  - file: kaputt\n",
            "kaputt.ipynb": MALFORMED[name],
        },
    )
    out = tmp_path / "out"
    code, err = run(capsys, str(book), "-o", str(out), "--report", str(tmp_path / "r.json"))
    assert code == 0, err
    assert re.search(r"kaputt\.ipynb:1: warning \[notebook-invalid\]: not a valid notebook: .+", err), err
    assert "not converted: kaputt.ipynb" in err
    assert chapters_of(out) == ["index.qmd", "kapitel/faltung.qmd"]
    assert not (out / "kaputt.ipynb").exists()
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["not_converted"] == ["kaputt.ipynb"]


# -- case 16: paths that lead outside the book --------------------------------------------------------


def test_images_downloads_and_links_outside_the_book_are_warned(tmp_path: Path) -> None:
    (tmp_path / "draussen.png").write_bytes(b"\x89PNG")
    (tmp_path / "daten.csv").write_text("a,b\n", encoding="utf-8")
    chapter = (
        "# Faltung\n"
        "\n"
        "![Bild](../../draussen.png)\n"
        "\n"
        "Laden: {download}`Daten <../../daten.csv>` und\n"
        "[der Text](../../daten.csv#zeile).\n"
        "\n"
        "```{figure} ../../draussen.png\n"
        "Abbildung.\n"
        "```\n"
        "\n"
        "[im Buch](../intro.md) und [Web](https://example.org).\n"
        "\n"
        '<img src="../../draussen.png" width="50%"> und <a href="../intro.md">zurück</a>\n'
    )
    book = make_book(tmp_path / "book", {**SIMPLE, "kapitel/faltung.md": chapter})
    _, warnings = convert_book(book, tmp_path / "out")
    outside = sorted((w.path, w.line) for w in warnings if "leads outside the book" in w.message)
    assert outside == [("kapitel/faltung.md", n) for n in (3, 5, 6, 8, 14)]
    assert not (tmp_path / "out" / "draussen.png").exists()


def test_a_path_leads_outside_where_its_symbolic_links_lead(tmp_path: Path) -> None:
    """Whether a target leads out of the book is decided on the path with every symbolic link
    resolved: a link's file or folder out of the book leads out, one into the book does not."""
    (tmp_path / "draussen" / "tief").mkdir(parents=True)
    (tmp_path / "draussen" / "b.png").write_bytes(b"\x89PNG")
    chapter = (
        "# Faltung\n"
        "\n"
        "![raus](raus.png) ![rein](rein.png) ![im Ordner](ordner/b.png)\n"  # file links, folder link: line 3
        "\n"
        "![zurück](tief/../b.png) ![hoch](tief/..)\n"  # '..' after a link out: line 5 (twice)
        "\n"
        "![innen](innen/../bild.png) ![ordner](ordner) ![wurzel](wurzel/..)\n"  # line 7: the last two
    )
    book = make_book(tmp_path / "book", {**SIMPLE, "kapitel/faltung.md": chapter, "kapitel/bild.png": b"\x89PNG"})
    (book / "kapitel" / "raus.png").symlink_to(tmp_path / "draussen" / "b.png")
    (book / "kapitel" / "rein.png").symlink_to(book / "kapitel" / "bild.png")
    (book / "kapitel" / "ordner").symlink_to(tmp_path / "draussen")
    (book / "kapitel" / "tief").symlink_to(tmp_path / "draussen" / "tief")
    (book / "kapitel" / "innen").symlink_to(book / "kapitel")
    (book / "kapitel" / "wurzel").symlink_to(book)  # its '..' is the book's parent folder
    _, warnings = convert_book(book, tmp_path / "out")
    outside = [(w.line, w.message.split()[0]) for w in warnings if "leads outside the book" in w.message]
    assert outside == [
        (3, "raus.png"),
        (3, "ordner/b.png"),
        (5, "tief/../b.png"),
        (5, "tief/.."),
        (7, "ordner"),
        (7, "wurzel/.."),
    ]


# -- case 24: every setting works for a book -----------------------------------------------------------


def test_a_translation_memory_inside_the_book_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    monkeypatch.setenv("MYST2QMD_CACHE_DIR", str(book / "cache"))
    before = snapshot(book)
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"), "--engine", "pseudo")
    assert code == 2 and "inside the book" in err
    assert snapshot(book) == before and not (book / "cache").exists()


def test_a_missing_macros_file_is_refused_for_a_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"), "--escape-fences", "--macros", "/nonexistent.tex")
    assert code == 2 and "nonexistent.tex" in err
    assert not (tmp_path / "out").exists()


def test_book_settings_reach_every_chapter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    macros = tmp_path / "macros.tex"
    macros.write_text("\\newcommand{\\vek}[1]{\\mathbf{#1}}\n", encoding="utf-8")
    chapter = (
        "# Faltung\n\nDer Vektor $\\vek{x}$.\n\n![Netz](images/netz.png)\n\n"
        "```{code-cell} python\n# Ein Kommentar\nx = 1\n```\n"
    )
    book = make_book(
        tmp_path / "book",
        {**SIMPLE, "kapitel/faltung.md": chapter, "kapitel/images/netz.png": b"\x89PNG"},
    )
    out = tmp_path / "out"
    settings = ["--macros", str(macros), "--escape-fences", "--images-path", "/assets/"]
    code, err = run(capsys, str(book), "-o", str(out), *settings)
    assert code == 0, err
    text = (out / "kapitel/faltung.qmd").read_text(encoding="utf-8")
    assert "\\mathbf{x}" in text and "\\vek" not in text  # --macros
    assert "\\```{python}" in text  # --escape-fences
    assert "{{< meta params.images_path >}}netz.png" in text  # --images-path
    translated = tmp_path / "translated"
    code, err = run(
        capsys, str(book), "-o", str(translated), *settings, "--engine", "pseudo", "--translate-code-comments"
    )
    assert code == 0, err
    text = (translated / "kapitel/faltung.qmd").read_text(encoding="utf-8")
    # fences are escaped after translation: the code is still code, only its comment is translated
    assert "\\```{python}\n# ⟦EIN KOMMENTAR⟧\nx = 1\n\\```" in text, text
    assert "⟦DER VEKTOR" in text and "\\mathbf{x}" in text


def test_included_files_are_translated_with_the_chapters(tmp_path: Path) -> None:
    """An ``{include}``d file becomes its own ``.qmd``: converted and translated like a chapter."""
    from myst2qmd.translate import TranslationCache, Translator
    from myst2qmd.translate.engines.pseudo import PseudoEngine

    book = make_book(
        tmp_path / "book",
        {
            **SIMPLE,
            "intro.md": "# Einleitung\n\n```{include} _teile/stueck.md\n```\n",
            "_teile/stueck.md": "Ein eingefügtes Stück Text.\n\n```python\nx = 1\n```\n",
            "_teile/stueck.qmd": "VERALTET\n",
        },
    )
    translator = Translator(PseudoEngine(), cache=TranslationCache(None))
    _, warnings = convert_book(book, tmp_path / "out", translator=translator)
    included = (tmp_path / "out" / "_teile/stueck.qmd").read_text(encoding="utf-8")
    assert "⟦EIN EINGEFÜGTES STÜCK TEXT.⟧" in included and "x = 1" in included
    assert "{{< include _teile/stueck.qmd >}}" in (tmp_path / "out" / "index.qmd").read_text(encoding="utf-8")
    assert any("_teile/stueck.qmd is also written from _teile/stueck.md" in w.message for w in warnings)


def test_a_notebook_that_cannot_be_read_claims_no_output_name(tmp_path: Path) -> None:
    """Found by the random books: ``kap/a.ipynb`` (broken, listed first by the glob) took
    ``kap/a``, so ``kap/a.md`` became ``kap/a-2.qmd`` and a stray ``kap/a.qmd`` was copied."""
    book = make_book(
        tmp_path / "book",
        {
            "_toc.yml": "root: intro\nchapters:\n  - file: kap/a.ipynb\n  - file: kap/a.md\n",
            "intro.md": "# Intro\n",
            "kap/a.md": "# A\n\nDer echte Text.\n",
            "kap/a.ipynb": MALFORMED["cell-a-list"],
            "kap/a.qmd": "VERALTET\n",
        },
    )
    report, _ = convert_book(book, tmp_path / "out")
    assert chapters_of(tmp_path / "out") == ["index.qmd", "kap/a.qmd"]
    assert "Der echte Text" in (tmp_path / "out" / "kap/a.qmd").read_text(encoding="utf-8")
    assert report.not_converted == ["kap/a.ipynb"]


@pytest.mark.parametrize(
    ("toc", "line", "message"),
    [
        ("root: intro\nchapters: 5\n", 1, "'chapters' must be a list"),
        ("root: intro\nparts: x\n", 1, "'parts' must be a list"),
        ("root: intro\nchapters:\n  - file: kapitel/faltung\n    sections: 7\n", 3, "'sections' must be a list"),
        ("root: intro\nparts:\n  - caption: X\n    chapters: 3\n", 3, "'chapters' must be a list"),
    ],
)
def test_toc_values_of_the_wrong_kind_are_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toc: str, line: int, message: str
) -> None:
    book = make_book(tmp_path / "book", {**SIMPLE, "_toc.yml": toc})
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert f"_toc.yml:{line}: warning [toc-invalid]: {message}" in err
