"""The audit log (admins), and the pages that come in a later slice (Review, Bookings)."""

from __future__ import annotations

import time

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from staff.console.views.base import console_of, render, requires


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


@requires("admin")
async def audit(request: Request) -> HTTPResponse:
    """Who did what, when: newest first."""
    entries = console_of(request).audit.recent(500)
    return render(request, "audit.html", entries=entries, when=_when)


@requires()
async def review(request: Request) -> HTTPResponse:
    """Coming soon: the review inbox."""
    return render(request, "soon.html", title="Review",
                  what="the review inbox (visitor messages the assistant did not understand, "
                  "grouped, with personal data removed)",
                  meanwhile="make review")


@requires()
async def bookings(request: Request) -> HTTPResponse:
    """Coming soon: booking requests."""
    return render(request, "soon.html", title="Bookings",
                  what="the booking requests with their delivery status",
                  meanwhile="make bookings")


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(audit, "/audit", methods=["GET"], name="audit")
    app.add_route(review, "/review", methods=["GET"], name="review")
    app.add_route(bookings, "/bookings", methods=["GET"], name="bookings")
