"""Sign in, sign out, and the health check the launcher polls."""

from __future__ import annotations

import asyncio
import logging
import secrets

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect, text

from staff.console.web import LOGIN_CSRF_COOKIE, client_address, set_cookie
from staff.console.sessions import COOKIE
from staff.console.views.base import console_of, form_value, render, requires, safe_next

logger = logging.getLogger("staff.console")


def _login_page(request: Request, status: int = 200, error: str = "",
                username: str = "") -> HTTPResponse:
    console = console_of(request)
    token = secrets.token_urlsafe(32)
    notice = ""
    if request.args.get("expired"):
        notice = ("You were signed out after "
                  f"{console.settings.idle_minutes:g} minutes without activity. "
                  "Please sign in again.")
    elif request.args.get("out"):
        notice = "You are signed out."
    elif request.args.get("changed"):
        notice = "Your account was changed, which signed you out. Please sign in again."
    response = render(request, "login.html", status=status, login_csrf=token, error=error,
                      notice=notice, username=username,
                      no_accounts=console.accounts.count() == 0,
                      next=safe_next(request.args.get("next", "/faqs")))
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


async def login_form(request: Request) -> HTTPResponse:
    """The sign-in page (says how to create the first account when there is none)."""
    if request.ctx.user is not None:
        return redirect("/faqs")
    return _login_page(request)


async def login(request: Request) -> HTTPResponse:
    """Checks the password; counts failures per account (lockout) and per address."""
    console = console_of(request)
    address = client_address(request)
    name = form_value(request, "username").strip()
    password = form_value(request, "password")
    if console.login_limiter.blocked(address):
        minutes = int(console.login_limiter.retry_after(address) // 60) + 1
        return _login_page(request, 429, f"Too many failed sign-ins from this computer. "
                           f"Please wait {minutes} minute(s) and try again.", name)
    result = await asyncio.to_thread(console.accounts.sign_in, name, password)
    if result.outcome == "ok" and result.user is not None:
        token, _session = console.sessions.create(result.user.name)
        console.audit.record(result.user.name, "signed in", f"from {address}")
        logger.info("staff sign-in: %s", result.user.name)
        response = redirect(safe_next(form_value(request, "next", "/faqs")))
        set_cookie(request, response, COOKIE, token)
        del response.cookies[LOGIN_CSRF_COOKIE]
        return response
    console.login_limiter.hit(address)
    if result.outcome == "locked":
        console.audit.record(name, "sign-in refused", f"account locked; from {address}")
        return _login_page(request, 403, "This account is locked after "
                           f"{console.settings.max_failed_logins} wrong passwords. An admin "
                           "can unlock it on the Accounts page, or by setting a new "
                           f"password: make staff-user NAME={name} ROLE=editor (or admin).",
                           name)
    known = name in console.accounts.names()
    if known:
        console.audit.record(name, "sign-in failed", f"wrong password; from {address}")
    if result.just_locked:
        console.audit.record(name, "account locked",
                             f"{console.settings.max_failed_logins} wrong passwords")
    logger.info("staff sign-in failed (from %s)", address)
    return _login_page(request, 401, "Wrong username or password.", name)


@requires()
async def logout(request: Request) -> HTTPResponse:
    """Ends the session."""
    console = console_of(request)
    console.sessions.end(request.cookies.get(COOKIE))
    console.audit.record(request.ctx.user.name, "signed out")
    response = redirect("/login?out=1")
    del response.cookies[COOKIE]
    return response


async def health(request: Request) -> HTTPResponse:
    """200 when the console answers (the launcher's health check)."""
    return text("ok")


async def home(request: Request) -> HTTPResponse:
    """The start page is the FAQ list."""
    return redirect("/faqs")


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(home, "/", methods=["GET"], name="home")
    app.add_route(login_form, "/login", methods=["GET"], name="login_form")
    app.add_route(login, "/login", methods=["POST"], name="login")
    app.add_route(logout, "/logout", methods=["POST"], name="logout")
    app.add_route(health, "/health", methods=["GET"], name="health")
