"""The staff console's application object: configuration, the shared services, the
middleware that decides who may do what (sessions, CSRF, roles), and the routes of
``views/``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.booking.store import BookingStore
from clinic.faq.store import FaqStore
from staff.console.accounts import Accounts
from staff.console.audit import AuditLog
from staff.console.config import ConsoleSettings
from staff.console.db import make_engine
from staff.console.drafts import Draft
from staff.console.inbox import Inbox
from staff.console.jobs import PublishJobs
from staff.console.publishing import TryIt
from staff.console.ratelimit import RateLimiter
from staff.console.sessions import COOKIE, Sessions, same_token
from staff.console.views.base import render
from staff.console.web import LOGIN_CSRF_COOKIE

HERE = Path(__file__).resolve().parent
logger = logging.getLogger("staff.console")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class Console:
    """What every page uses: settings, database-backed services, templates."""

    settings: ConsoleSettings
    store: FaqStore
    accounts: Accounts
    sessions: Sessions
    audit: AuditLog
    draft: Draft
    inbox: Inbox
    try_it: TryIt
    login_limiter: RateLimiter
    templates: Environment
    publish_jobs: PublishJobs
    bookings: Optional[BookingStore] = None

    def booking_store(self) -> BookingStore:
        """The booking store (``BOOKING_DATABASE_URL``), opened on first use so that a
        booking database problem never keeps the FAQ pages from starting."""
        if self.bookings is None:
            self.bookings = BookingStore.from_url(self.settings.booking_database_url)
        return self.bookings

    @classmethod
    def build(cls, settings: ConsoleSettings) -> "Console":
        """Connects to the database (creating the console's tables when missing)."""
        engine = make_engine(settings.database_url)
        store = FaqStore(settings.database_url)
        templates = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                                autoescape=select_autoescape(["html"]))
        return cls(
            settings=settings,
            store=store,
            accounts=Accounts(engine, settings.max_failed_logins),
            sessions=Sessions(engine, settings.idle_seconds),
            audit=AuditLog(engine),
            draft=Draft(engine, store),
            inbox=Inbox(engine, settings.database_url),
            try_it=TryIt(store),
            login_limiter=RateLimiter(settings.login_rate_limit,
                                      settings.login_rate_window_s),
            templates=templates,
            publish_jobs=PublishJobs(),
        )


async def load_session(request: Request) -> Optional[HTTPResponse]:
    """Finds the signed-in user and refuses a state-changing request without its CSRF
    token (403)."""
    console: Console = request.app.ctx.console
    request.ctx.user = None
    request.ctx.csrf = None
    request.ctx.timed_out = False
    if request.path.startswith("/static/") or request.path == "/health":
        return None
    session, timed_out = console.sessions.find(request.cookies.get(COOKIE))
    request.ctx.timed_out = timed_out
    if session is not None:
        request.ctx.user = console.accounts.get(session.user)
        request.ctx.csrf = session.csrf if request.ctx.user else None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        form = request.form or {}
        given = form.get("csrf") or request.headers.get("x-csrf-token")
        expected = (request.cookies.get(LOGIN_CSRF_COOKIE) if request.path == "/login"
                    else request.ctx.csrf)
        if not same_token(expected, given):
            return render(request, "error.html", status=403, title="Refused",
                          message="This request was refused: the page it came from is too "
                          "old or not from this console (missing security token). Go back, "
                          "reload the page and try again.")
    return None


async def add_headers(request: Request, response: HTTPResponse) -> None:
    """Security headers on every answer."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def create_app(settings: ConsoleSettings, name: str = "staff_console") -> Sanic:
    """The console application (``python -m staff.console`` serves it)."""
    from staff.console.views import (accounts, admin, analytics, auth, bookings, faq_form,
                                     faqs, history, publish, review)

    app = Sanic(name)
    app.config.ACCESS_LOG = False  # URLs only, but there is nothing worth logging there
    app.ctx.console = Console.build(settings)
    app.register_middleware(load_session, "request")
    app.register_middleware(add_headers, "response")
    app.static("/static", str(HERE / "static"), name="static")
    for module in (auth, faqs, faq_form, publish, history, review, analytics, bookings, admin,
                   accounts):
        module.register(app)
    return app
