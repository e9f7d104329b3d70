from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))

#: the project's shared material (seed chapter, corpus), beside the checkout
SHARED = Path(os.environ.get("MYST2QMD_SHARED", TESTS.parent.parent / "shared"))
SEED = SHARED / "seed" / "cnn-lecture.md"


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.is_file():
        pytest.fail(f"seed chapter not found at {SEED} (set MYST2QMD_SHARED)")
    return SEED.read_text(encoding="utf-8")
