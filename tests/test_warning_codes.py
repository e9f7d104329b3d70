"""Issue 10, item 7: warnings with codes (as MyST-Parser's ``MystWarnings``), ``suppress-warnings``
from the config file, the environment and the flag, and warnings counted per code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from myst2qmd import application, cli, convert_text
from myst2qmd.codes import DESCRIPTIONS, Code, count_codes, families, suppressed, unknown_codes
from myst2qmd.translate.pipeline import TranslationReport

SRC = Path(__file__).parent.parent / "src" / "myst2qmd"
README = Path(__file__).parent.parent / "README.md"

#: one undefined reference (line 3), one unknown role (line 3), one unknown directive (line 5)
CHAPTER = "# Titel\n\nSiehe {ref}`nirgends` und {foo}`x`.\n\n```{bar}\nText.\n```\n"


@pytest.fixture
def chapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MYST2QMD_SUPPRESS_WARNINGS", raising=False)
    (tmp_path / "kapitel.md").write_text(CHAPTER, encoding="utf-8")
    return tmp_path / "kapitel.md"


def convert(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, list[str]]:
    code = cli.main(["convert", "kapitel.md", "-o", "-", "--engine", "none", *flags])
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, err.splitlines()


def test_every_warning_is_printed_with_its_code(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = convert(capsys)
    assert code == 0
    assert lines[:3] == [
        "kapitel.md:3: warning [ref-undefined]: reference to 'nirgends', which this file does not define; "
        "kept as @sec-nirgends",
        "kapitel.md:3: warning [role-unknown]: unknown role {foo}; written as a span [..]{.foo}",
        "kapitel.md:5: warning [directive-unknown]: unknown directive {bar}: written as a fenced div ::: {.bar}",
    ]
    assert lines[3].endswith(": 1 reference, 3 warnings (directive-unknown 1, ref-undefined 1, role-unknown 1)")


def test_warning_objects_carry_their_code() -> None:
    result = convert_text(CHAPTER, path="k.md")
    assert [(w.line, w.code) for w in result.warnings] == [
        (3, Code.REF_UNDEFINED),
        (3, Code.ROLE_UNKNOWN),
        (5, Code.DIRECTIVE_UNKNOWN),
    ]
    assert str(result.warnings[1]).startswith("k.md:3: warning [role-unknown]: unknown role {foo}")


SUPPRESSED_SUMMARY = ": 1 reference, 1 warning (directive-unknown 1), 2 suppressed (ref-undefined 1, role-unknown 1)"


def _only_directive_warned(lines: list[str]) -> None:
    warned = [line for line in lines if ": warning [" in line]
    assert warned == [
        "kapitel.md:5: warning [directive-unknown]: unknown directive {bar}: written as a fenced div ::: {.bar}"
    ]
    assert lines[-1].endswith(SUPPRESSED_SUMMARY), lines[-1]


def test_suppress_warnings_from_the_config_file(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (chapter.parent / "myst2qmd.toml").write_text('suppress-warnings = ["ref-undefined", "role"]\n', encoding="utf-8")
    code, lines = convert(capsys)
    assert code == 0
    _only_directive_warned(lines)


def test_suppress_warnings_from_pyproject(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = '[tool.myst2qmd]\nsuppress_warnings = ["ref-undefined", "role-unknown"]\n'
    (chapter.parent / "pyproject.toml").write_text(table, encoding="utf-8")
    code, lines = convert(capsys)
    assert code == 0
    _only_directive_warned(lines)


def test_suppress_warnings_from_the_environment(
    chapter: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYST2QMD_SUPPRESS_WARNINGS", "ref-undefined, role-unknown")
    code, lines = convert(capsys)
    assert code == 0
    _only_directive_warned(lines)


def test_suppress_warnings_flag_is_repeatable(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = convert(capsys, "--suppress-warnings", "ref-undefined", "--suppress-warnings", "role-unknown")
    assert code == 0
    _only_directive_warned(lines)


def test_the_flag_wins_over_the_config_file(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As every setting: file < environment < flag (a later list replaces an earlier one)."""
    (chapter.parent / "myst2qmd.toml").write_text('suppress-warnings = ["directive-unknown"]\n', encoding="utf-8")
    code, lines = convert(capsys, "--suppress-warnings", "ref-undefined,role-unknown")
    assert code == 0
    _only_directive_warned(lines)


def test_quiet_with_everything_suppressed_prints_nothing(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = convert(capsys, "-q", "--suppress-warnings", "ref,role directive")
    assert code == 0 and lines == []


@pytest.mark.parametrize("where", ["file", "environment", "flag"])
def test_an_unknown_code_is_a_usage_error(
    chapter: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    flags: tuple[str, ...] = ()
    if where == "file":
        (chapter.parent / "myst2qmd.toml").write_text('suppress-warnings = ["ref-undefind"]\n', encoding="utf-8")
    elif where == "environment":
        monkeypatch.setenv("MYST2QMD_SUPPRESS_WARNINGS", "ref-undefind")
    else:
        flags = ("--suppress-warnings", "ref-undefind")
    code, lines = convert(capsys, *flags)
    assert code == 2
    assert len(lines) == 1 and re.match(
        r"^myst2qmd: error: .*unknown warning code ref-undefind in suppress-warnings", lines[0]
    )
    assert "ref-undefined" in lines[0]  # the known codes are listed


def test_suppress_warnings_that_is_not_a_list_of_text_is_a_usage_error(
    chapter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (chapter.parent / "myst2qmd.toml").write_text("suppress-warnings = [1]\n", encoding="utf-8")
    code, lines = convert(capsys)
    assert code == 2 and "suppress-warnings must be a list of warning codes" in lines[0]


BOOK = {
    "_toc.yml": "root: intro\nchapters:\n  - file: kapitel\n  - file: fehlt\n",
    "_config.yml": "title: Kurs\n",
    "intro.md": "# Einleitung\n\nSiehe {numref}`nirgends`.\n",
    "kapitel.md": CHAPTER,
}


def test_a_book_counts_warnings_per_code_in_the_summary_and_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MYST2QMD_SUPPRESS_WARNINGS", raising=False)
    book = tmp_path / "buch"
    for rel, text in BOOK.items():
        (book / rel).parent.mkdir(parents=True, exist_ok=True)
        (book / rel).write_text(text, encoding="utf-8")
    report_path = tmp_path / "report.json"
    argv = ["convert", str(book), "-o", str(tmp_path / "out"), "--engine", "none", "--report", str(report_path)]
    assert cli.main([*argv, "--suppress-warnings", "ref-undefined"]) == 0
    err = capsys.readouterr().err
    assert "[ref-undefined]" not in err
    assert "_toc.yml:4: warning [toc-missing]: table of contents names fehlt, which does not exist" in err
    summary = err.splitlines()[-1]
    assert summary.endswith(
        "3 warnings (directive-unknown 1, role-unknown 1, toc-missing 1), 2 suppressed (ref-undefined 2)"
    ), summary
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["warning_codes"] == {"ref-undefined": 2, "directive-unknown": 1, "role-unknown": 1, "toc-missing": 1}
    assert report["suppressed_codes"] == {"ref-undefined": 2}
    # suppressed is not lost: the report keeps every warning, with its code
    assert any(w.startswith("3: warning [ref-undefined]: ") for w in report["warnings"]["intro.md"])
    assert report["warnings"]["_toc.yml"] == [
        "4: warning [toc-missing]: table of contents names fehlt, which does not exist"
    ]


def test_run_wide_engine_notes_have_a_code_and_can_be_suppressed(capsys: pytest.CaptureFixture[str]) -> None:
    report = TranslationReport(notes=["the engine asked to wait 3600 s before retrying (Retry-After); waited 30 s"])
    application.print_notes(report)
    assert capsys.readouterr().err.startswith("myst2qmd: warning [engine-retry-after]: the engine asked to wait")
    application.print_notes(report, frozenset({"engine"}))
    assert capsys.readouterr().err == ""


def test_a_family_suppresses_its_codes_only() -> None:
    assert suppressed(Code.TOC_MISSING, frozenset({"toc"})) and suppressed(Code.TOC_INVALID, frozenset({"toc"}))
    assert not suppressed(Code.REF_UNDEFINED, frozenset({"toc", "re", "ref-undef"}))
    assert unknown_codes(["toc", "ref-undefined", "option", "re", "toc-"]) == ["re", "toc-"]
    assert {"toc", "label", "option", "ref", "translation"} <= families()
    assert count_codes(["b", "a", "b"]) == {"b": 2, "a": 1}


def test_every_code_has_a_description_and_is_emitted_somewhere() -> None:
    """A code nothing emits is a promise the README cannot keep; a code without a description
    is one it cannot explain."""
    assert set(DESCRIPTIONS) == set(Code)
    assert len(Code) <= 40  # a small set of kinds, not one per message
    source = "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py") if p.name != "codes.py")
    unused = [code.name for code in Code if f"Code.{code.name}" not in source]
    assert unused == []


def test_the_readme_documents_every_code() -> None:
    """The README's table of codes is the one in ``codes.py``, row for row."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Warning codes", 1)[1].split("**Exit codes**", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (.+?) \|$", section, re.MULTILINE))
    assert rows == {code.value: DESCRIPTIONS[code] for code in Code}
    assert "suppress-warnings" in text and "MYST2QMD_SUPPRESS_WARNINGS" in text
