"""Usable English on a fresh machine: the built-in glossary, terms mined from the book, sentences
an engine got obviously wrong kept in German with a warning, and ``auto`` finding the best engine."""

from __future__ import annotations

import json
import re
import socket
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from cli_run import run_cli
from fake_deepl import FakeDeepL
from fake_openai import FakeOpenAI, fake_translation
from loopback import LoopbackServer
from myst2qmd import convert_text
from myst2qmd.codes import Code
from myst2qmd.translate import Glossary, TranslationCache, Translator
from myst2qmd.translate.engines import auto, choose_auto, local_available
from myst2qmd.translate.engines.deepl import DeepLEngine
from myst2qmd.translate.engines.openai import OpenAIEngine
from myst2qmd.translate.glossary import builtin_glossary, fold
from myst2qmd.translate.plausible import implausible

ROOT = Path(__file__).resolve().parent.parent
TSV = ROOT / "src" / "myst2qmd" / "translate" / "data" / "glossary_de_en.tsv"


# --- the built-in glossary ----------------------------------------------------------------


def test_the_builtin_glossary_file_is_well_formed() -> None:
    lines = [line for line in TSV.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert len(lines) >= 300
    seen: set[str] = set()
    for line in lines:
        fields = line.split("\t")
        assert len(fields) == 2, line
        german, english = fields
        assert german.strip() == german and english.strip() == english and german and english, line
        assert fold(german) != fold(english), f"{line}: a term that stays the same needs no entry"
        assert fold(german) not in seen, f"{german} twice (ß and ss are one letter)"
        seen.add(fold(german))
        assert unicodedata.normalize("NFC", line) == line, line
        assert not re.search(r"[äöüß]", english), f"{line}: German in the English term"
    assert builtin_glossary("de", "en")["Faltung"] == "convolution"
    assert builtin_glossary("fr", "en") == {}


@pytest.mark.parametrize(
    ("text", "term", "english"),
    [
        ("Die Grösse des Filters", "Grösse", "size"),  # Swiss spelling
        ("Die Größe des Filters", "Größe", "size"),
        ("DIE GRÖSSE DES FILTERS", "Grösse", "size"),
        ("Die Ausgabe wird grösser.", "grösser", "larger"),
        ("Faltungen in neuronalen Netzen", "neuronales Netz", "neural network"),
        ("Für Eingabegrösse i gilt:", "Eingabegrösse", "input size"),
        ("Die Struktur von Datensätzen", "Datensätze", "data sets"),
    ],
)
def test_builtin_terms_are_found_in_their_inflected_and_swiss_forms(text: str, term: str, english: str) -> None:
    assert (term, english) in Glossary().with_builtin().occurring(text)


def test_a_builtin_term_matches_whole_words_only() -> None:
    found = dict(Glossary().with_builtin().occurring("Die Rangliste der Ebenen"))
    assert "Rang" not in found


def test_the_users_glossary_overrides_the_builtin_one() -> None:
    glossary = Glossary({"Größe": "magnitude"}).with_builtin()
    found = dict(glossary.occurring("Die Grösse und die Faltung"))
    assert found["Größe"] == "magnitude" and "size" not in found.values()
    assert found["Faltung"] == "convolution"
    # only the user's terms are warned about when a translation does not use them
    assert glossary.missing("Die Grösse und die Faltung", "The size and the filter") == ["Größe → magnitude"]
    assert glossary.digest != Glossary().with_builtin().digest != Glossary().digest


def test_builtin_terms_reach_an_openai_compatible_engine_from_the_command_line(tmp_path: Path) -> None:
    src = tmp_path / "kapitel.md"
    src.write_text("# Ausgabegrösse\n\nDie Faltung verkleinert die Merkmalskarte.\n", encoding="utf-8")
    with FakeOpenAI() as server:
        run = run_cli("convert", str(src), "-o", str(tmp_path / "out.qmd"), "--engine", "openai",
                      "--base-url", server.base_url, "--model", "fake")  # fmt: skip
        prompts = "\n".join(body["messages"][0]["content"] for body in server.bodies)
    assert run.returncode == 0, run.stderr
    assert "Faltung → convolution" in prompts and "Merkmalskarte → feature map" in prompts
    assert "Ausgabegröße → output size" in prompts or "Ausgabegrösse → output size" in prompts
    assert "glossary-unused" not in run.stderr  # built-in terms are hints, not the user's demands


def test_deepl_gets_only_the_users_glossary(tmp_path: Path) -> None:
    """DeepL enforces a glossary's terms: the built-in hints are not made into a DeepL glossary."""
    src = tmp_path / "kapitel.md"
    src.write_text("Die Faltung verkleinert die Merkmalskarte.\n", encoding="utf-8")
    terms = tmp_path / "terms.yml"
    terms.write_text("Faltung: folding\n", encoding="utf-8")
    with FakeDeepL() as server:
        run = run_cli("convert", str(src), "-o", str(tmp_path / "out.qmd"), "--engine", "deepl",
                      "--base-url", server.url, "--glossary", str(terms), env={"DEEPL_AUTH_KEY": "key:fx"})  # fmt: skip
        created = [r for r in server.requests if r["path"].startswith("/v2/glossaries")]
    assert run.returncode == 0, run.stderr
    assert len(created) == 1 and created[0]["entries"].strip() == "Faltung\tfolding"


# --- sentences an engine got obviously wrong ------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reply", "why"),
    [
        ("Die Ausgabe wird grösser.", "Does the output get larger?", "a question for a statement"),
        ("Wie gross ist die Ausgabe?", "The output is large.", "a statement for a question"),
        ("Gefördert von der DFG.", "Funded by the German Institute for Advanced Research.", "DFG is missing"),
        ("Dadurch sind MLPs schnell sehr gross.", "This makes them very large quickly.", "MLP is missing"),
        ("Im Jahr 2022 gab es drei Berichte.", "In 2021 there were three reports.", "the number 2022 is missing"),
        ("Der Filter hat ⟨1⟩ Gewichte.", "The filter has 9 ⟨1⟩ weights.", "the number 9 is not in the source"),
        ("Diese Annahme ist in der Praxis nicht immer erfüllt.", "In practice this assumption always holds.",
         "the negation (nicht) is lost"),
        ("Eine Faltung verschiebt einen kleinen Filter über ein Bild und berechnet ein Skalarprodukt.",
         "A convolution.", "much shorter than its sentence"),
        ("Ein Filter gleitet über das Bild.",
         "A filter slides over the image, and then the network learns all the features of every image it sees.",
         "much longer than its sentence"),
    ],
)  # fmt: skip
def test_obviously_wrong_translations_are_named(source: str, reply: str, why: str) -> None:
    assert implausible(source, reply).startswith(f"implausible translation: {why}")


@pytest.mark.parametrize(
    ("source", "reply"),
    [
        ("Die Ausgabe wird grösser.", "The output gets larger."),
        ("Wie viele Parameter hat ein Filter der Grösse ⟨1⟩?", "How many parameters does a filter of size ⟨1⟩ have?"),
        ("Wir verwenden 3 Filter.", "We use three filters."),
        ("Wir verwenden drei Filter.", "We use 3 filters."),
        ("Die DFG fördert Projekte, die nicht kommerziell sind.", "The DFG funds projects that are not commercial."),
        ("Die URIs sind im Datensatz 2,5-mal so lang.", "The URI values are 2.5 times as long in the data set."),
        ("Wir nutzen KI.", "We use AI."),  # the glossary translates the acronym
        ("Zusammenfassung", "Summary"),
    ],
)
def test_plausible_translations_pass(source: str, reply: str) -> None:
    assert implausible(source, reply, Glossary().with_builtin().occurring(source)) == ""


def _spoil_statements(text: str, reply: str) -> str:
    """A DeepL stand-in that turns the sentence about growth into a question (as the small model did)."""
    return reply.rstrip(".") + "?" if "grösser" in text else reply


def test_a_question_for_a_statement_is_kept_german_with_a_warning() -> None:
    qmd = convert_text("Die Ausgabe wird mit jedem Schritt grösser.\n\nDer Filter gleitet über das Bild.\n").text
    with FakeDeepL(spoil=_spoil_statements) as server:
        engine = DeepLEngine("key:fx", server_url=server.url)
        out, report, warnings = Translator(engine).translate_document(qmd, "kapitel.md")
        sent = [t for r in server.requests if r["path"].startswith("/v2/translate") for t in r["text"]]
    assert "Die Ausgabe wird mit jedem Schritt grösser." in out
    assert "Der Filter gleitet" not in out  # the other sentence is written in English
    assert [(w.line, w.code) for w in warnings] == [(1, Code.TRANSLATION_IMPLAUSIBLE)]
    assert "a question for a statement" in warnings[0].message
    assert [line for line, _ in report.kept] == [1]
    assert sum("grösser" in t for t in sent) > 1  # retried (whole, then its halves) before it was kept


# --- terms mined from the book ------------------------------------------------------------

CHAPTER_ONE = """# Merkmalskarten

Eine **Merkmalskarte** entsteht aus jedem Filter.

Jede Merkmalskarte hat eine eigene Grösse.
"""
CHAPTER_TWO = """# Pooling

Pooling verkleinert jede Merkmalskarte.

Danach ist die Merkmalskarte kleiner.
"""


def test_a_books_own_term_is_translated_once_and_hinted_in_every_chapter() -> None:
    documents = [convert_text(CHAPTER_ONE).text, convert_text(CHAPTER_TWO).text]
    glossary = Glossary({"Merkmalskarte": "feature map"})
    with FakeOpenAI() as server:
        Translator(_openai(server), glossary=Glossary()).translate_many(documents, ["a.md", "b.md"])
        mined_alone = [b for b in server.bodies if '"Merkmalskarte"' in b["messages"][-1]["content"]]
        using = [
            (b["messages"][0]["content"], b["messages"][-1]["content"].count("erkmalskarte"))
            for b in server.bodies[1:]
            if "erkmalskarte" in b["messages"][-1]["content"]
        ]
    assert len(mined_alone) == 1 and server.bodies[0] is mined_alone[0]  # the term, alone, once, first
    english = fake_translation("Merkmalskarte").rstrip(".")
    # the three sentences that use it (in one request or several) get the hint
    assert sum(n for _, n in using) >= 3 and all(f"Merkmalskarte → {english}\n" in system + "\n" for system, _ in using)
    # a term the glossary knows is not sent alone
    with FakeOpenAI() as server:
        Translator(_openai(server), glossary=glossary).translate_many(documents, ["a.md", "b.md"])
        assert not [b for b in server.bodies if '"Merkmalskarte"' in b["messages"][-1]["content"]]


def _openai(server: FakeOpenAI) -> OpenAIEngine:
    return OpenAIEngine(server.base_url, "fake", None, timeout=30.0, backoff=0.05, max_attempts=2)


# --- auto: the best engine this machine has ------------------------------------------------


class LocalServer(LoopbackServer):
    """An Ollama (``/api/tags``) or llama.cpp (``/v1/models``) server on an ephemeral port,
    with the OpenAI-compatible chat endpoint of :class:`FakeOpenAI` behind it."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.gets: list[str] = []
        self.chat = FakeOpenAI()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.gets.append(self.path)
                data = json.dumps(answers[self.path]).encode() if self.path in answers else b"{}"
                self.send_response(200 if self.path in answers else 404)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                status, _, payload = outer.chat.answer(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)


OLLAMA_TAGS = {
    "/api/tags": {
        "models": [
            {"name": "qwen2.5:1.5b", "size": 990_000_000},
            {"name": "nomic-embed-text:latest", "size": 9_000_000_000},
            {"name": "gemma3:4b", "size": 3_300_000_000},
        ]
    }
}


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there: connections are refused


def test_auto_prefers_keys_then_ollama_then_llamacpp_then_the_embedded_model() -> None:
    nowhere = _closed_port_url()
    with LocalServer(OLLAMA_TAGS) as ollama, LocalServer({"/v1/models": {"data": [{"id": "qwen.gguf"}]}}) as llama:
        both = {"MYST2QMD_OLLAMA_URL": ollama.origin, "MYST2QMD_LLAMACPP_URL": llama.origin}
        assert choose_auto({**both, "DEEPL_AUTH_KEY": "k"}).engine == "deepl"
        assert choose_auto({**both, "OPENAI_API_KEY": "k"}).engine == "openai"
        assert not ollama.gets  # a key is enough: no local server is asked
        choice = choose_auto(both)
        assert (choice.engine, choice.base_url, choice.model) == ("openai", ollama.origin + "/v1", "gemma3:4b")
        assert "Ollama answers at " + ollama.origin in choice.why
        choice = choose_auto({**both, "MYST2QMD_OLLAMA_URL": nowhere})
        assert (choice.engine, choice.base_url, choice.model) == ("openai", llama.origin + "/v1", "qwen.gguf")
        assert "llama.cpp server answers" in choice.why
    off = {"MYST2QMD_OLLAMA_URL": nowhere, "MYST2QMD_LLAMACPP_URL": nowhere}
    choice = choose_auto(off)
    assert choice.engine == ("local" if local_available() else "none")
    assert "ollama pull" in choice.why


def test_auto_says_when_ollama_runs_without_a_model() -> None:
    nowhere = _closed_port_url()
    with LocalServer({"/api/tags": {"models": []}}) as ollama:
        choice = choose_auto({"MYST2QMD_OLLAMA_URL": ollama.origin, "MYST2QMD_LLAMACPP_URL": nowhere})
    assert choice.engine in ("local", "none") and f"Ollama at {ollama.origin} has no model yet" in choice.why


def test_auto_does_not_wait_for_a_server_that_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A port that accepts connections but never answers (a hung server): the probe gives up after its
    read timeout and ``auto`` goes on to the next engine (without the timeout this test would hang)."""
    monkeypatch.setattr(auto, "READ_TIMEOUT", 0.2)
    choices: list[str] = []
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # connections complete in the backlog; nothing ever reads or answers them
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        probe = threading.Thread(
            target=lambda: choices.append(
                choose_auto({"MYST2QMD_OLLAMA_URL": url, "MYST2QMD_LLAMACPP_URL": url}).engine
            ),
            daemon=True,
        )
        probe.start()
        probe.join(60)  # two probes of 0.2 s each; 60 s holds on any load
    assert choices and choices[0] in ("local", "none")


def test_convert_with_auto_uses_a_local_ollama_and_says_so(tmp_path: Path) -> None:
    src = tmp_path / "kapitel.md"
    src.write_text("Die Faltung verkleinert die Merkmalskarte.\n", encoding="utf-8")
    with LocalServer(OLLAMA_TAGS) as ollama:
        run = run_cli(
            "convert", str(src), "-o", str(tmp_path / "out.qmd"),
            env={"MYST2QMD_ENGINE": "auto", "MYST2QMD_OLLAMA_URL": ollama.origin, "MYST2QMD_LLAMACPP_URL": "off"},
        )  # fmt: skip
        models = {body["model"] for body in ollama.chat.bodies}
    assert run.returncode == 0, run.stderr
    said = [line for line in run.stderr.splitlines() if line.startswith("myst2qmd: engine auto:")]
    assert said == [
        f"myst2qmd: engine auto: openai at {ollama.origin}/v1, model gemma3:4b "
        f"(no API key is set; Ollama answers at {ollama.origin})"
    ]
    assert models == {"gemma3:4b"}
    assert "Faltung" not in (tmp_path / "out.qmd").read_text(encoding="utf-8")


def test_the_readme_first_screen_says_the_embedded_model_writes_a_draft_and_how_to_do_better() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:40])
    assert "draft" in first_screen
    assert "DEEPL_AUTH_KEY=" in first_screen and "ollama pull" in first_screen


def test_a_term_the_engine_could_not_translate_is_not_sent_again(tmp_path: Path) -> None:
    """``Abgeschnitten`` always comes back cut off: the term alone and its sentences are kept, and
    the memory remembers it, so a second run sends nothing."""
    text = "".join(f"Das **Abgeschnitten** Nummer {n} ist hier.\n\n" for n in range(3))
    documents = [convert_text(text).text, convert_text(text.replace("hier", "dort")).text]
    cache = TranslationCache(tmp_path / "tm.sqlite")
    with FakeOpenAI() as server:
        Translator(_openai(server), cache=cache).translate_many(documents, ["a.md", "b.md"])
        assert [b for b in server.bodies if '"Abgeschnitten"' in b["messages"][-1]["content"]]
        first = server.requests
        Translator(_openai(server), cache=cache).translate_many(documents, ["a.md", "b.md"])
        assert server.requests == first
