"""The socket.io channel: message shapes, origins and the widget's file route."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Tuple

import pytest
from sanic import Sanic

from clinic.channels.socketio import (
    WIDGET_ROOT,
    ClinicSocketIOInput,
    ClinicSocketIOOutput,
    metadata_from,
    resolve_widget_file,
    serve_widget_file,
    session_id_from,
    split_buttons,
    text_parts,
    widget_headers,
)


class FakeSio:
    """Records what the output channel emits."""

    def __init__(self) -> None:
        self.emitted: List[Tuple[str, Any, Dict[str, Any]]] = []

    async def emit(self, event: str, data: Any = None, **kwargs: Any) -> None:
        self.emitted.append((event, data, kwargs))


def test_buttons_split_into_quick_replies_and_https_links() -> None:
    quick, links = split_buttons(
        [
            {"title": "What is NMT?", "payload": "/ask_nmt_overview"},
            {"title": " Read the article ", "url": "https://clinic.example/article"},
            {"title": "Insecure", "url": "http://clinic.example/"},
            {"title": "Script", "url": "javascript:alert(1)"},
            {"title": "", "payload": "/greet"},
            {"payload": "/greet"},
            {"title": "Nothing to do"},
            "not a button",
        ]
    )
    assert quick == [
        {
            "content_type": "text",
            "title": "What is NMT?",
            "payload": "/ask_nmt_overview",
        }
    ]
    assert links == [
        {"title": "Read the article", "url": "https://clinic.example/article"}
    ]


def test_text_is_split_into_bubbles_at_blank_lines() -> None:
    assert text_parts("One.\n\nTwo\nlines.\n\n\n\nThree.") == [
        "One.",
        "Two\nlines.",
        "Three.",
    ]
    assert text_parts("") == [""]
    assert text_parts(None) == [""]


async def test_output_keeps_link_buttons_and_uses_the_room_and_namespace() -> None:
    sio = FakeSio()
    output = ClinicSocketIOOutput(sio, "bot_uttered", namespace="/chat")  # type: ignore[arg-type]
    await output.send_text_with_buttons(
        "session-1",
        "First part.\n\nSecond part.",
        [
            {"title": "Book a session", "payload": "/request_booking"},
            {"title": "Article", "url": "https://clinic.example/a"},
        ],
    )
    assert [event for event, _, _ in sio.emitted] == ["bot_uttered", "bot_uttered"]
    assert sio.emitted[0][1] == {"text": "First part."}
    assert sio.emitted[1][1] == {
        "text": "Second part.",
        "quick_replies": [
            {
                "content_type": "text",
                "title": "Book a session",
                "payload": "/request_booking",
            }
        ],
        "links": [{"title": "Article", "url": "https://clinic.example/a"}],
    }
    assert all(
        kw == {"room": "session-1", "namespace": "/chat"} for _, _, kw in sio.emitted
    )


async def test_plain_text_goes_out_as_text_bubbles() -> None:
    sio = FakeSio()
    output = ClinicSocketIOOutput(sio, "bot_uttered")  # type: ignore[arg-type]
    await output.send_text_message("s", "Hello.\n\nHow can I help?")
    assert [data for _, data, _ in sio.emitted] == [
        {"text": "Hello."},
        {"text": "How can I help?"},
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"language": "es"}, {"language": "es"}),
        ('{"language": "es"}', {"language": "es"}),
        ("not json", {}),
        ("[1, 2]", {}),
        ("[" * 5000 + "]" * 5000, {}),  # json.loads: RecursionError (left the turn unanswered)
        ('{"a":' * 9 + "1" + "}" * 9, {}),  # deeper than MAX_METADATA_DEPTH
        ({"a": {"b": [1]}}, {"a": {"b": [1]}}),
        (None, {}),
        (5, {}),
    ],
)
def test_metadata_is_an_object_or_nothing(value: Any, expected: Any) -> None:
    assert metadata_from(value) == expected


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"session_id": "abc123"}, "abc123"),
        ({"session_id": ""}, None),
        ({"session_id": "x" * 129}, None),
        ({"session_id": "bad\nid"}, None),
        ({"session_id": 42}, None),
        ("abc123", None),
        (None, None),
    ],
)
def test_session_ids_are_checked(data: Any, expected: Any) -> None:
    assert session_id_from(data) == expected


def test_allowed_origins_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "ALLOWED_ORIGINS", "https://clinic.example, http://localhost:8080"
    )
    channel = ClinicSocketIOInput.from_credentials({"session_persistence": True})
    assert channel.allowed_origins == [
        "https://clinic.example",
        "http://localhost:8080",
    ]
    assert channel.session_persistence is True
    sio = channel.socketio_server()
    assert sio.eio.cors_allowed_origins == [
        "https://clinic.example",
        "http://localhost:8080",
    ]
    # CORS headers are left to Rasa's --cors handling; engineio must not add a second set.
    environ = {"HTTP_ORIGIN": "https://clinic.example", "REQUEST_METHOD": "GET"}
    assert sio.eio._cors_headers(environ) == []


def test_an_empty_origin_list_means_same_origin_not_everyone() -> None:
    channel = ClinicSocketIOInput(allowed_origins=[])
    sio = channel.socketio_server()
    # engineio treats [] as "no checks at all" and None as "same origin only".
    assert sio.eio.cors_allowed_origins is None


def test_blueprint_serves_the_widget_at_the_root_of_the_rasa_server() -> None:
    channel = ClinicSocketIOInput(allowed_origins=["http://localhost:8080"])

    async def on_message(_: Any) -> None:
        return None

    app = Sanic("widget_route_test")
    app.blueprint(channel.blueprint(on_message), url_prefix="/webhooks/socketio")
    paths = {route.path for route in app.router.routes}
    assert {"socket.io", "webhooks/socketio", "widget/<name:path>"} <= paths


@pytest.mark.parametrize(
    "name",
    [
        "widget.js",
        "widget.css",
        "vendor/socket.io.min.js",
        "vendor/LICENSE",
        "vendor/README.md",
    ],
)
def test_widget_files_are_found(name: str) -> None:
    path = resolve_widget_file(name)
    assert path is not None and path == (WIDGET_ROOT / name).resolve()


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../index.html",
        "vendor/../../index.html",
        "../../credentials.yml",
        "/etc/passwd",
        "vendor\\..\\..\\clinic.yml",
        "vendor/",
        ".hidden",
        "vendor/.git",
        "missing.js",
        "widget.js\x00.css",
        "vendor/socket.io.min.js.map",
    ],
)
def test_paths_outside_the_widget_or_of_other_types_are_refused(name: str) -> None:
    assert resolve_widget_file(name) is None


def test_symlinks_out_of_the_widget_folder_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "widget"
    root.mkdir()
    (tmp_path / "secret.js").write_text("secret")
    (root / "ok.js").write_text("ok")
    (root / "link.js").symlink_to(tmp_path / "secret.js")
    assert resolve_widget_file("ok.js", root) == (root / "ok.js").resolve()
    assert resolve_widget_file("link.js", root) is None


def test_widget_files_get_their_content_type_and_nosniff() -> None:
    assert widget_headers(WIDGET_ROOT / "widget.js")["Content-Type"].startswith(
        "application/javascript"
    )
    css = widget_headers(WIDGET_ROOT / "widget.css")
    assert css["Content-Type"].startswith("text/css")
    assert css["X-Content-Type-Options"] == "nosniff"
    assert widget_headers(WIDGET_ROOT / "vendor" / "LICENSE")[
        "Content-Type"
    ].startswith("text/plain")


async def test_route_handler_answers_files_and_404s() -> None:
    found = await serve_widget_file(SimpleNamespace(method="GET"), "widget.js")
    assert found.status == 200
    assert found.body == (WIDGET_ROOT / "widget.js").read_bytes()
    assert found.headers["Content-Type"].startswith("application/javascript")
    head = await serve_widget_file(SimpleNamespace(method="HEAD"), "widget.css")
    assert head.status == 200 and head.body == b""
    missing = await serve_widget_file(
        SimpleNamespace(method="GET"), "../../credentials.yml"
    )
    assert missing.status == 404
