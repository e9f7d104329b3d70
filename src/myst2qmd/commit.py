"""The book commit: the files of a run moved into the output folder so that a run stopped at any
moment (Ctrl-C, SIGTERM, SIGHUP, ``kill -9``) leaves the old output or the complete new one,
once the next run into that folder has started (it finishes or cleans up what was left).

Everything lives inside the output folder OUT, so every move is a rename on one file system
(also when OUT is a mount point: a Docker volume, a USB disk, NFS), and every name starts with a
dot, which Quarto and ``myst2qmd check`` skip; none of it remains after a run:

``.myst2qmd.lock``
    held (``flock``) for the whole run: a second run into OUT stops at once (exit 2).
``.myst2qmd-staging-<id>/``
    the new files, written there first. A run stopped now leaves OUT as it was.
``.myst2qmd-commit.json``
    the journal, written (atomically) once staging is complete: from then on the new version
    counts, and the next run finishes the moves of a run stopped half-way (rolls forward).
``.myst2qmd-old-<id>/``
    the files replaced, kept until the moves are done, so that a commit failing half-way in
    this run (a folder that cannot be made) is rolled back to the old version.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import Any

from .files import signal_held

try:
    import fcntl
except ImportError:  # Windows: no flock, the run goes on without a lock
    fcntl = None  # type: ignore[assignment]

LOCK = ".myst2qmd.lock"
JOURNAL = ".myst2qmd-commit.json"
#: what every staging folder, folder of replaced files and journal is named from
PREFIX = ".myst2qmd-"
#: for tests: the commit pauses after this step (1, 2, …), says so on stderr, and waits (up to a
#: minute, or until a stop signal) so that a test can kill it at a step it chose
PAUSE_ENV = "MYST2QMD_TEST_PAUSE_COMMIT"
_ID = re.compile(r"[0-9a-f-]{1,64}")


class OutputError(ValueError):
    """The output folder cannot be written now (another run holds it, it is not a folder …)."""


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _staging(out: Path, ident: str) -> Path:
    return out / f"{PREFIX}staging-{ident}"


def _old(out: Path, ident: str) -> Path:
    return out / f"{PREFIX}old-{ident}"


class _Steps:
    """The commit's steps, counted for the test hook :data:`PAUSE_ENV`."""

    def __init__(self, total: int) -> None:
        self.done = 0
        self.total = total
        setting = os.environ.get(PAUSE_ENV, "")
        self.pause_at = int(setting) if setting.isdigit() else 0
        if self.pause_at:
            print(f"myst2qmd: commit of {total} steps", file=sys.stderr, flush=True)

    def step(self, what: str) -> None:
        self.done += 1
        if self.done != self.pause_at:
            return
        print(f"myst2qmd: commit paused after step {self.done} of {self.total}: {what}", file=sys.stderr, flush=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not signal_held():
            time.sleep(0.02)


class Commit:
    """One run's commit into ``out`` (which exists and is locked): :meth:`path` to stage each
    file of ``files``, :meth:`staged` after each, then :meth:`switch`; :meth:`discard` always."""

    def __init__(self, out: Path, files: Sequence[PurePosixPath], removed: Sequence[PurePosixPath] = ()) -> None:
        self.out = out
        self.files = list(files)
        #: files of an earlier run that this one removes (moved aside with the replaced ones)
        self.removed = list(removed)
        self.ident = f"{os.getpid():x}-{secrets.token_hex(4)}"
        self.staging = _staging(out, self.ident)
        self.steps = _Steps(3 * len(self.files) + len(self.removed) + 5)
        self.staging.mkdir()
        self.steps.step("staging folder made")

    def path(self, rel: PurePosixPath) -> Path:
        """Where ``rel`` is staged (its folder made)."""
        path = self.staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def staged(self, rel: PurePosixPath) -> None:
        self.steps.step(f"staged {rel}")

    def switch(self) -> None:
        """Move every staged file into place (see the module's docstring); a failure rolls back."""
        folders = _new_folders(self.out, self.files)
        files, removed = [f.as_posix() for f in self.files], [r.as_posix() for r in self.removed]
        _write_journal(self.out, {"id": self.ident, "files": files, "folders": folders, "removed": removed})
        self.steps.step("journal written")
        try:
            for rel in self.files:
                _move_in(self.out, self.ident, rel, self.steps)
            for rel in self.removed:
                _move_out(self.out, self.ident, rel, self.steps)
        except OSError:
            with suppress(OSError):  # if the roll-back fails too, the journal stays: the next run finishes
                _roll_back(self.out, self.ident, self.files, folders, self.removed)
            raise
        _finish(self.out, self.ident, self.steps)

    def discard(self) -> None:
        """Remove the staging folder if it is still there (nothing was switched)."""
        if not (self.out / JOURNAL).exists():
            shutil.rmtree(self.staging, ignore_errors=True)


def _new_folders(out: Path, files: Sequence[PurePosixPath]) -> list[str]:
    """The folders in ``out`` that moving ``files`` in makes, parents first."""
    found: set[str] = set()
    for rel in files:
        for parent in PurePosixPath(rel).parents:
            if parent.as_posix() != "." and not _exists(out / parent):
                found.add(parent.as_posix())
    return sorted(found, key=lambda p: (p.count("/"), p))


def _write_journal(out: Path, data: dict[str, Any]) -> None:
    tmp = out / (JOURNAL + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out / JOURNAL)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _move_in(out: Path, ident: str, rel: PurePosixPath, steps: _Steps | None = None) -> None:
    """Move the staged ``rel`` into place, the file it replaces aside first; a file moved in
    already is left alone, so a later run can do this again after a stop at any point."""
    new = _staging(out, ident) / rel
    target = out / rel
    if not _exists(new):
        return
    if _exists(target):
        aside = _old(out, ident) / rel
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, aside)
    _step(steps, f"{rel} moved aside")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(new, target)
    _step(steps, f"{rel} moved in")


def _move_out(out: Path, ident: str, rel: PurePosixPath, steps: _Steps | None = None) -> None:
    """Move ``rel`` (a file no longer written) aside, with the replaced files; its folder goes too
    if that leaves it empty. A file moved aside already is left alone (a later run does this again)."""
    target = out / rel
    if _exists(target):
        aside = _old(out, ident) / rel
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, aside)
        for parent in PurePosixPath(rel).parents:
            if parent.as_posix() == ".":
                break
            try:
                (out / parent).rmdir()
            except OSError:
                break
    _step(steps, f"{rel} removed")


def _roll_back(
    out: Path, ident: str, files: Sequence[PurePosixPath], folders: Sequence[str], removed: Sequence[PurePosixPath] = ()
) -> None:
    """Undo :func:`_move_in` and :func:`_move_out` (new files back into staging, old ones back into
    place), last first."""
    for rel in reversed(removed):
        aside, target = _old(out, ident) / rel, out / rel
        if _exists(aside) and not _exists(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(aside, target)
    for rel in reversed(files):
        new, target, aside = _staging(out, ident) / rel, out / rel, _old(out, ident) / rel
        if not _exists(new) and _exists(target):
            new.parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, new)
        if _exists(aside):
            os.replace(aside, target)
    for folder in reversed(folders):
        with suppress(OSError):
            (out / folder).rmdir()
    _finish(out, ident)


def _finish(out: Path, ident: str, steps: _Steps | None = None) -> None:
    """The journal removed (the commit is over), then the staging folder and the replaced files."""
    (out / JOURNAL).unlink(missing_ok=True)
    _step(steps, "journal removed")
    shutil.rmtree(_staging(out, ident), ignore_errors=True)
    _step(steps, "staging folder removed")
    shutil.rmtree(_old(out, ident), ignore_errors=True)
    _step(steps, "replaced files removed")


def _step(steps: _Steps | None, what: str) -> None:
    if steps is not None:
        steps.step(what)


# -- the next run: finish or clean up -----------------------------------------------------------


def safe_rel(value: Any) -> PurePosixPath | None:
    """``value`` as a path inside the output folder, or ``None`` if it is not one."""
    if not isinstance(value, str) or not value or "\0" in value or "\\" in value:
        return None
    rel = PurePosixPath(value)
    if rel.is_absolute() or any(part in ("", ".", "..") for part in value.split("/")):
        return None
    return None if rel.parts[0].startswith(PREFIX) or rel.parts[0] == LOCK else rel


def _read_journal(out: Path) -> tuple[str, list[PurePosixPath], list[PurePosixPath]]:
    """The id, the files and the files removed of the journal in ``out``; :class:`OutputError` if it is not one."""
    journal = out / JOURNAL
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        ident, files, removed = data["id"], data["files"], data.get("removed", [])
        rels = [safe_rel(f) for f in files]
        gone = [safe_rel(f) for f in removed]
        if not isinstance(ident, str) or not _ID.fullmatch(ident) or not all(rels) or not all(gone):
            raise ValueError("unexpected content")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(
            f"{journal} is not a commit journal myst2qmd can finish ({exc}); "
            f"move it out of {out} and run again, then check the output"
        ) from exc
    return ident, [r for r in rels if r is not None], [r for r in gone if r is not None]


def recover(out: Path) -> list[str]:
    """What a stopped run left in ``out`` (which this run has locked): an unfinished commit is
    finished, staging folders and replaced files are removed. Notes on what was done."""
    notes = []
    if _exists(out / JOURNAL):
        ident, files, removed = _read_journal(out)
        for rel in files:
            _move_in(out, ident, rel)
        for rel in removed:
            _move_out(out, ident, rel)
        _finish(out, ident)
        notes.append(f"{out}: finished the commit of a run that was stopped ({len(files)} files)")
    left = sorted(p for p in out.iterdir() if p.name.startswith(PREFIX))
    # earlier versions made the staging folder beside OUT, where a stopped run left it
    beside = re.compile(re.escape(f".{out.name}.myst2qmd-") + r"[A-Za-z0-9_]{8}")
    left += sorted(p for p in out.parent.iterdir() if beside.fullmatch(p.name) and p.is_dir() and not p.is_symlink())
    for path in left:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if left:
        notes.append(f"removed what a stopped run left: {', '.join(str(p) for p in left)}")
    return notes


# -- the lock ------------------------------------------------------------------------------------


def _make_folder(out: Path) -> list[Path]:
    """Make ``out`` (and its missing parents); the folders made, deepest first."""
    missing = []
    for path in [out, *out.parents]:
        if _exists(path):
            break
        missing.append(path)
    if _exists(out) and not out.is_dir():
        raise OutputError(f"cannot write {out}: it is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return missing


def _lock(out: Path) -> int:
    """An open descriptor of ``out``'s lock file, locked (unless the file system has no locks)."""
    path = out / LOCK
    for _ in range(100):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from exc
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise OutputError(
                f"another myst2qmd run is writing {out}{who}; wait for it to end or choose another output folder"
            ) from None
        except OSError as exc:
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                return fd  # no locks here (some network file systems): the run goes on without
            os.close(fd)
            raise
        try:  # the holder before removes the file as it lets go: this must be the file at ``path``
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
    raise OutputError(f"cannot lock {out}: its lock file keeps changing")


@contextmanager
def output_locked(out: Path) -> Iterator[list[str]]:
    """``out`` made if missing and locked for this run, what a stopped run left there finished
    (:func:`recover`: its notes are yielded); the lock is let go (and a folder made for nothing
    removed again) after the block."""
    made = _make_folder(out)
    try:
        fd = _lock(out)
        try:
            yield recover(out)
        finally:
            (out / LOCK).unlink(missing_ok=True)
            os.close(fd)
    finally:
        for folder in made:  # a run that wrote nothing leaves no empty folder behind
            try:
                folder.rmdir()
            except OSError:
                break
