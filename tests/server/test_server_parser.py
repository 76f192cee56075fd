"""The FAQ check asks the running server when it has the live model loaded."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from clinic.devstack import MODEL
from staff.faq.predict import model_id_of, prediction_from_parse, server_parser_for


def _archive(path: Path, metadata: object) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps(metadata).encode("utf-8")
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_model_id_is_read_from_the_archive_metadata(tmp_path: Path) -> None:
    assert model_id_of(_archive(tmp_path / "a.tar.gz", {"model_id": "abc123"})) == "abc123"
    assert model_id_of(_archive(tmp_path / "b.tar.gz", ["not", "a", "dict"])) is None
    (tmp_path / "c.tar.gz").write_bytes(b"not a tar file")
    assert model_id_of(tmp_path / "c.tar.gz") is None
    assert model_id_of(tmp_path / "missing.tar.gz") is None


async def test_the_running_server_reads_texts_like_the_model_in_process(stack, agent) -> None:
    parser = server_parser_for(MODEL, stack.rasa_url, stack.api_token)
    assert parser is not None, "the stack serves models/clinic.tar.gz, so it must be used"
    for text in ("what is nmt", "how much does a session cost", "write me a poem"):
        remote = prediction_from_parse(await parser.parse_message(text))
        local = prediction_from_parse(await agent.parse_message(text))
        assert remote.label == local.label
        assert abs(remote.confidence - local.confidence) < 1e-6


def test_another_model_or_a_wrong_token_is_not_asked(stack, tmp_path: Path) -> None:
    other = _archive(tmp_path / "other.tar.gz", {"model_id": "not-the-live-one"})
    assert server_parser_for(other, stack.rasa_url, stack.api_token) is None
    assert server_parser_for(MODEL, stack.rasa_url, "wrong-token") is None


def test_faq_check_asks_the_running_server(stack, monkeypatch) -> None:
    from clinic.faq import check, predict
    from clinic.settings import PROJECT_ROOT

    monkeypatch.setenv("RASA_PORT", stack.rasa_url.rsplit(":", 1)[1])
    monkeypatch.setenv("RASA_API_TOKEN", stack.api_token)
    parser = check.running_server_parser(MODEL)
    assert parser is not None, "make faq-check must use the server that has the model loaded"

    def no_second_load(*args, **kwargs):
        raise AssertionError("the model was loaded although the running server has it")

    monkeypatch.setattr(predict, "load_agent", no_second_load)
    faqs, problems = check.run_checks(PROJECT_ROOT / "faq", MODEL, parser=parser)
    assert faqs and not [p for p in problems if p.is_error]
    monkeypatch.setenv("RASA_PORT", "1")  # nothing listens there: load the model instead
    assert check.running_server_parser(MODEL) is None
    monkeypatch.setenv("RASA_PORT", "not-a-port")
    assert check.running_server_parser(MODEL) is None
