"""``--macros``: user LaTeX macros from a Jupyter Book ``_config.yml`` or a ``.tex`` file."""

from __future__ import annotations

from pathlib import Path

import pytest

from myst2qmd import convert_text
from myst2qmd.macros import MacroFileError, expand, load_macros
from quarto_ast import summarize

MACROS = Path(__file__).parent / "fixtures" / "macros"

DOC = r"""Ein Vektor $\v{x} \in \R^n$ und $\floor{k/2}$.

$$
\norm{\v{w}}^2 = \v{w}^T \v{w}
$$ (norm)

\begin{equation}
o = \floor{\frac{i - k}{s}} + 1
\end{equation}

```{math}
\v x
```

```python
# code is not math: \v{x}
```
"""


def test_config_yml_macros() -> None:
    macros = load_macros(MACROS / "_config.yml")
    assert macros["v"] == (r"\mathbf{#1}", 1)
    assert macros["R"] == (r"\mathbb{R}", 0)


def test_tex_macros() -> None:
    macros = load_macros(MACROS / "macros.tex")
    assert macros == {
        "v": (r"\mathbf{#1}", 1),
        "floor": (r"\lfloor #1 \rfloor", 1),
        "R": (r"\mathbb{R}", 0),
        "eps": (r"\varepsilon", 0),
        "argmax": (r"\operatorname{arg\,max}", 0),
        "inner": (r"\langle #1, #2 \rangle", 2),
    }


EXPANDED = r"""Ein Vektor $\mathbf{x} \in \mathbb{R}^n$ und $\lfloor k/2 \rfloor$.

$$
\left\lVert\mathbf{w}\right\rVert^2 = \mathbf{w}^T \mathbf{w}
$$ {#eq-norm}

$$
o = \lfloor \frac{i - k}{s} \rfloor + 1
$$

$$
\mathbf{x}
$$

```python
# code is not math: \v{x}
```
"""


@pytest.mark.parametrize("source", ["_config.yml", "macros.tex"])
def test_macros_expand_everywhere_in_math(source: str) -> None:
    macros = load_macros(MACROS / source)
    if source == "macros.tex":
        macros["norm"] = (r"\left\lVert#1\right\rVert", 1)
    result = convert_text(DOC, macros=macros)
    assert result.text == EXPANDED
    assert not [w for w in result.warnings if "macros" in w.message]
    assert convert_text(result.text, macros=macros).text == result.text
    assert len(summarize(result.text).display_math) == 3


def test_undefined_macros_are_warned_once_with_their_first_line() -> None:
    result = convert_text(DOC)
    assert result.text.startswith(r"Ein Vektor $\v{x} \in \R^n$")  # kept as written
    warnings = [w for w in result.warnings if "never defined" in w.message]
    assert len(warnings) == 1
    assert warnings[0].line == 1
    assert r"\R, \floor, \norm, \v" in warnings[0].message
    assert "--macros" in warnings[0].message


def test_macros_used_but_missing_from_the_file_are_warned() -> None:
    result = convert_text(r"$\v{x} + \argmin_y f$" + "\n", macros={"v": (r"\mathbf{#1}", 1)})
    assert result.text == r"$\mathbf{x} + \argmin_y f$" + "\n"
    [warning] = [w for w in result.warnings if "never defined" in w.message]
    assert warning.message == r"math uses macros that are never defined: \argmin"


def test_expand_keeps_tokens_apart() -> None:
    macros = {"eps": (r"\varepsilon", 0), "norm": (r"\lVert#1\rVert", 1), "inner": (r"\langle #1, #2 \rangle", 2)}
    assert expand(r"\eps x + \eps_1 + \epsilon", macros) == r"\varepsilon x + \varepsilon_1 + \epsilon"
    assert expand(r"\norm{a}\norm b", macros) == r"\lVert a\rVert\lVert b\rVert"
    assert expand(r"\inner{x}{y}", macros) == r"\langle x, y \rangle"
    assert expand(r"\\eps", macros) == r"\\eps"  # a line break then "eps"


def test_an_expansion_starting_with_a_letter_keeps_apart_from_the_command_before_it() -> None:
    """``\\in\\V`` with ``V`` → ``V``: ``\\in V``, not the unknown command ``\\inV`` (issue 21)."""
    macros = {"V": ("V", 0), "R": (r"\mathbb{R}", 0), "x": ("x_1", 0)}
    assert expand(r"v \in\V", macros) == r"v \in V"
    assert expand(r"\in\R", macros) == r"\in\mathbb{R}"  # a backslash after a command is no letter
    assert expand(r"a\x", macros) == "ax_1"  # no command before it: nothing to keep apart
    result = convert_text("Sei $v \\in\\V$.\n", macros=macros)
    assert result.text == "Sei $v \\in V$.\n"
    assert result.warnings == []


def test_bad_macro_file(tmp_path: Path) -> None:
    bad = tmp_path / "_config.yml"
    bad.write_text("sphinx: [unclosed\n", encoding="utf-8")
    with pytest.raises(MacroFileError):
        load_macros(bad)
    with pytest.raises(MacroFileError):
        load_macros(tmp_path / "missing.tex")
