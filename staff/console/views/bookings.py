"""Bookings (admins only): booking and callback requests with their delivery status, "Mark
handled", "Export CSV" and "Show details". Contact details appear only on a request's details
page; every such view and every export is audited (the request ids, never the details)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any, List, Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect, text
from sqlalchemy.exc import SQLAlchemyError

from actions.booking.store import BookingStoreError, StoredRequest
from staff.console.bookings import FILTERS, channel_status, export_csv, matches, request_state
from staff.console.views.base import console_of, render, requires


def _utc(at: Optional[datetime]) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "-"


def _unavailable(request: Request) -> HTTPResponse:
    return render(request, "error.html", status=503, title="Bookings",
                  message="The booking requests cannot be read right now. Try again shortly; "
                  "if it keeps happening, ask a developer to check BOOKING_DATABASE_URL.")


async def _read(request: Request, method: str, *args: Any) -> Any:
    """Calls a method of the booking store off the event loop; ``None`` when the store is
    down."""
    console = console_of(request)

    def call() -> Any:
        return getattr(console.booking_store(), method)(*args)

    try:
        return await asyncio.to_thread(call)
    except (BookingStoreError, SQLAlchemyError):
        return None


def _find(items: List[StoredRequest], request_id: str) -> Optional[StoredRequest]:
    return next((item for item in items if item.request.id == request_id), None)


@requires("admin")
async def bookings(request: Request) -> HTTPResponse:
    """The requests, newest first, filtered by ``?status=`` (no contact details)."""
    items = await _read(request, "list_requests")
    if items is None:
        return _unavailable(request)
    status = request.args.get("status", "all")
    status = status if status in FILTERS else "all"
    shown = [item for item in items if matches(item, status)]
    return render(request, "bookings.html", items=shown, total=len(items), selected=status,
                  filters=FILTERS, state=request_state, channels=channel_status, utc=_utc,
                  done=request.args.get("done", ""))


@requires("admin")
async def details(request: Request, request_id: str) -> HTTPResponse:
    """"Show details": one request with its contact details (audited)."""
    console = console_of(request)
    items = await _read(request, "list_requests")
    if items is None:
        return _unavailable(request)
    item = _find(items, request_id)
    if item is None:
        return render(request, "error.html", status=404, title="No such request",
                      message="This booking request does not exist (it may have been deleted "
                      "on the visitor's request).")
    console.audit.record(request.ctx.user.name, "booking details viewed",
                         f"request {item.request.id}")
    return render(request, "booking.html", item=item, state=request_state(item),
                  channels=channel_status, utc=_utc)


@requires("admin")
async def mark_handled(request: Request, request_id: str) -> HTTPResponse:
    """"Mark handled", through the booking store (as ``make bookings --handled``)."""
    console = console_of(request)
    items = await _read(request, "list_requests")
    if items is None:
        return _unavailable(request)
    if _find(items, request_id) is None:  # only a full id shown on the page, no prefixes
        return render(request, "error.html", status=404, title="No such request",
                      message="This booking request does not exist.")
    full_id = await _read(request, "mark_handled", request_id)
    if full_id is None:
        return _unavailable(request)
    console.audit.record(request.ctx.user.name, "booking marked handled",
                         f"request {full_id}")
    return redirect("/bookings?done=handled")


@requires("admin")
async def export(request: Request) -> HTTPResponse:
    """"Export CSV": every request, the columns of ``make bookings --csv`` (audited)."""
    console = console_of(request)
    items = await _read(request, "list_requests")
    if items is None:
        return _unavailable(request)
    ids = [item.request.id or "" for item in items]
    console.audit.record(request.ctx.user.name, "bookings exported",
                         f"{len(ids)} request(s): {', '.join(ids)}")
    name = time.strftime("bookings-%Y%m%d-%H%M.csv")
    return text(export_csv(items), content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'})


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(bookings, "/bookings", methods=["GET"], name="bookings")
    app.add_route(export, "/bookings/export", methods=["POST"], name="bookings_export")
    app.add_route(details, "/bookings/<request_id:str>", methods=["GET"],
                  name="booking_details")
    app.add_route(mark_handled, "/bookings/<request_id:str>/handled", methods=["POST"],
                  name="booking_handled")
