"""What the assistant says for a staff FAQ (pure: FAQs and the parse result in, a reply out).

``faq_reply`` turns the FaqRetriever's decision (``latest_message["faq"]``), or a "Did you
mean" button's ``faq_name`` entity, into one reply:

* ``answer``: the FAQ's answer with ``{clinic_name}`` / ``{clinic_contact}`` filled in and its
  buttons;
* ``choose``: "Did you mean ...?" with one button per FAQ (``/faq{"faq_name": ...}``) and
  "Something else";
* the intent ``faq`` with no decision ("do you have an FAQ?"): the FAQ questions as buttons;
* a name that is not (or no longer) an FAQ: an honest line and the list.

In a Spanish conversation (``spanish``: the Spanish texts and fill-ins, from
clinic/language/messages.yml, key ``faq``) an FAQ with ``answer_es`` answers in Spanish; one
without it gives the English answer (``FaqReply.language`` "en": the action puts the
one-line Spanish note before it). "Did you mean" and the list are said in Spanish, their
buttons titled with ``question_es`` where the FAQ has one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from clinic.faq.model import FAQ_INTENT, SPANISH, Faq

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
    language: str = "en"  # the language ``text`` is in


@dataclass(frozen=True)
class FaqTexts:
    """What the FAQ replies say around the FAQs themselves, in one language."""

    language: str
    did_you_mean: str
    something_else: str
    list_intro: str
    no_faqs: str
    gone: str


ENGLISH = FaqTexts("en", DID_YOU_MEAN, SOMETHING_ELSE["title"], LIST_INTRO, NO_FAQS, GONE)


@dataclass(frozen=True)
class Spanish:
    """A Spanish conversation: the Spanish texts and the fill-ins for Spanish answers."""

    texts: FaqTexts
    values: Mapping[str, str]


FAQ_MESSAGES_KEY = "faq"  # the key of the Spanish FAQ texts in clinic/language/messages.yml
_TEXT_KEYS = ("did_you_mean", "something_else", "list_intro", "no_faqs", "gone")


def spanish_contact(messages: Mapping[str, str], phone: Optional[str], email: Optional[str],
                    address: Optional[str]) -> str:
    """``ClinicConfig.contact_sentence`` in Spanish, from the clinic's public details."""
    ways = []
    if phone:
        ways.append(messages["contact_call"].format(phone=phone))
    if email:
        ways.append(messages["contact_email"].format(email=email))
    if ways:
        sentence = messages["contact_sentence"].format(ways=messages["contact_or"].join(ways))
    else:
        sentence = messages["contact_missing"]
    if address:
        sentence += messages["contact_address"].format(address=address)
    return sentence


def spanish(messages: Mapping[str, str], clinic_name: Optional[str], phone: Optional[str],
            email: Optional[str], address: Optional[str]) -> Spanish:
    """The ``Spanish`` of a conversation from messages.yml's ``faq`` texts and the clinic's
    public details (``None`` while clinic.yml still has a placeholder)."""
    missing = [key for key in (*_TEXT_KEYS, "clinic_name", "contact_call", "contact_email",
                               "contact_or", "contact_sentence", "contact_missing",
                               "contact_address")
               if not isinstance(messages.get(key), str)]
    if missing:
        raise KeyError(f"clinic/language/messages.yml: '{FAQ_MESSAGES_KEY}' needs "
                       + ", ".join(missing))
    texts = FaqTexts(SPANISH, *(" ".join(messages[key].split()) for key in _TEXT_KEYS))
    values = {"clinic_name": clinic_name or messages["clinic_name"],
              "clinic_contact": spanish_contact(messages, phone, email, address)}
    return Spanish(texts, values)


def choice_payload(name: str) -> str:
    """The payload of a "Did you mean" button for one FAQ."""
    return f"/{FAQ_INTENT}" + json.dumps({FAQ_NAME_ENTITY: name}, separators=(",", ":"))


def fill(text: str, values: Mapping[str, str]) -> str:
    """Fills ``{clinic_name}`` / ``{clinic_contact}`` (other braces stay as they are)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.strip()


def answer(faq: Faq, values: Mapping[str, str], spanish: Optional[Spanish] = None
           ) -> FaqReply:
    """The FAQ's answer and its buttons: in Spanish when the conversation is (``spanish``)
    and the FAQ has a Spanish answer, else in English."""
    text, language = faq.answer_in(SPANISH if spanish else None)
    if language == SPANISH and spanish is not None:
        values = spanish.values
    buttons = [{k: fill(v, values) for k, v in b.as_response().items()} for b in faq.buttons]
    return FaqReply(fill(text, values), buttons, faq.name, language or "en")


def _said(text: str, buttons: List[Dict[str, str]], texts: FaqTexts) -> FaqReply:
    return FaqReply(text, buttons, None, texts.language)


def faq_list(faqs: Sequence[Faq], intro: Optional[str] = None, texts: FaqTexts = ENGLISH
             ) -> FaqReply:
    """The FAQ questions as buttons (the first ``MAX_LISTED``), in ``texts``' language."""
    if not faqs:
        return _said(texts.no_faqs, [], texts)
    buttons = [{"title": faq.question_in(texts.language), "payload": choice_payload(faq.name)}
               for faq in faqs[:MAX_LISTED]]
    return _said(intro if intro is not None else texts.list_intro, buttons, texts)


def requested_name(latest_message: Mapping[str, Any]) -> Optional[str]:
    """The ``faq_name`` entity of a "Did you mean" button, if the message has one."""
    for entity in latest_message.get("entities") or []:
        if entity.get("entity") == FAQ_NAME_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


def faq_reply(latest_message: Mapping[str, Any], faqs: Sequence[Faq],
              values: Mapping[str, str], spanish: Optional[Spanish] = None) -> FaqReply:
    """The reply for the latest message (see the module docstring); ``spanish`` when the
    conversation is in Spanish."""
    texts = spanish.texts if spanish is not None else ENGLISH
    by_name = {faq.name: faq for faq in faqs}
    name = requested_name(latest_message)
    if name is not None:
        if name in by_name:
            return answer(by_name[name], values, spanish)
        return faq_list(faqs, texts.gone, texts)
    decision = latest_message.get("faq") or {}
    candidates = [c.get("name") for c in decision.get("candidates") or []]
    known = [c for c in candidates if c in by_name]
    if decision.get("decision") == "answer" and known:
        return answer(by_name[known[0]], values, spanish)
    if decision.get("decision") == "choose" and known:
        buttons = [{"title": by_name[n].question_in(texts.language),
                    "payload": choice_payload(n)} for n in known]
        something_else = {**SOMETHING_ELSE, "title": texts.something_else}
        return _said(texts.did_you_mean, buttons + [something_else], texts)
    return faq_list(faqs, texts=texts)
