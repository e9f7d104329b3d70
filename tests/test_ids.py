"""One place writes a construct's id (issue 20, item 1): :mod:`myst2qmd.constructs.ids`, from the label
pass's label as the spec's label rule reads it. No construct module formats an id itself."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from myst2qmd.constructs import ids, registry
from myst2qmd.context import Context, Label
from myst2qmd.structure import parse_document

CONSTRUCTS = Path(ids.__file__).parent
#: modules that write link targets (``[text](#id)``, ``page.qmd#id``), not ids
LINK_MODULES = {"links.py", "references.py"}
#: every construct module but the writer: directives' and token constructs' (a label's anchor, a heading's id)
CONSTRUCT_MODULES = sorted(
    path for path in CONSTRUCTS.glob("*.py") if path.name not in LINK_MODULES and path != Path(ids.__file__)
)


def id_writes(source: str) -> list[str]:
    """Where ``source`` writes an id itself: ``#`` right before a formatted value in an f-string (``f"#{x}"``,
    ``f"{{#{x}}}"``; a link's ``(#{x})`` or ``{page}#{x}`` is a target, not an id), an id made from a label
    (:func:`myst2qmd.labels.quarto_id`) or the old writer ``name_id`` called."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for before, after in zip(node.values, node.values[1:], strict=False):
                if not (isinstance(before, ast.Constant) and isinstance(after, ast.FormattedValue)):
                    continue
                text = str(before.value)
                follows_value = before is not node.values[0] and text == "#"
                if text.endswith("#") and not text.endswith("(#") and not follows_value:
                    found.append(f"line {node.lineno}: f-string writes #{{…}}")
        elif isinstance(node, ast.Name) and node.id in ("quarto_id", "name_id"):
            found.append(f"line {node.lineno}: {node.id}")  # an id made from a label, not read from the label pass
    return found


def test_every_directive_module_is_read() -> None:
    directive_modules = {Path(inspect.getfile(spec.function)) for spec in registry.DIRECTIVE_SPECS}
    assert directive_modules <= set(CONSTRUCT_MODULES)
    assert {"targets.py", "divs.py"} <= {path.name for path in CONSTRUCT_MODULES}


@pytest.mark.parametrize("path", CONSTRUCT_MODULES, ids=lambda p: p.name)
def test_no_construct_module_writes_an_id_itself(path: Path) -> None:
    assert id_writes(path.read_text(encoding="utf-8")) == []


def test_the_check_sees_an_id_written_by_hand() -> None:
    assert id_writes('x = f"::: {{#{ident}}}"\ny = f"#{label.quarto_id}"\nz = f"[a]({page}#{i}) [b](#{i})"\n') == [
        "line 1: f-string writes #{…}",
        "line 2: f-string writes #{…}",
    ]
    assert id_writes("ident = quarto_id(name, 'tbl')\n") == ["line 1: quarto_id"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":::{table} T\n:name: werte\n| a |\n|---|\n| 1 |\n:::\n", "#aus-dem-label-pass"),
        (":::{prf:theorem} Satz\n:label: werte\nText.\n:::\n", "#aus-dem-label-pass"),
        (":::{note}\n:name: werte\nText.\n:::\n", "#aus-dem-label-pass"),
        (":::{figure} a.png\n:name: werte\nText.\n:::\n", "#aus-dem-label-pass"),
        (":::{math}\n:label: werte\nx\n:::\n", "{#aus-dem-label-pass}"),
    ],
)
def test_a_directive_writes_the_id_the_label_pass_made(text: str, expected: str) -> None:
    """The id is the label pass's (a book may have made it unique), not one the construct makes again."""
    directive = next(iter(parse_document(text).directives.values()))
    ctx = Context(labels={"werte": Label("werte", "tbl", "aus-dem-label-pass", 1)})
    rewrite = registry.directive(directive, ctx)
    written = "".join(part or "" for part in (rewrite.open, rewrite.body, rewrite.close))
    written += "".join(text for _, text in rewrite.inserts)
    assert expected in written
