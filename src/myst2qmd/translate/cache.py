"""Translation memory: an SQLite cache of finished translations.

Keyed by engine, model, languages, glossary and the exact text sent, so a second run on an
unchanged file makes no engine calls, and a run that was killed resumes where it stopped
(every translation is stored the moment it is validated).

It also remembers what an engine could *not* translate (:meth:`TranslationCache.keep`): a unit
whose replies the checks rejected is not sent again on the next run (it keeps its original text
and its warning) until ``--retry-kept`` asks again, or a different engine or model is used (the
key differs). Failures of the transport (timeouts, a server that stopped answering) are not
remembered: the next run sends those units again.

Lives in the user cache folder (``platformdirs``), or ``$MYST2QMD_CACHE_DIR``.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
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

#: the column that marks an entry the engine could not translate: why ("" for a translation);
#: added to a memory written by an older version
KEPT_COLUMN = "ALTER TABLE translations ADD COLUMN kept TEXT NOT NULL DEFAULT ''"


def default_cache_dir() -> Path:
    override = os.environ.get("MYST2QMD_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("myst2qmd"))


def cache_key(engine: str, model: str, source_lang: str, target_lang: str, glossary: str, text: str) -> str:
    payload = "\x1f".join((engine, model, source_lang, target_lang, glossary, text))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class TranslationCache:
    """A thread-safe SQLite translation memory (``path=None``: nothing is stored)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(translations)")}
            if "kept" not in columns:
                self._db.execute(KEPT_COLUMN)

    @classmethod
    def default(cls) -> TranslationCache:
        return cls(default_cache_dir() / "translations.sqlite")

    def get(self, key: str) -> str | None:
        if self._db is None:
            self.misses += 1
            return None
        with self._lock:
            row = self._db.execute("SELECT target FROM translations WHERE key = ? AND kept = ''", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return str(row[0])

    def put(
        self, key: str, engine: str, model: str, source_lang: str, target_lang: str, source: str, target: str
    ) -> None:
        if self._db is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO translations (key, engine, model, source_lang, target_lang, source, target) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, engine, model, source_lang, target_lang, source, target),
            )

    # -- what the engine could not translate ---------------------------------------------------
    def keep(self, key: str, engine: str, model: str, source: str, written: str, why: str) -> None:
        """Remember that the engine could not translate ``source``: ``written`` (the original, or
        the parts that were translated around the kept ones) is used again, and ``why`` warned."""
        if self._db is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO translations (key, engine, model, source_lang, target_lang, source, "
                "target, kept) VALUES (?, ?, ?, '', '', ?, ?, ?)",
                (key, engine, model, source, written, why or "kept"),
            )

    def kept(self, key: str) -> tuple[str, str] | None:
        """``(text written, why)`` if the engine could not translate this unit before, else ``None``."""
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT target, kept FROM translations WHERE key = ? AND kept != ''", (key,)
            ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def delete(self, key: str) -> None:
        if self._db is None:
            return
        with self._lock:
            self._db.execute("DELETE FROM translations WHERE key = ?", (key,))

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        if self._db is None:
            return 0
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM translations").fetchone()
            self._db.execute("DELETE FROM translations")
            self._db.execute("VACUUM")
        return int(count)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
