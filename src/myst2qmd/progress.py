"""The translation progress bar: segments done of those sent, with rate and time left.

It writes to its own copy of the terminal's file descriptor 2, taken before the run: the local
engine silences descriptor 2 while llama.cpp runs (its C code logs there), which is nearly all
the time, so a bar on ``sys.stderr`` would stand still until the end and then jump.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Task
    from rich.text import Text


def terminal_stream() -> IO[str]:
    """A text stream on a duplicate of descriptor 2 (``sys.stderr`` when it has none): what the
    engine later does to descriptor 2 does not reach it."""
    try:
        fd = os.dup(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):  # a stream without a descriptor (tests, IDEs)
        return sys.stderr
    return os.fdopen(fd, "w", encoding="utf-8", errors="replace", buffering=1)


def rate(task: Task) -> str:
    """``3.2 s/segment`` or ``4.5 segments/s`` from rich's speed estimate (``""`` before it has one)."""
    speed = task.finished_speed or task.speed
    if not speed:
        return ""
    return f"{1 / speed:.1f} s/segment" if speed < 1 else f"{speed:.1f} segments/s"


@contextmanager
def progress_bar(label: str) -> Iterator[tuple[Callable[[int], None], Callable[[float], None]]]:
    """A transient bar ``translating LABEL ━━━ 12/267 segments 3.1 s/segment 0:01:02 left``; yields
    ``(on_total, on_progress)`` for :class:`~.translate.pipeline.Translator`."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(rate(task), style="progress.data.speed")

    stream = terminal_stream()
    columns = (
        TextColumn("translating {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("segments"),
        RateColumn(),
        TimeRemainingColumn(),
        TextColumn("left"),
    )
    try:
        with Progress(*columns, console=Console(file=stream), transient=True, speed_estimate_period=120) as bar:
            task = bar.add_task(label, total=None)

            def on_total(n: int) -> None:
                bar.update(task, total=n)

            def on_progress(done: float) -> None:
                bar.update(task, completed=done)

            yield on_total, on_progress
    finally:
        if stream is not sys.stderr:
            stream.close()
