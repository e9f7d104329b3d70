"""The deepl engine through the official ``deepl`` client against a local stand-in server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fake_deepl import FakeDeepL
from myst2qmd import convert_text
from myst2qmd.translate import Glossary, Translator
from myst2qmd.translate.engines.base import FatalEngineError
from myst2qmd.translate.engines.deepl import DeepLEngine, from_xml, to_xml

DOC = "Siehe @fig-a und den Code `x < 3` sowie $a & b$ im Text über Faltung.\n\nZweiter Absatz ohne Verweis.\n"


def test_placeholders_travel_as_ignored_xml_tags() -> None:
    assert to_xml("a < b ⟨1⟩ & ⟨2⟩") == 'a &lt; b <x i="1"/> &amp; <x i="2"/>'
    assert from_xml('A &lt; b <x i="2"/> <x i="1"/>') == "A < b ⟨2⟩ ⟨1⟩"


def test_deepl_engine_round_trip_with_glossary() -> None:
    qmd = convert_text(DOC).text
    with FakeDeepL() as server:
        engine = DeepLEngine("key:fx", server_url=server.url, glossary={"Faltung": "convolution"})
        out, report, _ = Translator(engine, glossary=Glossary({"Faltung": "convolution"})).translate_document(qmd)
        engine.close()
        translate = [r for r in server.requests if r["path"].startswith("/v2/translate")]
    assert report.translated == 2 and not report.kept
    request = translate[0]
    assert request["tag_handling"] == "xml" and request["ignore_tags"] == ["x"]
    assert request["target_lang"] == "EN-US" and request["source_lang"] == "DE"
    assert request["glossary_id"] == "g1"
    assert '<x i="1"/>' in request["text"][0] and "@fig-a" not in request["text"][0]
    assert "@fig-a" in out and "`x < 3`" in out and "$a & b$" in out
    assert not server.glossaries  # deleted after the run


def test_quota_exhaustion_is_a_clear_fatal_error() -> None:
    qmd = convert_text("Das Kontingent ist aufgebraucht, dieser Satz kommt nie an.\n").text
    with FakeDeepL() as server:
        engine = DeepLEngine("key:fx", server_url=server.url)
        with pytest.raises(FatalEngineError, match="quota exhausted"):
            Translator(engine).translate_document(qmd)


def test_cli_quota_exhaustion_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "k.md"
    src.write_text("# Titel\n\nDas Kontingent ist aufgebraucht, dieser Satz kommt nie an.\n", encoding="utf-8")
    with FakeDeepL() as server:
        env = {**os.environ, "DEEPL_AUTH_KEY": "key:fx", "MYST2QMD_ENGINE": "auto"}
        run = subprocess.run(
            [sys.executable, "-m", "myst2qmd", "convert", str(src), "--base-url", server.url],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert run.returncode == 1
    assert "DeepL quota exhausted" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "k.qmd").exists()
