"""The audit log (admins)."""

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


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(audit, "/audit", methods=["GET"], name="audit")
