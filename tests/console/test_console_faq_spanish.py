"""The FAQ pages with Spanish over HTTP against a running console (faq/ seeded as version 1,
three of its FAQs with Spanish): the list's "Spanish: yes / missing", the form's Spanish
fields (saved, checked beside the field, kept on a stale save, refused without the CSRF
token), "Try it" in Spanish and a publish that carries the Spanish into the store."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from typing import Dict, List

from tests.console.conftest import ADMIN, Running

WAYS = ["do you have towels", "are towels provided", "should I bring a towel",
        "do I need my own towel", "will there be a towel for me"]
WAYS_ES = ["tienen toallas", "me dan una toalla", "tengo que llevar toalla",
           "necesito mi propia toalla", "habrá una toalla para mí"]
ANSWER = "Our front desk can tell you about towels. {clinic_contact}"
ANSWER_ES = "Nuestra recepción le puede decir lo de las toallas. {clinic_contact}"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _form(question: str = "Do you provide towels?", ways: List[str] = WAYS,
          answer: str = ANSWER, question_es: str = "", ways_es: List[str] = (),
          answer_es: str = "") -> Dict[str, str]:
    return {"question": question, "ways": "\n".join(ways), "answer": answer,
            "question_es": question_es, "ways_es": "\n".join(ways_es), "answer_es": answer_es,
            "has_spanish_fields": "1"}


def _revision(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found, page[:2000]
    return found.group(1)


def _field(page: str, field_id: str) -> str:
    """The HTML of the form field ``field_id`` up to the end of its ``div``."""
    return html.unescape(page.split(f'id="{field_id}"')[1].split("</div>")[0])


def _spanish_of(page: str) -> Dict[str, str]:
    """Question -> its "Spanish: ..." label in the FAQ list."""
    found = {}
    for item in re.findall(r"<li>(.*?)</li>", page, re.S):
        question = re.search(r'<a href="/faqs/[^"]+">([^<]*)</a>', item)
        status = re.search(r'data-spanish="([^"]+)">([^<]*)</span>', item)
        if question and status:
            found[html.unescape(question.group(1))] = html.unescape(status.group(2))
    return found


def test_the_list_shows_which_faqs_have_spanish(console: Running) -> None:
    page = console.signed_in().get("/faqs").text
    spanish = _spanish_of(page)
    assert spanish["What should I wear to my appointment?"] == "Spanish: yes"
    assert spanish["How long is a session?"] == "Spanish: yes"
    assert spanish["How much does a session cost?"] == "Spanish: yes"
    assert spanish["Do you offer gift cards?"] == "Spanish: missing"
    assert spanish["Do you accept health insurance?"] == "Spanish: missing"
    assert "Spanish: 3 of 6 FAQ(s) have a Spanish answer" in _text(page)
    # search finds an FAQ by a Spanish way of asking
    found = console.signed_in().get("/faqs?q=desvestirme").text
    assert '<a href="/faqs/what_to_wear">' in found and '<a href="/faqs/prices">' not in found


def test_the_form_shows_an_faqs_spanish(console: Running) -> None:
    page = console.signed_in().get("/faqs/what_to_wear").text
    assert 'value="¿Qué ropa debo llevar a mi cita?"' in _field(page, "question_es")
    assert "tengo que llevar ropa especial" in _field(page, "ways_es")
    assert "Nuestra recepción le puede decir qué ropa llevar" in _field(page, "answer_es")
    empty = console.signed_in().get("/faqs/new").text
    assert 'name="question_es" value=""' in empty and 'name="answer_es"' in empty


def test_spanish_fields_are_saved_checked_and_kept(console: Running) -> None:
    ana, bob = console.signed_in(), console.signed_in(ADMIN[0])
    # new FAQ with two Spanish wordings and no Spanish answer: saved, checks beside fields
    created = ana.post("/faqs/new", _form(question_es="¿Tienen toallas?",
                                          ways_es=WAYS_ES[:2]), page="/faqs/new")
    assert created.status == 302
    location = created.header("location")
    assert location.startswith("/faqs/do_you_provide_towels")
    page = ana.get(location.split("?")[0]).text
    assert "Problem: only 2 different Spanish way(s) of asking" in _field(page, "ways_es")
    assert 'aria-invalid="true"' in page.split('id="ways_es"')[1][:200]
    assert "needs Spanish answer" in _field(page, "answer_es")
    assert "tienen toallas" in _field(page, "ways_es")  # what was typed is kept
    listed = _spanish_of(ana.get("/faqs").text)
    assert listed["Do you provide towels?"] == "Spanish: missing (needs Spanish answer)"
    # a bad fill-in in the Spanish answer: kept, and the problem shown beside it
    opened = ana.get("/faqs/do_you_provide_towels").text
    saved = ana.request("POST", "/faqs/do_you_provide_towels", form={
        "csrf": ana.get("/faqs").csrf(), "revision": _revision(opened),
        **_form(question_es="¿Tienen toallas?", ways_es=WAYS_ES,
                answer_es="Pregunte en {clinic_phone}.")})
    assert saved.status == 302
    page = ana.get("/faqs/do_you_provide_towels").text
    assert "'{clinic_phone}' in the Spanish answer is not something" in _field(page, "answer_es")
    assert "Pregunte en {clinic_phone}." in _field(page, "answer_es")
    assert "Problem" not in _field(page, "ways_es")
    # without the CSRF token nothing is saved
    opened = ana.get("/faqs/do_you_provide_towels").text
    forged = ana.request("POST", "/faqs/do_you_provide_towels", form={
        "csrf": "forged", "revision": _revision(opened),
        **_form(question_es="¿Tienen toallas?", ways_es=WAYS_ES, answer_es=ANSWER_ES)})
    assert forged.status == 403
    assert "{clinic_phone}" in ana.get("/faqs/do_you_provide_towels").text
    # two staff open it; ana saves the Spanish answer, bob's stale save is refused with his
    # Spanish kept in the form and ana's shown under it
    by_ana = ana.get("/faqs/do_you_provide_towels").text
    by_bob = bob.get("/faqs/do_you_provide_towels").text
    assert ana.request("POST", "/faqs/do_you_provide_towels", form={
        "csrf": ana.get("/faqs").csrf(), "revision": _revision(by_ana),
        **_form(question_es="¿Tienen toallas?", ways_es=WAYS_ES,
                answer_es=ANSWER_ES)}).status == 302
    stale = bob.request("POST", "/faqs/do_you_provide_towels", form={
        "csrf": bob.get("/faqs").csrf(), "revision": _revision(by_bob),
        **_form(question_es="¿Hay toallas?", ways_es=WAYS_ES, answer_es="Sí, de bob.")})
    assert stale.status == 409
    assert "Sí, de bob." in _field(stale.text, "answer_es")
    assert 'value="¿Hay toallas?"' in _field(stale.text, "question_es")
    theirs = stale.text.split('id="conflict"')[1].split("</dl>")[0]
    assert "Nuestra recepción le puede decir lo de las toallas." in html.unescape(theirs)
    after = ana.get("/faqs/do_you_provide_towels").text
    assert "Sí, de bob." not in after and "lo de las toallas" in _field(after, "answer_es")
    assert _spanish_of(ana.get("/faqs").text)["Do you provide towels?"] == "Spanish: yes"
    log = _text(bob.get("/audit").text)
    assert "changed Spanish answer of 'Do you provide towels?'" in log
    # published: the store's new version carries the Spanish; FAQs without it have none
    published = ana.post("/publish", {})
    assert published.status == 200, _text(published.text)
    assert "Published FAQ version 2 by ana" in _text(published.text)
    path = console.env["DATABASE_URL"].replace("sqlite:///", "")
    with sqlite3.connect(path) as connection:
        content = connection.execute(
            "select content from faq_versions where version = 2").fetchone()[0]
    stored = {record["name"]: record for record in json.loads(content)}
    assert stored["do_you_provide_towels"]["question_es"] == "¿Tienen toallas?"
    assert stored["do_you_provide_towels"]["asked_as_es"] == WAYS_ES
    assert stored["do_you_provide_towels"]["answer_es"] == ANSWER_ES
    assert stored["what_to_wear"]["answer_es"].startswith("Nuestra recepción")
    assert "answer_es" not in stored["gift_cards"]


def test_try_it_shows_the_spanish_answer(console: Running) -> None:
    tried = _text(console.signed_in().post(
        "/try", {"message": "que ropa me pongo para el masaje"}).text)
    assert "the FAQ “What should I wear to my appointment?” would answer" in tried
    assert "In a Spanish conversation: Nuestra recepción le puede decir qué ropa" in tried




def test_a_form_without_the_spanish_fields_keeps_them(console: Running) -> None:
    """A page opened before the Spanish fields existed (its form has none of them) saves
    the English without wiping the Spanish; the current form clears a field left empty."""
    ana = console.signed_in()
    opened = ana.get("/faqs/session_length").text
    english = {"question": "How long is a session?",
               "ways": _field(opened, "ways").split(">", 1)[1].split("</textarea>")[0],
               "answer": "Our front desk can tell you how long sessions are. {clinic_contact}"}
    saved = ana.request("POST", "/faqs/session_length", form={
        "csrf": ana.get("/faqs").csrf(), "revision": _revision(opened), **english})
    assert saved.status == 302
    page = ana.get("/faqs/session_length").text
    assert "Our front desk can tell you how long sessions are." in _field(page, "answer")
    assert "Nuestra recepción le puede decir cuánto duran" in _field(page, "answer_es")
    assert "cuanto dura una sesion de nmt" in _field(page, "ways_es")
    cleared = ana.request("POST", "/faqs/session_length", form={
        "csrf": ana.get("/faqs").csrf(), "revision": _revision(page), **english,
        "has_spanish_fields": "1"})
    assert cleared.status == 302
    page = ana.get("/faqs/session_length").text
    assert "Nuestra recepción" not in _field(page, "answer_es")
    assert _spanish_of(ana.get("/faqs").text)["How long is a session?"] == "Spanish: missing"
