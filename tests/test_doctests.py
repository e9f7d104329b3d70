"""The examples in the package's docstrings (``>>> convert_text("See {numref}`fig-a`.\\n").text``)
are tests too: each module's doctests run here, so a docstring never shows an output the code
no longer gives."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import myst2qmd

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(myst2qmd.__path__, "myst2qmd.")
    if name != "myst2qmd.__main__"  # running it would start the command line
)


def test_the_package_has_modules() -> None:
    assert len(MODULES) > 40


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} failed"
