"""Work, counted instead of timed: a loaded machine slows a run down but never changes how many
steps it takes.

:func:`steps` counts the lines of Python executed (each turn of a loop, a comprehension's too),
the Python functions called and the C functions called while ``work`` runs (trace and profile
hooks; the count is the same on every run of the same input). It sees Python work that grows
with the square of the input; it does not see one C call that copies or searches a long string
(``text[pos:]``, ``str.find``), which :func:`cpu_seconds` with the garbage collector paused is
for, with a bound well above linear.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any


def steps(work: Callable[[], object]) -> int:
    """How many lines, Python calls and C calls ``work()`` executes (``>>> steps(lambda: [x for x in
    range(400)])`` is about 400 more than for ``range(0)``)."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1  # a call, a line (a loop's jump back is one too), a return or an exception
        return trace

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        count += event == "c_call"

    before = sys.gettrace(), sys.getprofile()
    sys.settrace(trace)
    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.settrace(before[0])
        sys.setprofile(before[1])
    return count


def cpu_seconds(work: Callable[[], object], runs: int = 3) -> float:
    """The fastest of ``runs`` runs of ``work``, in CPU seconds of this process, with the garbage
    collector paused (its passes grow with the objects alive, whatever the code does): the
    machine's other load slows a run down, it never speeds one up."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best
