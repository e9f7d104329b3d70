"""What the embedded engine evaluates, counted on the real model (not timed): the fixed prompt
prefix once per context, then only each sentence's own part; a generation bounded by the
sentence's length; the same reply from every context."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from myst2qmd.translate.engines.base import Request, Unit
from myst2qmd.translate.engines.local import build_prompt, generation_bound, prompt_prefix

pytest.importorskip("llama_cpp", reason="the local engine is installed with myst2qmd[local]")

from myst2qmd.translate.engines.local import LocalEngine  # noqa: E402

SENTENCES = [
    Unit("1", "Die Faltung ⟨1⟩ verkleinert das Bild.", (("Faltung", "convolution"),)),
    Unit("2", "Das Modell lernt die Gewichte."),
    Unit("3", "Wie viele Filter hat die Schicht?"),
]


class Counted:
    """Counts what one real llama.cpp context is given: prompt tokens (evaluations of more than
    one token) and the ``max_tokens`` of each completion."""

    def __init__(self, llm: Any):
        self.prompt_tokens = 0
        self.max_tokens: list[int] = []
        evaluate, complete = llm.eval, llm.create_completion

        def counting_eval(tokens: list[int]) -> None:
            if len(tokens) > 1:  # a generated token is evaluated alone
                self.prompt_tokens += len(tokens)
            evaluate(tokens)

        def counting_completion(*args: Any, **kwargs: Any) -> Any:
            self.max_tokens.append(kwargs["max_tokens"])
            return complete(*args, **kwargs)

        llm.eval, llm.create_completion = counting_eval, counting_completion


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    made = LocalEngine(contexts=2)
    yield made
    made.close()


def _tokens(engine: LocalEngine, text: str, bos: bool = True) -> list[int]:
    return list(engine.llm.tokenize(text.encode("utf-8"), add_bos=bos, special=bos))


def test_the_fixed_prefix_is_evaluated_once_across_sentences(engine: LocalEngine) -> None:
    request = Request()
    with engine._context() as other:  # one context stays busy: every sentence goes to the other, counted
        with engine._context() as llm:
            assert llm is not other
            llm.reset()  # as new, whatever it translated before
            counted = Counted(llm)
        replies = engine.translate(SENTENCES, request)
    assert all(reply.text and not reply.problem for reply in replies.values()), replies
    prefix = len(_tokens(engine, prompt_prefix(request)))
    own = [len(_tokens(engine, build_prompt(unit, request))) - prefix for unit in SENTENCES]
    assert counted.prompt_tokens == prefix + sum(own), (counted.prompt_tokens, prefix, own)
    # the generation is bounded by the sentence's length, not by the context window
    assert counted.max_tokens == [generation_bound(len(_tokens(engine, unit.text, bos=False))) for unit in SENTENCES]


def test_every_context_gives_a_sentence_the_same_reply(engine: LocalEngine) -> None:
    request = Request()
    first = engine.translate(SENTENCES, request)
    with engine._context() as used:  # the context that translated them (the last one used comes first)
        again = engine.translate(SENTENCES[::-1], request)  # the other context, in another order
    assert used in engine.contexts and len(engine.contexts) == 2
    assert {key: reply.text for key, reply in again.items()} == {key: reply.text for key, reply in first.items()}


def test_no_more_contexts_than_the_run_has_jobs() -> None:
    """``--jobs 1`` sends one sentence at a time: one context is loaded, not one per core."""
    from myst2qmd.translate.engines import EngineSettings, make_engine
    from myst2qmd.translate.engines.local import usable_cores

    if usable_cores() < 2:
        pytest.skip("one core: one context whatever --jobs says")
    made = make_engine("local", EngineSettings(jobs=1))
    assert isinstance(made, LocalEngine)
    try:
        assert len(made.contexts) == 1
    finally:
        made.close()
