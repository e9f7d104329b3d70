"""Issue 20 item 4: the book is a package, and what it shares with the single-file run.

One label-collision check serves a book's chapters and a single notebook's cells; link scanning
reads directive names from the parse (as the conversion does), not with a regex of its own;
the parallel workers get their job through the pool's initializer, so the parent holds none.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from pathlib import Path, PurePosixPath

import pytest

from myst2qmd.book import convert_book, local_targets, workers
from myst2qmd.book.labels import Labels
from myst2qmd.book.workers import Converted
from myst2qmd.codes import Code, Count
from myst2qmd.context import Options, Warning_
from myst2qmd.notebooks import Chapter, Document, convert_notebook

#: two labels in two places that become one Quarto id
COLLIDING = ("```{figure} a.png\n:name: fig:netz\n\nEins\n```\n", "```{figure} b.png\n:name: fig-netz\n\nZwei\n```\n")
MESSAGE = "labels 'fig:netz' and 'fig-netz' both become '#fig-netz'"


def _notebook(*cells: str) -> dict[str, object]:
    return {
        "cells": [{"cell_type": "markdown", "id": f"c{n}", "metadata": {}, "source": c} for n, c in enumerate(cells)],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_one_collision_check_for_a_notebooks_cells_and_a_books_chapters(tmp_path: Path) -> None:
    """The single-file run of a notebook (labels across its cells) and a book run (across its
    chapters) report two labels that become one id with the same check and the same words."""
    _, results = convert_notebook(tmp_path / "nb.ipynb", _notebook(*COLLIDING), Options())
    assert [w.message for r in results for w in r.warnings if w.code == "label-duplicate"] == [MESSAGE]

    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("root: intro\nchapters:\n- file: eins\n- file: zwei\n", encoding="utf-8")
    (book / "intro.md").write_text("# Buch\n", encoding="utf-8")
    (book / "eins.md").write_text("# Eins\n\n" + COLLIDING[0], encoding="utf-8")
    (book / "zwei.md").write_text("# Zwei\n\n" + COLLIDING[1], encoding="utf-8")
    report, warnings = convert_book(book, tmp_path / "out")
    assert report.duplicate_labels == [MESSAGE]
    assert [str(w) for w in warnings if w.code == "label-duplicate"] == [
        f"zwei.md:3: warning [label-duplicate]: {MESSAGE}"
    ]


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        # the parse reads directive names case-insensitively, as the conversion does
        ("```{Figure} ../bild.png\n```\n", [(1, "../bild.png")]),
        # a Quarto executable cell is code: its lines are no Markdown links
        ("```{python}\n# ![a](../x.png)\n```\n", []),
        ("```{list-table}\n* - ![a](../x.png)\n```\n", [(2, "../x.png")]),
    ],
    ids=["uppercase-directive", "executable-cell", "list-table"],
)
def test_link_scanning_reads_directives_from_the_parse(text: str, targets: list[tuple[int, str]]) -> None:
    assert local_targets(text) == targets


def _where_converted(document: Document, labels: Labels) -> Converted:
    """A stand-in conversion: the document's path, and the process that converted it as the line."""
    return [], [Warning_(document.path, os.getpid(), "", Code.UNCONVERTED)]


def test_parallel_workers_leave_the_parent_without_a_job(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Documents converted in forked workers come back in order, and the parent never held the
    job (it went to the workers through the pool's initializer)."""
    if threading.active_count() > 1:
        pytest.skip("other threads run in this process: books are converted in it, never forked")
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "2")
    documents = [
        Document(Chapter(tmp_path / f"{n}.md", PurePosixPath(f"{n}.md"), PurePosixPath(f"{n}.qmd")), [f"# {n}\n"])
        for n in range(4)
    ]
    done = workers.convert_all(_where_converted, documents, {})
    assert [outside[0].path for _, outside in done] == ["0.md", "1.md", "2.md", "3.md"]
    assert os.getpid() not in {outside[0].line for _, outside in done}  # converted in other processes
    assert workers._job is None


STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
#: in a worker: the signals blocked when its initializer started
_blocked_at_start: set[int] = set()


def _signals_of_the_worker(document: Document, labels: Labels) -> Converted:
    """A stand-in conversion: how the worker was started as to stop signals, as the warning's text."""
    state = {
        "not blocked at start": sorted(STOPS - _blocked_at_start),
        "blocked now": sorted(STOPS & signal.pthread_sigmask(signal.SIG_BLOCK, [])),
        "Ctrl-C ignored": signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
    }
    return [], [Warning_(document.path, os.getpid(), repr(state), Code.UNCONVERTED)]


def test_a_worker_starts_with_stop_signals_blocked_until_it_ignores_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Ctrl-C sent to the process group (a terminal does) while a worker starts can never stop it
    with a traceback: it is forked with the stop signals blocked, and lets them through only once it
    ignores Ctrl-C; the main process gets them again as soon as the pool is made."""
    if threading.active_count() > 1 or not hasattr(signal, "pthread_sigmask"):
        pytest.skip("books are converted in this process here (other threads run, or no signal masks)")
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "2")
    start = workers._start_worker

    def noting_start(*args: object) -> None:
        _blocked_at_start.update(signal.pthread_sigmask(signal.SIG_BLOCK, []))
        start(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "_start_worker", noting_start)
    documents = [
        Document(Chapter(tmp_path / f"{n}.md", PurePosixPath(f"{n}.md"), PurePosixPath(f"{n}.qmd")), [f"# {n}\n"])
        for n in range(4)
    ]
    done = workers.convert_all(_signals_of_the_worker, documents, {})
    expected = {"not blocked at start": [], "blocked now": [], "Ctrl-C ignored": True}
    assert {outside[0].message for _, outside in done} == {repr(expected)}
    assert not STOPS & signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the main process: not blocked


def test_report_counts_are_keyed_by_the_count_enum(tmp_path: Path) -> None:
    """A book's report reads its reference numbers through :class:`Count`, and every construct it
    counts is a :class:`Count` (a ``{}`` one with its name)."""
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("root: intro\nchapters:\n- file: eins\n", encoding="utf-8")
    (book / "intro.md").write_text(
        "# Buch\n\n(start)=\n## Start\n\nSiehe {ref}`start` und {ref}`fehlt`.\n", encoding="utf-8"
    )
    (book / "eins.md").write_text("# Eins\n\n```{toctree}\n```\n\n{numref}`start`\n", encoding="utf-8")
    report, _ = convert_book(book, tmp_path / "out")
    assert (report.references_resolved, report.references_unresolved) == (2, 1)
    kinds = [re.compile(re.escape(kind.value).replace(r"\{\}", ".+")) for kind in Count]
    assert report.constructs and [k for k in report.constructs if not any(p.fullmatch(k) for p in kinds)] == []
    assert report.constructs["toctree removed"] == 1
