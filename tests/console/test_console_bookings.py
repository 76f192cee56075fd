"""The Bookings page over HTTP: requests written through actions/booking/store.py; delivery
statuses, the filter, "Show details" (audited), "Mark handled", "Export CSV" (the CLI's
columns, spreadsheet-safe, audited) and admins only."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime
from typing import Dict

import pytest

from actions.booking.cli import CSV_COLUMNS
from actions.booking.store import KIND_CALLBACK, BookingRequest, BookingStore
from tests.console.conftest import ADMIN, Running

RETRY = datetime(2030, 1, 2, 3, 4)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _request(name: str, phone: str, email: str = "", kind: str = "booking") -> BookingRequest:
    return BookingRequest(sender_id=f"s-{name}", name=name, phone=phone, email=email or None,
                          therapy="NMT", preferred_times="mornings", consent=True, kind=kind)


@pytest.fixture(scope="module")
def ids(console: Running) -> Dict[str, str]:
    """Four requests: delivered, pending (not tried yet), failed (retried later), and a
    callback whose name is a spreadsheet formula."""
    store = BookingStore.from_url(console.env["BOOKING_DATABASE_URL"])
    made = {
        "delivered": store.save_request(_request("Dora Delivered", "+13105550101"), ["local"],
                                        now=datetime(2025, 3, 1, 9)),
        "pending": store.save_request(_request("Pete Pending", "+13105550102"), ["webhook"],
                                      now=datetime(2025, 3, 2, 9)),
        "failed": store.save_request(_request("Fay Failed", "+13105550103", "fay@example.org"),
                                     ["email"], now=datetime(2025, 3, 3, 9)),
        "formula": store.save_request(_request("=HYPERLINK(\"http://x\")", "+13105550104",
                                               kind=KIND_CALLBACK), ["local"],
                                      now=datetime(2025, 3, 4, 9)),
    }
    for delivery in store.claim_due(now=datetime(2025, 3, 5)):
        if delivery.request_id in (made["delivered"], made["formula"]):
            store.mark_delivered(delivery.id)
        elif delivery.request_id == made["failed"]:
            store.mark_failed(delivery.id, "smtp_unreachable", RETRY)
    store.dispose()
    return made


NAMES = ("Dora Delivered", "Pete Pending", "Fay Failed", "HYPERLINK", "fay@example.org",
         "+13105550101", "5550103")


def test_admins_only(console: Running, ids: Dict[str, str]) -> None:
    ana = console.signed_in()
    assert ">Bookings<" not in ana.get("/faqs").text
    for path in ("/bookings", f"/bookings/{ids['failed']}"):
        assert ana.get(path).status == 403
    assert ana.post("/bookings/export", {}).status == 403
    assert ana.post(f"/bookings/{ids['pending']}/handled", {}).status == 403
    admin_nav = console.signed_in(ADMIN[0]).get("/faqs").text
    for label in (">FAQs<", ">Review<", ">Bookings<"):
        assert label in admin_nav
    assert "Admins only" in _text(ana.get("/bookings").text)


def test_list_shows_statuses_without_contact_details(console: Running,
                                                     ids: Dict[str, str]) -> None:
    page = console.signed_in(ADMIN[0]).get("/bookings")
    assert page.status == 200
    text = _text(page.text)
    for name in NAMES:
        assert name not in text
    rows = {key: _text(page.text.split(f"#{value[:8]}")[1].split("</tr>")[0])
            for key, value in ids.items()}
    assert rows["delivered"].startswith(" booking NMT delivered local: delivered")
    assert "pending webhook: pending, next try 2025-03-02 09:00 UTC" in rows["pending"]
    assert ("failed email: failed, next try 2030-01-02 03:04 UTC (reason: smtp_unreachable)"
            in rows["failed"])
    assert "callback" in rows["formula"]
    assert "2025-03-03 09:00 UTC" in text
    for label in ("Export CSV", "Mark handled", "Show details"):
        assert label in text


def test_filter_by_status(console: Running, ids: Dict[str, str]) -> None:
    bob = console.signed_in(ADMIN[0])
    failed = bob.get("/bookings?status=failed").text
    assert f"#{ids['failed'][:8]}" in failed
    assert all(f"#{ids[k][:8]}" not in failed for k in ("delivered", "pending", "formula"))
    delivered = bob.get("/bookings?status=delivered").text
    assert {k for k in ids if f"#{ids[k][:8]}" in delivered} == {"delivered", "formula"}
    assert '<option value="failed" selected>' in failed


def test_details_are_shown_and_audited(console: Running, ids: Dict[str, str]) -> None:
    bob = console.signed_in(ADMIN[0])
    page = _text(bob.get(f"/bookings/{ids['failed']}").text)
    assert "Fay Failed" in page and "+13105550103" in page and "fay@example.org" in page
    log = _text(bob.get("/audit").text)
    assert f"booking details viewed request {ids['failed']}" in log
    assert "Fay" not in log and "5550103" not in log
    assert bob.get("/bookings/no-such-id").status == 404


def test_mark_handled(console: Running, ids: Dict[str, str]) -> None:
    bob = console.signed_in(ADMIN[0])
    refused = bob.request("POST", f"/bookings/{ids['pending']}/handled", form={})
    assert refused.status == 403
    done = bob.post(f"/bookings/{ids['pending']}/handled", {}, page="/bookings")
    assert done.status == 302 and done.header("location") == "/bookings?done=handled"
    store = BookingStore.from_url(console.env["BOOKING_DATABASE_URL"])
    assert store.get_request(ids["pending"]).handled_at is not None
    assert store.get_request(ids["failed"]).handled_at is None
    store.dispose()
    handled = bob.get("/bookings?status=handled").text
    assert f"#{ids['pending'][:8]}" in handled and f"#{ids['failed'][:8]}" not in handled
    assert f"booking marked handled request {ids['pending']}" in _text(bob.get("/audit").text)


def test_csv_export(console: Running, ids: Dict[str, str]) -> None:
    bob = console.signed_in(ADMIN[0])
    answer = bob.post("/bookings/export", {}, page="/bookings")
    assert answer.status == 200 and answer.header("content-type").startswith("text/csv")
    assert "attachment" in answer.header("content-disposition")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_id = {row[0]: dict(zip(CSV_COLUMNS, row)) for row in rows[1:]}
    assert set(by_id) == set(ids.values())
    assert by_id[ids["failed"]]["email"] == "fay@example.org"
    assert by_id[ids["failed"]]["deliveries"] == "email:pending(1, smtp_unreachable)"
    assert by_id[ids["formula"]]["name"] == "'=HYPERLINK(\"http://x\")"
    assert by_id[ids["formula"]]["kind"] == "callback"
    log = _text(bob.get("/audit").text)
    assert "bookings exported 4 request(s)" in log and ids["formula"] in log
    assert "HYPERLINK" not in log and "Dora" not in log
    assert "Dora" not in console.log_text() and "+13105550101" not in console.log_text()


def test_status_words_and_safe_cells() -> None:
    from actions.booking.store import Delivery, StoredRequest
    from actions.booking.cli import spreadsheet_safe as safe_cell
    from staff.console.bookings import channel_status, request_state

    def row(status: str, error: str = "") -> Delivery:
        return Delivery("d", "r", "email", status, 1, RETRY, error or None)

    request = _request("X", "1")
    assert channel_status(row("pending", "timeout")).state == "failed"
    assert channel_status(row("pending")).next_attempt_at == RETRY
    assert request_state(StoredRequest(request, [row("delivered"), row("pending")])) == \
        "pending"
    assert request_state(StoredRequest(request, [row("delivered"), row("pending", "x")])) == \
        "failed"
    assert request_state(StoredRequest(request, [row("delivered")])) == "delivered"
    assert [safe_cell(v) for v in ("=1", "@a", "-2", "ok")] == ["'=1", "'@a", "'-2", "ok"]
