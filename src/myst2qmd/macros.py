"""User LaTeX macros: loading them from a Jupyter Book config or a .tex file, expanding them.

``_config.yml``::

    sphinx:
      config:
        mathjax3_config:
          tex:
            macros:
              v: ["\\\\mathbf{#1}", 1]
              floor: ["\\\\lfloor #1 \\\\rfloor", 1]

or a ``.tex`` file of ``\\newcommand{\\v}[1]{\\mathbf{#1}}`` lines. With them,
``$\\v{x}$`` becomes ``$\\mathbf{x}$``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .files import read_input
from .yamlload import load_yaml

Macros = dict[str, tuple[str, int]]

_COMMAND = re.compile(r"\\([A-Za-z]+)")


class MacroFileError(ValueError):
    """The macros file could not be read."""


def _from_mapping(raw: Mapping[str, Any]) -> Macros:
    macros: Macros = {}
    for name, value in raw.items():
        if isinstance(value, list) and value:
            macros[str(name)] = (str(value[0]), int(value[1]) if len(value) > 1 else 0)
        else:
            macros[str(name)] = (str(value), 0)
    return macros


def dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]…``, or ``None`` where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def macros_from_config(data: Mapping[str, Any]) -> Macros:
    """Macros of a Jupyter Book ``_config.yml`` (MathJax 3 or 2 config) or a ``myst.yml``."""
    config = dig(data, "sphinx", "config") or {}
    for path in (
        ("mathjax3_config", "tex", "macros"),
        ("mathjax_config", "tex", "macros"),
        ("mathjax2_config", "TeX", "Macros"),
        ("mathjax_config", "TeX", "Macros"),
    ):
        found = dig(config, *path)
        if isinstance(found, dict):
            return _from_mapping(found)
    found = dig(data, "project", "math") or data.get("math")
    if isinstance(found, dict):
        out: Macros = {}
        for name, value in found.items():
            name = str(name).lstrip("\\")
            if isinstance(value, dict):
                body = str(value.get("macro", ""))
                nargs = int(value.get("nargs", 0) or max((int(n) for n in re.findall(r"#(\d)", body)), default=0))
            else:
                body = str(value)
                nargs = max((int(n) for n in re.findall(r"#(\d)", body)), default=0)
            out[name] = (body, nargs)
        return out
    return {}


def _braced(text: str, start: int) -> tuple[str, int] | None:
    """The ``{…}`` group starting at ``text[start]`` (balanced) and the index after it."""
    if start >= len(text) or text[start] != "{":
        return None
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "\\":
            continue
        if ch == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    return None


def macros_from_tex(text: str) -> Macros:
    """``\\newcommand``/``\\renewcommand``/``\\def``/``\\DeclareMathOperator`` definitions."""
    macros: Macros = {}
    pattern = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\\([A-Za-z]+)\}?\s*(?:\[(\d)\])?\s*(?=\{)")
    for match in pattern.finditer(text):
        group = _braced(text, match.end())
        if group is not None:
            macros[match.group(1)] = (group[0], int(match.group(2) or 0))
    for match in re.finditer(r"\\def\s*\\([A-Za-z]+)\s*(?=\{)", text):
        group = _braced(text, match.end())
        if group is not None:
            macros[match.group(1)] = (group[0], 0)
    for match in re.finditer(r"\\DeclareMathOperator\*?\s*\{\\([A-Za-z]+)\}\s*(?=\{)", text):
        group = _braced(text, match.end())
        if group is not None:
            macros[match.group(1)] = (f"\\operatorname{{{group[0]}}}", 0)
    return macros


def load_macros(path: str | Path) -> Macros:
    """Macros from a ``_config.yml``/``myst.yml`` or a ``.tex`` file."""
    path = Path(path)
    text = read_input(path, MacroFileError, "macros file")
    if path.suffix.lower() in (".yml", ".yaml"):
        try:
            data = load_yaml(text) or {}
        except yaml.YAMLError as exc:
            raise MacroFileError(f"{path} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise MacroFileError(f"{path} is not a YAML mapping")
        return macros_from_config(data)
    return macros_from_tex(text)


def substitute(body: str, args: list[str]) -> str:
    r"""Put ``args`` in for ``#1``…``#9`` of a macro body, in one pass.

    A control word right before a parameter stays a word of its own, as TeX reads it:

    >>> print(substitute(r"\left\lVert#1\right\rVert", ["a"]))
    \left\lVert a\right\rVert
    """

    def one(match: re.Match[str]) -> str:
        n = int(match.group(2))
        arg = args[n - 1] if n <= len(args) else match.group(0)
        before = match.group(1)
        if before and arg[:1].isalpha():
            return before + " " + arg
        return before + arg

    return re.sub(r"((?:\\[A-Za-z]+)?)#([1-9])", one, body)


def expand(tex: str, macros: Macros, rounds: int = 10) -> str:
    """Expand user macros in ``tex`` (nested macros too, up to ``rounds`` levels).

    >>> expand(r"\\v{x} + \\floor{k/2}", {"v": (r"\\mathbf{#1}", 1), "floor": (r"\\lfloor #1 \\rfloor", 1)})
    '\\\\mathbf{x} + \\\\lfloor k/2 \\\\rfloor'

    An expansion that starts with a letter keeps apart from a command right before it:

    >>> expand(r"v \\in\\V", {"V": ("V", 0)})
    'v \\\\in V'
    """
    if not macros:
        return tex
    for _ in range(rounds):
        changed = False
        out: list[str] = []
        pos = 0
        for match in _COMMAND.finditer(tex):
            if match.start() < pos:
                continue
            # \\v inside \\\\v is an escaped backslash followed by v: skip
            if match.start() > 0 and tex[match.start() - 1] == "\\":
                continue
            name = match.group(1)
            if name not in macros:
                continue
            body, nargs = macros[name]
            end = match.end()
            args: list[str] = []
            for _n in range(nargs):
                while end < len(tex) and tex[end] == " ":
                    end += 1
                group = _braced(tex, end)
                if group is not None:
                    args.append(group[0])
                    end = group[1]
                elif end < len(tex):
                    args.append(tex[end])
                    end += 1
            if len(args) < nargs:
                continue
            body = substitute(body, args)
            # keep a following letter from gluing onto the expansion's last command
            if re.search(r"\\[A-Za-z]+$", body) and end < len(tex) and tex[end].isalpha():
                body += " "
            before = tex[pos : match.start()] or (out[-1] if out else "")
            if body[:1].isalpha() and re.search(r"\\[A-Za-z]+$", before):
                body = " " + body  # "\\in\\V" → "\\in V", not the unknown "\\inV"
            out.append(tex[pos : match.start()])
            out.append(body)
            pos = end
            changed = True
        out.append(tex[pos:])
        tex = "".join(out)
        if not changed:
            break
    return tex


def commands(tex: str) -> set[str]:
    """Names of the ``\\commands`` used in ``tex``."""
    names = set()
    for match in _COMMAND.finditer(tex):
        if match.start() > 0 and tex[match.start() - 1] == "\\":
            continue
        names.add(match.group(1))
    return names
