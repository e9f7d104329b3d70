"""Writing the user's files safely: atomically, with the permissions a new file gets, and
without a Ctrl-C half-way through a write.

>>> import pathlib, tempfile
>>> out = pathlib.Path(tempfile.mkdtemp()) / "kapitel.qmd"
>>> write_atomically(out, "# Kapitel\\n"); out.read_text()
'# Kapitel\\n'
"""

from __future__ import annotations

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
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
