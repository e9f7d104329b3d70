"""Glossaries.

MyST::

    ```{glossary}
    Faltung
      Eine Operation, die …
    ```

Quarto (a definition list whose terms carry ids, so ``{term}`Faltung``` →
``[Faltung](#term-faltung)`` lands on them)::

    [Faltung]{#term-faltung}
    :   Eine Operation, die …

Several terms for one definition share its one term line (Pandoc terms are one line):
``[CNN]{#term-cnn}, [ConvNet]{#term-convnet}``. ``:sorted:`` sorts the entries.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..labels import slug
from ..parsed import convert_fragment
from . import ids
from .base import DirectiveSpec, LabelDef, Rewrite, Tokenize

#: mystmd's definition marker at the left margin
_DEFINITION = re.compile(r"^:[ \t]")


def term_id(term: str) -> str:
    """The id a glossary term gets, and every ``{term}`` link points at.

    >>> term_id("Convolutional Neural Network")
    'term-convolutional-neural-network'
    """
    return f"term-{slug(term)}"


def entries(body_lines: Sequence[str]) -> list[tuple[list[str], list[str]]]:
    """``(terms, definition lines)`` pairs of a glossary body, in their order.

    A term is a line at the left margin; the indented lines after it are its definition (Sphinx),
    or a line ``: …`` after it starts the definition (mystmd's glossary is a definition list; no
    Sphinx term starts with ``:``, so both are read in both dialects).

    >>> entries(["CNN", ": Ein Netz", "  mit Faltung.", "", "Epoche", "   Ein Durchlauf."])
    [(['CNN'], ['  Ein Netz', '  mit Faltung.', '']), (['Epoche'], ['   Ein Durchlauf.'])]
    """
    found: list[tuple[list[str], list[str]]] = []
    for line in body_lines:
        if _DEFINITION.match(line) and found and found[-1][0]:
            line = " " + line[1:]  # the marker's column kept: the lines after it are indented to it
        if not line.strip():
            if found and found[-1][1]:
                found[-1][1].append("")
        elif not line[:1].isspace():
            if not found or found[-1][1]:
                found.append(([], []))
            found[-1][0].append(line.strip())
        elif found:
            found[-1][1].append(line)
        else:
            found.append(([], [line]))
    return found


def _term_id(term: str, ctx: Context) -> str:
    """``{#term-…}``: the id of a term as the label pass made it (``term:…``), else :func:`term_id`'s."""
    return ids.braced(ids.label_id(ctx, f"term:{term}", "term"))


def _definition_text(definition: list[str]) -> str:
    return textwrap.dedent("\n".join(definition)).strip("\n")


def _fragments(d: Directive, tokenize: Tokenize) -> None:
    """A glossary's terms and definitions are MyST of their own: tokenized by the parse."""
    for terms, definition in entries(d.body_lines):
        for term in terms:
            tokenize(term)
        text = _definition_text(definition)
        if text:
            tokenize(text)


def glossary(d: Directive, ctx: Context) -> Rewrite:
    """A glossary as a Pandoc definition list whose terms carry ``#term-…`` ids."""
    ctx.count(Count.GLOSSARY)
    items = entries(d.body_lines)
    if d.flag("sorted"):
        items.sort(key=lambda item: item[0][0].lower() if item[0] else "")
    if not items:
        ctx.info(d.lineno, "empty {glossary} removed", Code.CONSTRUCT_REMOVED)
    out: list[str] = []
    for terms, definition in items:
        if not terms:
            ctx.warn(d.lineno, "glossary text before the first term; kept as a paragraph", Code.DIRECTIVE_BODY)
        else:
            # a term's roles are converted (``Faltung {math}`f` `` → ``[Faltung $f$]{#term-faltung-math-f}``);
            # its id stays the one made from the term as written, which ``{term}`` links name
            out.append(
                ", ".join(f"[{convert_fragment(d, term, d.lineno).strip()}]{_term_id(term, ctx)}" for term in terms)
            )
        text = convert_fragment(d, _definition_text(definition), d.lineno)
        lines = text.split("\n") if text else [""]
        if terms:
            out.append(":   " + lines[0])
            out.extend(("    " + line) if line.strip() else "" for line in lines[1:])
        else:
            out.extend(lines)
        out.append("")
    while out and out[-1] == "":
        out.pop()
    return Rewrite(open="", body="\n".join(out), close="")


def term_labels(d: Directive) -> list[LabelDef]:
    """A glossary's terms as labels ``term:CNN`` (kind ``term``), each at its own line."""
    return [
        LabelDef(f"term:{line.strip()}", "term", d.view.lineno(d.body_first + n))
        for n, line in enumerate(d.body_lines)
        if line.strip() and not line[:1].isspace() and not _DEFINITION.match(line)
    ]


SPECS = (
    DirectiveSpec(
        ("glossary",),
        glossary,
        body="verbatim",
        more_labels=term_labels,
        options=frozenset({"sorted"}),
        fragments=_fragments,
    ),
)
