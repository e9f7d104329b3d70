"""Inputs that grow in one dimension each, for the scaling tests and ``benchmarks/bench_scaling.py``.

Each family is a function ``n -> MyST text`` (or, for books, ``(folder, n) -> None`` writing a
Jupyter Book): converting it at ``n`` and ``4 n`` must take about 4 times as long, not 16.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def nested_directives(n: int) -> str:
    """``n`` admonitions, each inside the one before (the outer fence is the longest).

    >>> print(nested_directives(2), end="")
    :::::{note}
    ::::{note}
    Level 2.
    ::::
    :::::
    """
    opening = [":" * (n + 3 - i) + "{note}" for i in range(n)]
    closing = [":" * (i + 4) for i in range(n)]
    return "\n".join([*opening, f"Level {n}.", *closing]) + "\n"


def roles_in_one_paragraph(n: int) -> str:
    """One paragraph (a line per 10 roles) holding ``n`` roles of three kinds, references among them."""
    kinds = ("{math}`x_{%d}`", "Abschnitt {ref}`sec-%d`", "{abbr}`K%d (Kurz)`")
    words = [f"Wort {kinds[i % 3] % i}" + ("\n" if i % 10 == 9 else " ") for i in range(n)]
    return "".join(words).rstrip() + "\n\n(sec-1)=\n## Abschnitt\n"


def unclosed_comments(n: int) -> str:
    """``<!--`` that never closes, ``n`` times: in a paragraph and as HTML blocks."""
    return "Text <!-- a\n" * n + "\n" + "<!-- b\n\n" * n


def labelled_sections(n: int) -> str:
    """``n`` labelled sections, each referring to the one before and to a figure-like anchor."""
    parts = []
    for i in range(n):
        parts.append(
            f"(sec-{i})=\n## Abschnitt {i}\n\n"
            f"Siehe {{ref}}`sec-{max(i - 1, 0)}`, [](#sec-{i}) und {{numref}}`Abschnitt %s <sec-{i}>`.\n"
        )
    return "\n".join(parts)


def plain_paragraphs(n: int) -> str:
    """``n`` paragraphs of ordinary prose with emphasis, code and a link."""
    return "".join(
        f"Absatz {i} mit *Betonung*, `code` und einem [Link](https://example.org/{i}).\nZweite Zeile.\n\n"
        for i in range(n)
    )


FAMILIES: dict[str, Callable[[int], str]] = {
    "nested directives": nested_directives,
    "roles in one paragraph": roles_in_one_paragraph,
    "unclosed <!--": unclosed_comments,
    "labelled sections": labelled_sections,
    "plain paragraphs": plain_paragraphs,
}


def chapter_text(index: int, chapters: int, labels: int, filler: int) -> str:
    """One chapter of a synthetic book: ``labels`` labelled sections and figures-like equations,
    references to its own labels and to the chapter before, and ``filler`` paragraphs of prose."""
    lines = [f"# Kapitel {index}\n"]
    previous = max(index - 1, 0)
    for j in range(labels):
        if j % 3 == 2:
            lines.append(f"$$\ne^{{i\\pi}} + {j} = 0\n$$ (eq-{index}-{j})\n")
        else:
            lines.append(f"(sec-{index}-{j})=\n## Abschnitt {j}\n")
        lines.append(
            f"Wie in {{ref}}`sec-{previous}-0` und {{eq}}`eq-{previous}-2` gezeigt, gilt "
            f"{{math}}`a_{j} = b` (siehe [](#sec-{index}-0)).\n"
        )
        for k in range(filler):
            lines.append(
                f"Ein Absatz {k} mit *Betonung*, **Fettdruck**, `code` und einem "
                f"[Link](https://example.org/{index}/{k}). Noch ein Satz, damit er lang genug ist.\n"
            )
    lines.append(":::{note}\nEin Hinweis mit {math}`x^2`.\n:::\n")
    lines.append("```python\nprint('hallo')\n```\n")
    return "\n".join(lines)


def write_book(folder: Path, chapters: int, labels: int = 7, filler: int = 10) -> int:
    """A Jupyter Book of ``chapters`` chapters in ``folder`` (two parts, chapters in subfolders);
    returns the bytes of chapter source. Defaults give ct-book's shape: 113 chapters ≈ 1.2 MB,
    ≈ 800 labels."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text("title: Synthetisches Buch\nauthor: Bench\n", encoding="utf-8")
    (folder / "intro.md").write_text("# Einleitung\n\nHallo.\n", encoding="utf-8")
    toc = ["format: jb-book", "root: intro", "parts:"]
    size = 0
    half = (chapters + 1) // 2
    for part, (lo, hi) in enumerate(((0, half), (half, chapters))):
        toc += [f"- caption: Teil {part + 1}", "  chapters:"]
        for i in range(lo, hi):
            rel = f"teil{part + 1}/kapitel{i}.md"
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            text = chapter_text(i, chapters, labels, filler)
            path.write_text(text, encoding="utf-8")
            size += len(text.encode("utf-8"))
            toc.append(f"  - file: {rel[:-3]}")
    (folder / "_toc.yml").write_text("\n".join(toc) + "\n", encoding="utf-8")
    return size


def rich_file(megabytes: float) -> str:
    """One file of about ``megabytes`` holding chapters of the synthetic book one after another:
    labels, references, math, roles, links, admonitions and code throughout."""
    parts: list[str] = []
    size = index = 0
    while size < megabytes * 1e6:
        parts.append(chapter_text(index, 0, 7, 10))
        size += len(parts[-1].encode("utf-8")) + 1
        index += 1
    return "\n".join(parts)


def labelled_lists(n: int) -> str:
    """``n`` labelled lists, each wrapped in a div of its label (``::: {#lst-3}``) with a role inside."""
    return "".join(f"(lst-{i})=\n- Punkt {i} mit {{math}}`x_{i}`\n- zwei\n\n" for i in range(n))


FAMILIES["labelled lists"] = labelled_lists


def nested_backtick_directives(n: int) -> str:
    """``n`` admonitions in backtick fences, each inside the one before (the outer fence is the longest)."""
    return nested_directives(n).replace(":", "`")


FAMILIES["nested backtick directives"] = nested_backtick_directives
