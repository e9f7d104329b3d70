"""``{csv-table}`` reading its ``:file:`` (made under ``tmp_path``), and the table writer's choice
between a pipe table and a grid table, read back by pandoc."""

from __future__ import annotations

from pathlib import Path

from myst2qmd import convert_text
from myst2qmd.constructs.gridtables import grid_table, table_text
from myst2qmd.context import Options
from quarto_ast import read_ast


def convert(folder: Path, text: str) -> tuple[str, list[str]]:
    options = Options(source_dir=str(folder), root_dir=str(folder))
    result = convert_text(text, path="kapitel.md", options=options)
    return result.text, [w.code for w in result.warnings]


def test_csv_table_file_is_read_from_the_documents_folder(tmp_path: Path) -> None:
    (tmp_path / "daten.csv").write_text('a,b\n5,"x | y"\n', encoding="utf-8")
    text, codes = convert(tmp_path, "```{csv-table} Werte\n:file: daten.csv\n:header-rows: 1\n:name: tbl-d\n```\n")
    assert text == "| a | b |\n|---|---|\n| 5 | x \\| y |\n\n: Werte {#tbl-d}\n"
    assert codes == []


def test_csv_table_file_outside_the_book_is_refused_visibly(tmp_path: Path) -> None:
    (tmp_path / "geheim.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / "book").mkdir()
    text, codes = convert(tmp_path / "book", "```{csv-table}\n:file: ../geheim.csv\n```\n")
    assert "Not included" in text and "a,b" not in text
    assert codes == ["include-failed"]


def test_grid_table_cells_keep_their_blocks_for_pandoc() -> None:
    written = table_text([["Kopf", "Inhalt"], ["1", "Absatz eins.\n\n- eins\n- zwei"]], 1)
    assert written.startswith("+")
    table = next(b for b in read_ast(written)["blocks"] if b["t"] == "Table")
    body_cell = table["c"][4][0][3][0][1][1]  # first body, its rows, the row, its cells, the second
    assert [block["t"] for block in body_cell[4]] == ["Para", "BulletList"]


def test_grid_table_wide_characters_stay_aligned() -> None:
    lines = grid_table([["表", "b"], ["x", "yy"]], 0).split("\n")
    assert lines[1] == "| 表  | b   |"
