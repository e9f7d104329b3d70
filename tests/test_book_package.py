"""Issue 20 item 4: the book is a package, and what it shares with the single-file run.

One label-collision check serves a book's chapters and a single notebook's cells; link scanning
reads directive names from the parse (as the conversion does), not with a regex of its own;
a big book's label pass and conversion run in the same forked workers.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from myst2qmd.book import convert_book, local_targets, workers
from myst2qmd.book.labels import Labels
from myst2qmd.book.watch import Watch
from myst2qmd.book.workers import Converted
from myst2qmd.codes import Code, Count
from myst2qmd.context import Label, Options, Warning_
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


def _where_labelled(document: Document) -> workers.LabelSets:
    """A stand-in label pass: one label named after the process that collected it."""
    return [(document.path, {f"pid-{os.getpid()}-{document.path}": Label("x", "sec", "x", 1)})]


def _join(sets: list[workers.LabelSets]) -> Labels:
    return {name: ("x", path, "sec") for found in sets for path, labels in found for name in labels}


def _where_converted(document: Document, labels: Labels) -> Converted:
    """A stand-in conversion: the process that converted it as the line, the labels it was given as the message."""
    return [], [Warning_(document.path, os.getpid(), " ".join(sorted(labels)), Code.UNCONVERTED)], Watch()


def test_parallel_workers_collect_labels_and_convert_their_documents(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A big book's label pass and conversion run in two processes, this one and one forked worker
    (a second worker would only cost its start and its results' pickling): each collects the labels
    of its documents, the worker is given the labels of the whole book, each converts the chosen
    documents it parsed, and they come back in order."""
    if threading.active_count() > 1:
        pytest.skip("other threads run in this process: books are converted in it, never forked")
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "2")
    documents = [
        Document(Chapter(tmp_path / f"{n}.md", PurePosixPath(f"{n}.md"), PurePosixPath(f"{n}.qmd")), [f"# {n}\n"])
        for n in range(4)
    ]
    labels, done = workers.collect_and_convert(_where_labelled, _join, _where_converted, documents, [0, 2, 3])
    assert [outside[0].path for _, outside, _ in done] == ["0.md", "2.md", "3.md"]
    collectors = {int(name.split("-")[1]): path for name, (_, path, _) in labels.items()}
    assert len(labels) == 4 and len(collectors) == 2 and os.getpid() in collectors
    converters = {outside[0].line for _, outside, _ in done}
    assert os.getpid() in converters and converters <= set(collectors)
    for (
        _,
        outside,
        _,
    ) in done:  # every worker was given every chapter's labels; a document is converted where it was parsed
        assert outside[0].message == " ".join(sorted(labels))
        assert collectors[outside[0].line] in {d.path for d in documents}
        assert f"pid-{outside[0].line}-{outside[0].path}" in labels


def _failing(document: Document) -> workers.LabelSets:
    raise ValueError(f"cannot label {document.path}")


def test_an_error_in_a_worker_is_raised_in_the_parent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if threading.active_count() > 1:
        pytest.skip("other threads run in this process: books are converted in it, never forked")
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "2")
    documents = [
        Document(Chapter(tmp_path / f"{n}.md", PurePosixPath(f"{n}.md"), PurePosixPath(f"{n}.qmd")), ["x"])
        for n in range(3)
    ]
    with pytest.raises(ValueError, match="cannot label"):
        workers.collect_and_convert(_failing, _join, _where_converted, documents, [0, 1, 2])


STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
#: in a worker: the signals blocked when it started
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
    ignores Ctrl-C; the main process gets them again as soon as the workers are started."""
    if threading.active_count() > 1 or not hasattr(signal, "pthread_sigmask"):
        pytest.skip("books are converted in this process here (other threads run, or no signal masks)")
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "2")
    work = workers._work

    def noting_start(*args: object) -> None:
        _blocked_at_start.update(signal.pthread_sigmask(signal.SIG_BLOCK, []))
        work(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "_work", noting_start)
    documents = [
        Document(Chapter(tmp_path / f"{n}.md", PurePosixPath(f"{n}.md"), PurePosixPath(f"{n}.qmd")), [f"# {n}\n"])
        for n in range(4)
    ]
    _, done = workers.collect_and_convert(_where_labelled, _join, _signals_of_the_worker, documents, [0, 1, 2, 3])
    expected = {"not blocked at start": [], "blocked now": [], "Ctrl-C ignored": True}
    # this process converts a share too: it handles Ctrl-C
    assert {outside[0].message for _, outside in done if outside[0].line != os.getpid()} == {repr(expected)}
    assert not STOPS & signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the main process: not blocked


def test_a_ctrl_c_held_while_workers_are_forked_stops_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A Ctrl-C held while the workers are forked comes (as KeyboardInterrupt) when the block ends:
    the workers started so far are stopped and joined, none is left waiting for a parent that will
    never send the book's labels (the run could not exit: its children were never joined)."""
    if threading.active_count() > 1 or not hasattr(signal, "pthread_sigmask"):
        pytest.skip("books are converted in this process here (other threads run, or no signal masks)")
    import contextlib
    import multiprocessing

    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "2")

    @contextlib.contextmanager
    def ctrl_c_when_let_through() -> Iterator[None]:
        yield
        raise KeyboardInterrupt

    monkeypatch.setattr(workers, "_stop_signals_blocked", ctrl_c_when_let_through)
    documents = [
        Document(Chapter(tmp_path / f"{n}.md", PurePosixPath(f"{n}.md"), PurePosixPath(f"{n}.qmd")), [f"# {n}\n"])
        for n in range(4)
    ]
    with pytest.raises(KeyboardInterrupt):
        workers.collect_and_convert(_where_labelled, _join, _signals_of_the_worker, documents, [0, 1, 2, 3])
    assert multiprocessing.active_children() == []


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


#: a book run whose parent stops for good while its workers wait for the book's labels
_ORPHANING = """
import os, sys, time
from pathlib import Path, PurePosixPath
os.environ["MYST2QMD_BOOK_PROCESSES"] = "3"  # this process and two workers
from myst2qmd.book import workers
from myst2qmd.notebooks import Chapter, Document
folder = Path(sys.argv[1])
def collect(document):
    (folder / f"worker-{os.getpid()}").write_text("", encoding="utf-8")
    return []
def join(sets):
    (folder / "joining").write_text("", encoding="utf-8")
    time.sleep(600)
documents = [Document(Chapter(folder / f"{n}.md", PurePosixPath(f"{n}.md"), PurePosixPath(f"{n}.qmd")), ["x"])
             for n in range(4)]
workers.collect_and_convert(collect, join, lambda d, labels: ([], []), documents, [0, 1, 2, 3])
"""


def _running(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_workers_end_when_the_parent_is_killed(tmp_path: Path) -> None:
    """A parent killed outright (no Ctrl-C to handle) leaves no worker behind: each worker closes
    its copies of the parent's ends of every pipe, so it sees the parent gone and ends."""
    if not Path(f"/proc/{os.getpid()}/stat").exists():
        pytest.skip("needs /proc (Linux) to see the workers")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parent = subprocess.Popen([sys.executable, "-c", _ORPHANING, str(tmp_path)], env=env)
    try:
        deadline = time.monotonic() + 300  # a bound for a loaded machine, never a measurement
        while not (tmp_path / "joining").exists() and parent.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "joining").exists(), "the book run never reached its labels"
    finally:
        parent.kill()
        parent.wait()
    pids = [int(p.name.split("-")[1]) for p in tmp_path.glob("worker-*") if p.name != f"worker-{parent.pid}"]
    assert len(pids) == 2
    deadline = time.monotonic() + 60
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in pids if _running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers kept waiting for a parent that was gone"
