"""The widget's language, in a real browser (Chromium via Playwright) against the real servers.

On a page with ``<html lang="es">`` every UI string is Spanish (placeholder, labels,
buttons, footnote, typing indicator, offline notice) and the conversation starts in
Spanish; the header's switch changes the UI strings in place and tells the assistant,
which answers in the language chosen; the choice survives a reload.

Whole Spanish conversations in the widget (issue 21, "Done when"): a visitor on a Spanish
page gets the curated Spanish answers (typed question, quick reply, "cuénteme más",
"¿por qué?") with no "not in Spanish yet" note, a Spanish emergency reply first, and a
Spanish booking from the request to the confirmation; an English page still gets English.
The expected texts come from the content files (content/topics/*.yml, domain/safety.yml,
actions/booking/messages.py), never copies.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import yaml
from playwright.sync_api import BrowserContext, expect

from actions.booking import messages as booking
from clinic.language.messages import language_messages
from tests.browser.widget import REPLY_TIMEOUT_MS, Widget

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = language_messages()
SPANISH_TITLE = "Pregunte a recepción"
SPANISH_GREETING = "¡Hola! ¿Preguntas sobre NMT o FMM? Aquí estoy para ayudarle."
# JS: texts of the widget's hidden (screen-reader) words, its footnote and its typing text.
_HIDDEN = """() => {
  const root = document.querySelector('clinic-chat-widget').shadowRoot;
  return {who: [...root.querySelectorAll('.cc-who')].map(e => e.textContent),
          foot: root.querySelector('.cc-foot').textContent,
          typing: root.querySelector('.cc-typing').textContent,
          lang: document.querySelector('clinic-chat-widget').getAttribute('lang')};
}"""
# JS: controls without an accessible name (must be none).
_UNNAMED = """() => [...document.querySelector('clinic-chat-widget').shadowRoot
     .querySelectorAll('button, input, a')]
     .filter(e => !(e.getAttribute('aria-label') || e.textContent.trim()
                    || (e.labels && e.labels.length)))
     .map(e => e.className)"""


class SpanishWidget(Widget):
    """The page object, with the message box found by its Spanish name."""

    @property
    def input(self):
        return self.page.get_by_role("textbox", name="Su mensaje")


def spanish_page(context: BrowserContext) -> None:
    """Makes the demo page a clinic's Spanish page: ``<html lang="es">`` and the clinic's
    own Spanish title and greeting, set before the deferred widget script runs (as the
    widget tests set data- attributes; a page fulfilled by Playwright instead could not load
    scripts from the loopback Rasa server under Chromium's private network rules)."""
    context.add_init_script("""new MutationObserver((changes, observer) => {
             const tag = document.querySelector('script[data-server]');
             if (!tag) return;
             document.documentElement.lang = 'es';
             tag.dataset.title = %s;
             tag.dataset.greeting = %s;
             observer.disconnect();
           }).observe(document, {childList: true, subtree: true});"""
                            % (json.dumps(SPANISH_TITLE), json.dumps(SPANISH_GREETING)))


def tracker(stack: Any, session_id: str) -> Dict[str, Any]:
    url = f"{stack.rasa_url}/conversations/{session_id}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local)
        return json.loads(response.read().decode("utf-8"))


def language_slot(stack: Any, session_id: str) -> Optional[str]:
    return tracker(stack, session_id)["slots"].get("language")


def test_spanish_page_gets_spanish_ui_and_a_spanish_start(
    stack, desktop: BrowserContext, save_screenshot
) -> None:
    spanish_page(desktop)
    widget = SpanishWidget(desktop, stack.web_url)
    page = widget.page
    expect(widget.launcher).to_have_attribute("aria-label", f"Abrir el chat: {SPANISH_TITLE}")
    widget.open()
    expect(widget.input).to_have_attribute("placeholder", "Escriba su pregunta")
    expect(page.get_by_role("button", name="Enviar")).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar el chat", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Reiniciar")).to_be_visible()
    expect(page.get_by_role("log", name="Conversación")).to_be_visible()
    expect(page.get_by_role("group", name="Respuestas sugeridas").first).to_be_visible()
    switch = page.get_by_role("button", name="English", exact=True)
    expect(switch).to_have_attribute("lang", "en")
    expect(page.locator(".cc-title")).to_have_text(SPANISH_TITLE)
    hidden = page.evaluate(_HIDDEN)
    assert hidden["lang"] == "es"
    assert hidden["foot"].startswith("Asistente automático. Emergencia: llame al 911")
    assert hidden["typing"] == "El asistente está escribiendo…"
    assert set(hidden["who"]) == {"Asistente: "}
    assert page.evaluate(_UNNAMED) == []
    # The page's language reached the assistant: its first answer is Spanish.
    expect(widget.bot_texts.nth(0)).to_have_text(SPANISH_GREETING)
    expect(widget.bot_texts.nth(1)).to_contain_text("Puedo explicarle")
    answer = widget.ask("hola")
    assert answer[0].startswith("¡Hola, bienvenido!"), answer
    assert "Usted dijo: " in page.evaluate(_HIDDEN)["who"]
    page.get_by_role("button", name="Reiniciar").click()
    group = page.get_by_role("group", name="¿Empezar una conversación nueva?")
    expect(group.get_by_role("button", name="Cancelar")).to_be_visible()
    group.get_by_role("button", name="Cancelar").click()
    save_screenshot(page, "widget-spanish.png")
    assert widget.errors == []


def test_offline_notice_is_spanish_on_a_spanish_page(stack, desktop: BrowserContext) -> None:
    spanish_page(desktop)
    desktop.route(re.compile(r"/widget/vendor/socket\.io\.min\.js"), lambda r: r.abort())
    widget = SpanishWidget(desktop, stack.web_url)
    widget.launcher.click()
    expect(widget.page.locator(".cc-status")).to_have_text(
        "El chat no está disponible en este momento. Inténtelo más tarde.")


def test_the_switch_changes_the_ui_and_tells_the_assistant(
    stack, desktop: BrowserContext
) -> None:
    widget = Widget(desktop, stack.web_url)  # the demo page as it is: lang="en"
    page = widget.page
    widget.open()
    expect(widget.input).to_have_attribute("placeholder", "Type your question")
    session_id = widget.stored_state()["sessionId"]
    widget.ask("What is NMT?")
    groups_before = page.locator(".cc-quick").count()

    page.get_by_role("button", name="Español", exact=True).click()
    spanish = page.get_by_role("textbox", name="Su mensaje")
    expect(spanish).to_have_attribute("placeholder", "Escriba su pregunta")
    expect(page.get_by_role("button", name="Enviar")).to_be_visible()
    expect(page.get_by_role("button", name="Reiniciar")).to_be_visible()
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-label", re.compile("^Cerrar el chat: "))
    # Earlier bubbles keep their place; only their hidden words change.
    who = page.evaluate(_HIDDEN)["who"]
    assert "Usted dijo: " in who and "You said: " not in who and "Assistant: " not in who
    assert page.locator(".cc-quick").count() >= groups_before
    expect(widget.user_texts.last).to_have_text("Español")
    answer = widget.answer()
    assert answer == [MESSAGES.chosen["es"].text], answer
    assert language_slot(stack, session_id) == "es"

    page.reload()  # the choice is remembered with the conversation
    expect(page.get_by_role("textbox", name="Su mensaje")).to_be_visible()

    page.get_by_role("button", name="English", exact=True).click()
    expect(widget.input).to_have_attribute("placeholder", "Type your question")
    assert widget.answer() == [MESSAGES.chosen["en"].text]
    assert language_slot(stack, session_id) == "en"
    assert widget.errors == []


# --------------------------------------------------------------- whole Spanish conversations

# JS: the bot bubbles' texts and the quick replies' titles after the visitor's latest message.
_LATEST_TURN = """() => {
  const root = document.querySelector('clinic-chat-widget').shadowRoot;
  const msgs = [...root.querySelectorAll('.cc-log > .cc-msg')];
  let lastUser = -1;
  msgs.forEach((m, i) => { if (m.classList.contains('cc-user')) lastUser = i; });
  const bots = msgs.slice(lastUser + 1).filter(m => m.classList.contains('cc-bot'));
  return {texts: bots.map(m => (m.querySelector('.cc-text') || {}).textContent || '')
                     .filter(t => t.trim()),
          chips: bots.flatMap(m => [...m.querySelectorAll('.cc-chip')]
                     .map(b => b.textContent))};
}"""
SPANISH_EMERGENCY_PHRASE = "me duele el pecho y se me va al brazo izquierdo"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _topics() -> Dict[str, Dict[str, Any]]:
    """Every curated topic as written in content/topics/*.yml (read here, not through the
    product's loader, so that a loader mistake cannot hide behind it)."""
    topics: Dict[str, Dict[str, Any]] = {}
    for path in sorted((ROOT / "content" / "topics").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("topics", []):
            topics[item["id"]] = {k: _flat(v) if isinstance(v, str) else v
                                  for k, v in item.items()}
    return topics


def _emergency_replies() -> Dict[str, str]:
    """utter_emergency of domain/safety.yml: {"es": …, "en": …}."""
    domain = yaml.safe_load((ROOT / "domain" / "safety.yml").read_text(encoding="utf-8"))
    replies: Dict[str, str] = {}
    for variant in domain["responses"]["utter_emergency"]:
        conditions = variant.get("condition") or []
        language = next((c["value"] for c in conditions
                         if c.get("name") == "safety_language"), "en")
        replies[language] = _flat(variant["text"])
    return replies


TOPICS = _topics()
EMERGENCY = _emergency_replies()
ES = booking.SPANISH_TEXTS
NOTE = _flat(MESSAGES.note.text)


def _first_words(text: str, count: int = 6) -> str:
    return " ".join(text.split()[:count])


class Turn:
    """What the assistant said after the visitor's latest message (texts flattened)."""

    def __init__(self, texts: List[str], chips: List[str], transcript: List[str]) -> None:
        self.texts = [_flat(t) for t in texts]
        self.chips = chips
        self.transcript = transcript

    def has(self, text: str) -> bool:
        return any(_flat(text) in said for said in self.texts)

    def __repr__(self) -> str:  # shown by a failing assert
        return f"Turn(texts={self.texts!r}, chips={self.chips!r})"


def wait_turn(widget: Widget, done: Callable[[Turn], bool]) -> Turn:
    """Waits until the latest turn satisfies ``done`` (the assistant may send its bubbles one
    action at a time) or the reply timeout passes; returns the turn either way, for the
    caller's assert to show what came instead."""
    deadline = time.monotonic() + REPLY_TIMEOUT_MS / 1000
    while True:
        raw = widget.page.evaluate(_LATEST_TURN)
        turn = Turn(raw["texts"], raw["chips"], widget.transcript())
        if done(turn) or time.monotonic() > deadline:
            time.sleep(0.5)  # anything else of the same turn
            raw = widget.page.evaluate(_LATEST_TURN)
            return Turn(raw["texts"], raw["chips"], widget.transcript())
        time.sleep(0.25)


def say(widget: Widget, text: str, expected: str) -> Turn:
    """Types ``text`` and waits for a bubble containing ``expected``."""
    widget.input.fill(text)
    widget.input.press("Enter")
    expect(widget.user_texts.last).to_have_text(text)
    return wait_turn(widget, lambda turn: turn.has(expected))


def tap(widget: Widget, title: str, expected: str) -> Turn:
    """Clicks the latest quick reply titled ``title`` and waits for ``expected``."""
    chip = widget.page.locator(".cc-quick").last.get_by_role("button", name=title, exact=True)
    expect(chip).to_be_enabled()
    chip.click()
    expect(widget.user_texts.last).to_have_text(title)
    return wait_turn(widget, lambda turn: turn.has(expected))


def no_english_and_no_note(widget: Widget, *english: str) -> None:
    """Nothing in the whole transcript is the "not in Spanish yet" note or the start of an
    English text that has a Spanish twin."""
    transcript = [_flat(t) for t in widget.transcript()]
    assert not [t for t in transcript if NOTE in t], transcript
    for text in english:
        assert not [t for t in transcript if _first_words(text) in t], (text, transcript)


def test_a_spanish_visitor_gets_spanish_answers_follow_ups_and_the_spanish_911(
    stack, desktop: BrowserContext, save_screenshot
) -> None:
    nmt, tools, release = (TOPICS[t] for t in ("nmt_overview", "nmt_tools",
                                                "positional_release"))
    assert "positional_release" in tools["related"]
    spanish_page(desktop)
    widget = SpanishWidget(desktop, stack.web_url)
    widget.open()
    session_id = widget.stored_state()["sessionId"]

    # a typed question: the curated Spanish answer, with Spanish buttons
    turn = say(widget, "¿Qué es la terapia neuromuscular?", nmt["answer_es"])
    assert turn.texts and turn.texts[0].startswith(nmt["answer_es"]), turn
    # the Spanish citation (Rasa's socket.io channel sends it as a bubble of its own)
    assert [t for t in turn.texts if t.startswith("(Fuente: ")], turn
    assert not [t for t in turn.texts if t.startswith("(From ")], turn
    assert tools["button_es"] in turn.chips, turn
    assert ES.book_button["title"] in turn.chips, turn
    assert tools["button"] not in turn.chips, turn
    no_english_and_no_note(widget, nmt["answer"])
    assert language_slot(stack, session_id) == "es"

    # a Spanish quick reply: the related topic's Spanish answer
    turn = tap(widget, tools["button_es"], tools["answer_es"])
    assert turn.texts and turn.texts[0].startswith(tools["answer_es"]), turn
    assert release["button_es"] in turn.chips, turn
    no_english_and_no_note(widget, tools["answer"])

    # a typed follow-up: "cuénteme más" gives that topic's more_es
    turn = say(widget, "cuénteme más", tools["more_es"])
    assert turn.texts and turn.texts[0].startswith(tools["more_es"]), turn
    no_english_and_no_note(widget, tools["more"])

    # another quick reply, then "¿por qué?": why_es
    turn = tap(widget, release["button_es"], release["answer_es"])
    assert turn.texts and turn.texts[0].startswith(release["answer_es"]), turn
    turn = say(widget, "¿por qué?", release["why_es"])
    assert turn.texts and turn.texts[0].startswith(release["why_es"]), turn
    no_english_and_no_note(widget, release["answer"], release["why"], release["more"])

    # an emergency typed mid-conversation: the Spanish 911 reply first
    turn = say(widget, SPANISH_EMERGENCY_PHRASE, EMERGENCY["es"])
    assert turn.texts and turn.texts[0] == EMERGENCY["es"], turn
    assert turn.texts[0].startswith("Llame al 911"), turn
    assert not turn.has(EMERGENCY["en"]) and not turn.has(NOTE), turn
    assert language_slot(stack, session_id) == "es"
    save_screenshot(widget.page, "widget-spanish-conversation.png")
    assert widget.errors == []


def test_a_spanish_visitor_books_in_spanish(stack, desktop: BrowserContext) -> None:
    english = booking.ENGLISH_TEXTS
    spanish_page(desktop)
    widget = SpanishWidget(desktop, stack.web_url)
    widget.open()

    turn = say(widget, "quiero hacer una cita", ES.ask[booking.NAME])
    assert turn.texts == [_flat(ES.start), _flat(ES.ask[booking.NAME])], turn

    turn = say(widget, "me llamo Ana Ruiz", ES.ask[booking.CONTACT])
    assert turn.texts == [_flat(ES.ask[booking.CONTACT])], turn

    turn = say(widget, "mi cel es 213 555 0162", ES.ask[booking.THERAPY])
    assert turn.texts == [_flat(ES.ask[booking.THERAPY])], turn
    assert turn.chips == [b["title"] for b in ES.therapy_buttons], turn

    turn = tap(widget, "NMT", ES.ask[booking.TIMES])
    assert turn.texts == [_flat(ES.ask[booking.TIMES])], turn

    turn = say(widget, "el sábado en la mañana", ES.ask[booking.CONCERN])
    assert turn.texts == [_flat(ES.ask[booking.CONCERN])], turn
    assert turn.chips == [b["title"] for b in ES.concern_buttons], turn

    skip = ES.concern_buttons[0]["title"]
    consent = ES.ask[booking.CONSENT].split("{contact}")[0]
    turn = tap(widget, skip, consent)
    assert len(turn.texts) == 1 and turn.texts[0].startswith(_flat(consent)), turn
    assert "2135550162" in turn.texts[0], turn
    assert turn.chips == [b["title"] for b in ES.consent_buttons], turn

    labels = ES.labels
    turn = tap(widget, ES.consent_buttons[0]["title"], ES.summary_intro)
    [summary] = turn.texts
    assert summary.startswith(_flat(ES.summary_intro)), turn
    for line in (f"- {labels['name']}: Ana Ruiz",
                 f"- {labels['therapy']}: {ES.therapy_labels['NMT']}",
                 f"- {labels['times']}: el sábado en la mañana",
                 f"- {labels['concern']}: {labels['skipped']}"):
        assert _flat(line) in summary, (line, turn)
    assert ES.confirm_title in turn.chips and ES.change_titles["times"] in turn.chips, turn

    received = ES.received.format(name="Ana Ruiz")
    turn = tap(widget, ES.confirm_title, received)
    assert turn.texts and turn.texts[0] == _flat(received), turn

    transcript = [_flat(t) for t in widget.transcript()]
    for text in (english.start, *english.ask.values(), english.summary_intro,
                 english.received.split("{name}")[0], NOTE):
        assert not [t for t in transcript if _first_words(_flat(text), 5) in t], (
            text, transcript)
    assert widget.errors == []


def test_a_spanish_emergency_mid_booking_gets_the_spanish_911_and_stops_the_form(
    stack, desktop: BrowserContext
) -> None:
    spanish_page(desktop)
    widget = SpanishWidget(desktop, stack.web_url)
    widget.open()
    session_id = widget.stored_state()["sessionId"]
    say(widget, "quiero hacer una cita", ES.ask[booking.NAME])
    turn = say(widget, "me llamo Luis Ortega", ES.ask[booking.CONTACT])
    assert turn.texts == [_flat(ES.ask[booking.CONTACT])], turn

    turn = say(widget, SPANISH_EMERGENCY_PHRASE, EMERGENCY["es"])
    assert turn.texts == [EMERGENCY["es"]], turn  # 911 first, and no form question after it
    assert ES.book_button["title"] not in turn.chips, turn
    state = tracker(stack, session_id)
    assert not (state.get("active_loop") or {}).get("name"), state.get("active_loop")
    assert state["slots"].get("booking_contact") is None  # not taken as the contact
    assert state["slots"].get("language") == "es"

    # the visitor can start again, still in Spanish; the booking keeps the name already
    # given (actions/booking/form.py open_booking: filled slots stay, the summary shows
    # them before anything is sent) and asks the next question
    turn = say(widget, "quiero hacer una cita", ES.ask[booking.CONTACT])
    assert turn.texts == [_flat(ES.start), _flat(ES.ask[booking.CONTACT])], turn
    assert widget.errors == []


def test_an_english_page_still_gets_the_english_answer(
    stack, desktop: BrowserContext
) -> None:
    nmt, tools = TOPICS["nmt_overview"], TOPICS["nmt_tools"]
    widget = Widget(desktop, stack.web_url)  # the demo page as it is: lang="en"
    widget.open()
    turn = say(widget, "What is neuromuscular therapy?", nmt["answer"])
    assert turn.texts and turn.texts[0].startswith(nmt["answer"]), turn
    assert tools["button"] in turn.chips and tools["button_es"] not in turn.chips, turn
    transcript = [_flat(t) for t in widget.transcript()]
    assert not [t for t in transcript
                if _first_words(nmt["answer_es"]) in t or NOTE in t], transcript
    assert language_slot(stack, widget.stored_state()["sessionId"]) == "en"
    assert widget.errors == []
