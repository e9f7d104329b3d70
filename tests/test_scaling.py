"""Work grows linearly with every dimension of the input (issue 10, item 5).

Each family of inputs (``tests/scaling_families.py``) is converted at ``n`` and ``4 n``; linear
work is a ratio of about 4, quadratic about 16. The work is counted, not timed
(:func:`work_count.steps`, the lines and calls executed: the same on a loaded machine), with a bound
of 1.25 times the size ratio. A string copied or searched to its end at every step is one C call
however long the string: for that, CPU seconds with the garbage collector paused, the fastest of
3 runs of inputs that take at least about 100 ms, must stay under a bound of 12 (linear 4,
quadratic 16). ``benchmarks/bench_scaling.py`` prints the same families with larger inputs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from myst2qmd import convert_text
from myst2qmd.book import convert_book
from myst2qmd.constructs.comments import split_comments
from myst2qmd.parser import block_parser_for, shared_parser
from scaling_families import FAMILIES, write_book
from work_count import cpu_seconds, steps

RATIO = 12  # CPU seconds for a 4x input: linear is 4, quadratic 16
WORK = 1.25  # counted work: at most 25 % above the size ratio


def growth(small: str, large: str) -> tuple[int, int]:
    """(steps converting ``small``, steps converting ``large``)."""
    convert_text(small)  # warm up (imports, parser, caches)
    return steps(lambda: convert_text(small)), steps(lambda: convert_text(large))


@pytest.mark.parametrize(
    ("family", "n"),
    [
        ("roles in one paragraph", 6000),
        ("unclosed <!--", 4000),
        ("labelled sections", 1500),
        ("plain paragraphs", 1000),
    ],
)
def test_work_grows_linearly(family: str, n: int) -> None:
    text, text4 = FAMILIES[family](n), FAMILIES[family](4 * n)
    small, large = growth(text, text4)
    assert large / small < WORK * len(text4) / len(text), f"{family}: {n} in {small:,} steps, {4 * n} in {large:,}"
    t_small, t_large = cpu_seconds(lambda: convert_text(text)), cpu_seconds(lambda: convert_text(text4))
    assert t_large / t_small < RATIO, f"{family}: {n} in {t_small:.3f} s, {4 * n} in {t_large:.3f} s"


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
    work = growth(small, large)
    assert work[1] / work[0] < WORK * size, f"{family}: 100 levels in {work[0]:,} steps, 400 in {work[1]:,}"


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
        small, large = steps(convert("small")), steps(convert("large"))
    assert large / small < WORK * 4, f"20 chapters in {small:,} steps, 80 in {large:,}"


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
    assert steps(lambda: split_comments(text)) < WORK * 4 * steps(lambda: split_comments(text[: len(text) // 4]))


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

    from myst2qmd.book.workers import book_processes

    if threading.active_count() > 1:
        pytest.skip("other threads run in this process: books are converted in it, never forked")
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "2")
    assert book_processes(1000, 10) == 2
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
