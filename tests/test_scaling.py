"""Time grows linearly with every dimension of the input (issue 10, item 5).

Each family of inputs (``tests/scaling_families.py``) is converted at ``n`` and ``4 n``; linear
time is a ratio of about 4, quadratic about 16. The bound is generous (8) so a busy 2-core
machine does not make the tests flaky: each time is the fastest of 3 runs, in CPU seconds of this
process (other processes on the machine do not count), of an input that takes at least about
50 ms. No absolute times are asserted. ``benchmarks/bench_scaling.py`` prints the
same families with larger inputs.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from myst2qmd import convert_text
from myst2qmd.book import convert_book
from myst2qmd.constructs.comments import split_comments
from myst2qmd.parser import block_parser_for, shared_parser
from scaling_families import FAMILIES, write_book

RATIO = 8  # for a 4x input: linear is 4, quadratic 16


def cpu_seconds(work: Callable[[], object], runs: int = 3) -> float:
    """The fastest of ``runs`` runs of ``work``, in CPU seconds of this process: the machine's
    other load slows a run down, it never speeds one up."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def growth(family: Callable[[int], str], n: int) -> tuple[float, float]:
    """(seconds at ``n``, seconds at ``4 n``) for converting ``family``'s input."""
    small, large = family(n), family(4 * n)
    convert_text(small)  # warm up (imports, parser)
    return cpu_seconds(lambda: convert_text(small)), cpu_seconds(lambda: convert_text(large))


@pytest.mark.parametrize(
    ("family", "n"),
    [
        ("roles in one paragraph", 2000),
        ("unclosed <!--", 4000),
        ("labelled sections", 1500),
        ("plain paragraphs", 1000),
    ],
)
def test_time_grows_linearly(family: str, n: int) -> None:
    small, large = growth(FAMILIES[family], n)
    assert large / small < RATIO, f"{family}: {n} in {small:.3f} s, {4 * n} in {large:.3f} s"


@pytest.mark.parametrize("family", ["nested directives", "nested backtick directives"])
def test_nested_directives_grow_linearly(family: str) -> None:
    """Nested directives: linear in the input's size, which grows quadratically with the depth.

    Each level's fence is one ``:`` longer than the one inside it, so ``n`` levels take about
    ``n²`` characters: 4x the depth is about 14x the text. Each document is parsed once (bodies
    are tokenized inside their fence's parse, never parsed again as part of their parent), so
    time grows with the text, not with the text times the depth (before parse-once: 250 levels
    0.3 s, 1,000 levels 30-80 s). The bound is the size ratio with a margin of 25 % (a fence
    rule still looks at each line of its body once, to find its closing fence: one line per
    level, which is what makes the text itself quadratic).
    """
    small, large = FAMILIES[family](100), FAMILIES[family](400)
    size = len(large) / len(small)
    times = growth(FAMILIES[family], 100)
    assert times[1] / times[0] < 1.25 * size, f"{family}: 100 levels in {times[0]:.3f} s, 400 in {times[1]:.3f} s"


def test_a_book_grows_linearly_with_its_chapters(monkeypatch: pytest.MonkeyPatch) -> None:
    """A book of 4x the chapters (and labels): the book's label table is not rebuilt per chapter."""
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")  # all work in this process, where it is timed
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_book(folder / "small", 20, labels=7, filler=0)
        write_book(folder / "large", 80, labels=7, filler=0)
        runs = iter(range(100))

        def convert(name: str) -> Callable[[], object]:
            return lambda: convert_book(folder / name, folder / f"out{next(runs)}")

        convert("small")()
        small, large = cpu_seconds(convert("small")), cpu_seconds(convert("large"))
    assert large / small < RATIO, f"20 chapters in {small:.3f} s, 80 in {large:.3f} s"


def test_one_pass_over_html_comments() -> None:
    """An unclosed ``<!--`` repeated: each one is not searched again to the end of the block."""
    text = "<!-- a " * 20_000 + "<!-- b --> c"
    comments, rest = split_comments(text)
    assert comments == [text[4 : text.index("-->")]] and rest == "c"
    small, large = (
        cpu_seconds(lambda: split_comments(text[: len(text) // 4])),
        cpu_seconds(lambda: split_comments(text)),
    )
    assert large < RATIO * max(small, 1e-3)


def test_block_parses_keep_a_referenced_footnote_definition() -> None:
    """The label pass parses block tokens only; a footnote definition's blocks (kept at the end
    because the inline pass finds its reference) must be there too."""
    text = "Text[^a].\n\n[^a]: Definition\n\n    (lab)=\n    ## Section\n\n```{figure} x.png\n:name: fig-x\n```\n"
    for source in (text, text.replace("[^a]", "[a]")):
        blocks = [(t.type, t.map) for t in block_parser_for(source).parse(source)]
        whole = [(t.type, t.map) for t in shared_parser().parse(source)]
        assert blocks == whole
    assert "myst_target" in [t.type for t in block_parser_for(text).parse(text)]


def test_a_book_converted_in_parallel_processes_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chapters converted in worker processes (a big book) give the output and warnings of one process."""
    import threading

    from myst2qmd.book import _book_processes

    if threading.active_count() > 1:
        pytest.skip("other threads run in this process: books are converted in it, never forked")
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "2")
    assert _book_processes(1000, 10) == 2
    outputs = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_book(folder / "book", 12, labels=3, filler=2)
        (folder / "book" / "teil1" / "kapitel0.md").write_text(
            "# Null\n\nSiehe {ref}`nirgends` und ![](../../weg.png).\n", encoding="utf-8"
        )
        for processes in ("2", "1"):
            monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", processes)
            report, warnings = convert_book(folder / "book", folder / f"out{processes}")
            files = sorted((folder / f"out{processes}").rglob("*.qmd"))
            texts = {f.relative_to(folder / f"out{processes}"): f.read_text(encoding="utf-8") for f in files}
            outputs.append((texts, [str(w) for w in warnings], report.as_json()))
    assert len(outputs[0][0]) == 13 and outputs[0][1]
    assert outputs[0] == outputs[1]


def test_memory_of_a_big_rich_file() -> None:
    """A 30 MB file must convert in under 1 GB; 3 MB (a tenth) in under 100 MB of peak memory,
    interpreter included (each paragraph's inline tokens are let go once it is converted)."""
    import subprocess
    import sys

    if not Path("/proc/self/status").is_file():
        pytest.skip("peak memory is read from /proc/self/status (Linux)")
    # VmHWM: the peak of this process's own memory (ru_maxrss would include the forking parent's)
    code = (
        "import re; from scaling_families import rich_file; from myst2qmd import convert_text; "
        "result = convert_text(rich_file(3)); assert '@sec-1-0' in result.text; "
        "print(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": os.pathsep.join(sys.path)},
        check=True,
    )
    peak_mb = int(run.stdout.split()[-1]) / 1024
    assert peak_mb < 100, f"peak {peak_mb:.0f} MB converting 3 MB"
