"""Run by ``tests/test_trust_cli.py`` as a process of its own: runs of ``python -m myst2qmd convert
SRC -o OUT`` with Ctrl-C pressed twice, at points chosen by work counts, never by the clock.

For each line ``SECOND OUT`` read from stdin, a forked child (a process group of its own) runs the
command line as ``python -m myst2qmd`` does, to the process's exit: the first Ctrl-C reaches the
process group once the commit has staged its first file, the second one ``SECOND`` Python function
calls later (in the clean-up the first one started, while the message is printed, while the
process exits). The child's stderr goes to ``OUT.err``; with ``SECOND`` 0 there is no second
Ctrl-C, and the number of calls from the first Ctrl-C to the exit goes to ``OUT.calls``, for the
test to spread the second one over that stretch. This process prints the child's exit code
(negative: the signal that ended it). A fork per run instead of a new interpreter keeps a dozen
runs to seconds.

    python tests/double_interrupt.py SRC
"""

from __future__ import annotations

import atexit
import os
import runpy
import signal
import sys
import tempfile
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Any

from myst2qmd import cli, commit


def interrupted_twice(src: str, out: str, second: int) -> None:
    """In the child: the run, with its two Ctrl-C; ends the process as the command line does."""
    os.setpgid(0, 0)  # a process group of its own: Ctrl-C in a terminal reaches every process of it
    calls = 0

    def count(_frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1
            if calls == second:
                os.killpg(0, signal.SIGINT)  # the second Ctrl-C

    staged = commit.Commit.staged

    def first_ctrl_c(self: commit.Commit, rel: PurePosixPath) -> None:
        staged(self, rel)
        if commit.Commit.staged is first_ctrl_c:
            commit.Commit.staged = staged  # type: ignore[method-assign]
            sys.setprofile(count)
            os.killpg(0, signal.SIGINT)  # the first Ctrl-C

    commit.Commit.staged = first_ctrl_c  # type: ignore[method-assign]
    if not second:
        atexit.register(lambda: Path(out + ".calls").write_text(str(calls), encoding="utf-8"))
    err = os.open(out + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(err, 2)
    sys.argv = ["myst2qmd", "convert", src, "-o", out]
    runpy.run_module("myst2qmd", run_name="__main__", alter_sys=True)


def main() -> None:
    src = sys.argv[1]
    with tempfile.TemporaryDirectory() as folder:  # every module a run loads, loaded before the forks
        assert cli.main(["convert", src, "-o", str(Path(folder) / "out"), "-q"]) == 0
    for line in sys.stdin:
        second, out = line.split()
        pid = os.fork()
        if pid == 0:
            interrupted_twice(src, out, int(second))  # never returns: the child exits as the command does
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    main()
