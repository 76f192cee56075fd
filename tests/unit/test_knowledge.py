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
