"""sphinx-exercise and sphinx-proof: structure through pandoc's AST, labels and warnings.

The text of each conversion is pinned in ``fixtures/exercises.md`` and ``fixtures/proofs.md``;
these tests check what the fixtures cannot: nesting as pandoc reads it, the label table and
the messages.
"""

from __future__ import annotations

from typing import Any

from myst2qmd import convert_text
from quarto_ast import read_ast, stringify

GATED = """\
Vorher.
```{exercise-start} Fakultät
:label: ex-fak
```

Schreibe `fak`.

```{code-cell} python
fak(3)
```

::::{note}
:::{tip}
Doppelt verschachtelt.
:::
::::

```{exercise-end}
```

```{solution-start} ex-fak
:class: dropdown
```
```{code-cell} python
fak = lambda n: 1
```
```{solution-end}
```
Weiter im Text.
"""


def _divs(blocks: list[Any]) -> list[Any]:
    return [b for b in blocks if b["t"] == "Div"]


def test_gated_pairs_enclose_what_stands_between_them() -> None:
    result = convert_text(GATED)
    assert convert_text(result.text).text == result.text
    blocks = read_ast(result.text)["blocks"]
    exercise, solution = _divs(blocks)
    assert exercise["c"][0][0] == "exr-fak"
    inner = [b["t"] for b in exercise["c"][1]]
    assert inner == ["Header", "Para", "CodeBlock", "Div"]
    note = exercise["c"][1][3]
    assert "callout-note" in note["c"][0][1]
    assert "callout-tip" in _divs(note["c"][1])[0]["c"][0][1]
    assert "solution" in solution["c"][0][1] and ("collapse", "true") in map(tuple, solution["c"][0][2])
    assert [b["t"] for b in solution["c"][1]] == ["Header", "CodeBlock"]
    assert stringify(blocks[-1]) == "Weiter im Text."
    assert not result.warnings


def test_labels_have_the_kind_of_their_block() -> None:
    src = (
        "```{exercise}\n:label: ex-a\nA.\n```\n\n"
        "```{solution} ex-a\n:label: sol-a\nL.\n```\n\n"
        "```{solution} ex-a\n:label: sol-b\n:class: dropdown\nL.\n```\n\n"
        "```{prf:theorem}\n:label: satz\nS.\n```\n\n"
        "```{prf:proof}\n:label: beweis\nB.\n```\n\n"
        "```{prf:axiom}\n:label: ax\nX.\n```\n\n"
        "```{prf:remark}\n:label: bem\n:nonumber:\nR.\n```\n"
    )
    labels = convert_text(src).labels
    kinds = {name: (label.kind, label.quarto_id) for name, label in labels.items()}
    assert kinds == {
        "ex-a": ("exr", "exr-a"),
        "sol-a": ("sol", "sol-a"),
        "sol-b": ("anchor", "sol-b"),
        "satz": ("thm", "thm-satz"),
        "beweis": ("anchor", "beweis"),
        "ax": ("def", "def-ax"),
        "bem": ("anchor", "bem"),
    }


def test_references_from_another_chapter_use_the_book_ids() -> None:
    src = "```{solution} ex-x\nL.\n```\n\n{prf:ref}`satz` und {ref}`ex-x`\n"
    result = convert_text(src, external_labels={"ex-x": "exr-x", "satz": "thm-satz"})
    assert "## @exr-x" in result.text and "@thm-satz und @exr-x" in result.text
    assert not result.warnings


def test_what_quarto_lacks_is_reported_with_its_line() -> None:
    src = (
        "```{prf:algorithm}\nA.\n```\n\n"
        "```{prf:axiom}\nX.\n```\n\n"
        "```{exercise-start}\n```\n\nOffen.\n\n"
        "```{solution-end}\n```\n\n"
        "```{solution} ex-fehlt\n:difficulty: hoch\nL.\n```\n"
    )
    result = convert_text(src, path="k.md")
    messages = [(w.line, w.level, w.message.split(";")[0].split(", typeset")[0]) for w in result.warnings]
    assert messages == [
        (
            1,
            "warning",
            "{prf:algorithm} becomes a Quarto algorithm block (#alg-, Quarto 1.4 or later)",
        ),
        (5, "warning", "{prf:axiom}: Quarto has no axiom block"),
        (9, "warning", "{exercise-start} without a matching {exercise-end}"),
        (14, "warning", "{solution-end} without a {solution-start} before it"),
        (17, "warning", "{solution} options not carried over: difficulty"),
        (17, "warning", "reference to 'ex-fehlt', which this file does not define"),
    ]
    assert result.counts["exercise"] == 1 and result.counts["solution"] == 1
