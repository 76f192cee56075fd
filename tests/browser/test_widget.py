"""The chat widget on the demo clinic page, in a real browser (Chromium via Playwright).

Runs against the `stack` fixture: the demo page (stack.web_url) embeds the widget from the
Rasa server (stack.rasa_url) with one script tag, exactly as a clinic would.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, List

from playwright.sync_api import BrowserContext, Route, WebSocketRoute, expect

from tests.browser.widget import REPLY_TIMEOUT_MS, XSS, Widget, server_transcript

def test_question_gets_an_answer_bubble(
    stack, desktop: BrowserContext, save_screenshot
) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    answer = " ".join(widget.ask("What is NMT?"))
    assert re.search(r"NMT|neuromuscular", answer, re.IGNORECASE), answer
    assert "didn't quite catch" not in answer
    expect(widget.user_texts.last).to_have_text("What is NMT?")
    assert widget.errors == []
    save_screenshot(widget.page, "widget-desktop.png")


def test_quick_reply_is_disabled_once_chosen_and_answered(
    stack, desktop: BrowserContext
) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    groups = widget.page.locator(".cc-quick")
    group = groups.nth(groups.count() - 1)  # pinned: the answer adds new groups below
    chip = group.locator(".cc-chip").first
    expect(chip).to_be_enabled()
    title = chip.inner_text()
    chip.click()
    expect(chip).to_be_disabled()
    expect(chip).to_have_attribute("aria-pressed", "true")
    for other in group.locator(".cc-chip").all():
        expect(other).to_be_disabled()
    expect(widget.user_texts.last).to_have_text(title)
    assert widget.answer(), "no answer to the quick reply"
    # Still disabled after a reload: the choice is part of the stored transcript.
    widget.page.reload()
    expect(widget.page.locator(".cc-chip[aria-pressed='true']")).to_have_count(1)


def test_conversation_survives_reload_and_page_change(
    stack, desktop: BrowserContext
) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    widget.ask("What is FMM?")
    before = widget.transcript()
    session_id = widget.stored_state()["sessionId"]

    widget.page.reload()
    expect(widget.panel).to_be_visible()  # it was open, so it stays open
    expect(widget.page.locator(".cc-msg .cc-text")).to_have_text(before)

    widget.page.goto(stack.web_url + "/index.html#visit")  # another page of the site
    expect(widget.page.locator(".cc-msg .cc-text")).to_have_text(before)
    assert widget.stored_state()["sessionId"] == session_id

    assert widget.ask("Thanks!")
    # The server kept one conversation under the widget's session id.
    said = server_transcript(stack, session_id)
    assert "What is FMM?" in said and "Thanks!" in said


def test_markup_is_shown_as_text_and_never_run(stack, desktop: BrowserContext) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    widget.ask(XSS)
    expect(widget.user_texts.last).to_have_text(XSS)
    time.sleep(1)
    assert widget.dialogs == []
    expect(widget.page.locator("img")).to_have_count(0)  # pierces the shadow root
    assert (
        widget.page.evaluate(
            "() => document.querySelector('clinic-chat-widget').shadowRoot"
            ".querySelectorAll('img').length"
        )
        == 0
    )


def test_hostile_server_messages_stay_text_and_links_are_checked(
    stack, desktop: BrowserContext
) -> None:
    """Even a bot message full of markup and bad links renders as plain text."""
    allowed = "clinic.example"

    # As if the clinic had configured data-allowed-link-hosts="clinic.example" (set before
    # the deferred widget script runs; the page itself is served unchanged).
    desktop.add_init_script("""new MutationObserver((changes, observer) => {
             const tag = document.querySelector('script[data-server]');
             if (tag) { tag.dataset.allowedLinkHosts = '%s'; observer.disconnect(); }
           }).observe(document, {childList: true, subtree: true});""" % allowed)
    sockets: List[WebSocketRoute] = []

    def relay(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    desktop.route_web_socket(re.compile(r"/socket\.io/"), relay)
    widget = Widget(desktop, stack.web_url)
    widget.open()
    hostile = {
        "text": "<img src=x onerror=alert(2)><script>alert(3)</script>",
        "quick_replies": [
            {"title": "<b onmouseover=alert(4)>bold</b>", "payload": "/greet"}
        ],
        "links": [
            {"title": "script link", "url": "javascript:alert(5)"},
            {"title": "plain http", "url": f"http://{allowed}/x"},
            {"title": "other host", "url": "https://evil.example/x"},
            {"title": "our page", "url": f"https://{allowed}/nmt"},
        ],
    }
    sockets[-1].send("42" + json.dumps(["bot_uttered", hostile]))
    expect(widget.bot_texts.last).to_have_text(hostile["text"])
    expect(widget.page.locator(".cc-chip").last).to_have_text(
        "<b onmouseover=alert(4)>bold</b>"
    )
    links = widget.page.locator(".cc-link")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", f"https://{allowed}/nmt")
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    for title in ("script link", "plain http", "other host"):
        expect(widget.page.locator(".cc-linktext", has_text=title)).to_have_count(1)
    widget.page.locator(".cc-chip").last.hover()
    time.sleep(0.5)
    assert widget.dialogs == []
    expect(widget.page.locator("img, script:not([src]), b")).to_have_count(0)


def test_typing_indicator_shows_while_waiting(stack, desktop: BrowserContext) -> None:
    held: List[str] = []
    hold = {"on": False}
    pages: List[WebSocketRoute] = []

    def relay(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        pages.append(ws)

        def to_page(message: Any) -> None:
            if (
                hold["on"]
                and isinstance(message, str)
                and message.startswith('42["bot_uttered"')
            ):
                held.append(
                    message
                )  # the answer is held back until the test releases it
            else:
                ws.send(message)

        server.on_message(to_page)

    desktop.route_web_socket(re.compile(r"/socket\.io/"), relay)
    widget = Widget(desktop, stack.web_url)
    widget.open()
    typing = widget.page.locator(".cc-typing")
    expect(typing).to_be_hidden()
    hold["on"] = True
    widget.input.fill("What is NMT?")
    widget.input.press("Enter")
    expect(typing).to_be_visible()
    deadline = time.monotonic() + REPLY_TIMEOUT_MS / 1000
    while not held and time.monotonic() < deadline:
        widget.page.wait_for_timeout(200)
    assert held, "the server's answer never came"
    expect(typing).to_be_visible()  # still waiting for the (held) answer
    hold["on"] = False
    for message in held:
        pages[-1].send(message)
    expect(typing).to_be_hidden()
    assert widget.answer()


def test_keyboard_alone_completes_a_turn(stack, desktop: BrowserContext) -> None:
    widget = Widget(desktop, stack.web_url)
    page = widget.page
    for _ in range(60):
        page.keyboard.press("Tab")
        if widget.focused() == "cc-launcher":
            break
    assert widget.focused() == "cc-launcher", "Tab never reached the chat button"
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    assert widget.focused() == "cc-input", "focus should move to the message box"
    widget.wait_for_bot_count(2)
    page.keyboard.type("What is NMT?")
    page.keyboard.press("Enter")
    assert widget.answer()
    expect(widget.user_texts.last).to_have_text("What is NMT?")
    # Tab from the message box reaches the send button; Escape closes and returns focus.
    page.keyboard.press("Tab")
    assert "cc-send" in widget.focused()
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert widget.focused() == "cc-launcher"
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")


def test_phone_layout_is_full_screen(
    stack, phone: BrowserContext, save_screenshot
) -> None:
    widget = Widget(phone, stack.web_url)
    widget.open()
    widget.ask("What is FMM?")
    box = widget.panel.bounding_box()
    assert box is not None
    assert abs(box["x"]) <= 1 and abs(box["y"]) <= 1, box
    assert abs(box["width"] - 375) <= 1 and abs(box["height"] - 667) <= 1, box
    # The panel covers the screen, the launcher is hidden; Close is in the panel.
    expect(widget.launcher).to_be_hidden()
    close = widget.page.get_by_role("button", name="Close chat", exact=True)
    expect(close).to_be_visible()
    expect(widget.panel).to_have_attribute("aria-modal", "true")
    # Full screen the chat is modal: Tab never reaches the page hidden behind it.
    seen = set()
    for _ in range(25):
        widget.page.keyboard.press("Tab")
        seen.add(widget.focused())
    assert all(name.startswith("cc-") for name in seen), seen
    assert {"cc-input", "cc-close", "cc-restart"} <= seen, seen
    save_screenshot(widget.page, "widget-phone.png")


def test_desktop_layout_is_a_corner_panel(stack, desktop: BrowserContext) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    box = widget.panel.bounding_box()
    assert box is not None and box["width"] < 500 and box["x"] > 640, box
    expect(widget.panel).to_have_attribute("aria-modal", "false")


def test_start_over_clears_the_chat_and_starts_a_new_session(
    stack, desktop: BrowserContext
) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    widget.ask("What is NMT?")
    old_session = widget.stored_state()["sessionId"]
    widget.page.get_by_role("button", name="Start over").first.click()
    group = widget.page.get_by_role("group", name="Start a new conversation?")
    expect(group).to_be_visible()
    group.get_by_role("button", name="Start over").click()
    expect(widget.user_texts).to_have_count(0)
    widget.wait_for_bot_count(2)  # greeting + initial payload again
    assert widget.stored_state()["sessionId"] != old_session
    assert widget.ask("What is FMM?")


def test_unread_badge_counts_replies_while_closed(
    stack, desktop: BrowserContext
) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    widget.input.fill("What is NMT?")
    # Send and close in one go, so the answer surely arrives while the chat is closed.
    widget.page.evaluate(
        """() => { const root = document.querySelector('clinic-chat-widget').shadowRoot;
                   root.querySelector('form').requestSubmit();
                   root.querySelector('.cc-close').click(); }"""
    )
    expect(widget.panel).to_be_hidden()
    badge = widget.page.locator(".cc-badge")
    expect(badge).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(badge).to_have_text(re.compile(r"^[1-9]"))
    expect(widget.launcher).to_have_attribute("aria-label", re.compile(r"unread"))
    widget.launcher.click()
    expect(badge).to_be_hidden()


def test_messages_typed_offline_are_sent_after_reconnecting(
    stack, desktop: BrowserContext
) -> None:
    offline = {"on": False}
    sockets: List[WebSocketRoute] = []

    def relay(ws: WebSocketRoute) -> None:
        if offline["on"]:
            ws.close(code=1011, reason="offline")
            return
        ws.connect_to_server()
        sockets.append(ws)

    def polling(route: Route) -> None:
        if offline["on"]:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    desktop.route_web_socket(re.compile(r"/socket\.io/"), relay)
    desktop.route(re.compile(r"/socket\.io/"), polling)
    widget = Widget(desktop, stack.web_url)
    widget.open()

    offline["on"] = True
    for ws in sockets:
        ws.close(code=1001, reason="network down")
    status = widget.page.get_by_role("status")
    expect(status).to_contain_text("Reconnecting")
    widget.input.fill("What is NMT?")
    widget.input.press("Enter")
    expect(widget.page.locator(".cc-pending")).to_have_count(1)
    time.sleep(2)  # at least one failed retry while offline
    expect(widget.page.locator(".cc-pending")).to_have_count(1)

    offline["on"] = False
    expect(widget.page.locator(".cc-pending")).to_have_count(
        0, timeout=REPLY_TIMEOUT_MS
    )
    assert widget.answer()
    expect(status).to_be_hidden()


def test_page_and_widget_styles_do_not_mix(stack, desktop: BrowserContext) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    # site.css styles every <button> hot pink with a 30px font: the widget ignores that.
    style = widget.launcher.evaluate(
        "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.fontSize]; }"
    )
    assert style == ["rgb(31, 95, 91)", "16px"], style
    # ...and the widget's styles do not reach the page.
    heading = widget.page.locator("h2").first.evaluate(
        "h => getComputedStyle(h).fontSize"
    )
    assert heading != "17px"


def test_controls_are_labelled_and_the_log_is_live(
    stack, desktop: BrowserContext
) -> None:
    widget = Widget(desktop, stack.web_url)
    expect(widget.launcher).to_have_attribute("aria-label", re.compile("^Open chat: "))
    widget.open()
    page = widget.page
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("button", name="Close chat", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Start over")).to_be_visible()
    expect(page.get_by_role("group", name="Suggested replies").first).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    unnamed = page.evaluate(
        """() => [...document.querySelector('clinic-chat-widget').shadowRoot
             .querySelectorAll('button, input, a')]
             .filter(e => !(e.getAttribute('aria-label') || e.textContent.trim()
                            || (e.labels && e.labels.length)))
             .map(e => e.className)"""
    )
    assert unnamed == []


def test_text_contrast_meets_wcag_aa(stack, desktop: BrowserContext) -> None:
    widget = Widget(desktop, stack.web_url)
    widget.open()
    widget.ask("What is NMT?")
    ratios = widget.page.evaluate("""() => {
          const root = document.querySelector('clinic-chat-widget').shadowRoot;
          const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = c => { const v = rgb(c).map(x => { x /= 255;
            return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
            return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
          const bg = e => { for (; e; e = e.parentElement || (e.getRootNode().host)) {
            const b = getComputedStyle(e).backgroundColor;
            if (b && b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') return b; }
            return 'rgb(255, 255, 255)'; };
          const out = {};
          for (const sel of ['.cc-title', '.cc-restart', '.cc-bot .cc-text',
                             '.cc-user .cc-text', '.cc-chip:not(:disabled)',
                             '.cc-chip:disabled', '.cc-foot', '.cc-launcher-text']) {
            const e = root.querySelector(sel); if (!e) { out[sel] = null; continue; }
            const a = lum(getComputedStyle(e).color), b = lum(bg(e));
            out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          }
          return out;
        }""")
    missing = [sel for sel, ratio in ratios.items() if ratio is None]
    low = {
        sel: round(ratio, 2) for sel, ratio in ratios.items() if ratio and ratio < 4.5
    }
    assert missing in ([], [".cc-chip:disabled"]), missing
    assert low == {}, low
