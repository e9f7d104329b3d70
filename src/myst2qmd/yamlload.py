"""The one way the converter reads YAML (front matter, ``_toc.yml``, ``_config.yml``, macros,
glossaries, directive options): safe, with libyaml's ``CSafeLoader`` where PyYAML has it, and
bounded before anything is built.

Aliases that would expand the document by more than :data:`MAX_ALIAS_NODES` nodes (a "billion
laughs"), an alias to the node it stands in (a structure that contains itself) and nesting
deeper than :data:`MAX_DEPTH` are refused with :class:`YamlRefused`, a :class:`yaml.YAMLError`,
so every reader reports them as it reports bad YAML. The bound is checked on the parser's
events, which come one after another (no recursion, nothing built yet).

>>> load_yaml("a: &x [1, 2]\\nb: *x")
{'a': [1, 2], 'b': [1, 2]}
>>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
...     f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]\\n" for n in range(7))
>>> load_yaml(bomb)
Traceback (most recent call last):
...
myst2qmd.yamlload.YamlRefused: aliases expand it past 1,000,000 nodes (line 6)
>>> load_yaml("toc: [1, 2]", lines=True)["toc"].lines
[1, 1]
"""

from __future__ import annotations

from typing import Any

import yaml

#: nesting deeper than this is refused (a 150-deep table of contents is read)
MAX_DEPTH = 1000
#: aliases may add at most this many nodes to a document
MAX_ALIAS_NODES = 1_000_000

#: libyaml's loader where PyYAML was built with it (some 10 times faster), else PyYAML's own
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlRefused(yaml.YAMLError):
    """YAML that is not loaded: aliases that expand too far, a recursive alias, too deep nesting."""


def check_bounds(text: str, loader: type[yaml.SafeLoader] = SafeLoader) -> None:
    """:class:`YamlRefused` if ``text`` nests deeper than :data:`MAX_DEPTH` or its aliases add
    more than :data:`MAX_ALIAS_NODES` nodes; YAML errors of the parser pass through."""
    expanded = written = 0
    sizes: dict[str, int] = {}  # anchor → nodes its node expands to
    open_: list[tuple[str | None, int]] = []  # collections being read: (anchor, expanded before it)
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in (anchor for anchor, _ in open_):
                raise YamlRefused(f"an alias to the node it is in (line {_line(event)})")
            expanded += sizes.get(str(event.anchor), 1)
            if expanded - written > MAX_ALIAS_NODES:
                raise YamlRefused(f"aliases expand it past {MAX_ALIAS_NODES:,} nodes (line {_line(event)})")
        elif isinstance(event, yaml.ScalarEvent):
            expanded, written = expanded + 1, written + 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            open_.append((event.anchor, expanded))
            expanded, written = expanded + 1, written + 1
            if len(open_) > MAX_DEPTH:
                raise YamlRefused(f"nested deeper than {MAX_DEPTH} levels (line {_line(event)})")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before = open_.pop()
            if anchor is not None:
                sizes[anchor] = expanded - before


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 1


class Mapping(dict[Any, Any]):
    """A YAML mapping that knows the line it starts on (for warnings that name the toc's line)."""

    line: int = 1


class Sequence(list[Any]):
    """A YAML list that knows the line of each of its items."""

    lines: list[int]


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    # built the way PyYAML builds its own mappings: made first, filled later (no recursion)
    mapping = Mapping()
    mapping.line = node.start_mark.line + 1
    yield mapping
    mapping.update(loader.construct_mapping(node))


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Any:
    sequence = Sequence()
    sequence.lines = [child.start_mark.line + 1 for child in node.value]
    yield sequence
    sequence.extend(loader.construct_sequence(node))


def _line_loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """``base`` whose mappings are :class:`Mapping` and lists :class:`Sequence`, with their lines."""
    loader: Any = type("LineLoader", (base,), {})
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    return loader


_LOADERS = {
    (base, lines): _line_loader(base) if lines else base
    for base in {SafeLoader, yaml.SafeLoader}
    for lines in (False, True)
}


def load_yaml(text: str, *, lines: bool = False) -> Any:
    """``text`` read as ``yaml.safe_load`` reads it, within the bounds; ``lines``: mappings and
    lists know their lines (:class:`Mapping`, :class:`Sequence`). Bad YAML: :class:`yaml.YAMLError`,
    worded and placed as PyYAML's own parser words and places it."""
    try:
        return _load(text, _LOADERS[SafeLoader, lines])
    except YamlRefused:
        raise
    except yaml.YAMLError:
        if SafeLoader is yaml.SafeLoader:
            raise
        _load(text, _LOADERS[yaml.SafeLoader, lines])  # libyaml places some errors a line later
        raise


def _load(text: str, loader_class: type[yaml.SafeLoader]) -> Any:
    check_bounds(text, loader_class)
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    except RecursionError as exc:  # PyYAML's own composer (without libyaml) recurses per level
        raise YamlRefused("nested too deep to be read") from exc
    finally:
        loader.dispose()
