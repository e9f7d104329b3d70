"""Issue 10 item 1: special cases of the core moved into the constructs.

Front matter reads its YAML once and decides the title before the walk (it no longer
rewrites the walker's edits nor reads a section label back out of their text); generated
theorem and exercise ids come from their own counter, not from the report's counts.
"""

from __future__ import annotations

from typing import Any

import pytest

from myst2qmd import convert_text, yamlload
from myst2qmd.constructs import registry
from myst2qmd.context import Context
from myst2qmd.directives import read_directive
from myst2qmd.parser import shared_parser
from myst2qmd.source import View


def test_front_matter_yaml_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = yamlload._load

    def counting(stream: Any, loader: Any) -> Any:
        calls.append(str(stream))
        return real(stream, loader)

    monkeypatch.setattr(yamlload, "_load", counting)  # the one YAML loader every reader uses
    src = "---\nkernelspec: {name: ir, language: R}\nsubstitutions:\n  kurs: ML\n---\n# Titel\n\n{{ kurs }}\n"
    result = convert_text(src)
    assert result.text == '---\ntitle: "Titel"\njupyter: ir\n---\nML\n'
    assert sum("kernelspec" in text for text in calls) == 1


def test_labelled_title_heading_with_attributes_stays_a_heading() -> None:
    """``(lbl)=`` before ``# Titel {.unnumbered}``: the label's id joins the attributes, and the
    heading stays (it became ``title: "Titel {.unnumbered}"`` with a dangling ``@sec-lbl``)."""
    result = convert_text("(lbl)=\n# Titel {.unnumbered}\n\nSiehe {ref}`lbl`.\n")
    assert result.text == "# Titel {#sec-lbl .unnumbered}\n\nSiehe @sec-lbl.\n"


def test_title_heading_roles_are_converted_once() -> None:
    """The heading that becomes the title is the front matter's alone: its role is warned once."""
    result = convert_text("# Titel mit {ref}`fehlt`\n\nText.\n")
    assert result.text.startswith('---\ntitle: "Titel mit')
    assert [str(w.code) for w in result.warnings] == ["ref-undefined"]


def _directive(src: str) -> Any:
    view = View.root(src)
    token = next(t for t in shared_parser().parse(src) if t.type in ("fence", "colon_fence"))
    return read_directive(token, view)


@pytest.mark.parametrize(
    ("src", "counted", "expected"),
    [
        ("```{prf:theorem}\nA.\n```\n", "theorem", "#thm-1"),
        ("```{prf:criterion}\nA.\n```\n", "criterion", "#thm-1"),
        ("```{exercise}\nA.\n```\n", "exercise", "#exr-1"),
    ],
)
def test_generated_ids_do_not_come_from_the_report_counts(src: str, counted: str, expected: str) -> None:
    ctx = Context()
    ctx.counts[counted] = 5  # the report's counts (a fragment, another pass) do not number blocks
    rewrite = registry.directive(_directive(src), ctx)
    assert rewrite.open is not None and f"{{{expected}}}" in rewrite.open


def test_theorem_numbers_are_shared_by_kinds_with_one_prefix() -> None:
    """``{prf:criterion}`` is written as a theorem: it takes the next theorem number."""
    src = "```{prf:theorem}\nA.\n```\n\n```{prf:criterion}\nB.\n```\n\n```{exercise}\nC.\n```\n"
    text = convert_text(src).text
    assert "#thm-1" in text and "#thm-2" in text and "#exr-1" in text


def test_glossary_terms_are_labels_from_its_spec() -> None:
    d = _directive("```{glossary}\nCNN\n  Ein Netz.\n\nRNN\n  Noch eins.\n```\n")
    assert [(label.name, label.kind, label.line) for label in registry.labels_of(d)] == [
        ("term:CNN", "term", 2),
        ("term:RNN", "term", 5),
    ]


@pytest.mark.parametrize("name", ["youtube", "video", "rubric", "container", "raw", "parsed-literal"])
def test_options_a_spec_does_not_list_are_warned(name: str) -> None:
    result = convert_text(f"```{{{name}}} x\n:breite: 5\n```\n")
    assert [(w.level, w.message) for w in result.warnings if w.code == "option-unknown"] == [
        ("warning", f"{{{name}}} options not carried over: breite")
    ]
