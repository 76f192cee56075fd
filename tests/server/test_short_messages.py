"""Short context-free messages (tests/heldout/short_messages.yml) end to end.

Written apart from the training data; each is sent as the first message of a fresh
conversation. Every one must get a visible reply, and the share answered sensibly (an
outcome its category accepts, see staff/short_messages.py) must not fall below the floor.
"""

from __future__ import annotations

from collections import Counter

from staff.short_messages import (
    SENSIBLE_MINIMUM,
    load_short_messages,
    run_short_messages,
    sensible_share,
)


async def test_every_short_message_is_answered_and_most_sensibly(stack, agent) -> None:
    messages = load_short_messages()
    assert len(messages) >= 200, "the short-message set must hold at least 200 messages"
    assert len(Counter(m.category for m in messages)) >= 15

    results = await run_short_messages(agent, messages, prefix="test-short")

    silent = [r.message.text for r in results if not r.answered]
    assert not silent, f"short messages without any reply: {silent}"
    share = sensible_share(results)
    misses = "\n".join(
        f"  {r.message.text!r} ({r.message.category}): {r.outcome}"
        for r in results
        if not r.sensible
    )
    assert share >= SENSIBLE_MINIMUM, f"sensible share {share:.3f}; misses:\n{misses}"
