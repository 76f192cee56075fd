"""The chat widget on the demo clinic page as a visitor sees it (a Playwright page object),
shared by the widget's and the console's browser tests."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any, Dict, List

from playwright.sync_api import BrowserContext, Page, expect

XSS = "<img src=x onerror=alert(1)>"
REPLY_TIMEOUT_MS = 60_000

# JS: True once a bot message follows the visitor's latest message.
_ANSWERED = """() => {
  const root = document.querySelector('clinic-chat-widget').shadowRoot;
  const msgs = [...root.querySelectorAll('.cc-log > .cc-msg')];
  let lastUser = -1;
  msgs.forEach((m, i) => { if (m.classList.contains('cc-user')) lastUser = i; });
  return lastUser >= 0 && msgs.slice(lastUser + 1).some(m => m.classList.contains('cc-bot'));
}"""
# JS: the texts of the bot messages after the visitor's latest message.
_LATEST_BOT_TEXTS = """() => {
  const root = document.querySelector('clinic-chat-widget').shadowRoot;
  const msgs = [...root.querySelectorAll('.cc-log > .cc-msg')];
  let lastUser = -1;
  msgs.forEach((m, i) => { if (m.classList.contains('cc-user')) lastUser = i; });
  return msgs.slice(lastUser + 1).filter(m => m.classList.contains('cc-bot'))
    .map(m => (m.querySelector('.cc-text') || {}).textContent || '');
}"""
# JS: the element that has keyboard focus, looking inside the widget's shadow root.
_FOCUSED = """() => {
  const a = document.activeElement;
  if (a && a.tagName === 'CLINIC-CHAT-WIDGET') {
    const inner = a.shadowRoot.activeElement;
    return inner ? (inner.id || inner.className) : 'host';
  }
  return a ? a.tagName : null;
}"""


class Widget:
    """The demo page with the widget, seen as a visitor sees it."""

    def __init__(self, context: BrowserContext, url: str) -> None:
        self.page: Page = context.new_page()
        self.dialogs: List[str] = []
        self.errors: List[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.url = url
        self.page.goto(url)
        expect(self.launcher).to_be_visible()

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def launcher(self):
        return self.page.locator(".cc-launcher")

    @property
    def panel(self):
        return self.page.get_by_role("dialog")

    @property
    def input(self):
        return self.page.get_by_role("textbox", name="Your message")

    @property
    def bot_texts(self):
        return self.page.locator(".cc-bot .cc-text")

    @property
    def user_texts(self):
        return self.page.locator(".cc-user .cc-text")

    def open(self) -> None:
        """Opens the chat and waits for the greeting and the reply to the initial payload."""
        self.launcher.click()
        expect(self.panel).to_be_visible()
        self.wait_for_bot_count(2)

    def wait_for_bot_count(self, count: int) -> None:
        expect(self.bot_texts.nth(count - 1)).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    def ask(self, text: str) -> List[str]:
        """Types ``text``, sends it with Enter and returns the bot's answer bubbles."""
        self.input.fill(text)
        self.input.press("Enter")
        return self.answer()

    def answer(self) -> List[str]:
        """Waits for the bot's answer to the visitor's latest message."""
        self.page.wait_for_function(_ANSWERED, timeout=REPLY_TIMEOUT_MS)
        time.sleep(0.8)  # the rest of the turn (Rasa may send several bubbles)
        return self.page.evaluate(_LATEST_BOT_TEXTS)

    def transcript(self) -> List[str]:
        return self.page.locator(".cc-msg .cc-text").all_inner_texts()

    def stored_state(self) -> Dict[str, Any]:
        raw = self.page.evaluate(
            "() => localStorage.getItem(Object.keys(localStorage)"
            ".find(k => k.startsWith('clinic-chat:')))"
        )
        return json.loads(raw)

    def focused(self) -> str:
        return self.page.evaluate(_FOCUSED)


def server_transcript(stack, session_id: str) -> List[str]:
    """The visitor's messages in the Rasa tracker for ``session_id`` (server-side state)."""
    url = f"{stack.rasa_url}/conversations/{session_id}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local)
        tracker = json.loads(response.read().decode("utf-8"))
    return [
        event.get("text") for event in tracker["events"] if event.get("event") == "user"
    ]
