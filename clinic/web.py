"""Serves the demo clinic page (``web/``) on WEB_PORT for ``make run``.

The page embeds the widget exactly as a clinic would, with one script tag pointing at the
Rasa server. ``web/index.html`` is a template: the Rasa server's address and the clinic's
facts from ``clinic.yml`` are filled in at request time, so the page always matches the
running configuration. Placeholder values are shown as placeholders, never invented.
"""

from __future__ import annotations

import functools
import html
import re
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Optional
from urllib.parse import urlsplit

from clinic.config import (
    ClinicConfig,
    ClinicConfigError,
    is_placeholder,
    load_clinic_config,
)
from clinic.settings import PROJECT_ROOT, Settings

WEB_ROOT = PROJECT_ROOT / "web"
TEMPLATE = WEB_ROOT / "index.html"
WIDGET_FILES = (WEB_ROOT / "widget" / "widget.js", WEB_ROOT / "widget" / "widget.css")
_HOSTNAME = re.compile(r"^[A-Za-z0-9.-]{1,253}$")
_SLOT = re.compile(r"\{\{([A-Z_]+)\}\}")

ARTICLE_TITLE = (
    "Neuromuscular Massage in Los Angeles: Comparing Neuromuscular Therapy and "
    "Functional Muscle Manipulation (FMM)"
)


def widget_size_bytes() -> int:
    """Bytes of the widget's own script and styles (the vendored socket.io excluded).

    ``make bench`` reports it; the budget is 30 KB unminified.
    """
    return sum(path.stat().st_size for path in WIDGET_FILES)


def request_hostname(host_header: Optional[str]) -> str:
    """The host name the visitor used for the page, or ``localhost`` if it looks odd.

    The widget is loaded from the same host name on the Rasa port, so a page opened as
    ``127.0.0.1`` talks to ``127.0.0.1`` and one opened as ``localhost`` to ``localhost``
    (both are allowed origins by default).
    """
    if not host_header:
        return "localhost"
    try:
        hostname = urlsplit(f"//{host_header}").hostname or ""
    except ValueError:  # e.g. an unbalanced "[" (IPv6 syntax)
        return "localhost"
    return hostname if _HOSTNAME.match(hostname) else "localhost"


def fact_html(value: str) -> str:
    """A clinic fact as HTML; placeholders are marked so nobody mistakes them for data."""
    if is_placeholder(value):
        shown = value or "PLACEHOLDER: not set"
        return f'<mark class="placeholder">{html.escape(shown)}</mark>'
    return html.escape(value)


def link_hosts(config: ClinicConfig) -> str:
    """Hosts the widget may link to: the clinic's article, website and scheduler."""
    hosts = []
    for section, key in (
        ("clinic", "article_url"),
        ("clinic", "website"),
        ("booking", "scheduler_url_template"),
    ):
        value = config.public(section, key) or ""
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            hosts.append(parts.hostname)
    return ",".join(dict.fromkeys(hosts))


def page_values(
    settings: Settings, config: ClinicConfig, hostname: str
) -> Dict[str, str]:
    """Every ``{{SLOT}}`` of the template, already HTML-escaped."""
    rasa_url = f"http://{hostname}:{settings.rasa_port}"
    name = config.get("clinic", "name")
    article = config.article_url
    article_html = (
        f'<a href="{html.escape(article)}">{html.escape(ARTICLE_TITLE)}</a>'
        if article
        else f"<cite>{html.escape(ARTICLE_TITLE)}</cite>"
    )
    color = config.get("widget", "primary_color") or "#1f5f5b"
    return {
        "RASA_URL": html.escape(rasa_url),
        "RASA_WS_URL": html.escape(f"ws://{hostname}:{settings.rasa_port}"),
        "CLINIC_NAME": fact_html(name),
        "CLINIC_NAME_TEXT": html.escape(name),
        "CITY": fact_html(config.get("clinic", "city")),
        "ADDRESS": fact_html(config.get("clinic", "address")),
        "PHONE": fact_html(config.get("clinic", "phone")),
        "EMAIL": fact_html(config.get("clinic", "email")),
        "HOURS": fact_html(config.get("clinic", "hours")),
        "ARTICLE": article_html,
        "WIDGET_TITLE": html.escape(config.get("widget", "title") or "Chat with us"),
        "WIDGET_GREETING": html.escape(config.get("widget", "greeting")),
        "WIDGET_COLOR": html.escape(color),
        "WIDGET_POSITION": html.escape(config.get("widget", "position") or "right"),
        "LINK_HOSTS": html.escape(link_hosts(config)),
        "LANGUAGES": html.escape(",".join(config.languages)),
    }


def render_page(template: str, values: Dict[str, str]) -> str:
    """Fills ``{{SLOT}}``s; an unknown slot is an error, not a silent blank."""

    def fill(match: "re.Match[str]") -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"web/index.html uses unknown slot {{{{{key}}}}}")
        return values[key]

    return _SLOT.sub(fill, template)


def content_security_policy(values: Dict[str, str]) -> str:
    """A strict policy for the demo page: the widget must work under it."""
    rasa, ws = html.unescape(values["RASA_URL"]), html.unescape(values["RASA_WS_URL"])
    return (
        "default-src 'self'; "
        f"script-src 'self' {rasa}; style-src 'self' {rasa}; "
        f"connect-src 'self' {rasa} {ws}; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    )


class DemoHandler(SimpleHTTPRequestHandler):
    """The rendered page at ``/``, static files from ``web/``; no listings, no logs."""

    def __init__(self, *args: object, settings: Settings, **kwargs: object) -> None:
        self.settings = settings
        super().__init__(*args, directory=str(WEB_ROOT), **kwargs)  # type: ignore[arg-type]

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        """Serves the page or a static file."""
        if urlsplit(self.path).path in ("/", "/index.html"):
            self.send_page(head_only=False)
        else:
            super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        """Like GET, without a body."""
        if urlsplit(self.path).path in ("/", "/index.html"):
            self.send_page(head_only=True)
        else:
            super().do_HEAD()

    def send_page(self, head_only: bool) -> None:
        """Renders ``index.html`` with the current settings and ``clinic.yml``."""
        try:
            config = load_clinic_config(self.settings.clinic_config)
        except ClinicConfigError as error:
            self.send_error(500, str(error))
            return
        values = page_values(
            self.settings, config, request_hostname(self.headers.get("Host"))
        )
        body = render_page(TEMPLATE.read_text(encoding="utf-8"), values).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Security-Policy", content_security_policy(values))
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def end_headers(self) -> None:
        """Every response: no MIME sniffing."""
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def list_directory(self, path: object) -> None:
        """No directory listings."""
        self.send_error(404, "Not found")
        return None

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """No request logging (paths could carry data)."""
        return


def main() -> int:
    """Serves until interrupted."""
    settings = Settings.from_env()
    load_clinic_config(
        settings.clinic_config
    )  # fail at start-up, not on the first visit
    handler = functools.partial(DemoHandler, settings=settings)
    server = ThreadingHTTPServer((settings.web_interface, settings.web_port), handler)
    print(
        f"demo page on http://{settings.web_interface}:{settings.web_port}/", flush=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
