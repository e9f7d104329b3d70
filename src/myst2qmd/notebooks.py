"""Jupyter notebooks: read (nbformat 4, nbformat 3 upgraded, checked against nbformat's schema)
and written back as a notebook or as a ``.qmd``; a document (a Markdown file, or a notebook's
Markdown cells) read into the pieces to convert, and a notebook converted as a book converts it.
The single-file run and the book run both use it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

from .codes import Code
from .constructs.code_cells import notebook_cell_options, notebook_figure
from .context import Label, Options, Warning_
from .files import MAX_NOTEBOOK_BYTES, MAX_TEXT_BYTES, read_bounded
from .labels import quarto_id
from .parsed import Parsed
from .quarto import code_fence

if TYPE_CHECKING:
    from .convert import Result


class NotebookPieces(Protocol):
    """A notebook's converted Markdown cells (a :class:`Document`): the notebook and each piece's cell."""

    notebook: dict[str, Any] | None
    cells: list[int]


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


class NotebookError(ValueError):
    """A notebook that nbformat cannot read or that is not valid: ``str()`` says why."""


def read_notebook(data: str | bytes, notes: list[tuple[int, str]] | None = None) -> dict[str, Any]:
    """A notebook as nbformat 4 (nbformat 3 upgraded), checked against nbformat's schema;
    :class:`NotebookError` says why not. ``notes`` gets (cell number, message) for each cell
    whose id was the same as an earlier cell's (renamed, the same way on every run).

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
    renamed = _add_cell_ids(raw)
    if notes is not None:
        notes += renamed
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


def _add_cell_ids(raw: dict[str, Any]) -> list[tuple[int, str]]:
    """nbformat 4.5 cells need an id of their own; nbformat itself adds random ones (and prints a
    Python warning for a duplicate): these are the same on every run. Returns (cell number,
    message) for each duplicate renamed."""
    cells = raw.get("cells")
    renamed: list[tuple[int, str]] = []
    if raw.get("nbformat") == 4 and raw.get("nbformat_minor", 0) >= 5 and isinstance(cells, list):
        taken = {c.get("id") for c in cells if isinstance(c, dict) and isinstance(c.get("id"), str)}
        seen: set[str] = set()
        for index, cell in enumerate(cells):
            if not isinstance(cell, dict):
                continue
            had_id, old = "id" in cell, cell.get("id")
            if not had_id or (isinstance(old, str) and old in seen):
                cell["id"] = _free_id(taken, index)
                taken.add(cell["id"])
                if had_id:
                    message = f"cell id {old!r} is also an earlier cell's: this one is {cell['id']!r} in the output"
                    renamed.append((index + 1, message))
            if isinstance(cell["id"], str):
                seen.add(cell["id"])
    return renamed


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


@dataclass
class QmdNotebook:
    """A notebook written as a ``.qmd``."""

    text: str
    #: code cells whose outputs are left out (Quarto runs the code)
    dropped: int
    #: the Markdown cells' attachments as files: path relative to the ``.qmd``'s folder → bytes
    files: dict[str, bytes] = field(default_factory=dict)
    #: (cell number, message) for each ``attachment:`` link that is kept as written
    problems: list[tuple[int, str]] = field(default_factory=list)


def notebook_to_qmd(document: NotebookPieces, texts: list[str], attachments: str = "attachments") -> QmdNotebook:
    """A converted notebook as a ``.qmd`` (as jupytext writes it): Markdown cells as they are, code
    cells as executable ``{python}`` (the kernel's language) cells with tags as ``#|`` options, raw
    cells as raw blocks (front matter on top as it is). Outputs are not kept (Quarto runs the
    code); the Markdown cells' attachments become files in the folder ``attachments``, their
    ``attachment:`` links links to those files.
    """
    texts, files, problems = extract_attachments(document, texts, attachments)
    notebook = json.loads(render_notebook(document, texts))
    meta = notebook.get("metadata") or {}
    language = str(
        (meta.get("kernelspec") or {}).get("language") or (meta.get("language_info") or {}).get("name") or "python"
    ).lower()
    blocks: list[str] = []
    dropped = 0
    for cell in notebook.get("cells", []):
        source = cell_source(cell)
        if cell.get("cell_type") == "code":
            dropped += bool(cell.get("outputs"))
            blocks.append(code_fence(source.rstrip("\n"), f"{{{language}}}"))
        elif cell.get("cell_type") == "raw" and source.strip():
            blocks.append(raw_block(cell, first=not blocks))
        elif source.strip():
            blocks.append(source.rstrip("\n"))
    return QmdNotebook("\n\n".join(blocks) + "\n", dropped, files, problems)


#: raw cell formats (``raw_mimetype``, or JupyterLab's ``format``) Quarto has a raw block for
RAW_FORMATS = {"text/latex": "latex", "latex": "latex", "text/tex": "latex", "text/html": "html", "html": "html"}
_FRONT_MATTER = re.compile(r"(?s)\A---\n(?:.*\n)?---[ \t]*\Z")
_SHORTCODE = re.compile(r"(?<!\{)\{\{<(.*?)>\}\}(?!\})", re.DOTALL)


def raw_block(cell: dict[str, Any], first: bool = False) -> str:
    r"""A raw cell in a ``.qmd``: ``{=latex}`` or ``{=html}`` by its format, else a code block
    (Jupyter shows neither as Markdown); YAML front matter in the first cell stays as it is.
    Quarto shortcodes in it are escaped: Quarto would run them even in a code block.

    >>> print(raw_block({"cell_type": "raw", "metadata": {"raw_mimetype": "text/latex"}, "source": "\\newpage"}))
    ```{=latex}
    \newpage
    ```
    >>> print(raw_block({"cell_type": "raw", "metadata": {}, "source": "# Kein Titel\n{{< include x.qmd >}}"}))
    ```
    # Kein Titel
    {{{< include x.qmd >}}}
    ```
    """
    source = cell_source(cell).rstrip("\n")
    if first and _FRONT_MATTER.match(source):
        return source
    meta = cell.get("metadata") or {}
    kind = RAW_FORMATS.get(str(meta.get("raw_mimetype") or meta.get("format") or "").strip().lower())
    return code_fence(_SHORTCODE.sub(r"{{{<\1>}}}", source), f"{{={kind}}}" if kind else "")


def _cell_options(cell: dict[str, Any]) -> None:
    """Notebook code-cell tags and myst-nb figure metadata as ``#|`` options at the top of the cell (once)."""
    source = cell_source(cell)
    name = notebook_figure(cell.get("metadata"))[0]
    options = notebook_cell_options(cell.get("metadata"), source, quarto_id(name, "fig") if name else "")
    if not options or source.startswith("#|"):
        return
    cell["source"] = "\n".join(options) + "\n" + source


def cell_figure_labels(notebook: dict[str, Any] | None) -> dict[str, Label]:
    """The figure labels myst-nb's ``mystnb: figure: name:`` gives a notebook's code cells."""
    labels: dict[str, Label] = {}
    for cell in (notebook or {}).get("cells", []):
        if cell.get("cell_type") == "code":
            name, caption = notebook_figure(cell.get("metadata"))
            if name:
                labels[name] = Label(name, "fig", quarto_id(name, "fig"), 1, caption)
    return labels


# -- attachments ---------------------------------------------------------------------------------

#: ``attachment:NAME`` as a link or image target (``](…)``, ``](<…>)``, ``src="…"``, ``[x]: …``)
_ATTACHMENT = re.compile(
    r"(?<=<)attachment:(?P<angled>[^<>\n]+)(?=>)|(?:(?<=[(\"'])|(?<=\]: ))attachment:(?P<name>[^\s()<>\"']+)"
)


def extract_attachments(
    document: NotebookPieces, texts: list[str], folder: str
) -> tuple[list[str], dict[str, bytes], list[tuple[int, str]]]:
    """The converted Markdown cells with their ``attachment:`` links to files in ``folder``; the
    files (path → bytes); (cell number, message) for a link kept as written (no such attachment,
    or data that is not valid base64)."""
    files: dict[str, bytes] = {}
    problems: list[tuple[int, str]] = []
    cells = (document.notebook or {}).get("cells", [])
    out = []
    for index, text in zip(document.cells, texts, strict=True):
        attached = cells[index].get("attachments") or {}

        def link(match: re.Match[str], attached: dict[str, Any] = attached, number: int = index + 1) -> str:
            name = match["angled"] or match["name"]
            key = name if name in attached else unquote(name)
            try:
                if key not in attached:
                    raise ValueError("the cell has no such attachment")
                data, suffix = attachment_data(attached[key])
            except ValueError as exc:
                problems.append((number, f"attachment:{name}: {exc}; the link is kept as written"))
                return match[0]
            path = _attachment_path(folder, key, suffix, number, data, files)
            files[path] = data
            return path

        out.append(_ATTACHMENT.sub(link, text))
    return out, files, problems


def attachment_data(bundle: Any) -> tuple[bytes, str]:
    r"""An attachment's bytes and the file suffix of its type; :class:`ValueError` says why not.

    >>> attachment_data({"image/png": "iVBORw0KGgo="})
    (b'\x89PNG\r\n\x1a\n', '.png')
    >>> attachment_data({"image/png": "iVBORw0KGgo"})
    Traceback (most recent call last):
    ...
    ValueError: its image/png data is not valid base64 (Incorrect padding)
    """
    if not isinstance(bundle, dict) or not bundle:
        raise ValueError("the attachment holds no data")
    mime, value = next(iter(bundle.items()))
    text = "".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value
    if not isinstance(text, str):
        raise ValueError(f"its {mime} data is not text")
    suffix = mimetypes.guess_extension(str(mime)) or ""
    if str(mime).startswith("text/") or str(mime).endswith(("+xml", "json")):
        return text.encode("utf-8"), suffix
    try:
        return base64.b64decode("".join(text.split()), validate=True), suffix
    except binascii.Error as exc:
        raise ValueError(f"its {mime} data is not valid base64 ({exc})") from exc


def safe_name(name: str) -> str:
    """``name`` as a file name that needs no quoting in a link, in HTML or in LaTeX.

    >>> safe_name("../Bild 1 (neu).png")
    '_Bild_1__neu_.png'
    """
    return re.sub(r"[^\w.-]", "_", name, flags=re.ASCII).lstrip(".")


def _attachment_path(folder: str, name: str, suffix: str, number: int, data: bytes, files: dict[str, bytes]) -> str:
    """Where an attachment is written: its own name made safe; prefixed with its cell (``cell3-``)
    where another cell's attachment of that name holds other data."""
    safe = safe_name(PurePosixPath(name).name) or "attachment"
    if not PurePosixPath(safe).suffix:
        safe += suffix
    path, n = f"{folder}/{safe}", 1
    while path in files and files[path] != data:
        n += 1
        path = f"{folder}/cell{number}-{safe}" if n == 2 else f"{folder}/cell{number}-{n - 1}-{safe}"
    return path


# -- a directive split across cells --------------------------------------------------------------

_FENCE_LINE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")


@dataclass
class _Fence:
    fence: str
    line: int
    #: a code block (its lines are no fences), not a directive or div
    code: bool
    #: the directive's name (``{note}`` → ``note``); "" for a code block or a div
    name: str


def _scan_fences(text: str) -> tuple[list[_Fence], list[int]]:
    """The fences a cell leaves open at its end (outermost first), and the lines of bare ``:::``
    fences that close nothing."""
    stack: list[_Fence] = []
    stray: list[int] = []
    for number, line in enumerate(text.split("\n"), 1):
        match = _FENCE_LINE.match(line)
        if not match:
            continue
        fence, info = match["fence"], match["info"].strip()
        top = stack[-1] if stack else None
        if top is not None and not info and fence[0] == top.fence[0] and len(fence) >= len(top.fence):
            stack.pop()
        elif (top is not None and top.code) or (fence[0] == "`" and "`" in info):
            continue
        elif not info and fence[0] == ":":
            stray.append(number)
        else:
            name = re.match(r"\{([^}]*)\}", info)
            stack.append(_Fence(fence, number, name is None and fence[0] != ":", name[1] if name else ""))
    return stack, stray


def mend_split_directives(pieces: list[str], cells: list[int]) -> list[tuple[int, int, str]]:
    """A directive opened in one Markdown cell and closed in a later one. Each cell is read on its
    own (as Jupyter Book reads them): the directive ends with its cell, and the closing fence in
    the later cell would be stray text (or, in backticks, open a code block that swallows the rest).
    That fence's line is blanked in ``pieces``; returns (piece, line, message) for each."""
    found: list[tuple[int, int, str]] = []
    left: tuple[_Fence, int] | None = None  # a directive left open, and its cell number
    for n, piece in enumerate(pieces):
        stack, stray = _scan_fences(piece)
        if left is not None:
            opened, cell = left
            candidates = stray + [f.line for f in stack if f.code and not f.name and f.fence[0] != ":"]
            closing = [
                line
                for line in sorted(candidates)
                if (fence := _FENCE_LINE.match(piece.split("\n")[line - 1])) is not None
                and not fence["info"].strip()
                and fence["fence"][0] == opened.fence[0]
                and len(fence["fence"]) >= len(opened.fence)
            ]
            if closing:
                lines = piece.split("\n")
                lines[closing[0] - 1] = ""
                pieces[n] = piece = "\n".join(lines)
                message = (
                    f"this fence closes the {{{opened.name}}} opened in cell {cell}, but a directive cannot span "
                    "notebook cells (each cell is read on its own): the directive ends with its cell; fence removed"
                )
                found.append((n, closing[0], message))
                left = None
                stack, _ = _scan_fences(piece)
        directives = [f for f in stack if f.name]
        if directives:
            left = (directives[0], cells[n] + 1)
    return found


# -- documents ---------------------------------------------------------------------------------


@dataclass
class Chapter:
    """One document of a run (a book's chapter, or the single notebook converted)."""

    source: Path
    rel: PurePosixPath  # relative to the book folder, with its suffix
    out_rel: PurePosixPath  # where it is written, relative to the output folder
    is_root: bool = False
    title: str = ""
    #: the table of contents that names it, and the line there
    toc: str = "_toc.yml"
    line: int = 1

    @property
    def is_notebook(self) -> bool:
        return self.source.suffix == ".ipynb"


@dataclass
class Document:
    """A chapter's MyST text: one piece for a .md file, one per Markdown cell of a notebook."""

    chapter: Chapter
    pieces: list[str]
    notebook: dict[str, Any] | None = None
    #: index of the notebook cell behind each piece
    cells: list[int] = field(default_factory=list)
    #: each piece parsed once, by the label pass, for the conversion to reuse (see :func:`collect_labels`)
    parses: list[Parsed] = field(default_factory=list)
    #: what reading it found (a notebook's duplicate cell ids, a directive split across its cells)
    warnings: list[Warning_] = field(default_factory=list)
    #: a notebook's: the digest of the bytes it was read from (a book's re-run keeps it: :mod:`.book.reuse`)
    source_digest: str = ""

    @property
    def path(self) -> str:
        return self.chapter.rel.as_posix()

    def where(self, n: int) -> str:
        """The path warnings about piece ``n`` name: ``kapitel.md``, ``nb.ipynb#cell3``."""
        return self.path if not self.notebook else f"{self.path}#cell{self.cells[n] + 1}"


class DocumentError(ValueError):
    """A document that cannot be read (the message says why)."""


def notebook_document(chapter: Chapter, notebook: dict[str, Any], notes: Sequence[tuple[int, str]] = ()) -> Document:
    """A notebook's Markdown cells as the pieces to convert (a directive's closing fence in a later
    cell than the directive removed, with a warning); ``notes``: (cell number, message) from reading it."""
    pieces, cells = [], []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            pieces.append(cell_source(cell))
            cells.append(index)
    path = chapter.rel.as_posix()
    warnings = [Warning_(f"{path}#cell{n}", 1, message, Code.NOTEBOOK_ID_DUPLICATE) for n, message in notes]
    for n, line, message in mend_split_directives(pieces, cells):
        warnings.append(Warning_(f"{path}#cell{cells[n] + 1}", line, message, Code.FENCE_UNCLOSED))
    return Document(chapter, pieces, notebook, cells, warnings=warnings)


def read_document(chapter: Chapter) -> Document:
    """The chapter's text; :class:`DocumentError` when it cannot be read, :class:`NotebookError` for a bad notebook."""
    try:
        raw = read_bounded(chapter.source, MAX_NOTEBOOK_BYTES if chapter.is_notebook else MAX_TEXT_BYTES)
    except OSError as exc:
        raise DocumentError(f"cannot read {chapter.rel}: {exc.strerror}") from exc
    if chapter.is_notebook:
        notes: list[tuple[int, str]] = []
        notebook = read_notebook(raw, notes)
        document = notebook_document(chapter, notebook, notes)
        document.source_digest = hashlib.sha256(raw).hexdigest()  # of what was read, not what is there now
        return document
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{chapter.rel} is not UTF-8 text (offset {exc.start})") from exc
    return Document(chapter, [text])


def first_h1(text: str) -> str:
    """The text of the first level-1 heading after the front matter ("" if none)."""
    match = re.search(r"(?m)^#\s+(.+?)\s*#*\s*$", re.sub(r"(?s)^---\n.*?\n---\n", "", text))
    return match.group(1).strip() if match else ""


def collect_labels(
    documents: list[Document], options: Options, warnings: list[Warning_], duplicates: list[str]
) -> dict[str, tuple[str, str, str]]:
    """label → (Quarto id, document path, kind) across documents (chapters, or a notebook's cells) read
    as ``options`` says (its dialect, macros and extensions), each piece parsed once (kept in
    :attr:`Document.parses` for the conversion); a label defined in two documents, or two labels that
    become one id, are reported (:func:`.labelpass.join_labels`)."""
    from .labelpass import join_labels

    for document in documents:
        name_chapter(document)
    return join_labels([document_label_sets(d, options) for d in documents], warnings, duplicates)


def name_chapter(document: Document) -> None:
    """The chapter's title, unless it has one: its first H1 (other chapters' ``{doc}`` links show it)."""
    document.chapter.title = document.chapter.title or next(
        (t for t in (first_h1(p) for p in document.pieces) if t), ""
    )


def document_label_sets(document: Document, options: Options) -> list[tuple[str, dict[str, Label]]]:
    """The labels each piece of ``document`` defines, (its path, labels), and its code cells' figures;
    each piece parsed once as ``options`` says (dialect, macros, extensions), the parse kept in
    :attr:`Document.parses` for the conversion."""
    from .convert import parse_text
    from .labelpass import document_labels

    document.parses = [parse_text(piece, document.path, options) for piece in document.pieces]  # block tokens
    found = [
        (document.path, document_labels(parsed, document.path, options.macros, options.dialect))
        for parsed in document.parses
    ]
    return [*found, (document.path, cell_figure_labels(document.notebook))]


def convert_notebook(
    source: Path, notebook: dict[str, Any], options: Options, notes: Sequence[tuple[int, str]] = ()
) -> tuple[Document, list[Result]]:
    """A single notebook's Markdown cells converted as a book converts them: labels of every cell
    known to every other cell (``{numref}`` in one cell, ``{figure}`` in another); ``notes``: (cell
    number, message) from reading it, in the document's warnings with its own."""
    from .convert import convert_text

    document = notebook_document(
        Chapter(source, PurePosixPath(str(source)), PurePosixPath(source.name)), notebook, notes
    )
    cells = document.cells
    warnings: list[Warning_] = []
    labels = collect_labels([document], options, warnings, [])
    cell_options = replace(
        options,
        external_labels={name: qid for name, (qid, _, _) in labels.items()},
        label_pages={name: (kind, "") for name, (_, _, kind) in labels.items()},
        title_from_h1=False,
        source_dir=str(source.resolve().parent),
    )
    results = [
        convert_text(piece, path=f"{source}#cell{cells[n] + 1}", options=cell_options)
        for n, piece in enumerate(document.pieces)
    ]
    if results:
        results[0].warnings[:0] = warnings
    return document, results
