"""The translation memory (issue 18 items 10-11): keyed by server too, and a memory that cannot be
used never stops a run (a warning names it and what to do) nor ``myst2qmd cache clear``.

Each fault is made for real: random bytes, a truncated database, a file where the folder
belongs, a folder where the database belongs, a table of another program, a read-only memory
(an immutable file for root, a read-only one for others) and a full disk (SQLite's own
``SQLITE_FULL``, from a page limit: the error a full disk gives).
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli_run import run_cli
from fake_openai import FakeOpenAI
from myst2qmd import convert_text
from myst2qmd.translate import Translator
from myst2qmd.translate.cache import TranslationCache
from myst2qmd.translate.engines.openai import OpenAIEngine
from myst2qmd.translate.engines.pseudo import PseudoEngine

DOC = "\n\n".join(f"Absatz {n}: ein Filter gleitet über das Bild und berechnet eine Summe." for n in range(6)) + "\n"
WARNED = "myst2qmd: warning [memory-unusable]: the translation memory at {path} cannot be used ("


def _convert(tmp_path: Path, cache: Path, text: str = DOC, *more: str) -> subprocess.CompletedProcess[str]:
    src = tmp_path / "k.md"
    src.write_text(text, encoding="utf-8")
    return run_cli(
        "convert", str(src), "-o", str(tmp_path / "k.qmd"), "--engine", "pseudo", *more,
        env={"MYST2QMD_CACHE_DIR": str(cache)},
    )  # fmt: skip


def _clear(cache: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("cache", "clear", env={"MYST2QMD_CACHE_DIR": str(cache)})


def _filled(tmp_path: Path, cache: Path) -> Path:
    """A real memory, filled by a run."""
    run = _convert(tmp_path, cache)
    assert run.returncode == 0 and "warning [" not in run.stderr, run.stderr
    return cache / "translations.sqlite"


def _random_bytes(tmp_path: Path, cache: Path) -> None:
    cache.mkdir()
    (cache / "translations.sqlite").write_bytes(random.Random(7).randbytes(8192))


def _truncated(tmp_path: Path, cache: Path) -> None:
    memory = _filled(tmp_path, cache)
    with sqlite3.connect(memory) as db:  # enough pages that a cut loses some of the table
        db.executemany("INSERT INTO translations (key, engine, model, source_lang, target_lang, source, target, "
                       "created) VALUES (?, 'e', 'm', 'de', 'en', ?, ?, 0)",
                       [(f"k{n}", "s" * 200, "t" * 200) for n in range(2000)])  # fmt: skip
    db.close()
    data = memory.read_bytes()
    memory.write_bytes(data[: len(data) * 6 // 10])


def _foreign_table(tmp_path: Path, cache: Path) -> None:
    cache.mkdir()
    with sqlite3.connect(cache / "translations.sqlite") as db:
        db.execute("CREATE TABLE translations (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO translations (text) VALUES ('from another program')")
    db.close()


CONTENT_FAULTS: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "random bytes": (_random_bytes, "file is not a database"),
    "truncated": (_truncated, "database disk image is malformed"),
    "a table of another program": (_foreign_table, "it holds a table 'translations' of another program"),
}


@pytest.mark.parametrize("fault", sorted(CONTENT_FAULTS))
def test_a_broken_memory_is_warned_about_and_cache_clear_removes_it(tmp_path: Path, fault: str) -> None:
    make, said = CONTENT_FAULTS[fault]
    cache = tmp_path / "cache"
    make(tmp_path, cache)
    memory = cache / "translations.sqlite"
    run = _convert(tmp_path, cache, DOC.replace("Filter", "Kern"))
    assert run.returncode == 0
    assert WARNED.format(path=memory) + said + "): this run goes without it" in run.stderr
    assert "`myst2qmd cache clear` starts a new one, --no-cache leaves it alone" in run.stderr
    assert "⟦ABSATZ 0" in (tmp_path / "k.qmd").read_text(encoding="utf-8")  # translated all the same
    cleared = _clear(cache)
    assert cleared.returncode == 0 and f"removed the translation memory at {memory}" in cleared.stdout
    assert _convert(tmp_path, cache).stderr.count("warning [") == 0  # a new memory
    again = _convert(tmp_path, cache)
    assert "warning [" not in again.stderr and "6 from the translation memory" in again.stderr


def test_a_file_where_the_memorys_folder_belongs(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.write_text("my notes, not a folder\n", encoding="utf-8")
    run = _convert(tmp_path, cache)
    assert run.returncode == 0 and (tmp_path / "k.qmd").is_file()
    assert WARNED.format(path=cache / "translations.sqlite") + f"its folder {cache} is a file)" in run.stderr
    cleared = _clear(cache)
    assert cleared.returncode == 2
    assert f"myst2qmd: error: {cache} is a file where the translation memory's folder belongs" in cleared.stderr
    assert cache.read_text(encoding="utf-8") == "my notes, not a folder\n"  # never removed


def test_a_folder_where_the_memory_belongs(tmp_path: Path) -> None:
    memory = tmp_path / "cache" / "translations.sqlite"
    memory.mkdir(parents=True)
    (memory / "keep.txt").write_text("a file of the user's\n", encoding="utf-8")
    run = _convert(tmp_path, tmp_path / "cache")
    assert run.returncode == 0 and WARNED.format(path=memory) + "it is a folder, not a database)" in run.stderr
    cleared = _clear(tmp_path / "cache")
    assert cleared.returncode == 2 and "is a folder with files in it, not the translation memory" in cleared.stderr
    assert (memory / "keep.txt").is_file()
    (memory / "keep.txt").unlink()  # an empty folder is removed
    cleared = _clear(tmp_path / "cache")
    assert cleared.returncode == 0 and not memory.exists()


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """``path`` read-only for this process: immutable for root (``chattr +i``), else mode 0444."""
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
        try:
            if not made:
                pytest.skip("running as root on a file system without chattr +i: no way to make a file read-only")
            yield
        finally:
            if made:
                subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_a_read_only_memory_is_still_read_and_the_run_goes_on(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    memory = _filled(tmp_path, cache)
    with _read_only(memory):
        run = _convert(tmp_path, cache, DOC + "\nEin neuer Absatz, den das Gedächtnis nicht kennt und der neu ist.\n")
        cleared = _clear(cache)
    assert run.returncode == 0
    assert WARNED.format(path=memory) + "attempt to write a readonly database): it is only read in this run" in (
        run.stderr
    )
    assert "6 from the translation memory" in run.stderr  # still read
    assert "⟦EIN NEUER ABSATZ" in (tmp_path / "k.qmd").read_text(encoding="utf-8")
    assert cleared.returncode == 2 and f"cannot remove {memory}" in cleared.stderr


def test_a_full_disk_turns_writing_off_with_one_warning(tmp_path: Path) -> None:
    """SQLite says ``database or disk is full`` (SQLITE_FULL) for a full disk and for a page
    limit alike: the limit stands in for the disk."""
    said: list[str] = []
    memory = TranslationCache(tmp_path / "translations.sqlite", said.append)
    assert memory._db is not None
    (pages,) = memory._db.execute("PRAGMA page_count").fetchone()
    memory._db.execute(f"PRAGMA max_page_count = {pages}")
    text = "\n\n".join(f"Absatz {n}: {'sehr ' * 50}lang." for n in range(30)) + "\n"
    out, report, _ = Translator(PseudoEngine(), cache=memory).translate_document(convert_text(text).text)
    memory.close()
    assert report.translated == 30 and out.count("⟦ABSATZ") == 30
    assert len(said) == 1 and "(database or disk is full): it is only read in this run" in said[0]


def test_the_memory_is_keyed_by_server(tmp_path: Path) -> None:
    """One model name on two servers: what the first answered is not served for the second."""
    memory = TranslationCache(tmp_path / "translations.sqlite")
    qmd = convert_text(DOC).text
    with FakeOpenAI() as test_server, FakeOpenAI() as real_server:
        for server in (test_server, test_server, real_server):
            engine = OpenAIEngine(server.base_url, "gpt-4o-mini")
            Translator(engine, cache=memory).translate_document(qmd)
            engine.close()
        assert test_server.requests > 0 and real_server.requests > 0  # both asked, the test server once
        assert real_server.units == test_server.units
    memory.close()
