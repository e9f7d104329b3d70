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
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def read_input(path: Path, error: type[Exception], what: str) -> str:
    """The UTF-8 text of a file the user named (macros, a glossary), or ``error`` saying why not.

    >>> read_input(Path("/nonexistent.yml"), ValueError, "glossary")
    Traceback (most recent call last):
    ...
    ValueError: cannot read glossary /nonexistent.yml: [Errno 2] No such file or directory: '/nonexistent.yml'
    """
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {what} {path}: {exc}") from exc


def umask() -> int:
    """The process's file-creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The permissions a new file gets here (``0o666`` less the umask)."""
    return 0o666 & ~umask()


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (an existing file keeps its permissions)."""
    temp = stage_file(path, text)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def stage_file(path: Path, text: str) -> Path:
    """``text`` in a new temporary file beside ``path``, with the permissions ``path`` has (or a new file
    gets), for :func:`os.replace` to put in place; an :class:`OSError` names ``path``, not the temporary file.

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
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
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


@contextmanager
def interrupts_deferred() -> Iterator[list[int]]:
    """Ctrl-C (SIGINT) is held while the block runs and raised as :class:`KeyboardInterrupt`
    after it; the block sees the held signals in the list it gets, to stop early where that is safe.

    The output is changed only inside such a block, so an interrupt leaves it as it was or
    complete, never half-written. (Only the main thread can install signal handlers; elsewhere
    the block just runs.)
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    if received:
        raise KeyboardInterrupt
