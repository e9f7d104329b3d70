"""The div writer on its own (:func:`myst2qmd.constructs.divs.directive_edits`): a directive and a
rewrite stated by the case in, the edits it writes out.

Cases live in ``tests/fixtures/divs/*.md`` in markdown-it's fixture format, as ``tests/fixtures/*.md``
do. A case's input starts with one line ``rewrite: {open: …, close: …, …}`` (a YAML mapping of the
:class:`~myst2qmd.constructs.base.Rewrite` fields) that the first directive of the text gets instead
of its construct's; its body is walked by the real walk first (display math, a nested directive),
as the walk does before it asks the div writer. The title states the warnings
(``[warns: fence-unclosed]``) and what pandoc reads in the expected text (``[pandoc: blockquote=1]``,
``[pandoc: none]``); the expected text is a fixed point of the converter too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from markdown_it.utils import read_fixture_file

from myst2qmd import convert_text
from myst2qmd.constructs.base import Rewrite
from myst2qmd.constructs.divs import directive_edits, with_line_prefixes, without_clashing_dedents
from myst2qmd.context import Context
from myst2qmd.convert import Converter
from myst2qmd.edits import apply_edits
from myst2qmd.source import View
from myst_structure import nonzero
from quarto_ast import block_counts
from test_fixtures import PANDOC_COUNTS, expected_codes

FIXTURES = Path(__file__).parent / "fixtures" / "divs"
CASES = [
    pytest.param(line, title, src, expected, id=f"{path.stem}:{line}:{title[:40]}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, src, expected in read_fixture_file(path)
]


def stated_rewrite(header: str) -> Rewrite:
    """``rewrite: {open: "{FENCE} {.x}", close: "{FENCE}"}`` → that :class:`Rewrite`."""
    assert header.startswith("rewrite:"), f"a case starts with its rewrite: {header!r}"
    fields = yaml.safe_load(header.removeprefix("rewrite:"))
    inserts = [(int(n), str(text)) for n, text in fields.pop("inserts", [])]
    return Rewrite(**fields, inserts=inserts)


def write_div(src: str) -> tuple[str, list[str]]:
    """The text after the div writer wrote the first directive of ``src`` as its rewrite says, and
    the codes of the warnings it made."""
    header, _, text = src.partition("\n")
    rewrite = stated_rewrite(header)
    converter = Converter(Context())
    parsed = converter.parse(View.root(text))
    converter.collect_labels(parsed)
    index = min(parsed.directives)
    body = parsed.bodies.get(index)
    walker = converter.walker
    inner = walker.walk(body) if body is not None else 0
    div = directive_edits(
        parsed.directives[index], rewrite, parsed.view, body.view if body else None, inner, walker.edits_within
    )
    requests = [div.line_prefix] if div.line_prefix is not None else []
    edits = with_line_prefixes([*walker.edits, *div.edits], requests)
    return apply_edits(text, without_clashing_dedents(edits)), [str(code) for _, _, code in div.warnings]


@pytest.mark.parametrize(("line", "title", "src", "expected"), CASES)
def test_div_writer(line: int, title: str, src: str, expected: str) -> None:
    out, codes = write_div(src)
    assert out == expected
    assert codes == expected_codes(title).get("warning", [])


@pytest.mark.parametrize(("line", "title", "src", "expected"), CASES)
def test_div_writer_output_reads_back(line: int, title: str, src: str, expected: str) -> None:
    """pandoc reads the structure the case states; converting the expected text again changes nothing."""
    stated = PANDOC_COUNTS.search(title)
    assert stated, f"a case states what pandoc reads in its title: {title}"
    pairs = [pair.split("=") for pair in stated.group(1).split(",") if pair.strip() != "none"]
    assert nonzero(block_counts(expected)) == {kind.strip(): int(n) for kind, n in sorted(pairs)}
    assert convert_text(expected).text == expected


def test_the_cases_cover_the_div_writer() -> None:
    """Every part of a rewrite is stated by some case."""
    headers = " ".join(src.partition("\n")[0] for _, _, src, _ in (case.values for case in CASES))
    assert all(f"{field}:" in headers for field in ("open", "close", "body", "prefix_body", "inserts"))


def test_the_div_writer_asks_for_line_prefixes_and_leaves_other_edits_alone() -> None:
    """Display math in a quoted body: the math construct's edit is named in the div writer's
    line-prefix request; the walk's edits are the same objects, with the same text, afterwards."""
    text = "```{epigraph}\n$$\nx\n$$ (x)\n```\n"
    converter = Converter(Context())
    parsed = converter.parse(View.root(text))
    converter.collect_labels(parsed)
    body = parsed.bodies[0]
    walker = converter.walker
    inner = walker.walk(body)
    before = [(edit, edit.new) for edit in walker.edits]
    rewrite = Rewrite(open="{FENCE} {.epigraph}", close="{FENCE}", prefix_body="> ")
    div = directive_edits(parsed.directives[0], rewrite, parsed.view, body.view, inner, walker.edits_within)
    assert [(edit, edit.new) for edit in walker.edits] == before
    assert all(a is b for a, (b, _) in zip(walker.edits, before, strict=True))
    assert div.line_prefix is not None
    assert [edit.new for edit, _ in div.line_prefix.edits] == ["$$\nx\n$$ {#eq-x}"]
    assert with_line_prefixes(walker.edits, [div.line_prefix])[0].new == "$$\n> x\n> $$ {#eq-x}"
