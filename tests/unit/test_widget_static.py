"""Static checks of the widget files (no HTML sinks, size budget, pinned vendored client)
and of the demo page that embeds the widget (clinic/web.py)."""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from clinic.config import ClinicConfig, load_clinic_config
from clinic.settings import Settings
from clinic.web import (
    TEMPLATE,
    WIDGET_FILES,
    DemoHandler,
    content_security_policy,
    link_hosts,
    page_values,
    render_page,
    request_hostname,
    widget_size_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
WIDGET_DIR = ROOT / "web" / "widget"
WIDGET_JS = WIDGET_DIR / "widget.js"
VENDOR = WIDGET_DIR / "vendor"
SOCKET_IO = VENDOR / "socket.io.min.js"
SOCKET_IO_VERSION = "4.8.1"
SOCKET_IO_SHA256 = "b0e735814f8dcfecd6cdb8a7ce95a297a7e1e5f2727a29e6f5901801d52fa0c5"
SIZE_BUDGET_BYTES = 30 * 1024

# Ways to turn a string into markup or code. The widget builds its DOM with
# createElement/textContent only, so none of these may appear at all.
FORBIDDEN = {
    "innerHTML": re.compile(r"\binnerHTML\b"),
    "outerHTML": re.compile(r"\bouterHTML\b"),
    "insertAdjacentHTML": re.compile(r"\binsertAdjacentHTML\b"),
    "document.write": re.compile(r"\bdocument\s*\.\s*write(ln)?\b"),
    "createContextualFragment": re.compile(r"\bcreateContextualFragment\b"),
    "DOMParser": re.compile(r"\bDOMParser\b"),
    "srcdoc": re.compile(r"\bsrcdoc\b"),
    "eval": re.compile(r"\beval\s*\("),
    "new Function": re.compile(r"\bnew\s+Function\b"),
    "string timer": re.compile(r"\bset(Timeout|Interval)\s*\(\s*['\"`]"),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def strip_comments(source: str) -> str:
    """The script without /* */ and // comments (so docs may name the sinks)."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    return re.sub(r"(?m)(^|[^:\"'])//.*$", r"\1", source)


def test_strip_comments_keeps_code_and_drops_comments() -> None:
    code = 'a = "x"; // innerHTML\n/* innerHTML */ b = 1;\nurl = "https://x";'
    stripped = strip_comments(code)
    assert "innerHTML" not in stripped
    assert 'a = "x";' in stripped and "b = 1;" in stripped and "https://x" in stripped


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_widget_never_uses_html_or_code_sinks(name: str) -> None:
    code = strip_comments(WIDGET_JS.read_text(encoding="utf-8"))
    assert not FORBIDDEN[name].search(code), f"widget.js uses {name}"


def test_checker_would_catch_a_sink() -> None:
    bad = strip_comments("node.innerHTML = data.text; document.write(x);")
    assert FORBIDDEN["innerHTML"].search(bad)
    assert FORBIDDEN["document.write"].search(bad)


def test_message_text_is_set_as_text() -> None:
    code = strip_comments(WIDGET_JS.read_text(encoding="utf-8"))
    assert 'el("span", { class: "cc-text" }, m.text)' in code
    assert "node.textContent = text;" in code


def test_links_require_https_and_an_allowed_host() -> None:
    code = strip_comments(WIDGET_JS.read_text(encoding="utf-8"))
    assert 'parsed.protocol !== "https:"' in code
    assert "cfg.linkHosts.indexOf(" in code


def test_widget_uses_a_shadow_root() -> None:
    assert "attachShadow(" in WIDGET_JS.read_text(encoding="utf-8")


def test_widget_loads_socket_io_from_its_own_server_only() -> None:
    code = strip_comments(WIDGET_JS.read_text(encoding="utf-8"))
    urls = re.findall(r"https?://[^\s\"']+", code)
    assert urls == ["http://www.w3.org/2000/svg"], urls
    assert 'SERVER + "/widget/vendor/socket.io.min.js"' in code


def test_widget_is_within_the_size_budget() -> None:
    assert {path.name for path in WIDGET_FILES} == {"widget.js", "widget.css"}
    size = widget_size_bytes()
    assert size == sum(path.stat().st_size for path in WIDGET_FILES)
    assert 0 < size < SIZE_BUDGET_BYTES, f"widget.js + widget.css = {size} bytes"


def test_vendored_socket_io_is_the_pinned_file() -> None:
    digest = hashlib.sha256(SOCKET_IO.read_bytes()).hexdigest()
    assert (
        digest == SOCKET_IO_SHA256
    ), "socket.io.min.js changed: see web/widget/vendor/README.md"
    assert (
        f"Socket.IO v{SOCKET_IO_VERSION}" in SOCKET_IO.read_text(encoding="utf-8")[:200]
    )


def test_vendor_readme_records_version_and_checksum() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert SOCKET_IO_VERSION in readme
    assert SOCKET_IO_SHA256 in readme


def test_vendored_licence_is_present() -> None:
    licence = (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert "The MIT License" in licence and "Socket.IO" in licence


# --- The demo page (clinic/web.py) that embeds the widget --------------------------------


def _config(**clinic: str) -> ClinicConfig:
    base = {
        "name": "PLACEHOLDER: clinic name",
        "city": "Los Angeles",
        "address": "PLACEHOLDER: street address",
        "phone": "PLACEHOLDER: phone number",
        "email": "PLACEHOLDER: contact email",
        "hours": "PLACEHOLDER: opening hours",
        "website": "PLACEHOLDER: https://your-clinic.example",
        "article_url": "",
    }
    base.update(clinic)
    return ClinicConfig(
        raw={
            "clinic": base,
            "widget": {
                "title": "Ask us",
                "greeting": "Hi!",
                "primary_color": "#1f5f5b",
                "position": "left",
            },
        }
    )


def _render(
    config: ClinicConfig, hostname: str = "127.0.0.1", rasa_port: int = 5005
) -> str:
    settings = Settings(rasa_port=rasa_port)
    return render_page(
        TEMPLATE.read_text(encoding="utf-8"), page_values(settings, config, hostname)
    )


def test_page_embeds_the_widget_from_the_rasa_port_with_one_tag() -> None:
    page = _render(_config(), hostname="localhost", rasa_port=25005)
    assert "{{" not in page
    tags = re.findall(r"<script\b[^>]*>", page)
    assert len(tags) == 1
    assert 'src="http://localhost:25005/widget/widget.js"' in tags[0]
    assert 'data-server="http://localhost:25005"' in tags[0]
    assert 'data-title="Ask us"' in tags[0] and 'data-position="left"' in tags[0]


def test_the_page_offers_the_languages_of_clinic_yml() -> None:
    both = _render(_config())
    assert 'data-languages="en,es"' in both
    english = ClinicConfig(raw={**_config().raw, "languages": ["en"]})
    assert 'data-languages="en"' in _render(english)


def test_placeholders_are_shown_as_placeholders_and_values_escaped() -> None:
    page = _render(_config())
    assert '<mark class="placeholder">PLACEHOLDER: phone number</mark>' in page
    assert '<mark class="placeholder">PLACEHOLDER: street address</mark>' in page
    named = _render(_config(name="A & B <Massage>", phone="(310) 555-0100"))
    assert "A &amp; B &lt;Massage&gt;" in named and "<Massage>" not in named
    assert "(310) 555-0100" in named


def test_clinic_yml_as_shipped_renders() -> None:
    page = _render(load_clinic_config(ROOT / "clinic.yml"))
    assert "{{" not in page and "Neuromuscular Therapy (NMT)" in page


def test_unknown_template_slot_is_an_error() -> None:
    with pytest.raises(KeyError, match="NOPE"):
        render_page("<p>{{NOPE}}</p>", {})


@pytest.mark.parametrize(
    "header, expected",
    [
        ("127.0.0.1:8080", "127.0.0.1"),
        ("localhost", "localhost"),
        ("clinic.example:443", "clinic.example"),
        (None, "localhost"),
        ('x"><script>alert(1)</script>', "localhost"),
        ("[::1]:8080", "localhost"),
        ("[bad", "localhost"),
    ],
)
def test_request_hostname_is_validated(header: object, expected: str) -> None:
    assert request_hostname(header) == expected  # type: ignore[arg-type]


def test_links_are_allowed_only_to_the_clinics_https_hosts() -> None:
    config = _config(
        article_url="https://blog.clinic.example/nmt-vs-fmm",
        website="https://clinic.example",
    )
    assert link_hosts(config) == "blog.clinic.example,clinic.example"
    assert link_hosts(_config()) == ""


def test_content_security_policy_allows_only_self_and_the_rasa_server() -> None:
    values = page_values(Settings(rasa_port=5005), _config(), "localhost")
    policy = content_security_policy(values)
    assert "script-src 'self' http://localhost:5005;" in policy
    assert "connect-src 'self' http://localhost:5005 ws://localhost:5005;" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_demo_server_renders_the_page_and_refuses_listings() -> None:
    settings = Settings(rasa_port=25005)
    handler = functools.partial(DemoHandler, settings=settings)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(base + "/", timeout=10) as response:  # noqa: S310
            body = response.read().decode("utf-8")
            assert "http://127.0.0.1:25005/widget/widget.js" in body
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        with urllib.request.urlopen(
            base + "/site.css", timeout=10
        ) as response:  # noqa: S310
            assert response.headers["Content-Type"].startswith("text/css")
        for path in ("/widget/", "/vendor-does-not-exist.js"):
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(base + path, timeout=10)  # noqa: S310
            assert error.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
