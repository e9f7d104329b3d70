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
"""

from __future__ import annotations

import textwrap

from ..context import Context
from ..directives import Directive
from ..labels import slug
from .base import Rewrite


def glossary(d: Directive, ctx: Context) -> Rewrite:
    ctx.count("glossary")
    out: list[str] = []
    definition: list[str] = []
    terms: list[str] = []

    def flush() -> None:
        if not terms:
            return
        for term in terms:
            out.append(f"[{term}]{{#term-{slug(term)}}}")
        text = ctx.convert_fragment(textwrap.dedent("\n".join(definition)).strip("\n"), d.lineno)
        lines = text.split("\n") if text else [""]
        out.append(":   " + lines[0])
        out.extend(("    " + line) if line.strip() else "" for line in lines[1:])
        out.append("")
        terms.clear()
        definition.clear()

    for line in d.body_lines:
        if line.strip() == "":
            if definition:
                definition.append("")
            continue
        if not line[:1].isspace():
            if definition:
                flush()
            terms.append(line.strip())
        else:
            definition.append(line)
    flush()
    while out and out[-1] == "":
        out.pop()
    return Rewrite(open="", body="\n".join(out), close="", parse_body=False)


DIRECTIVES = {"glossary": glossary}
