"""A book's documents converted in parallel processes, once the labels are known.

The workers are forked: they start with the parent's converter, documents and labels, handed
to each worker by the pool's initializer (through ``fork``, not pickled), and send back only
what they converted. The parent holds no state for them.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..context import Warning_
from ..convert import Result
from ..notebooks import Document
from .labels import Labels

#: the characters of chapter source from which a book is converted in parallel processes
PARALLEL_FROM = 512 * 1024

#: what a document converts to: its pieces' results, and its references that lead out of the book
Converted = tuple[list[Result], list[Warning_]]
#: converts one document with the book's labels
ConvertOne = Callable[[Document, Labels], Converted]

#: in a worker process only (set by :func:`_start_worker`): what it converts
_job: tuple[ConvertOne, list[Document], Labels] | None = None


def book_processes(characters: int, documents: int) -> int:
    """How many processes convert a book's documents (1: this one)."""
    setting = os.environ.get("MYST2QMD_BOOK_PROCESSES", "")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    wanted = int(setting) if setting.isdigit() else (cores if characters >= PARALLEL_FROM else 1)
    import multiprocessing

    if documents < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(wanted, documents))


def convert_all(convert_one: ConvertOne, documents: list[Document], labels: Labels) -> list[Converted]:
    """Every document converted (``convert_one``), in order: in parallel processes (one per core)
    for a book big enough that this pays (a ct-book-sized book on 2 cores: 3.3 s -> 2.3 s; a small
    one would only pay the start-up of the workers). ``MYST2QMD_BOOK_PROCESSES=1`` converts in this
    process (as on a system without ``fork``, or when other threads run here, which a forked
    worker could find mid-way).
    """
    jobs = book_processes(sum(len(p) for d in documents for p in d.pieces), len(documents))
    if jobs <= 1:
        return [convert_one(d, labels) for d in documents]
    import multiprocessing

    try:
        with _stop_signals_blocked():  # until a worker ignores them (see _start_worker)
            pool = multiprocessing.get_context("fork").Pool(
                jobs, initializer=_start_worker, initargs=(convert_one, documents, labels)
            )
    except OSError:  # no semaphores here (a sandbox without /dev/shm): one process does it
        return [convert_one(d, labels) for d in documents]
    with pool:
        return pool.map(_convert_nth, range(len(documents)), chunksize=max(1, len(documents) // (4 * jobs)))


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait (are blocked) while the block runs: a worker forked meanwhile
    starts with them blocked (and the pool's threads too, which fork the workers that replace one),
    so one sent to the process group (Ctrl-C in a terminal) before the worker ignores it cannot
    stop it with a traceback. The main process gets them when the block ends."""
    stops = {signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _start_worker(convert_one: ConvertOne, documents: list[Document], labels: Labels) -> None:
    """In a new worker: what it converts (inherited through ``fork``); Ctrl-C and SIGHUP are the
    main process's to handle (it stops the workers with SIGTERM, which ends a worker at once).
    The worker starts with the stop signals blocked (:func:`_stop_signals_blocked`): they are let
    through once it ignores Ctrl-C and SIGHUP."""
    global _job
    _job = (convert_one, documents, labels)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def _convert_nth(n: int) -> Converted:
    """In a worker: the ``n``-th document converted."""
    assert _job is not None, "a worker started without its job"
    convert_one, documents, labels = _job
    return convert_one(documents[n], labels)
