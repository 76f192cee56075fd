"""The curated content (content/) and its search: loading, validation, ranking."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import pytest

from actions.knowledge import (
    OVERVIEWS,
    REQUIRED_TOPICS,
    ContentError,
    Route,
    knowledge_base,
    load_knowledge_base,
)
from actions.search import (
    ANSWER,
    CLARIFY,
    UNKNOWN,
    Decision,
    SearchResult,
    Hit,
    build_index,
    decide,
    default_tokenizer,
    simple_tokens,
)
from clinic.nlp.build_spacy import read_vocabulary

ROOT = Path(__file__).resolve().parents[2]

SOURCES = """\
sources:
  - id: article
    title: "The article"
    cite_as: "our article"
    sections: ["Section A", "Section B"]
"""


def entry(topic_id: str, **overrides: str) -> str:
    """One topic entry as YAML (valid unless overridden)."""
    fields = {
        "id": topic_id,
        "title": f"Title of {topic_id}",
        "therapy": "NMT",
        "source_section": "Section A",
        "answer": "First sentence here. Second sentence here.",
        "related": "[nmt_overview, fmm_overview]",
        "asked_by": f"[{{intent: ask_{topic_id}}}]",
    }
    fields.update(overrides)
    body = "\n".join(f"    {k}: {v}" for k, v in fields.items() if v is not None)
    return "  - " + body.lstrip()


def write_content(tmp_path: Path, files: dict) -> Path:
    """A content folder with sources.yml and the given topic files."""
    (tmp_path / "topics").mkdir()
    (tmp_path / "sources.yml").write_text(SOURCES, encoding="utf-8")
    for name, entries in files.items():
        text = "topics:\n" + "\n".join(entries) + "\n"
        (tmp_path / "topics" / name).write_text(text, encoding="utf-8")
    return tmp_path


def base_entries() -> List[str]:
    return [
        entry("nmt_overview", related="[fmm_overview, extra]"),
        entry("fmm_overview", therapy="FMM", related="[nmt_overview, extra]"),
        entry("extra", therapy="both"),
    ]


# --- the project's content --------------------------------------------------------------


def test_every_promised_topic_exists() -> None:
    kb = knowledge_base()
    missing = set(REQUIRED_TOPICS) - set(kb.topics)
    assert not missing, f"missing topics: {sorted(missing)}"


def test_every_related_and_perspective_id_exists() -> None:
    kb = knowledge_base()
    for topic in kb.topics.values():
        assert len(topic.related) >= 2, topic.id
        for related in topic.related:
            assert related in kb.topics, f"{topic.id}: related {related} missing"
        for therapy, target in topic.perspectives.items():
            assert therapy in kb.topics[target].therapies, f"{topic.id} -> {target}"


def test_answers_are_chat_sized_and_cite_a_real_section() -> None:
    kb = knowledge_base()
    for topic in kb.topics.values():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", topic.answer) if s]
        assert len(sentences) <= 4, topic.id
        assert len(topic.answer.split()) <= 100, topic.id
        assert topic.source_section in kb.sources[topic.source].sections, topic.id


def test_routing_table_covers_perspectives() -> None:
    kb = knowledge_base()
    assert kb.route("ask_trigger_points") == "trigger_points"
    assert kb.route("ask_trigger_points", "FMM") == "trigger_points_fmm"
    assert kb.route("ask_trigger_points", "NMT") == "trigger_points_nmt"
    assert kb.route("ask_myofascial_release", "FMM") == "myofascial_release_fmm"
    assert kb.route("ask_nerve_entrapment", "NMT") == "nerve_entrapment_nmt"
    assert kb.route("ask_nervous_system", "FMM") == "autonomic_regulation"
    # a therapy without its own perspective falls back to the intent's topic
    assert kb.route("ask_positional_release", "FMM") == "positional_release"
    assert kb.route("ask_unknown_thing") is None


def test_every_topic_is_reachable_by_a_distinct_payload() -> None:
    kb = knowledge_base()
    payloads = [topic.payload for topic in kb.topics.values()]
    assert len(payloads) == len(set(payloads))
    assert kb.topics["trigger_points_fmm"].payload == '/ask_trigger_points{"therapy":"FMM"}'


def test_every_topic_intent_is_declared_in_the_domain_and_trained() -> None:
    import yaml

    domain = yaml.safe_load((ROOT / "domain" / "therapies.yml").read_text(encoding="utf-8"))
    nlu = yaml.safe_load((ROOT / "data" / "nlu" / "therapies.yml").read_text(encoding="utf-8"))
    trained = {item["intent"] for item in nlu["nlu"]}
    for intent in knowledge_base().intents():
        assert intent in domain["intents"], intent
        assert intent in trained, intent


def test_perspective_defaults() -> None:
    kb = knowledge_base()
    assert kb.perspective("trigger_points_nmt", "FMM") == "trigger_points_fmm"
    assert kb.perspective("nmt_tools", "FMM") == OVERVIEWS["FMM"]  # no FMM view: overview
    assert kb.perspective("myofascial_release", "NMT") == "myofascial_release"  # covers NMT
    assert kb.perspective("location", "FMM") == "fmm_overview"


def test_route_payload_format() -> None:
    assert Route("ask_x").payload() == "/ask_x"
    assert Route("ask_x", "NMT").payload() == '/ask_x{"therapy":"NMT"}'


def test_vocabulary_synonyms_appear_in_lookup_tables() -> None:
    import yaml

    path = ROOT / "data" / "nlu" / "vocabulary.yml"
    tables = {k: {v.lower() for v in vs} for k, vs in read_vocabulary(path).items()}
    known = set().union(*tables.values())
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in data["nlu"]:
        if "synonym" in item:
            for line in item["examples"].splitlines():
                example = line.strip().lstrip("-").strip().lower()
                if example:
                    assert example in known, f"synonym example {example!r} not in a lookup"


# --- validation: errors name the file and the entry ---------------------------------------


def test_valid_folder_loads(tmp_path: Path) -> None:
    kb = load_knowledge_base(write_content(tmp_path, {"a.yml": base_entries()}))
    assert set(kb.topics) == {"nmt_overview", "fmm_overview", "extra"}
    assert kb.topics["extra"].file.endswith("a.yml")


def test_unknown_related_topic_names_file_and_entry(tmp_path: Path) -> None:
    entries = base_entries() + [entry("broken", related="[nmt_overview, nowhere]")]
    with pytest.raises(ContentError) as error:
        load_knowledge_base(write_content(tmp_path, {"b.yml": entries}))
    message = str(error.value)
    assert "b.yml" in message and "'broken'" in message and "nowhere" in message


def test_missing_answer_names_file_and_entry(tmp_path: Path) -> None:
    entries = base_entries() + [entry("no_answer", answer=None)]
    with pytest.raises(ContentError, match=r"c\.yml: entry 'no_answer': 'answer' is missing"):
        load_knowledge_base(write_content(tmp_path, {"c.yml": entries}))


def test_bad_therapy_is_rejected(tmp_path: Path) -> None:
    entries = base_entries() + [entry("odd", therapy="yoga")]
    with pytest.raises(ContentError, match=r"entry 'odd': 'therapy' must be NMT, FMM or both"):
        load_knowledge_base(write_content(tmp_path, {"d.yml": entries}))


def test_too_long_answer_is_rejected(tmp_path: Path) -> None:
    long_answer = "One. Two. Three. Four. Five."
    entries = base_entries() + [entry("long", answer=long_answer)]
    with pytest.raises(ContentError, match=r"entry 'long': 'answer' has 5 sentences"):
        load_knowledge_base(write_content(tmp_path, {"e.yml": entries}))


def test_unknown_section_is_rejected(tmp_path: Path) -> None:
    entries = base_entries() + [entry("lost", source_section="Section Z")]
    with pytest.raises(ContentError, match=r"entry 'lost': source_section 'Section Z'"):
        load_knowledge_base(write_content(tmp_path, {"f.yml": entries}))


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    entries = base_entries() + [entry("typo", anwser="Oops. Oops.")]
    with pytest.raises(ContentError, match=r"entry 'typo': unknown field\(s\) anwser"):
        load_knowledge_base(write_content(tmp_path, {"g.yml": entries}))


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    files = {"h1.yml": base_entries(), "h2.yml": [entry("extra", asked_by="[{intent: ask_x}]")]}
    with pytest.raises(ContentError) as error:
        load_knowledge_base(write_content(tmp_path, files))
    assert "h2.yml" in str(error.value) and "h1.yml" in str(error.value)


def test_two_topics_claiming_one_route_are_rejected(tmp_path: Path) -> None:
    entries = base_entries() + [entry("twin", asked_by="[{intent: ask_extra}]")]
    with pytest.raises(ContentError, match=r"entry 'twin': asked_by ask_extra already leads"):
        load_knowledge_base(write_content(tmp_path, {"i.yml": entries}))


def test_unknown_placeholder_is_rejected(tmp_path: Path) -> None:
    entries = base_entries() + [entry("tmpl", answer="'We are at {street}. Come by.'")]
    with pytest.raises(ContentError, match=r"entry 'tmpl': unknown placeholder \{street\}"):
        load_knowledge_base(write_content(tmp_path, {"j.yml": entries}))


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    folder = write_content(tmp_path, {"k.yml": base_entries()})
    (folder / "topics" / "l.yml").write_text("topics:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"l\.yml \(line \d+\): not valid YAML"):
        load_knowledge_base(folder)


# --- search -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index():
    kb = knowledge_base()
    return build_index(
        ((t.id, t.search_text(), t.search_boosted_text()) for t in kb.topics.values()),
        default_tokenizer(),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("holding a muscle in a shortened position of ease", "positional_release"),
        ("stretching where the muscle contracts and stretches", "pnf_stretching"),
        ("pins and needles in my fingers", "nerve_entrapment"),
        ("fight or flight versus rest and digest", "nervous_system"),
        ("chronic sympathetic contraction patterns", "armoring"),
        ("sigh of relief breathing", "client_role"),
        ("the ganglia along the spine", "trigger_points_fmm"),
        ("daily headaches", "headaches"),
        ("I feel disconnected from my body", "dissociation"),
        ("where is the clinic", "location"),
        ("adhesions and restricted tissue", "myofascial_release"),
        ("tirgger points", "trigger_points"),
    ],
)
def test_search_ranks_expected_topic_first(index, query: str, expected: str) -> None:
    result = index.search(query)
    assert result.top is not None and result.top.topic == expected, result.hits[:3]


@pytest.mark.parametrize(
    "query", ["write me a poem", "best sushi nearby", "what's the weather like in LA", "hmm"]
)
def test_unrelated_queries_are_not_answered(index, query: str) -> None:
    assert decide(index.search(query)).kind == UNKNOWN


def test_decide_answers_clear_winner() -> None:
    result = SearchResult(hits=(Hit("a", 9.0), Hit("b", 3.0)), coverage=1.0)
    assert decide(result).kind == ANSWER


def test_decide_clarifies_close_call_and_lists_at_most_three() -> None:
    hits = (Hit("a", 5.0), Hit("b", 4.8), Hit("c", 4.5), Hit("d", 4.0), Hit("e", 1.0))
    decision = decide(SearchResult(hits=hits, coverage=1.0))
    assert decision.kind == CLARIFY and decision.topics == ("a", "b", "c")


def test_decide_answers_when_classifier_agrees() -> None:
    result = SearchResult(hits=(Hit("a", 5.0), Hit("b", 4.5), Hit("c", 3.0)), coverage=0.55)
    assert decide(result, "a", 0.3) == Decision(ANSWER, ("a",))
    assert decide(result, "b", 0.3) == Decision(ANSWER, ("b",))  # a near tie supports b
    clarify = decide(result, "c", 0.3)
    assert clarify.kind == CLARIFY and clarify.topics[0] == "c"


def test_decide_answers_confident_classifier_topic_directly() -> None:
    assert decide(SearchResult(hits=(), coverage=0.0), "a", 0.7) == Decision(ANSWER, ("a",))


def test_decide_needs_coverage_or_confidence_for_agreement() -> None:
    result = SearchResult(hits=(Hit("a", 5.0),), coverage=0.2)
    assert decide(result, "a", 0.3).kind == UNKNOWN
    assert decide(result, "a", 0.45).kind == ANSWER
    assert decide(result, "b", 0.45) == Decision(CLARIFY, ("b",))


def test_decide_ignores_matches_covering_little_of_the_question() -> None:
    result = SearchResult(hits=(Hit("a", 9.0),), coverage=0.2)
    assert decide(result).kind == UNKNOWN


def test_simple_tokens_drop_stop_words_and_plurals() -> None:
    assert simple_tokens("What are the trigger points?") == ["trigger", "point"]


# --- Spanish (issue 21 part 4): the same facts, in Spanish --------------------------------

SPANISH_NUMBER_WORDS = {
    "dos": ("two", "both"), "tres": ("three",), "cuatro": ("four",), "cinco": ("five",),
    "seis": ("six",), "siete": ("seven",), "ocho": ("eight",), "nueve": ("nine",),
    "diez": ("ten",), "veinte": ("twenty", "20"), "cien": ("hundred", "100"),
    "mil": ("thousand",),
}
# Words that carry a claim or an instruction: a Spanish text has one only where its English
# original has the matching one, and keeps every one the English has (a "see a doctor"
# must never get lost in translation).
MATCHING_TERMS = (
    (r"\bmédic[oa]s?\b", r"\bdoctors?\b"),
    (r"\bnuestr[oa] artículo\b", r"\bour article\b"),
    (r"\bnuestra historia\b|\bhistoria titulada\b", r"\bour story\b|\bstory called\b"),
)
PRICE_OR_CONTACT = re.compile(
    r"\$|€|\bdólar|\bprecio|\bcuesta|\btarifa|\bdescuento|@|https?:|www\.|\.com\b|"
    r"\(\d{3}\)|\b\d{3}[-. ]\d{4}\b",
    re.IGNORECASE,
)


def spanish_pairs():
    """(topic id, field, Spanish text, English text) for every translated text."""
    for topic in knowledge_base().topics.values():
        for name, spanish in topic.spanish.items():
            yield topic.id, name, spanish, str(getattr(topic, name))


def test_clinic_offers_spanish_so_every_topic_has_every_spanish_field() -> None:
    from actions.knowledge import offered_languages

    assert "es" in offered_languages()  # clinic.yml: languages: [en, es]
    kb = knowledge_base()
    for topic in kb.topics.values():
        assert topic.missing_spanish == (), topic.id
        for name in ("title", "button", "answer"):
            assert topic.text(name, "es"), (topic.id, name)
        for name in ("more", "why", "other_therapy_note"):
            assert (getattr(topic, name) is None) == (topic.text(name, "es") is None), (
                topic.id, name)
        assert topic.has_language("es")
    for source in kb.sources.values():
        assert source.cite_as_es, source.id


def test_spanish_texts_are_spanish_and_differ_from_the_english() -> None:
    for topic_id, name, spanish, english in spanish_pairs():
        assert spanish != english, (topic_id, name)
        assert re.search(r"[áéíóúñ¿]|\b(el|la|los|las|de|que|en|y)\b", spanish, re.I), (
            topic_id, name)


def test_spanish_answers_are_chat_sized() -> None:
    from actions.knowledge import MAX_ANSWER_WORDS_ES

    for topic in knowledge_base().topics.values():
        answer = topic.spanish["answer"]
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", answer) if s]
        assert 1 <= len(sentences) <= 4, topic.id
        assert len(answer.split()) <= MAX_ANSWER_WORDS_ES, topic.id


def test_no_spanish_text_adds_a_number_a_price_or_a_contact_detail() -> None:
    for topic_id, name, spanish, english in spanish_pairs():
        where = (topic_id, name)
        assert set(re.findall(r"\d+", spanish)) <= set(re.findall(r"\d+", english)), where
        assert not PRICE_OR_CONTACT.search(spanish), where
        for word in re.findall(r"[a-záéíóúñ]+", spanish.lower()):
            if word in SPANISH_NUMBER_WORDS:
                assert any(re.search(rf"\b{e}\b", english.lower())
                           for e in SPANISH_NUMBER_WORDS[word]), (where, word)


def test_spanish_keeps_the_claims_and_advice_of_the_english() -> None:
    for topic_id, name, spanish, english in spanish_pairs():
        for spanish_term, english_term in MATCHING_TERMS:
            in_spanish = bool(re.search(spanish_term, spanish, re.IGNORECASE))
            in_english = bool(re.search(english_term, english, re.IGNORECASE))
            assert in_spanish == in_english, (topic_id, name, spanish_term)


def test_spanish_placeholders_match_the_english() -> None:
    for topic_id, name, spanish, english in spanish_pairs():
        assert sorted(re.findall(r"{(\w+)}", spanish)) == sorted(
            re.findall(r"{(\w+)}", english)), (topic_id, name)


def test_spanish_answers_explain_nmt_and_fmm_on_first_mention() -> None:
    explained = {"NMT": "Terapia Neuromuscular (NMT)", "FMM": "Manipulación Muscular Funcional (FMM)"}
    for topic in knowledge_base().topics.values():
        answer = topic.spanish["answer"]
        for short, long in explained.items():
            if short in answer:
                first = answer.index(short)
                assert answer.find(long) != -1 and answer.find(long) + len(long) > first, (
                    topic.id, short)
        for text in topic.spanish.values():  # the names stay NMT / FMM, never "TNM"
            assert "TNM" not in text and "MMF" not in text, topic.id


def test_spanish_buttons_are_distinct_questions_with_the_same_payloads() -> None:
    from actions.knowledge_replies import topic_button

    kb = knowledge_base()
    titles = [topic.text("button", "es") for topic in kb.topics.values()]
    assert len(titles) == len(set(titles)), "two topics share a Spanish button"
    for topic in kb.topics.values():
        title = str(topic.text("button", "es"))
        assert title.startswith("¿") and title.endswith("?"), topic.id
        assert len(title) <= 45, topic.id
        spanish, english = topic_button(topic, "es"), topic_button(topic)
        assert spanish["payload"] == english["payload"] == topic.payload
        assert spanish["title"] == title and english["title"] == topic.button


# --- Spanish fields: the loader's checks ---------------------------------------------------


def spanish_entry(topic_id: str, **overrides: str) -> str:
    fields = {
        "title_es": f"Título de {topic_id}",
        "answer_es": "Primera frase aquí. Segunda frase aquí.",
    }
    fields.update(overrides)
    return entry(topic_id, **fields)


SOURCES_ES = SOURCES.replace('    cite_as: "our article"\n',
                             '    cite_as: "our article"\n    cite_as_es: "nuestro artículo"\n')


def write_spanish_content(tmp_path: Path, files: dict, sources: str = SOURCES_ES) -> Path:
    folder = write_content(tmp_path, files)
    (folder / "sources.yml").write_text(sources, encoding="utf-8")
    return folder


def spanish_base() -> List[str]:
    return [
        spanish_entry("nmt_overview", related="[fmm_overview, extra]"),
        spanish_entry("fmm_overview", therapy="FMM", related="[nmt_overview, extra]"),
        spanish_entry("extra", therapy="both"),
    ]


def test_spanish_content_loads_with_spanish_offered(tmp_path: Path) -> None:
    folder = write_spanish_content(tmp_path, {"a.yml": spanish_base()})
    kb = load_knowledge_base(folder, languages=("en", "es"))
    topic = kb.topics["extra"]
    assert topic.text("answer", "es") == "Primera frase aquí. Segunda frase aquí."
    assert topic.text("button", "es") == "Título de extra"  # defaults to the Spanish title
    assert topic.text("answer") == topic.answer and topic.text("answer", "en") == topic.answer
    assert kb.sources["article"].citation_name("es") == "nuestro artículo"


def test_missing_spanish_names_file_entry_and_fields_when_spanish_is_offered(
    tmp_path: Path,
) -> None:
    entries = spanish_base() + [
        spanish_entry("half", more="'More here. And here.'", why="'Because. Yes.'",
                      why_es="'Porque. Sí.'")
    ]
    folder = write_spanish_content(tmp_path, {"m.yml": entries})
    with pytest.raises(ContentError) as error:
        load_knowledge_base(folder, languages=("en", "es"))
    message = str(error.value)
    assert "m.yml" in message and "entry 'half'" in message and "'more_es'" in message
    assert "'why_es'" not in message and "clinic.yml" in message
    # an English-only clinic needs no Spanish at all
    assert "half" in load_knowledge_base(folder, languages=("en",)).topics


def test_an_english_topic_without_spanish_is_refused_when_spanish_is_offered(
    tmp_path: Path,
) -> None:
    entries = spanish_base() + [entry("english_only")]
    folder = write_spanish_content(tmp_path, {"n.yml": entries})
    with pytest.raises(ContentError, match=r"n\.yml: entry 'english_only': Spanish text "
                                           r"missing: 'title_es', 'answer_es'"):
        load_knowledge_base(folder, languages=("en", "es"))


def test_a_source_without_its_spanish_citation_is_refused(tmp_path: Path) -> None:
    folder = write_spanish_content(tmp_path, {"o.yml": spanish_base()}, sources=SOURCES)
    with pytest.raises(ContentError, match=r"source 'article': 'cite_as_es' is missing"):
        load_knowledge_base(folder, languages=("en", "es"))


def test_spanish_text_without_its_english_original_is_refused(tmp_path: Path) -> None:
    entries = spanish_base() + [spanish_entry("orphan", why_es="'Porque sí. Claro.'")]
    with pytest.raises(ContentError, match=r"entry 'orphan': 'why_es' translates 'why'"):
        load_knowledge_base(write_spanish_content(tmp_path, {"p.yml": entries}))


def test_spanish_placeholders_must_match(tmp_path: Path) -> None:
    entries = spanish_base() + [spanish_entry(
        "where", answer="'We are in {city}. Come by.'", answer_es="'Estamos aquí. Venga.'")]
    with pytest.raises(ContentError, match=r"entry 'where': 'answer_es' must use the same "
                                           r"placeholders as 'answer' \(\{city\}\)"):
        load_knowledge_base(write_spanish_content(tmp_path, {"q.yml": entries}))


def test_too_long_spanish_answer_is_refused(tmp_path: Path) -> None:
    entries = spanish_base() + [spanish_entry("long_es", answer_es="'Uno. Dos. Tres. Cuatro. Cinco.'")]
    with pytest.raises(ContentError, match=r"entry 'long_es': 'answer_es' has 5 sentences"):
        load_knowledge_base(write_spanish_content(tmp_path, {"r.yml": entries}))


def test_misspelt_spanish_field_is_refused(tmp_path: Path) -> None:
    entries = spanish_base() + [spanish_entry("typo_es", answr_es="'Hola. Adiós.'")]
    with pytest.raises(ContentError, match=r"entry 'typo_es': unknown field\(s\) answr_es"):
        load_knowledge_base(write_spanish_content(tmp_path, {"s.yml": entries}))


# --- the Spanish search -----------------------------------------------------------------


@pytest.fixture(scope="module")
def index_es():
    from actions.search import spanish_tokens

    kb = knowledge_base()
    return build_index(
        ((t.id, t.search_text_es(), t.search_boosted_text_es()) for t in kb.topics.values()),
        spanish_tokens,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mantener el músculo en una posición acortada y cómoda", "positional_release"),
        ("tengo hormigueo en los dedos", "nerve_entrapment"),
        ("lucha o huida y descanso y digestion", "nervous_system"),
        ("patrones cronicos de contraccion simpatica", "armoring"),
        ("la respiración del suspiro de alivio", "client_role"),
        ("los ganglios a lo largo de la columna", "trigger_points_fmm"),
        ("dolores de cabeza diarios", "headaches"),
        ("me siento desconectado de mi cuerpo", "dissociation"),
        ("¿dónde está la clínica? ¿cuál es la dirección?", "location"),
        ("adherencias y tejido restringido", "myofascial_release"),
        ("estiramientos fnp", "pnf_stretching"),
        ("what are trigger points", "trigger_points"),  # Spanglish / English keywords
    ],
)
def test_spanish_search_ranks_expected_topic_first(index_es, query: str, expected: str) -> None:
    result = index_es.search(query)
    assert result.top is not None and result.top.topic == expected, result.hits[:3]


@pytest.mark.parametrize(
    "query", ["escríbame un poema", "el mejor sushi cerca de aquí", "¿qué tiempo hace en LA?",
              "mmm", "quiero comprar un coche"],
)
def test_unrelated_spanish_queries_are_not_answered(index_es, query: str) -> None:
    assert decide(index_es.search(query)).kind == UNKNOWN


def test_spanish_tokens_fold_accents_and_endings() -> None:
    from actions.search import spanish_tokens

    assert spanish_tokens("¿Qué son los puntos gatillo?") == spanish_tokens("que son punto gatillo")
    assert spanish_tokens("músculos") == spanish_tokens("musculo")
    assert spanish_tokens("hola, quisiera saber dónde están") == ["dond"]
