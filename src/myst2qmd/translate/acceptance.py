"""Whether an engine's reply (or a remembered translation) is a translation to write.

The checks that guard the document (:mod:`.validate`: placeholders, markup, the language), and
for German → English with an engine that translates, the checks of meaning (:mod:`.plausible`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .engines.base import Engine, Reply, Request, text_problem
from .glossary import Glossary
from .plausible import implausible
from .validate import check


@dataclass
class ReplyCheck:
    """Accepts or rejects replies for one engine, request and glossary."""

    engine: Engine
    request: Request
    glossary: Glossary
    #: keep a sentence in the source language when its translation is obviously wrong (:mod:`.plausible`)
    check_meaning: bool = True

    @property
    def check_language(self) -> bool:
        return bool(getattr(self.engine, "checks_language", True))

    @property
    def checks_meaning(self) -> bool:
        """:mod:`.plausible`'s checks apply: German → English, an engine that translates (not ``pseudo``)."""
        pair = (self.request.source_lang, self.request.target_lang)
        return self.check_meaning and self.check_language and pair == ("de", "en")

    def accept(self, source: str, reply: Reply | None) -> tuple[str | None, str]:
        """``(translation, "")`` for a usable reply to ``source``, else ``(None, why not)``."""
        if reply is None:
            return None, "no reply for this unit"
        problem = reply.problem or text_problem(reply.text)
        if problem:
            return None, problem
        verdict = check(
            source,
            reply,
            source_lang=self.request.source_lang,
            target_lang=self.request.target_lang,
            check_language=self.check_language,
        )
        if not verdict.ok:
            return None, verdict.reason
        wrong = implausible(source, verdict.text, self.glossary.occurring(source)) if self.checks_meaning else ""
        return (None, wrong) if wrong else (verdict.text, "")
