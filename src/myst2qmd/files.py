"""Writing the user's files safely: atomically, with the permissions a new file gets, and
without a Ctrl-C half-way through a write.

>>> import pathlib, tempfile
>>> out = pathlib.Path(tempfile.mkdtemp()) / "kapitel.qmd"
>>> write_atomically(out, "# Kapitel\\n"); out.read_text()
'# Kapitel\\n'
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: the largest text file read (a chapter, front matter, macros, a glossary, a settings file)
MAX_TEXT_BYTES = 64 * 1024 * 1024
#: the largest notebook read (outputs with images make notebooks large)
MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024

#: what the conversions under way in this process looked at (:func:`watching`), innermost last
_WATCHING: list[set[tuple[str, str]]] = []


@contextmanager
def watching() -> Iterator[set[tuple[str, str]]]:
    """Everything looked at inside the block (:func:`looked_at`, every :func:`read_bounded`): a book
    chapter's conversion depends on it, and is redone when one of them changes (:mod:`.book.reuse`)."""
    seen: set[tuple[str, str]] = set()
    _WATCHING.append(seen)
    try:
        yield seen
    finally:
        _WATCHING.pop()


def looked_at(kind: str, path: Path | str) -> None:
    """Note that the conversion under way read (or looked for) ``path``: a ``"file"``, or the
    ``"notebooks"`` of a project folder; nothing outside :func:`watching`."""
    if _WATCHING:
        _WATCHING[-1].add((kind, os.path.abspath(path)))


class InputRefused(OSError):
    """A file that is not read: not a regular file (a FIFO, ``/dev/zero``), or too large."""

    def __str__(self) -> str:
        return str(self.strerror)


def unnameable(rel: str) -> str | None:
    """A file name this run cannot write (its bytes are not UTF-8, which Quarto, YAML, JSON and the
    PO files all need), shown with its bad bytes escaped; ``None`` for a name that is fine.

    >>> unnameable("bild-\\udcff.png")
    'bild-\\\\xff.png'
    >>> unnameable("Übung.md") is None
    True
    """
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def read_bounded(path: Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes, else
    :class:`InputRefused` (an :class:`OSError`, as a file that cannot be read raises).

    A FIFO is opened without waiting for a writer and refused, as is a device (``/dev/zero``):
    reading them would wait for ever or fill the memory.

    >>> read_bounded(Path("/dev/zero"))
    Traceback (most recent call last):
    ...
    myst2qmd.files.InputRefused: not a regular file (a device, FIFO or socket)
    """
    looked_at("file", path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputRefused(21, "a folder, not a file")
        if not stat.S_ISREG(mode):
            raise InputRefused(22, "not a regular file (a device, FIFO or socket)")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
        raise InputRefused(27, f"larger than {size}; not read")
    return data


def read_input(path: Path, error: type[Exception], what: str) -> str:
    """The UTF-8 text of a file the user named (macros, a glossary), or ``error`` saying why not.

    >>> read_input(Path("/nonexistent.yml"), ValueError, "glossary")
    Traceback (most recent call last):
    ...
    ValueError: cannot read glossary /nonexistent.yml: No such file or directory
    """
    try:
        return read_bounded(path).decode("utf-8")
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise error(f"cannot read {what} {path}: not UTF-8 text (offset {exc.start})") from exc


def umask() -> int:
    """The process's file-creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The permissions a new file gets here (``0o666`` less the umask)."""
    return 0o666 & ~umask()


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write ``text`` (UTF-8), or bytes, to ``path`` through a temporary file and a rename (an
    existing file keeps its permissions)."""
    temp = stage_file(path, text)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def stage_file(path: Path, text: str | bytes) -> Path:
    """``text`` (UTF-8, or bytes) in a new temporary file beside ``path``, with the permissions ``path``
    has (or a new file gets), for :func:`os.replace` to put in place; an :class:`OSError` names
    ``path``, not the temporary file.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "k.po").mkdir()
    >>> stage_file(folder / "k.po", "x")
    Traceback (most recent call last):
    ...
    IsADirectoryError: [Errno 21] a folder has this name: '.../k.po'
    """
    folder = path.parent if str(path.parent) else Path(".")
    tmp = ""
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder has this name")
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else new_file_mode())
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise type(exc)(exc.errno, exc.strerror or str(exc), str(path)) from exc
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


#: the signals that stop a run as Ctrl-C does (SIGTERM: ``kill``, a service manager; SIGHUP: the
#: terminal closed); one ignored when the run starts (``nohup``) stays ignored
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
#: the stop signals received, last one last (see :func:`stop_signal`)
_received: list[int] = []
#: the signals held by each :func:`interrupts_deferred` block now running
_holding: list[list[int]] = []


class _Run:
    """What :func:`stops_as_interrupts` knows of the run it guards."""

    #: a :func:`stops_as_interrupts` block runs
    guarded = False
    #: a stop signal is being handled (or the run is over): a later one is only noted, never raised
    stopping = False


def stop_signal() -> int:
    """The stop signal received last (SIGINT if none was): the exit code is 128 plus it."""
    return _received[-1] if _received else signal.SIGINT


def signal_held() -> bool:
    """Whether a stop signal waits for an :func:`interrupts_deferred` block to end."""
    return any(_holding)


def _default(signum: int) -> Any:
    return signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL


def _install(handler: Callable[[int, Any], None]) -> dict[int, Any]:
    """``handler`` for every stop signal not ignored; the handlers it replaced."""
    previous = {}
    for signum in STOP_SIGNALS:
        old = signal.getsignal(signum)
        if old != signal.SIG_IGN:
            previous[signum] = old
            signal.signal(signum, handler)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for signum, old in previous.items():
        signal.signal(signum, old if old is not None else _default(signum))


def _stop(signum: int, _frame: Any) -> None:
    """The handler of :func:`stops_as_interrupts`: the first stop signal raises
    :class:`KeyboardInterrupt`; a later one (Ctrl-C pressed twice, or sent to the process group) is
    only noted, so that it cannot break off the clean-up the first one started. Python runs a
    handler late, maybe after an :func:`interrupts_deferred` block has put this one back: a signal
    that block has not seen end yet is held for it."""
    if _holding:
        _holding[-1].append(signum)
        return
    _received.append(signum)
    if not _Run.stopping:
        _Run.stopping = True
        raise KeyboardInterrupt


@contextmanager
def stops_as_interrupts(until_exit: bool = False) -> Iterator[None]:
    """SIGTERM and SIGHUP stop the block as Ctrl-C does (:class:`KeyboardInterrupt`), so the
    same clean-up runs and the same message is printed (main thread only; elsewhere it just runs).
    Only the first stop signal is raised; later ones are noted (:func:`stop_signal`).

    ``until_exit``: the process ends after the block (the command line), and from then on stop
    signals are ignored, so that a late one can neither change the exit code nor print a
    traceback; otherwise the handlers are put back as they were.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    _Run.guarded, _Run.stopping = True, False
    previous = _install(_stop)
    try:
        yield
    finally:
        _Run.stopping = _Run.stopping or until_exit
        if until_exit:
            for signum in previous:
                signal.signal(signum, signal.SIG_IGN)
        else:
            _restore(previous)
        _Run.guarded = _Run.stopping = False


@contextmanager
def interrupts_deferred() -> Iterator[list[int]]:
    """Ctrl-C (SIGINT), SIGTERM and SIGHUP are held while the block runs and raised as
    :class:`KeyboardInterrupt` after it; the block sees the held signals in the list it gets, to
    stop early where that is safe. Inside :func:`stops_as_interrupts` only the run's first stop
    signal is raised: a block in the clean-up it started just runs.

    The output is changed only inside such a block, so a stop signal leaves it as it was or
    complete, never half-written (``kill -9`` cannot be held: see :mod:`myst2qmd.commit`). Only
    the main thread can install signal handlers; elsewhere the block just runs.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    _holding.append(received)
    previous = _install(lambda signum, _frame: received.append(signum))
    try:
        yield received
    finally:
        _restore(previous)
        _holding.pop()  # blocks nest: this one is the last
        first = bool(received) and not _Run.stopping
        if received:  # also when the block raised its own KeyboardInterrupt
            _received.extend(received)  # the exit code is the last stop signal's
            _Run.stopping = _Run.guarded
    if first:
        raise KeyboardInterrupt
