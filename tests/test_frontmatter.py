"""Front matter that the fixture runner cannot hold (pandoc rejects the output by design)."""

from __future__ import annotations

from myst2qmd import convert_text


def test_invalid_yaml_front_matter_is_kept_and_warned() -> None:
    doc = "---\ntitle: [unclosed\n---\n\n# Titel\n\nText.\n"
    result = convert_text(doc)
    assert result.text == doc
    [warning] = result.warnings
    assert warning.line == 2 and "not valid YAML" in warning.message


def test_front_matter_that_is_not_a_mapping_is_kept() -> None:
    doc = "---\n- a\n- b\n---\n\nText.\n"
    result = convert_text(doc)
    assert result.text == doc
    assert any("not a YAML mapping" in w.message for w in result.warnings)


def test_kernel_language_comes_from_the_front_matter_before_cells_convert() -> None:
    doc = "---\nkernelspec:\n  name: julia-1.9\n  language: julia\n---\n\n```{code-cell}\n1 + 1\n```\n"
    assert convert_text(doc).text == "---\njupyter: julia-1.9\n---\n\n```{julia}\n1 + 1\n```\n"
