"""Notebook outputs shown on another page (mystmd's embeds).

MyST (mystmd)::

    ![](#kurve)                   :::{figure} #kurve          :::{embed} #kurve
                                  :label: fig-kurve           :::
                                  Die Kurve.
                                  :::

Quarto (``analyse.ipynb`` holds the code cell labelled ``#| label: kurve``)::

    {{< embed analyse.ipynb#kurve >}}

The notebook is found among the project's notebooks (the folder of the nearest ``myst.yml`` or
``_config.yml`` above the document, a book's folder in a book run); a label no notebook defines is
kept as written, with a ``ref-undefined`` warning.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

from ..codes import Code, Count
from ..context import Context
from ..directives import Directive
from ..files import MAX_NOTEBOOK_BYTES, looked_at, read_bounded, watching
from .base import DirectiveSpec, Rewrite

#: project files that mark a project's folder, nearest first
_PROJECT_FILES = ("myst.yml", "_config.yml", "_toc.yml")
#: folders never searched for notebooks
_SKIPPED = frozenset({"_build", "_site", "node_modules", "__pycache__"})
#: at most this many notebooks are read to find a label
MAX_NOTEBOOKS = 2000
_LABEL_LINE = re.compile(r"^\s*#\|\s*label\s*:\s*['\"]?([^'\"\s]+)['\"]?\s*$")


def project_root(ctx: Context) -> Path | None:
    """The folder whose notebooks a page's embeds read: the book's, else the nearest folder above the
    document holding a project file, else the document's own; ``None`` for a text without a file."""
    if ctx.options.root_dir:
        return Path(ctx.options.root_dir)
    if not ctx.options.source_dir:
        return None
    start = Path(ctx.options.source_dir)
    for folder in (start, *start.parents):
        if any((folder / name).is_file() for name in _PROJECT_FILES):
            return folder
    return start


def project_notebooks(root: Path) -> list[Path]:
    """The project's notebooks (hidden and build folders left out), at most :data:`MAX_NOTEBOOKS`."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED)
        found += [Path(folder) / name for name in sorted(files) if name.endswith(".ipynb")]
        if len(found) >= MAX_NOTEBOOKS:
            return found[:MAX_NOTEBOOKS]
    return found


def cell_labels(text: str) -> list[str]:
    """The labels of a notebook's code cells (``#| label: x``, as mystmd and Quarto's ``embed`` read them).

    >>> cell_labels('{"cells": [{"cell_type": "code", "source": ["#| label: kurve\\\\n", "plot()"], "metadata": {}}]}')
    ['kurve']
    """
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return []
    labels = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        lines = "".join(source).splitlines() if isinstance(source, list) else str(source).splitlines()
        labels += [m.group(1) for m in map(_LABEL_LINE.match, lines) if m]
    return labels


@lru_cache(maxsize=32)
def _index(root: str, signature: tuple[tuple[str, int, int], ...]) -> dict[str, str]:
    """Cell label → notebook (relative to ``root``) of the notebooks ``signature`` names (path,
    size, modification time: a notebook changed is read again), the first notebook winning."""
    index: dict[str, str] = {}
    # its reads are not noted: the ``notebooks`` look-up (:func:`notebook_of`) covers them, and a
    # conversion that finds the index cached must note what one that reads it notes (:mod:`..book.reuse`)
    with watching():
        for path, _, _ in signature:
            try:
                text = read_bounded(Path(root) / path, MAX_NOTEBOOK_BYTES).decode("utf-8", "replace")
            except OSError:
                continue
            for label in cell_labels(text):
                index.setdefault(label, path)
    return index


def notebook_of(label: str, ctx: Context) -> str | None:
    """The notebook holding the cell labelled ``label``, as a path from the document's folder."""
    root = project_root(ctx)
    if root is None:
        return None
    looked_at("notebooks", root)
    signature = []
    for path in project_notebooks(root):
        try:
            info = path.stat()
        except OSError:
            continue
        signature.append((path.relative_to(root).as_posix(), info.st_size, info.st_mtime_ns))
    found = _index(str(root), tuple(signature)).get(label)
    if found is None:
        return None
    here = Path(ctx.options.source_dir or root)
    written = Path(os.path.relpath(root / found, here)).as_posix()
    # a chapter of the book: its Quarto file is the notebook the output holds
    chapter = ctx.options.resolve_document(written) if ctx.options.resolve_document else None
    return chapter[0] if chapter else written


def embed(target: str, ctx: Context, line: int, what: str) -> str | None:
    """``{{< embed nb.ipynb#label >}}`` for ``#label`` (``target``), or ``None`` (warned: no notebook
    of the project has a cell of that label); ``what`` names the construct in the warning."""
    label = target.strip().removeprefix("#")
    notebook = notebook_of(label, ctx) if label else None
    if notebook is None:
        ctx.warn(
            line,
            f"{what} shows the output of cell '{label}', which no notebook of the project labels "
            "(#| label:); kept as written",
            Code.REF_UNDEFINED,
        )
        return None
    ctx.count(Count.EMBED)
    return "{{< embed " + f"{notebook}#{label}" + " >}}"


def embed_directive(d: Directive, ctx: Context) -> Rewrite:
    """```` :::{embed} #label ```` → ``{{< embed nb.ipynb#label >}}``; kept when no notebook labels it."""
    if not d.argument.strip().startswith("#"):
        ctx.warn(
            d.lineno,
            f"{{embed}} {d.argument.strip()}: only a notebook cell's output (#label) has a Quarto "
            "equivalent; kept as written",
            Code.UNCONVERTED,
        )
        return Rewrite()
    shortcode = embed(d.argument, ctx, d.lineno, "{embed}")
    if shortcode is None:
        return Rewrite()
    if any(line.strip() for line in d.body_lines):
        ctx.warn(d.lineno, "{embed} has content; it is kept after the embedded output", Code.DIRECTIVE_BODY)
        return Rewrite(open=shortcode + "\n", close="")
    return Rewrite(open=shortcode, close="")


SPECS = (
    DirectiveSpec(
        ("embed",),
        embed_directive,
        title=False,
        options=frozenset({"remove-input", "remove-output"}),
        prose=("body",),
    ),
)
