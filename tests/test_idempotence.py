"""Converting our own output changes nothing."""

from __future__ import annotations

from myst2qmd import convert_text


def test_seed_output_is_a_fixed_point(seed_text: str) -> None:
    once = convert_text(seed_text).text
    twice = convert_text(once)
    assert twice.text == once
    assert not [w for w in twice.warnings if "never defined" not in w.message]


def test_seed_with_options_is_a_fixed_point(seed_text: str) -> None:
    once = convert_text(seed_text, images_path="/assets/images/cnn/").text
    assert "{{< meta params.images_path >}}mlp.jpeg" in once
    assert convert_text(once, images_path="/assets/images/cnn/").text == once
