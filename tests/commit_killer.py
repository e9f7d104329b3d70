"""Run by ``tests/test_commit.py`` as a process of its own: loads myst2qmd once, then for each line
``STEP SRC OUT`` read from stdin forks a child that runs ``myst2qmd convert SRC -o OUT`` with the
commit pausing after step STEP (``MYST2QMD_TEST_PAUSE_COMMIT``). It prints the child's pid, then,
once the child has ended (the test kills it), its exit code (negative: the signal that ended it).
The child's messages, the pause among them, go to this process's stderr.

A fork per run instead of a new interpreter keeps 50 kill points to a few seconds.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from myst2qmd import cli
from myst2qmd.commit import PAUSE_ENV
from test_trust_book import notebook


def warm_up() -> None:
    """One conversion first, so that every module a run loads is loaded before the forks."""
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "book"
        book.mkdir()
        (book / "_toc.yml").write_text("root: intro\nchapters:\n  - file: rechnung\n", encoding="utf-8")
        (book / "intro.md").write_text("# Intro\n\nText.\n", encoding="utf-8")
        (book / "rechnung.ipynb").write_text(notebook({"cell_type": "markdown", "source": "# R\n"}), encoding="utf-8")
        assert cli.main(["convert", str(book), "-o", str(Path(folder) / "out"), "-q"]) == 0


def main() -> None:
    warm_up()
    for line in sys.stdin:
        step, src, out = line.split()
        pid = os.fork()
        if pid == 0:  # the child: one run, then out without the parent's clean-up
            os.environ[PAUSE_ENV] = step
            code = 1
            try:
                code = cli.main(["convert", src, "-o", out, "-q"])
            finally:
                sys.stderr.flush()
                os._exit(code)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    main()
