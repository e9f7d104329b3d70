"""The ``deepl`` engine, with the official ``deepl`` client.

Placeholders travel as XML tags DeepL leaves alone (``⟨1⟩`` → ``<x i="1"/>``,
``tag_handling="xml"``, ``ignore_tags=["x"]``); requests stay under DeepL's 128 KiB; a
glossary is created for the run and deleted after it; quota exhaustion (HTTP 456) stops
the run with a clear message.
"""

from __future__ import annotations

import contextlib
import html
import re
from typing import Any

from .base import EngineError, FatalEngineError, Reply, Request, Unit

_PLACEHOLDER = re.compile(r"⟨(\d+)⟩")
_TAG = re.compile(r"<x\s+i=\"(\d+)\"\s*/>")


def to_xml(text: str) -> str:
    """``"a < b ⟨1⟩"`` → ``'a &lt; b <x i="1"/>'``."""
    return _PLACEHOLDER.sub(lambda m: f'<x i="{m.group(1)}"/>', html.escape(text, quote=False))


def from_xml(text: str) -> str:
    return html.unescape(_TAG.sub(lambda m: f"⟨{m.group(1)}⟩", text))


class DeepLEngine:
    name = "deepl"
    max_batch_chars = 100_000  # DeepL takes 128 KiB per request; leave room for tags and escaping
    max_batch_units = 50

    def __init__(
        self,
        auth_key: str,
        *,
        target_variant: str = "EN-US",
        server_url: str | None = None,
        glossary: dict[str, str] | None = None,
    ):
        try:
            import deepl
        except ImportError as exc:  # pragma: no cover - deepl is a dependency
            raise FatalEngineError("the deepl package is not installed: pip install deepl") from exc
        self._deepl = deepl
        self.model = target_variant
        self.target_variant = target_variant
        self.translator = deepl.Translator(auth_key, server_url=server_url)
        self._glossary_entries = glossary or {}
        self._glossary: Any = None

    def _target(self, request: Request) -> str:
        if request.target_lang.lower() == "en":
            return self.target_variant
        return request.target_lang.upper()

    def _ensure_glossary(self, request: Request) -> Any:
        if not self._glossary_entries or self._glossary is not None:
            return self._glossary
        try:
            self._glossary = self.translator.create_glossary(
                "myst2qmd",
                source_lang=request.source_lang.upper(),
                target_lang=request.target_lang.upper(),
                entries=self._glossary_entries,
            )
        except self._deepl.DeepLException as exc:
            raise EngineError(f"could not create the DeepL glossary: {exc}") from exc
        return self._glossary

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        deepl = self._deepl
        texts = [to_xml(unit.text) for unit in units]
        try:
            results = self.translator.translate_text(
                texts,
                source_lang=request.source_lang.upper(),
                target_lang=self._target(request),
                tag_handling="xml",
                ignore_tags=["x"],
                preserve_formatting=True,
                glossary=self._ensure_glossary(request),
            )
        except deepl.QuotaExceededException as exc:
            raise FatalEngineError(
                "DeepL quota exhausted (HTTP 456); finished work is cached, run again later"
            ) from exc
        except deepl.AuthorizationException as exc:
            raise FatalEngineError("DeepL refused the key; check DEEPL_AUTH_KEY") from exc
        except deepl.DeepLException as exc:
            raise EngineError(f"DeepL: {exc}") from exc
        if not isinstance(results, list):
            results = [results]
        return {unit.id: Reply(from_xml(result.text), "stop") for unit, result in zip(units, results, strict=False)}

    def close(self) -> None:
        if self._glossary is not None:
            with contextlib.suppress(self._deepl.DeepLException):
                self.translator.delete_glossary(self._glossary)
            self._glossary = None
