"""A tiny HTTP client for the console tests: keeps cookies, does not follow redirects, and
reads the CSRF token from the page."""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlencode, urlsplit

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Response:
    """Status, headers (name, value) and the body as text."""

    status: int
    headers: List[Tuple[str, str]]
    text: str

    def header(self, name: str) -> Optional[str]:
        """The first header called ``name``."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def set_cookies(self) -> List[str]:
        """The raw Set-Cookie headers."""
        return [v for k, v in self.headers if k.lower() == "set-cookie"]

    def csrf(self) -> str:
        """The CSRF token of the page's first form."""
        found = _CSRF.search(self.text)
        assert found, f"no CSRF token on the page:\n{self.text[:2000]}"
        return found.group(1)


class Client:
    """One browser-like visitor of the console."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: Dict[str, str] = {}

    def request(self, method: str, path: str, form: Optional[Dict[str, str]] = None,
                headers: Optional[Dict[str, str]] = None, timeout: float = 180) -> Response:
        """One request; cookies from the answer are kept (deleted ones dropped)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        response = Response(answer.status, answer.getheaders(),
                            answer.read().decode("utf-8", "replace"))
        connection.close()
        for raw in response.set_cookies():
            cookie = SimpleCookie()
            cookie.load(raw)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs: object) -> Response:
        """GET ``path``."""
        return self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, form: Dict[str, str], page: str = "/faqs",
             **kwargs: object) -> Response:
        """POST a form with the CSRF token of ``page`` (as a browser would)."""
        token = self.get(page).csrf()
        return self.request("POST", path, form={"csrf": token, **form},
                            **kwargs)  # type: ignore[arg-type]

    def login(self, name: str, password: str) -> Response:
        """Signs in through the login page."""
        token = self.get("/login").csrf()
        return self.request("POST", "/login", form={"csrf": token, "username": name,
                                                    "password": password})
