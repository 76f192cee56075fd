"""The retraining gate: a harmful candidate is blocked, a neutral one passes."""

from __future__ import annotations

from pathlib import Path

from staff.faq.load import load_faq_text
from staff.faq.predict import Prediction
from staff.retrain import (
    Metrics,
    compare,
    evaluation_fingerprint,
    faq_metrics,
    read_cached_metrics,
    training_data,
    write_cached_metrics,
)

LIVE = Metrics(heldout_accuracy=0.90, faq_accuracy=0.97, faq_total=30, story_failures=1,
               story_total=12)


def test_a_harmful_change_is_blocked_with_a_plain_reason() -> None:
    candidate = Metrics(heldout_accuracy=0.85, faq_accuracy=0.97, faq_total=36,
                        story_failures=1, story_total=12)
    verdict = compare(LIVE, candidate)
    assert verdict.publish is False
    assert verdict.reasons == (
        "Right answers to the test questions (tests/heldout): 90.0% before, 85.0% now "
        "(a drop of more than the allowed 2.0 points).",)
    assert "What got worse:" in verdict.render()


def test_a_neutral_change_passes() -> None:
    candidate = Metrics(heldout_accuracy=0.885, faq_accuracy=0.96, faq_total=36,
                        story_failures=1, story_total=12)
    verdict = compare(LIVE, candidate)
    assert verdict.publish is True
    assert verdict.reasons == ()
    assert any("90.0% before, 88.5% now" in note for note in verdict.notes)


def test_tolerance_is_adjustable() -> None:
    candidate = Metrics(heldout_accuracy=0.885, faq_accuracy=0.97, story_failures=1,
                        story_total=12)
    assert compare(LIVE, candidate, tolerance=0.01).publish is False
    assert compare(LIVE, candidate, tolerance=0.02).publish is True


def test_more_failing_conversations_block() -> None:
    candidate = Metrics(heldout_accuracy=0.95, faq_accuracy=1.0, story_failures=2,
                        story_total=12)
    verdict = compare(LIVE, candidate)
    assert verdict.publish is False
    assert verdict.reasons == ("Test conversations that go wrong: 1 before, 2 now (of 12).",)


def test_faq_accuracy_drop_blocks_and_misses_are_explained() -> None:
    candidate = Metrics(heldout_accuracy=0.90, faq_accuracy=0.90, story_failures=0,
                        story_total=12,
                        faq_misses=(("Is there parking?", "where do I park", "ask_location"),))
    verdict = compare(LIVE, candidate)
    assert verdict.publish is False
    assert "FAQ ways of asking that get their own answer: 97.0% before, 90.0% now" \
        in verdict.reasons[0]
    assert "'where do I park' (FAQ 'Is there parking?') gets the answer for 'ask_location'." \
        in verdict.notes


def test_a_figure_the_candidate_could_not_produce_blocks() -> None:
    candidate = Metrics(heldout_accuracy=None, faq_accuracy=0.97, story_failures=1,
                        story_total=12)
    verdict = compare(LIVE, candidate)
    assert verdict.publish is False
    assert "could not be measured" in verdict.reasons[0]


def test_first_model_goes_live_with_its_figures_shown() -> None:
    verdict = compare(None, Metrics(heldout_accuracy=0.5, story_failures=3, story_total=3))
    assert verdict.publish is True
    assert verdict.notes == ("There is no live model to compare with, so the new one goes live.",
                             "Right answers to the test questions (tests/heldout): 50.0%.",
                             "Test conversations that go wrong: 3 of 3.")


def test_faq_metrics_counts_own_answers_only() -> None:
    faq, _ = load_faq_text(Path("faq/parking.yml"), (
        "question: Is there parking?\nasked_as:\n  - is there parking\n  - where can I park\n"
        "  - parking?\n  - parking lot\n  - where to leave the car\nanswer: Ask us.\n"))
    assert faq is not None
    right = Prediction("faq", 0.9, "parking", 0.9)
    predictions = {p.text: right for p in faq.asked_as}
    predictions["parking lot"] = Prediction("faq", 0.9, "gift_cards", 0.9)
    predictions["parking?"] = Prediction("nlu_fallback", 0.55)
    accuracy, total, misses = faq_metrics([faq], predictions)
    assert (accuracy, total) == (0.6, 5)
    assert misses == (("Is there parking?", "parking?", "nlu_fallback"),
                      ("Is there parking?", "parking lot", "faq/gift_cards"))
    assert faq_metrics([faq], predictions, known=set()) == (None, 0, ())


def test_cached_live_figures_belong_to_one_model(tmp_path: Path) -> None:
    model = tmp_path / "clinic.tar.gz"
    model.write_bytes(b"model one")
    stories = tmp_path / "stories"
    cache = tmp_path / "live-metrics.json"
    fingerprint = evaluation_fingerprint(model, stories)
    write_cached_metrics(cache, fingerprint, LIVE)
    assert read_cached_metrics(cache, fingerprint) == LIVE
    model.write_bytes(b"model two")
    assert read_cached_metrics(cache, evaluation_fingerprint(model, stories)) is None


def test_training_data_swaps_in_a_custom_faq_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for folder in ("nlu", "rules", "generated"):
        (data / folder).mkdir(parents=True)
    (data / "generated" / "faq.yml").write_text("nlu: []\n")
    (data / "README.md").write_text("not training data")
    custom = tmp_path / "models" / "generated" / "faq.yml"
    assert training_data(custom, data) == [str(data / "nlu"), str(data / "rules"), str(custom)]
    own = data / "generated" / "faq.yml"
    assert training_data(own, data) == [str(data / "nlu"), str(data / "rules"), str(own)]


def test_failing_conversations_are_not_blamed_when_the_live_model_was_not_tested() -> None:
    live = Metrics(heldout_accuracy=0.90, story_failures=None, story_total=None)
    verdict = compare(live, Metrics(heldout_accuracy=0.90, story_failures=2, story_total=12))
    assert verdict.publish is True
    assert "Test conversations that go wrong: 2 of 12." in verdict.notes


def test_cross_validation_only_counts_when_both_were_measured() -> None:
    live = Metrics(heldout_accuracy=0.90, cv_intent_f1=0.96)
    assert compare(live, Metrics(heldout_accuracy=0.90)).publish is True
    verdict = compare(live, Metrics(heldout_accuracy=0.90, cv_intent_f1=0.90))
    assert verdict.publish is False
    assert verdict.reasons[0].startswith("Cross-validation score (intent macro F1): 96.0% before")


def test_retrain_skips_rasas_data_validation_but_make_train_does_not(tmp_path) -> None:
    from staff.train import train_command

    assert "--skip-validation" not in train_command(tmp_path)
    assert train_command(tmp_path, "x", ["data"], validate=False)[-1] == "--skip-validation"
