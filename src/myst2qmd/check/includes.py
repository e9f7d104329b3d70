"""``{{< include PATH >}}`` shortcodes that Quarto cannot carry out: a file that does not exist,
and a file that includes itself, directly or through others (Quarto would include it without
end)."""

from __future__ import annotations

from pathlib import Path

from ..codes import Code
from ..quarto import blank_code
from .scan import INCLUDE, FileScan, Problem, read_text


def include_target(target: str, file: Path, root: Path) -> Path:
    """Where an include in ``file`` points: a path starting with ``/`` is from the project root.

    >>> include_target("/_teil.qmd", Path("b/k/a.qmd"), Path("b")).as_posix(), include_target(
    ...     "_t.qmd", Path("b/k/a.qmd"), Path("b")).as_posix()
    ('b/_teil.qmd', 'b/k/_t.qmd')
    """
    return root / target.lstrip("/") if target.startswith("/") else file.parent / target


class IncludeGraph:
    """Which files each file includes, read once per file (from its scan when it has one)."""

    def __init__(self, root: Path, scans: dict[Path, FileScan]):
        self.root = root
        self.scans = scans
        self.edges: dict[Path, list[Path]] = {}

    def includes(self, file: Path) -> list[Path]:
        """The existing files ``file`` includes, resolved."""
        if file not in self.edges:
            scan = self.scans.get(file)
            if scan is not None:
                found = [target for target, _ in scan.includes]
            else:
                text = read_text(file)[0]
                found = [next(g for g in m.groups() if g) for m in INCLUDE.finditer(blank_code(text or ""))]
            targets = (include_target(target, file, self.root) for target in found)
            self.edges[file] = [target.resolve() for target in targets if target.is_file()]
        return self.edges[file]

    def chain(self, start: Path, goal: Path) -> list[Path] | None:
        """The files from ``start`` to ``goal`` along includes (breadth first), or ``None``."""
        previous: dict[Path, Path | None] = {start: None}
        queue = [start]
        for current in queue:  # the queue grows while it is read
            if current == goal:
                chain = [current]
                while (before := previous[chain[-1]]) is not None:
                    chain.append(before)
                return chain[::-1]
            for nxt in self.includes(current):
                if nxt not in previous:
                    previous[nxt] = current
                    queue.append(nxt)
        return None


def include_problems(display: str, scan: FileScan, graph: IncludeGraph) -> list[Problem]:
    """The includes of ``scan`` that name no file or lead back to the file itself."""
    problems = []
    me = scan.path.resolve()
    for target, line in scan.includes:
        destination = include_target(target, scan.path, graph.root)
        shortcode = f"{{{{< include {target} >}}}}"
        if not destination.is_file():
            message = f"{shortcode}: {target} does not exist"
            problems.append(Problem(display, line, message, Code.INCLUDE_FAILED))
            continue
        chain = graph.chain(destination.resolve(), me)
        if chain is None:
            continue
        if len(chain) == 1:
            message = f"{shortcode} includes this file itself: Quarto would include it without end"
        else:
            names = " -> ".join(_name(p, graph.root) for p in chain)
            message = f"{shortcode} leads back to this file ({names}): Quarto would include it without end"
        problems.append(Problem(display, line, message, Code.INCLUDE_FAILED))
    return problems


def _name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
