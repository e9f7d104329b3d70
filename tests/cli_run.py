"""Run the command line as a user does: ``python -m myst2qmd …`` in a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``myst2qmd ARGS`` with ``env`` added to this process's environment; it never shows a traceback."""
    run = subprocess.run(
        [sys.executable, "-m", "myst2qmd", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
    assert "Traceback" not in run.stderr and "please report" not in run.stderr, run.stderr
    return run


def default_stop_signals() -> None:
    """``preexec_fn`` of a run a test will stop with a signal: Ctrl-C, SIGTERM and SIGHUP as a
    terminal gives them. A test runner started under ``nohup`` or as a background job of a
    script ignores SIGHUP or SIGINT, its children inherit that, and the run (rightly) keeps
    ignoring them: the signal the test sends would never arrive."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
