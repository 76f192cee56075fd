"""The project's own spaCy pipeline: lemmas and the clinic's entities."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.nlp.build_spacy import DEFAULT_VOCABULARY, build_pipeline, read_synonyms, read_vocabulary


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(read_vocabulary(DEFAULT_VOCABULARY))


def test_lookup_lemmatizer_is_active(nlp) -> None:
    doc = nlp("my hands were tingling while running")
    assert [t.lemma_ for t in doc][1:4] == ["hand", "be", "tingle"]


@pytest.mark.parametrize(
    "text, label, span",
    [
        ("Is Neuromuscular Massage good for me?", "therapy", "Neuromuscular Massage"),
        ("what does fmm do", "therapy", "fmm"),
        ("my LOWER BACK is sore", "body_part", "LOWER BACK"),
        ("I get pins and needles in my arm", "symptom", "pins and needles"),
    ],
)
def test_entity_ruler_finds_clinic_vocabulary(nlp, text: str, label: str, span: str) -> None:
    assert (span, label) in [(e.text, e.label_) for e in nlp(text).ents]


def test_every_synonym_is_recognised_by_the_ruler() -> None:
    """A synonym the ruler cannot find would never reach the EntitySynonymMapper."""
    tables = read_vocabulary(DEFAULT_VOCABULARY)
    forms = {form.lower() for values in tables.values() for form in values}
    missing = sorted(s for s in read_synonyms(DEFAULT_VOCABULARY) if s not in forms)
    assert missing == []


def test_pipeline_saved_by_make_loads_by_path(tmp_path: Path, nlp) -> None:
    import spacy

    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert loaded.pipe_names == ["lemmatizer", "entity_ruler"]
    assert [e.label_ for e in loaded("fmm vs nmt").ents] == ["therapy", "therapy"]


def test_vocabulary_without_lookups_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "v.yml"
    bad.write_text('version: "3.1"\nnlu: []\n')
    with pytest.raises(ValueError, match="no 'lookup:' tables"):
        read_vocabulary(bad)
