"""Issue 9 on the command line: a single notebook (case 6), a notebook that cannot be read
(case 14), and Ctrl-C during a book's write phase (case 5), with real processes and signals."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cli_run import default_stop_signals
from myst2qmd import cli
from myst2qmd.commit import PAUSE_ENV
from quarto_ast import summarize
from test_trust_book import MALFORMED, make_book, notebook, snapshot

NOTEBOOK = notebook(
    {"cell_type": "markdown", "source": '# Faltung\n\nEin Titel mit "Anführungszeichen" und {title="x"}.\n'},
    {"cell_type": "markdown", "source": "```{figure} netz.png\n:name: fig-netz\n\nDas Netz.\n```\n"},
    {
        "cell_type": "code",
        "source": "print(28)",
        "metadata": {"tags": ["remove-input"]},
        "outputs": [{"output_type": "stream", "name": "stdout", "text": "28\n"}],
        "execution_count": 1,
    },
    {"cell_type": "markdown", "source": "Siehe {numref}`fig-netz` oben.\n\n```{note}\nHinweis.\n```\n"},
)


@pytest.fixture
def nb(tmp_path: Path) -> Path:
    path = tmp_path / "faltung.ipynb"
    path.write_text(NOTEBOOK, encoding="utf-8")
    (tmp_path / "netz.png").write_bytes(b"\x89PNG")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["convert", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, captured.out, captured.err


def _markdown_of(notebook_text: str) -> str:
    cells = json.loads(notebook_text)["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] in ("markdown", "raw"))


# -- case 6: a single notebook ----------------------------------------------------------------------


def test_a_single_notebook_is_converted_as_a_notebook(nb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = nb.read_bytes()
    code, _, err = run(capsys, str(nb))
    assert code == 0, err
    assert nb.read_bytes() == before
    out = nb.with_name("faltung.quarto.ipynb")  # the default: beside it, never onto the input
    converted = nbformat.reads(out.read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(converted)
    code_cell = [c for c in converted.cells if c.cell_type == "code"][0]
    assert code_cell.source.startswith("#| echo: false\nprint(28)")
    assert code_cell.outputs[0]["text"] == "28\n"  # outputs are kept
    doc = summarize(_markdown_of(out.read_text(encoding="utf-8")))
    assert doc.figures == ["fig-netz"] and doc.cross_refs == ["fig-netz"]  # {figure} and {numref} across cells
    assert len(doc.callouts) == 1
    assert "{figure}" not in out.read_text(encoding="utf-8")


def test_a_single_notebook_to_qmd(nb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = nb.with_name("faltung.qmd")
    code, _, err = run(capsys, str(nb), "-o", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "```{python}\n#| echo: false\nprint(28)\n```" in text
    doc = summarize(text)
    assert doc.figures == ["fig-netz"] and doc.cross_refs == ["fig-netz"] and len(doc.callouts) == 1
    assert [classes for classes, _ in doc.code_blocks] == [["cell-code"]] or len(doc.code_blocks) == 1
    assert "outputs of 1 code cells are not kept" in err


def test_a_single_notebook_to_stdout_is_json(nb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(nb), "-o", "-")
    assert code == 0, err
    nbformat.validate(nbformat.reads(out, as_version=4))


@pytest.mark.parametrize("target", ["faltung.md", "faltung"])
def test_a_notebook_to_another_format_is_refused(nb: Path, capsys: pytest.CaptureFixture[str], target: str) -> None:
    code, _, err = run(capsys, str(nb), "-o", str(nb.with_name(target)))
    assert code == 2 and ".ipynb or .qmd" in err
    assert not nb.with_name(target).exists()


def test_a_notebook_onto_itself_is_refused(nb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = nb.read_bytes()
    code, _, err = run(capsys, str(nb), "-o", str(nb))
    assert code == 2 and "refusing to overwrite the input" in err
    assert nb.read_bytes() == before


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_single_malformed_notebook_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    src = tmp_path / "kaputt.ipynb"
    src.write_text(MALFORMED[name], encoding="utf-8")
    code, _, err = run(capsys, str(src))
    assert code == 2
    assert f"myst2qmd: error: {src}: not a valid notebook: " in err and err.count("\n") == 1
    assert not src.with_name("kaputt.quarto.ipynb").exists()


def test_escaped_fences_are_escaped_after_translation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--escape-fences`` with an engine: the code is not sent (a fence escaped first is prose to the segmenter)."""
    src = tmp_path / "a.md"
    src.write_text("# Titel\n\n```python\nx = 1\n```\n", encoding="utf-8")
    code, out, err = run(capsys, str(src), "-o", "-", "--escape-fences", "--engine", "pseudo", "-q")
    assert code == 0, err
    assert out.endswith("\n\\```python\nx = 1\n\\```\n"), out
    nb = tmp_path / "n.ipynb"
    nb.write_text(NOTEBOOK.replace("Hinweis.", "Hinweis.\\n```{code-block} python\\nx = 1\\n```"), encoding="utf-8")
    code, out, err = run(capsys, str(nb), "-o", "-", "--escape-fences", "--engine", "pseudo", "-q")
    assert code == 0, err
    assert "\\```python\nx = 1\n\\```" in _markdown_of(out), _markdown_of(out)


# -- case 5: Ctrl-C during a book's write phase ------------------------------------------------------


def _book_files(version: str, assets: int) -> dict[str, str | bytes]:
    chapters = [f"kapitel/k{n:02d}" for n in range(12)]
    files: dict[str, str | bytes] = {
        "_toc.yml": "root: intro\nchapters:\n" + "".join(f"  - file: {c}\n" for c in chapters),
        "_config.yml": f"title: Kurs {version}\n",
        "intro.md": f"# Einleitung {version}\n\nText.\n",
    }
    for chapter in chapters:
        files[chapter + ".md"] = f"# {chapter} {version}\n\n" + "Ein Absatz über Faltung.\n\n" * 30
    for n in range(assets):
        files[f"daten/d{n:03d}.bin"] = (version.encode() + bytes([n % 256])) * 50_000
    return files


def _spawn(book: Path, out: Path, pause: int = 0) -> subprocess.Popen[str]:
    """``myst2qmd convert book -o out`` in a process of its own; with ``pause``, its commit pauses
    after that step and says so on stderr (:data:`myst2qmd.commit.PAUSE_ENV`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYST2QMD_")}
    env.update(MYST2QMD_ENGINE="none", PYTHONPATH=os.pathsep.join(sys.path))
    if pause:
        env[PAUSE_ENV] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-m", "myst2qmd", "convert", str(book), "-o", str(out)],
        preexec_fn=default_stop_signals,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _handles_stop_signals(pid: int) -> bool:
    """Whether the run has installed its handler of SIGTERM (the CLI's ``stops_as_interrupts``,
    which Python alone never does): from then on a Ctrl-C is the CLI's to handle, however slowly
    a loaded machine got there. Read from the caught-signals mask in ``/proc/PID/status``."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    caught = re.search(r"(?m)^SigCgt:\s*([0-9a-f]+)$", status)
    return caught is not None and bool(int(caught.group(1), 16) >> (signal.SIGTERM - 1) & 1)


def _paused(process: subprocess.Popen[str]) -> str:
    """What the run said on stderr up to its commit's pause (it must pause)."""
    assert process.stderr is not None
    said = []
    while not said or "commit paused after step" not in said[-1]:
        said.append(process.stderr.readline())
        assert said[-1], f"the run ended without pausing: {''.join(said)}"
    return "".join(said)


def _commit_files(out: Path) -> list[Path]:
    """The commit's staging folders, folders of replaced files and journal in ``out``."""
    return [p for p in out.iterdir() if p.name.startswith(".myst2qmd-")] if out.is_dir() else []


def test_ctrl_c_leaves_the_output_as_it_was_or_complete(tmp_path: Path) -> None:
    """SIGINT at chosen moments of a real run: the output folder is the old book or the new one,
    never a mix, no staging folder is left behind, and the message says which.

    Half the interrupts come at a random step of the commit (the run pauses there and says so), the
    others at a random moment once the CLI handles stop signals (seen in /proc, not guessed from the
    clock: a Ctrl-C while Python still loads is Python's, and a loaded machine loads slowly)."""
    if not Path(f"/proc/{os.getpid()}/status").exists():
        pytest.skip("needs /proc/PID/status (Linux) to see when the CLI handles Ctrl-C")
    old_book = make_book(tmp_path / "old", _book_files("alt", 20))
    new_book = make_book(tmp_path / "new", _book_files("neu", 60))
    out = tmp_path / "out"
    assert _spawn(old_book, out).wait(timeout=600) == 0
    old_state = snapshot(out)
    pristine = tmp_path / "pristine"
    shutil.copytree(out, pristine)
    started = time.monotonic()  # only to spread the random moments over a run: never asserted
    assert _spawn(new_book, tmp_path / "reference").wait(timeout=600) == 0
    duration = time.monotonic() - started
    new_state = snapshot(tmp_path / "reference")
    assert new_state != old_state
    over_old = tmp_path / "over-old"  # the same run over the old book: how many steps its commit has
    shutil.copytree(pristine, over_old)
    counting = _spawn(new_book, over_old, pause=10**9)
    _, said = counting.communicate(timeout=600)
    assert counting.returncode == 0 and snapshot(over_old) == new_state, said
    steps = int(re.findall(r"commit of (\d+) steps", said)[0])
    rng = random.Random(5)
    outcomes = []
    for attempt in range(8):
        if attempt % 2:  # anywhere in the run once the CLI handles Ctrl-C
            process = _spawn(new_book, out)
            while process.poll() is None and not _handles_stop_signals(process.pid):
                time.sleep(0.002)
            time.sleep(rng.uniform(0, duration))
            said = ""
        else:  # in the write phase: at a random step of the commit
            process = _spawn(new_book, out, pause=rng.randint(1, steps))
            said = _paused(process)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=600)
        err = said + err
        state = snapshot(out)
        assert state in (old_state, new_state), f"attempt {attempt}: a mix of old and new ({err})"
        assert "Traceback" not in err, err
        assert not _commit_files(out) and not (out / ".myst2qmd.lock").exists(), "a staging folder was left"
        assert not [p for p in tmp_path.iterdir() if ".myst2qmd-" in p.name], "a staging folder was left"
        if process.returncode == 130:
            if state == old_state:
                assert "interrupted; nothing was written" in err, err
            else:
                assert f"interrupted after {out} was written completely" in err, err
        else:  # finished before the signal came: it is ignored from the run's end to the exit
            assert attempt % 2 and process.returncode == 0 and state == new_state, err
        outcomes.append(("old" if state == old_state else "new", process.returncode))
        if state == new_state:
            shutil.rmtree(out)
            shutil.copytree(pristine, out)
    print("OUTCOMES", outcomes)
    assert [code for _, code in outcomes[::2]] == [130] * 4, outcomes  # every paused commit was interrupted


def test_a_second_ctrl_c_changes_neither_the_clean_up_nor_the_exit_code(tmp_path: Path) -> None:
    """Ctrl-C pressed twice (or sent to the process group, which reaches the run and any worker):
    the second one, wherever it lands after the first (in the clean-up, the message, the exit),
    changes nothing: exit 130, the one message, no traceback, the output as it was, no lock or
    staging folder left (``tests/double_interrupt.py``: runs forked from one process)."""
    book = make_book(tmp_path / "book", _book_files("neu", 3))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYST2QMD_")}
    env.update(MYST2QMD_ENGINE="none", PYTHONPATH=os.pathsep.join(sys.path))
    script = Path(__file__).with_name("double_interrupt.py")
    runs = subprocess.Popen(
        [sys.executable, str(script), str(book)],
        preexec_fn=default_stop_signals,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert runs.stdin is not None and runs.stdout is not None

    def interrupted_twice(second: int) -> tuple[int, str, Path]:
        out = tmp_path / f"out-{second}"
        out.mkdir()
        (out / "alt.txt").write_text("alt\n", encoding="utf-8")
        runs.stdin.write(f"{second} {out}\n")  # type: ignore[union-attr]
        runs.stdin.flush()  # type: ignore[union-attr]
        code = int(runs.stdout.readline())  # type: ignore[union-attr]
        return code, Path(f"{out}.err").read_text(encoding="utf-8"), out

    try:
        code, err, out = interrupted_twice(0)
        assert code == 130 and err.count("myst2qmd: interrupted; nothing was written") == 1, (code, err)
        total = int(Path(f"{out}.calls").read_text(encoding="utf-8"))  # Python calls from the first Ctrl-C to the exit
        for second in sorted({1, 5, 20, *(total * n // 12 for n in range(1, 12)), total - 2}):
            code, err, out = interrupted_twice(second)
            assert "Traceback" not in err, (second, total, err)
            assert code == 130, (second, total, code, err)
            assert err.count("myst2qmd: interrupted") == 1 and "nothing was written" in err, (second, total, err)
            assert snapshot(out) == {"alt.txt": b"alt\n"}, (second, total, err)
        assert not [p for p in tmp_path.iterdir() if ".myst2qmd-" in p.name], "a staging folder was left"
    finally:
        runs.stdin.close()
        runs.wait(timeout=600)
