"""Staff tool for booking requests (``make bookings``).

    make bookings                          list requests with their delivery status
    make bookings ARGS="--csv out.csv"     export every request to a CSV file
    make bookings ARGS="--handled ID"      mark a request handled (ID or its first characters)

The listing shows contact details, since it is for staff at the clinic's own machine;
nothing is logged.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence, TextIO

from sqlalchemy.exc import SQLAlchemyError

from actions.booking.settings import BookingConfigError, BookingSettings
from actions.booking.store import BookingStore, BookingStoreError, StoredRequest

CSV_COLUMNS = (
    "id",
    "kind",
    "created_at_utc",
    "name",
    "phone",
    "email",
    "therapy",
    "preferred_times",
    "preferred_times_parsed",
    "concern",
    "contraindication_note",
    "consent",
    "handled_at_utc",
    "deliveries",
    "language",  # the conversation's language (en, es; empty when not known)
)


def delivery_status(item: StoredRequest) -> str:
    """E.g. ``webhook:delivered email:pending(3, smtp_unreachable)``."""
    parts = []
    for d in item.deliveries:
        if d.status == "delivered":
            parts.append(f"{d.channel}:delivered")
        else:
            detail = f"{d.attempts}" + (f", {d.last_error}" if d.last_error else "")
            parts.append(f"{d.channel}:{d.status}({detail})")
    return " ".join(parts) or "-"


def format_table(items: Sequence[StoredRequest]) -> str:
    """The listing printed by ``make bookings``."""
    if not items:
        return "No booking requests."
    rows = [
        ("ID", "KIND", "RECEIVED (UTC)", "NAME", "CONTACT", "THERAPY", "TIMES", "HANDLED",
         "DELIVERY")
    ]
    for item in items:
        r = item.request
        rows.append(
            (
                (r.id or "")[:8],
                r.kind,
                r.created_at.strftime("%Y-%m-%d %H:%M") if r.created_at else "-",
                r.name,
                " / ".join(x for x in (r.phone, r.email) if x),
                r.therapy,
                (
                    r.preferred_times
                    if len(r.preferred_times) <= 30
                    else r.preferred_times[:29] + "…"
                ),
                r.handled_at.strftime("%Y-%m-%d") if r.handled_at else "no",
                delivery_status(item),
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula (= + - @, tab, CR)
    gets a leading quote, so a visitor's "=HYPERLINK(...)" as a name never runs."""
    return "'" + value if value.startswith(FORMULA_START) else value


def write_csv(items: Sequence[StoredRequest], handle: TextIO) -> None:
    """Every request, all fields, one row each, every cell spreadsheet-safe."""
    writer = csv.writer(handle)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        r = item.request
        cells = [
            r.id,
            r.kind,
            r.created_at.isoformat() if r.created_at else "",
            r.name,
            r.phone or "",
            r.email or "",
            r.therapy,
            r.preferred_times,
            json.dumps(r.preferred_times_parsed) if r.preferred_times_parsed else "",
            r.concern or "",
            r.contraindication_note or "",
            "yes" if r.consent else "no",
            r.handled_at.isoformat() if r.handled_at else "",
            delivery_status(item),
            r.language or "",
        ]
        writer.writerow([spreadsheet_safe(str(cell)) for cell in cells])


def main(argv: Optional[List[str]] = None, out: TextIO = sys.stdout) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="make bookings", description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--csv", metavar="PATH", help="export all requests to a CSV file")
    group.add_argument("--handled", metavar="ID", help="mark one request as handled")
    parser.add_argument("--database-url", help="default: BOOKING_DATABASE_URL / var/bookings.db")
    args = parser.parse_args(argv)
    try:
        settings = BookingSettings.from_env()
    except BookingConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        store = BookingStore.from_url(args.database_url or settings.database_url)
        if args.handled:
            full_id = store.mark_handled(args.handled)
            if full_id is None:
                print(f"error: no single request matches {args.handled!r}", file=sys.stderr)
                return 1
            print(f"marked {full_id} handled", file=out)
            return 0
        items = store.list_requests()
        if args.csv:
            path = Path(args.csv)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
                write_csv(items, handle)
            print(f"wrote {len(items)} request(s) to {path}", file=out)
            return 0
        print(format_table(items), file=out)
        return 0
    except (BookingStoreError, SQLAlchemyError) as error:
        print(
            f"error: the booking database is not available ({type(error).__name__})",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
