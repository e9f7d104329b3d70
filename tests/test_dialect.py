"""The dialect switch: which MyST dialect a document is read in (Jupyter Book 1: MyST-Parser and
Sphinx; Jupyter Book 2: mystmd), chosen by the project file and overridden by ``--dialect``,
``MYST2QMD_DIALECT`` or ``dialect =`` in ``myst2qmd.toml``; and the rule that a construct's dialect
difference is a field of its spec (``jb2``), resolved only by :func:`.constructs.base.in_dialect`."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from myst2qmd.cli import main
from myst2qmd.config import load_settings
from myst2qmd.constructs import registry, tokens
from myst2qmd.constructs.base import DirectiveSpec, Rewrite, RoleSpec, TokenSpec, in_dialect, jb2
from myst2qmd.dialect import Dialect, detect_dialect

SOURCE = Path(__file__).parent.parent / "src" / "myst2qmd"
#: a note whose argument Jupyter Book 1 reads as its first body line and Jupyter Book 2 as its title
NOTE = ":::{note} Merke\nText.\n:::\n"
JB1_NOTE = "Merke\nText."
JB2_NOTE = "## Merke"
#: the modules that may read a dialect other than through a spec: where it is named and chosen
CHOOSERS = {"dialect.py", "config.py", "cli.py", "context.py"}


def project(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("version: 1\n" if name == "myst.yml" else "title: Buch\n", encoding="utf-8")
    return folder


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No MYST2QMD_* settings, and a current folder with no settings file."""
    for name in list(os.environ):
        if name.startswith("MYST2QMD_") and name != "MYST2QMD_CACHE_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("MYST2QMD_ENGINE", "none")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def convert_note(page: Path, *flags: str, capsys: pytest.CaptureFixture[str]) -> str:
    page.write_text(NOTE, encoding="utf-8")
    assert main(["convert", str(page), "-o", "-", "--engine", "none", "-q", *flags]) == 0
    return capsys.readouterr().out


# -- detection -------------------------------------------------------------------------------


def test_a_book_is_read_in_its_project_files_dialect(tmp_path: Path) -> None:
    assert detect_dialect(project(tmp_path / "jb2", "myst.yml")) is Dialect.JB2
    assert detect_dialect(project(tmp_path / "jb1", "_config.yml", "_toc.yml")) is Dialect.JB1
    assert detect_dialect(project(tmp_path / "toc", "_toc.yml")) is Dialect.JB1
    # upgraded to Jupyter Book 2: its myst.yml beside the old _config.yml
    assert detect_dialect(project(tmp_path / "both", "_config.yml", "myst.yml")) is Dialect.JB2


def test_a_file_takes_the_nearest_project_file_above_it(tmp_path: Path) -> None:
    project(tmp_path, "myst.yml")
    chapter = project(tmp_path / "kapitel" / "teil") / "seite.md"
    assert detect_dialect(chapter) is Dialect.JB2
    assert detect_dialect(tmp_path / "seite.md") is Dialect.JB2
    # nested: a Jupyter Book 1 book inside the myst.yml project is read as Jupyter Book 1
    project(tmp_path / "kapitel", "_config.yml")
    assert detect_dialect(chapter) is Dialect.JB1
    assert detect_dialect(tmp_path / "seite.md") is Dialect.JB2


def test_a_file_without_a_project_is_jupyter_book_1(tmp_path: Path) -> None:
    assert detect_dialect(tmp_path / "seite.md") is Dialect.JB1


def test_the_run_reads_the_projects_dialect(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = project(clean / "buch", "myst.yml") / "seite.md"
    assert JB2_NOTE in convert_note(page, capsys=capsys)
    (clean / "buch" / "myst.yml").unlink()
    assert JB1_NOTE in convert_note(page, capsys=capsys)


# -- overrides: myst2qmd.toml < MYST2QMD_DIALECT < --dialect -------------------------------------


def test_flag_env_and_file_override_the_project(
    clean: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = project(clean / "buch", "myst.yml") / "seite.md"
    (clean / "cwd" / "myst2qmd.toml").write_text('dialect = "jb1"\n', encoding="utf-8")
    assert JB1_NOTE in convert_note(page, capsys=capsys)  # the file over the project
    monkeypatch.setenv("MYST2QMD_DIALECT", "JB2")
    assert JB2_NOTE in convert_note(page, capsys=capsys)  # the variable over the file
    assert JB1_NOTE in convert_note(page, "--dialect", "jb1", capsys=capsys)  # the flag over all


def test_settings_carry_the_dialect_into_the_options(clean: Path) -> None:
    page = project(clean / "buch", "myst.yml") / "seite.md"
    assert load_settings({}, None, clean, src=page).options().dialect is Dialect.JB2
    assert load_settings({"dialect": "jb1"}, None, clean, src=page).options().dialect is Dialect.JB1


BAD = {
    "flag": (["--dialect", "jb3"], {}, "jb3"),
    "variable": ([], {"MYST2QMD_DIALECT": "sphinx"}, "MYST2QMD_DIALECT: unknown dialect 'sphinx'"),
    "file": ([], {"toml": 'dialect = "mystmd"'}, "unknown dialect 'mystmd'"),
    "file, not a string": ([], {"toml": "dialect = 2"}, "unknown dialect 2"),
}


@pytest.mark.parametrize(("flags", "env", "message"), BAD.values(), ids=BAD.keys())
def test_a_bad_dialect_exits_2_with_one_line(
    flags: list[str],
    env: dict[str, str],
    message: str,
    clean: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = clean / "seite.md"
    page.write_text(NOTE, encoding="utf-8")
    for name, value in env.items():
        if name == "toml":
            (clean / "cwd" / "myst2qmd.toml").write_text(value + "\n", encoding="utf-8")
        else:
            monkeypatch.setenv(name, value)
    assert main(["convert", str(page), *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(clean.rglob("*.qmd"))


# -- the switch lives in the specs -----------------------------------------------------------


def test_in_dialect_sets_the_jb2_fields_in_jb2_only() -> None:
    spec = DirectiveSpec(("x",), lambda d, ctx: Rewrite(), title=False, jb2=jb2(title=True))
    assert in_dialect(spec, Dialect.JB1) is spec
    assert in_dialect(spec, Dialect.JB2).title is True
    assert in_dialect(spec, Dialect.JB2) is in_dialect(spec, Dialect.JB2)
    assert registry.spec_of("note", Dialect.JB2).title and not registry.spec_of("note", Dialect.JB1).title


@pytest.mark.parametrize("bad", [{"titel": True}, {"names": ("y",)}, {"fragments": None}, {"body": "verbatim"}])
def test_a_jb2_field_the_spec_lacks_or_the_parse_reads_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="jb2 cannot set"):
        DirectiveSpec(("x",), lambda d, ctx: Rewrite(), jb2=jb2(**bad))
    with pytest.raises(ValueError, match="jb2 cannot set"):
        RoleSpec(("x",), lambda r, ctx: None, jb2=jb2(name="y"))  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="jb2 cannot set"):
        TokenSpec("x", (), lambda w, s, i: None, jb2=jb2(name="y"))


def test_every_spec_resolves_in_both_dialects() -> None:
    for dialect in Dialect:
        assert tokens.token_table(dialect)
        for spec in registry.DIRECTIVE_SPECS:
            assert in_dialect(spec, dialect).names == spec.names


def _mentions_dialect(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id.lower() == "dialect")
        or (isinstance(n, ast.Attribute) and n.attr == "dialect")
        for n in ast.walk(node)
    )


def dialect_branches(tree: ast.AST) -> list[int]:
    """Lines where the code chooses by a dialect: an ``if``/``while``/conditional expression/``match``
    on it, a comparison with it, a lookup by it (``{JB1: a, JB2: b}[dialect]``)."""
    found = []
    for node in ast.walk(tree):
        tested: ast.AST | None = None
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            tested = node.test
        elif isinstance(node, ast.Match):
            tested = node.subject
        elif isinstance(node, (ast.Compare, ast.BoolOp)):
            tested = node
        elif isinstance(node, ast.Subscript):
            tested = node.slice
        elif isinstance(node, ast.comprehension):
            tested = ast.Module(body=[ast.Expr(value=cond) for cond in node.ifs], type_ignores=[])
        if tested is not None and _mentions_dialect(tested):
            found.append(node.lineno if hasattr(node, "lineno") else 0)
    return sorted(set(found))


def test_no_module_branches_on_the_dialect() -> None:
    """A construct's dialect difference is its spec's ``jb2``: no module but the one resolving it
    (``constructs/base.py``'s :func:`in_dialect`) and those choosing the dialect tests it."""
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        rel = path.relative_to(SOURCE).as_posix()
        if rel in CHOOSERS or rel == "constructs/base.py":
            continue
        offenders += [f"{rel}:{line}" for line in dialect_branches(ast.parse(path.read_text(encoding="utf-8")))]
    assert not offenders, "branches on the dialect (declare the difference in the spec's jb2): " + ", ".join(offenders)


def test_the_scan_finds_a_branch() -> None:
    assert dialect_branches(ast.parse("if ctx.options.dialect is Dialect.JB2:\n    pass\n")) == [1]
    assert dialect_branches(ast.parse("x = a if dialect == 'jb2' else b\n")) == [1]
    assert dialect_branches(ast.parse("x = TITLES[ctx.options.dialect]\n")) == [1]
    assert dialect_branches(ast.parse("spec = in_dialect(spec, ctx.options.dialect)\n")) == []


def test_the_readme_conversion_table_has_both_dialects_in_every_row() -> None:
    """Every row of README's conversion table says what Jupyter Book 1 and Jupyter Book 2 write."""
    readme = (SOURCE.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What converts to what", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert rows[0] == "| Jupyter Book 1 (MyST-Parser, Sphinx) | Jupyter Book 2 (mystmd) | Quarto |"
    cells = [len(re.split(r"(?<!\\)\|", row.strip()[1:-1])) for row in rows]
    bad = [row for row, n in zip(rows, cells, strict=True) if n != 3]
    assert len(rows) > 40 and not bad, bad
    assert "--dialect" in readme.split("## What converts to what", 1)[0]
