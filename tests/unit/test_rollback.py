"""Publishing and rolling back: model files and the running server's model API.

The HTTP code is exercised against a local server that speaks the part of Rasa's API the
code uses (``GET /``, ``PUT /model?token=...``).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List, Tuple
from urllib.parse import parse_qs, urlparse

import pytest

from staff.retrain import (
    LIVE_METRICS,
    PREVIOUS_METRICS,
    Metrics,
    Server,
    api_token,
    main,
    publish,
    rollback,
    swap_into_server,
)
from clinic.settings import Settings

TOKEN = "s3cret"


class FakeRasa:
    """Records model loads; answers like Rasa's authenticated API."""

    def __init__(self) -> None:
        self.loaded: List[Tuple[str, str]] = []  # (model_file, token)
        self.fail_loading = False
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _handler(self) -> type:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"Hello from Rasa: 3.6.21")

            def do_PUT(self) -> None:  # noqa: N802 - http.server API
                url = urlparse(self.path)
                token = parse_qs(url.query).get("token", [""])[0]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if url.path != "/model":
                    status = 404
                elif token != TOKEN:
                    status = 401
                elif fake.fail_loading:
                    status = 500
                else:
                    fake.loaded.append((body["model_file"], token))
                    status = 204
                self.send_response(status)
                self.end_headers()

        return Handler

    def __enter__(self) -> "FakeRasa":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with FakeRasa() as server:
        yield server


def models(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "clinic.tar.gz").write_bytes(b"old model")
    (folder / LIVE_METRICS).write_text('{"old": true}')
    return folder


def candidate(tmp_path: Path) -> Path:
    path = tmp_path / "candidate.tar.gz"
    path.write_bytes(b"new model")
    return path


def test_publish_keeps_the_old_model_and_swaps_the_new_one_in(tmp_path: Path,
                                                              rasa: FakeRasa) -> None:
    folder = models(tmp_path)
    result = publish(candidate(tmp_path), Metrics(heldout_accuracy=0.9), folder,
                     Server(rasa.url, TOKEN), stories=tmp_path / "no-stories")
    assert result.status == "swapped" and result.ok
    assert (folder / "clinic.tar.gz").read_bytes() == b"new model"
    assert (folder / "previous.tar.gz").read_bytes() == b"old model"
    assert (folder / PREVIOUS_METRICS).read_text() == '{"old": true}'
    live_figures = json.loads((folder / LIVE_METRICS).read_text())
    assert live_figures["metrics"]["heldout_accuracy"] == 0.9
    assert rasa.loaded == [(str((folder / "clinic.tar.gz").resolve()), TOKEN)]


def test_rollback_swaps_back_and_a_second_rollback_undoes_it(tmp_path: Path,
                                                             rasa: FakeRasa) -> None:
    folder = models(tmp_path)
    server = Server(rasa.url, TOKEN)
    publish(candidate(tmp_path), Metrics(heldout_accuracy=0.9), folder, server,
            stories=tmp_path / "no-stories")
    ok, message = rollback(folder, server)
    assert ok and "Rolled back" in message and "now uses it" in message
    assert (folder / "clinic.tar.gz").read_bytes() == b"old model"
    assert (folder / "previous.tar.gz").read_bytes() == b"new model"
    assert (folder / LIVE_METRICS).read_text() == '{"old": true}'
    ok, _ = rollback(folder, server)
    assert ok and (folder / "clinic.tar.gz").read_bytes() == b"new model"
    assert len(rasa.loaded) == 3
    assert {path for path, _ in rasa.loaded} == {str((folder / "clinic.tar.gz").resolve())}


def test_rollback_without_an_earlier_model(tmp_path: Path, rasa: FakeRasa) -> None:
    ok, message = rollback(models(tmp_path), Server(rasa.url, TOKEN))
    assert not ok and "no earlier model" in message
    assert rasa.loaded == []


def test_a_server_that_cannot_load_the_model_keeps_the_files_as_they_were(
        tmp_path: Path, rasa: FakeRasa) -> None:
    folder = models(tmp_path)
    rasa.fail_loading = True
    result = publish(candidate(tmp_path), None, folder, Server(rasa.url, TOKEN),
                     stories=tmp_path / "no-stories")
    assert result.status == "failed" and not result.ok
    assert (folder / "clinic.tar.gz").read_bytes() == b"old model"
    assert (folder / LIVE_METRICS).read_text() == '{"old": true}'


def test_wrong_token_is_reported(tmp_path: Path, rasa: FakeRasa) -> None:
    result = swap_into_server(candidate(tmp_path), Server(rasa.url, "wrong"))
    assert result.status == "refused" and "API token" in result.message
    assert rasa.loaded == []


def test_no_running_server_means_the_next_start_uses_it(tmp_path: Path) -> None:
    with FakeRasa() as gone:
        url = gone.url
    folder = models(tmp_path)
    result = publish(candidate(tmp_path), None, folder, Server(url, TOKEN),
                     stories=tmp_path / "no-stories")
    assert result.status == "no-server" and result.ok
    assert "next `make run`" in result.message
    assert (folder / "clinic.tar.gz").read_bytes() == b"new model"


def test_token_from_environment_or_the_launchers_file(tmp_path: Path) -> None:
    token_file = tmp_path / "rasa-api-token"
    assert api_token(Settings.from_env({}), token_file) is None
    token_file.write_text("from-file\n")
    assert api_token(Settings.from_env({}), token_file) == "from-file"
    assert api_token(Settings.from_env({"RASA_API_TOKEN": "from-env"}), token_file) == "from-env"


def test_make_rollback_model_command(tmp_path: Path, rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture) -> None:
    folder = models(tmp_path)
    (folder / "previous.tar.gz").write_bytes(b"older model")
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    assert main(["--rollback", "--models-dir", str(folder), "--rasa-url", rasa.url]) == 0
    assert "Rolled back" in capsys.readouterr().out
    assert (folder / "clinic.tar.gz").read_bytes() == b"older model"
    assert rasa.loaded == [(str((folder / "clinic.tar.gz").resolve()), TOKEN)]
