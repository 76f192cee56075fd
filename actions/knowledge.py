"""The clinic's curated therapy content: loading, validation and routing (pure, no Rasa).

Staff edit ``content/sources.yml`` and ``content/topics/*.yml`` (see ``content/README.md``).
The action server loads them once, at start-up; any mistake raises ``ContentError`` naming
the file and the entry, so a broken edit is caught before a visitor sees it.

Every text a visitor reads has a Spanish twin (``answer_es``, ``title_es``, ...; issue 21
part 4). They are required for every topic when clinic.yml offers Spanish (``languages``
includes ``es``); ``Topic.text(name, language)`` picks the text of a conversation's
language, or ``None`` when the topic has none in it (the caller then answers in English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

from clinic.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content"
THERAPIES = ("NMT", "FMM")
BOTH = "both"
DEFAULT_SOURCE = "article"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
INTENT_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Placeholders the answer of a topic may contain; filled from clinic.yml when sent.
TEMPLATE_FIELDS = ("city", "address_sentence", "hours_sentence", "contact_sentence")
MAX_ANSWER_SENTENCES = 4
MIN_ANSWER_SENTENCES = 2
MAX_ANSWER_WORDS = 100
MIN_RELATED = 2
#: Spanish runs longer than English: a Spanish answer may have this many words.
MAX_ANSWER_WORDS_ES = 130

SPANISH = "es"
#: The texts a visitor reads, each with its Spanish twin (``<name>_es``).
TRANSLATED_FIELDS = ("title", "button", "answer", "more", "why", "other_therapy_note")
SPANISH_FIELDS = tuple(f"{name}_es" for name in TRANSLATED_FIELDS)

# The topics the product promises (issue #3); the held-out test set is written against them.
REQUIRED_TOPICS = (
    "nmt_overview", "nmt_tools", "fmm_overview", "armoring", "autonomic_regulation",
    "proprioception", "client_role", "compare_therapies", "which_therapy",
    "trigger_points", "trigger_points_nmt", "trigger_points_fmm", "positional_release",
    "pnf_stretching", "myofascial_release", "myofascial_release_fmm", "nervous_system",
    "nerve_entrapment", "nerve_entrapment_nmt", "nerve_entrapment_fmm", "dissociation",
    "headaches", "location",
)
# Which topic introduces each therapy (used when a follow-up names a therapy with no context).
OVERVIEWS = {"NMT": "nmt_overview", "FMM": "fmm_overview"}

_TOPIC_FIELDS = {
    "id", "title", "button", "therapy", "source", "source_section", "answer", "more", "why",
    "related", "perspectives", "other_therapy_note", "asked_by", "keywords",
    *SPANISH_FIELDS, "keywords_es",
}
_SOURCE_FIELDS = {"id", "title", "cite_as", "cite_as_es", "link_setting", "sections"}


class ContentError(ValueError):
    """The curated content is invalid; the message names the file and the entry."""


@dataclass(frozen=True)
class Route:
    """An intent (optionally with the therapy a visitor named) that asks for a topic."""

    intent: str
    therapy: Optional[str] = None

    def payload(self) -> str:
        """The button payload that leads to this route, e.g. ``/ask_x{"therapy":"FMM"}``."""
        if self.therapy:
            return f'/{self.intent}{{"therapy":"{self.therapy}"}}'
        return f"/{self.intent}"


@dataclass(frozen=True)
class Source:
    """A piece of the clinic's published material that answers are based on."""

    id: str
    title: str
    cite_as: str
    sections: Tuple[str, ...]
    link_setting: Optional[str] = None
    cite_as_es: Optional[str] = None

    def citation_name(self, language: Optional[str] = None) -> str:
        """How an answer in ``language`` cites this source (English when no Spanish)."""
        if language == SPANISH and self.cite_as_es:
            return self.cite_as_es
        return self.cite_as


@dataclass(frozen=True)
class Topic:
    """One curated answer."""

    id: str
    title: str
    therapy: str
    source: str
    source_section: str
    answer: str
    related: Tuple[str, ...]
    asked_by: Tuple[Route, ...]
    button: str
    file: str
    more: Optional[str] = None
    why: Optional[str] = None
    perspectives: Mapping[str, str] = field(default_factory=dict)
    other_therapy_note: Optional[str] = None
    keywords: Tuple[str, ...] = ()
    #: The Spanish texts by English field name ("answer" -> the ``answer_es`` text).
    spanish: Mapping[str, str] = field(default_factory=dict)
    keywords_es: Tuple[str, ...] = ()
    #: Spanish fields this entry lacks (a ContentError when clinic.yml offers Spanish).
    missing_spanish: Tuple[str, ...] = ()

    def text(self, name: str, language: Optional[str] = None) -> Optional[str]:
        """The text ``name`` (``answer``, ``more``, ``why``, ``title``, ``button``,
        ``other_therapy_note``) in ``language``; ``None`` when the topic has none in it.

        A Spanish button defaults to the Spanish title, as the English one does.
        """
        if language == SPANISH:
            found = self.spanish.get(name)
            if found is None and name == "button":
                found = self.spanish.get("title")
            return found
        return getattr(self, name)

    def has_language(self, language: Optional[str]) -> bool:
        """True when the topic can answer in ``language`` (English always can)."""
        return language != SPANISH or bool(self.spanish.get("answer"))

    @property
    def therapies(self) -> Tuple[str, ...]:
        """The therapies this topic speaks for."""
        return THERAPIES if self.therapy == BOTH else (self.therapy,)

    @property
    def payload(self) -> str:
        """The button payload that asks for this topic (its first route)."""
        return self.asked_by[0].payload()

    def search_text(self) -> str:
        """The texts a search may match on."""
        return " ".join([self.answer, self.more or "", self.why or ""])

    def search_boosted_text(self) -> str:
        """What the topic is about (title, label, keywords): weighs more in a search."""
        return " ".join([self.title, self.button, *self.keywords])

    def search_text_es(self) -> str:
        """The Spanish texts a search in a Spanish conversation may match on."""
        return " ".join(self.spanish.get(name, "") for name in ("answer", "more", "why"))

    def search_boosted_text_es(self) -> str:
        """Spanish title, label and keywords, plus the English keywords (Spanglish)."""
        return " ".join([
            self.spanish.get("title", ""), self.spanish.get("button", ""),
            *self.keywords_es, *self.keywords,
        ])


@dataclass(frozen=True)
class KnowledgeBase:
    """All topics and sources, validated, with the routing table built from ``asked_by``."""

    topics: Mapping[str, Topic]
    sources: Mapping[str, Source]
    routes: Mapping[Route, str]

    def get(self, topic_id: Optional[str]) -> Optional[Topic]:
        """The topic with this id, or ``None``."""
        return self.topics.get(topic_id) if topic_id else None

    def route(self, intent: str, therapy: Optional[str] = None) -> Optional[str]:
        """The topic an intent asks for, refined by the therapy the visitor named."""
        if therapy:
            found = self.routes.get(Route(intent, therapy))
            if found:
                return found
        return self.routes.get(Route(intent))

    def intents(self) -> List[str]:
        """Every intent that leads to a topic."""
        return sorted({route.intent for route in self.routes})

    def perspective(self, topic_id: str, therapy: str) -> str:
        """The topic that answers "and in <therapy>?" after ``topic_id``.

        Its ``perspectives`` entry; else the topic itself when it already speaks for that
        therapy (the follow-up then gets its "more"); else that therapy's overview.
        """
        topic = self.topics[topic_id]
        if therapy in topic.perspectives:
            return topic.perspectives[therapy]
        return topic.id if therapy in topic.therapies else OVERVIEWS[therapy]


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def _text(value: Any, where: str, name: str, required: bool = True) -> Optional[str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ContentError(f"{where}: '{name}' is missing or empty")
        return None
    if not isinstance(value, str):
        raise ContentError(f"{where}: '{name}' must be text")
    return " ".join(value.split())


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ContentError(f"{path}{line}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ContentError(f"{path}: cannot be read: {exc}") from exc


def parse_sources(data: Any, file: str) -> Dict[str, Source]:
    """Parses ``sources.yml``."""
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ContentError(f"{file}: expected a 'sources:' list")
    sources: Dict[str, Source] = {}
    for index, item in enumerate(data["sources"], start=1):
        where = f"{file}: source #{index}"
        if not isinstance(item, dict):
            raise ContentError(f"{where}: expected a mapping")
        source_id = _text(item.get("id"), where, "id")
        where = f"{file}: source '{source_id}'"
        unknown = set(item) - _SOURCE_FIELDS
        if unknown:
            raise ContentError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if source_id in sources:
            raise ContentError(f"{where}: duplicate id")
        sections = item.get("sections")
        if not isinstance(sections, list) or not sections:
            raise ContentError(f"{where}: 'sections' must be a non-empty list")
        sources[str(source_id)] = Source(
            id=str(source_id),
            title=str(_text(item.get("title"), where, "title")),
            cite_as=str(_text(item.get("cite_as"), where, "cite_as")),
            sections=tuple(str(s).strip() for s in sections),
            link_setting=_text(item.get("link_setting"), where, "link_setting", False),
            cite_as_es=_text(item.get("cite_as_es"), where, "cite_as_es", False),
        )
    return sources


def _routes(value: Any, where: str) -> Tuple[Route, ...]:
    if not isinstance(value, list) or not value:
        raise ContentError(f"{where}: 'asked_by' must list at least one intent")
    routes = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("intent"), str):
            raise ContentError(f"{where}: each 'asked_by' entry needs an 'intent'")
        if not INTENT_PATTERN.match(item["intent"]):
            raise ContentError(f"{where}: '{item['intent']}' is not a valid intent name")
        therapy = item.get("therapy")
        if therapy is not None and therapy not in THERAPIES:
            raise ContentError(f"{where}: 'asked_by' therapy must be NMT or FMM")
        routes.append(Route(item["intent"], therapy))
    return tuple(routes)


def _check_answer(
    answer: str, where: str, name: str = "answer", max_words: int = MAX_ANSWER_WORDS
) -> None:
    templated = "{" in answer
    for placeholder in re.findall(r"{(\w*)}", answer):
        if placeholder not in TEMPLATE_FIELDS:
            raise ContentError(
                f"{where}: unknown placeholder {{{placeholder}}} in '{name}' "
                f"(allowed: {', '.join(TEMPLATE_FIELDS)})"
            )
    count = _sentences(answer)
    if count > MAX_ANSWER_SENTENCES or (count < MIN_ANSWER_SENTENCES and not templated):
        raise ContentError(
            f"{where}: '{name}' has {count} sentences; keep it to "
            f"{MIN_ANSWER_SENTENCES}-{MAX_ANSWER_SENTENCES} (use 'more' for the rest)"
        )
    if len(answer.split()) > max_words:
        raise ContentError(f"{where}: '{name}' is longer than {max_words} words")


def _placeholders(text: Optional[str]) -> List[str]:
    return sorted(re.findall(r"{(\w*)}", text or ""))


def _spanish(item: Dict[str, Any], where: str) -> Tuple[Dict[str, str], Tuple[str, ...]]:
    """The entry's Spanish texts (by English field name) and the Spanish fields it lacks.

    A Spanish text needs its English original (and the same clinic placeholders); whether
    a missing one is an error depends on clinic.yml, so it is only recorded here.
    """
    spanish: Dict[str, str] = {}
    missing: List[str] = []
    for name in TRANSLATED_FIELDS:
        key = f"{name}_es"
        text = _text(item.get(key), where, key, False)
        english = item.get(name)
        if text is None:
            if english is not None or name in ("title", "answer"):
                missing.append(key)
            continue
        if english is None:
            raise ContentError(
                f"{where}: '{key}' translates '{name}', which the entry does not have"
            )
        if _placeholders(text) != _placeholders(str(english)):
            raise ContentError(
                f"{where}: '{key}' must use the same placeholders as '{name}' "
                f"({', '.join('{' + p + '}' for p in _placeholders(str(english))) or 'none'})"
            )
        spanish[name] = text
    if "answer" in spanish:
        _check_answer(spanish["answer"], where, "answer_es", MAX_ANSWER_WORDS_ES)
    return spanish, tuple(missing)


def parse_topic(item: Any, file: str, index: int) -> Topic:
    """Parses and checks one entry on its own (cross-references are checked later)."""
    where = f"{file}: entry #{index}"
    if not isinstance(item, dict):
        raise ContentError(f"{where}: expected a mapping with id, title, answer, ...")
    topic_id = _text(item.get("id"), where, "id")
    where = f"{file}: entry '{topic_id}'"
    if not ID_PATTERN.match(str(topic_id)):
        raise ContentError(f"{where}: 'id' must be lowercase letters, digits and _")
    unknown = set(item) - _TOPIC_FIELDS
    if unknown:
        raise ContentError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    therapy = item.get("therapy")
    if therapy not in (*THERAPIES, BOTH):
        raise ContentError(f"{where}: 'therapy' must be NMT, FMM or both")
    answer = str(_text(item.get("answer"), where, "answer"))
    _check_answer(answer, where)
    related = item.get("related")
    if not isinstance(related, list) or len(related) < MIN_RELATED:
        raise ContentError(f"{where}: 'related' must list at least {MIN_RELATED} topic ids")
    perspectives = item.get("perspectives") or {}
    if not isinstance(perspectives, dict) or set(perspectives) - set(THERAPIES):
        raise ContentError(f"{where}: 'perspectives' maps NMT and/or FMM to topic ids")
    keywords = item.get("keywords") or []
    if not isinstance(keywords, list):
        raise ContentError(f"{where}: 'keywords' must be a list")
    keywords_es = item.get("keywords_es") or []
    if not isinstance(keywords_es, list):
        raise ContentError(f"{where}: 'keywords_es' must be a list")
    spanish, missing_spanish = _spanish(item, where)
    title = str(_text(item.get("title"), where, "title"))
    return Topic(
        id=str(topic_id),
        title=title,
        therapy=str(therapy),
        source=str(_text(item.get("source"), where, "source", False) or DEFAULT_SOURCE),
        source_section=str(_text(item.get("source_section"), where, "source_section")),
        answer=answer,
        related=tuple(str(r) for r in related),
        asked_by=_routes(item.get("asked_by"), where),
        button=str(_text(item.get("button"), where, "button", False) or title),
        file=file,
        more=_text(item.get("more"), where, "more", False),
        why=_text(item.get("why"), where, "why", False),
        perspectives={str(k): str(v) for k, v in perspectives.items()},
        other_therapy_note=_text(
            item.get("other_therapy_note"), where, "other_therapy_note", False
        ),
        keywords=tuple(str(k) for k in keywords),
        spanish=spanish,
        keywords_es=tuple(str(k) for k in keywords_es),
        missing_spanish=missing_spanish,
    )


def check_languages(
    topics: Iterable[Topic], sources: Mapping[str, Source], languages: Iterable[str]
) -> None:
    """With Spanish offered (clinic.yml ``languages``), every topic and source needs its
    Spanish texts: a visitor must never get half an answer in each language."""
    if SPANISH not in tuple(languages):
        return
    for source in sources.values():
        if not source.cite_as_es:
            raise ContentError(
                f"content/sources.yml: source '{source.id}': 'cite_as_es' is missing "
                "(clinic.yml offers Spanish, languages: [en, es])"
            )
    for topic in topics:
        if topic.missing_spanish:
            raise ContentError(
                f"{topic.file}: entry '{topic.id}': Spanish text missing: "
                f"{', '.join(repr(name) for name in topic.missing_spanish)} (clinic.yml "
                "offers Spanish, languages: [en, es]; see content/README.md)"
            )


def build_knowledge_base(
    topics: Iterable[Topic],
    sources: Mapping[str, Source],
    languages: Iterable[str] = ("en",),
) -> KnowledgeBase:
    """Checks cross-references (ids, sources, sections, routes) and, for the languages
    offered, the translations; builds the index."""
    by_id: Dict[str, Topic] = {}
    for topic in topics:
        if topic.id in by_id:
            raise ContentError(
                f"{topic.file}: entry '{topic.id}': duplicate id "
                f"(also in {by_id[topic.id].file})"
            )
        by_id[topic.id] = topic
    routes: Dict[Route, str] = {}
    for topic in by_id.values():
        where = f"{topic.file}: entry '{topic.id}'"
        source = sources.get(topic.source)
        if source is None:
            raise ContentError(f"{where}: unknown source '{topic.source}'")
        if topic.source_section not in source.sections:
            raise ContentError(
                f"{where}: source_section '{topic.source_section}' is not a heading of "
                f"'{source.id}' (see content/sources.yml)"
            )
        for related in topic.related:
            if related not in by_id:
                raise ContentError(f"{where}: related topic '{related}' does not exist")
            if related == topic.id:
                raise ContentError(f"{where}: a topic cannot be related to itself")
        for therapy, target in topic.perspectives.items():
            if target not in by_id:
                raise ContentError(f"{where}: perspectives {therapy} -> '{target}' does not exist")
            if therapy not in by_id[target].therapies:
                raise ContentError(
                    f"{where}: perspectives {therapy} -> '{target}', which is not about {therapy}"
                )
        for route in topic.asked_by:
            if route in routes:
                raise ContentError(
                    f"{where}: asked_by {route.intent}"
                    f"{' + ' + route.therapy if route.therapy else ''} already leads to "
                    f"'{routes[route]}'"
                )
            routes[route] = topic.id
    for therapy, overview in OVERVIEWS.items():
        if overview not in by_id:
            raise ContentError(f"content: the {therapy} overview topic '{overview}' is missing")
    check_languages(by_id.values(), sources, languages)
    return KnowledgeBase(topics=by_id, sources=dict(sources), routes=routes)


def load_knowledge_base(
    content_dir: Path = CONTENT_DIR, languages: Iterable[str] = ("en",)
) -> KnowledgeBase:
    """Reads ``sources.yml`` and every ``topics/*.yml`` under ``content_dir``; with
    ``es`` among ``languages`` every Spanish field is required."""
    content_dir = Path(content_dir)
    sources_file = content_dir / "sources.yml"
    sources = parse_sources(_read_yaml(sources_file), str(sources_file))
    files = sorted((content_dir / "topics").glob("*.yml"))
    if not files:
        raise ContentError(f"{content_dir / 'topics'}: no *.yml topic files found")
    topics: List[Topic] = []
    for path in files:
        data = _read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
            raise ContentError(f"{path}: expected a 'topics:' list")
        topics.extend(
            parse_topic(item, str(path), index)
            for index, item in enumerate(data["topics"], start=1)
        )
    return build_knowledge_base(topics, sources, languages)


def offered_languages() -> Tuple[str, ...]:
    """clinic.yml's ``languages`` (both, the default, when it cannot be read here: the
    launcher reports a broken clinic.yml before anything starts)."""
    from actions.clinic_info import clinic_config
    from clinic.config import DEFAULT_LANGUAGES, ClinicConfigError

    try:
        return tuple(clinic_config().languages)
    except ClinicConfigError:
        return tuple(DEFAULT_LANGUAGES)


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The project's content, loaded once per process (Spanish required when offered)."""
    return load_knowledge_base(CONTENT_DIR, offered_languages())


def english_documents(kb: KnowledgeBase) -> List[Tuple[str, str, str]]:
    """``(topic id, body text, boosted text)`` of every topic: what the English search
    index is built from (actions/answers.py) and what ``staff.search_terms`` lemmatizes
    in advance."""
    return [(t.id, t.search_text(), t.search_boosted_text()) for t in kb.topics.values()]
