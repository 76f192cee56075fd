"""The staff console and the website together, in a real browser (Debian's Chromium):
what issue 17 names as the console's browser tests.

A stack of its own (``clinic.devstack.start_stack``: Rasa, actions, demo page, console, as
``make run`` starts them) so that publishing and rolling back FAQs here cannot disturb the
suite's shared ``stack``. Accounts are made with ``make staff-user``'s command.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from clinic.devstack import Stack, start_stack, stop_stack
from tests.browser.widget import Widget
from tests.console.conftest import make_user

PASSWORD = "correct horse battery"
EDITORS = ("ana", "dora")
ADMIN = "bob"
LOCKED = "carla"
PUBLISH_TIMEOUT_MS = 120_000
LIVE_WITHIN_S = 2.5  # running servers take up a new FAQ version within 2 s
PARKING_WAYS = ["where can i leave my car", "can I park near the clinic",
                "do you have parking for patients", "is parking free at your clinic",
                "where should I park when I come in"]
# A test answer (not clinic content): recognisable in the widget's reply.
PARKING_ANSWER = "Parking test answer 4417: please ask at the front desk."
MARKUP_ANSWER = ('Wi-Fi test answer <script>window.__pwned = 1</script> '
                 '<img src=x onerror="window.__pwned = 2"> ask the desk.')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole stack with faq/ as FAQ version 1 and the accounts of this module."""
    stack = start_stack(tmp_path_factory.mktemp("console-live"),
                        extra_env={"CONSOLE_LOGIN_RATE_LIMIT": "200"})
    try:
        for name, role in [(n, "editor") for n in EDITORS + (LOCKED,)] + [(ADMIN, "admin")]:
            made = make_user(stack.env, name, role, PASSWORD)
            assert made.returncode == 0, made.stderr
        yield stack
    finally:
        stop_stack(stack)


def console_url(stack: Stack) -> str:
    """Where the stack's staff console listens."""
    return f"http://127.0.0.1:{stack.env['CONSOLE_PORT']}"


def sign_in(context: BrowserContext, stack: Stack, name: str) -> Page:
    """A console page signed in as ``name``, on the FAQs page."""
    page = context.new_page()
    page.goto(f"{console_url(stack)}/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="FAQs", exact=True)).to_be_visible()
    return page


def add_faq(page: Page, question: str, ways: List[str], answer: str) -> None:
    """Fills "Add an FAQ" and saves it into the draft."""
    page.get_by_role("link", name="Add an FAQ").click()
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_label("Ways of asking", exact=True).fill("\n".join(ways))
    page.get_by_label("Answer", exact=True).fill(answer)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved in the draft")).to_be_visible()


def publish(page: Page) -> None:
    """Publishes the draft from the FAQs page and waits for the published message."""
    page.goto(re.sub(r"(//[^/]+).*", r"\1/faqs", page.url))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile(r"Published FAQ version \d+"))).to_be_visible(
        timeout=PUBLISH_TIMEOUT_MS)


def widget_reply(context: BrowserContext, stack: Stack, message: str) -> str:
    """A new visitor on the demo page asks ``message``; the reply's text."""
    widget = Widget(context, stack.web_url)
    widget.open()
    reply = " ".join(widget.ask(message))
    assert widget.errors == [] and widget.dialogs == []
    widget.page.close()
    return reply


def test_an_faq_added_in_the_console_is_answered_on_the_website_until_rolled_back(
        site: Stack, desktop: BrowserContext, browser, save_screenshot: Callable) -> None:
    question = "I'm driving over, where do I park the car?"
    before = widget_reply(desktop, site, question)
    assert PARKING_ANSWER not in before

    page = sign_in(desktop, site, "ana")
    add_faq(page, "Is there parking?", PARKING_WAYS, PARKING_ANSWER)
    publish(page)

    time.sleep(LIVE_WITHIN_S)
    visitor = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        assert PARKING_ANSWER in widget_reply(visitor, site, question)
    finally:
        visitor.close()

    page.get_by_role("link", name="History").click()
    live = page.locator("tr.live")
    expect(live).to_contain_text("added 'Is there parking?'")
    save_screenshot(page, "console-history.png")
    # newest first; the live row has no button: the first one is the version before
    page.get_by_role("button", name="Roll back").first.click()
    expect(page.get_by_text(re.compile(r"Rolled back: FAQ version \d+"))).to_be_visible(
        timeout=PUBLISH_TIMEOUT_MS)
    expect(page.locator("tr.live")).not_to_contain_text("Is there parking?")

    time.sleep(LIVE_WITHIN_S)
    visitor = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        assert PARKING_ANSWER not in widget_reply(visitor, site, question)
    finally:
        visitor.close()


def test_markup_in_an_faq_is_text_in_the_console_and_in_the_widget(
        site: Stack, desktop: BrowserContext) -> None:
    page = sign_in(desktop, site, "dora")
    add_faq(page, "Is there Wi-Fi in the waiting room?",
            ["is there wifi", "can I use the internet while I wait", "wifi password please",
             "do you have wireless internet", "can I work on my laptop in the lobby"],
            MARKUP_ANSWER)
    page.goto(f"{console_url(site)}/faqs")
    page.get_by_label("Test message").fill("do you have wifi")
    page.get_by_role("button", name="Try it").click()
    expect(page.locator("#try-result")).to_contain_text("<script>window.__pwned = 1</script>")
    expect(page.locator("#try-result")).to_contain_text('<img src=x onerror="window.__pwned')
    assert page.evaluate("() => window.__pwned === undefined")
    publish(page)
    assert page.evaluate("() => window.__pwned === undefined")

    time.sleep(LIVE_WITHIN_S)
    widget = Widget(desktop, site.web_url)
    widget.open()
    reply = " ".join(widget.ask("do you have wifi"))
    assert "<script>window.__pwned = 1</script>" in reply, reply
    assert '<img src=x onerror="window.__pwned = 2">' in reply, reply
    assert widget.page.evaluate("() => window.__pwned === undefined")
    assert widget.dialogs == [] and widget.errors == []


def test_a_post_without_the_csrf_token_is_refused(site: Stack, desktop: BrowserContext
                                                  ) -> None:
    page = sign_in(desktop, site, "ana")
    answer = page.request.post(f"{console_url(site)}/faqs/new", form={
        "question": "Forged question?", "ways": "forged one\nforged two",
        "answer": "Forged."}, max_redirects=0)
    assert answer.status == 403
    page.goto(f"{console_url(site)}/faqs?q=Forged")
    expect(page.locator("main")).to_contain_text("0 FAQ(s) match")


def test_the_eleventh_wrong_password_finds_the_account_locked(
        site: Stack, desktop: BrowserContext) -> None:
    page = desktop.new_page()
    page.goto(f"{console_url(site)}/login")
    for _ in range(10):
        page.get_by_label("Username").fill(LOCKED)
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(LOCKED)
    page.get_by_label("Password").fill(PASSWORD)  # the right one, now too late
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main")).to_contain_text(re.compile("locked", re.IGNORECASE))
    expect(page.get_by_role("heading", name="FAQs", exact=True)).to_have_count(0)


def test_an_editor_cannot_export_bookings(site: Stack, desktop: BrowserContext, browser
                                         ) -> None:
    page = sign_in(desktop, site, "ana")
    expect(page.get_by_role("link", name="Bookings", exact=True)).to_have_count(0)
    assert page.goto(f"{console_url(site)}/bookings").status == 403
    page.goto(f"{console_url(site)}/faqs")  # any page carries the CSRF token
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    export = page.request.post(f"{console_url(site)}/bookings/export",
                               form={"csrf": csrf or ""}, max_redirects=0)
    assert export.status == 403
    assert "text/csv" not in export.headers.get("content-type", "")

    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        admin = sign_in(other, site, ADMIN)
        expect(admin.get_by_role("link", name="Bookings", exact=True)).to_be_visible()
        csrf = admin.locator("input[name=csrf]").first.get_attribute("value")
        export = admin.request.post(f"{console_url(site)}/bookings/export",
                                    form={"csrf": csrf or ""}, max_redirects=0)
        assert export.status == 200
        assert "text/csv" in export.headers.get("content-type", "")
    finally:
        other.close()


def test_a_second_editors_stale_save_is_refused_and_keeps_their_text(
        site: Stack, desktop: BrowserContext, browser) -> None:
    ana = sign_in(desktop, site, "ana")
    add_faq(ana, "Can I bring my child?", ["can my kid come along", "is it ok to bring children",
                                           "can my son wait in the lobby",
                                           "are children allowed", "can I come with my baby"],
            "Children test answer: ask the front desk.")
    form_url = ana.url.split("?")[0]
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        dora = sign_in(other, site, "dora")
        dora.goto(form_url)
        ana.goto(form_url)
        ana.get_by_label("Answer", exact=True).fill("Children test answer, ana's edit.")
        ana.get_by_role("button", name="Save").click()
        expect(ana.get_by_text("Saved in the draft")).to_be_visible()

        dora.get_by_label("Answer", exact=True).fill("Children test answer, dora's edit.")
        dora.get_by_role("button", name="Save").click()
        expect(dora.get_by_text(re.compile(r"Not saved: ana saved this FAQ"))).to_be_visible()
        expect(dora.get_by_label("Answer", exact=True)).to_have_value("Children test answer, dora's edit.")
        expect(dora.locator("main")).to_contain_text("Children test answer, ana's edit.")
    finally:
        other.close()
    ana.reload()
    expect(ana.get_by_label("Answer", exact=True)).to_have_value("Children test answer, ana's edit.")


def test_review_shows_a_message_the_assistant_did_not_understand_until_dismissed(
        site: Stack, desktop: BrowserContext, save_screenshot: Callable) -> None:
    unclear = "the thing from before with the stuff"  # the classifier is unsure of it
    site.rest(f"review-{uuid.uuid4().hex[:8]}", unclear)
    page = sign_in(desktop, site, "ana")
    page.get_by_role("link", name="Review", exact=True).click()
    group = page.locator("section.review-group").filter(has_text=unclear)
    expect(group).to_have_count(1)
    save_screenshot(page, "console-review.png")
    group.get_by_role("button", name="Dismiss").click()
    expect(page.locator("section.review-group").filter(
        has_text=unclear)).to_have_count(0)


def test_an_admin_sees_a_booking_made_in_the_chat_and_marks_it_handled(
        site: Stack, desktop: BrowserContext, save_screenshot: Callable) -> None:
    sender = f"booking-{uuid.uuid4().hex[:8]}"
    for said in ("I'd like to book a session", "Dana Whitfield", "(310) 555-0134",
                 '/choose_therapy{"therapy":"NMT"}', "weekday evenings", "skip", "/affirm",
                 "/affirm"):
        site.rest(sender, said)
    page = sign_in(desktop, site, ADMIN)
    page.get_by_role("link", name="Bookings", exact=True).click()
    rows = page.locator("tbody tr").filter(has_text="NMT")
    expect(rows).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("Dana Whitfield")  # only on "Show details"
    save_screenshot(page, "console-bookings.png")
    rows.get_by_role("link", name=re.compile("Show details")).click()
    expect(page.locator("main")).to_contain_text("Dana Whitfield")
    page.get_by_role("button", name="Mark handled").click()
    page.goto(f"{console_url(site)}/audit")
    expect(page.locator("main")).to_contain_text("booking details viewed")
    expect(page.locator("main")).to_contain_text("booking marked handled")
