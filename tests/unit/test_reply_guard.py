"""The reply guarantee in the policies: a silent end of turn becomes the reply guard."""

from __future__ import annotations

from typing import List

from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.dialogue.reply_guard import GUARD_ACTION, guarded, turn_unanswered

DOMAIN = Domain.from_yaml(
    f"""
version: "3.1"
intents: [greet, affirm]
responses:
  utter_greet:
  - text: hi
actions: [{GUARD_ACTION}]
"""
)
DOMAIN_WITHOUT_GUARD = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, affirm]
responses:
  utter_greet:
  - text: hi
"""
)


def _tracker(events: List[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("guard-test", [ActionExecuted("action_listen")] + events)


def _listen_prediction(domain: Domain, confidence: float = 1.0) -> PolicyPrediction:
    probabilities = [0.0] * domain.num_actions
    probabilities[domain.index_for_action("action_listen")] = confidence
    return PolicyPrediction(probabilities, "RulePolicy")


def _best(prediction: PolicyPrediction, domain: Domain) -> str:
    probabilities = prediction.probabilities
    return domain.action_names_or_texts[probabilities.index(max(probabilities))]


def test_turn_unanswered() -> None:
    assert turn_unanswered([]) is False
    assert turn_unanswered([UserUttered("yes")]) is True
    assert turn_unanswered([UserUttered("yes"), BotUttered("Sure")]) is False
    assert turn_unanswered([UserUttered("yes"), BotUttered("")]) is True
    assert turn_unanswered([UserUttered("yes"), BotUttered("", {"buttons": [{"title": "x"}]})]) is False
    assert turn_unanswered([BotUttered("Hi"), UserUttered("ok")]) is True


def test_replayed_story_turn_counts_as_answered_once_a_speaking_action_ran() -> None:
    # rasa test core replays action names only: no BotUttered anywhere in the tracker.
    assert turn_unanswered([UserUttered("hi"), ActionExecuted("utter_greet")]) is False
    assert turn_unanswered([UserUttered("yes")]) is True
    assert turn_unanswered([UserUttered("yes"), ActionExecuted("action_default_fallback")]) is True
    # In a live conversation the bot's words are events: an action alone is not a reply.
    live = [BotUttered("Hello"), UserUttered("yes"), ActionExecuted("action_answer_question")]
    assert turn_unanswered(live) is True


def test_silent_listen_becomes_the_guard_at_the_same_confidence() -> None:
    tracker = _tracker([UserUttered("yes", {"name": "affirm"})])
    prediction = guarded(_listen_prediction(DOMAIN, 0.8), tracker, DOMAIN)
    assert _best(prediction, DOMAIN) == GUARD_ACTION
    assert max(prediction.probabilities) == 0.8


def test_answered_turn_keeps_listening() -> None:
    tracker = _tracker(
        [UserUttered("hi", {"name": "greet"}), ActionExecuted("utter_greet"), BotUttered("hi")]
    )
    assert _best(guarded(_listen_prediction(DOMAIN), tracker, DOMAIN), DOMAIN) == "action_listen"


def test_guard_never_runs_twice_in_one_turn() -> None:
    tracker = _tracker([UserUttered("yes", {"name": "affirm"}), ActionExecuted(GUARD_ACTION)])
    assert _best(guarded(_listen_prediction(DOMAIN), tracker, DOMAIN), DOMAIN) == "action_listen"


def test_guard_predicted_again_after_it_ran_becomes_listen() -> None:
    # RulePolicy's core fallback is the guard: after it ran, no rule applies either.
    tracker = _tracker(
        [UserUttered("ok"), ActionExecuted(GUARD_ACTION), BotUttered("Glad that helps.")]
    )
    probabilities = [0.0] * DOMAIN.num_actions
    probabilities[DOMAIN.index_for_action(GUARD_ACTION)] = 0.3
    prediction = guarded(PolicyPrediction(probabilities, "RulePolicy"), tracker, DOMAIN)
    assert _best(prediction, DOMAIN) == "action_listen"
    assert max(prediction.probabilities) == 0.3


def test_other_predictions_are_untouched() -> None:
    tracker = _tracker([UserUttered("hi", {"name": "greet"})])
    probabilities = [0.0] * DOMAIN.num_actions
    probabilities[DOMAIN.index_for_action("utter_greet")] = 1.0
    prediction = guarded(PolicyPrediction(list(probabilities), "RulePolicy"), tracker, DOMAIN)
    assert prediction.probabilities == probabilities


def test_a_domain_without_the_guard_action_is_left_alone() -> None:
    tracker = _tracker([UserUttered("yes", {"name": "affirm"})])
    prediction = guarded(_listen_prediction(DOMAIN_WITHOUT_GUARD), tracker, DOMAIN_WITHOUT_GUARD)
    assert _best(prediction, DOMAIN_WITHOUT_GUARD) == "action_listen"
