"""The ``pseudo`` engine: for dry runs and tests.

It receives exactly what a real engine would, upper-cases all of it (placeholders
included: ``⟨1⟩`` has no case) and wraps each unit in ``⟦ ⟧``, so the output shows at a glance
what was sent for translation and proves that protected spans come back intact.

``"Siehe ⟨1⟩."`` → ``"⟦SIEHE ⟨1⟩.⟧"``
"""

from __future__ import annotations

from .base import Reply, Request, Unit


class PseudoEngine:
    name = "pseudo"
    model = "upper"
    max_batch_chars = 20_000
    max_batch_units = 64
    #: its output is upper-cased source text: the target-language check does not apply
    checks_language = False

    def __init__(self) -> None:
        self.calls = 0
        self.sent: list[str] = []

    def translate(self, units: list[Unit], request: Request) -> dict[str, Reply]:
        self.calls += 1
        out = {}
        for unit in units:
            self.sent.append(unit.text)
            out[unit.id] = Reply(f"⟦{unit.text.upper()}⟧", "stop")
        return out

    def close(self) -> None:
        pass
