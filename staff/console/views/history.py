"""Version history and "Roll back" to any earlier version."""

from __future__ import annotations

import time

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic.faq.store import StoreError
from staff.console.publishing import Outcome, roll_back
from staff.console.views.base import console_of, form_value, render, requires


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def history_page(request: Request, status: int = 200, outcome: Outcome | None = None
                 ) -> HTTPResponse:
    """The versions, newest first, with the live one marked."""
    console = console_of(request)
    try:
        live = console.store.live_version_number()
        versions = console.store.history(100)
    except StoreError as exc:
        return render(request, "error.html", status=503, title="FAQ store unavailable",
                      message=f"The FAQ store cannot be read ({exc}). Try again shortly.")
    return render(request, "history.html", status=status, versions=versions, live=live,
                  outcome=outcome, when=_when)


@requires()
async def history(request: Request) -> HTTPResponse:
    """Number, author, time and what changed of every version."""
    return history_page(request)


@requires()
async def rollback(request: Request) -> HTTPResponse:
    """Makes an earlier version live again (based on the live version the page showed)."""
    console = console_of(request)
    user = request.ctx.user.name
    try:
        version = int(form_value(request, "version"))
        seen_live = int(form_value(request, "live")) if form_value(request, "live") else None
    except ValueError:
        return history_page(request, 400, Outcome(False, "Choose a version to roll back to."))
    outcome = roll_back(console.store, console.draft, version, seen_live, user)
    console.audit.record(user, "rolled back" if outcome.ok else "roll back refused",
                         outcome.title)
    return history_page(request, 200 if outcome.ok else 409, outcome)


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(history, "/history", methods=["GET"], name="history")
    app.add_route(rollback, "/history/rollback", methods=["POST"], name="rollback")
