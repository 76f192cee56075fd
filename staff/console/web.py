"""Request and response helpers shared by the application and its views (HTTPS detection,
cookies, the client's address)."""

from __future__ import annotations

from sanic.request import Request
from sanic.response import HTTPResponse

LOGIN_CSRF_COOKIE = "console_login_csrf"


def is_https(request: Request) -> bool:
    """True when the visitor's connection is HTTPS (directly or at the TLS proxy)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" or request.scheme == "https"


def set_cookie(request: Request, response: HTTPResponse, name: str, value: str) -> None:
    """Sets a cookie the page's scripts cannot read, sent to this site only."""
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if is_https(request):
        cookie["secure"] = True


def client_address(request: Request) -> str:
    """The client's address (the proxy's forwarded one when Sanic is told to trust it)."""
    return str(request.remote_addr or request.ip or "unknown")
