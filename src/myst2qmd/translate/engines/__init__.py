"""Engines by name, and the ``auto`` choice (:mod:`.auto`: keys, then a local Ollama or llama.cpp
server, then the embedded model, else ``none`` with a message that says how to enable translation).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ...config import ENGINE_NAMES
from .auto import HOW_TO_ENABLE, AutoChoice, choose, local_available
from .base import Engine, EngineError, FatalEngineError, Reply, Request, Unit

DEFAULT_OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
#: the most characters of unit text, and units, in one request to a hosted API: about 1,500 tokens of
#: German in and as many out, besides the instructions (a few thousand tokens a request)
HOSTED_LIMITS = (6000, 40)
#: the same for a server on this machine (Ollama, llama.cpp): about 900 tokens of German in and as
#: many out, with the instructions about 2,300 tokens in all, inside the 4,096-token window Ollama and
#: llama-server give a model by default; a reply cut short by a smaller window fails its checks and
#: its units are sent again one by one (requests lost, never text). The corpus of 43 chapters goes
#: in 52 requests with 29% of the characters beyond the units (benchmarks/bench_translate.py --book;
#: 2,800 characters and 24 units sent 30.3%, over the issue's bound of 30%)
LOCAL_LIMITS = (3200, 28)


@dataclass
class EngineSettings:
    base_url: str | None = None
    model: str | None = None
    timeout: float = 120.0
    max_batch_chars: int | None = None
    deepl_target: str = "EN-US"
    glossary: dict[str, str] | None = None
    #: the run's target language tag (``en-GB``): DeepL's target is spelled from it
    target_lang: str = "en"
    #: ``--jobs``: requests the run has in flight at once (the embedded engine makes no more contexts)
    jobs: int | None = None


def choose_auto(env: dict[str, str] | None = None) -> AutoChoice:
    """What ``--engine auto`` means on this machine: engine, why, and a local server's URL and model."""
    return choose(dict(os.environ if env is None else env))


def resolve_auto(env: dict[str, str] | None = None) -> tuple[str, str]:
    """``(engine name, why)`` for ``--engine auto``."""
    choice = choose_auto(env)
    return choice.engine, choice.why


def make_engine(name: str, settings: EngineSettings, env: dict[str, str] | None = None) -> Engine | None:
    """The engine called ``name`` (``None`` for ``none``); raises FatalEngineError if it cannot be made."""
    env = dict(os.environ if env is None else env)
    if name == "none":
        return None
    if name == "pseudo":
        from .pseudo import PseudoEngine

        return PseudoEngine()
    if name == "openai":
        from .openai import OpenAIEngine

        base_url = settings.base_url or env.get("MYST2QMD_BASE_URL") or env.get("OPENAI_BASE_URL") or DEFAULT_OPENAI_URL
        key = env.get("OPENAI_API_KEY")
        local = any(host in base_url for host in ("localhost", "127.0.0.1", "[::1]", "0.0.0.0"))
        if not key and not local and base_url == DEFAULT_OPENAI_URL:
            raise FatalEngineError("--engine openai needs OPENAI_API_KEY (or --base-url of a local server)")
        model = settings.model or env.get("MYST2QMD_MODEL") or DEFAULT_OPENAI_MODEL
        chars, units = LOCAL_LIMITS if local else HOSTED_LIMITS
        return OpenAIEngine(
            base_url,
            model,
            key,
            timeout=settings.timeout,
            max_batch_chars=settings.max_batch_chars or chars,
            max_batch_units=units,
            # a Retry-After longer than the user's --timeout (or 30 s) is cut short, with a warning
            max_retry_after=min(30.0, settings.timeout),
        )
    if name == "deepl":
        from .deepl import DeepLEngine

        key = env.get("DEEPL_AUTH_KEY")
        if not key:
            raise FatalEngineError("--engine deepl needs DEEPL_AUTH_KEY")
        return DeepLEngine(
            key,
            target_variant=settings.deepl_target,
            server_url=settings.base_url,
            glossary=settings.glossary,
            timeout=settings.timeout,
            target_lang=settings.target_lang,
        )
    if name == "local":
        from .local import LocalEngine

        return LocalEngine(model_path=settings.model, jobs=settings.jobs)
    raise FatalEngineError(f"unknown engine '{name}' (known: {', '.join(ENGINE_NAMES)})")


__all__ = [
    "HOW_TO_ENABLE",
    "AutoChoice",
    "choose_auto",
    "local_available",
    "ENGINE_NAMES",
    "Engine",
    "EngineError",
    "EngineSettings",
    "FatalEngineError",
    "Reply",
    "Request",
    "Unit",
    "make_engine",
    "resolve_auto",
]
