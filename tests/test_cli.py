"""The ``myst2qmd`` command, run for real: as ``python -m myst2qmd``, as the installed
console script, and in-process through ``myst2qmd.cli.main(argv)``.

Every run also checks that stderr holds no Python traceback and that the input file was
not touched (same bytes, same mtime).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import myst2qmd.convert
from myst2qmd import cli, convert_text

SCRIPT = shutil.which("myst2qmd", path=str(Path(sys.executable).parent))
LAUNCHERS = {
    "module": [sys.executable, "-m", "myst2qmd"],
    "script": [SCRIPT or "myst2qmd-script-not-installed"],
}

CHAPTER = (
    "# Kapitel\n"
    "\n"
    "See {numref}`nowhere` and {cite}`knuth_1984`.\n"
    "\n"
    ":::{figure-md} fig-a\n"
    '<img src="images/a.png" width="300px">\n'
    "\n"
    "Größe.\n"
    ":::\n"
    "\n"
    "```python\n"
    "x = 1\n"
    "```\n"
)


def clean_env(default_engine: bool = True, **extra: str) -> dict[str, str]:
    """The environment without MYST2QMD_* settings; translation off unless a test asks for it
    (``--engine auto`` would pick the installed local model)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYST2QMD_")}
    if default_engine:
        env["MYST2QMD_ENGINE"] = "none"
    env["MYST2QMD_CACHE_DIR"] = os.environ.get("MYST2QMD_CACHE_DIR", "")
    env.update(extra)
    return env


def run(
    args: list[str], cwd: Path, launcher: str = "module", default_engine: bool = True, **env: str
) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        LAUNCHERS[launcher] + args, cwd=cwd, env=clean_env(default_engine, **env), capture_output=True, timeout=120
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.fixture
def chapter(tmp_path: Path):
    """A chapter file; after the test it must be exactly as it was."""
    src = tmp_path / "kapitel.md"
    src.write_text(CHAPTER, encoding="utf-8")
    before = snapshot(src)
    yield src
    assert snapshot(src) == before


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """For main(argv): run in tmp_path with no MYST2QMD_* variables."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("MYST2QMD_") and name != "MYST2QMD_CACHE_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("MYST2QMD_ENGINE", "none")  # --engine auto would pick the installed local model
    return tmp_path


def expected(text: str = CHAPTER, **options) -> str:
    return convert_text(text, **options).text


# --- converting ---------------------------------------------------------------------------


@pytest.mark.parametrize("launcher", ["module", "script"])
def test_default_output_is_beside_the_source(launcher: str, chapter: Path, tmp_path: Path) -> None:
    if launcher == "script" and SCRIPT is None:
        pytest.fail("the myst2qmd console script is not installed beside the interpreter")
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = run(["convert", str(chapter)], cwd=work, launcher=launcher)
    assert proc.returncode == 0, proc.stderr
    out = chapter.with_suffix(".qmd")
    assert out.read_text(encoding="utf-8") == expected()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "kapitel.md", "kapitel.qmd"]
    assert list(work.iterdir()) == []


def test_relative_source_path(chapter: Path, tmp_path: Path) -> None:
    proc = run(["convert", "kapitel.md"], cwd=tmp_path)
    assert proc.returncode == 0
    assert (tmp_path / "kapitel.qmd").read_text(encoding="utf-8") == expected()


def test_output_option(chapter: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    proc = run(["convert", str(chapter), "-o", "out/k.qmd"], cwd=tmp_path)
    assert proc.returncode == 0
    assert (tmp_path / "out" / "k.qmd").read_text(encoding="utf-8") == expected()
    assert not chapter.with_suffix(".qmd").exists()


def test_dash_o_dash_writes_to_stdout(chapter: Path, tmp_path: Path) -> None:
    proc = run(["convert", str(chapter), "-o", "-"], cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == expected().encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kapitel.md"]


def test_stdout_is_utf8_whatever_the_locale(chapter: Path, tmp_path: Path) -> None:
    proc = run(["convert", str(chapter), "-o", "-"], cwd=tmp_path, PYTHONIOENCODING="ascii")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected().encode("utf-8")


def test_stdout_keeps_crlf(tmp_path: Path) -> None:
    src = tmp_path / "crlf.md"
    src.write_bytes(CHAPTER.replace("\n", "\r\n").encode("utf-8"))
    proc = run(["convert", str(src), "-o", "-"], cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == expected(CHAPTER.replace("\n", "\r\n")).encode("utf-8")
    assert proc.stdout.count(b"\r\n") == proc.stdout.count(b"\n")


def test_warnings_go_to_stderr_with_file_and_line(chapter: Path, tmp_path: Path) -> None:
    proc = run(["convert", "kapitel.md"], cwd=tmp_path)
    assert proc.returncode == 0
    stderr = proc.stderr.decode("utf-8")
    warnings = [line for line in stderr.splitlines() if ": warning [" in line]
    assert warnings
    for line in warnings:
        assert re.match(r"^kapitel\.md:\d+: warning \[[a-z-]+\]: \S", line), line
    assert any(line.startswith("kapitel.md:3: warning [ref-undefined]: ") and "nowhere" in line for line in warnings)
    assert (tmp_path / "kapitel.qmd").exists()


def test_quiet_prints_warnings_only(chapter: Path, tmp_path: Path) -> None:
    proc = run(["convert", "kapitel.md", "-q"], cwd=tmp_path)
    assert proc.returncode == 0
    lines = proc.stderr.decode("utf-8").splitlines()
    assert lines and all(re.match(r"^kapitel\.md:\d+: (warning|info) \[[a-z-]+\]: ", line) for line in lines)


def test_engine_none_is_accepted(chapter: Path, tmp_path: Path) -> None:
    proc = run(["convert", str(chapter), "--engine", "none", "-o", "-"], cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == expected().encode("utf-8")


def test_empty_file_converts_to_empty_file(tmp_path: Path) -> None:
    src = tmp_path / "empty.md"
    src.write_bytes(b"")
    proc = run(["convert", str(src)], cwd=tmp_path)
    assert proc.returncode == 0
    assert (tmp_path / "empty.qmd").read_bytes() == b""


def test_main_in_process(chapter: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["convert", "kapitel.md", "-o", "-", "--engine", "none"]) == 0
    captured = capsys.readouterr()
    assert captured.out == expected()
    assert "kapitel.md:3: warning [ref-undefined]: " in captured.err
    assert cli.main(["convert", "kapitel.md"]) == 0
    assert (in_folder / "kapitel.qmd").read_text(encoding="utf-8") == expected()


# --- refusing ------------------------------------------------------------------------------


BAD_USAGE = {
    "missing file": (["convert", "nope.md"], {}, "no such file"),
    "a folder": (["convert", "."], {}, "folder"),
    "non-UTF-8 bytes": (["convert", "latin1.md"], {}, "UTF-8"),
    "unknown engine flag": (["convert", "kapitel.md", "--engine", "babelfish"], {}, "babelfish"),
    "unknown engine variable": (["convert", "kapitel.md"], {"MYST2QMD_ENGINE": "babelfish"}, "babelfish"),
    "unknown option": (["convert", "kapitel.md", "--frobnicate"], {}, "frobnicate"),
    "no command": ([], {}, "usage"),
    "no source": (["convert"], {}, "SRC"),
    "output folder missing": (["convert", "kapitel.md", "-o", "no/such/dir/k.qmd"], {}, "does not exist"),
    "output is a folder": (["convert", "kapitel.md", "-o", "sub"], {}, "folder"),
    "config file missing": (["convert", "kapitel.md", "--config", "nope.toml"], {}, "nope.toml"),
    "bad boolean variable": (["convert", "kapitel.md"], {"MYST2QMD_ESCAPE_FENCES": "maybe"}, "maybe"),
    "macros file missing": (["convert", "kapitel.md", "--macros", "nope.yml"], {}, "nope.yml"),
}


@pytest.mark.parametrize(("args", "env", "message"), BAD_USAGE.values(), ids=BAD_USAGE.keys())
def test_bad_usage_exits_2_with_a_message(
    args: list[str], env: dict[str, str], message: str, chapter: Path, tmp_path: Path
) -> None:
    (tmp_path / "latin1.md").write_bytes("Größe\n".encode("latin-1"))
    (tmp_path / "sub").mkdir()
    proc = run(args, cwd=tmp_path, **env)
    assert proc.returncode == 2
    stderr = proc.stderr.decode("utf-8")
    assert message in stderr
    if args:  # a short message, not a page of help
        assert len(stderr.strip().splitlines()) <= 6, stderr
    assert not list(tmp_path.rglob("*.qmd"))
    assert not list(tmp_path.rglob("*.tmp"))


def test_non_utf8_message_says_where(tmp_path: Path) -> None:
    src = tmp_path / "latin1.md"
    src.write_bytes("# Titel\n\nGröße\n".encode("latin-1"))
    proc = run(["convert", str(src)], cwd=tmp_path)
    assert proc.returncode == 2
    assert re.search(r"not UTF-8.*0xf6 on line 3, offset 11\b", proc.stderr.decode("utf-8"))


BAD_CONFIG = {
    "invalid TOML": "engine = \n",
    "unknown key": 'colour = "blue"\n',
    "wrong type": "images-path = 3\n",
}


@pytest.mark.parametrize("toml", BAD_CONFIG.values(), ids=BAD_CONFIG.keys())
def test_bad_config_file_exits_2(toml: str, chapter: Path, tmp_path: Path) -> None:
    (tmp_path / "myst2qmd.toml").write_text(toml, encoding="utf-8")
    proc = run(["convert", "kapitel.md"], cwd=tmp_path)
    assert proc.returncode == 2
    assert "myst2qmd.toml" in proc.stderr.decode("utf-8")
    assert not (tmp_path / "kapitel.qmd").exists()


def _same_file_outputs(tmp_path: Path, src: Path) -> dict[str, list[str]]:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.md").symlink_to(src)
    os.link(src, tmp_path / "hard.md")
    return {
        "same path": ["convert", str(src), "-o", str(src)],
        "relative spelling": ["convert", "kapitel.md", "-o", "sub/../kapitel.md"],
        "symlink": ["convert", "kapitel.md", "-o", "link.md"],
        "hard link": ["convert", "kapitel.md", "-o", "hard.md"],
        "source through symlink": ["convert", "link.md", "-o", "kapitel.md"],
    }


@pytest.mark.parametrize("case", ["same path", "relative spelling", "symlink", "hard link", "source through symlink"])
def test_output_onto_the_input_is_refused(case: str, chapter: Path, tmp_path: Path) -> None:
    args = _same_file_outputs(tmp_path, chapter)[case]
    proc = run(args, cwd=tmp_path)
    assert proc.returncode == 2
    assert "refusing" in proc.stderr.decode("utf-8")
    assert not list(tmp_path.rglob("*.qmd"))
    # the chapter fixture checks bytes and mtime afterwards


def test_qmd_source_with_default_output_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "already.qmd"
    src.write_text(CHAPTER, encoding="utf-8")
    before = snapshot(src)
    proc = run(["convert", str(src)], cwd=tmp_path)
    assert proc.returncode == 2
    assert snapshot(src) == before


# --- help ------------------------------------------------------------------------------------


def test_help_is_readable(tmp_path: Path) -> None:
    top = run(["--help"], cwd=tmp_path, COLUMNS="80")
    assert top.returncode == 0
    text = top.stdout.decode("utf-8")
    assert text.startswith("usage: myst2qmd")
    assert "convert" in text and "Exit codes" in text
    sub = run(["convert", "--help"], cwd=tmp_path, COLUMNS="80")
    assert sub.returncode == 0
    text = sub.stdout.decode("utf-8")
    for option in ["-o", "--engine", "--images-path", "--escape-fences", "--macros", "--config"]:
        assert option in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert top.stderr == sub.stderr == b""


def test_version(tmp_path: Path) -> None:
    proc = run(["--version"], cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"myst2qmd {cli.__version__}"


# --- writing ------------------------------------------------------------------------------------


def test_existing_output_is_replaced_atomically(chapter: Path, tmp_path: Path) -> None:
    out = tmp_path / "kapitel.qmd"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    inode = out.stat().st_ino
    proc = run(["convert", "kapitel.md"], cwd=tmp_path)
    assert proc.returncode == 0
    assert out.read_text(encoding="utf-8") == expected()
    assert out.stat().st_mode & 0o777 == 0o600  # permissions kept
    assert out.stat().st_ino != inode  # a new file renamed over the old one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kapitel.md", "kapitel.qmd"]


def test_new_output_respects_umask(chapter: Path, in_folder: Path) -> None:
    old = os.umask(0o027)
    try:
        assert cli.main(["convert", str(chapter), "-q"]) == 0
    finally:
        os.umask(old)
    assert chapter.with_suffix(".qmd").stat().st_mode & 0o777 == 0o640


def test_failed_write_keeps_old_output_and_leaves_no_temp_file(
    chapter: Path,
    in_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = in_folder / "kapitel.qmd"
    out.write_text("old\n", encoding="utf-8")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.os, "replace", failing_replace)
    assert cli.main(["convert", "kapitel.md"]) == 1
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in in_folder.iterdir()) == ["kapitel.md", "kapitel.qmd"]
    err = capsys.readouterr().err
    assert "kapitel.qmd" in err and "No space left" in err and "Traceback" not in err


def test_unexpected_error_exits_1_without_traceback(
    chapter: Path,
    in_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("walker fell over")

    monkeypatch.setattr(myst2qmd.convert, "convert_text", boom)  # the file run looks it up when it runs
    assert cli.main(["convert", "kapitel.md"]) == 1
    err = capsys.readouterr().err
    assert "walker fell over" in err and "Traceback" not in err
    assert not (in_folder / "kapitel.qmd").exists()


def test_closed_stdout_is_not_a_traceback(
    chapter: Path,
    in_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    class ClosedPipe(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(ClosedPipe(), 16)))
    assert cli.main(["convert", "kapitel.md", "-o", "-"]) == 1
    assert "Traceback" not in capsys.readouterr().err


# --- settings: myst2qmd.toml < MYST2QMD_* < flags ----------------------------------------------


def _images_path(qmd: str) -> str | None:
    match = re.search(r'(?m)^  images_path: "([^"]*)"$', qmd)
    return match.group(1) if match else None


def test_config_file_environment_and_flags(chapter: Path, tmp_path: Path) -> None:
    (tmp_path / "myst2qmd.toml").write_text('images-path = "/toml/"\nescape-fences = true\n', encoding="utf-8")
    out = run(["convert", "kapitel.md", "-o", "-"], cwd=tmp_path).stdout.decode("utf-8")
    assert _images_path(out) == "/toml/"
    assert "\\```python" in out
    assert out == expected(images_path="/toml/", escape_fences=True)

    out = run(
        ["convert", "kapitel.md", "-o", "-"], cwd=tmp_path, MYST2QMD_IMAGES_PATH="/env/", MYST2QMD_ESCAPE_FENCES="false"
    ).stdout.decode("utf-8")
    assert _images_path(out) == "/env/"
    assert "\\```" not in out

    out = run(
        ["convert", "kapitel.md", "-o", "-", "--images-path", "/flag/", "--escape-fences"],
        cwd=tmp_path,
        MYST2QMD_IMAGES_PATH="/env/",
        MYST2QMD_ESCAPE_FENCES="0",
    ).stdout.decode("utf-8")
    assert _images_path(out) == "/flag/"
    assert "\\```python" in out


def test_config_is_found_from_a_parent_folder(chapter: Path, tmp_path: Path) -> None:
    (tmp_path / "myst2qmd.toml").write_text('images-path = "/parent/"\n', encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    out = run(["convert", str(chapter), "-o", "-"], cwd=deep).stdout.decode("utf-8")
    assert _images_path(out) == "/parent/"


def test_pyproject_table_and_explicit_config(chapter: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "book"\n\n[tool.myst2qmd]\nimages_path = "/pyproject/"\n', encoding="utf-8"
    )
    out = run(["convert", "kapitel.md", "-o", "-"], cwd=tmp_path).stdout.decode("utf-8")
    assert _images_path(out) == "/pyproject/"
    (tmp_path / "other.toml").write_text('images-path = "/explicit/"\n', encoding="utf-8")
    out = run(["convert", "kapitel.md", "-o", "-", "--config", "other.toml"], cwd=tmp_path).stdout.decode("utf-8")
    assert _images_path(out) == "/explicit/"


def test_engine_from_config_and_environment(chapter: Path, tmp_path: Path) -> None:
    (tmp_path / "myst2qmd.toml").write_text('engine = "babelfish"\n', encoding="utf-8")
    assert run(["convert", "kapitel.md", "-o", "-"], cwd=tmp_path, default_engine=False).returncode == 2
    # the environment wins over the file, the flag over both
    assert run(["convert", "kapitel.md", "-o", "-"], cwd=tmp_path, MYST2QMD_ENGINE="none").returncode == 0
    assert (
        run(
            ["convert", "kapitel.md", "-o", "-", "--engine", "none"], cwd=tmp_path, MYST2QMD_ENGINE="babelfish"
        ).returncode
        == 0
    )
