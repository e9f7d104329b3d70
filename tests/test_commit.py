"""Issue 18, item 5: the book commit under ``kill -9``, SIGTERM and SIGHUP, two runs into one
folder, an output folder that is a mount point, and a commit that fails half-way.

The kill points are deterministic: ``MYST2QMD_TEST_PAUSE_COMMIT=k`` makes the commit pause after
its step k (of 3 per changed file + 5) and say so on stderr; the test then sends the signal.
"""

from __future__ import annotations

import errno
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from cli_run import default_stop_signals
from myst2qmd import cli
from myst2qmd.book.reuse import MANIFEST
from myst2qmd.commit import JOURNAL, LOCK, PAUSE_ENV, output_locked
from test_trust_book import make_book, notebook, snapshot

TESTS = Path(__file__).parent


def _book(version: str, chapters: int, extra: bool = False) -> dict[str, str | bytes]:
    """A small book; the new version changes two chapters and the data file, and adds a chapter
    in a new folder and a notebook (new folders must go again when a commit is rolled back)."""
    toc = "format: jb-book\nroot: intro\nchapters:\n" + "".join(f"  - file: k{n}\n" for n in range(chapters))
    files: dict[str, str | bytes] = {
        "_config.yml": f"title: Kurs {version}\n",
        "intro.md": "# Einleitung\n\nBleibt gleich.\n",
        "bilder/netz.png": b"\x89PNG" + version.encode(),
    }
    for n in range(chapters):
        files[f"k{n}.md"] = f"# Kapitel {n}\n\n" + (f"Fassung {version}.\n" if n < 2 else "Bleibt gleich.\n")
    if extra:
        toc += "  - file: neu/anhang\n  - file: neu/rechnung\n"
        files["neu/anhang.md"] = "# Anhang\n\nNeu.\n"
        files["neu/rechnung.ipynb"] = notebook({"cell_type": "markdown", "source": "# Rechnung\n\nNeu.\n"})
    files["_toc.yml"] = toc
    return files


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]]:
    """The old and the new book, the old output (pristine) and both outputs' contents."""
    root = tmp_path_factory.mktemp("versions")
    old_book = make_book(root / "alt", _book("alt", 4))
    new_book = make_book(root / "neu", _book("neu", 4, extra=True))
    pristine, reference = root / "pristine", root / "reference"
    # (a module's fixture runs before the autouse one that sets MYST2QMD_ENGINE=none)
    assert cli.main(["convert", str(old_book), "-o", str(pristine), "-q", "--engine", "none"]) == 0
    shutil.copytree(pristine, reference)
    assert cli.main(["convert", str(new_book), "-o", str(reference), "-q", "--engine", "none"]) == 0
    old_state, new_state = snapshot(pristine), snapshot(reference)
    assert old_state != new_state and not _hidden(reference)
    return old_book, new_book, pristine, old_state, new_state


def _hidden(folder: Path) -> list[str]:
    """What the commit may leave (lock, journal, staging, replaced files): nothing after a run (the
    book's manifest is an output, committed with the others)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != MANIFEST.name)


def _visible(folder: Path) -> dict[str, bytes]:
    """What Quarto sees of ``folder``: its files but those under a dot-named entry."""
    return _seen_by_quarto(snapshot(folder))


def _seen_by_quarto(state: dict[str, bytes]) -> dict[str, bytes]:
    """The files of a :func:`snapshot` but those under a dot-named entry (the manifest)."""
    return {rel: data for rel, data in state.items() if not rel.startswith(".")}


def _changed(old: dict[str, bytes], new: dict[str, bytes]) -> int:
    return sum(1 for rel, data in new.items() if old.get(rel) != data)


class Killer:
    """``tests/commit_killer.py``: forks one run per kill point, paused at the step asked for."""

    def __init__(self, cache: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MYST2QMD_")}
        env.update(MYST2QMD_ENGINE="none", MYST2QMD_CACHE_DIR=str(cache), PYTHONPATH=os.pathsep.join(sys.path))
        self.process = subprocess.Popen(
            [sys.executable, str(TESTS / "commit_killer.py")],
            preexec_fn=default_stop_signals,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: dict[str, queue.Queue[str]] = {"out": queue.Queue(), "err": queue.Queue()}
        for name, stream in (("out", self.process.stdout), ("err", self.process.stderr)):
            threading.Thread(target=self._read, args=(stream, self.lines[name]), daemon=True).start()

    @staticmethod
    def _read(stream: IO[str], into: queue.Queue[str]) -> None:
        for line in stream:
            into.put(line)
        into.put("")

    def line(self, stream: str) -> str:
        """The next line on ``out`` or ``err`` ("" once it has ended)."""
        try:
            return self.lines[stream].get(timeout=300)  # a hang guard: minutes, for a loaded machine
        except queue.Empty:
            raise AssertionError("the run did not answer within five minutes") from None

    def run(self, step: int, src: Path, out: Path, signum: int = signal.SIGKILL) -> tuple[int, str]:
        """A run of ``src`` into ``out`` paused after commit step ``step``, then sent ``signum``:
        its exit code and what it said on stderr."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{step} {src} {out}\n")
        self.process.stdin.flush()
        pid = int(self.line("out"))
        said = []
        while not said or f"paused after step {step} of" not in said[-1]:
            said.append(self.line("err"))
            assert said[-1], "the run ended without pausing"
        os.kill(pid, signum)
        code = int(self.line("out"))
        while signum != signal.SIGKILL and "interrupted" not in said[-1]:  # it says what it did
            said.append(self.line("err"))
        return code, "".join(said)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=300)


@pytest.fixture(scope="module")
def killer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Killer]:
    runner = Killer(tmp_path_factory.mktemp("cache"))
    yield runner
    runner.close()


def _fresh_out(pristine: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(pristine, out)


def test_kill_9_at_50_points_of_the_commit_leaves_one_whole_version(
    tmp_path: Path, versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]], killer: Killer
) -> None:
    """SIGKILL after every step of the commit (and more, at random): once the next run has taken
    the folder (lock, then recovery), it holds the old version whole (killed while staging) or the
    new one whole (killed once the journal was written), and nothing of the commit is left."""
    _, new_book, pristine, old_state, new_state = versions
    changed = _changed(old_state, new_state)
    total = 3 * changed + 5
    journal_step = changed + 2  # the staging folder, each file staged, then the journal
    points = list(range(1, total + 1)) * (50 // total)
    points += random.Random(18).sample(range(1, total + 1), 50 - len(points))
    assert len(points) == 50 and set(points) == set(range(1, total + 1))
    out = tmp_path / "out"
    seen = set()
    for step in points:
        _fresh_out(pristine, out)
        code, said = killer.run(step, new_book, out)
        assert code == -signal.SIGKILL, said
        assert f"commit of {total} steps" in said, said
        mixed = _visible(out) not in (_seen_by_quarto(old_state), _seen_by_quarto(new_state))
        had_journal = (out / JOURNAL).is_file()
        assert had_journal == (journal_step <= step < total - 2), step  # what the next run finishes
        with output_locked(out) as notes:  # what the next run does first
            pass
        state = snapshot(out)
        assert state == (old_state if step < journal_step else new_state), f"killed after step {step}: {said}"
        assert _hidden(out) == [], step
        assert bool(notes) == (step < total), (step, notes)
        seen.add("mixed" if mixed else "whole")
    assert seen == {"mixed", "whole"}  # the kills did land in the middle of the moves, too


@pytest.mark.parametrize(("step", "then"), [(3, "old"), (9, "new")])
def test_the_next_real_run_finishes_or_cleans_up_a_killed_commit(
    tmp_path: Path,
    versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]],
    killer: Killer,
    capsys: pytest.CaptureFixture[str],
    step: int,
    then: str,
) -> None:
    """After ``kill -9`` the next ``myst2qmd convert`` says what it finished or removed, and its
    incremental comparison runs on a whole version: after a finished commit nothing is rewritten."""
    _, new_book, pristine, _, new_state = versions
    out = tmp_path / "out"
    _fresh_out(pristine, out)
    killer.run(step, new_book, out)
    assert [p for p in _hidden(out) if p != LOCK]  # something was left to deal with
    capsys.readouterr()
    assert cli.main(["convert", str(new_book), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert ("finished the commit of a run that was stopped" in err) == (then == "new"), err
    assert ("removed what a stopped run left" in err) == (then == "old"), err
    assert ("(0 files written, 8 unchanged), 0 files copied" in err) == (then == "new"), err
    assert snapshot(out) == new_state and _hidden(out) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_sigterm_and_sighup_stop_a_commit_as_ctrl_c_does(
    tmp_path: Path,
    versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]],
    killer: Killer,
    signum: int,
) -> None:
    """While staging: the staging folder goes, nothing was written; during the moves: the
    commit is finished first. Exit code 128 + the signal, and the message says which."""
    _, new_book, pristine, old_state, new_state = versions
    out = tmp_path / "out"
    stops = ((3, old_state, "interrupted; nothing was written"), (9, new_state, "written completely"))
    for step, state, message in stops:
        _fresh_out(pristine, out)
        code, said = killer.run(step, new_book, out, signum)
        assert code == 128 + signum, said
        assert message in said and "Traceback" not in said, said
        assert snapshot(out) == state and _hidden(out) == [], said


def test_a_second_run_into_the_same_folder_stops_with_a_message(
    tmp_path: Path,
    versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The first run holds the folder (here: paused in its commit); the second exits 2, saying
    so, and writes nothing; once the first has ended, the next run goes ahead."""
    old_book, new_book, pristine, old_state, new_state = versions
    out = tmp_path / "out"
    _fresh_out(pristine, out)
    env = {**os.environ, PAUSE_ENV: "4", "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.Popen(
        [sys.executable, "-m", "myst2qmd", "convert", str(new_book), "-o", str(out)],
        preexec_fn=default_stop_signals,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert first.stderr is not None
    while "paused after step 4" not in (line := first.stderr.readline()):
        assert line, "the first run ended without pausing"
    capsys.readouterr()
    assert cli.main(["convert", str(old_book), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"myst2qmd: error: another myst2qmd run is writing {out} (process {first.pid})" in err, err
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=300) == 128 + signal.SIGTERM
    assert snapshot(out) == old_state and _hidden(out) == []
    assert cli.main(["convert", str(new_book), "-o", str(out), "-q"]) == 0
    assert snapshot(out) == new_state and _hidden(out) == []


def _inside(path: str | os.PathLike[str], folder: Path) -> bool:
    resolved = Path(path).resolve()
    return resolved == folder or folder in resolved.parents


@pytest.mark.parametrize("exists", [True, False])
def test_every_rename_of_the_commit_stays_inside_the_output_folder(
    tmp_path: Path,
    versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    exists: bool,
) -> None:
    """An output folder that is a mount point (a Docker volume, a USB disk): a rename into it
    from anywhere else fails with EXDEV, as it does there."""
    _, new_book, pristine, _, new_state = versions
    out = tmp_path / "volume" / "out"
    if exists:
        shutil.copytree(pristine, out)
    mount = out.resolve() if exists else (tmp_path / "volume" / "out").resolve()
    real_replace, real_rename = os.replace, os.rename

    def across(real: object) -> object:
        def move(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
            if _inside(src, mount) != _inside(dst, mount):
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(src))
            real(src, dst)  # type: ignore[operator]

        return move

    monkeypatch.setattr(os, "replace", across(real_replace))
    monkeypatch.setattr(os, "rename", across(real_rename))
    assert cli.main(["convert", str(new_book), "-o", str(out), "-q"]) == 0
    assert snapshot(out) == new_state and _hidden(out) == []


def test_a_book_is_written_into_a_real_mount_point(
    tmp_path: Path, versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]]
) -> None:
    """A tmpfs mounted on the output folder, in a mount namespace of its own (needs root)."""
    old_book, new_book, _, old_state, new_state = versions
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("no private mount namespace here (unshare -m needs root)")
    out, copies = tmp_path / "mnt", tmp_path / "copies"
    out.mkdir()
    run = f"{sys.executable} -m myst2qmd convert"
    script = (
        f"mount -t tmpfs tmpfs {out} && {run} {old_book} -o {out} -q && cp -a {out} {copies}-old"
        f" && {run} {new_book} -o {out} -q && cp -a {out} {copies}-new"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert snapshot(Path(f"{copies}-old")) == old_state and snapshot(Path(f"{copies}-new")) == new_state


def test_a_commit_failing_half_way_is_rolled_back(
    tmp_path: Path,
    versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The eighth rename of the commit fails (a full quota, a folder turned read-only): exit 1,
    and the folder is the old version again, new folders gone, nothing of the commit left."""
    _, new_book, pristine, old_state, _ = versions
    out = tmp_path / "out"
    _fresh_out(pristine, out)
    real_replace = os.replace
    calls = []

    def failing(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append(dst)
        if len(calls) == 8:  # the journal, 2 per replaced file, 1 per new one: _quarto.yml
            raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    assert cli.main(["convert", str(new_book), "-o", str(out), "-q"]) == 1
    assert "cannot write" in capsys.readouterr().err
    assert len(calls) > 8  # it was half-way: and then rolled back
    assert snapshot(out) == old_state and _hidden(out) == []
    assert not (out / "neu").exists()


@pytest.mark.parametrize(
    "journal",
    ["{not json", '{"id": "1-ab", "files": ["../draussen.txt"]}', '{"id": "../..", "files": []}', "[]"],
)
def test_a_journal_that_is_not_ours_stops_the_run(
    tmp_path: Path,
    versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]],
    capsys: pytest.CaptureFixture[str],
    journal: str,
) -> None:
    """Nothing is moved by a journal myst2qmd did not write (or one naming paths outside)."""
    _, new_book, pristine, old_state, _ = versions
    out = tmp_path / "out"
    _fresh_out(pristine, out)
    (tmp_path / "draussen.txt").write_text("bleibt\n", encoding="utf-8")
    (out / JOURNAL).write_text(journal, encoding="utf-8")
    assert cli.main(["convert", str(new_book), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{out / JOURNAL} is not a commit journal myst2qmd can finish" in err, err
    assert (tmp_path / "draussen.txt").read_text(encoding="utf-8") == "bleibt\n"
    assert {k: v for k, v in snapshot(out).items() if k != JOURNAL} == old_state


def test_a_run_that_writes_nothing_leaves_no_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The output folder (and its parents) are made to hold the lock; a run stopped before its
    commit takes them away again."""
    book = make_book(tmp_path / "book", {"_toc.yml": "root: intro\n", "intro.ipynb": "{kaputt"})
    assert cli.main(["convert", str(book), "-o", str(tmp_path / "a" / "b" / "out")]) == 2
    assert "not a valid notebook" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


def test_check_skips_what_a_stopped_commit_left(
    tmp_path: Path,
    versions: tuple[Path, Path, Path, dict[str, bytes], dict[str, bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A staging folder (dot-named, as Quarto skips it too) is no part of the book ``check`` reads."""
    out = tmp_path / "out"
    _fresh_out(versions[2], out)
    assert cli.main(["check", str(out)]) == 0
    staging = out / ".myst2qmd-staging-1-ab"
    staging.mkdir()
    (staging / "k0.qmd").write_text("# Kaputt\n\n::: {.callout-note\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["check", str(out)]) == 0, capsys.readouterr().out


def test_stop_signals_raise_keyboard_interrupt_and_set_the_exit_code() -> None:
    """Outside the write phase SIGTERM stops the run as Ctrl-C does (its clean-up runs)."""
    from myst2qmd.files import stop_signal, stops_as_interrupts

    with pytest.raises(KeyboardInterrupt), stops_as_interrupts():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert stop_signal() == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_the_exit_code_is_the_last_of_the_signals_a_held_block_got() -> None:
    """SIGTERM, then Ctrl-C, both held by one block of the clean-up (a handler Python ran late, as
    on a busy machine): the exit code is Ctrl-C's, the last one's, as when they come apart."""
    from myst2qmd.files import interrupts_deferred, stop_signal, stops_as_interrupts

    with pytest.raises(KeyboardInterrupt), stops_as_interrupts():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        finally:
            with interrupts_deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                os.kill(os.getpid(), signal.SIGINT)
    assert stop_signal() == signal.SIGINT


def test_a_second_stop_signal_is_noted_not_raised_and_the_handlers_come_back() -> None:
    """Ctrl-C, then SIGTERM in the clean-up it started, and Ctrl-C again in a held block of that
    clean-up: one KeyboardInterrupt, the clean-up runs to its end, the exit code is the last
    signal's; after the block Ctrl-C raises again (a library caller keeps its Ctrl-C)."""
    from myst2qmd.files import interrupts_deferred, stop_signal, stops_as_interrupts

    cleaned = []
    with pytest.raises(KeyboardInterrupt), stops_as_interrupts():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)
            cleaned.append("after SIGTERM")
            with interrupts_deferred():
                os.kill(os.getpid(), signal.SIGINT)
            cleaned.append("after the held block")
    assert cleaned == ["after SIGTERM", "after the held block"]
    assert stop_signal() == signal.SIGINT
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt), stops_as_interrupts():  # the next run stops again
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
