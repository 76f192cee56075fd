"""Pure parsers of the booking form: names, phones, e-mails, times, yes/no, scheduler link."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest

from actions.booking.parsing import (
    UNDECIDED,
    UNSURE,
    BookingInputError,
    Contact,
    build_scheduler_url,
    is_skip,
    looks_like_question,
    parse_concern,
    parse_contact,
    parse_email,
    parse_name,
    parse_phone,
    parse_preferred_times,
    parse_therapy,
    parse_yes_no,
)

WEDNESDAY = date(2025, 3, 5)


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    "text, expected",
    [
        ("(310) 555-0134", "+13105550134"),
        ("310-555-0134", "+13105550134"),
        ("310.555.0134", "+13105550134"),
        ("3105550134", "+13105550134"),
        ("1 310 555 0134", "+13105550134"),
        ("+1 (310) 555-0134", "+13105550134"),
        ("13105550134", "+13105550134"),
        ("310-555-0134 ext. 12", "+13105550134"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("555-0134", "missing_area_code"),
        ("123-456-7890", "bad_phone"),  # area codes never start with 0 or 1
        ("310-155-0134", "bad_phone"),  # nor do exchanges
        ("31055501", "bad_phone"),
        ("310 555 01345 6", "bad_phone"),
        ("+44 12", "bad_phone"),
    ],
)
def test_invalid_phone_numbers_say_why(text: str, code: str) -> None:
    with pytest.raises(BookingInputError) as error:
        parse_phone(text)
    assert error.value.code == code


# --------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    "text, expected",
    [
        ("dana@example.com", "dana@example.com"),
        ("Dana.W@Example.COM", "Dana.W@example.com"),
        ("dana+clinic@mail.example.co.uk", "dana+clinic@mail.example.co.uk"),
        ("  dana@example.com. ", "dana@example.com"),
        ("mailto:dana@example.com", "dana@example.com"),
    ],
)
def test_emails_with_a_valid_shape_are_accepted(text: str, expected: str) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "dana@example",
        "dana@@example.com",
        "dana@example..com",
        "dana example.com",
        "@example.com",
        "dana@.com",
        "dana@exa mple.com",
        "dana@example.c",
        ".dana@example.com",
    ],
)
def test_emails_with_a_wrong_shape_are_refused(text: str) -> None:
    with pytest.raises(BookingInputError) as error:
        parse_email(text)
    assert error.value.code == "bad_email"


def test_contact_finds_phone_and_email_in_a_sentence() -> None:
    contact = parse_contact("call me on (213) 555-0187 or mail me at Dana@Example.com")
    assert contact == Contact(phone="+12135550187", email="Dana@example.com")
    assert contact.display() == "+12135550187 and Dana@example.com"
    assert Contact.from_slot(contact.as_slot()) == contact


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty"),
        ("/affirm", "empty"),
        ("just call me", "missing"),
        ("dana at example dot com", "missing"),
        ("dana@example", "bad_email"),
        ("555 0134", "missing_area_code"),
        ("12345", "bad_phone"),
    ],
)
def test_contact_errors(text: str, code: str) -> None:
    with pytest.raises(BookingInputError) as error:
        parse_contact(text)
    assert error.value.code == code


# --------------------------------------------------------------------------- name


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Dana Whitfield", "Dana Whitfield"),
        ("my name is Ana Ruiz", "Ana Ruiz"),
        ("Hi, I'm Priya", "Priya"),
        ("it's Jean-Luc O'Brien.", "Jean-Luc O'Brien"),
        ("call me Sam", "Sam"),
        ("María José de la Cruz", "María José de la Cruz"),
        ("Dana Willis", "Dana Willis"),
        ("D'Angelo", "D'Angelo"),
    ],
)
def test_names(text: str, expected: str) -> None:
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty"),
        ("dana@example.com", "looks_like_contact"),
        ("310 555 0134", "looks_like_contact"),
        ("R2D2", "has_digits"),
        ("what is FMM?", "question"),
        ("how long is a session", "question"),
        ("I want to book a massage", "not_a_name"),
        ("yes", "yes_no"),
        ("yes, that's correct", "yes_no"),
        ("no", "yes_no"),
        ("nope, not telling", "yes_no"),
        ("that's right", "not_a_name"),
        ("I don't want to say", "not_a_name"),
        ("sorry already gave it", "not_a_name"),
        ("!!!", "not_a_name"),
        ("Anna Maria Louisa Sophia Charlotte Victoria Elisabeth", "too_long"),
    ],
)
def test_name_errors(text: str, code: str) -> None:
    with pytest.raises(BookingInputError) as error:
        parse_name(text)
    assert error.value.code == code


# --------------------------------------------------------------------------- therapy


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("NMT", (), "NMT"),
        ("fmm please", (), "FMM"),
        ("the neuromuscular one", (), "NMT"),
        ("functional muscle manipulation", (), "FMM"),
        ('/choose_therapy{"therapy":"FMM"}', ("FMM",), "FMM"),
        ("this one", ("nmt",), "NMT"),
        ("not sure, help me choose", (), UNSURE),
        ("what's the difference?", (), UNSURE),
        ("NMT or FMM?", (), UNSURE),
        ("let the therapist advise", (), UNDECIDED),
        ("either is fine", (), UNDECIDED),
    ],
)
def test_therapy_choice(text: str, entities: tuple, expected: str) -> None:
    assert parse_therapy(text, entities) == expected


def test_unknown_therapy_is_an_error() -> None:
    with pytest.raises(BookingInputError) as error:
        parse_therapy("deep tissue please")
    assert error.value.code == "unknown_therapy"


# --------------------------------------------------------------------------- times


def test_next_tuesday_afternoon_resolves_to_a_date() -> None:
    times = parse_preferred_times("next Tuesday afternoon", WEDNESDAY)
    assert times.date == "2025-03-11"
    assert times.days == ["tuesday"]
    assert times.part_of_day == ["afternoon"]
    assert times.raw == "next Tuesday afternoon"


def test_weekday_evenings_are_recurring_days() -> None:
    times = parse_preferred_times("weekday evenings", WEDNESDAY)
    assert times.days == ["monday", "tuesday", "wednesday", "thursday", "friday"]
    assert times.part_of_day == ["evening"]
    assert times.date is None
    assert times.describe() == "weekdays; evening"


def test_mornings_only_sets_the_part_of_day() -> None:
    times = parse_preferred_times("mornings", WEDNESDAY)
    assert (times.days, times.part_of_day, times.date) == ([], ["morning"], None)


def test_this_week_is_a_date_range_up_to_sunday() -> None:
    times = parse_preferred_times("any day this week", WEDNESDAY)
    assert (times.date_from, times.date_to) == ("2025-03-05", "2025-03-09")
    assert times.flexible


def test_next_week_is_monday_to_sunday() -> None:
    times = parse_preferred_times("sometime next week", WEDNESDAY)
    assert (times.date_from, times.date_to) == ("2025-03-10", "2025-03-16")


@pytest.mark.parametrize(
    "text, expected_date, times_",
    [
        ("tomorrow at 4pm", "2025-03-06", ["16:00"]),
        ("today after 5:30 p.m.", "2025-03-05", ["17:30"]),
        ("March 14", "2025-03-14", []),
        ("3/14 in the morning", "2025-03-14", []),
        ("2025-04-02", "2025-04-02", []),
        ("march 1", "2026-03-01", []),  # already past this year: next year
        ("wensday mornin", "2025-03-12", []),  # typos
    ],
)
def test_dates_and_clock_times(text: str, expected_date: str, times_: list) -> None:
    times = parse_preferred_times(text, WEDNESDAY)
    assert times.date == expected_date
    assert times.times == times_


def test_plural_weekdays_have_no_single_date() -> None:
    times = parse_preferred_times("Mondays and Wednesdays after 5pm", WEDNESDAY)
    assert times.days == ["monday", "wednesday"]
    assert times.date is None
    assert times.part_of_day == ["evening"]
    assert times.as_dict()["times"] == ["17:00"]


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty"),
        ("yesterday", "past"),
        ("2024-01-05", "past"),
        ("blah blah", "unrecognised"),
        ("x" * 201, "too_long"),
    ],
)
def test_time_errors(text: str, code: str) -> None:
    with pytest.raises(BookingInputError) as error:
        parse_preferred_times(text, WEDNESDAY)
    assert error.value.code == code


# --------------------------------------------------------------------------- misc


@pytest.mark.parametrize("text", ["yes", "Yes please", "sure", "ok.", "I agree", "yep, go ahead"])
def test_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["no", "Nope", "no thanks", "please don't", "don't contact me"])
def test_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["maybe", "", "what?"])
def test_neither_yes_nor_no(text: str) -> None:
    assert parse_yes_no(text) is None


@pytest.mark.parametrize("text", ["skip", "Skip it", "no", "rather not say", "n/a"])
def test_skip_words(text: str) -> None:
    assert is_skip(text)
    assert parse_concern(text) == ""


def test_concern_is_kept_or_refused_when_too_short_or_long() -> None:
    assert parse_concern("  stiff neck from desk work ") == "stiff neck from desk work"
    with pytest.raises(BookingInputError, match="too_short"):
        parse_concern("a")
    with pytest.raises(BookingInputError, match="too_long"):
        parse_concern("pain " * 120)


def test_questions_are_recognised() -> None:
    assert looks_like_question("what is FMM")
    assert looks_like_question("NMT?")
    assert not looks_like_question("Dana Whitfield")


# --------------------------------------------------------------------------- scheduler link


def test_scheduler_link_carries_only_url_encoded_name_and_email() -> None:
    url = build_scheduler_url(
        "https://calendly.com/x/60min?name={name}&email={email}",
        "Ana María & Co",
        "ana+1@example.com",
    )
    assert url is not None
    query = parse_qs(urlparse(url).query)
    assert query == {"name": ["Ana María & Co"], "email": ["ana+1@example.com"]}


@pytest.mark.parametrize(
    "template",
    [
        "https://x.example/book?name={name}&note={concern}",
        "https://x.example/book?name={name}&t={therapy}",
        "https://x.example/book?s={symptom}",
        "https://x.example/book?{0}",
    ],
)
def test_scheduler_link_refuses_health_details(template: str) -> None:
    assert build_scheduler_url(template, "Ana", "ana@example.com") is None


def test_scheduler_link_never_contains_health_details_even_if_they_are_typed_as_name() -> None:
    concern = "severe lower back pain"
    url = build_scheduler_url("https://x.example/?n={name}&e={email}", "Ana", "ana@example.com")
    assert url is not None
    for secret in (concern, "FMM", "NMT", "pain", "back"):
        assert secret not in url
    assert build_scheduler_url("http://insecure.example/?n={name}", "Ana", None) is None
    assert build_scheduler_url("", "Ana", None) is None
