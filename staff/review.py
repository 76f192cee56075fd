"""``make review``: the visitor questions the assistant did not answer well.

Read from Rasa's SQL tracker store (``DATABASE_URL``, default ``sqlite:///var/conversations.db``,
table ``events``). A visitor message counts as *not answered well* when

* NLU gave up (intent ``nlu_fallback``) or was unsure (top intent confidence < 0.6), or
* the next thing the assistant did was its unclear-message handling: asking to rephrase,
  a "did you mean ...?" clarification, a fallback action (``UNCLEAR_ACTIONS``).

Similar questions are grouped (shared topic words, Jaccard >= 0.5), most frequent and then
most recent first, so staff see what to turn into an FAQ. ``--csv FILE`` exports them.

Every message carries its language (``parse_data["language"]["code"]``, written by the
language detector: English, Español, or "—" for none, e.g. a message from before the
detector); ``--language en|es|none`` keeps the groups with a message in that language.

Privacy: only question texts are shown, never who asked. Messages typed while a booking form
was collecting details (``requested_slot`` set) are skipped, button clicks and emergency
messages are skipped, e-mail addresses and phone numbers are replaced
(``clinic.privacy.redact``), and name introductions ("my name is ...", "I'm Anna") are blanked.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple

from staff.analytics.languages import label as language_label
from staff.analytics.languages import matches as language_matches
from staff.analytics.languages import message_language, parse_filter
from staff.faq.text import content_tokens, jaccard, normalise
from clinic.privacy import redact
from clinic.settings import PROJECT_ROOT, Settings

LOW_CONFIDENCE = 0.6
GROUP_SIMILARITY = 0.5
FALLBACK_INTENT = "nlu_fallback"
SENSITIVE_INTENTS = frozenset({"emergency", "crisis"})
# Actions that mean "I did not understand": Rasa's fallbacks and this project's rephrase /
# clarification responses. Any action whose name mentions one of UNCLEAR_WORDS counts too,
# so a new "did you mean" handler is picked up without editing this list.
UNCLEAR_ACTIONS = frozenset({
    "action_default_fallback", "action_two_stage_fallback", "action_default_ask_affirmation",
    "action_default_ask_rephrase", "utter_default", "utter_please_rephrase",
    "utter_ask_rephrase", "action_handle_unclear",
})
UNCLEAR_WORDS = ("fallback", "rephrase", "clarif", "did_you_mean", "unclear")
# "I'm Anna" / "this is Anna": only a capitalised word counts as a name ("I'm having pain").
_NAME_INTRO = re.compile(
    r"\b((?i:my name is|my name's|name is|call me|this is|i am|i'm|im))\s+"
    r"([A-Z][\w'-]*(\s+[A-Z][\w'-]*)?)")
_NAME_INTRO_ANY_CASE = re.compile(
    r"\b(my name is|my name's|call me)\s+([\w'-]+(\s+[A-Z][\w'-]*)?)", re.IGNORECASE)
_SPREADSHEET_FORMULA = ("=", "+", "-", "@")


@dataclass(frozen=True)
class EventRow:
    """One row of Rasa's ``events`` table (the columns this command needs)."""

    sender_id: str
    type_name: str
    timestamp: float
    action_name: Optional[str]
    data: Dict[str, Any]


@dataclass(frozen=True)
class Unclear:
    """A visitor message the assistant did not answer well (already privacy-cleaned)."""

    text: str
    timestamp: float
    guess: str = ""
    confidence: float = 0.0
    language: Optional[str] = None  # "en", "es"; None: no language (or not detected)


@dataclass
class Group:
    """Similar unclear questions."""

    text: str
    count: int
    last_seen: float
    guess: str = ""
    confidence: float = 0.0
    variants: List[str] = field(default_factory=list)
    tokens: FrozenSet[str] = field(default_factory=frozenset, repr=False)
    language: Optional[str] = None  # of ``text``
    variant_languages: List[Optional[str]] = field(default_factory=list)  # of ``variants``

    @property
    def languages(self) -> List[Optional[str]]:
        """The languages of its wordings, each once, in the order of the wordings."""
        found: List[Optional[str]] = []
        for code in (self.language, *self.variant_languages):
            if code not in found:
                found.append(code)
        return found

    def labelled_variants(self) -> List[Tuple[str, str]]:
        """``(wording, "English" | "Español" | "—")`` of the other wordings."""
        codes = list(self.variant_languages) + [None] * len(self.variants)
        return [(text, language_label(code)) for text, code in zip(self.variants, codes)]

    def has_language(self, wanted: Optional[str]) -> bool:
        """True when a wording is in ``wanted`` (``en``, ``es``, ``none``; None: any)."""
        return any(language_matches(code, wanted) for code in self.languages)


# --------------------------------------------------------------------------- pure helpers


def clean_text(text: str) -> Optional[str]:
    """The question without contact details or names; ``None`` when nothing useful remains."""
    text = " ".join(redact(text).split())
    text = _NAME_INTRO_ANY_CASE.sub(lambda m: f"{m.group(1)} [name]", text)
    text = _NAME_INTRO.sub(lambda m: f"{m.group(1)} [name]", text)
    words = normalise(re.sub(r"\[(name|email|phone)\]", " ", text))
    return text if words else None


def is_unclear_action(name: Optional[str]) -> bool:
    """True for the actions of the unclear-message handling."""
    if not name:
        return False
    return name in UNCLEAR_ACTIONS or any(word in name for word in UNCLEAR_WORDS)


def _best_guess(parse: Dict[str, Any]) -> Tuple[str, float]:
    for entry in parse.get("intent_ranking") or [parse.get("intent") or {}]:
        if entry.get("name") and entry.get("name") != FALLBACK_INTENT:
            return str(entry["name"]), float(entry.get("confidence") or 0.0)
    return "", 0.0


def unclear_messages(rows: Iterable[EventRow], low_confidence: float = LOW_CONFIDENCE
                     ) -> List[Unclear]:
    """Finds the badly answered visitor messages in events ordered by sender, then id."""
    found: List[Unclear] = []
    sender: Optional[str] = None
    requested_slot: Optional[str] = None
    pending: Optional[Tuple[Unclear, bool]] = None

    def flush() -> None:
        nonlocal pending
        if pending is not None and pending[1]:
            found.append(pending[0])
        pending = None

    for row in rows:
        if row.sender_id != sender:
            flush()
            sender, requested_slot = row.sender_id, None
        if row.type_name == "user":
            flush()
            pending = _candidate(row, requested_slot, low_confidence)
        elif row.type_name == "action":
            if pending is not None and is_unclear_action(row.action_name):
                pending = (pending[0], True)
        elif row.type_name == "slot" and row.data.get("name") == "requested_slot":
            requested_slot = row.data.get("value")
        elif row.type_name == "active_loop" and not row.data.get("name"):
            requested_slot = None
        elif row.type_name in ("session_started", "restart"):
            requested_slot = None
    flush()
    return found


def _candidate(row: EventRow, requested_slot: Optional[str], low_confidence: float
               ) -> Optional[Tuple[Unclear, bool]]:
    raw = str(row.data.get("text") or "").strip()
    parse = row.data.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name") or ""
    if requested_slot or not raw or raw.startswith("/") or intent in SENSITIVE_INTENTS:
        return None
    text = clean_text(raw)
    if text is None:
        return None
    confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
    guess, guess_confidence = _best_guess(parse)
    unclear = intent == FALLBACK_INTENT or (bool(intent) and confidence < low_confidence)
    return Unclear(text, row.timestamp, guess, guess_confidence,
                   message_language(parse)), unclear


def _tokens(text: str) -> FrozenSet[str]:
    return content_tokens(text) or frozenset(normalise(text).split())


def group_messages(messages: Sequence[Unclear], similarity: float = GROUP_SIMILARITY
                   ) -> List[Group]:
    """Groups similar questions; most frequent first, then most recently asked."""
    exact: Dict[str, List[Unclear]] = {}
    for message in messages:
        exact.setdefault(normalise(message.text), []).append(message)
    ordered = sorted(exact.values(),
                     key=lambda same: (-len(same), -max(m.timestamp for m in same)))
    groups: List[Group] = []
    for same in ordered:
        newest = max(same, key=lambda m: m.timestamp)
        tokens = _tokens(newest.text)
        scored = [(jaccard(tokens, group.tokens), group) for group in groups]
        score, best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        if best is not None and score >= similarity:
            best.count += len(same)
            best.last_seen = max(best.last_seen, newest.timestamp)
            best.variants.append(newest.text)
            best.variant_languages.append(newest.language)
        else:
            groups.append(Group(newest.text, len(same), newest.timestamp, newest.guess,
                                newest.confidence, tokens=tokens, language=newest.language))
    return sorted(groups, key=lambda group: (-group.count, -group.last_seen))


def in_language(groups: Sequence[Group], wanted: Optional[str]) -> List[Group]:
    """The groups with a wording in ``wanted`` (``en``, ``es``, ``none``; None: all). Whole
    groups are kept, so a group is the same with or without the filter."""
    return [group for group in groups if group.has_language(wanted)]


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def render(groups: Sequence[Group], source: str, limit: int,
           language: Optional[str] = None) -> str:
    """The text ``make review`` prints (``language``: the filter it was asked for)."""
    among = f", with a message in {_filter_name(language)}" if language else ""
    if not groups:
        if language:
            return f"Nothing to review in {source}{among}."
        return f"Nothing to review in {source}: every recorded question was answered clearly."
    lines = [f"Questions the assistant did not answer well ({source}){among}, most frequent "
             "first:", ""]
    for number, group in enumerate(groups[:limit], start=1):
        times = "once" if group.count == 1 else f"{group.count} times"
        lines.append(f"{number:>3}. \"{group.text}\" [{language_label(group.language)}] - "
                     f"asked {times}, last on {_when(group.last_seen)}")
        if group.variants:
            shown = "; ".join(f'"{v}" [{name}]' for v, name in group.labelled_variants()[:5])
            more = f" (+{len(group.variants) - 5} more)" if len(group.variants) > 5 else ""
            lines.append(f"     also asked as: {shown}{more}")
        if group.guess:
            lines.append(f"     the assistant's best guess: {group.guess} "
                         f"({group.confidence * 100:.0f}% sure)")
    if len(groups) > limit:
        lines.append(f"\n... and {len(groups) - limit} more (export them all with "
                     "ARGS=\"--csv review.csv\").")
    lines.append("\nTo teach the assistant one of these, add it to an FAQ in faq/ "
                 "(docs/staff-guide.md) or pass it to a developer.")
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Spreadsheet-safe text: a leading = + - @ is not run as a formula."""
    return "'" + text if text.startswith(_SPREADSHEET_FORMULA) else text


def _filter_name(value: str) -> str:
    return "no language (—)" if value == "none" else language_label(value)


CSV_COLUMNS = ("question", "times_asked", "last_asked", "other_wordings", "assistant_guess",
               "guess_confidence", "language", "other_wordings_languages")


def write_csv(groups: Sequence[Group], path: Path) -> None:
    """One row per group: question, times asked, last asked, other wordings, best guess,
    the question's language and those of the other wordings (in their order), as
    "English", "Español" or "—"."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for group in groups:
            writer.writerow([_cell(group.text), group.count, _when(group.last_seen),
                             _cell(" | ".join(group.variants)), group.guess,
                             f"{group.confidence:.2f}", language_label(group.language),
                             " | ".join(name for _v, name in group.labelled_variants())])


# --------------------------------------------------------------------------- database


def resolve_database_url(url: str, root: Path = PROJECT_ROOT) -> str:
    """Makes a relative SQLite path relative to the project (where Rasa runs)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str(root / url[len(prefix):])
    return url


def read_events(database_url: str, since: Optional[float] = None) -> Iterator[EventRow]:
    """Reads the tracker store's events, ordered by conversation and then in order."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    query = ("SELECT sender_id, type_name, timestamp, action_name, data FROM events"
             + (" WHERE timestamp >= :since" if since is not None else "")
             + " ORDER BY sender_id, id")
    try:
        with engine.connect() as connection:
            result = connection.execute(sa.text(query), {"since": since} if since else {})
            for sender_id, type_name, timestamp, action_name, data in result:
                try:
                    payload = json.loads(data) if data else {}
                except ValueError:
                    payload = {}
                yield EventRow(sender_id, type_name, float(timestamp or 0.0), action_name,
                               payload if isinstance(payload, dict) else {})
    finally:
        engine.dispose()


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _language_argument(value: str) -> Optional[str]:
    try:
        return parse_filter(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point (``make review``)."""
    parser = argparse.ArgumentParser(description="List the questions the assistant did not "
                                     "answer well, grouped and counted.")
    parser.add_argument("--csv", type=Path, help="also write all groups to this CSV file")
    parser.add_argument("--limit", type=int, default=30, help="groups to print (default 30)")
    parser.add_argument("--days", type=float, help="only the last N days")
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--language", type=_language_argument, metavar="{en,es,none}",
                        help="only groups with a message in English (en), Spanish (es) or "
                        "without a language (none)")
    args = parser.parse_args(argv)
    url = resolve_database_url(args.database_url or Settings.from_env().database_url)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        print(f"No conversations recorded yet ({_shown_url(url)} does not exist).")
        return 0
    since = time.time() - args.days * 86400 if args.days else None
    import sqlalchemy.exc

    try:
        groups = in_language(group_messages(unclear_messages(read_events(url, since))),
                             args.language)
    except sqlalchemy.exc.SQLAlchemyError as error:
        print(f"Could not read the conversations from {_shown_url(url)}: "
              f"{type(error).__name__}. Is DATABASE_URL right, and has the assistant run?",
              file=sys.stderr)
        return 1
    print(render(groups, _shown_url(url), args.limit, args.language))
    if args.csv:
        write_csv(groups, args.csv)
        print(f"\nWrote {len(groups)} group(s) to {args.csv}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
