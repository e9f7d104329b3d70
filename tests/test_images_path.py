"""``--images-path P``: images in the document's images folder are read from ``params.images_path``."""

from __future__ import annotations

import yaml

from myst2qmd import convert_text
from quarto_ast import summarize

META = "{{< meta params.images_path >}}"

DOC = """---
jupytext:
  formats: md:myst
kernelspec:
  name: python3
  language: python
---

# Einleitung

:::{figure-md} fig-a
<img src="./images/a.png" class="bg-primary mb-1" width="600px">

Bild A.
:::

```{figure} images/b.png
:name: b
Bild B.
```

```{image} images/c.png
:width: 100px
```

<img src="images/d.png" width="50px">

![Bild E](images/e.png) und ![f](images/f.png) im Text.

<img src="https://example.com/g.png">

<img src="other/h.png">

```python
img = "images/code.png"
```
"""

EXPECTED = f"""---
title: "Einleitung"
jupyter: python3
params:
  images_path: "/assets/images/intro/"
---

::: {{#fig-a}}

![]({META}a.png){{width=600}}

Bild A.
:::

::: {{#fig-b}}

![]({META}b.png)

Bild B.
:::

![]({META}c.png){{width=100}}

![]({META}d.png){{width=50}}

![Bild E]({META}e.png) und ![f]({META}f.png) im Text.

![](https://example.com/g.png)

![](other/h.png)

```python
img = "images/code.png"
```
"""


def test_images_path_rewrites_sources_in_the_images_folder() -> None:
    result = convert_text(DOC, images_path="/assets/images/intro/")
    assert result.text == EXPECTED
    assert convert_text(result.text, images_path="/assets/images/intro/").text.endswith(EXPECTED.split("---\n", 2)[2])


def test_images_path_output_reads_as_quarto() -> None:
    summary = summarize(EXPECTED)
    assert summary.figures == ["fig-a", "fig-b"]
    assert summary.meta["params"]["c"]["images_path"]["c"][0]["c"] == "/assets/images/intro/"
    # pandoc sees the shortcode (Quarto resolves it first) as the start of each source
    assert sum("meta%20params.images_path" in src for src, _ in summary.images) == 6


def test_without_images_path_sources_stay() -> None:
    result = convert_text(DOC)
    assert "{{< meta" not in result.text
    assert "![](./images/a.png){width=600}" in result.text
    assert "params:" not in result.text


def test_existing_params_are_not_overwritten() -> None:
    doc = '---\nparams:\n  x: 1\n---\n\n<img src="images/a.png">\n'
    result = convert_text(doc, images_path="/img/")
    assert result.text == f"---\nparams:\n  x: 1\n---\n\n![]({META}a.png)\n"
    assert any("params" in w.message for w in result.warnings)


def test_images_path_is_escaped_for_yaml() -> None:
    result = convert_text("Text.\n", images_path='/a "b"/')
    assert result.text == '---\nparams:\n  images_path: "/a \\"b\\"/"\n---\n\nText.\n'
    assert yaml.safe_load(result.text.split("---\n")[1]) == {"params": {"images_path": '/a "b"/'}}
