"""Property tests: random MyST-ish documents never crash the converter, lose no prose, and keep
their structure as pandoc reads it."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myst2qmd import convert_text
from myst_structure import myst_counts, nonzero
from quarto_ast import block_counts

WORD = st.from_regex(r"[A-Za-zÄÖÜäöüß]{3,10}", fullmatch=True)
LABEL = st.from_regex(r"[a-z][a-z0-9\-]{0,12}", fullmatch=True)
PROSE = st.lists(WORD, min_size=1, max_size=8).map(" ".join)


@st.composite
def inline_text(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A line of prose with inline markup; returns the line and its prose words."""
    parts: list[str] = []
    words: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["words", "role", "cite", "math", "code", "emph", "link"]))
        prose = draw(PROSE)
        if kind == "words":
            parts.append(prose)
            words += prose.split()
        elif kind == "role":
            parts.append(f"{{numref}}`{draw(LABEL)}`")
        elif kind == "cite":
            parts.append(f"{{cite}}`{draw(LABEL)}`")
        elif kind == "math":
            parts.append(f"${draw(LABEL)}^2$")
        elif kind == "code":
            parts.append(f"`{draw(LABEL)}`")
        elif kind == "emph":
            parts.append(f"_{prose}_")
            words += prose.split()
        else:
            parts.append(f"[{prose}](https://example.org/{draw(LABEL)})")
            words += prose.split()
    return " ".join(parts), words


@st.composite
def block(draw: st.DrawFn, depth: int = 0) -> tuple[str, list[str]]:
    kinds = ["para", "heading", "list", "math", "code", "comment", "target", "empty-options", "indented"]
    if depth < 3:
        kinds += ["note", "admonition", "figure", "unknown", "colon-note", "dropdown"]
    kind = draw(st.sampled_from(kinds))
    line, words = draw(inline_text())
    if kind == "empty-options":
        return draw(empty_options(line, words))
    if kind == "indented":
        return draw(indented_directive(line, words))
    if kind == "para":
        return line, words
    if kind == "heading":
        return "#" * draw(st.integers(1, 4)) + " " + line, words
    if kind == "list":
        return f"- {line}\n- {draw(PROSE)}", words
    if kind == "math":
        return f"$$\n{draw(LABEL)} = 1\n$$", []
    if kind == "code":
        return f"```{{code-cell}} ipython3\n:tags: [hide-input]\nx = '{draw(PROSE)}'\n```", []
    if kind == "comment":
        return f"<!-- {draw(PROSE)} -->", []
    if kind == "target":
        return f"({draw(LABEL)})=\n## {line}", words
    inner, inner_words = draw(block(depth + 1))
    ticks = "`" * (3 + 3 - depth) if depth < 3 else "```"
    colons = ":" * (3 + 3 - depth)
    if kind == "note":
        return f"{ticks}{{note}}\n{line}\n\n{inner}\n{ticks}", words + inner_words
    if kind == "admonition":
        title = draw(PROSE)
        return (
            f"{ticks}{{admonition}} {title}\n:class: tip\n{line}\n\n{inner}\n{ticks}",
            words + title.split() + inner_words,
        )
    if kind == "dropdown":
        title = draw(PROSE)
        return f"{colons}{{dropdown}} {title}\n{line}\n{colons}", words + title.split()
    if kind == "figure":
        return f'{colons}{{figure-md}} fig-{draw(LABEL)}\n<img src="a.png" width="100px">\n\n{line}\n{colons}', words
    if kind == "colon-note":
        return f"{colons}{{note}}\n{line}\n\n{inner}\n{colons}", words + inner_words
    return f"{ticks}{{mystery-{draw(LABEL)}}} arg\n:opt: 1\n{line}\n{ticks}", words


@st.composite
def empty_options(draw: st.DrawFn, line: str, words: list[str]) -> tuple[str, list[str]]:
    """A directive whose body starts with an empty option block (issue 12): ``---``, nothing or
    blank lines, ``---``; MyST reads it as options (none), never as text."""
    before = draw(st.sampled_from(["", "\n"]))
    inside = draw(st.sampled_from(["", "\n", "\n\n", "   \n"]))
    block = f"{before}---\n{inside}---\n"
    kind = draw(st.sampled_from(["figure", "note", "admonition", "code-cell", "mystery"]))
    if kind == "figure":
        return f"```{{figure}} a.png\n{block}{line}\n```", words
    if kind == "admonition":
        title = draw(PROSE)
        return f"```{{admonition}} {title}\n{block}{line}\n```", title.split() + words
    if kind == "code-cell":
        return f"```{{code-cell}} ipython3\n{block}x = 1\n```", []
    return f"```{{{kind}}}\n{block}{line}\n```", words


@st.composite
def indented_directive(draw: st.DrawFn, line: str, words: list[str]) -> tuple[str, list[str]]:
    """A directive indented by 1–3 spaces (issue 12), its body indented alike."""
    pad = " " * draw(st.integers(1, 3))
    fence = draw(st.sampled_from(["```", ":::"]))
    kind = draw(st.sampled_from(["note", "admonition", "tip", "figure"]))
    if kind == "figure":
        head, title_words = "{figure} a.png", []
    elif kind == "admonition":
        title = draw(PROSE)
        head, title_words = f"{{admonition}} {title}", title.split()
    else:
        head, title_words = f"{{{kind}}}", []
    return f"{pad}{fence}{head}\n{pad}{line}\n{pad}{fence}", title_words + words


@st.composite
def document(draw: st.DrawFn) -> tuple[str, list[str]]:
    blocks = draw(st.lists(block(), min_size=1, max_size=8))
    text = "\n\n".join(b for b, _ in blocks) + "\n"
    words = [w for _, ws in blocks for w in ws]
    if draw(st.booleans()):
        text = "---\nkernelspec:\n  name: python3\n  language: python\n---\n" + text
    return text, words


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_no_crash_and_no_prose_lost(doc: tuple[str, list[str]]) -> None:
    text, words = doc
    result = convert_text(text)
    out = result.text
    for word in words:
        assert word in out, f"lost {word!r}"
    # what we write is a fixed point
    assert convert_text(out).text == out
    # an empty option block is options, never text: no "---" line below the front matter
    body = out[out.index("\n---\n", 3) + 5 :] if out.startswith("---\n") else out
    assert not re.search(r"(?m)^[ \t]*---[ \t]*$", body), "an option block was written as text"
    # and pandoc reads in it the blocks the MyST holds (an indented directive is still its block)
    assert nonzero(block_counts(out)) == nonzero(myst_counts(text))


NOISE = st.lists(
    st.sampled_from(
        list("`:{}()[]$%+-=*_#>!<|~\\\n \t ab")
        + [
            "```",
            ":::",
            "{note}",
            "{figure-md}",
            "$$",
            "<!--",
            "-->",
            "\r\n",
            "(x)=",
            "{numref}",
            "\\begin{align}",
            "\\end{align}",
            "+++",
            "---",
        ]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(NOISE)
def test_noise_never_crashes_and_converges(text: str) -> None:
    """Any input converts (the code-untouched check runs inside), and the output is stable."""
    once = convert_text(text).text
    assert isinstance(once, str)
    assert convert_text(once).text == once
