"""``make faq-check``: broken FAQ files are rejected with messages staff can act on."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List

import pytest
import yaml

from bench.faq_cycle import guide_example
from staff.faq.check import ProjectData, load_project_data, static_problems
from staff.faq.load import load_faq_file, load_faq_folder
from staff.faq.text import Problem
from clinic.settings import PROJECT_ROOT

GOOD = """\
question: Is there parking?
asked_as:
  - is there parking
  - where can I park
  - do you have a parking lot
  - is there street parking nearby
  - where should I leave my car
answer: >
  Our front desk can tell you where to park. {clinic_contact}
"""

OTHER = """\
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
    examples={"hello": ("greet", PROJECT_ROOT / "data" / "nlu" / "core.yml")},
    examples_by_intent={"ask_location": ["where is the clinic", "what is your address"],
                        "what_can_you_do": ["what should I ask"]},
    heldout={"do you take insurance": PROJECT_ROOT / "tests" / "heldout" / "questions.yml"},
    intents={"greet", "request_booking", "ask_nmt_overview"},
)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_for(folder: Path, project: ProjectData = PROJECT) -> List[Problem]:
    faqs, problems = load_faq_folder(folder)
    return problems + static_problems(faqs, folder, project)


def errors(problems: List[Problem]) -> List[str]:
    return [p.render(PROJECT_ROOT) for p in problems if p.is_error]


def test_a_good_folder_has_no_problems(tmp_path: Path) -> None:
    write(tmp_path, "parking.yml", GOOD)
    write(tmp_path, "gift_cards.yml", OTHER)
    assert errors(problems_for(tmp_path)) == []


def test_missing_answer_is_named(tmp_path: Path) -> None:
    write(tmp_path, "parking.yml", GOOD.split("answer:")[0])
    write(tmp_path, "gift_cards.yml", OTHER)
    found = errors(problems_for(tmp_path))
    assert len(found) == 1
    assert "parking.yml" in found[0] and "the 'answer' is missing" in found[0]


def test_too_few_phrasings(tmp_path: Path) -> None:
    text = GOOD.replace("  - where should I leave my car\n", "").replace(
        "  - is there street parking nearby\n", "")
    write(tmp_path, "parking.yml", text)
    write(tmp_path, "gift_cards.yml", OTHER)
    found = errors(problems_for(tmp_path))
    assert len(found) == 1
    assert "parking.yml, line 2" in found[0]
    assert "only 3 different way(s) of asking" in found[0] and "at least 5" in found[0]


def test_duplicates_do_not_count_towards_the_five(tmp_path: Path) -> None:
    text = GOOD.replace("  - where should I leave my car\n", "  - Where can I park?\n")
    write(tmp_path, "parking.yml", text)
    write(tmp_path, "gift_cards.yml", OTHER)
    found = errors(problems_for(tmp_path))
    assert any("only 4 different" in message for message in found)
    duplicate = [m for m in found if "listed twice" in m]
    assert len(duplicate) == 1
    assert duplicate[0].endswith("parking.yml, line 7: 'Where can I park?' is listed twice "
                                 "(also on line 4): remove one.")


def test_duplicate_across_faqs_names_both_files(tmp_path: Path) -> None:
    write(tmp_path, "parking.yml", GOOD)
    write(tmp_path, "gift_cards.yml", OTHER.replace("are gift cards available",
                                                    "Is there parking"))
    found = [p.render(tmp_path) for p in problems_for(tmp_path)]
    assert found == [
        "Problem: parking.yml, line 3: 'is there parking' is also a way of asking 'Do you offer "
        "gift cards?' (gift_cards.yml, line 7). The assistant cannot tell which answer you "
        "mean: keep it in one FAQ only."]


def test_phrasing_that_trains_another_topic_or_is_a_test_question(tmp_path: Path) -> None:
    text = GOOD.replace("  - where should I leave my car\n",
                        "  - where should I leave my car\n  - Hello!\n"
                        "  - do you take insurance?\n")
    write(tmp_path, "parking.yml", text)
    write(tmp_path, "gift_cards.yml", OTHER)
    found = errors(problems_for(tmp_path))
    assert len(found) == 2
    assert "'Hello!' already teaches the assistant the topic 'greet' (data/nlu/core.yml)" \
        in found[0]
    assert "test questions" in found[1] and "tests/heldout/questions.yml" in found[1]


@pytest.mark.parametrize("text, line, hint", [
    (GOOD.replace("answer: >\n  Our front desk", "answer: Note: our front desk"), 8,
     "Put the whole text in double quotes"),
    (GOOD.replace("  - where can I park", "\t- where can I park"), 4, "not the Tab key"),
    (GOOD.replace("  - is there parking", "  - \"is there parking"), 3, "never closed"),
    (GOOD.replace("  - where should I leave my car", " - where should I leave my car"), 7,
     "same column"),
    (GOOD.replace("asked_as:", "asked_as"), 2, "missing its colon"),
])
def test_yaml_mistakes_report_file_line_and_a_hint(tmp_path: Path, text: str, line: int,
                                                   hint: str) -> None:
    path = write(tmp_path, "parking.yml", text)
    faq, problems = load_faq_file(path)
    assert faq is None
    assert len(problems) == 1
    rendered = problems[0].render(tmp_path)
    assert rendered.startswith(f"Problem: parking.yml, line {line}: the file cannot be read")
    assert hint in rendered


def test_yaml_error_line_comes_from_the_parser(tmp_path: Path) -> None:
    path = write(tmp_path, "parking.yml", "question: a\nasked_as: [\n")
    with pytest.raises(yaml.MarkedYAMLError) as raised:
        yaml.safe_load(path.read_text())
    _, problems = load_faq_file(path)
    assert problems[0].line == raised.value.problem_mark.line + 1


def test_unknown_field_suggests_the_right_one(tmp_path: Path) -> None:
    write(tmp_path, "parking.yml", GOOD.replace("asked_as:", "asked-as:"))
    write(tmp_path, "gift_cards.yml", OTHER)
    found = errors(problems_for(tmp_path))
    assert any("'asked-as' is not a field" in m and "Did you mean 'asked_as'?" in m
               for m in found)
    assert any("only 0 different" in m for m in found)


def test_answer_placeholders_links_payloads_and_names(tmp_path: Path) -> None:
    text = GOOD.replace("{clinic_contact}", "{price}") + (
        "buttons:\n"
        "  - title: Map\n    url: http://example.com/map\n"
        "  - title: Book\n    payload: /book_now\n"
        "  - title: Fine\n    payload: /request_booking\n"
    )
    write(tmp_path, "Parking Info.yml", text)
    write(tmp_path, "gift_cards.yml", OTHER)
    found = " ".join(errors(problems_for(tmp_path)))
    assert "'{price}' in the answer is not something the assistant can fill in" in found
    assert "must start with https://" in found
    assert "'/book_now' is not a follow-up the assistant knows" in found
    assert "/request_booking" in found  # offered as the alternative
    assert "rename the file to 'parking_info.yml'" in found


def test_one_faq_is_enough(tmp_path: Path) -> None:
    write(tmp_path, "parking.yml", GOOD)  # retrieval needs no second FAQ to compare with
    assert errors(problems_for(tmp_path)) == []


# --------------------------------------------------------------------------- shipped content


def test_shipped_faqs_pass_the_checks_against_the_real_project() -> None:
    project = load_project_data()
    found = errors(problems_for(PROJECT_ROOT / "faq", project))
    assert found == []
    faqs, _ = load_faq_folder(PROJECT_ROOT / "faq")
    assert len(faqs) >= 4
    assert all("{clinic_contact}" in faq.answer for faq in faqs)


def test_the_guides_parking_example_passes(tmp_path: Path) -> None:
    folder = tmp_path / "faq"
    shutil.copytree(PROJECT_ROOT / "faq", folder)
    write(folder, "parking.yml", guide_example())
    assert errors(problems_for(folder, load_project_data())) == []


def test_a_button_payload_must_be_one_the_channels_honour(tmp_path: Path) -> None:
    """A follow-up button sends a slash command; the channels honour only the plain
    /ask_* and /request_* follow-ups from an FAQ (clinic/channels/slash_commands.py), so the
    check refuses the others instead of letting the click be read as text."""
    text = GOOD + (
        "buttons:\n"
        "  - title: Hi\n    payload: /greet\n"
        "  - title: NMT\n    payload: '/request_booking{\"therapy\": \"NMT\"}'\n"
        "  - title: Fine\n    payload: /ask_nmt_overview\n"
    )
    write(tmp_path, "parking.yml", text)
    found = " ".join(errors(problems_for(tmp_path)))
    assert "'/greet' is not a follow-up the assistant knows" in found
    assert "'/request_booking{\"therapy\": \"NMT\"}' is not a follow-up" in found
    assert "'/ask_nmt_overview' is not" not in found
