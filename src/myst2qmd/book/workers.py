"""A book's documents parsed, their labels collected and converted, in parallel processes for a
big book.

The documents are shared out, one share per process: the parent takes the first itself (a worker
more would cost its start, copies of the memory both touch, and its results pickled), and forks a
worker for each other share, with the parent's converter and documents. Each process keeps its
documents from start to end: it parses them for the label pass, and a worker sends only their labels
back; the parent joins every chapter's labels (in the book's order, collisions reported there) and
sends the book's labels to every worker; each process converts its documents from the parses it
made (no chapter is parsed twice) and a worker sends back what they converted.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..context import Label, Warning_
from ..convert import Result
from ..files import STOP_SIGNALS
from ..notebooks import Document
from .labels import Labels
from .toc import BookError
from .watch import Watch

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

#: the characters of chapter source from which a book is converted in parallel processes
PARALLEL_FROM = 512 * 1024

#: what a document converts to: its pieces' results, its references that lead out of the book, and
#: what its conversion looked up (:mod:`.watch`)
Converted = tuple[list[Result], list[Warning_], Watch]
#: converts one document with the book's labels
ConvertOne = Callable[[Document], Converted]
#: a document's label pass: (document path, labels) per piece, its parses kept in the document
LabelSets = list[tuple[str, dict[str, Label]]]
CollectOne = Callable[[Document], LabelSets]
#: every document's label sets, in the book's order → the book's labels
JoinLabels = Callable[[list[LabelSets]], Labels]
ConvertWith = Callable[[Document, Labels], Converted]
#: the documents (their indices) to convert: given, or chosen once the book's labels are known
Chosen = Sequence[int] | Callable[[Labels], Sequence[int]]


def book_processes(characters: int, documents: int) -> int:
    """How many processes convert a book's documents (1: this one)."""
    setting = os.environ.get("MYST2QMD_BOOK_PROCESSES", "")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    wanted = int(setting) if setting.isdigit() else (cores if characters >= PARALLEL_FROM else 1)
    if wanted <= 1 or documents < 2 or threading.active_count() > 1:
        return 1  # multiprocessing not even imported
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(wanted, documents))


def collect_and_convert(
    collect_one: CollectOne,
    join: JoinLabels,
    convert_one: ConvertWith,
    documents: list[Document],
    chosen: Chosen,
    sizes: list[int] | None = None,
) -> tuple[Labels, list[Converted]]:
    """The book's labels (every document's label pass, joined) and the ``chosen`` documents converted
    with them, in ``chosen``'s order: in parallel processes (one per core: this one and forked
    workers) for a book big enough that this pays, each parsing and converting its share of the
    documents. ``MYST2QMD_BOOK_PROCESSES=1`` does it all in this process (as on a system without
    ``fork``, or when other threads run here, which a forked worker could find mid-way). ``sizes``:
    the characters of each document there is work for (a re-run's unchanged chapters have none:
    :mod:`.reuse`); default, all of them."""
    sizes = sizes if sizes is not None else [sum(len(p) for p in d.pieces) for d in documents]
    jobs = book_processes(sum(sizes), len(documents))
    with fewer_collections():
        if jobs > 1:
            done = _in_workers(jobs, collect_one, join, convert_one, documents, chosen, sizes)
            if done is not None:
                return done
        labels = join([collect_one(d) for d in documents])
        return labels, [convert_one(documents[n], labels) for n in pick(chosen, labels)]


def pick(chosen: Chosen, labels: Labels) -> list[int]:
    """The documents to convert (:data:`Chosen`)."""
    return list(chosen(labels) if callable(chosen) else chosen)


#: the garbage collector's first threshold while a book is converted (Python's default: 700)
BOOK_GC_THRESHOLD = 10_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The garbage collector run less often while a book's tokens are made (a parse allocates
    hundreds of thousands of objects, few of them in cycles: at Python's default a book run spends
    about a tenth of its time collecting), and what exists before it frozen: never scanned again,
    nor copied into a forked worker's memory by a collection touching it. Restored afterwards."""
    thresholds = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0  # else the program froze its objects itself: left to it
    if freeze:
        gc.freeze()
    gc.set_threshold(max(thresholds[0], BOOK_GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()


def drop_parses(document: Document) -> None:
    """Let the document's parses go, their last reader done. A directive refers back to the parse
    it stands in (``Directive.outer``): a reference cycle, which only the garbage collector frees,
    after every collection meanwhile has scanned its tokens (and Python's last one, at exit, a
    whole book's). Cut, reference counting frees them at once."""
    stack = list(document.parses)
    while stack:
        parsed = stack.pop()
        for directive in parsed.directives.values():
            directive.outer = None
        stack.extend(parsed.bodies.values())  # and the bodies' directives, at any depth
    document.parses = []


def shares(sizes: list[int], jobs: int) -> list[list[int]]:
    """The documents (their indices) each of ``jobs`` workers takes: the biggest first, each to the
    worker with the least so far, so the workers finish about together.

    >>> shares([5, 1, 1, 3, 2], 2)
    [[0, 1], [2, 3, 4]]
    """
    load = [0] * jobs
    taken: list[list[int]] = [[] for _ in range(jobs)]
    for n in sorted(range(len(sizes)), key=lambda n: (-sizes[n], n)):
        worker = load.index(min(load))
        taken[worker].append(n)
        load[worker] += sizes[n]
    return [sorted(share) for share in taken if share]


def _in_workers(
    jobs: int,
    collect_one: CollectOne,
    join: JoinLabels,
    convert_one: ConvertWith,
    documents: list[Document],
    chosen: Chosen,
    sizes: list[int],
) -> tuple[Labels, list[Converted]] | None:
    """:func:`collect_and_convert` in ``jobs`` processes: this one, which does the first share, and
    forked workers for the others; ``None`` if they cannot be started."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    own, *forked = shares(sizes, jobs)  # the first share is this process's, the others a worker's each
    workers: list[tuple[Any, Connection]] = []
    try:
        with _stop_signals_blocked():  # until a worker ignores them (see _work)
            for share in forked:
                parent, child = context.Pipe()
                # the parent's ends (its own, the earlier workers'): the worker closes its copies of them
                others = [parent, *(conn for _, conn in workers)]
                process = context.Process(
                    target=_work, args=(child, others, collect_one, convert_one, documents, share)
                )
                process.start()
                child.close()
                workers.append((process, parent))
    except OSError:  # no processes or pipes here (a sandbox): one process does it
        _stop(workers)
        return None
    except BaseException:  # Ctrl-C held while the workers were forked comes when the block ends
        _stop(workers)
        raise
    try:
        sets: list[LabelSets] = [[] for _ in documents]
        for n in own:  # meanwhile the workers collect theirs
            sets[n] = collect_one(documents[n])
        for (_, conn), share in zip(workers, forked, strict=True):
            sets_of_share = _receive(conn)
            for n, found in zip(share, sets_of_share, strict=True):
                sets[n] = found
        labels = join(sets)
        picked = pick(chosen, labels)
        wanted = set(picked)
        for _, conn in workers:
            conn.send((labels, wanted))
        converted: dict[int, Converted] = {n: convert_one(documents[n], labels) for n in own if n in wanted}
        for (_, conn), share in zip(workers, forked, strict=True):
            converted.update(zip([n for n in share if n in wanted], _receive(conn), strict=True))
        return labels, [converted[n] for n in picked]
    finally:
        _stop(workers)


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait (are blocked) while the block runs: a worker forked meanwhile
    starts with them blocked, so one sent to the process group (Ctrl-C in a terminal) before the
    worker ignores it cannot stop it with a traceback. The main process gets them when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _receive(conn: Connection) -> Any:
    """What a worker sent; what it raised, raised here."""
    try:
        kind, value = conn.recv()
    except EOFError:
        raise BookError(
            "a process converting the book's chapters ended without sending them (killed? out of memory?); "
            "run again, or with MYST2QMD_BOOK_PROCESSES=1 to convert in one process"
        ) from None
    if kind == "error":
        raise value
    return value


def _stop(workers: list[tuple[Any, Connection]]) -> None:
    """Workers ended (at once, if they still run: an error or Ctrl-C in the parent) and joined."""
    for process, conn in workers:
        conn.close()
        if process.is_alive():
            process.terminate()
    for process, _ in workers:
        process.join()


def _work(
    conn: Connection,
    others: list[Connection],
    collect_one: CollectOne,
    convert_one: ConvertWith,
    documents: list[Document],
    share: list[int],
) -> None:
    """In a worker: the label sets of its ``share`` of the documents sent, then, once the book's
    labels come, those of them that are wanted converted and sent. Ctrl-C and SIGHUP are the main
    process's to handle (it stops the workers with SIGTERM, which ends a worker at once). The
    worker starts with the stop signals blocked (:func:`_stop_signals_blocked`): they are let
    through once it ignores Ctrl-C and SIGHUP."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    for other in others:  # else a parent that dies leaves the other workers waiting for it forever
        other.close()
    try:
        conn.send(("sets", [collect_one(documents[n]) for n in share]))
        labels, wanted = conn.recv()
        conn.send(("done", [convert_one(documents[n], labels) for n in share if n in wanted]))
    except (EOFError, BrokenPipeError):  # the parent stopped
        pass
    except BaseException as exc:  # noqa: BLE001 - raised again in the parent
        _send_error(conn, exc)
    finally:
        conn.close()


def _send_error(conn: Connection, exc: BaseException) -> None:
    """What a worker raised, for the parent to raise (its words, if it cannot be pickled); nothing
    when the parent is gone."""
    try:
        try:
            conn.send(("error", exc))
        except (TypeError, AttributeError, ValueError, RecursionError, ImportError):  # not picklable
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    except OSError:
        pass
