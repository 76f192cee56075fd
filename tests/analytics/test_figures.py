"""The staff side: figures, percentiles, ``make analytics``, transcripts, purge and forget."""

from __future__ import annotations

import io
import json
import time
from datetime import date
from typing import Any, Dict, List

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinic.analytics import retention as analytics_retention
from clinic.analytics import schema
from clinic.analytics.translate import conversation_key
from clinic.analytics.writer import AnalyticsWriter, keyed
from staff import retention
from staff.analytics import __main__ as cli
from staff.analytics import queries as q
from staff.analytics.queries import Period, nearest_rank
from staff.analytics.report import SUMMARY_KEYS, dashboard, parse_period
from staff.analytics.transcripts import matching_conversations, transcript
from tests.analytics.events import (
    DAY,
    MIXED_FIGURES,
    MIXED_LANGUAGES,
    SAMPLE_FIGURES,
    T0,
    TZ,
    Conversation,
    mixed_language_traffic,
    sample_traffic,
)

PERIOD = parse_period(DAY, DAY)


def loaded(engine: Engine, events: List[Dict[str, Any]]) -> Engine:
    AnalyticsWriter(engine, TZ).apply(keyed(events))
    return engine


def test_percentiles_are_nearest_rank_on_both_databases(any_engine: Engine) -> None:
    events: List[Dict[str, Any]] = []
    for n, latency in enumerate([7, 1, 300, 42, 42, 5, 19, 88, 2, 64, 13]):
        c = Conversation(f"p{n}")
        events += c.user("hello", "greet").action("utter_greet").bot(
            "Hi!", after=latency / 1000 - 0.001).listen().events
    loaded(any_engine, events)
    assert q.latency_percentiles(any_engine, PERIOD) == {"p50": 19, "p95": 300}
    assert [nearest_rank(0.5, n) for n in (1, 2, 3, 10, 11)] == [1, 1, 2, 5, 6]
    assert nearest_rank(0.95, 20) == 19 and nearest_rank(0.95, 21) == 20


def test_dashboard_figures(any_engine: Engine) -> None:
    loaded(any_engine, sample_traffic())
    board = dashboard(any_engine, Period(date(2026, 12, 5), date(2026, 12, 7)), TZ)
    assert {k: board[k] for k in SUMMARY_KEYS} == SAMPLE_FIGURES
    assert board["per_day"] == [
        {"day": "2026-12-05", "conversations": 0, "messages": 0, "fallbacks": 0,
         "fallback_rate": 0.0},
        {"day": DAY, "conversations": 4, "messages": 15, "fallbacks": 2,
         "fallback_rate": 0.1333},
        {"day": "2026-12-07", "conversations": 0, "messages": 0, "fallbacks": 0,
         "fallback_rate": 0.0}]
    assert board["top_faqs"] == [["prices", 1]]
    assert board["funnel"] == {"started": 2, "completed": 1, "delivered": None}
    assert board["busiest_hours"][15] == [15, 15]
    assert sum(n for _, n in board["busiest_hours"]) == 15
    assert board["languages"] == [["en", 13], ["es", 1]]  # "/affirm" is a button
    empty = dashboard(any_engine, Period(date(2027, 1, 1), date(2027, 1, 1)), TZ)
    assert (empty["messages"], empty["latency_ms"]) == (0, {"p50": None, "p95": None})


def test_transcripts_of_a_topic_and_of_the_fallbacks(sqlite_engine: Engine) -> None:
    loaded(sqlite_engine, sample_traffic())
    fallbacks = matching_conversations(sqlite_engine, PERIOD, fallback=True)
    assert [(m.conversation, m.matching_turns) for m in fallbacks] == [
        (conversation_key("s-c"), 1), (conversation_key("s-a"), 1)]
    prices = matching_conversations(sqlite_engine, PERIOD, topic="faq:prices")
    assert [m.conversation for m in prices] == [conversation_key("s-a")]
    booking = transcript(sqlite_engine, conversation_key("s-b"))
    assert len(booking) == 6 and all(t.user_text is None for t in booking)
    first = transcript(sqlite_engine, conversation_key("s-a"))
    assert [t.user_text for t in first] == ["hello", "what is nmt?", "how much does it cost",
                                            "which one"]
    with pytest.raises(ValueError):
        matching_conversations(sqlite_engine, PERIOD)


def test_make_analytics_prints_exactly_the_figures(sqlite_engine: Engine,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    loaded(sqlite_engine, sample_traffic())
    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    out = io.StringIO()
    assert cli.main(["--from", DAY, "--to", DAY], out=out) == 0
    printed = json.loads(out.getvalue())
    assert list(printed) == list(SUMMARY_KEYS) and printed == SAMPLE_FIGURES
    assert list(printed)[:8] == ["conversations", "messages", "fallback_rate",
                                 "bookings_started", "bookings_completed", "emergencies",
                                 "top_topics", "latency_ms"]  # the keys it always had


def test_make_analytics_per_language_of_a_mixed_english_spanish_set(
        sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded(sqlite_engine, mixed_language_traffic())
    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    out = io.StringIO()
    assert cli.main(["--from", DAY, "--to", DAY], out=out) == 0
    printed = json.loads(out.getvalue())
    assert {k: printed[k] for k in MIXED_FIGURES} == MIXED_FIGURES
    assert list(printed["per_language"]) == ["en", "es", "none"]
    out = io.StringIO()
    assert cli.main(["--from", DAY, "--to", DAY, "--dashboard"], out=out) == 0
    board = json.loads(out.getvalue())
    assert board["per_language"] == MIXED_FIGURES["per_language"]
    assert board["languages"] == [["es", 5], ["en", 4]]  # the key it always had


@pytest.mark.parametrize("start, end, message", [
    ("", DAY, "FROM is missing"),
    ("2026-13-01", DAY, "FROM='2026-13-01' is not a date"),
    (DAY, "06/12/2026", "TO='06/12/2026' is not a date"),
    ("2026-12-07", DAY, "is before FROM"),
])
def test_bad_dates_are_explained_with_exit_code_2(start: str, end: str, message: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--from", start, "--to", end], out=io.StringIO()) == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_database_is_exit_code_3(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nothing")
    assert cli.main(["--from", DAY, "--to", DAY], out=io.StringIO()) == 3
    assert "postgres@" not in capsys.readouterr().err


def test_no_tables_yet_means_zeros(sqlite_engine: Engine) -> None:
    assert q.message_count(sqlite_engine, PERIOD) == 0
    assert q.top_topics(sqlite_engine, PERIOD) == []


def test_purge_clears_old_texts_and_forget_deletes_a_visitor(any_engine: Engine) -> None:
    now = T0 + 40 * 86400
    recent = Conversation("recent", start=now - 86400)
    recent.user("what is nmt?", "ask_nmt_overview").action("x").bot("About NMT.").listen()
    loaded(any_engine, sample_traffic() + recent.events)
    with any_engine.begin() as conn:
        cleared = analytics_retention.purge_before(conn, now - 30 * 86400)
    assert cleared == 5  # the old turns that had texts: 4 of s-a, "blue" of s-c
    with any_engine.connect() as conn:
        texts = conn.execute(sa.select(schema.turns.c.user_text)
                             .where(schema.turns.c.user_text.is_not(None))).scalars().all()
        old_keys = conn.execute(sa.select(sa.func.count()).select_from(schema.seen)
                                .where(schema.seen.c.at < now - 30 * 86400)).scalar()
    assert texts == ["what is nmt?"] and old_keys == 0
    assert q.message_count(any_engine, PERIOD) == 15  # the counts stay
    with any_engine.begin() as conn:
        assert analytics_retention.forget_sender(conn, "s-b") == 6 + 2 + 1
        assert analytics_retention.forget_sender(conn, "s-b") == 0
    assert q.funnel_counts(any_engine, PERIOD)["booking"] == {"started": 1, "completed": 0}


def test_make_purge_and_forget_cover_the_analytics_tables(sqlite_engine: Engine,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Any) -> None:
    old = sample_traffic(start=time.time() - 40 * 86400)
    loaded(sqlite_engine, old)
    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("BOOKING_DATABASE_URL", f"sqlite:///{tmp_path / 'bookings.db'}")
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    out = io.StringIO()
    assert retention.main(["purge"], out=out) == 0
    assert "cleared the texts of 5 analytics message(s)" in out.getvalue()
    out = io.StringIO()
    assert retention.main(["forget", "--sender", "s-a"], out=out) == 0
    assert "5 analytics row(s)" in out.getvalue()  # 4 turns + the conversation's state


def test_figures_per_language_of_a_mixed_english_spanish_set(any_engine: Engine) -> None:
    loaded(any_engine, sample_traffic() + mixed_language_traffic())
    board = dashboard(any_engine, PERIOD, TZ)
    assert (board["conversations"], board["messages"]) == (8, 27)
    assert board["fallback_rate"] == round(6 / 27, 4)
    sample, mixed = SAMPLE_FIGURES["per_language"], MIXED_FIGURES["per_language"]
    both = {}
    for code in ("en", "es", "none"):
        total = {k: sample[code][k] + mixed[code][k] for k in ("messages", "fallbacks")}
        total["conversations"] = None if code == "none" else \
            sample[code]["conversations"] + mixed[code]["conversations"]
        total["fallback_rate"] = round(total["fallbacks"] / total["messages"], 4)
        both[code] = total
    assert board["per_language"] == both == {
        "en": {"messages": 17, "conversations": 6, "fallbacks": 3, "fallback_rate": 0.1765},
        "es": {"messages": 6, "conversations": 3, "fallbacks": 2, "fallback_rate": 0.3333},
        "none": {"messages": 4, "conversations": None, "fallbacks": 1, "fallback_rate": 0.25},
    }
    assert board["languages"] == [["en", 17], ["es", 6]]
    other = q.per_language(any_engine, parse_period("2026-12-07", "2026-12-07"))
    assert other == {code: {"messages": 0, "conversations": None if code == "none" else 0,
                            "fallbacks": 0, "fallback_rate": 0.0}
                     for code in ("en", "es", "none")}


def test_transcripts_show_each_messages_language_and_lists_filter_by_it(
        sqlite_engine: Engine) -> None:
    loaded(sqlite_engine, mixed_language_traffic())
    for sender, languages in MIXED_LANGUAGES.items():
        assert [t.language for t in transcript(sqlite_engine, conversation_key(sender))] == \
            languages

    def listed(**filters: Any) -> List[str]:
        found = matching_conversations(sqlite_engine, PERIOD, **filters)
        names = {conversation_key(s): s for s in MIXED_LANGUAGES}
        return sorted(names[m.conversation] for m in found)

    assert listed(language="en") == ["m-both", "m-en"]
    assert listed(language="es") == ["m-both", "m-es"]
    assert listed(language="none") == ["m-both", "m-es", "m-none"]
    assert listed(language="es", fallback=True) == ["m-both", "m-es"]
    assert listed(language="en", fallback=True) == ["m-en"]
    assert listed(language="none", fallback=True) == ["m-none"]
    assert listed(topic="nmt_overview", language="es") == ["m-es"]
    spanish = matching_conversations(sqlite_engine, PERIOD, language="es")
    assert {m.matching_turns for m in spanish} == {2, 3}  # m-both 2, m-es 3


def test_a_conversation_is_counted_in_a_language_on_the_day_of_its_first_message_in_it(
        any_engine: Engine) -> None:
    c = Conversation("late-switch")
    c.answer("what is nmt?", "ask_nmt_overview", "nmt_overview", language="en")
    c.t += 86400  # the next day, in Spanish, then English and Spanish again
    c.answer("¿y cuánto dura una sesión?", "ask_session_length", "session", language="es")
    c.answer("and FMM?", "ask_fmm_overview", "fmm_overview", language="en")
    c.unclear("¿y lo otro?", language="es")
    loaded(any_engine, c.events)
    first, second = PERIOD, parse_period("2026-12-07", "2026-12-07")
    assert {k: (v["messages"], v["conversations"], v["fallbacks"])
            for k, v in q.per_language(any_engine, first).items()} == \
        {"en": (1, 1, 0), "es": (0, 0, 0), "none": (0, None, 0)}
    assert {k: (v["messages"], v["conversations"], v["fallbacks"])
            for k, v in q.per_language(any_engine, second).items()} == \
        {"en": (1, 0, 0), "es": (2, 1, 1), "none": (0, None, 0)}
    both = parse_period(DAY, "2026-12-07")
    assert q.conversation_count(any_engine, both) == 1
    assert [q.per_language(any_engine, both)[k]["conversations"] for k in ("en", "es")] == \
        [1, 1]  # a conversation in both languages counts in both
    with any_engine.begin() as conn:
        analytics_retention.forget_sender(conn, "late-switch")
    assert all(not f["messages"] for f in q.per_language(any_engine, both).values())
