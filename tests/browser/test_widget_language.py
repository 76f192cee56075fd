"""The widget's language, in a real browser (Chromium via Playwright) against the real servers.

On a page with ``<html lang="es">`` every UI string is Spanish (placeholder, labels,
buttons, footnote, typing indicator, offline notice) and the conversation starts in
Spanish; the header's switch changes the UI strings in place and tells the assistant,
which answers in the language chosen; the choice survives a reload.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any, Optional

from playwright.sync_api import BrowserContext, expect

from clinic.language.messages import language_messages
from tests.browser.widget import Widget

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


def language_slot(stack: Any, session_id: str) -> Optional[str]:
    url = f"{stack.rasa_url}/conversations/{session_id}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local)
        return json.loads(response.read().decode("utf-8"))["slots"].get("language")


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
