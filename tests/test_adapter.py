"""Each parser quirk the adapter absorbs, pinned by a test that fails if the quirk changes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from myst2qmd.adapter import InlineLocator, block_lines, is_display_math_inline, table_cell_locators
from myst2qmd.parser import create_md_parser
from myst2qmd.source import View

MD = create_md_parser()


def test_amsmath_map_ends_on_the_end_line() -> None:
    text = "a\n\n\\begin{equation}\nx\n\\end{equation}\n\nb\n"
    token = next(t for t in MD.parse(text) if t.type == "amsmath")
    assert token.map == [2, 4]  # raw: inclusive end, unlike every other block
    assert block_lines(token) == (2, 5)
    assert View.root(text).lines(*block_lines(token))[-1] == "\\end{equation}"


def test_fence_map_is_exclusive() -> None:
    token = next(t for t in MD.parse("```{note}\nx\n```\n") if t.type == "fence")
    assert block_lines(token) == (0, 3)


def test_dollars_after_a_paragraph_line_are_inline_math() -> None:
    tokens = MD.parse("Text\n$$\nx\n$$ (eq1)\n")
    assert not any(t.type.startswith("math_block") for t in tokens)
    child = next(c for c in tokens[1].children or [] if c.type.startswith("math"))
    assert is_display_math_inline(child)
    assert [t.type for t in MD.parse("Text\n\n$$\nx\n$$ (eq1)\n")][3] == "math_block_label"


def test_inline_tokens_get_recorded_spans_mapped_to_the_file() -> None:
    text = "- item one\n  see {numref}`fig-a` and `x`\n"
    view = View.root(text)
    tokens = MD.parse(text)
    inline = next(t for t in tokens if t.type == "inline")
    role = next(c for c in inline.children or [] if c.type == "myst_role")
    locator = InlineLocator(inline.content, view, inline.map[0])
    start, end = locator.span(role)
    assert text[start:end] == "{numref}`fig-a`"
    code = next(c for c in inline.children or [] if c.type == "code_inline")
    start, end = locator.span(code)
    assert text[start:end] == "`x`"


def test_inline_locator_in_blockquote_and_heading() -> None:
    text = "> quote {ref}`a`\n> more {ref}`b`\n\n## Title {ref}`c` ##\n"
    view = View.root(text)
    found = []
    for inline in (t for t in MD.parse(text) if t.type == "inline"):
        locator = InlineLocator(inline.content, view, inline.map[0])
        for child in inline.children or []:
            if child.type == "myst_role":
                a, b = locator.span(child)
                found.append(text[a:b])
    assert found == ["{ref}`a`", "{ref}`b`", "{ref}`c`"]


def test_table_cells_are_found_in_their_row() -> None:
    text = "| a | {cite}`k` |\n|---|---|\n| `x` | b \\| c |\n"
    view = View.root(text)
    tokens = MD.parse(text)
    start = next(i for i, t in enumerate(tokens) if t.type == "table_open")
    cells = []
    for inline, locator in table_cell_locators(tokens, start, view):
        assert locator.ok
        cells.append(text[locator.abs(0) : locator.abs(len(inline.content))])
    assert cells == ["a", "{cite}`k`", "`x`", "b \\| c"]


def test_directive_body_view_maps_indented_lines() -> None:
    """A body's view (from the document's one parse) maps its lines, cut of the list item's
    indentation, back to the file."""
    text = "1. item\n\n   ```{note}\n   body {ref}`x`\n   ```\n"
    from myst2qmd.context import Context
    from myst2qmd.convert import Converter

    parsed = Converter(Context()).parse(View.root(text))
    (sub,) = [body.view for body in parsed.bodies.values()]
    assert sub.line(0) == "body {ref}`x`" and sub.lineno(0) == 4
    assert text[sub.abs(0) : sub.abs(0) + 4] == "body"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="{}`ab:-\n \\", max_size=40))
def test_the_linear_role_rule_reads_roles_as_the_plugin_does(text: str) -> None:
    """``parser.myst_role`` (linear) gives mdit-py-plugins' ``myst_role`` tokens on any text."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.myst_role import myst_role_plugin

    from myst2qmd.parser import myst_role

    plugin = MarkdownIt("commonmark").use(myst_role_plugin)
    ours = MarkdownIt("commonmark").use(myst_role_plugin)
    ours.inline.ruler.at("myst_role", myst_role)

    def read(md: MarkdownIt) -> list[tuple[str, str, object]]:
        return [(t.type, t.content, (t.meta or {}).get("name")) for t in md.parseInline(text)[0].children or []]

    assert read(ours) == read(plugin)


def test_a_paragraph_of_many_roles_is_read_in_linear_time() -> None:
    """The plugin's rule copies the rest of the paragraph at every role: 8x the roles took about
    24x the time (ours about 10x; linear is 8). CPU seconds of this process, fastest of 3, with the
    garbage collector paused (its passes grow with the tokens alive, in any parser)."""
    import gc
    import time

    from myst2qmd.parser import shared_parser

    def seconds(n: int) -> float:
        text = "Wort {ref}`x` " * n
        best = float("inf")
        for _ in range(3):
            gc.collect()
            gc.disable()
            try:
                start = time.process_time()
                shared_parser().parseInline(text)
                best = min(best, time.process_time() - start)
            finally:
                gc.enable()
        return best

    assert seconds(32_000) < 16 * seconds(4_000)
