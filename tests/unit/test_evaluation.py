"""The pure parts of make eval (staff/evaluation_scores.py, staff/evaluation_report.py:
parsing, scoring and the markdown report) and the measuring module's command lines."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Dict, Optional, Set, Tuple

import pytest
import yaml

from clinic.settings import PROJECT_ROOT
from staff.evaluation import (
    cross_validation_command,
    run_heldout,
    spanish_figures,
)
from staff.evaluation_report import render_markdown
from staff.evaluation_scores import (
    SPANISH_HELDOUT_MINIMUM,
    EvaluationError,
    HeldOutQuestion,
    HeldOutResult,
    IntentReport,
    IntentScore,
    combine_reports,
    intent_labels,
    load_heldout,
    load_spanish_heldout,
    nonsense_questions,
    parse_intent_report,
    parsed_intent,
    predicted_topic,
    score_heldout,
    score_intents,
    score_spanish,
)

REPORT = {
    "ask_more": {"precision": 1.0, "recall": 0.9, "f1-score": 0.947, "support": 20,
                 "confused_with": {"ask_why": 2}},
    "ask_why": {"precision": 0.9, "recall": 1.0, "f1-score": 0.947, "support": 18,
                "confused_with": {}},
    "accuracy": 0.95,
    "macro avg": {"precision": 0.95, "recall": 0.95, "f1-score": 0.947, "support": 38},
    "weighted avg": {"precision": 0.95, "recall": 0.95, "f1-score": 0.947, "support": 38},
}


def result(text: str, expected: str, got: str) -> HeldOutResult:
    return HeldOutResult(HeldOutQuestion(text, expected), got)


def test_parse_intent_report_reads_rows_and_macro() -> None:
    report = parse_intent_report(REPORT)
    assert [s.intent for s in report.intents] == ["ask_more", "ask_why"]
    assert report.macro_f1 == pytest.approx(0.947)
    assert report.accuracy == pytest.approx(0.95)
    assert report.intents[0].confused_with == (("ask_why", 2),)
    assert report.intents[0].support == 20


def test_parse_intent_report_computes_macro_when_missing() -> None:
    rows = {k: v for k, v in REPORT.items() if k != "macro avg"}
    rows["ask_why"] = dict(rows["ask_why"], **{"f1-score": 0.5})
    assert parse_intent_report(rows).macro_f1 == pytest.approx((0.947 + 0.5) / 2)


def test_score_heldout_counts_per_topic_and_lists_misses() -> None:
    results = [
        result("what are trigger points", "trigger_points", "trigger_points"),
        result("how does fmm see knots", "trigger_points_fmm", "trigger_points"),
        result("write me a poem", "none", "none"),
        result("best sushi", "none", "location"),
    ]
    score = score_heldout(results)
    assert (score.correct, score.total) == (2, 4)
    assert score.accuracy == pytest.approx(0.5)
    assert score.per_topic == (
        ("none", 1, 2), ("trigger_points", 1, 1), ("trigger_points_fmm", 0, 1)
    )
    assert [m.question.text for m in score.misses] == ["how does fmm see knots", "best sushi"]


def test_empty_heldout_scores_zero() -> None:
    assert score_heldout([]).accuracy == 0.0


def test_predicted_topic_maps_empty_slot_to_none() -> None:
    assert predicted_topic(None) == "none"
    assert predicted_topic("") == "none"
    assert predicted_topic("armoring") == "armoring"


def test_markdown_has_tables_targets_and_misses() -> None:
    heldout = score_heldout([
        result("a | b", "armoring", "dissociation"),
        result("c", "armoring", "armoring"),
    ])
    text = render_markdown(parse_intent_report(REPORT), heldout, "2026-01-01 10:00")
    assert "| ask_more | 1.000 | 0.900 | 0.947 | 20 | ask_why (2) |" in text
    assert "| **macro average** | | | **0.947** | | |" in text
    assert "| held-out questions answered with the right topic | 0.500 (1/2) |" in text
    assert "BELOW TARGET" in text
    assert "| a \\| b | – | armoring | dissociation |" in text  # pipes escaped in cells
    assert "| armoring | 1 | 2 | 0.50 |" in text


def test_markdown_without_measurements_says_not_measured() -> None:
    text = render_markdown(None, None, "2026-01-01 10:00", notes=["training pending"])
    assert text.count("not measured") == 2
    assert "- training pending" in text
    assert "### Misses" not in text


def test_markdown_without_misses_says_none() -> None:
    heldout = score_heldout([result("c", "armoring", "armoring")])
    assert "### Misses\n\nNone." in render_markdown(None, heldout, "now")


def test_load_heldout_accepts_list_and_questions_key(tmp_path: Path) -> None:
    flat = tmp_path / "flat.yml"
    flat.write_text("- {text: what is nmt, topic: nmt_overview}\n", encoding="utf-8")
    keyed = tmp_path / "keyed.yml"
    keyed.write_text("questions:\n  - {text: hi poem, topic: none}\n", encoding="utf-8")
    assert load_heldout(flat) == [HeldOutQuestion("what is nmt", "nmt_overview")]
    assert load_heldout(keyed) == [HeldOutQuestion("hi poem", "none")]


def test_load_heldout_rejects_missing_file_and_bad_entries(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="missing"):
        load_heldout(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("- {text: no topic here}\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="entry #1 needs 'text' and 'topic'"):
        load_heldout(bad)


def test_cross_validation_command_uses_project_config_and_data(tmp_path: Path) -> None:
    cmd = cross_validation_command(tmp_path, seed=7)
    joined = " ".join(cmd[1:])
    assert cmd[0].endswith("python") or "python" in Path(cmd[0]).name
    assert joined.startswith("-m staff.seeded_rasa 7 test nlu --cross-validation --folds 5")
    assert "--config config.yml --nlu data --domain domain" in joined
    assert f"--out {tmp_path}" in joined


def _report(macro: float, f1: float, confused: Dict[str, int]) -> IntentReport:
    return IntentReport(
        (IntentScore("ask_more", f1, f1, f1, 20, tuple(confused.items())),
         IntentScore("greet", 1.0, 1.0, 1.0, 10)),
        macro_f1=macro, accuracy=macro,
    )


def test_seeded_runs_are_averaged_and_confusions_summed() -> None:
    combined = combine_reports([_report(0.94, 0.90, {"ask_why": 2}),
                                _report(0.96, 0.94, {"ask_why": 1, "greet": 1})])
    assert combined.macro_f1 == pytest.approx(0.95)
    assert combined.runs == (0.94, 0.96)
    more = combined.intents[0]
    assert more.intent == "ask_more" and more.f1 == pytest.approx(0.92)
    assert more.confused_with == (("ask_why", 3), ("greet", 1))
    assert combine_reports([_report(0.9, 0.9, {})]).runs == ()  # one run: no spread to show
    with pytest.raises(EvaluationError):
        combine_reports([])
    page = render_markdown(combined, None, "now")
    assert "mean of 2 seeded splits: 0.940, 0.960) | 0.950 |" in page


def test_seeded_rasa_seeds_numpy_and_refuses_a_bad_seed(monkeypatch) -> None:
    import numpy as np
    import rasa.__main__

    from staff import seeded_rasa

    seen = {}
    monkeypatch.setattr(rasa.__main__, "main",
                        lambda: seen.update(argv=list(__import__("sys").argv),
                                            draw=np.random.random()))
    seeded_rasa.main(["5", "test", "nlu"])
    first = seen["draw"]
    seeded_rasa.main(["5", "test", "nlu"])
    assert seen["draw"] == first and seen["argv"] == ["rasa", "test", "nlu"]
    seeded_rasa.main(["6", "test"])
    assert seen["draw"] != first
    for bad in (["x", "test"], ["-1"], []):
        with pytest.raises(SystemExit):
            seeded_rasa.main(bad)


def test_cross_validation_skips_scoring_the_training_folds(monkeypatch) -> None:
    import asyncio

    import rasa.__main__
    import rasa.nlu.test as nlu_test

    from staff import seeded_rasa

    scored = []

    async def fake_combine_result(intent_metrics, entity_metrics, selection_metrics,
                                  processor, data, intent_results=None, entity_results=None,
                                  selection_results=None):
        scored.append(data)
        return "scored"

    monkeypatch.setattr(nlu_test, "combine_result", fake_combine_result)
    monkeypatch.setattr(rasa.__main__, "main", lambda: None)
    seeded_rasa.main(["5", "test", "nlu"])
    assert nlu_test.combine_result is fake_combine_result  # only cross-validation changes
    seeded_rasa.main(["5", "test", "nlu", "--cross-validation", "--folds", "5"])
    metrics = ({"accuracy": []}, {}, {})
    # Rasa's call for a fold's training part passes no result lists: nothing is parsed.
    assert asyncio.run(nlu_test.combine_result(*metrics, None, "train fold")) == metrics
    # The test-fold call collects results and runs as before.
    assert asyncio.run(nlu_test.combine_result(*metrics, None, "test fold", [], [], [])) \
        == "scored"
    assert scored == ["test fold"]


def test_nonsense_questions_are_repeatable_made_up_words() -> None:
    first = nonsense_questions(50, seed=3)
    assert first == nonsense_questions(50, seed=3)
    assert first != nonsense_questions(50, seed=4)
    assert len({q.text for q in first}) == 50
    for question in first:
        words = question.text.split()
        assert 1 <= len(words) <= 4 and all(w.isalpha() and 2 <= len(w) <= 9 for w in words)
        assert question.topic == "none"


def test_report_shows_random_strings_and_the_ones_answered() -> None:
    nonsense = score_heldout([result("qzx vlop", "none", "none"),
                              result("plorf", "none", "pnf_stretching")])
    page = render_markdown(None, None, "now", nonsense=nonsense)
    assert "| random letter strings without a therapy answer | 0.500 (1/2) | 1.00 (BELOW" in page
    assert "| plorf | pnf_stretching |" in page
    assert "qzx vlop" not in page


class FakeTrackerStore:
    """Stores the last_topic an answer would set, and the parsed intent, per sender."""

    def __init__(self) -> None:
        self.slots: Dict[str, Optional[str]] = {}
        self.intents: Dict[str, str] = {}

    async def retrieve(self, sender: str):
        value = self.slots.get(sender)
        events = [SimpleNamespace(type_name="action"),
                  SimpleNamespace(type_name="user", intent={"name": self.intents[sender]})]
        return SimpleNamespace(get_slot=lambda name: value if name == "last_topic" else None,
                               events=events)


class FakeAgent:
    """Answers "trigger" questions with trigger_points and nothing else."""

    def __init__(self) -> None:
        self.tracker_store = FakeTrackerStore()
        self.senders = []

    async def handle_text(self, text: str, sender_id: str):
        self.senders.append(sender_id)
        self.tracker_store.intents[sender_id] = "out_of_scope"
        if "trigger" in text:
            self.tracker_store.slots[sender_id] = "trigger_points"
            self.tracker_store.intents[sender_id] = "ask_trigger_points"
        return []


async def test_run_heldout_uses_fresh_sender_per_question_and_reads_slot() -> None:
    agent = FakeAgent()
    questions = [
        HeldOutQuestion("what are trigger points", "trigger_points"),
        HeldOutQuestion("write me a poem", "none"),
        HeldOutQuestion("what is fmm", "fmm_overview"),
    ]
    results = await run_heldout(agent, questions)
    assert len(set(agent.senders)) == 3
    assert [r.predicted for r in results] == ["trigger_points", "none", "none"]
    assert [r.correct for r in results] == [True, True, False]
    assert [r.intent for r in results] == ["ask_trigger_points", "out_of_scope", "out_of_scope"]


def test_every_heldout_batch_is_loaded_and_scored_per_batch(tmp_path: Path) -> None:
    from staff.heldout import HELDOUT_FILES

    questions = load_heldout()
    assert {q.source for q in questions} == {path.name for path in HELDOUT_FILES}
    assert len(questions) == sum(len(load_heldout(path)) for path in HELDOUT_FILES)
    one = HeldOutQuestion("a", "armoring", "questions.yml")
    two = HeldOutQuestion("b", "headaches", "questions_batch2.yml")
    score = score_heldout([HeldOutResult(one, "armoring"), HeldOutResult(two, "none")])
    assert score.per_source == (("questions.yml", 1, 1), ("questions_batch2.yml", 0, 1))
    page = render_markdown(None, score, "now")
    assert "`tests/heldout/questions_batch2.yml` | 0.000 (0/1)" in page
    assert "| b | questions_batch2.yml | headaches | none |" in page


def test_questions_also_in_training_are_counted_and_reported_apart() -> None:
    from staff.evaluation_scores import seen_in_training, unseen_accuracy

    asked = [HeldOutQuestion("What is NMT?", "nmt_overview"),
             HeldOutQuestion("my fingers buzz at the keyboard", "nerve_entrapment")]
    seen = seen_in_training(asked, ["what is nmt", "hello"])
    assert seen == {"What is NMT?"}
    score = score_heldout([HeldOutResult(asked[0], "nmt_overview"),
                           HeldOutResult(asked[1], "none")])
    assert unseen_accuracy(score, seen) == (0, 1)
    page = render_markdown(None, score, "now", seen=seen)
    assert "1 of the 2 held-out questions are word for word also training examples" in page
    assert "questions never seen in training: 0.000 (0/1)" in page


def test_short_message_outcome_is_read_from_the_turn() -> None:
    from staff.short_messages import ShortMessage, ShortResult, turn_outcome

    events = [
        {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "action", "name": "utter_greet"},
        {"event": "bot", "text": "Hello", "data": {}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "ok", "parse_data": {"intent": {"name": "affirm"}}},
        {"event": "action", "name": "action_reply_guard"},
        {"event": "bot", "text": "Glad that helps.", "data": {"buttons": [{"payload": "/x"}]}},
    ]
    outcome, answered, offered = turn_outcome(events, {"nmt_overview": "/x"})
    assert (outcome, answered, offered) == ("guard:ack", True, ["nmt_overview"])
    assert ShortResult(ShortMessage("ok", "ack"), outcome, answered).sensible
    assert not ShortResult(ShortMessage("ok", "greet"), outcome, answered).sensible
    assert not ShortResult(ShortMessage("ok", "ack"), outcome, False).sensible
    silent = events[:4] + [events[4], {"event": "action", "name": "action_listen"}]
    assert turn_outcome(silent, {})[:2] == ("other", False)


def test_a_staff_faq_answer_is_its_own_outcome() -> None:
    from staff.short_messages import ShortMessage, ShortResult, turn_outcome

    events = [
        {"event": "user", "text": "need to reschedule",
         "parse_data": {"intent": {"name": "faq"},
                        "faq": {"decision": "answer", "candidates": [{"name": "cancellation"}]}}},
        {"event": "action", "name": "action_answer_faq"},
        {"event": "bot", "text": "Our front desk handles cancellations.", "data": {}},
    ]
    outcome, answered, _ = turn_outcome(events, {})
    assert outcome == "faq:cancellation"
    assert ShortResult(ShortMessage("need to reschedule", "cancel"), outcome, answered).sensible
    assert not ShortResult(ShortMessage("need to reschedule", "greet"), outcome, answered).sensible


def test_cross_validation_runs_without_the_machines_faqs(monkeypatch) -> None:
    """The intent model's figure must not depend on the FAQs in this machine's store."""
    from staff.evaluation import cross_validation_env
    from staff.evaluation_scores import RESULTS_DIR

    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/conversations.db")
    env = cross_validation_env()
    assert env["DATABASE_URL"] == f"sqlite:///{RESULTS_DIR / 'cv-no-faqs.db'}"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"


# ------------------------------------------------------------------ the Spanish held-out set


def es(text: str, topic: str, intents: Tuple[str, ...], got_topic: str, got_intent: str
       ) -> HeldOutResult:
    return HeldOutResult(HeldOutQuestion(text, topic, "spanish.yml", intents), got_topic,
                         got_intent)


def test_intent_labels_take_a_name_or_a_list() -> None:
    assert intent_labels(None) == ()
    assert intent_labels("ask_armoring") == ("ask_armoring",)
    assert intent_labels([" ask_nervous_system", "ask_autonomic_regulation"]) == (
        "ask_nervous_system", "ask_autonomic_regulation")
    for empty in ("", [], ["  "]):
        with pytest.raises(ValueError):
            intent_labels(empty)


def test_load_heldout_reads_intents_and_the_spanish_loader_requires_them(tmp_path: Path
                                                                          ) -> None:
    labelled = tmp_path / "es.yml"
    labelled.write_text(
        "questions:\n"
        "  - {text: que es nmt, topic: nmt_overview, intent: ask_nmt_overview}\n"
        "  - {text: fmm y nervios, topic: autonomic_regulation,\n"
        "     intent: [ask_autonomic_regulation, ask_nervous_system]}\n", encoding="utf-8")
    questions = load_spanish_heldout(labelled)
    assert [q.intents for q in questions] == [
        ("ask_nmt_overview",), ("ask_autonomic_regulation", "ask_nervous_system")]
    assert questions[0] == HeldOutQuestion("que es nmt", "nmt_overview",
                                           intents=("ask_nmt_overview",))
    bare = tmp_path / "bare.yml"
    bare.write_text("- {text: hola, topic: none}\n", encoding="utf-8")
    assert load_heldout(bare)[0].intents == ()  # the English files have no intents
    with pytest.raises(EvaluationError, match="without 'intent'"):
        load_spanish_heldout(bare)
    empty = tmp_path / "empty.yml"
    empty.write_text("- {text: hola, topic: none, intent: ''}\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="entry #1"):
        load_heldout(empty)


def test_score_intents_accepts_any_listed_intent_and_lists_misses() -> None:
    both = ("ask_autonomic_regulation", "ask_nervous_system")
    results = [
        es("que es fmm", "fmm_overview", ("ask_fmm_overview",), "fmm_overview",
           "ask_fmm_overview"),
        es("fmm y nervios", "autonomic_regulation", both, "autonomic_regulation",
           "ask_nervous_system"),
        es("hola", "none", ("greet",), "none", "out_of_scope"),
        HeldOutResult(HeldOutQuestion("english, no intent", "none"), "none", "greet"),
    ]
    score = score_intents(results)
    assert (score.correct, score.total) == (2, 3)  # unlabelled questions are not counted
    assert score.accuracy == pytest.approx(2 / 3)
    assert score.per_intent == (
        ("ask_autonomic_regulation or ask_nervous_system", 1, 1),
        ("ask_fmm_overview", 1, 1), ("greet", 0, 1))
    assert [m.question.text for m in score.misses] == ["hola"]
    assert score_intents([]).accuracy == 0.0


def test_score_spanish_misses_are_wrong_topic_or_wrong_intent() -> None:
    results = [
        es("a", "armoring", ("ask_armoring",), "armoring", "ask_armoring"),
        es("b", "armoring", ("ask_armoring",), "none", "ask_armoring"),
        es("c", "none", ("greet",), "none", "thank"),
        es("d", "location", ("ask_location",), "none", "out_of_scope"),
    ]
    score = score_spanish(results, seen=["a"])
    assert (score.topics.correct, score.intents.correct) == (2, 2)
    assert [m.question.text for m in score.misses] == ["b", "c", "d"]
    assert score.seen == frozenset({"a"})


def test_parsed_intent_is_the_first_visitor_message() -> None:
    user = SimpleNamespace(type_name="user", intent={"name": "greet"})
    later = SimpleNamespace(type_name="user", intent={"name": "affirm"})
    tracker = SimpleNamespace(events=[SimpleNamespace(type_name="slot"), user, later])
    assert parsed_intent(tracker) == "greet"
    assert parsed_intent(SimpleNamespace(events=[SimpleNamespace(type_name="user",
                                                                 intent={})])) == ""
    assert parsed_intent(None) == ""
    assert parsed_intent(SimpleNamespace(get_slot=lambda name: None)) == ""


def test_report_has_a_spanish_section_with_topics_intents_and_misses() -> None:
    score = score_spanish([
        es("que es fmm", "fmm_overview", ("ask_fmm_overview",), "fmm_overview",
           "ask_fmm_overview"),
        es("hay | estacionamiento", "none", ("out_of_scope",), "location", "ask_location"),
        es("hola", "none", ("greet",), "none", ""),
    ], seen=["hola"])
    page = render_markdown(None, None, "now", spanish=score)
    assert ("| Spanish held-out (`tests/heldout/spanish.yml`) answered with the right topic | "
            "0.667 (2/3) | tests fail below 0.90 (BELOW THE FLOOR) |") in page
    assert "| Spanish held-out parsed with the right intent (NLU) | 0.333 (1/3) | |" in page
    assert "\n## Spanish held-out\n" in page
    assert "| right topic (end to end) | 0.667 (2/3) | 0.90 (BELOW THE FLOOR) |" in page
    assert "| … the 2 messages never seen in training: topic / intent | 0.500 (1/2) / " \
           "0.500 (1/2) | |" in page
    assert "1 of the 3 messages are word for word also training examples (e.g. “hola”)" in page
    assert "| fmm_overview | 1 | 1 | 1.00 |" in page
    assert "| out_of_scope | 0 | 1 | 0.00 |" in page
    assert ("| hay \\| estacionamiento | none | **location** | out_of_scope | "
            "**ask_location** |") in page
    assert "| hola | none | none | greet | **–** |" in page
    assert "que es fmm | fmm_overview" not in page  # right on both: not a miss
    assert "Spanish" not in render_markdown(None, None, "now")
    assert "### Spanish misses\n\nNone." in render_markdown(
        None, None, "now", spanish=score_spanish(score.topics.results[:1]))


def test_spanish_figures_line_names_the_floor() -> None:
    score = score_spanish([es("si", "none", ("affirm",), "none", "affirm")])
    line = spanish_figures(score)
    assert "right topic 1.000 (1/1), right intent 1.000 (1/1)" in line
    assert f"below {SPANISH_HELDOUT_MINIMUM}" in line


def _domain_intents() -> Set[str]:
    names: Set[str] = set()
    for path in (PROJECT_ROOT / "domain").glob("*.yml"):
        names.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("intents") or [])
    return names


def _topic_ids() -> Set[str]:
    ids: Set[str] = set()
    for path in (PROJECT_ROOT / "content" / "topics").glob("*.yml"):
        ids.update(t["id"] for t in yaml.safe_load(path.read_text(encoding="utf-8"))["topics"])
    return ids


def test_spanish_set_is_apart_labelled_and_covers_every_topic() -> None:
    from collections import Counter

    from staff.heldout import HELDOUT_FILES, SPANISH_HELDOUT_FILE

    assert SPANISH_HELDOUT_FILE not in HELDOUT_FILES  # not in the English gate or its floor
    questions = load_spanish_heldout()
    assert len(questions) >= 150
    assert {q.source for q in questions} == {"spanish.yml"}
    assert len({q.text.lower() for q in questions}) == len(questions), "duplicate message"
    topics = _topic_ids()
    assert {q.topic for q in questions} <= topics | {"none"}
    per_topic = Counter(q.topic for q in questions)
    assert all(per_topic[t] >= 4 for t in topics), per_topic
    unknown = {i for q in questions for i in q.intents} - _domain_intents()
    assert not unknown, f"intents not in domain/: {unknown}"
    english = {q.text.lower() for q in load_heldout()}
    assert not english & {q.text.lower() for q in questions}
