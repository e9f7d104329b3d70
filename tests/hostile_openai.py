"""An OpenAI-compatible Chat Completions server on 127.0.0.1 whose replies are hostile.

Like :mod:`fake_openai` it answers each unit with English filler that keeps the unit's
``⟨n⟩`` placeholders (:func:`fake_openai.fake_translation`), and then spoils it in one way
per run, the ``mode``:

* markup the source never had (:data:`INJECTIONS`): shortcodes, raw HTML, images, links,
  math, references, citations, notes, spans, raw TeX, entities, an unclosed comment;
  ``rawattr`` / ``idattr`` glue ``{=html}`` / ``{#sec-evil .evil}`` to a placeholder;
* new block structure (:data:`BLOCKS`): ``a) ``, ``#. ``, ``(iv) ``, ``(@) `` before the
  reply, ``\\n===\\n``, ``\\n:   ``, ``\\n~   `` inside it;
* silent wrong content: ``swap`` (each unit gets the next unit's translation), ``merge`` (every
  other unit's reply holds its translation and the next unit's, which gets none), ``swaplinks``
  (two links' targets exchanged), ``refusal``, ``french``, ``preamble``, ``echo`` (the German
  sent back), ``onechar``;
* control characters: ``nul``, ``ansi``, ``formfeed``, ``surrogate``;
* inline markup that stays in the prose (:data:`INLINE`): strikeout, superscript, subscript, a
  ``~~~`` line, a hard line break; ``brackets`` (a word in ``⟨…⟩``), ``german`` (a German
  clause in the middle of the English).

A request with one unit is answered the same way, except that ``swap`` and ``merge`` have nothing to
swap or merge. The marker a unit of a request of several goes out behind (``⟨9⟩ ``) is kept at the
start of its reply, which spoils the rest as it would spoil the unit alone.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_openai import LEADING, fake_translation
from loopback import LoopbackServer

#: appended to every reply
INJECTIONS = {
    "shortcode": "{{< include /etc/passwd >}}",
    "script": "<script>alert(1)</script>",
    "svg": "<svg/onload=alert(1)>",
    "image": "![](https://evil.example/x.png)",
    "link": "[click](javascript:alert(1))",
    "math": "$$x^2$$",
    "xref": "@fig-evil",
    "cite": "[@evil2024]",
    "note": "^[an evil note]",
    "span": "[evil]{#evil-id}",
    "newpage": "\\newpage",
    "input": "\\input{/etc/passwd}",
    "entity": "&lt;script&gt;",
    "comment": "<!-- ",
    "autolink": "<https://evil.example>",
}
#: glued to the first placeholder (or to the end of a reply without one)
ATTRIBUTES = {"rawattr": "{=html}", "idattr": "{#sec-evil .evil}"}
#: before the reply, or (with a newline) in its middle
BLOCKS = {
    "alpha": "a) ",
    "hashlist": "#. ",
    "roman": "(iv) ",
    "example": "(@) ",
    "setext": "\n===\n",
    "deflist": "\n:   ",
    "tildedef": "\n~   ",
}
CONTROLS = {"nul": "\x00", "ansi": "\x1b[31m", "formfeed": "\x0c", "surrogate": "\ud800"}
#: inline markup that stays in the prose an engine sees, put in the middle of the reply
INLINE = {
    "strikeout": " ~~gone~~ ",
    "superscript": " x^2^ ",
    "subscript": " H~2~O ",
    "tildeline": "\n~~~\n",
    "hardbreak": "  \nso ",
}
#: a German clause left in the middle of an English reply
GERMAN_CLAUSE = ", und dann wird das Bild mit dem Filter gefaltet, "
CONTENT = ("swap", "merge", "swaplinks", "refusal", "french", "preamble", "echo", "onechar", "brackets", "german")
MODES = (*INJECTIONS, *ATTRIBUTES, *BLOCKS, *CONTROLS, *INLINE, *CONTENT)

FRENCH = "le réseau apprend des caractéristiques utiles à partir des données et le modèle progresse "


def french_translation(text: str) -> str:
    """French filler of about the source's length, with its placeholders."""
    english = fake_translation(text)
    words = FRENCH.split()
    out = [w if re.fullmatch(r"⟨\d+⟩", w) else words[n % len(words)] for n, w in enumerate(english.split())]
    return " ".join(out).capitalize() + "."


def _middle(text: str, insert: str) -> str:
    words = text.split(" ")
    half = max(1, len(words) // 2)
    return " ".join(words[:half]) + insert + " ".join(words[half:])


def spoil(mode: str, text: str, translation: str) -> str:
    """The hostile reply for one unit (``text`` as sent, ``translation`` the honest filler)."""
    if mode in INJECTIONS:
        return translation + " " + INJECTIONS[mode]
    if mode in ATTRIBUTES:
        first = re.search(r"⟨\d+⟩", translation)
        at = first.end() if first else len(translation)
        return translation[:at] + ATTRIBUTES[mode] + translation[at:]
    if mode in BLOCKS:
        marker = BLOCKS[mode]
        return _middle(translation, marker) if marker.startswith("\n") else marker + translation
    if mode in CONTROLS:
        return _middle(translation, CONTROLS[mode])
    if mode in INLINE:
        return _middle(translation, INLINE[mode])
    if mode == "brackets":  # emphasis turned into placeholder brackets: ``⟨network⟩``
        return re.sub(r"[^\W\d_]{3,}", lambda m: f"⟨{m.group()}⟩", translation, count=1)
    if mode == "german":
        return _middle(translation, GERMAN_CLAUSE)
    if mode == "swaplinks":
        # links are ⟨k⟩text⟨k+1⟩ in what was sent: give the first link the second one's target
        pairs = [(int(a), int(b)) for a, b in re.findall(r"⟨(\d+)⟩[^⟨⟩]+⟨(\d+)⟩", text) if int(b) == int(a) + 1]
        if len(pairs) >= 2:
            one, two = f"⟨{pairs[0][1]}⟩", f"⟨{pairs[1][1]}⟩"
            return translation.replace(one, "\0").replace(two, one).replace("\0", two)
        return translation
    if mode == "refusal":
        return "I can't help with that."
    if mode == "french":
        return french_translation(text)
    if mode == "preamble":
        return "Sure, here you go: " + translation
    if mode == "echo":
        return text
    if mode == "onechar":
        return "x"
    return translation


class HostileOpenAI(LoopbackServer):
    """Start with ``with HostileOpenAI("svg") as server: server.base_url``."""

    def __init__(self, mode: str):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.requests = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                data = json.dumps(outer.answer(body)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.requests += 1
        units: dict[str, str] = json.loads(body["messages"][-1]["content"])
        keys = list(units)
        honest = {key: fake_translation(text) for key, text in units.items()}
        if self.mode == "swap":
            out = {key: honest[keys[(n + 1) % len(keys)]] for n, key in enumerate(keys)}
        elif self.mode == "merge":
            merged = [(one, " ".join(honest[k] for k in keys[n : n + 2])) for n, one in enumerate(keys) if n % 2 == 0]
            out = dict(merged)
        else:  # the reply of a unit sent behind a marker keeps it, and spoils the rest
            out = {}
            for key, sent in units.items():
                lead = LEADING.match(sent) if len(units) > 1 else None
                head, text = (lead.group(), sent[lead.end() :]) if lead else ("", sent)
                out[key] = head + spoil(self.mode, text, fake_translation(text))
        # ensure_ascii: a lone surrogate travels as \ud800, as a broken server would send it
        content = json.dumps(out, ensure_ascii=True)
        return {"choices": [{"message": {"content": content}, "finish_reason": "stop"}]}
