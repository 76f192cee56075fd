"""The retraining gate: a harmful candidate is blocked, a neutral one passes."""

from __future__ import annotations

from pathlib import Path

from staff.retrain import (
    Metrics,
    compare,
    evaluation_fingerprint,
    read_cached_metrics,
    model_is_stale,
    write_cached_metrics,
)

LIVE = Metrics(heldout_accuracy=0.90, story_failures=1,
               story_total=12)


def test_a_harmful_change_is_blocked_with_a_plain_reason() -> None:
    candidate = Metrics(heldout_accuracy=0.85,
                        story_failures=1, story_total=12)
    verdict = compare(LIVE, candidate)
    assert verdict.publish is False
    assert verdict.reasons == (
        "Right answers to the test questions (tests/heldout): 90.0% before, 85.0% now "
        "(a drop of more than the allowed 2.0 points).",)
    assert "What got worse:" in verdict.render()


def test_a_neutral_change_passes() -> None:
    candidate = Metrics(heldout_accuracy=0.885,
                        story_failures=1, story_total=12)
    verdict = compare(LIVE, candidate)
    assert verdict.publish is True
    assert verdict.reasons == ()
    assert any("90.0% before, 88.5% now" in note for note in verdict.notes)


def test_tolerance_is_adjustable() -> None:
    candidate = Metrics(heldout_accuracy=0.885, story_failures=1,
                        story_total=12)
    assert compare(LIVE, candidate, tolerance=0.01).publish is False
    assert compare(LIVE, candidate, tolerance=0.02).publish is True


def test_more_failing_conversations_block() -> None:
    candidate = Metrics(heldout_accuracy=0.95, story_failures=2,
                        story_total=12)
    verdict = compare(LIVE, candidate)
    assert verdict.publish is False
    assert verdict.reasons == ("Test conversations that go wrong: 1 before, 2 now (of 12).",)


def test_a_figure_the_candidate_could_not_produce_blocks() -> None:
    candidate = Metrics(heldout_accuracy=None, story_failures=1,
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


def test_only_a_change_to_the_training_inputs_makes_the_model_stale(tmp_path: Path) -> None:
    import os

    (tmp_path / "data").mkdir()
    (tmp_path / "faq").mkdir()
    example = tmp_path / "data" / "nlu.yml"
    example.write_text("nlu: []\n")
    model = tmp_path / "clinic.tar.gz"
    assert model_is_stale(model, tmp_path, ("data",))  # no model yet
    model.write_bytes(b"model")
    os.utime(example, (1, 1))
    assert not model_is_stale(model, tmp_path, ("data",))
    (tmp_path / "faq" / "parking.yml").write_text("question: x\n")  # an FAQ: no training
    assert not model_is_stale(model, tmp_path, ("data",))
    example.write_text("nlu: []\n# changed\n")
    os.utime(example, (model.stat().st_mtime + 5,) * 2)
    assert model_is_stale(model, tmp_path, ("data",))


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


def test_training_runs_rasa_through_the_servers_entry_point(tmp_path) -> None:
    """skops before Rasa (its import lists trusted types ~6 s faster), logs redacted."""
    import sys

    from staff.train import train_command

    command = train_command(tmp_path)
    assert command[:4] == [sys.executable, "-m", "clinic.rasa_main", "train"]
    assert command[command.index("--out") + 1] == str(tmp_path)
