"""The stack's Rasa server runs without TensorFlow and understands exactly as with it.

clinic/no_tensorflow.py keeps TensorFlow out of the Rasa server when config.yml needs none
(issue 20: 426 MB and ~3 s of start-up). The in-process ``agent`` fixture has the real
TensorFlow loaded (pytest imports Rasa as usual), so parsing every held-out message on both
compares the two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from clinic.devstack import post_json
from clinic.no_tensorflow import ENV_KEY
from staff.evaluation_scores import load_heldout, load_spanish_heldout
from staff.short_messages import load_short_messages


def _texts() -> List[str]:
    texts = [q.text for q in load_heldout() + load_spanish_heldout()]
    texts += [m.text for m in load_short_messages()]
    return list(dict.fromkeys(texts))


def _summary(parsed: Dict[str, Any]) -> Dict[str, Any]:
    """What the dialogue and the actions read from a parse, confidences rounded."""
    return {
        "intent": parsed["intent"].get("name"),
        "confidence": round(float(parsed["intent"].get("confidence") or 0.0), 6),
        "ranking": [r.get("name") for r in parsed.get("intent_ranking") or []][:5],
        "entities": sorted((e["entity"], str(e["value"])) for e in parsed.get("entities") or []),
        "language": (parsed.get("language") or {}).get("code"),
        "faq": parsed.get("faq"),
        "search_terms": parsed.get("search_terms"),
    }


def test_the_rasa_server_has_no_tensorflow_loaded(stack: Any) -> None:
    pid = stack.server_pid("clinic.rasa_main")
    maps = Path(f"/proc/{pid}/maps").read_text()
    assert "libtensorflow" not in maps and "site-packages/tensorflow/" not in maps
    assert "TensorFlow not loaded" in stack.log_text()
    assert f"{ENV_KEY}=always" in stack.log_text()


async def test_every_held_out_message_parses_as_with_tensorflow(stack: Any, agent: Any) -> None:
    texts = _texts()
    assert len(texts) > 700
    url = f"{stack.rasa_url}/model/parse?token={stack.api_token}"
    differences = []
    for text in texts:
        without = _summary(post_json(url, {"text": text}))
        with_tf = _summary(await agent.parse_message(text))
        if without != with_tf:
            differences.append((text, without, with_tf))
    assert differences == []
