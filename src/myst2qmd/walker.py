"""The walk: a parsed document in, edits out.

:class:`Walker` hands each token to the rule for its type (``rules[token.type]``, as
markdown-it-py's renderer does). The table is derived from the token constructs' specs
(:func:`.constructs.tokens.token_table`): a new token construct is a spec in a construct module,
never a line here. The rules record :class:`~.edits.Edit` s on the original text through the
walker, which keeps them (and finds those inside a span); text no rule claims is never touched.
Parsing is :mod:`.convert`'s, labels :mod:`.labelpass`'s, the directive→div geometry
:mod:`.constructs.divs`'s.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Mapping
from functools import partial

from markdown_it.token import Token

from .constructs import tokens
from .constructs.base import LinePrefix, TokenRule, WalkState
from .constructs.divs import with_line_prefixes, without_clashing_dedents
from .context import Context
from .edits import Edit, apply_edits
from .nesting import Fragment
from .parsed import Fragments, Parsed
from .structure import fragment_parse

__all__ = ["Rule", "WalkState", "Walker", "without_clashing_dedents"]

Rule = Callable[[WalkState, int], None]


class Walker:
    """Walks parsed views of one document, adding edits; holds the context while it walks."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.edits: list[Edit] = []
        #: :attr:`edits`, the same sorted, and how many of them are sorted in (see :meth:`edits_within`)
        self._sorted: tuple[list[Edit], list[Edit], int] = ([], [], 0)
        #: tokens of one parse another construct claims (the heading that becomes the title)
        self.claimed: tuple[Parsed | None, frozenset[int]] = (None, frozenset())
        #: token type → rule (a type without one is left as written), from the token constructs' specs;
        #: each is called with this walker, none bound to it (see :attr:`rules`)
        self._table: Mapping[str, TokenRule] = tokens.token_rules(ctx.options.dialect)
        self._bound: dict[str, Rule] | None = None
        #: line prefixes asked for during the walk, written into their edits once it is done
        self._line_prefixes: list[LinePrefix] = []
        self._depth = 0

    @property
    def rules(self) -> dict[str, Rule]:
        """Token type → rule bound to this walker (as markdown-it-py's renderer has ``self.rules``):
        made when first asked for, to be changed (a test's rule), and from then on what the walk calls.
        A walker that is never asked binds none: rules bound to the walker that holds them are a
        reference cycle, and every walker (a fragment's too) would wait for the garbage collector."""
        if self._bound is None:
            self._bound = {kind: partial(rule, self) for kind, rule in self._table.items()}
        return self._bound

    # -- edits ---------------------------------------------------------------------------------
    def add(self, start: int, end: int, new: str, kind: str = "") -> None:
        self.edits.append(Edit(start, end, new, kind))

    def extend(self, edits: Iterable[Edit]) -> None:
        self.edits.extend(edits)

    def prefix_lines(self, request: LinePrefix) -> None:
        """Write a line prefix into the edits ``request`` names once the walk is done (see
        :func:`.constructs.divs.with_line_prefixes`): the edits stay as their constructs made them
        until then, and a later request (an outer quote) is composed after an earlier one."""
        self._line_prefixes.append(request)

    def edits_within(self, start: int, end: int) -> list[Edit]:
        """The edits made so far that lie inside ``start…end``: looked up in the edits sorted by
        their start (edits made since the last look-up are sorted in), not by a pass over all."""
        if self._sorted[0] is not self.edits:
            self._sorted = (self.edits, sorted(self.edits), len(self.edits))
        edits, ordered, seen = self._sorted
        for edit in edits[seen:]:
            insort(ordered, edit)
        self._sorted = (edits, ordered, len(edits))
        lo = bisect_left(ordered, start, key=lambda e: e.start)
        hi = bisect_right(ordered, end, lo=lo, key=lambda e: e.start)
        return [e for e in ordered[lo:hi] if e.end <= end]

    # -- fragments -----------------------------------------------------------------------------
    def fragments(self, token: Token | None) -> Fragments:
        """The fragments of ``token`` (a directive's title, cells…) from the document's parse, converted
        by this walk's :meth:`fragment` (``None``: texts no parse holds, a substitution's value)."""
        return Fragments(token, self.fragment)

    def fragment(self, text: str, lineno: int, fragment: Fragment | None) -> str:
        """A fragment (``text`` at 1-based line ``lineno``) converted from its tokens with this document's
        labels and context, by a walk of its own."""
        walker = Walker(self.ctx)
        walker.walk(fragment_parse(text, lineno, fragment, self.ctx))
        return apply_edits(text, without_clashing_dedents(walker.edits))

    # -- the walk --------------------------------------------------------------------------------
    def walk(self, parsed: Parsed) -> int:
        """Add the edits for one view; return the longest ``:`` fence found or written in it.

        Each token goes to the rule for its type (``self.rules[token.type]``, as markdown-it-py's
        renderer does, called with this walker unless :attr:`rules` were bound); what a rule defers
        runs once the view is walked, the last first. When the outermost view is done, the line
        prefixes asked for are written into their edits.
        """
        state = WalkState(parsed)
        claimed = self.claimed[1] if parsed is self.claimed[0] else frozenset()
        self._depth += 1
        table, bound = self._table, self._bound
        try:
            for index, token in enumerate(parsed.tokens):
                if index in claimed:
                    continue
                if bound is None:
                    if (rule := table.get(token.type)) is not None:
                        rule(self, state, index)
                elif (bound_rule := bound.get(token.type)) is not None:
                    bound_rule(state, index)
                if token.map is not None:
                    state.previous = index
            for action in reversed(state.deferred):  # inner blocks first: their fences close first
                state.widest = max(state.widest, action())
        finally:
            self._depth -= 1
        if self._depth == 0 and self._line_prefixes:
            self.edits = with_line_prefixes(self.edits, self._line_prefixes)
            self._line_prefixes = []
        return state.widest
