"""clinic.yml: placeholders are never shown as facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.config import ClinicConfigError, is_placeholder, load_clinic_config
from clinic.settings import PROJECT_ROOT


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "clinic.yml"
    path.write_text(body)
    return path


def test_shipped_config_parses_and_hides_placeholders() -> None:
    config = load_clinic_config(PROJECT_ROOT / "clinic.yml")
    assert config.get("clinic", "city") == "Los Angeles"
    for key in ("name", "address", "phone", "email"):
        value = config.get("clinic", key)
        if is_placeholder(value):
            assert config.public("clinic", key) is None
    assert "PLACEHOLDER" not in config.contact_sentence()
    assert "PLACEHOLDER" not in config.clinic_name


def test_filled_in_values_are_used(tmp_path: Path) -> None:
    config = load_clinic_config(_write(tmp_path, """
clinic: {name: Test Studio, city: Los Angeles, address: 1 Main St, phone: "(310) 555-0100",
         email: hi@test.example, article_url: "https://test.example/a"}
"""))
    assert config.clinic_name == "Test Studio"
    assert "(310) 555-0100" in config.contact_sentence()
    assert "1 Main St" in config.contact_sentence()
    assert config.article_url == "https://test.example/a"


@pytest.mark.parametrize(
    "body, message",
    [
        ("clinic: [1, 2", "not valid YAML"),
        ("other: {}", "expected a 'clinic:' section"),
        ("clinic: {name: x, city: y, address: z, phone: p}", "'clinic.email' is missing"),
        ("clinic: {name: x, city: y, address: z, phone: p, email: e, article_url: 'http://x'}",
         "must start with https://"),
    ],
)
def test_mistakes_name_the_file_and_problem(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ClinicConfigError, match=message) as info:
        load_clinic_config(_write(tmp_path, body))
    assert "clinic.yml" in str(info.value)
