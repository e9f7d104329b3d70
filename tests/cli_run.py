"""Run the command line as a user does: ``python -m myst2qmd …`` in a process of its own."""

from __future__ import annotations

import os
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
