"""myst2qmd: Jupyter Book / MyST Markdown to Quarto.

>>> from myst2qmd import convert_text
>>> convert_text("```{note}\\nHallo\\n```\\n").text
'::: {.callout-note appearance="simple"}\\nHallo\\n:::\\n'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import Warning_
    from .convert import Result, convert_text

__version__ = "0.1.0"
__all__ = ["Result", "Warning_", "convert_text", "__version__"]


def __getattr__(name: str) -> Any:
    """The public names, imported when first used: ``python -m myst2qmd`` starts with nothing
    loaded, so a Ctrl-C while it loads is answered by ``__main__`` with a message."""
    if name in ("Result", "convert_text"):
        from . import convert

        return getattr(convert, name)
    if name == "Warning_":
        from .context import Warning_

        return Warning_
    raise AttributeError(f"module 'myst2qmd' has no attribute {name!r}")
