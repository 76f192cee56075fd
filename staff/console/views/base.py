"""Shared request handling: rendering a template, and who may see a page."""

from __future__ import annotations

import functools
import time
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import quote

from sanic.request import Request
from sanic.response import HTTPResponse, html, redirect

Handler = Callable[..., Awaitable[HTTPResponse]]


def console_of(request: Request) -> Any:
    """The application's ``Console`` (services and settings)."""
    return request.app.ctx.console


def render(request: Request, template: str, status: int = 200, **context: Any
           ) -> HTTPResponse:
    """A page from ``templates/`` (autoescaped), with the signed-in user and CSRF token."""
    environment = console_of(request).templates
    user = getattr(request.ctx, "user", None)
    body = environment.get_template(template).render(
        user=user, csrf=getattr(request.ctx, "csrf", None), path=request.path, **context)
    return html(body, status=status)


def requires(role: Optional[str] = None) -> Callable[[Handler], Handler]:
    """Pages for signed-in staff; ``role="admin"``: admins only (others get 403)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            user = request.ctx.user
            if user is None:
                reason = "&expired=1" if request.ctx.timed_out else ""
                return redirect(f"/login?next={quote(request.path)}{reason}")
            if role == "admin" and not user.is_admin:
                return render(request, "error.html", status=403, title="Admins only",
                              message="This page is for admins. Ask an admin if you need "
                              "what is on it.")
            return await handler(request, *args, **kwargs)

        return wrapped

    return decorate


def form_value(request: Request, name: str, default: str = "") -> str:
    """One field of a submitted form (``default`` when missing)."""
    value = (request.form or {}).get(name)
    return str(value) if value is not None else default


def safe_next(target: str) -> str:
    """A local path to go to after signing in (never another site)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/faqs"


def when(at: float) -> str:
    """A time as pages show it (local time, to the minute)."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))
