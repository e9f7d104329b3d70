"""Jupyter notebooks: read (nbformat 4, nbformat 3 upgraded, checked against nbformat's schema)
and written back as a notebook or as a ``.qmd``. The single-file run and the book run both use it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from .constructs.code import TAG_OPTIONS
from .constructs.includes import code_fence


class NotebookPieces(Protocol):
    """A notebook's converted Markdown cells (``book.Document``): the notebook and each piece's cell."""

    notebook: dict[str, Any] | None
    cells: list[int]


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


class NotebookError(ValueError):
    """A notebook that nbformat cannot read or that is not valid: ``str()`` says why."""


def read_notebook(data: str | bytes) -> dict[str, Any]:
    """A notebook as nbformat 4 (nbformat 3 upgraded), checked against nbformat's schema;
    :class:`NotebookError` says why not.

    >>> read_notebook('{"cells": "x", "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    Traceback (most recent call last):
    ...
    myst2qmd.notebooks.NotebookError: 'x' is not of type 'array' (at cells)
    """
    import nbformat

    try:
        raw = json.loads(data)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not JSON (line {exc.lineno}: {exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise NotebookError(f"not UTF-8 (offset {exc.start})") from exc
    if not isinstance(raw, dict):
        raise NotebookError("the top level is not a JSON object")
    major, minor = raw.get("nbformat"), raw.get("nbformat_minor", 0)
    if not isinstance(major, int) or not isinstance(minor, int) or major not in (3, 4):
        raise NotebookError(f"nbformat {major!r} is not supported (3 and 4 are)")
    _add_cell_ids(raw)
    _check_schema(raw)
    try:
        notebook = nbformat.reader.reads(json.dumps(raw))
        if major < 4:
            notebook = nbformat.convert(notebook, 4)
            for index, cell in enumerate(notebook.cells):  # the same ids on every run (incremental)
                cell["id"] = f"cell-{index}"
    except Exception as exc:  # noqa: BLE001 - nbformat's upgrade trips over odd input in many ways
        raise NotebookError(f"{type(exc).__name__}: {exc}") from exc
    upgraded: dict[str, Any] = json.loads(json.dumps(notebook))
    if upgraded != raw:  # the same notebook passed already (the check walks every output)
        _check_schema(upgraded)
    return upgraded


def _add_cell_ids(raw: dict[str, Any]) -> None:
    """nbformat 4.5 cells need an id; nbformat itself adds random ones: these stay the same."""
    cells = raw.get("cells")
    if raw.get("nbformat") == 4 and raw.get("nbformat_minor", 0) >= 5 and isinstance(cells, list):
        taken = {c.get("id") for c in cells if isinstance(c, dict)}
        for index, cell in enumerate(cells):
            if isinstance(cell, dict) and "id" not in cell:
                cell["id"] = _free_id(taken, index)
                taken.add(cell["id"])


def _check_schema(data: dict[str, Any]) -> None:
    """The most telling schema error of a notebook as a :class:`NotebookError`."""
    from jsonschema.exceptions import best_match
    from nbformat.validator import get_validator

    version, minor = data.get("nbformat"), data.get("nbformat_minor", 0)
    fast = get_validator(version=version, version_minor=minor, name="fastjsonschema")
    if fast is not None:
        try:
            fast.validate(data)  # compiled (nbformat's own choice): some 30 times faster on a valid notebook
            return
        except Exception:  # noqa: BLE001, S110 - the exact error comes from jsonschema below
            pass
    validator = get_validator(version=version, version_minor=minor, name="jsonschema")
    if validator is None:
        raise NotebookError(f"nbformat {data.get('nbformat')}.{data.get('nbformat_minor')} is not supported")
    error = best_match(validator.iter_errors(data))
    if error is None:
        return
    message = error.message
    while error.validator in ("oneOf", "anyOf") and isinstance(error.instance, dict):
        if "cell_type" not in error.instance and "output_type" not in error.instance:
            message = "no cell_type" if "source" in error.instance else "not a cell or output"
            break
        # the branch for this cell type: the one whose errors are not about the type itself
        branches: dict[Any, list[Any]] = {}
        for sub in error.context or []:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        kind_error = (["cell_type"], ["output_type"])
        fitting = [errs for errs in branches.values() if not any(list(e.relative_path)[:1] in kind_error for e in errs)]
        inner = [e for errs in fitting for e in errs]
        if not inner:
            message = f"unknown cell type {error.instance.get('cell_type', error.instance.get('output_type'))!r}"
            break
        error = best_match(inner)
        message = error.message
    where = "/".join(str(p) for p in error.absolute_path)
    message = message if len(message) <= 120 else message[:117] + "..."
    raise NotebookError(message + (f" (at {where})" if where else ""))


def render_notebook(document: NotebookPieces, texts: list[str]) -> str:
    """The notebook with its converted Markdown cells, tags as ``#|`` options, outputs kept."""
    import nbformat

    notebook = json.loads(json.dumps(document.notebook))
    cells = notebook.get("cells", [])
    for index, text in zip(document.cells, texts, strict=True):
        cells[index]["source"] = text
    for cell in cells:
        if cell.get("cell_type") == "code":
            _cell_options(cell)
    # front matter written into the first Markdown cell belongs in a raw cell on top
    if document.cells:
        first = cells[document.cells[0]]
        match = re.match(r"(?s)^(---\n.*?\n---\n)\n*(.*)$", cell_source(first))
        if match:
            first["source"] = match.group(2)
            cells.insert(0, {"cell_type": "raw", "metadata": {}, "source": match.group(1)})
    if notebook.get("nbformat_minor", 0) >= 5:  # nbformat 4.5 needs cell ids: the same ones every run
        for index, cell in enumerate(cells):
            if not cell.get("id"):
                cell["id"] = _free_id({c.get("id") for c in cells}, index)
    return str(nbformat.writes(nbformat.from_dict(notebook), version=4)) + "\n"


def _free_id(taken: set[Any], index: int) -> str:
    candidate, n = f"cell-{index}", 0
    while candidate in taken:
        n += 1
        candidate = f"cell-{index}-{n}"
    return candidate


def notebook_to_qmd(document: NotebookPieces, texts: list[str]) -> tuple[str, int]:
    """A converted notebook as a ``.qmd`` (as jupytext writes it): Markdown cells as they are, code
    cells as executable ``{python}`` (the kernel's language) cells with tags as ``#|`` options, raw
    cells verbatim. Outputs are not kept (Quarto runs the code). Returns the text and the number
    of cells whose outputs were left out.
    """
    notebook = json.loads(render_notebook(document, texts))
    meta = notebook.get("metadata") or {}
    language = str(
        (meta.get("kernelspec") or {}).get("language") or (meta.get("language_info") or {}).get("name") or "python"
    ).lower()
    blocks, dropped = [], 0
    for cell in notebook.get("cells", []):
        source = cell_source(cell)
        if cell.get("cell_type") == "code":
            dropped += bool(cell.get("outputs"))
            blocks.append(code_fence(source.rstrip("\n"), f"{{{language}}}"))
        elif source.strip():
            blocks.append(source.rstrip("\n"))
    return "\n\n".join(blocks) + "\n", dropped


def _cell_options(cell: dict[str, Any]) -> None:
    """Notebook code-cell tags as ``#|`` options at the top of the cell (once)."""
    tags = (cell.get("metadata") or {}).get("tags") or []
    options = [f"#| {k}: {v}" for k, v in dict(TAG_OPTIONS[t] for t in tags if t in TAG_OPTIONS).items()]
    if not options:
        return
    source = cell_source(cell)
    if source.startswith("#|"):
        return
    cell["source"] = "\n".join(options) + "\n" + source
