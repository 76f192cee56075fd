"""The stack's action server searches the content without loading spaCy (issue 20).

The message's lemmas come in its parse data (clinic/nlu/search_terms_annotator.py), the
content's from ``models/search-terms.json`` (built by make). spaCy's compiled modules
would show in the action server's memory map the moment it loaded spaCy.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict

from clinic.nlp.search_terms import PARSE_KEY
from clinic.nlp.search_terms import spacy_terms
from tests.server.test_booking_conversation import texts

# Unclear to the intent classifier (nlu_fallback): answered by the content search.
UNCLEAR = ["muscle memory pathways compensation", "contract relax hold partner"]


def _action_server_pid(stack: Any) -> int:
    return stack.server_pid("clinic.action_server")


def _latest_message(stack: Any, sender: str) -> Dict[str, Any]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local stack
        return json.loads(response.read().decode("utf-8"))["latest_message"]


def test_unclear_questions_are_searched_with_the_parse_datas_terms(stack: Any) -> None:
    terms_of = spacy_terms()  # what the action server would have computed with spaCy
    for text in UNCLEAR:
        sender = f"search-{uuid.uuid4().hex[:10]}"
        said = stack.rest(sender, text)
        assert texts(said).strip(), f"no reply to {text!r}"
        latest = _latest_message(stack, sender)
        assert latest["intent"]["name"] == "nlu_fallback", "pick another unclear message"
        assert latest[PARSE_KEY] == terms_of(text)
    maps = Path(f"/proc/{_action_server_pid(stack)}/maps").read_text()
    assert "site-packages/spacy/" not in maps, "the action server loaded spaCy"
