"""``make bookings``: list with delivery status, CSV export, mark handled."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

from actions.booking.cli import main
from actions.booking.store import BookingRequest, BookingStore


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BookingStore:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    for name in ("BOOKING_CHANNELS", "BOOKING_WEBHOOK_URL", "BOOKING_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOOKING_DATABASE_URL", url)
    store = BookingStore.from_url(url)
    request = BookingRequest(
        sender_id="v1",
        name="Ana Ruiz",
        phone="+13105550134",
        therapy="NMT",
        preferred_times="mornings",
        concern="neck, shoulders",
        consent=True,
    )
    request_id = store.save_request(request, ["webhook", "local"], now=datetime(2025, 3, 5, 9))
    delivery = next(
        d for d in store.claim_due(now=datetime(2025, 3, 5, 9)) if d.channel == "local"
    )
    store.mark_delivered(delivery.id)
    store.request_id = request_id  # type: ignore[attr-defined]
    return store


def test_list_shows_requests_with_delivery_status(db: BookingStore) -> None:
    out = io.StringIO()
    assert main([], out=out) == 0
    text = out.getvalue()
    assert "Ana Ruiz" in text and "+13105550134" in text and "2025-03-05 09:00" in text
    assert "local:delivered" in text and "webhook:pending(0)" in text
    assert db.request_id[:8] in text  # type: ignore[attr-defined]


def test_csv_export(db: BookingStore, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert main(["--csv", str(path)], out=io.StringIO()) == 0
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == 1
    assert rows[0]["name"] == "Ana Ruiz" and rows[0]["concern"] == "neck, shoulders"
    assert rows[0]["consent"] == "yes" and rows[0]["handled_at_utc"] == ""
    assert rows[0]["language"] == ""  # the conversation's language: not known here
    assert oct(path.stat().st_mode)[-3:] == "600"


def test_csv_cells_that_look_like_formulas_are_shown_as_text() -> None:
    from actions.booking.cli import spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert [spreadsheet_safe(v) for v in ("+13105550142", "@a", "-2", "\tx", "Ana")] == [
        "'+13105550142", "'@a", "'-2", "'\tx", "Ana"]


def test_mark_handled(db: BookingStore) -> None:
    request_id = db.request_id  # type: ignore[attr-defined]
    out = io.StringIO()
    assert main(["--handled", request_id[:8]], out=out) == 0
    assert request_id in out.getvalue()
    assert db.get_request(request_id).handled_at is not None
    assert main(["--handled", "zzzz"], out=io.StringIO()) == 1
