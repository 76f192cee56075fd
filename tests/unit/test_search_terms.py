"""Search terms without spaCy in the action server (clinic/nlp/search_terms.py, issue 20).

The content's terms are computed at build time (staff/search_terms.py), a message's by the
Rasa server (clinic/nlu/search_terms_annotator.py); actions/search.py only falls back on
spaCy for a text that has neither. These tests hold the three paths to the same terms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

from actions.knowledge import english_documents, knowledge_base
from actions.search import LemmaTokenizer, simple_tokens
from clinic.nlp import search_terms
from clinic.nlp.search_terms import (
    PARSE_KEY,
    TERMS_FILE,
    parse_terms,
    read_terms,
    spacy_terms,
    terms_from_tokens,
    write_terms,
)
from staff.search_terms import content_terms
from tests.fresh_python import last_line

QUESTIONS = [
    "What are Trigger Points?",
    "How is NMT different from FMM??",
    "my hands were tingling while running",
    "Does PNF stretching hurt",
    "what's the number of sessions I'd need",
    "i'm stressed and my shoulders are armored",
]


@pytest.fixture(scope="module")
def terms_of():
    return spacy_terms()


def test_the_stop_word_copies_are_spacys() -> None:
    from spacy.lang.en.stop_words import STOP_WORDS as english
    from spacy.lang.es.stop_words import STOP_WORDS as spanish

    assert search_terms.spacy_stop_words_en() == frozenset(english)
    assert search_terms.spacy_stop_words_es() == frozenset(spanish)


def test_the_filter_drops_stop_words_punctuation_and_single_letters() -> None:
    pairs = [("what", "what"), ("are", "be"), ("trigger", "trigger"), ("points", "point"),
             ("?", "?"), ("numbers", "numb"), ("x", "x"), ("where", "where"), ("hi", "hi")]
    assert terms_from_tokens(pairs) == ["trigger", "point", "number", "where"]


def test_terms_of_a_doc_are_lemmas_of_the_lower_cased_text(terms_of) -> None:
    assert terms_of("What are Trigger Points?") == ["trigger", "point"]
    assert terms_of("RELEASING tight fascia") == terms_of("releasing tight fascia")
    assert "release" in terms_of("Releasing tight fascia")


def test_parse_terms_accepts_only_a_list_of_strings() -> None:
    assert parse_terms(["a", "b"]) == ["a", "b"]
    assert parse_terms(None) is None
    assert parse_terms("trigger point") is None
    assert parse_terms(["a", 3]) is None


def test_the_terms_file_round_trips_and_refuses_other_rules(tmp_path: Path) -> None:
    path = tmp_path / "terms.json"
    assert read_terms(path) == {}  # missing: empty, nothing raised
    write_terms({"Trigger points": ["trigger", "point"]}, path)
    assert read_terms(path) == {"Trigger points": ["trigger", "point"]}
    payload = json.loads(path.read_text())
    payload["rules"] = "made-by-older-rules"
    path.write_text(json.dumps(payload))
    assert read_terms(path) == {}
    path.write_text("{not json")
    assert read_terms(path) == {}


def test_built_terms_are_what_spacy_gives_for_every_content_text(terms_of) -> None:
    built = content_terms(terms_of)
    texts = {text for _, body, boosted in english_documents(knowledge_base())
             for text in (body, boosted)}
    assert set(built) == texts
    for text in list(texts)[:8]:
        assert built[text] == terms_of(text)


def test_make_built_the_terms_file_for_the_current_content() -> None:
    """make runs staff.search_terms before the servers: the action server needs no spaCy."""
    known = read_terms(TERMS_FILE)
    missing = [tid for tid, body, boosted in english_documents(knowledge_base())
               if body not in known or boosted not in known]
    assert missing == [], f"{TERMS_FILE} is stale or missing: run `make` (staff.search_terms)"


def test_known_texts_need_no_spacy_and_others_fall_back_to_it(terms_of) -> None:
    tokenizer = LemmaTokenizer({"trigger points": ["trigger", "point"]})
    assert tokenizer("trigger points") == ["trigger", "point"]
    assert tokenizer.lemmatized == 0
    assert tokenizer("Releasing tight fascia") == terms_of("Releasing tight fascia")
    assert tokenizer.lemmatized == 1


def test_without_the_spacy_pipeline_the_fallback_is_simple_tokens(tmp_path: Path) -> None:
    tokenizer = LemmaTokenizer({}, model_path=tmp_path / "no-such-pipeline")
    text = "What are the trigger points?"
    assert tokenizer(text) == simple_tokens(text)


@pytest.fixture(scope="module")
def annotated():
    """Messages run through SpacyNLP, SpacyTokenizer and the annotator, as Rasa does."""
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
    from rasa.nlu.utils.spacy_utils import SpacyNLP
    from rasa.shared.nlu.training_data.message import Message

    from clinic.nlu.search_terms_annotator import SearchTermsAnnotator

    def run(texts: List[str], case_sensitive: bool = False) -> List[Message]:
        context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
        config = {**SpacyNLP.get_default_config(), "model": str(search_terms.SPACY_MODEL),
                  "case_sensitive": case_sensitive}
        provider = SpacyNLP.create(config, None, Resource("nlp"), context)  # type: ignore
        model = provider.provide()
        tokenizer = SpacyTokenizer(SpacyTokenizer.get_default_config())
        annotator = SearchTermsAnnotator.create({}, LocalModelStorage(Path(".")),
                                                Resource("terms"), context)
        messages = [Message(data={"text": text}) for text in texts]
        messages = tokenizer.process(provider.process(messages, model))
        return annotator.process(messages, model)

    return run


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_the_rasa_server_hands_over_the_same_terms(annotated, terms_of,
                                                   case_sensitive: bool) -> None:
    for message in annotated(QUESTIONS, case_sensitive):
        text = message.get("text")
        assert message.as_dict(only_output_properties=True)[PARSE_KEY] == terms_of(text)


def test_the_action_server_imports_no_spacy() -> None:
    """Loading every action module, as rasa-sdk does at start-up, leaves spaCy out."""
    code = (
        "import sys\n"
        "from clinic.action_server import block_tensorflow\n"
        "block_tensorflow()\n"
        "from rasa_sdk.executor import ActionExecutor\n"
        "ActionExecutor().register_package('actions')\n"
        "from actions.answers import topic_index\n"
        "assert topic_index().search('what are trigger points', ['trigger', 'point']).top\n"
        "print(sorted(m for m in sys.modules if m == 'spacy' or m.startswith('spacy.')))\n"
    )
    assert last_line(code, timeout=120) == "[]"
