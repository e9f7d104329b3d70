"""Language codes and option values (issue 18 item 12): BCP 47 tags in any case, spelled for each
engine; unknown codes and timeouts that are no positive number of seconds are usage errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_run import run_cli
from fake_deepl import FakeDeepL
from fake_openai import FakeOpenAI
from myst2qmd import convert_text
from myst2qmd.languages import LanguageError, deepl_target, normalize
from myst2qmd.translate import Translator
from myst2qmd.translate.cache import TranslationCache
from myst2qmd.translate.engines.base import Request
from myst2qmd.translate.engines.openai import OpenAIEngine

TEXT = "Ein Filter gleitet über das Bild und berechnet an jeder Stelle eine gewichtete Summe.\n"


def _src(tmp_path: Path) -> Path:
    src = tmp_path / "k.md"
    src.write_text(TEXT, encoding="utf-8")
    return src


@pytest.mark.parametrize("code", ["EN-GB", "en-US", "pt-br", "zh_hant", "En", "FR"])
def test_language_codes_in_any_case_convert(tmp_path: Path, code: str) -> None:
    run = run_cli("convert", str(_src(tmp_path)), "--engine", "pseudo", "--to", code, "--no-cache")
    assert run.returncode == 0, run.stderr
    assert "⟦EIN FILTER" in (tmp_path / "k.qmd").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("flag", "code", "said"),
    [
        ("--to", "xx", "--to xx: unknown language 'xx' (known: ar, bg,"),
        ("--to", "en--GB", "--to 'en--GB' is not a language code (BCP 47, e.g. en, en-GB, pt-BR)"),
        ("--from", "deu", "--from deu: unknown language 'deu'"),
        ("--to", "", "--to '' is not a language code"),
    ],
)
def test_unknown_language_codes_are_usage_errors(tmp_path: Path, flag: str, code: str, said: str) -> None:
    run = run_cli("convert", str(_src(tmp_path)), "--engine", "pseudo", flag, code)
    assert run.returncode == 2 and f"myst2qmd: error: {said}" in run.stderr
    assert not (tmp_path / "k.qmd").exists()


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "-inf"])
def test_timeouts_that_are_no_positive_number_are_usage_errors(tmp_path: Path, value: str) -> None:
    run = run_cli("convert", str(_src(tmp_path)), "--engine", "pseudo", f"--timeout={value}")
    assert run.returncode == 2 and "myst2qmd: error: --timeout must be a number of seconds greater than 0" in run.stderr
    env = run_cli("convert", str(_src(tmp_path)), "--engine", "pseudo", env={"MYST2QMD_TIMEOUT": value})
    assert env.returncode == 2 and "MYST2QMD_TIMEOUT: timeout must be a number greater than 0" in env.stderr
    assert not (tmp_path / "k.qmd").exists()


@pytest.mark.parametrize(
    ("code", "more", "sent"),
    [
        ("EN-GB", (), "EN-GB"),
        ("en-us", (), "EN-US"),
        ("en", ("--deepl-target", "EN-GB"), "EN-GB"),
        ("pt-br", (), "PT-BR"),
        ("pt", (), "PT-PT"),
        ("zh-Hant", (), "ZH-HANT"),
        ("fr", (), "FR"),
    ],
)
def test_deepl_gets_its_own_spelling(tmp_path: Path, code: str, more: tuple[str, ...], sent: str) -> None:
    with FakeDeepL() as server:
        run = run_cli(
            "convert", str(_src(tmp_path)), "--engine", "deepl", "--base-url", server.url, "--to", code,
            "--no-cache", *more, env={"DEEPL_AUTH_KEY": "key:fx"},
        )  # fmt: skip
        translate = [r for r in server.requests if r["path"].startswith("/v2/translate")]
    assert run.returncode == 0, run.stderr
    assert {r["target_lang"] for r in translate} == {sent} and {r["source_lang"] for r in translate} == {"DE"}


def test_a_variant_deepl_does_not_have_is_a_usage_error(tmp_path: Path) -> None:
    with FakeDeepL() as server:
        run = run_cli(
            "convert", str(_src(tmp_path)), "--engine", "deepl", "--base-url", server.url, "--to", "en-AU",
            env={"DEEPL_AUTH_KEY": "key:fx"},
        )  # fmt: skip
        assert not server.requests
    assert run.returncode == 2
    assert "--to en-AU: DeepL does not translate into that variant (it has: en-GB, en-US)" in run.stderr


def test_the_prompt_names_the_variant_and_the_memory_keeps_variants_apart(tmp_path: Path) -> None:
    memory = TranslationCache(tmp_path / "translations.sqlite")
    qmd = convert_text(TEXT).text
    with FakeOpenAI() as server:
        for tag in ("en-GB", "en-GB", "en-US"):
            engine = OpenAIEngine(server.base_url, "m")
            Translator(engine, request=Request.for_languages("de", tag), cache=memory).translate_document(qmd)
            engine.close()
        prompts = [body["messages"][0]["content"] for body in server.bodies]
    memory.close()
    assert len(prompts) == 2  # en-GB once (then from the memory), en-US once
    assert "from German to British English" in prompts[0] and "from German to American English" in prompts[1]


def test_codes_are_normalized_and_spelled() -> None:
    assert [normalize(c) for c in ("EN-GB", "pt_br", "zh-hant", "ZH-tw", "es-419")] == [
        "en-GB",
        "pt-BR",
        "zh-Hant",
        "zh-TW",
        "es-419",
    ]
    assert [deepl_target(t) for t in ("zh-TW", "zh", "de-AT", "es-419")] == ["ZH-HANT", "ZH-HANS", "DE", "ES"]
    with pytest.raises(LanguageError, match="pt-AO: DeepL does not translate into that variant"):
        deepl_target("pt-AO")
