"""The console's Analytics page in a real browser (Debian's Chromium via Playwright): Chart.js
draws every chart under the strict CSP (no page error, no CSP violation), the figures shown
are the seeded ones, a click on a topic's bar and on a topic's link opens its conversations
and then a redacted transcript; the page fits a phone; screenshot ``console-analytics.png``."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.analytics.events import DAY
from tests.console.conftest import EDITOR, PASSWORD, Running, start_console, stop_console
from tests.console.test_console_analytics import seed

CHARTS = ["chart-daily", "chart-fallback", "chart-topics", "chart-faqs", "chart-funnel",
          "chart-latency", "chart-hours", "chart-languages"]
# What seed() wrote for 2026-12-06 (tests/analytics/events.py's SAMPLE_FIGURES plus "s-e")
SHOWN = {"conversations": "5", "messages": "16", "fallback": "18.8%", "started": "2",
         "completed": "1", "delivered": "1", "emergencies": "1", "p50": "11 ms",
         "p95": "24 ms"}
# Records CSP violations in the page (an init script is not subject to the page's CSP).
WATCH_CSP = """window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI); });"""


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A console with the editor ana and the seeded analytics of 2026-12-06."""
    running = start_console(tmp_path_factory.mktemp("console-analytics"))
    seed(running).dispose()
    yield running
    stop_console(running)


def _open(context: BrowserContext, console: Running) -> tuple:
    page = context.new_page()
    problems: List[str] = []

    def console_error(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith(
                "/favicon.ico"):
            problems.append(f"{message.text} ({message.location.get('url')})")

    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", console_error)
    page.add_init_script(WATCH_CSP)
    page.goto(f"{console.url}/login")
    page.get_by_label("Username").fill(EDITOR[0])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="FAQs", exact=True)).to_be_visible()
    page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    page.get_by_label("From", exact=True).fill(DAY)
    page.get_by_label("To", exact=True).fill(DAY)
    page.get_by_role("button", name="Show this period").click()
    expect(page.get_by_role("heading", name=f"From {DAY} to {DAY}")).to_be_visible()
    return page, problems


def _drawn(page: Page, chart: str) -> Dict[str, float]:
    """Size of the canvas, whether Chart.js owns it, and how many pixels are painted."""
    return page.evaluate("""(id) => {
      const canvas = document.getElementById(id);
      const chart = window.Chart && window.Chart.getChart(canvas);
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width,
                                                          canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { painted++; } }
      return {width: canvas.clientWidth, height: canvas.clientHeight,
              chart: chart ? 1 : 0, painted: painted};
    }""", chart)


def _bar_position(page: Page, chart: str, label: str) -> Dict[str, float]:
    """The middle of the bar of ``label`` in a horizontal bar chart, in canvas pixels."""
    return page.evaluate("""([id, label]) => {
      const chart = window.Chart.getChart(document.getElementById(id));
      const index = chart.data.labels.indexOf(label);
      const bar = chart.getDatasetMeta(0).data[index];
      return {x: (bar.base + bar.x) / 2, y: bar.y};
    }""", [chart, label])


def test_the_charts_are_drawn_with_the_seeded_figures_and_a_topic_opens_its_conversations(
        console: Running, desktop: BrowserContext, save_screenshot: Callable) -> None:
    page, problems = _open(desktop, console)
    for chart in CHARTS:
        expect(page.locator(f"#{chart}")).to_be_visible()
    page.wait_for_timeout(600)  # the charts' short animation
    for chart in CHARTS:
        drawn = _drawn(page, chart)
        assert drawn["chart"] == 1 and drawn["width"] > 100 and drawn["height"] > 100, \
            (chart, drawn)
        assert drawn["painted"] > 500, (chart, drawn)
    for name, value in SHOWN.items():
        expect(page.locator(f"#fig-{name}")).to_have_text(value)
    expect(page.locator("#table-topics")).to_contain_text("faq:prices")
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.evaluate("window.scrollTo(0, document.getElementById('figures-heading').offsetTop - 16)")
    page.wait_for_timeout(400)
    save_screenshot(page, "console-analytics.png")

    # a click on the bar of "faq:prices" (Chart.js onClick) opens its conversations
    page.locator("#chart-topics").scroll_into_view_if_needed()
    page.locator("#chart-topics").click(position=_bar_position(page, "chart-topics",
                                                               "faq:prices"))
    expect(page.get_by_role("heading", name="Conversations about “faq:prices”")).to_be_visible()
    assert "topic=faq%3Aprices" in page.url and f"from={DAY}" in page.url
    rows = page.locator("#conversations tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link").click()
    expect(page.get_by_text("Visitor: how much does it cost")).to_be_visible()
    expect(page.get_by_text("Assistant: The answer of prices.")).to_be_visible()

    # the same through the table's link (keyboard and no-script path), and the fallbacks
    page.get_by_role("link", name="Back to Analytics").click()
    page.locator("#table-topics").get_by_role("link", name="nmt_overview").click()
    expect(page.get_by_role("heading", name="Conversations about “nmt_overview”")
           ).to_be_visible()
    page.get_by_role("link", name="Back to Analytics").click()
    page.get_by_role("link", name="show them").click()
    expect(page.get_by_role("heading", name="Conversations the assistant did not understand")
           ).to_be_visible()
    expect(page.locator("#conversations tbody tr")).to_have_count(3)
    page.locator("#conversations tbody tr").first.get_by_role("link").click()
    expect(page.get_by_text("Visitor: mail me at [email] or [phone] about the thing")
           ).to_be_visible()
    assert page.evaluate("window.__csp") == []
    assert problems == []


def test_the_page_fits_a_phone(console: Running, phone: BrowserContext,
                               artifacts: Path) -> None:
    page, problems = _open(phone, console)
    expect(page.locator("#chart-topics")).to_be_visible()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    assert _drawn(page, "chart-topics")["width"] > 200
    page.screenshot(path=str(artifacts / "console-analytics-phone.png"), full_page=True)
    assert page.evaluate("window.__csp") == [] and problems == []
