"""The staff console in a real browser (Debian's Chromium via Playwright): sign in, add
"Is there parking?" with five ways of asking, publish, and see the version in the history."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.console.conftest import EDITOR, PASSWORD, Running, start_console, stop_console

WAYS = ["where can i leave my car", "can I park near the clinic",
        "do you have parking for patients", "is parking free at your clinic",
        "where should I park when I come in"]


@pytest.fixture()
def console(tmp_path: Path) -> Iterator[Running]:
    """A console with faq/ as version 1 and the editor ana."""
    running = start_console(tmp_path)
    yield running
    stop_console(running)


def test_sign_in_add_publish_and_see_the_history(
        console: Running, desktop: BrowserContext, save_screenshot: Callable) -> None:
    page = desktop.new_page()
    errors: list = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{console.url}/")
    page.get_by_label("Username").fill(EDITOR[0])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="FAQs", exact=True)).to_be_visible()
    for link in ("FAQs", "Review"):
        expect(page.get_by_role("link", name=link, exact=True)).to_be_visible()
    # bookings (visitors' contact details) are for admins only
    expect(page.get_by_role("link", name="Bookings", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Add an FAQ").click()
    page.get_by_label("Question", exact=True).fill("Is there parking?")
    page.get_by_label("Ways of asking", exact=True).fill("\n".join(WAYS))
    page.get_by_label("Answer", exact=True).fill("Our front desk can tell you where to park. "
                                     "{clinic_contact}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved in the draft. No problems found.")).to_be_visible()
    save_screenshot(page, "console-faq-form.png")

    page.get_by_role("link", name="All FAQs").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published FAQ version 2 by ana")).to_be_visible(timeout=120_000)
    save_screenshot(page, "console-published.png")

    page.get_by_role("link", name="History").click()
    live = page.locator("tr.live")
    expect(live).to_contain_text("2 (live)")
    expect(live).to_contain_text("added 'Is there parking?'")
    expect(page.get_by_role("button", name="Roll back").first).to_be_visible()
    assert errors == []
