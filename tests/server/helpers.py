"""Helpers for tests against the running stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import yaml

ROOT = Path(__file__).resolve().parents[2]


def domain_response(name: str, **slots: str) -> Dict[str, Any]:
    """The first variant of response ``name`` from domain/*.yml, with slots filled in."""
    for path in sorted((ROOT / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        variants = (data.get("responses") or {}).get(name)
        if variants:
            first = dict(variants[0])
            text = first.get("text", "")
            for key, value in slots.items():
                text = text.replace("{" + key + "}", value)
            first["text"] = text
            return first
    raise KeyError(name)


def response_texts(name: str) -> set:
    """Every variant text of response ``name``."""
    for path in sorted((ROOT / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        variants = (data.get("responses") or {}).get(name)
        if variants:
            return {v.get("text", "") for v in variants}
    raise KeyError(name)
