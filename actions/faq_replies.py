"""What the assistant says for a staff FAQ (pure: FAQs and the parse result in, a reply out).

``faq_reply`` turns the FaqRetriever's decision (``latest_message["faq"]``), or a "Did you
mean" button's ``faq_name`` entity, into one reply:

* ``answer``: the FAQ's answer with ``{clinic_name}`` / ``{clinic_contact}`` filled in and its
  buttons;
* ``choose``: "Did you mean ...?" with one button per FAQ (``/faq{"faq_name": ...}``) and
  "Something else";
* the intent ``faq`` with no decision ("do you have an FAQ?"): the FAQ questions as buttons;
* a name that is not (or no longer) an FAQ: an honest line and the list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from clinic.faq.model import FAQ_INTENT, Faq

FAQ_NAME_ENTITY = "faq_name"
MAX_LISTED = 8
SOMETHING_ELSE = {"title": "Something else", "payload": "/out_of_scope"}
DID_YOU_MEAN = "Did you mean one of these?"
LIST_INTRO = "Here are questions visitors often ask. Tap one, or type your own question."
NO_FAQS = ("I don't have a list of common questions yet. You can ask me about NMT and FMM, "
           "or ask to book a session.")
GONE = "That question is no longer in my list. Here is what I can answer:"


@dataclass(frozen=True)
class FaqReply:
    """One message: text and buttons."""

    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    faq: Optional[str] = None  # the FAQ answered, if one was


def choice_payload(name: str) -> str:
    """The payload of a "Did you mean" button for one FAQ."""
    return f"/{FAQ_INTENT}" + json.dumps({FAQ_NAME_ENTITY: name}, separators=(",", ":"))


def fill(text: str, values: Mapping[str, str]) -> str:
    """Fills ``{clinic_name}`` / ``{clinic_contact}`` (other braces stay as they are)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.strip()


def answer(faq: Faq, values: Mapping[str, str]) -> FaqReply:
    """The FAQ's answer and its buttons."""
    buttons = [{k: fill(v, values) for k, v in b.as_response().items()} for b in faq.buttons]
    return FaqReply(fill(faq.answer, values), buttons, faq.name)


def faq_list(faqs: Sequence[Faq], intro: str = LIST_INTRO) -> FaqReply:
    """The FAQ questions as buttons (the first ``MAX_LISTED``)."""
    if not faqs:
        return FaqReply(NO_FAQS)
    buttons = [{"title": faq.question, "payload": choice_payload(faq.name)}
               for faq in faqs[:MAX_LISTED]]
    return FaqReply(intro, buttons)


def requested_name(latest_message: Mapping[str, Any]) -> Optional[str]:
    """The ``faq_name`` entity of a "Did you mean" button, if the message has one."""
    for entity in latest_message.get("entities") or []:
        if entity.get("entity") == FAQ_NAME_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


def faq_reply(latest_message: Mapping[str, Any], faqs: Sequence[Faq],
              values: Mapping[str, str]) -> FaqReply:
    """The reply for the latest message (see the module docstring)."""
    by_name = {faq.name: faq for faq in faqs}
    name = requested_name(latest_message)
    if name is not None:
        return answer(by_name[name], values) if name in by_name else faq_list(faqs, GONE)
    decision = latest_message.get("faq") or {}
    candidates = [c.get("name") for c in decision.get("candidates") or []]
    known = [c for c in candidates if c in by_name]
    if decision.get("decision") == "answer" and known:
        return answer(by_name[known[0]], values)
    if decision.get("decision") == "choose" and known:
        buttons = [{"title": by_name[n].question, "payload": choice_payload(n)} for n in known]
        return FaqReply(DID_YOU_MEAN, buttons + [dict(SOMETHING_ELSE)])
    return faq_list(faqs)
