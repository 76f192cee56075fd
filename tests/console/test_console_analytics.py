"""The Analytics page over HTTP: analytics rows written with the consumer's own writer
(tests/analytics/events.py's known traffic) and a delivered booking request; exact figures for
the traffic's day and none for another, the JSON block equal to ``dashboard()``, period
validation, topic → conversations → redacted transcript (audited), who may see it, and the
vendored Chart.js file as recorded in docs/console.md. A mixed English/Spanish day
(``mixed_language_traffic`` on 2026-12-07) gives the figures per language, the lists of
conversations per language and each message's language in the transcript."""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import date, datetime
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from actions.booking.store import BookingRequest, BookingStore
from clinic.analytics import schema
from clinic.analytics.translate import conversation_key
from clinic.analytics.writer import AnalyticsWriter, keyed
from clinic.settings import PROJECT_ROOT
from staff.analytics.queries import Period
from staff.analytics.report import dashboard
from staff.console.views.analytics import choose_period
from tests.analytics.events import (
    DAY,
    MIXED_FIGURES,
    MIXED_LANGUAGES,
    SAMPLE_FIGURES,
    T0,
    TZ,
    Conversation,
    mixed_language_traffic,
    sample_traffic,
)
from tests.console.conftest import ADMIN, EDITOR, Running

PERIOD = f"from={DAY}&to={DAY}"
MIXED_DAY = "2026-12-07"
MIXED_PERIOD = f"from={MIXED_DAY}&to={MIXED_DAY}"
VENDORED = PROJECT_ROOT / "staff/console/static/vendor/chart-4.6.2.umd.js"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _figure(page: str, name: str) -> str:
    found = re.search(rf'<dd id="fig-{name}">([^<]*)</dd>', page)
    assert found, f"no figure {name}"
    return html.unescape(found.group(1))


def _rows(page: str, table: str) -> list:
    """The cells of a table's body rows as visible text (screen-reader-only text left out)."""
    found = re.search(rf'<table id="{table}">(.*?)</table>', page, re.S)
    assert found, f"no table {table}"
    body = re.sub(r'<span class="visually-hidden">.*?</span>', "",
                  found.group(1).split("<tbody>", 1)[1])
    return [[_text(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row,
                                                        re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="analytics-data">(.*?)</script>',
                      page, re.S)
    assert found, "no JSON block"
    return json.loads(found.group(1))


def seed(console: Running) -> Engine:
    """Writes the sample traffic of 2026-12-06 (plus a conversation with an e-mail address
    and a phone number) into the console's database with the consumer's writer, and a
    booking request delivered that day into its booking store; returns the engine."""
    engine = schema.create_engine(console.env["DATABASE_URL"])
    extra = Conversation("s-e", start=sample_traffic()[-1]["timestamp"] + 60)
    extra.unclear("mail me at ana.p@example.com or 310-555-0199 about the thing")
    AnalyticsWriter(engine, TZ).apply(keyed(sample_traffic() + extra.events))
    store = BookingStore.from_url(console.env["BOOKING_DATABASE_URL"])
    request = BookingRequest(sender_id="s-b", name="Maria Lopez", phone="+13105550142",
                             email=None, therapy="NMT", preferred_times="tuesday",
                             consent=True)
    made = store.save_request(request, ["local"], now=datetime(2026, 12, 6, 23, 40))
    for delivery in store.claim_due(now=datetime(2026, 12, 6, 23, 41)):
        assert delivery.request_id == made
        store.mark_delivered(delivery.id)
    store.dispose()
    return engine


@pytest.fixture(scope="module")
def engine(console: Running) -> Iterator[Engine]:
    """The console's database, seeded (``seed``)."""
    engine = seed(console)
    # the mixed English/Spanish traffic, a day later (seed() is the browser tests' too)
    AnalyticsWriter(engine, TZ).apply(keyed(mixed_language_traffic(start=T0 + 86400)))
    yield engine
    engine.dispose()


def test_the_page_shows_the_exact_figures_of_the_period(console: Running,
                                                        engine: Engine) -> None:
    page = console.signed_in().get(f"/analytics?{PERIOD}")
    assert page.status == 200
    # sample traffic plus "s-e": 5 conversations, 16 messages, 3 not understood
    assert _figure(page.text, "conversations") == "5"
    assert _figure(page.text, "messages") == "16"
    assert _figure(page.text, "fallback") == "18.8%"
    assert "3 of 16 messages" in _text(page.text)
    assert [_figure(page.text, n) for n in ("started", "completed", "delivered")] == \
        ["2", "1", "1"]
    assert _figure(page.text, "emergencies") == "1"
    latency = SAMPLE_FIGURES["latency_ms"]
    assert (_figure(page.text, "p50"), _figure(page.text, "p95")) == \
        (f"{latency['p50']} ms", f"{latency['p95']} ms")
    assert "nonce" not in page.text and "<script>" not in page.text  # no inline script

    other = console.signed_in().get("/analytics?from=2026-11-01&to=2026-11-30")
    assert other.status == 200
    assert [_figure(other.text, n) for n in ("conversations", "messages", "delivered")] == \
        ["0", "0", "0"]
    assert _figure(other.text, "p50") == "no replies"


def test_the_json_block_is_dashboard(console: Running, engine: Engine) -> None:
    page = console.signed_in(ADMIN[0]).get(f"/analytics?{PERIOD}")
    bookings = BookingStore.from_url(console.env["BOOKING_DATABASE_URL"])
    expected = dashboard(engine, Period(date(2026, 12, 6), date(2026, 12, 6)), TZ,
                         bookings.engine)
    bookings.dispose()
    assert _data(page.text) == json.loads(json.dumps(expected))
    assert expected["funnel"] == {"started": 2, "completed": 1, "delivered": 1}
    # every number is in the page without script: the tables under the charts
    tables = _text(page.text)
    for name, n in expected["top_topics"]:
        assert f"{name} {n}" in tables
    assert "15:00 16" in tables
    # sample traffic plus "s-e" (no detector in their parse data: the safety gate's or a
    # guessed language); "/affirm" has none
    assert _rows(page.text, "table-languages") == [
        ["English", "14", "5", "3", "21.4%"], ["Español", "1", "1", "0", "0.0%"],
        ["—", "1", "—", "0", "0.0%"]]


@pytest.mark.parametrize("query, message", [
    ("from=2026-12-07&to=2026-12-01", "“To” (2026-12-01) is before “From” (2026-12-07)"),
    ("from=yesterday&to=2026-12-01", "“From” must be a date written YYYY-MM-DD"),
    ("from=2026-12-01&to=2026-02-30", "“To” must be a date written YYYY-MM-DD"),
    ("from=2026-12-01", "“To” must be a date written YYYY-MM-DD"),
    ("from=2025-01-01&to=2026-12-01", "That period is 700 days long; choose at most 400"),
    ("days=12", "Choose the last 7, 30 or 90 days"),
])
def test_bad_periods_are_explained(console: Running, query: str, message: str) -> None:
    page = console.signed_in().get(f"/analytics?{query}")
    assert page.status == 400
    assert message in html.unescape(page.text)
    assert 'id="analytics-data"' not in page.text
    listing = console.signed_in().get(f"/analytics/conversations?{query}&fallback=1")
    assert listing.status == 400 and message in html.unescape(listing.text)


def test_the_period_choices() -> None:
    today = date(2026, 12, 7)
    assert choose_period({}, today).period == Period(date(2026, 11, 8), today)
    assert choose_period({"days": "7"}, today).period == Period(date(2026, 12, 1), today)
    assert choose_period({"days": "90"}, today).days == 90
    assert choose_period({"from": "2026-01-01", "to": "2027-02-04"}, today).period == \
        Period(date(2026, 1, 1), date(2027, 2, 4))  # 400 days
    assert choose_period({"from": "2026-01-01", "to": "2027-02-05"}, today).error


def test_a_topic_opens_its_conversations_and_a_redacted_audited_transcript(
        console: Running, engine: Engine) -> None:
    client = console.signed_in()
    page = client.get(f"/analytics?{PERIOD}")
    link = f"/analytics/conversations?from={DAY}&amp;to={DAY}&amp;topic=faq%3Aprices"
    assert f'href="{link}"' in page.text
    listing = client.get(html.unescape(link))
    assert listing.status == 200
    key = conversation_key("s-a")
    assert re.findall(r"/analytics/conversations/([0-9a-f]{32})\?", listing.text) == [key]

    shown = client.get(f"/analytics/conversations/{key}?{PERIOD}")
    assert shown.status == 200
    words = _text(shown.text)
    for said in ("hello", "what is nmt?", "how much does it cost", "which one"):
        assert f"Visitor: {said}" in words
    assert "not understood" in words

    fallbacks = client.get(f"/analytics/conversations?{PERIOD}&fallback=1")
    found = re.findall(r"/analytics/conversations/([0-9a-f]{32})\?", fallbacks.text)
    assert set(found) == {conversation_key(s) for s in ("s-a", "s-c", "s-e")}
    redacted = _text(client.get(f"/analytics/conversations/{conversation_key('s-e')}").text)
    assert "mail me at [email] or [phone] about the thing" in redacted
    assert "example.com" not in redacted and "555-0199" not in redacted
    booking = _text(client.get(f"/analytics/conversations/{conversation_key('s-b')}").text)
    assert "Maria" not in booking and booking.count("Visitor: (not kept)") == 6

    audit = _text(console.signed_in(ADMIN[0]).get("/audit").text)
    assert f"transcript viewed conversation {key}" in audit
    assert "how much does it cost" not in audit and "[email]" not in audit
    missing = client.get(f"/analytics/conversations/{'0' * 32}")
    assert missing.status == 404
    assert client.get("/analytics/conversations/not-a-key").status == 404
    assert client.get(f"/analytics/conversations?{PERIOD}").status == 400  # no topic


@pytest.mark.parametrize("name", [EDITOR[0], ADMIN[0]])
def test_editors_and_admins_may_see_it(console: Running, engine: Engine, name: str) -> None:
    client = console.signed_in(name)
    page = client.get("/analytics?days=7")
    assert page.status == 200
    assert '<a href="/analytics" aria-current="page">Analytics</a>' in page.text
    assert '<a href="/analytics?days=7" aria-current="true">' in page.text
    assert client.get("/faqs").text.count('href="/analytics"') == 1  # in the navigation


@pytest.mark.parametrize("path", ["/analytics", f"/analytics/conversations?{PERIOD}&fallback=1",
                                  f"/analytics/conversations/{conversation_key('s-a')}"])
def test_not_signed_in_goes_to_the_login(console: Running, path: str) -> None:
    answer = console.client().get(path)
    assert answer.status == 302
    assert (answer.header("location") or "").startswith("/login?next=/analytics")


def test_chart_js_is_vendored_and_pinned(console: Running) -> None:
    digest = hashlib.sha256(VENDORED.read_bytes()).hexdigest()
    docs = (PROJECT_ROOT / "docs/console.md").read_text(encoding="utf-8")
    assert digest in docs and "4.6.2" in docs
    assert VENDORED.read_bytes().startswith(b"/*!\n * Chart.js v4.6.2")
    assert (VENDORED.parent / "chart.js-LICENSE.md").exists()
    script = console.client().get("/static/vendor/chart-4.6.2.umd.js")
    assert script.status == 200 and "javascript" in (script.header("content-type") or "")
    page = console.signed_in().get(f"/analytics?{PERIOD}")
    assert "default-src 'self'" in (page.header("content-security-policy") or "")
    assert re.findall(r'<script src="([^"]+)"', page.text) == [
        "/static/console.js", "/static/vendor/chart-4.6.2.umd.js", "/static/analytics.js"]


def test_the_figures_per_language_of_a_mixed_english_spanish_day(console: Running,
                                                                 engine: Engine) -> None:
    page = console.signed_in().get(f"/analytics?{MIXED_PERIOD}")
    assert page.status == 200
    assert (_figure(page.text, "conversations"), _figure(page.text, "messages"),
            _figure(page.text, "fallback")) == ("4", "12", "33.3%")
    data = _data(page.text)
    assert data["per_language"] == MIXED_FIGURES["per_language"]
    assert data["languages"] == [["es", 5], ["en", 4]]
    assert _rows(page.text, "table-languages") == [
        ["English", "4", "2", "1", "25.0%"],
        ["Español", "5", "2", "2", "40.0%"],
        ["—", "3", "—", "1", "33.3%"]]
    for code in ("en", "es", "none"):  # every number opens its conversations
        assert (f'href="/analytics/conversations?from={MIXED_DAY}&amp;to={MIXED_DAY}'
                f'&amp;language={code}"') in page.text
        assert (f'href="/analytics/conversations?from={MIXED_DAY}&amp;to={MIXED_DAY}'
                f'&amp;language={code}&amp;fallback=1"') in page.text
    assert 'id="chart-language-fallback"' in page.text


@pytest.mark.parametrize("query, heading, senders", [
    ("language=es", "Conversations with messages in Español", ["m-both", "m-es"]),
    ("language=en", "Conversations with messages in English", ["m-both", "m-en"]),
    ("language=none", "Conversations with messages without a language (—)",
     ["m-both", "m-es", "m-none"]),
    ("language=es&fallback=1",
     "Conversations with a message in Español the assistant did not understand",
     ["m-both", "m-es"]),
    ("language=none&fallback=1",
     "Conversations with a message without a language (—) the assistant did not understand",
     ["m-none"]),
    ("topic=nmt_overview&language=en", "Conversations about “nmt_overview”, messages in "
     "English", ["m-en"]),
])
def test_a_language_opens_its_conversations(console: Running, engine: Engine, query: str,
                                            heading: str, senders: list) -> None:
    listing = console.signed_in().get(f"/analytics/conversations?{MIXED_PERIOD}&{query}")
    assert listing.status == 200
    assert f"<h1>{heading}</h1>" in html.unescape(listing.text)
    found = re.findall(r"/analytics/conversations/([0-9a-f]{32})\?", listing.text)
    assert sorted(found) == sorted(conversation_key(s) for s in senders)


def test_a_bad_language_is_explained(console: Running, engine: Engine) -> None:
    answer = console.signed_in().get(f"/analytics/conversations?{MIXED_PERIOD}&language=fr")
    assert answer.status == 400
    assert "Choose the language as en (English), es (Español) or none" in \
        html.unescape(answer.text)


def test_the_transcript_shows_each_messages_language(console: Running,
                                                     engine: Engine) -> None:
    client = console.signed_in()
    for sender, languages in MIXED_LANGUAGES.items():
        shown = client.get(f"/analytics/conversations/{conversation_key(sender)}?"
                           f"{MIXED_PERIOD}")
        assert shown.status == 200
        labels = re.findall(r'<span class="language"[^>]*>language ([^<]*)</span>',
                            shown.text)
        expected = [{"en": "English", "es": "Español"}.get(code or "", "—")
                    for code in languages]
        assert [html.unescape(label) for label in labels] == expected, sender
    both = _text(client.get(f"/analytics/conversations/{conversation_key('m-both')}").text)
    assert "language Español · topic faq:prices" in both
    assert "Visitor: y cuánto cuesta una sesión" in both
