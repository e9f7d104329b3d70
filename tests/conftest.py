from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))

# property tests: the same examples on every run of the suite (a red run is a regression, never
# a lucky draw); HYPOTHESIS_PROFILE=explore draws new examples, many more of them, to look for bugs
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

#: the project's shared material (seed chapter, corpus), beside the checkout
SHARED = Path(os.environ.get("MYST2QMD_SHARED", TESTS.parent.parent / "shared"))
SEED = SHARED / "seed" / "cnn-lecture.md"


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.is_file():
        pytest.fail(f"seed chapter not found at {SEED} (set MYST2QMD_SHARED)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_engine_and_private_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests choose their translation engine explicitly and never share the user's cache."""
    monkeypatch.setenv("MYST2QMD_ENGINE", "none")
    monkeypatch.setenv("MYST2QMD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    for var in ("DEEPL_AUTH_KEY", "OPENAI_API_KEY", "MYST2QMD_BASE_URL", "MYST2QMD_MODEL"):
        monkeypatch.delenv(var, raising=False)
    # --engine auto never asks the machine's own Ollama or llama.cpp server (tests start their own)
    monkeypatch.setenv("MYST2QMD_OLLAMA_URL", "off")
    monkeypatch.setenv("MYST2QMD_LLAMACPP_URL", "off")
