"""``make analytics FROM=YYYY-MM-DD TO=YYYY-MM-DD``: the period's figures as one JSON object.

Reads the analytics tables at ``DATABASE_URL`` (written by ``clinic.analytics.consumer``);
days are the clinic's (``BOOKING_TIMEZONE``), both included. ``--dashboard`` prints every
figure of the console's page instead (with "delivered" from ``BOOKING_DATABASE_URL``).

Exit codes: 0 done; 2 wrong usage (a missing or malformed date, TO before FROM, a bad
setting); 3 the database could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional, TextIO

from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from clinic.analytics.schema import create_engine
from clinic.settings import Settings
from staff.analytics.report import dashboard, parse_period, summary

EXIT_OK, EXIT_USAGE, EXIT_DATABASE = 0, 2, 3


def main(argv: Optional[List[str]] = None, out: TextIO = sys.stdout) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="make analytics",
                                     description="Analytics figures of a period as JSON.")
    parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (included)")
    parser.add_argument("--dashboard", action="store_true", help="every dashboard figure")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        period = parse_period(args.start, args.end)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        engine = create_engine(settings.database_url)
    except (ArgumentError, ImportError):
        print("error: DATABASE_URL is not a usable database URL", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.dashboard:
            from actions.booking.store import create_booking_engine

            bookings = create_booking_engine(settings.booking_database_url)
            figures = dashboard(engine, period, settings.clinic_timezone, bookings)
            bookings.dispose()
        else:
            figures = summary(engine, period)
    except SQLAlchemyError as error:
        print(f"error: could not read the analytics tables ({type(error).__name__})",
              file=sys.stderr)
        return EXIT_DATABASE
    finally:
        engine.dispose()
    print(json.dumps(figures), file=out)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
