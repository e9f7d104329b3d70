from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from myst2qmd.translate.engines.base import Reply, Request, Unit
from myst2qmd.translate.engines.pseudo import PseudoEngine

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
#: why a test that needs the shared material is skipped without it, and how to run it: one line
SHARED_MISSING = (
    f"needs the seed chapter and corpus of ../shared, which only this project's CI has ({SHARED} does not "
    "exist): set MYST2QMD_SHARED=/path/to/shared to run these tests"
)


def require_shared(path: Path = SHARED) -> None:
    """Skip the calling test when ``path`` (of the shared material) is missing. Raised here, every such
    skip has this one location and reason, so ``pytest -rs`` folds them all into one line."""
    if not path.exists():
        pytest.skip(SHARED_MISSING)


#: fixtures that read the shared material: a test that uses one (directly or through another
#: fixture) is marked ``shared``
SHARED_FIXTURES = frozenset({"seed_text", "shared_corpus"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared: needs ../shared (the seed chapter, the corpus); skipped without it")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that reads the shared material is marked ``shared`` (``-m "not shared"`` leaves them out)."""
    for item in items:
        if SHARED_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.shared)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``shared`` is skipped before its fixtures run when ../shared is missing: one reason,
    one location, so ``pytest -rs`` shows them all as one line."""
    if item.get_closest_marker("shared") is not None:
        require_shared(SHARED)


@pytest.fixture(scope="session")
def seed_text() -> str:
    require_shared(SEED)
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """The corpus book of ../shared (``quadriga-tabelle-1``)."""
    corpus = SHARED / "corpus" / "quadriga-tabelle-1"
    require_shared(corpus / "_toc.yml")
    return corpus


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


class RecordingPseudo(PseudoEngine):
    """The pseudo engine, whose ``sent`` holds the texts of the units as the pipeline meant them: without
    the marker each unit of a request of several goes out behind (:mod:`myst2qmd.translate.markers`)."""

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        replies = super().translate(units, request)
        if len(units) > 1:
            self.sent[-len(units) :] = [re.sub(r"^⟨\d+⟩ ", "", text) for text in self.sent[-len(units) :]]
        return replies
