"""Lines that no test guarded before (issue 9, "Tests that can catch the next one"): break one
of them and a test here fails."""

from __future__ import annotations

import pytest

from myst2qmd import convert_text
from myst2qmd.edits import Edit, OverlappingEditsError, apply_edits
from myst2qmd.translate.engines.base import Reply
from myst2qmd.translate.validate import check as check_reply
from myst2qmd.untouched import check_untouched
from myst_structure import myst_counts, nonzero
from quarto_ast import block_counts, summarize


def test_an_unlabelled_figure_does_not_take_a_labels_id() -> None:
    """constructs/figures.py: an unlabelled figure is named after its image (``#fig-netz``)
    unless a label already has that id."""
    myst = (
        "```{figure} a/netz.png\n:name: netz\n\nDas benannte Netz.\n```\n\n"
        "```{figure} b/netz.png\n\nEin anderes Netz.\n```\n\nSiehe {numref}`netz`.\n"
    )
    out = summarize(convert_text(myst).text)
    assert len(out.figures) == 2
    assert out.figures[0] == "fig-netz"
    assert len(set(out.figures)) == 2, out.figures
    assert out.cross_refs == ["fig-netz"]


@pytest.mark.parametrize("directive", ["code-cell} ipython3", "code-block} python"])
def test_a_code_fence_is_longer_than_any_fence_in_its_body(directive: str) -> None:
    """constructs/code.py: a ``:::`` code cell whose body holds a ```` ``` ```` fence needs a
    four-backtick fence, or pandoc ends the block at the body's fence."""
    body = "s = '''\n```\ninnen\n```\n'''\nprint(s)"
    out = convert_text(f":::{{{directive}\n{body}\n:::\n").text
    assert out.startswith("````")
    blocks = summarize(out).code_blocks
    assert [code for _, code in blocks] == [body]


@pytest.mark.parametrize(
    ("tex", "env"),
    [("a &= b\n\nc &= d", "aligned"), ("a = b\n\nc = d", "gathered")],
)
def test_math_paragraphs_align_at_ampersands_else_gather(tex: str, env: str) -> None:
    """constructs/math.py: ``{math}`` with several paragraphs becomes one environment;
    ``gathered`` with ``&`` is a LaTeX error, so ``&`` means ``aligned``."""
    out = summarize(convert_text(f"```{{math}}\n{tex}\n```\n").text)
    assert len(out.display_math) == 1
    math = out.display_math[0]
    assert f"\\begin{{{env}}}" in math and f"\\end{{{env}}}" in math
    assert ("gathered" in math) == (env == "gathered") and ("aligned" in math) == (env == "aligned")


SOURCE = "Die Faltung verschiebt einen kleinen Filter über das ganze Bild und summiert die Produkte."


@pytest.mark.parametrize(
    ("reply", "accepted"),
    [
        ("Convolution.", False),  # ratio 0.14
        ("Convolution slides a filter.", False),  # ratio 0.31
        ("Convolution slides a small filter over the image and sums.", True),  # ratio 0.66
        (" ".join(["Convolution slides a small filter over the whole image and sums the products."] * 3), True),
        (" ".join(["Convolution slides a small filter over the whole image and sums the products."] * 4), False),
    ],
)
def test_reply_length_ratio_bounds(reply: str, accepted: bool) -> None:
    """translate/validate.py: a reply far shorter or longer than its source is rejected."""
    verdict = check_reply(SOURCE, Reply(reply), source_lang="de", target_lang="en", check_language=False)
    assert verdict.ok == accepted, (len(reply) / len(SOURCE), verdict)
    if not accepted:
        assert "length ratio" in verdict.reason


@pytest.mark.parametrize(
    "edits",
    [
        [Edit(0, 3, "x"), Edit(2, 4, "y")],  # overlapping replacements
        [Edit(0, 4, "x"), Edit(1, 2, "y")],  # one inside the other
        [Edit(0, 3, "x"), Edit(1, 1, "y")],  # an insertion inside a replacement
        [Edit(1, 3, "x"), Edit(1, 3, "y")],  # the same bytes claimed twice
    ],
)
def test_overlapping_edits_are_refused(edits: list[Edit]) -> None:
    """edits.py: two constructs that claim the same bytes are a bug, never silently resolved."""
    with pytest.raises(OverlappingEditsError):
        apply_edits("abcdef", edits)


def test_adjacent_edits_and_insertions_apply() -> None:
    edits = [Edit(3, 6, "Z"), Edit(0, 3, "X"), Edit(3, 3, "+"), Edit(0, 0, "<")]
    assert apply_edits("abcdef", edits) == "<X+Z"


CODE_DOC = (
    "Siehe {ref}`x`.\n\n```python\n# {numref}`fig-a`\nprint(1)\n```\n\n    eingerückt {eq}`y`\n\n"
    "- Punkt\n\n  ~~~\n  :::{note}\n  ~~~\n\n```{note}\nDirektive.\n```\n"
)


def test_check_untouched_finds_a_changed_code_block_by_itself() -> None:
    """edits.check_untouched reads the code blocks from the source's tokens, not from the
    edits: an edit that reaches into code is caught, whichever construct made it."""
    role = CODE_DOC.index("{ref}`x`")
    fine = [Edit(role, role + len("{ref}`x`"), "@sec-x")]
    check_untouched(CODE_DOC, apply_edits(CODE_DOC, fine))
    # directives are not code: their bodies may change
    note = CODE_DOC.index("Direktive.")
    check_untouched(CODE_DOC, apply_edits(CODE_DOC, [*fine, Edit(note, note + 10, "Anders.")]))
    for spot in ("# {numref}`fig-a`", "  :::{note}", "eingerückt {eq}`y`"):
        start = CODE_DOC.index(spot)
        reaching = [*fine, Edit(start, start + len(spot), spot.upper())]
        with pytest.raises(AssertionError, match="the code block changed"):
            check_untouched(CODE_DOC, apply_edits(CODE_DOC, reaching))
    # code moved behind later code is not "in order"
    with pytest.raises(AssertionError):
        check_untouched("```\na\n```\n\n```\nb\n```\n", "```\nb\n```\n\n```\na\n```\n")


@pytest.mark.parametrize(
    "code",
    [
        "~~~\n{numref}`fig-a`\n~~~\n",  # only a tilde fence (issue 23 item 4)
        "~~~~python\nx = {eq}`y`\n~~~~\n",
        "    eingerückt {eq}`y`\n",  # only indented code
        "\teingerückt {eq}`y`\n",  # indented by a tab
    ],
)
def test_check_untouched_reads_documents_without_a_backtick_fence(code: str) -> None:
    """A document whose only code is a ``~~~`` fence or indented code is checked too (the quick
    exit for documents without code must not skip them)."""
    doc = "Siehe {ref}`x`.\n\n" + code
    role = doc.index("{ref}`x`")
    fine = [Edit(role, role + len("{ref}`x`"), "@sec-x")]
    check_untouched(doc, apply_edits(doc, fine))
    spot = doc.index("{", doc.index("\n\n"))
    with pytest.raises(AssertionError, match="the code block changed"):
        check_untouched(doc, apply_edits(doc, [*fine, Edit(spot, spot + 1, "<")]))


def test_conversion_keeps_code_blocks_byte_identical() -> None:
    out = convert_text(CODE_DOC).text
    assert "@sec-x" in out and "::: {.callout-note" in out
    check_untouched(CODE_DOC, out)


@pytest.mark.parametrize(
    ("myst", "broken_quarto"),
    [
        ("```{note}\nHallo.\n```\n", ' ::: {.callout-note appearance="simple"}\n Hallo.\n :::\n'),
        (
            "```{figure} a.png\n:name: a\n\nB.\n```\n",
            "::: {#fig-a}\n\n![](a.png)\n\nB.\n:::\n",
        ),
        ("(t)=\n| a |\n|---|\n| 1 |\n", "[]{#t}\n| a |\n|---|\n| 1 |\n"),
        ("Siehe {numref}`fig-a`.\n", "Siehe {numref}`fig-a`.\n"),
    ],
)
def test_the_fixture_structure_check_notices_broken_quarto(myst: str, broken_quarto: str) -> None:
    """tests/test_fixtures.py compares what pandoc reads with what the MyST holds: each of these
    outputs (an indented callout, a caption read as a list, a table glued to an anchor, a role
    left) would fail it."""
    assert nonzero(block_counts(broken_quarto)) != nonzero(myst_counts(myst))
