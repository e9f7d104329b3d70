"""What the two digest guards share (:mod:`test_output_digests`, :mod:`test_run_digests`): the
comparison of a run's digests with the stored ones, and writing the stored ones anew."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

Digests = dict[str, str]


def changed(expected: Digests, got: Digests) -> list[str]:
    """The names whose digest differs, or that only one side has."""
    return sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))


def write_digests(path: Path, runs: dict[str, tuple[Path, Callable[[Path], Digests]]]) -> None:
    """Run each ``name → (source, run)`` in a folder of its own and store the digests at ``path``."""
    table: dict[str, Digests] = {}
    for name, (source, run) in runs.items():
        if not source.exists():
            raise SystemExit(f"{source} is missing: the digests need ../shared (MYST2QMD_SHARED)")
        with tempfile.TemporaryDirectory() as work:
            table[name] = run(Path(work))
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {path}: {sum(len(v) for v in table.values())} digests")
