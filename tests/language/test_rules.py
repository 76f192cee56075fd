"""The conversation's language rules (clinic/language/rules.py), as pure functions."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from clinic.language.detect import NO_LANGUAGE, Detection
from clinic.language.rules import Decision, History, decide, history

BOTH = ("en", "es")


def det(code: Optional[str], *, confident: bool = True, clear: bool = True,
        unsure: bool = False, words: int = 4) -> Detection:
    return Detection(code, 0.99 if confident else 0.6, confident, clear, unsure, words,
                     "model")


SPANISH_SENTENCE = det("es")
SPANISH_SHORT = det("es", clear=False, words=1)  # "hola", "gracias"
ENGLISH_SENTENCE = det("en")
ENGLISH_SHORT = det("en", clear=False, words=1)
MIXED = det("es", confident=False, clear=False, unsure=True, words=3)
SETTLED = History(typed=2, settled=True)


def test_a_clear_message_sets_and_switches() -> None:
    assert decide(None, SPANISH_SENTENCE, offered=BOTH) == Decision("es")
    assert decide("en", SPANISH_SENTENCE, offered=BOTH, past=SETTLED) == Decision("es")
    assert decide("es", ENGLISH_SENTENCE, offered=BOTH, past=SETTLED) == Decision("en")


def test_ok_nmt_and_payloads_never_switch() -> None:
    payload = Detection(None, 0.0, False, False, False, 0, "payload")
    for detection in (NO_LANGUAGE, payload):
        assert decide("es", detection, offered=BOTH, past=SETTLED) == Decision("es")
        assert decide("en", detection, offered=BOTH, past=SETTLED) == Decision("en")


def test_a_short_message_sets_the_language_only_until_the_visitor_has_shown_one() -> None:
    assert decide(None, SPANISH_SHORT, offered=BOTH) == Decision("es")
    # the widget's English page set "en"; the visitor's first word is "hola"
    assert decide("en", SPANISH_SHORT, offered=BOTH, past=History(typed=0)) == Decision("es")
    # an English conversation under way: "gracias" does not switch it
    assert decide("en", SPANISH_SHORT, offered=BOTH, past=SETTLED) == Decision("en")
    assert decide("es", ENGLISH_SHORT, offered=BOTH, past=SETTLED) == Decision("es")


def test_an_explicit_choice_wins_and_is_kept_against_short_messages() -> None:
    assert decide("en", NO_LANGUAGE, offered=BOTH, chosen="es") == Decision("es")
    assert decide("es", ENGLISH_SENTENCE, offered=BOTH, chosen="es") == Decision("es")
    chose = History(typed=0, settled=True)
    assert decide("es", ENGLISH_SHORT, offered=BOTH, past=chose) == Decision("es")


def test_the_page_language_is_only_a_start() -> None:
    assert decide(None, NO_LANGUAGE, offered=BOTH, hint="es") == Decision("es")
    assert decide("en", NO_LANGUAGE, offered=BOTH, hint="es") == Decision("en")
    assert decide(None, NO_LANGUAGE, offered=BOTH, hint="fr") == Decision(None)


def test_unsure_first_typed_message_asks_once() -> None:
    assert decide(None, MIXED, offered=BOTH) == Decision(None, ask=True)
    assert decide(None, MIXED, offered=BOTH, past=History(typed=1)) == Decision(None)
    assert decide(None, MIXED, offered=BOTH, intent="emergency") == Decision(None)
    assert decide(None, MIXED, offered=BOTH, hint="en") == Decision("en")
    assert decide(None, NO_LANGUAGE, offered=BOTH) == Decision(None)  # "ok": no question


def test_english_only_clinic_never_sets_switches_or_asks() -> None:
    for detection in (SPANISH_SENTENCE, SPANISH_SHORT, MIXED):
        assert decide(None, detection, offered=("en",), chosen="es", hint="es") == Decision(None)
    assert decide("es", SPANISH_SENTENCE, offered=("en",)) == Decision(None)


def _user(text: str, intent: str = "x", language: Optional[Dict[str, Any]] = None) -> Dict:
    parse: Dict[str, Any] = {"intent": {"name": intent}}
    if language is not None:
        parse["language"] = language
    return {"event": "user", "text": text, "parse_data": parse}


def test_history_reads_earlier_messages_only() -> None:
    confident = SPANISH_SENTENCE.as_parse_data()
    events: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_session_start"},
        _user("/what_can_you_do", "what_can_you_do"),
        _user("ok", "affirm", NO_LANGUAGE.as_parse_data()),
        _user("quiero una cita", "request_booking", confident),  # the latest: left out
    ]
    assert history(events) == History(typed=1, settled=False)
    events.append(_user("next", "x"))
    assert history(events) == History(typed=2, settled=True)
    events.append({"event": "restart"})
    events.append(_user("hello", "greet"))
    assert history(events) == History(typed=0, settled=False)
    chose = [_user('/choose_language{"language":"es"}', "choose_language"), _user("x")]
    assert history(chose) == History(typed=0, settled=True)
