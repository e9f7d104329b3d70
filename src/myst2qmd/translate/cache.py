"""Translation memory: an SQLite cache of finished translations.

Keyed by engine, model, server, languages, glossary and the exact text sent, so a second run
on an unchanged file makes no engine calls, and a run that was killed resumes where it
stopped (every translation is stored the moment it is validated). The server is part of the
key: what a test or local server answered under a model's name is never served to a run
against the real one.

It also remembers what an engine could *not* translate (:meth:`TranslationCache.keep`, the
``kept`` column): a unit whose replies the checks rejected is not sent again on the next run
(it keeps its original text and its warning) until ``--retry-kept`` asks again, or a different
engine or model is used (the key differs). Failures of the transport (timeouts, a server that
stopped answering) are not remembered: the next run sends those units again.

Lives in the user cache folder (``platformdirs``), or ``$MYST2QMD_CACHE_DIR``.

A memory that cannot be used — not a database, damaged, read-only, a full disk, a folder
where the file belongs, a table of another shape — never stops a run: the memory is left
alone for the rest of the run and ``on_problem`` is told once, with the path and what to do
(``myst2qmd cache clear``, which also removes a memory that cannot be read, or
``--no-cache``). A read-only memory is still read.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import platformdirs

SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key TEXT PRIMARY KEY,
    engine TEXT NOT NULL,
    model TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    created REAL DEFAULT (julianday('now'))
)
"""
#: the columns this version reads and writes
COLUMNS = frozenset({"key", "engine", "model", "source_lang", "target_lang", "source", "target"})
#: the column that marks an entry the engine could not translate: why ("" for a translation);
#: added to a memory written by an older version
KEPT_COLUMN = "ALTER TABLE translations ADD COLUMN kept TEXT NOT NULL DEFAULT ''"
#: the memory's file name in the cache folder
FILE_NAME = "translations.sqlite"


class MemoryFault(Exception):
    """The translation memory cannot be used (the message says what is wrong, in a few words)."""


def default_cache_dir() -> Path:
    override = os.environ.get("MYST2QMD_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("myst2qmd"))


def default_path() -> Path:
    return default_cache_dir() / FILE_NAME


def cache_key(
    engine: str, model: str, server: str, source_lang: str, target_lang: str, glossary: str, text: str
) -> str:
    """The memory's key of one translation: every setting that changes what the engine answers."""
    payload = "\x1f".join((engine, model, server.rstrip("/"), source_lang, target_lang, glossary, text))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def what_is_wrong(exc: BaseException) -> str:
    """A few words for an SQLite or file system error (``file is not a database``, ``Permission denied``)."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def open_memory(path: Path) -> sqlite3.Connection:
    """The memory's database at ``path`` (made if missing); :class:`MemoryFault` if it cannot be used."""
    if path.parent.exists() and not path.parent.is_dir():
        raise MemoryFault(f"its folder {path.parent} is a file")
    if path.is_dir():
        raise MemoryFault("it is a folder, not a database")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
    except (OSError, sqlite3.Error) as exc:
        raise MemoryFault(what_is_wrong(exc)) from None
    try:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                raise
        columns = {str(row[1]) for row in db.execute("PRAGMA table_info(translations)")}
        if not columns >= COLUMNS:
            raise MemoryFault("it holds a table 'translations' of another program")
        if "kept" not in columns:
            try:
                db.execute(KEPT_COLUMN)
            except sqlite3.OperationalError as exc:  # a read-only memory of an older version: no 'kept' in it
                if "readonly" not in str(exc):
                    raise
        db.execute("SELECT target FROM translations LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        db.close()
        raise MemoryFault(what_is_wrong(exc)) from None
    except MemoryFault:
        db.close()
        raise
    return db


class TranslationCache:
    """A thread-safe SQLite translation memory (``path=None``: nothing is stored).

    A fault (:func:`open_memory`'s, or an SQLite error later) turns the memory off for the rest
    of the run and calls ``on_problem`` once with a one-line message; a memory that cannot be
    written (read-only, a full disk) is still read.
    """

    def __init__(self, path: Path | None, on_problem: Callable[[str], None] | None = None):
        self.path = path
        self.hits = 0
        self.misses = 0
        #: the message that the memory is (partly) out of use in this run ("" while it works)
        self.problem = ""
        #: what is wrong with it, in a few words ("" while it works)
        self.fault = ""
        self.on_problem = on_problem
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._writable = True
        #: the memory has the ``kept`` column (a read-only one of an older version may not)
        self._kept = False
        if path is not None:
            try:
                self._db = open_memory(path)
                self._kept = "kept" in {str(row[1]) for row in self._db.execute("PRAGMA table_info(translations)")}
            except MemoryFault as exc:
                self._fault(str(exc), reads=False)

    @classmethod
    def default(cls, on_problem: Callable[[str], None] | None = None) -> TranslationCache:
        return cls(default_path(), on_problem)

    def _fault(self, what: str, *, reads: bool) -> None:
        """Stop writing (and reading, unless ``reads``) and say so once."""
        first = not self.problem
        self._writable = False
        if not reads and self._db is not None:
            self._db.close()
            self._db = None
        if first:
            self.fault = what
            use = "it is only read in this run" if self._db is not None else "this run goes without it"
            self.problem = (
                f"the translation memory at {self.path} cannot be used ({what}): {use}; "
                "`myst2qmd cache clear` starts a new one, --no-cache leaves it alone"
            )
            if self.on_problem is not None:
                self.on_problem(self.problem)

    def get(self, key: str) -> str | None:
        row = None
        with self._lock:
            if self._db is not None:
                try:
                    only = " AND kept = ''" if self._kept else ""  # an entry marked kept is no translation
                    row = self._db.execute(f"SELECT target FROM translations WHERE key = ?{only}", (key,)).fetchone()
                except sqlite3.Error as exc:
                    self._fault(what_is_wrong(exc), reads=False)
        if row is None or not isinstance(row[0], str):
            self.misses += 1
            return None
        self.hits += 1
        return str(row[0])

    def _write(self, sql: str, values: tuple[str, ...]) -> None:
        with self._lock:
            if self._db is None or not self._writable:
                return
            try:
                self._db.execute(sql, values)
            except sqlite3.Error as exc:
                self._fault(what_is_wrong(exc), reads="readonly" in str(exc) or "full" in str(exc))

    def put(
        self, key: str, engine: str, model: str, source_lang: str, target_lang: str, source: str, target: str
    ) -> None:
        self._write(
            "INSERT OR REPLACE INTO translations (key, engine, model, source_lang, target_lang, source, target) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, engine, model, source_lang, target_lang, source, target),
        )

    # -- what the engine could not translate ---------------------------------------------------
    def keep(self, key: str, engine: str, model: str, source: str, written: str, why: str) -> None:
        """Remember that the engine could not translate ``source``: ``written`` (the original, or
        the parts that were translated around the kept ones) is used again, and ``why`` warned."""
        if self._kept:
            self._write(
                "INSERT OR REPLACE INTO translations (key, engine, model, source_lang, target_lang, source, "
                "target, kept) VALUES (?, ?, ?, '', '', ?, ?, ?)",
                (key, engine, model, source, written, why or "kept"),
            )

    def kept(self, key: str) -> tuple[str, str] | None:
        """``(text written, why)`` if the engine could not translate this unit before, else ``None``."""
        row = None
        with self._lock:
            if self._db is not None and self._kept:
                try:
                    row = self._db.execute(
                        "SELECT target, kept FROM translations WHERE key = ? AND kept != ''", (key,)
                    ).fetchone()
                except sqlite3.Error as exc:
                    self._fault(what_is_wrong(exc), reads=False)
        if row is None or not isinstance(row[0], str):
            return None
        return str(row[0]), str(row[1])

    def delete(self, key: str) -> None:
        self._write("DELETE FROM translations WHERE key = ?", (key,))

    def clear(self) -> int:
        """Remove every entry; returns how many there were (:class:`MemoryFault` if it cannot)."""
        if self._db is None:
            return 0
        try:
            with self._lock:
                (count,) = self._db.execute("SELECT COUNT(*) FROM translations").fetchone()
                self._db.execute("DELETE FROM translations")
                self._db.execute("VACUUM")
        except sqlite3.Error as exc:
            raise MemoryFault(what_is_wrong(exc)) from None
        return int(count)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def clear_memory(path: Path) -> str:
    """``myst2qmd cache clear``: empty the memory at ``path``, or remove it if it cannot be read
    (what was done, as a sentence); :class:`MemoryFault` (a whole message) for what it will not
    remove (a folder that holds files, a file where the folder belongs) or cannot (read-only)."""
    if path.parent.exists() and not path.parent.is_dir():
        raise MemoryFault(
            f"{path.parent} is a file where the translation memory's folder belongs: remove it, "
            "or set MYST2QMD_CACHE_DIR to a folder"
        )
    if path.is_dir():
        try:
            path.rmdir()
        except OSError:
            raise MemoryFault(
                f"{path} is a folder with files in it, not the translation memory: move it away"
            ) from None
        return f"removed the empty folder {path}, where the translation memory belongs"
    if not path.exists():
        return f"the translation memory at {path} is empty"
    memory = TranslationCache(path)
    try:
        if not memory.problem:
            return f"removed {memory.clear()} entries from {path}"
    except MemoryFault as exc:
        memory.fault = str(exc)
    finally:
        memory.close()
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        try:
            (path.parent / name).unlink(missing_ok=True)
        except OSError as exc:
            raise MemoryFault(f"cannot remove {path.parent / name}: {what_is_wrong(exc)}") from None
    return f"removed the translation memory at {path}: it could not be used ({memory.fault})"
