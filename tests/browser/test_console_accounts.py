"""The staff console's "Accounts" page, publish progress and FAQ buttons in a real browser
(Debian's Chromium via Playwright): an admin creates an editor who then signs in (and gets 403
on the accounts pages), an editor adds a link button under an answer and clicks "Publish",
and the page shows the steps up to the last one (the script's path, not the plain POST)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.console.conftest import ADMIN, EDITOR, PASSWORD, Running, start_console, \
    stop_console


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A console with faq/ as version 1, the editor ana and the admin bob."""
    running = start_console(tmp_path_factory.mktemp("console-accounts"))
    yield running
    stop_console(running)


def _watch(page: Page) -> List[str]:
    """Script errors and console errors (a CSP violation is one) of ``page``."""
    problems: List[str] = []

    def console_error(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith(
                "/favicon.ico"):  # the console has no icon
            problems.append(f"{message.text} ({message.location.get('url')})")

    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", console_error)
    return problems


def _sign_in(page: Page, console: Running, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{console.url}/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="FAQs", exact=True)).to_be_visible()


def test_an_admin_creates_an_editor_who_signs_in(
        console: Running, desktop: BrowserContext, browser: Browser,
        save_screenshot: Callable) -> None:
    page = desktop.new_page()
    problems = _watch(page)
    _sign_in(page, console, ADMIN[0])
    page.get_by_role("link", name="Accounts", exact=True).click()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    form = page.locator("form[action='/accounts']")
    form.get_by_label("Username").fill("dana")
    form.get_by_label("Role").select_option("editor")
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account created.")).to_be_visible()
    expect(page.get_by_role("heading", name="Account “dana”")).to_be_visible()
    save_screenshot(page, "console-account.png")
    page.get_by_role("link", name="All accounts").click()
    expect(page.locator("tr", has_text="dana")).to_contain_text("editor")
    save_screenshot(page, "console-accounts.png")
    assert problems == []

    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        dana = other.new_page()
        _sign_in(dana, console, "dana")
        expect(dana.get_by_role("link", name="Accounts", exact=True)).to_have_count(0)
        answer = dana.goto(f"{console.url}/accounts")
        assert answer is not None and answer.status == 403
        expect(dana.get_by_role("heading", name="Admins only")).to_be_visible()
    finally:
        other.close()


def test_the_accounts_page_on_a_phone(console: Running, phone: BrowserContext) -> None:
    page = phone.new_page()
    _sign_in(page, console, ADMIN[0])
    page.goto(f"{console.url}/accounts")
    page.get_by_role("link", name=EDITOR[0], exact=True).click()
    expect(page.get_by_role("button", name="Set the new password")).to_be_visible()
    for path in ("/accounts", f"/accounts/{EDITOR[0]}"):
        page.goto(f"{console.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
    page.get_by_label("New password", exact=True).focus()
    page.keyboard.press("Tab")  # keyboard reaches the second password field
    focused = page.evaluate("document.activeElement.id")
    assert focused == "password2"


def test_add_a_button_publish_and_see_the_steps(
        console: Running, desktop: BrowserContext, save_screenshot: Callable) -> None:
    page = desktop.new_page()
    problems = _watch(page)
    _sign_in(page, console, EDITOR[0])
    page.goto(f"{console.url}/faqs/session_length")
    row = page.get_by_role("group", name="Button 2")
    row.get_by_label("Title").fill("Our parking map")
    row.get_by_label("Or the web page it opens").fill("https://example.com/parking")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved in the draft. No problems found.")).to_be_visible()
    expect(page.get_by_role("group", name="Button 2").get_by_label("Title")) \
        .to_have_value("Our parking map")
    page.locator("fieldset.buttons-field").evaluate("el => el.scrollIntoView()")
    save_screenshot(page, "console-faq-buttons.png")

    page.get_by_role("link", name="All FAQs").click()
    page.get_by_role("button", name="Publish").click()
    steps = page.locator("#publish-steps")
    expect(steps).to_contain_text("Done: Saved as version 2; the assistant answers with it "
                                  "within 2 seconds", timeout=120_000)
    expect(steps).to_contain_text("Done: Checking the FAQs")
    expect(page.get_by_text("Published FAQ version 2 by ana")).to_be_visible()
    assert "/faqs?job=" in page.url  # the script followed the job; not the plain POST
    save_screenshot(page, "console-publish-steps.png")
    assert problems == []

    database = Path(console.env["DATABASE_URL"].replace("sqlite:///", ""))
    with sqlite3.connect(database) as connection:
        content = connection.execute(
            "select content from faq_versions where version = 2").fetchone()[0]
    record = next(r for r in json.loads(content) if r["name"] == "session_length")
    assert {"title": "Our parking map", "url": "https://example.com/parking"} in \
        record["buttons"]
