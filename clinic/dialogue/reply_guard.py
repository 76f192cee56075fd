"""The reply guarantee: no visitor message ends its turn in silence.

Rasa ends a turn when the winning policy predicts ``action_listen``. For intents such as
``affirm`` or ``inform_booking`` outside the booking form no rule answers, and RulePolicy or
MemoizationPolicy predict ``action_listen`` straight away: the REST channel returns ``[]``
and the widget shows nothing. The guard sits in the policies themselves, so it holds in
every conversation state without a rule per intent: when a policy is about to end a turn in
which nothing visible has been said since the visitor's latest message, its prediction is
moved from ``action_listen`` to ``action_reply_guard`` (actions/conversation.py), which
answers from context. The normal path (rules, stories, forms) is untouched: the guard only
ever replaces a silent end of turn.

RulePolicy's own "no rule applies" prediction (its core fallback) is configured in
config.yml to be ``action_reply_guard`` too: Rasa's ``action_default_fallback`` would
revert the visitor's message and, with no ``utter_default`` in the domain, say nothing.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Text

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

GUARD_ACTION = "action_reply_guard"


def visible(event: BotUttered) -> bool:
    """True for a bot message the visitor sees (text, buttons, image, attachment, custom)."""
    data = event.data or {}
    return bool((event.text or "").strip()) or any(
        data.get(key) for key in ("buttons", "image", "attachment", "custom", "elements")
    )


# Actions that never speak for themselves: running one does not answer a turn.
SILENT_ACTIONS = frozenset(
    {ACTION_LISTEN_NAME, "action_session_start", "action_default_fallback",
     "action_deactivate_loop", "action_unlikely_intent"}
)


def turn_unanswered(events: Iterable[Event]) -> bool:
    """True when the latest visitor message has had no visible reply yet.

    Reads the raw events backwards (reverted utterances included, so a fallback that
    replied and then reverted the message counts as a reply). False before the first
    visitor message: a session start has nothing to answer.

    A tracker without any ``BotUttered`` at all is a replayed story (``rasa test core``
    and training replay action names, never what they said): there a turn counts as
    answered once an action that speaks has run, so test stories see the same dialogue
    as before the guard.
    """
    events = list(events)
    acted = False
    for event in reversed(events):
        if isinstance(event, BotUttered) and visible(event):
            return False
        if isinstance(event, ActionExecuted):
            acted = acted or event.action_name not in SILENT_ACTIONS
        if isinstance(event, UserUttered):
            # Only a turn in which a speaking action ran needs the whole history read.
            return not (acted and not any(isinstance(e, BotUttered) for e in events))
    return False


def guarded(
    prediction: PolicyPrediction, tracker: DialogueStateTracker, domain: Domain
) -> PolicyPrediction:
    """Moves a silent ``action_listen`` prediction to the guard action.

    The confidence is kept, so the ensemble's choice between policies (confidence, then
    priority) is the same as without the guard. Once the guard has run in a turn, a
    prediction of the guard becomes ``action_listen``: it answers once, never loops.
    """
    probabilities = list(prediction.probabilities)
    if not probabilities or GUARD_ACTION not in domain.action_names_or_texts:
        return prediction
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    if probabilities[best] <= 0.0:
        return prediction
    guard = domain.index_for_action(GUARD_ACTION)
    listen = domain.index_for_action(ACTION_LISTEN_NAME)
    if _latest_action(tracker) == GUARD_ACTION:
        # The guard answered this turn: it never runs twice (RulePolicy's core fallback
        # would predict it again), the turn ends.
        if best == guard:
            probabilities[listen], probabilities[guard] = probabilities[guard], 0.0
            prediction.probabilities = probabilities
        return prediction
    if best != listen or not turn_unanswered(tracker.events):
        return prediction
    probabilities[guard], probabilities[best] = probabilities[best], 0.0
    prediction.probabilities = probabilities
    prediction.hide_rule_turn = False
    return prediction


def _latest_action(tracker: DialogueStateTracker) -> Optional[Text]:
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            return event.action_name
        if isinstance(event, UserUttered):
            return None
    return None


class ReplyGuardMixin:
    """Guards the prediction of the policy it is mixed into (see the module docstring).

    Mixed in before the Rasa policy class, so ``super()`` is that policy.
    """

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """The policy's own prediction, guarded."""
        prediction = super().predict_action_probabilities(  # type: ignore[misc]
            tracker, domain, rule_only_data, **kwargs
        )
        return guarded(prediction, tracker, domain)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class GuardedRulePolicy(ReplyGuardMixin, RulePolicy):
    """Rasa's RulePolicy, whose silent ends of turn become ``action_reply_guard``."""


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class GuardedMemoizationPolicy(ReplyGuardMixin, MemoizationPolicy):
    """Rasa's MemoizationPolicy, whose silent ends of turn become ``action_reply_guard``."""
