"""FAQs in Spanish (issue 21 part 4): the optional ``question_es`` / ``asked_as_es`` /
``answer_es`` through the model and the store (older versions without them keep loading),
the files and their checks, the index (Spanish wordings beside the English ones, with
``spanish_threshold``), the gate, ``make faq-check``'s list, the export round trip and the
console's form helpers. Hand-made vectors (``tests.unit.faq_vectors``) unless a test says
it uses the real encoder."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import sqlalchemy as sa

from clinic.faq.model import Faq, Phrasing, faq_from_record, faq_to_record
from clinic.faq.retrieval import (
    DIMENSION,
    FaqIndex,
    RetrievalSettings,
    decide,
    faq_texts,
    faq_wordings,
    spanish_texts,
)
from clinic.faq.store import FaqStore, content_hash, versions_table
from clinic.settings import PROJECT_ROOT
from staff.console.forms import (
    faq_from_form,
    field_of,
    matches_search,
    messages_by_field,
    problem_text,
    spanish_status,
    with_form_lines,
    with_wording,
)
from staff.faq.check import ProjectData, spanish_summary, static_problems
from staff.faq.gate import duplicate_answers, run_gate
from staff.faq.load import load_faq_folder, load_faq_text
from staff.faq.publish import EXIT_OK, Publisher, describe_changes, write_faq_file
from staff.faq.text import Problem
from tests.unit.faq_vectors import SETTINGS, make_faq, vec

NO_OTHERS = np.zeros((0, DIMENSION), dtype=np.float32)

WEAR = """\
question: What should I wear?
asked_as:
  - what should I wear
  - what do I wear to a massage
  - do I need special clothes
  - do I have to undress
  - can i stay fully clothed
answer: >
  Our front desk can tell you what to wear. {clinic_contact}
question_es: ¿Qué ropa debo llevar?
asked_as_es:
  - qué ropa me pongo
  - que debo ponerme para la cita
  - tengo que llevar ropa especial
  - tengo que desvestirme
  - puedo quedarme vestido
answer_es: >
  Nuestra recepción le puede decir qué ropa llevar. {clinic_contact}
"""

GIFTS = """\
question: Do you offer gift cards?
asked_as:
  - do you sell gift cards
  - can I buy a gift certificate
  - do you have gift vouchers
  - can I purchase a gift card for a friend
  - are gift cards available
answer: Our front desk can tell you about gift cards.
"""

PROJECT = ProjectData(
    examples={"hola": ("greet", PROJECT_ROOT / "data" / "nlu" / "core.yml")},
    heldout={"cuanto cuesta": PROJECT_ROOT / "tests" / "heldout" / "questions.yml"},
    intents={"greet", "request_booking"},
)


def spanish_faq(name: str = "wear", answer_es: str = "Nuestra recepción se lo dice.",
                wordings_es: tuple = ("uno", "dos", "tres", "cuatro", "cinco"),
                question_es: str = "¿Qué ropa?") -> Faq:
    faq = make_faq(name, "What should I wear?", ["w1", "w2", "w3", "w4", "w5"],
                   "Our front desk can tell you.")
    return dataclasses.replace(
        faq, question_es=question_es, answer_es=answer_es,
        asked_as_es=tuple(Phrasing(text, 20 + i) for i, text in enumerate(wordings_es)))


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_in(folder: Path, project: ProjectData = PROJECT) -> List[Problem]:
    faqs, problems = load_faq_folder(folder)
    return problems + static_problems(faqs, folder, project)


def errors(problems: List[Problem]) -> List[str]:
    return [p.render(PROJECT_ROOT) for p in problems if p.is_error]


def notes(problems: List[Problem]) -> List[str]:
    return [p.render(PROJECT_ROOT) for p in problems if not p.is_error]


# --------------------------------------------------------------------------- the model


def test_a_record_without_spanish_is_the_record_of_before() -> None:
    """An FAQ without Spanish is stored exactly as before the Spanish fields existed, so its
    content hash (the files-vs-store comparison) does not change."""
    old = {"name": "gifts", "question": "Gift cards?", "asked_as": ["a", "b"],
           "answer": "Ask us.", "buttons": [{"title": "Book", "payload": "/request_booking"}]}
    faq = faq_from_record(old)
    assert faq.question_es == "" and faq.asked_as_es == () and faq.answer_es == ""
    assert faq_to_record(faq) == old
    before = hashlib.sha256(json.dumps([old], sort_keys=True).encode("utf-8")).hexdigest()
    assert content_hash([faq]) == before


def test_a_record_with_spanish_round_trips() -> None:
    faq = spanish_faq()
    record = faq_to_record(faq)
    assert record["question_es"] == "¿Qué ropa?"
    assert record["asked_as_es"] == ["uno", "dos", "tres", "cuatro", "cinco"]
    assert record["answer_es"] == "Nuestra recepción se lo dice."
    again = faq_from_record(json.loads(json.dumps(record)))
    assert faq_to_record(again) == record
    assert content_hash([again]) == content_hash([faq])


def test_answer_and_question_in_a_language() -> None:
    faq = spanish_faq()
    assert faq.answer_in("es") == ("Nuestra recepción se lo dice.", "es")
    assert faq.answer_in("en") == ("Our front desk can tell you.", "en")
    assert faq.answer_in(None) == ("Our front desk can tell you.", "en")
    assert faq.question_in("es") == "¿Qué ropa?" and faq.question_in(None) == faq.question
    english_only = spanish_faq(answer_es="", question_es="")
    assert english_only.answer_in("es") == ("Our front desk can tell you.", "en")
    assert english_only.question_in("es") == "What should I wear?"
    assert spanish_faq().has_spanish_answer and not spanish_faq().needs_spanish_answer
    assert english_only.needs_spanish_answer  # Spanish wordings, no Spanish answer
    assert not make_faq("x", "X?", ["a"]).needs_spanish_answer


def test_older_store_versions_keep_loading(tmp_path: Path) -> None:
    """A version written before the Spanish fields (its JSON has none) loads, next to a
    newer one that has them."""
    store = FaqStore(f"sqlite:///{tmp_path}/x.db")
    store.ensure_schema()
    old_records = [{"name": "gifts", "question": "Gift cards?", "asked_as": ["a", "b"],
                    "answer": "Ask us."}]
    with store.engine.begin() as connection:  # as an older release wrote it
        connection.execute(versions_table.insert().values(
            version=1, author="old", created_at=1.0, changes='["seed"]',
            content=json.dumps(old_records), content_hash="x"))
        connection.execute(sa.text("UPDATE faq_head SET live_version = 1, next_version = 2"))
    old = store.get(1)
    assert [faq.name for faq in old.faqs] == ["gifts"]
    assert old.faqs[0].answer_es == "" and not old.faqs[0].has_spanish_answer
    info = store.publish([spanish_faq("gifts")], "ana", ["Spanish added"], base=1)
    new = store.get(info.version)
    assert new.faqs[0].answer_es == "Nuestra recepción se lo dice."
    assert [p.text for p in new.faqs[0].asked_as_es][:2] == ["uno", "dos"]
    store.close()


# --------------------------------------------------------------------------- the files


def test_the_spanish_fields_are_read_with_their_lines(tmp_path: Path) -> None:
    faq, problems = load_faq_text(tmp_path / "what_to_wear.yml", WEAR)
    assert problems == [] and faq is not None
    assert faq.question_es == "¿Qué ropa debo llevar?"
    assert [p.text for p in faq.asked_as_es][0] == "qué ropa me pongo"
    assert faq.asked_as_es[0].line == 12
    assert faq.answer_es.startswith("Nuestra recepción")
    assert faq.line("answer_es") == 17


def test_a_misnamed_spanish_field_gets_a_suggestion(tmp_path: Path) -> None:
    text = WEAR.replace("answer_es:", "respuesta:")
    _, problems = load_faq_text(tmp_path / "what_to_wear.yml", text)
    assert any("'respuesta' is not a field" in p.message and "'answer_es'" in p.message
               for p in problems)


def test_spanish_wordings_must_be_a_list_without_empty_lines(tmp_path: Path) -> None:
    text = WEAR.replace("  - tengo que desvestirme\n", "  -\n")
    _, problems = load_faq_text(tmp_path / "what_to_wear.yml", text)
    assert [p.message for p in problems] == [
        "this line of 'asked_as_es' is empty: remove it or write a question after the '- '."]
    text = WEAR.split("asked_as_es:")[0] + "asked_as_es: qué ropa\nanswer_es: Sí.\n"
    _, problems = load_faq_text(tmp_path / "what_to_wear.yml", text)
    assert any("'asked_as_es' should be a list" in p.message for p in problems)


# --------------------------------------------------------------------------- the checks


def test_good_spanish_passes(tmp_path: Path) -> None:
    write(tmp_path, "what_to_wear.yml", WEAR)
    write(tmp_path, "gift_cards.yml", GIFTS)
    assert errors(problems_in(tmp_path)) == [] and notes(problems_in(tmp_path)) == []


def test_a_spanish_answer_without_spanish_wordings_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "what_to_wear.yml", WEAR.split("question_es:")[0]
          + "answer_es: Nuestra recepción se lo dice. {clinic_name}\n")
    assert problems_in(tmp_path) == []


def test_spanish_wordings_without_a_spanish_answer_need_one(tmp_path: Path) -> None:
    write(tmp_path, "what_to_wear.yml", WEAR.split("answer_es:")[0])
    found = problems_in(tmp_path)
    assert errors(found) == []
    (note,) = notes(found)
    assert "needs Spanish answer" in note and "'answer_es'" in note


def test_spanish_is_checked_like_english(tmp_path: Path) -> None:
    text = (WEAR.split("asked_as_es:")[0]
            + "asked_as_es:\n  - qué ropa me pongo\n  - ¿¿??\n  - \"[ropa] cómoda\"\n"
            + "answer_es: >\n  Llame a {clinic_phone}. " + "x" * 2000 + "\n")
    write(tmp_path, "what_to_wear.yml", text)
    found = "\n".join(errors(problems_in(tmp_path)))
    assert "only 2 different Spanish way(s) of asking under 'asked_as_es'" in found
    assert "'¿¿??' has no words" in found
    assert "'[ropa] cómoda': please leave out square [ ] and curly { } brackets" in found
    assert "the Spanish answer is 20" in found and "the most is 2000" in found
    assert "'{clinic_phone}' in the Spanish answer is not something" in found


def test_a_long_spanish_answer_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, "what_to_wear.yml", WEAR.split("answer_es:")[0]
          + "answer_es: " + "palabra " * 100 + "\n")
    assert errors(problems_in(tmp_path)) == []
    assert any("the Spanish answer is long" in n for n in notes(problems_in(tmp_path)))


def test_spanish_wordings_count_as_duplicates_and_project_examples(tmp_path: Path) -> None:
    write(tmp_path, "what_to_wear.yml", WEAR.replace(
        "  - puedo quedarme vestido\n",
        "  - Hola!\n  - cuánto cuesta\n  - QUE ROPA me pongo\n  - do i need special clothes?\n"))
    write(tmp_path, "gift_cards.yml", GIFTS.replace("  - are gift cards available\n",
                                                    "  - are gift cards available\n"
                                                    "  - tengo que desvestirme?\n"))
    found = "\n".join(errors(problems_in(tmp_path)))
    assert "'Hola!' already teaches the assistant the topic 'greet'" in found
    assert "'cuánto cuesta' is one of the assistant's test questions" in found  # no accents
    assert "'QUE ROPA me pongo' is listed twice (also on line 12)" in found
    assert "'tengo que desvestirme' is also a way of asking 'Do you offer gift cards?'" in found
    # a Spanish wording that is also one of the FAQ's English ones
    assert "'do i need special clothes?' is listed twice" in found


def test_two_faqs_with_one_spanish_question(tmp_path: Path) -> None:
    write(tmp_path, "what_to_wear.yml", WEAR)
    write(tmp_path, "gift_cards.yml", GIFTS + "question_es: ¿Qué ropa debo llevar?\n")
    found = "\n".join(errors(problems_in(tmp_path)))
    assert "the Spanish question '¿Qué ropa debo llevar?' is also the Spanish question" in found


def test_spanish_summary_lists_what_lacks_spanish(tmp_path: Path) -> None:
    write(tmp_path, "what_to_wear.yml", WEAR)
    write(tmp_path, "gift_cards.yml", GIFTS)
    write(tmp_path, "parking.yml", GIFTS.replace("gift card", "parking spot")
          .replace("Gift", "Parking").replace("gift", "parking")
          + "asked_as_es:\n" + "".join(f"  - estacionamiento {i}\n" for i in range(5)))
    faqs, _ = load_faq_folder(tmp_path)
    assert spanish_summary(faqs) == [
        "Spanish: 1 of 3 FAQ(s) have a Spanish answer.",
        "Without a Spanish answer (visitors writing in Spanish get the English answer after "
        "a short note in Spanish):",
        "  - gift_cards.yml: 'Do you offer gift cards?' has no Spanish yet (add 'answer_es', "
        "and 'asked_as_es' if you like).",
        "  - parking.yml: 'Do you offer parking spots?' has Spanish ways of asking but needs "
        "Spanish answer (add 'answer_es').",
    ]
    assert spanish_summary([]) == []


def test_the_seed_files_have_spanish_for_some_faqs_only() -> None:
    faqs, problems = load_faq_folder(PROJECT_ROOT / "faq")
    assert [p for p in problems if p.is_error] == []
    spanish = sorted(faq.name for faq in faqs if faq.has_spanish_answer)
    assert spanish == ["prices", "session_length", "what_to_wear"]
    for faq in faqs:
        if faq.has_spanish_answer:  # faithful: the same fill-ins as the English answer
            assert faq.question_es and len(faq.asked_as_es) >= 5
            assert ("{clinic_contact}" in faq.answer) == ("{clinic_contact}" in faq.answer_es)
    assert len(faqs) - len(spanish) >= 3  # the "missing" list is not empty


# --------------------------------------------------------------------------- the index


def test_faq_texts_put_the_spanish_after_the_english() -> None:
    faq = spanish_faq(wordings_es=("uno", "W1", "dos"), question_es="¿Qué ropa?")
    assert faq_texts(faq) == ["What should I wear?", "w1", "w2", "w3", "w4", "w5",
                              "¿Qué ropa?", "uno", "dos"]
    assert faq_wordings(faq) == ["w1", "w2", "w3", "w4", "w5", "uno", "dos"]
    assert spanish_texts(faq) == ["¿Qué ropa?", "uno", "dos"]  # "W1" is an English one


VECTORS: Dict[str, np.ndarray] = {
    "What should I wear?": vec({0: 1.0}),
    **{f"w{i}": vec({0: 1.0, 10 + i: 0.2}) for i in range(1, 6)},
    "¿Qué ropa?": vec({5: 1.0}),
    "uno": vec({5: 1.0, 20: 0.2}), "dos": vec({5: 1.0, 21: 0.2}),
    "tres": vec({5: 1.0, 22: 0.2}), "cuatro": vec({5: 1.0, 23: 0.2}),
    "cinco": vec({5: 1.0, 24: 0.2}),
    "How much?": vec({1: 1.0}), "p1": vec({1: 1.0, 30: 0.1}),
}
PRICES = make_faq("prices", "How much?", ["p1"])


def test_a_spanish_message_finds_the_faq_by_its_spanish_wordings() -> None:
    index = FaqIndex.build(4, [spanish_faq(), PRICES], VECTORS)
    assert index.spanish.tolist() == [False] * 6 + [True] * 6 + [False] * 2
    message = vec({5: 1.0, 20: 0.3})  # close to "uno"
    (best, *_) = index.matches(message)
    assert (best.name, best.wording, best.spanish) == ("wear", "uno", True)
    decision = decide(index.matches(message), 0.0, SETTINGS)
    assert decision.kind == "answer" and decision.matches[0].name == "wear"
    # the same FAQ without its Spanish wordings: nothing for that message
    english_only = FaqIndex.build(4, [make_faq("wear", "What should I wear?",
                                               [f"w{i}" for i in range(1, 6)]), PRICES],
                                  VECTORS)
    assert decide(english_only.matches(message), 0.0, SETTINGS).kind == "none"


def test_a_weak_spanish_match_counts_only_with_the_english_score() -> None:
    """Below ``spanish_threshold`` a Spanish wording does not count; the FAQ keeps its best
    English wording's score (the English-only encoder puts all Spanish close together)."""
    index = FaqIndex.build(4, [spanish_faq(), PRICES], VECTORS)
    weak = vec({5: 0.7, 0: 0.5, 40: np.sqrt(1 - 0.49 - 0.25)})  # 0.7 "¿Qué ropa?", 0.5 English
    (best, *_) = index.matches(weak)
    assert best.spanish and best.score == pytest.approx(0.7, abs=1e-3)
    assert best.english_score == pytest.approx(0.5, abs=1e-3)
    decision = decide(index.matches(weak), 0.0, SETTINGS)
    assert decision.kind == "answer"
    assert decision.matches[0].score == pytest.approx(0.5, abs=1e-3)
    assert decision.matches[0].wording == "What should I wear?"
    lower = dataclasses.replace(SETTINGS, spanish_threshold=0.65)
    assert decide(index.matches(weak), 0.0, lower).confidence == pytest.approx(0.7, abs=1e-3)
    only_spanish = vec({5: 0.7, 0: 0.3, 40: np.sqrt(1 - 0.49 - 0.09)})
    assert decide(index.matches(only_spanish), 0.0, SETTINGS).kind == "none"
    assert RetrievalSettings.from_config({"spanish_threshold": 0.6}).spanish_threshold == 0.6
    assert RetrievalSettings().spanish_threshold == 0.8


# --------------------------------------------------------------------------- the gate


def test_the_gate_counts_spanish_wordings_apart_and_notes_them_per_faq() -> None:
    unlike = spanish_faq(wordings_es=("uno", "dos", "lejos"))
    vectors = {**VECTORS, "lejos": vec({60: 1.0})}
    new = FaqIndex.build(None, [unlike, PRICES], vectors)
    report = run_gate(new, None, vectors, NO_OTHERS, [], SETTINGS)
    assert (report.loo_hits, report.loo_total) == (6, 6)
    assert (report.spanish_hits, report.spanish_total) == (2, 3)
    assert report.passed
    assert report.notes == [
        "1 of the 3 Spanish ways of asking of 'What should I wear?' are not found through the "
        "others (e.g. 'lejos'). A Spanish message finds this FAQ only when it is very close "
        "to one of them, so list the common ways visitors ask it in Spanish."]


def test_the_gate_refuses_a_spanish_wording_that_reaches_another_faq() -> None:
    stray = spanish_faq(wordings_es=("uno", "dos", "cuanto"))
    vectors = {**VECTORS, "cuanto": vec({1: 1.0, 31: 0.1})}  # the prices FAQ's place
    report = run_gate(FaqIndex.build(None, [stray, PRICES], vectors), None, vectors,
                      NO_OTHERS, [], SETTINGS)
    assert not report.passed
    assert report.problems == [
        "'cuanto' (FAQ 'What should I wear?') would get the answer for 'How much?'. Reword it "
        "so it clearly belongs to this FAQ, or move it to the other FAQ."]


def test_two_identical_spanish_answers_are_refused() -> None:
    one = spanish_faq("one", answer_es="Pregunte en recepción.")
    two = dataclasses.replace(spanish_faq("two", answer_es="Pregunte en recepción!"),
                              answer="Something else entirely.")
    problems = duplicate_answers([one, two], {})
    assert len(problems) == 1 and "give the same Spanish answer" in problems[0]


# --------------------------------------------------------------------------- publish, export


def test_describe_changes_names_the_spanish_fields() -> None:
    before = make_faq("wear", "What should I wear?", ["w1", "w2", "w3", "w4", "w5"],
                      "Our front desk can tell you.")
    assert describe_changes([before], [spanish_faq()]) == [
        "changed Spanish question, Spanish ways of asking, Spanish answer of "
        "'What should I wear?' (wear)"]
    assert describe_changes([spanish_faq()], [dataclasses.replace(
        spanish_faq(), answer_es="Otra.")]) == [
        "changed Spanish answer of 'What should I wear?' (wear)"]


def test_write_faq_file_round_trips_the_spanish_fields(tmp_path: Path) -> None:
    faq, _ = load_faq_text(tmp_path / "what_to_wear.yml", WEAR)
    assert faq is not None
    (tmp_path / "out").mkdir()
    write_faq_file(tmp_path / "out" / "what_to_wear.yml", faq)
    text = (tmp_path / "out" / "what_to_wear.yml").read_text(encoding="utf-8")
    assert "¿Qué ropa debo llevar?" in text  # readable, not escaped
    again, problems = load_faq_text(tmp_path / "what_to_wear.yml", text)
    assert problems == [] and again is not None
    assert faq_to_record(again) == faq_to_record(faq)
    plain, _ = load_faq_text(tmp_path / "gift_cards.yml", GIFTS)
    write_faq_file(tmp_path / "out" / "gift_cards.yml", plain)
    assert "_es" not in (tmp_path / "out" / "gift_cards.yml").read_text(encoding="utf-8")


def test_export_and_seed_round_trip_the_spanish_fields(tmp_path: Path) -> None:
    """faq/ -> store (seed, without the gate) -> ``make faq-export`` -> files: the same
    FAQs, Spanish included."""
    source = tmp_path / "faq"
    shutil.copytree(PROJECT_ROOT / "faq", source)
    faqs, _ = load_faq_folder(source)
    store = FaqStore(f"sqlite:///{tmp_path}/x.db")
    store.publish(faqs, "seed", ["seed"], base=None)
    exported = tmp_path / "exported"
    publisher = Publisher(store, faq_dir=exported, sync_file=tmp_path / "sync.json",
                          out=io.StringIO())
    assert publisher.export() == EXIT_OK
    again, problems = load_faq_folder(exported)
    assert [p for p in problems if p.is_error] == []

    def by_name(items: List[Faq]) -> List[dict]:
        return sorted((faq_to_record(f) for f in items), key=lambda r: r["name"])

    assert by_name(again) == by_name(faqs)
    assert sum(bool(f.answer_es) for f in again) == 3
    store.close()


# --------------------------------------------------------------------------- console form


def test_the_form_makes_spanish_fields_with_their_own_lines() -> None:
    faq = faq_from_form("wear", "What should I wear?", "a\nb\n\nc", "Answer.", (),
                        " ¿Qué  ropa? ", "uno\r\n\r\ndos", " Respuesta.\r\n")
    assert faq.question_es == "¿Qué ropa?" and faq.answer_es == "Respuesta."
    assert [(p.text, p.line) for p in faq.asked_as_es] == [("uno", 30001), ("dos", 30002)]
    assert with_form_lines(faq_from_record(faq_to_record(faq))) == faq
    assert field_of(Problem(None, 4, "x")) == "question_es"
    assert field_of(Problem(None, 5, "x")) == "asked_as_es"
    assert field_of(Problem(None, 6, "x")) == "answer_es"
    assert field_of(Problem(None, 30002, "x")) == "asked_as_es"
    assert field_of(Problem(None, 20001, "x")) == "button-1"
    assert field_of(Problem(None, 10003, "x")) == "asked_as"
    assert problem_text(Problem(None, 30002, "'dos' is listed twice (also on line 30001): "
                                "remove one.")) == ("'dos' is listed twice (also on Spanish "
                                                    "way of asking 1): remove one.")


def test_the_checks_land_beside_the_spanish_fields() -> None:
    faq = faq_from_form("wear", "What should I wear?", "\n".join(f"w {i}" for i in range(5)),
                        "Answer.", (), "", "uno\ndos", "")
    found = messages_by_field(static_problems([faq], Path("faq"), PROJECT), "wear")
    assert [m.text for m in found["asked_as_es"]][0].startswith("only 2 different Spanish")
    assert "needs Spanish answer" in found["answer_es"][0].text
    assert found["answer_es"][0].severity == "warning"


def test_with_wording_keeps_the_spanish_and_adds_to_the_right_list() -> None:
    faq = with_form_lines(spanish_faq())
    more = with_wording(faq, "seis", spanish=True)
    assert [p.text for p in more.asked_as_es][-1] == "seis"
    assert more.asked_as == faq.asked_as and more.answer_es == faq.answer_es
    english = with_wording(faq, "w6")
    assert [p.text for p in english.asked_as][-1] == "w6"
    assert english.asked_as_es == faq.asked_as_es and english.question_es == "¿Qué ropa?"
    assert with_wording(faq, "UNO!", spanish=True) == faq  # already there


def test_search_and_status_know_the_spanish() -> None:
    faq = spanish_faq(wordings_es=("estacionamiento cerca",))
    assert matches_search(faq, "estacionamiento")
    assert spanish_status(faq) == "yes"
    assert spanish_status(spanish_faq(answer_es="")) == "missing"
