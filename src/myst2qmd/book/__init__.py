"""Whole Jupyter Books to Quarto books.

A Jupyter Book folder (``_toc.yml`` + ``_config.yml``, or a ``myst.yml``) becomes a Quarto
book project::

    _toc.yml  root: intro                     _quarto.yml  project: {type: book}
              parts:                                       book:
              - caption: Grundlagen                          chapters:
                chapters:                                    - index.qmd
                - file: kapitel1                             - part: "Grundlagen"
                  sections:                                    chapters:
                  - file: abschnitt                            - kapitel1.qmd
                                                               - abschnitt.qmd

Labels are collected across the whole book first, so ``{numref}``, ``{ref}``, ``{eq}`` and
``{doc}`` resolve between chapters. Outputs are written only when their content changes, so
re-running after editing one chapter rewrites that chapter only.

A re-run into the same folder converts only the chapters whose source, settings or looked-up
labels and files changed (:mod:`.reuse`, :mod:`.watch`).

One module per concern: :mod:`.toc` (the table of contents), :mod:`.labels` (labels across
chapters), :mod:`.links` (links and paths), :mod:`.workers` (parallel conversion),
:mod:`.reuse` and :mod:`.watch` (re-runs),
:mod:`.translation`, :mod:`.output` (staging and writing, ``_quarto.yml``), :mod:`.report`, and
:mod:`.converter`, the run that calls them in order. Reading a document (a Markdown file or a
notebook's cells) is :mod:`..notebooks`', which the single-file run uses too.
"""

from __future__ import annotations

from ..notebooks import Chapter, Document, convert_notebook, notebook_document, read_document
from .converter import BookConverter, book_converter, chosen_by, convert_book
from .labels import LabelPages, LabelTargets
from .links import local_targets, outside_references, rebase_paths
from .output import QUARTO_YML, BookInterrupted, assign_outputs, refuse_unsafe_paths
from .report import BookReport
from .toc import Book, BookError, ExternalLink, Part, glob_regex, is_book, normalise_toc_path, read_book
from .workers import PARALLEL_FROM

__all__ = [
    "PARALLEL_FROM",
    "QUARTO_YML",
    "Book",
    "BookConverter",
    "BookError",
    "BookInterrupted",
    "BookReport",
    "Chapter",
    "Document",
    "ExternalLink",
    "LabelPages",
    "LabelTargets",
    "Part",
    "assign_outputs",
    "book_converter",
    "chosen_by",
    "convert_book",
    "convert_notebook",
    "glob_regex",
    "is_book",
    "local_targets",
    "normalise_toc_path",
    "notebook_document",
    "outside_references",
    "read_book",
    "read_document",
    "rebase_paths",
    "refuse_unsafe_paths",
]
