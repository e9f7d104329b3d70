"""Refactoring guard: the outputs of whole runs stay byte-identical.

Every fixture case already compares its output with the expected text; this compares what the
fixtures cannot: whole runs of the seed chapter, the shared corpus book, the books in
``tests/books`` and ``examples/``, each without translation and with the ``pseudo`` engine
(so segmenting and write-back are covered too), their output files *and* their warnings. The
digests of the outputs as main wrote them live in ``tests/data/output_digests.json``.

A change that means to change an output updates the digests on purpose and says why in its
commit::

    python tests/test_output_digests.py --write     # then: git diff tests/data/output_digests.json
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

from myst2qmd.book.reuse import MANIFEST

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))

from conftest import SHARED, require_shared  # noqa: E402
from digests import changed, write_digests  # noqa: E402

DIGESTS = TESTS / "data" / "output_digests.json"
ENGINES = ("none", "pseudo")

#: case name → (input path, is it from ../shared)
INPUTS: dict[str, tuple[Path, bool]] = {
    "seed": (SHARED / "seed" / "cnn-lecture.md", True),
    "corpus": (SHARED / "corpus" / "quadriga-tabelle-1", True),
    "kurs": (TESTS / "books" / "kurs", False),
    "kurs-jb2": (TESTS / "books" / "kurs-jb2", False),
    "buch": (ROOT / "examples" / "buch", False),
    "faltung": (ROOT / "examples" / "faltung.md", False),
}
CASES = [(name, engine) for name in INPUTS for engine in ENGINES]


def run_digests(source: Path, engine: str, work: Path) -> dict[str, str]:
    """Convert ``source`` into ``work`` with ``engine``; the sha256 of every file written, and of
    the warnings (the run's folders replaced by placeholders)."""
    from myst2qmd import cli

    out = work / ("out" if source.is_dir() else "out.qmd")
    err = io.StringIO()
    settings = work / "empty.toml"  # no settings file of the machine's or the checkout's
    settings.write_text("", encoding="utf-8")
    saved = os.environ.get("MYST2QMD_CACHE_DIR")
    os.environ["MYST2QMD_CACHE_DIR"] = str(work / "memory")  # a fresh translation memory, as in the tests
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            args = ["convert", str(source), "-o", str(out), "--engine", engine, "-q", "--config", str(settings)]
            code = cli.main(args)
    finally:
        if saved is None:
            os.environ.pop("MYST2QMD_CACHE_DIR", None)
        else:
            os.environ["MYST2QMD_CACHE_DIR"] = saved
    assert code in (0, 1), err.getvalue()
    # the manifest holds the digest of this tool's code: every change to it changes it (test_incremental reads it)
    skipped = (".myst2qmd.lock", MANIFEST.name)
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name not in skipped) if out.is_dir() else [out]
    digests = {
        (p.relative_to(out).as_posix() if out.is_dir() else p.name): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
    }
    warnings = err.getvalue().replace(str(source), "<SRC>").replace(str(out), "<OUT>")
    warnings = "\n".join(sorted(line for line in warnings.splitlines() if re.search(r"warning \[", line)))
    digests["<warnings>"] = hashlib.sha256(warnings.encode()).hexdigest()
    return digests


@pytest.mark.parametrize(("name", "engine"), CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_outputs_are_as_main_wrote_them(name: str, engine: str, tmp_path: Path) -> None:
    source, shared = INPUTS[name]
    if shared:
        require_shared(source)
    expected = json.loads(DIGESTS.read_text(encoding="utf-8"))[f"{name}-{engine}"]
    got = run_digests(source, engine, tmp_path)
    diff = changed(expected, got)
    assert diff == [], f"outputs changed: {diff} (on purpose? python tests/test_output_digests.py --write)"


def _write() -> None:
    runs = {
        f"{name}-{engine}": (INPUTS[name][0], lambda work, n=name, e=engine: run_digests(INPUTS[n][0], e, work))
        for name, engine in CASES
    }
    write_digests(DIGESTS, runs)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit(__doc__)
    _write()
