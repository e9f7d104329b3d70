"""Run by ``tests/test_trust_cli.py`` as a process of its own (in a process group of its own):
``python -m myst2qmd convert SRC -o OUT`` with Ctrl-C pressed twice, at points chosen by work
counts, never by the clock.

The first Ctrl-C reaches the process group once the commit has staged its first file; the second
one ``SECOND`` Python function calls later: in the clean-up the first one started, while the
message is printed, while the process exits. With ``SECOND`` 0 there is no second Ctrl-C, and the
number of calls from the first Ctrl-C to the exit is printed on stdout, for the test to spread the
second one over that stretch.

    python tests/double_interrupt.py SRC OUT SECOND
"""

from __future__ import annotations

import atexit
import os
import runpy
import signal
import sys
from pathlib import PurePosixPath
from types import FrameType
from typing import Any

from myst2qmd import commit


def main() -> None:
    src, out, second = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
        atexit.register(lambda: print(calls, flush=True))
    sys.argv = ["myst2qmd", "convert", src, "-o", out]
    runpy.run_module("myst2qmd", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
