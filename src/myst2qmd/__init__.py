"""myst2qmd: Jupyter Book / MyST Markdown to Quarto.

>>> from myst2qmd import convert_text
>>> convert_text("```{note}\\nHallo\\n```\\n").text
'::: {.callout-note appearance="simple"}\\nHallo\\n:::\\n'
"""

from .context import Warning_
from .convert import Result, convert_text

__version__ = "0.1.0"
__all__ = ["Result", "Warning_", "convert_text", "__version__"]
