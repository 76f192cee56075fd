"""BookingStore on SQLite and PostgreSQL: request + outbox in one transaction, deletion, purge."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Optional

import pytest
import sqlalchemy as sa

from actions.booking.local_client import LocalFileChannel
from actions.booking.store import (
    STATUS_DELIVERED,
    STATUS_PENDING,
    BookingRequest,
    BookingStore,
    BookingStoreError,
    outbox_table,
    requests_table,
)

NOW = datetime(2025, 3, 5, 18, 0, 0)


def booking(
    sender: str = "visitor-1", name: str = "Dana Whitfield", note: Optional[str] = None
) -> BookingRequest:
    return BookingRequest(
        sender_id=sender,
        name=name,
        phone="+13105550134",
        email="dana@example.com",
        therapy="FMM",
        preferred_times="weekday evenings",
        preferred_times_parsed={"raw": "weekday evenings", "part_of_day": ["evening"]},
        concern="stiff neck after desk work",
        contraindication_note=note,
        consent=True,
    )


def count(store: BookingStore, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_request_and_one_outbox_row_per_channel_are_stored_together(store: BookingStore) -> None:
    request_id = store.save_request(
        booking(note="pregnant: check with the therapist"),
        ["webhook", "email", "webhook"],
        now=NOW,
    )
    stored = store.get_request(request_id)
    assert stored is not None
    assert (stored.name, stored.phone, stored.therapy, stored.sender_id) == (
        "Dana Whitfield",
        "+13105550134",
        "FMM",
        "visitor-1",
    )
    assert stored.preferred_times_parsed == {"raw": "weekday evenings", "part_of_day": ["evening"]}
    assert stored.contraindication_note == "pregnant: check with the therapist"
    assert stored.created_at == NOW
    deliveries = store.deliveries_for(request_id)
    assert [(d.channel, d.status, d.attempts) for d in deliveries] == [
        ("email", STATUS_PENDING, 0),
        ("webhook", STATUS_PENDING, 0),
    ]


def test_a_failing_outbox_insert_stores_nothing(store: BookingStore) -> None:
    with pytest.raises(BookingStoreError):
        store.save_request(booking(), ["webhook", None], now=NOW)  # type: ignore[list-item]
    assert count(store, requests_table) == 0
    assert count(store, outbox_table) == 0


def test_an_unreachable_database_raises_the_typed_error() -> None:
    unreachable = BookingStore.from_url("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(BookingStoreError):
        unreachable.save_request(booking(), ["local"])


def test_claim_deliver_and_fail(store: BookingStore) -> None:
    request_id = store.save_request(booking(), ["webhook", "email"], now=NOW)
    claimed = store.claim_due(now=NOW)
    assert sorted(d.channel for d in claimed) == ["email", "webhook"]
    assert store.claim_due(now=NOW) == []  # leased: not handed out twice
    webhook = next(d for d in claimed if d.channel == "webhook")
    email = next(d for d in claimed if d.channel == "email")
    assert store.mark_delivered(webhook.id, now=NOW)
    assert not store.mark_delivered(webhook.id, now=NOW)  # exactly once
    store.mark_failed(email.id, "smtp_unreachable", retry_at=NOW + timedelta(minutes=1))
    assert store.claim_due(now=NOW + timedelta(seconds=30)) == []
    again = store.claim_due(now=NOW + timedelta(minutes=2))
    assert [d.id for d in again] == [email.id]
    rows = {d.channel: d for d in store.deliveries_for(request_id)}
    assert rows["webhook"].status == STATUS_DELIVERED and rows["webhook"].attempts == 1
    assert (
        rows["email"].status == STATUS_PENDING and rows["email"].last_error == "smtp_unreachable"
    )


def test_list_and_mark_handled_by_prefix(store: BookingStore) -> None:
    first = store.save_request(booking(name="Ana Ruiz"), ["local"], now=NOW)
    second = store.save_request(booking(name="Sam Lee"), ["local"], now=NOW + timedelta(hours=1))
    items = store.list_requests()
    assert [i.request.id for i in items] == [second, first]  # newest first
    assert [d.channel for d in items[0].deliveries] == ["local"]
    assert store.mark_handled(first[:8], now=NOW) == first
    assert store.get_request(first).handled_at == NOW
    assert store.get_request(second).handled_at is None
    assert store.mark_handled("no-such-id") is None


def test_delete_by_sender_removes_requests_outbox_rows_and_local_lines(
    store: BookingStore,
) -> None:
    mine = store.save_request(booking("visitor-1"), ["local", "webhook"], now=NOW)
    store.save_request(booking("visitor-1", name="Dana W"), ["local"], now=NOW)
    other = store.save_request(booking("visitor-2", name="Sam Lee"), ["local"], now=NOW)
    assert store.local_outbox_path is not None
    channel = LocalFileChannel(store.local_outbox_path)
    for delivery in store.claim_due(now=NOW):
        if delivery.channel == "local":
            channel.deliver(store.get_request(delivery.request_id).payload(), delivery.id)
    assert len(store.local_outbox_path.read_text().splitlines()) == 3

    assert store.delete_by_sender("visitor-1") == 2
    assert store.get_request(mine) is None
    assert store.deliveries_for(mine) == []
    assert [i.request.id for i in store.list_requests()] == [other]
    assert count(store, outbox_table) == 1
    lines = [json.loads(line) for line in store.local_outbox_path.read_text().splitlines()]
    assert [line["request"]["id"] for line in lines] == [other]
    assert store.delete_by_sender("visitor-1") == 0


def test_purge_older_than(store: BookingStore) -> None:
    old = store.save_request(booking("a"), ["local"], now=NOW - timedelta(days=40))
    recent = store.save_request(booking("b"), ["local"], now=NOW - timedelta(days=5))
    assert store.purge_older_than(30, now=NOW) == 1
    assert store.get_request(old) is None
    assert store.get_request(recent) is not None
    assert count(store, outbox_table) == 1
    assert store.purge_older_than(30, now=NOW) == 0
    with pytest.raises(ValueError):
        store.purge_older_than(-1)


def test_payload_has_no_conversation_id(store: BookingStore) -> None:
    request_id = store.save_request(booking(), ["local"], now=NOW)
    payload = store.get_request(request_id).payload()
    assert "sender_id" not in payload and "visitor-1" not in json.dumps(payload)
    assert payload["created_at"] == "2025-03-05T18:00:00Z"
    assert payload["consent_to_contact"] is True


def test_two_processes_creating_the_schema_at_once_both_succeed(tmp_path) -> None:
    import threading

    url = f"sqlite:///{tmp_path / 'race.db'}"
    stores = [BookingStore.from_url(url) for _ in range(4)]
    errors: list = []
    barrier = threading.Barrier(len(stores))

    def create(s: BookingStore) -> None:
        barrier.wait()
        try:
            s.ensure_schema()
        except BookingStoreError as error:  # pragma: no cover - the failure being tested
            errors.append(error)

    threads = [threading.Thread(target=create, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stores[0].save_request(booking(), ["local"])


def test_the_conversation_language_is_stored_with_the_request(store: BookingStore) -> None:
    spanish = booking("visitor-es")
    spanish.language = "es"
    spanish_id = store.save_request(spanish, ["local"], now=NOW)
    unknown_id = store.save_request(booking("visitor-2"), ["local"], now=NOW)
    assert store.get_request(spanish_id).language == "es"
    assert store.get_request(spanish_id).payload()["language"] == "es"
    assert store.get_request(unknown_id).language is None


def test_a_database_from_before_the_language_column_gets_it(store: BookingStore) -> None:
    """Issue 21 part 4 added ``language``: an existing database gets it on first use."""
    old_id = store.save_request(booking("visitor-old"), ["local"], now=NOW)
    with store.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE booking_requests DROP COLUMN language"))
    reopened = BookingStore(store.engine)
    reopened.ensure_schema()
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("booking_requests")}
    assert "language" in columns
    assert reopened.get_request(old_id).language is None  # earlier requests: not known
    spanish = booking("visitor-es")
    spanish.language = "es"
    assert reopened.get_request(reopened.save_request(spanish, ["local"])).language == "es"
    BookingStore(store.engine).ensure_schema()  # already there: nothing to do
