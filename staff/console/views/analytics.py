"""Analytics (editors and admins): the figures of ``staff/analytics`` for a period, drawn as
charts by ``static/analytics.js`` (Chart.js, vendored) and readable as tables without
JavaScript; a topic, a language or the "didn't understand" figures open the matching
conversations, and each one opens as a redacted transcript with each message's language.
Every transcript view is audited (the conversation's hash, never a text)."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping, Optional, Tuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from actions.booking.store import BookingStoreError
from clinic.analytics.schema import create_engine
from clinic.settings import Settings
from staff.analytics.languages import NONE, filter_label, label, parse_filter
from staff.analytics.queries import Period
from staff.analytics.report import dashboard, parse_day
from staff.analytics.transcripts import matching_conversations, transcript
from staff.console.views.base import console_of, render, requires

DAY_CHOICES = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 400
_CONVERSATION = re.compile(r"^[0-9a-f]{32}$")  # clinic.analytics.translate.conversation_key


@dataclass(frozen=True)
class Choice:
    """The period a request asked for: ``period`` or an ``error`` to show."""

    period: Optional[Period]
    days: Optional[int]  # 7, 30 or 90; None for a custom period
    error: Optional[str] = None
    typed: Tuple[str, str] = ("", "")  # "From" and "To" as typed, shown again in the form


def choose_period(args: Mapping[str, Any], today: date) -> Choice:
    """``?days=7|30|90`` (the days up to today) or ``?from=&to=`` (YYYY-MM-DD, both days
    included, at most ``MAX_DAYS``); 30 days when neither is given."""
    start, end = (str(args.get(k) or "").strip() for k in ("from", "to"))
    if start or end:
        typed = (start, end)
        try:
            first, last = parse_day(start, "From"), parse_day(end, "To")
        except ValueError:
            bad = "“From”" if not _is_day(start) else "“To”"
            return Choice(None, None, f"{bad} must be a date written YYYY-MM-DD, for example "
                          f"{today.isoformat()}.", typed)
        if last < first:
            return Choice(None, None, f"“To” ({last}) is before “From” ({first}): the "
                          "period must end on or after the day it starts.", typed)
        length = (last - first).days + 1
        if length > MAX_DAYS:
            return Choice(None, None, f"That period is {length} days long; choose at most "
                          f"{MAX_DAYS} days.", typed)
        return Choice(Period(first, last), None, None, typed)
    raw = str(args.get("days") or DEFAULT_DAYS).strip()
    if raw not in {str(d) for d in DAY_CHOICES}:
        return Choice(None, None, "Choose the last 7, 30 or 90 days, or a period with "
                      "“From” and “To”.")
    period = Period.last_days(int(raw), today)
    return Choice(period, int(raw), None, (period.start.isoformat(), period.end.isoformat()))


def _is_day(text: str) -> bool:
    try:
        parse_day(text, "day")
        return True
    except ValueError:
        return False


def period_query(period: Period, **extra: str) -> str:
    """``from=…&to=…`` (and ``extra``) for a link that keeps the period."""
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat(), **extra})


def json_block(data: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block (no ``</script>`` can end it)."""
    text = json.dumps(data, ensure_ascii=False)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c")
                  .replace(">", "\\u003e"))


@dataclass
class Source:
    """Where the figures come from: the analytics tables (``DATABASE_URL``) and the clinic's
    time zone (``BOOKING_TIMEZONE``), read once per console process."""

    engine: Engine
    timezone: str

    def today(self) -> date:
        """Today in the clinic."""
        return datetime.now(ZoneInfo(self.timezone)).date()

    def when(self, at: float) -> str:
        """A time in the clinic's time zone, to the second."""
        return datetime.fromtimestamp(at, ZoneInfo(self.timezone)).strftime(
            "%Y-%m-%d %H:%M:%S")


def source_of(request: Request) -> Source:
    """The process's ``Source`` (made on first use)."""
    found = getattr(request.app.ctx, "analytics", None)
    if found is None:
        settings = console_of(request).settings
        timezone = Settings.from_env().clinic_timezone
        found = Source(create_engine(settings.database_url), timezone)
        request.app.ctx.analytics = found
    return found


def _unavailable(request: Request) -> HTTPResponse:
    return render(request, "error.html", status=503, title="Analytics",
                  message="The analytics figures cannot be read right now. Try again "
                  "shortly; if it keeps happening, ask a developer to check DATABASE_URL.")


def _booking_engine(request: Request) -> Optional[Engine]:
    """The booking store's engine for "delivered"; ``None`` when it cannot be opened."""
    try:
        return console_of(request).booking_store().engine
    except BookingStoreError:
        return None


@requires()
async def analytics(request: Request) -> HTTPResponse:
    """The dashboard of a period, or the period form with what is wrong (400)."""
    source = source_of(request)
    choice = choose_period(request.args, source.today())
    if choice.period is None:
        return render(request, "analytics.html", status=400, choice=choice, board=None,
                      day_choices=DAY_CHOICES)
    bookings = _booking_engine(request)
    try:
        board = await asyncio.to_thread(dashboard, source.engine, choice.period,
                                        source.timezone, bookings)
    except SQLAlchemyError:
        return _unavailable(request)
    fallbacks = sum(day["fallbacks"] for day in board["per_day"])
    return render(request, "analytics.html", choice=choice, board=board, fallbacks=fallbacks,
                  data=json_block(board), day_choices=DAY_CHOICES, language_label=label,
                  query=lambda **extra: period_query(choice.period, **extra))


def list_title(topic: Optional[str], fallback: bool, language: Optional[str]) -> str:
    """The heading of a list of conversations."""
    where = ""
    if language is not None:
        where = "without a language (—)" if language == NONE else f"in {label(language)}"
    if topic is not None:
        return f"Conversations about “{topic}”" + (f", messages {where}" if where else "")
    if fallback and where:
        return f"Conversations with a message {where} the assistant did not understand"
    if fallback:
        return "Conversations the assistant did not understand"
    return f"Conversations with messages {where}"


@requires()
async def conversations(request: Request) -> HTTPResponse:
    """The conversations of a period with a topic (``?topic=``), with a message the
    assistant did not understand (``?fallback=1``), with a message in a language
    (``?language=en|es|none``), or with one message matching both ``fallback`` and
    ``language``."""
    source = source_of(request)
    choice = choose_period(request.args, source.today())
    topic = str(request.args.get("topic") or "").strip() or None
    fallback = request.args.get("fallback") == "1"
    try:
        language = parse_filter(request.args.get("language"))
    except ValueError:
        return render(request, "error.html", status=400, title="Conversations",
                      message="Choose the language as en (English), es (Español) or none "
                      "(no language).")
    if choice.period is None or (topic is not None and fallback) or \
            (topic is None and not fallback and language is None):
        message = choice.error or "Open this list from a topic, a language or the " \
            "“didn't understand” figures on the Analytics page."
        return render(request, "error.html", status=400, title="Conversations",
                      message=message)
    try:
        found = await asyncio.to_thread(matching_conversations, source.engine, choice.period,
                                        topic, fallback, language=language)
    except SQLAlchemyError:
        return _unavailable(request)
    return render(request, "analytics_conversations.html", matches=found, topic=topic,
                  fallback=fallback, language=language, period=choice.period,
                  when=source.when, query=period_query(choice.period),
                  title=list_title(topic, fallback, language),
                  language_name=filter_label(language) if language else None)


@requires()
async def conversation(request: Request, key: str) -> HTTPResponse:
    """One conversation's redacted transcript (audited: who, which conversation hash)."""
    source = source_of(request)
    if not _CONVERSATION.match(key):
        return render(request, "error.html", status=404, title="No such conversation",
                      message="This conversation does not exist.")
    try:
        turns = await asyncio.to_thread(transcript, source.engine, key)
    except SQLAlchemyError:
        return _unavailable(request)
    if not turns:
        return render(request, "error.html", status=404, title="No such conversation",
                      message="This conversation does not exist (it may have been deleted "
                      "on the visitor's request).")
    console_of(request).audit.record(request.ctx.user.name, "transcript viewed",
                                     f"conversation {key}")
    choice = choose_period(request.args, source.today())
    back = f"/analytics?{period_query(choice.period)}" if choice.period else "/analytics"
    return render(request, "analytics_transcript.html", key=key, turns=turns,
                  when=source.when, back=back, language_label=label)


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(analytics, "/analytics", methods=["GET"], name="analytics")
    app.add_route(conversations, "/analytics/conversations", methods=["GET"],
                  name="analytics_conversations")
    app.add_route(conversation, "/analytics/conversations/<key:str>", methods=["GET"],
                  name="analytics_transcript")
