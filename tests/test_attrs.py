"""Block attributes before an ordered list (``{style=lower-alpha}``) → Pandoc's fancy list markers.

Not fixture cases: Quarto's ``a. eins`` is no list for MyST (a paragraph, whose ``a.`` the
converter escapes), so the output is no fixed point of the conversion, as every fixture must be.
"""

from __future__ import annotations

import pytest

from myst2qmd import convert_text
from quarto_ast import read_ast


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("{style=lower-alpha}\n1. eins\n2. zwei\n", "a. eins\nb. zwei\n"),
        ("{style=upper-roman}\n{#liste}\n1. eins\n2. zwei\n", "::: {#liste}\nI.  eins\nII. zwei\n:::\n"),
        ("{style=upper-alpha}\n3. drei\n4. vier\n", "C.  drei\nD.  vier\n"),
        ("{style=lower-roman}\n1) eins\n\n   weiter\n2) zwei\n", "i) eins\n\n   weiter\nii) zwei\n"),
        ("{style=decimal}\n1. eins\n", "1. eins\n"),
    ],
)
def test_list_style_becomes_the_markers(src: str, expected: str) -> None:
    result = convert_text(src)
    assert result.text == expected
    assert result.warnings == []


def test_pandoc_reads_the_style_it_was_given() -> None:
    ast = read_ast(convert_text("{style=upper-alpha}\n3. drei\n4. vier\n").text)
    assert ast["blocks"][0]["t"] == "OrderedList"
    assert ast["blocks"][0]["c"][0][:2] == [3, {"t": "UpperAlpha"}]


def test_a_letter_past_z_keeps_the_numbers_and_the_style_as_an_attribute() -> None:
    src = "{style=lower-alpha}\n27. x\n"
    assert convert_text(src).text == '::: {style="lower-alpha"}\n27. x\n:::\n'
