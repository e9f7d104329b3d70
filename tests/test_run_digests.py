"""Refactoring guard for the run's flags that :mod:`test_output_digests` leaves out: ``--escape-fences``
(the one post-processing stage every output passes through), ``--po DIR`` (PO files written, then
read back as reviewed translations under ``--engine none``) and ``--report``, for a single file, a
notebook written as ``.ipynb`` and as ``.qmd``, and whole books. Each run's output files, PO files,
report and warnings keep the digests main gave them (``tests/data/run_digests.json``).

A change that means to change an output updates the digests on purpose and says why::

    python tests/test_run_digests.py --write     # then: git diff tests/data/run_digests.json
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from myst2qmd.book.reuse import MANIFEST

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))

from conftest import SHARED, require_shared  # noqa: E402
from digests import changed, write_digests  # noqa: E402

DIGESTS = TESTS / "data" / "run_digests.json"

#: case name → (input, output name, from ../shared)
INPUTS: dict[str, tuple[Path, str, bool]] = {
    "faltung": (ROOT / "examples" / "faltung.md", "out.qmd", False),
    "seed": (SHARED / "seed" / "cnn-lecture.md", "out.qmd", True),
    "notebook-ipynb": (TESTS / "books" / "kurs" / "teil2" / "anwendung.ipynb", "out.ipynb", False),
    "notebook-qmd": (TESTS / "books" / "kurs" / "teil2" / "anwendung.ipynb", "out.qmd", False),
    "kurs": (TESTS / "books" / "kurs", "out", False),
    "corpus": (SHARED / "corpus" / "quadriga-tabelle-1", "out", True),
}
#: the PO files' dates change with every run
_DATES = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): [^"]*"$', re.M)


def _files(folder: Path) -> list[Path]:
    """The files a run wrote, but its lock and the book's manifest: that holds the digest of this
    tool's code, which every change to it changes (``tests/test_incremental.py`` reads it)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in (".myst2qmd.lock", MANIFEST.name))


def _run(source: Path, work: Path, out: Path, *flags: str) -> dict[str, str]:
    """One run of ``convert source -o out`` with ``flags``; digests of its outputs, PO files, report
    and warnings (the run's folders replaced by placeholders)."""
    from myst2qmd import cli

    settings = work / "empty.toml"  # no settings file of the machine's or the checkout's
    settings.write_text("", encoding="utf-8")
    report = work / "report.json"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        args = ["convert", str(source), "-o", str(out), "-q", "--config", str(settings), "--report", str(report)]
        code = cli.main([*args, *flags])
    assert code in (0, 1), err.getvalue()

    def masked(text: str) -> str:
        return text.replace(str(source), "<SRC>").replace(str(work), "<WORK>")

    files = {p.relative_to(work).as_posix(): p for p in _files(work) if p != settings}
    digests = {}
    for name, path in files.items():
        data = path.read_bytes()
        if path.suffix in (".po", ".json"):
            data = masked(_DATES.sub("<date>", data.decode("utf-8"))).encode("utf-8")
        digests[name] = hashlib.sha256(data).hexdigest()
    warnings = "\n".join(sorted(line for line in masked(err.getvalue()).splitlines() if "warning [" in line))
    digests["<warnings>"] = hashlib.sha256(warnings.encode()).hexdigest()
    return digests


def _reviewed(po: Path) -> None:
    """Every PO file under ``po`` as a reviewer leaves it: no entry fuzzy."""
    for path in po.rglob("*.po"):
        path.write_text(path.read_text(encoding="utf-8").replace("#, fuzzy\n", ""), encoding="utf-8")


def run_case(name: str, work: Path) -> dict[str, str]:
    """``pseudo`` with ``--escape-fences --po``, then ``--engine none --po`` on the reviewed PO files."""
    source, out_name, _ = INPUTS[name]
    first, second = work / "pseudo", work / "reviewed"
    first.mkdir()
    memory = work.parent / f"{work.name}-memory"  # a fresh translation memory, not among the digests
    with _environment(MYST2QMD_CACHE_DIR=str(memory)):
        return _run_both(source, out_name, first, second)


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    old = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_both(source: Path, out_name: str, first: Path, second: Path) -> dict[str, str]:
    digests = {
        f"pseudo/{k}": v
        for k, v in _run(
            source, first, first / out_name, "--engine", "pseudo", "--escape-fences", "--po", str(first / "po")
        ).items()
    }
    shutil.copytree(first / "po", second / "po")
    _reviewed(second / "po")
    reviewed = _run(
        source, second, second / out_name, "--engine", "none", "--escape-fences", "--po", str(second / "po")
    )
    digests.update({f"reviewed/{k}": v for k, v in reviewed.items()})
    return digests


@pytest.mark.parametrize("name", list(INPUTS))
def test_flagged_runs_are_as_main_wrote_them(name: str, tmp_path: Path) -> None:
    source, _, shared = INPUTS[name]
    if shared:
        require_shared(source)
    expected = json.loads(DIGESTS.read_text(encoding="utf-8"))[name]
    got = run_case(name, tmp_path)
    diff = changed(expected, got)
    assert diff == [], f"outputs changed: {diff} (on purpose? python tests/test_run_digests.py --write)"


def _write() -> None:
    write_digests(
        DIGESTS, {name: (source, lambda work, n=name: run_case(n, work)) for name, (source, _, _) in INPUTS.items()}
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit(__doc__)
    _write()
