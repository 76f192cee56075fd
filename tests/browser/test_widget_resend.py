"""The widget resends a message whose answer was lost with its connection (issue 19).

In Chromium (Playwright, Debian's browser) against the real servers (the ``stack``
fixture). Every socket.io frame between the widget and the Rasa server goes through a
relay (``route_web_socket``) that breaks the connection at the moment each test needs:

* the message never reaches the server (the connection dies while it is sent);
* the server answers, but the answer dies with the connection;
* both answers arrive: the original's, late, and the resend's (shown once);
* the original's answer arrives late, before the resend went out (no resend at all);
* the connection stays up but nothing comes back for 30 s (the widget reconnects itself).

In each the visitor retypes nothing and sees the answer exactly once; the frames show the
resend (same ``message_id``, ``resend: true``) and the Rasa tracker what the server got.
The question is an FAQ, which gets the same answer every time it is asked.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from playwright.sync_api import BrowserContext, WebSocketRoute, expect

from tests.browser.widget import REPLY_TIMEOUT_MS, Widget

QUESTION = "What should I wear?"
GRACE_S = 2.0  # GRACE_MS of widget.js
SOCKET_IO = re.compile(r"/socket\.io/")
# An engine.io message (4) carrying a socket.io event (2) or ack (3): 42["event", {...}],
# 421["event", {...}] with ack id 1, 431[] for that ack (default namespace).
_FRAME = re.compile(r"^4([23])(\d*)(\[.*)$", re.DOTALL)
# JS: texts of the bot bubbles after the visitor's bubble saying QUESTION.
_ANSWER = """(question) => {
  const root = document.querySelector('clinic-chat-widget').shadowRoot;
  const msgs = [...root.querySelectorAll('.cc-log > .cc-msg')];
  const text = m => (m.querySelector('.cc-text') || {}).textContent || '';
  const at = msgs.findIndex(m => m.classList.contains('cc-user') && text(m) === question);
  return at < 0 ? null : msgs.slice(at + 1).filter(m => m.classList.contains('cc-bot')).map(text);
}"""


@dataclass
class Frame:
    """One socket.io packet: an event (``name``, ``data``) or an ack."""

    kind: str  # "event" or "ack"
    ack: Optional[int]
    name: str = ""
    data: Any = None


def parse(message: Any) -> Optional[Frame]:
    """The socket.io packet in an engine.io websocket message (``None``: anything else)."""
    if not isinstance(message, str):
        return None
    found = _FRAME.match(message)
    if not found:
        return None
    kind, ack, rest = found.groups()
    try:
        payload = json.loads(rest)
    except ValueError:
        return None
    frame = Frame("event" if kind == "2" else "ack", int(ack) if ack else None)
    if frame.kind == "event" and payload:
        frame.name = payload[0]
        frame.data = payload[1] if len(payload) > 1 else None
    return frame


def text_of(message: str) -> str:
    """The text of a ``bot_uttered`` frame, as the widget shows it."""
    frame = parse(message)
    assert frame is not None and frame.name == "bot_uttered", message
    return frame.data.get("text") or ""


@dataclass
class Connection:
    """One websocket of the widget, relayed to the server."""

    index: int
    page: WebSocketRoute
    server: WebSocketRoute
    swallowed: bool = False  # a message of the page was not passed on
    holding: bool = False  # answers and acks from the server are held back
    held: List[str] = field(default_factory=list)
    acks: List[int] = field(default_factory=list)  # ack ids the server sent
    cut: bool = False


@dataclass
class Sent:
    """A ``user_uttered`` frame the widget sent."""

    connection: int
    ack: Optional[int]
    data: Dict[str, Any]

    @property
    def metadata(self) -> Dict[str, Any]:
        return self.data.get("metadata") or {}


class Relay:
    """Passes the widget's socket.io frames to the server and back, and breaks things.

    ``swallow``: the next message with this text is not passed on. ``hold``: the next
    message with this text is passed on, but what the server sends back on its connection
    (answers, acks) is held. ``before_resend`` / ``after_confirm``: frames sent to the page
    just before a resend is passed on / just after the next ``session_confirm``.
    """

    def __init__(self, context: BrowserContext) -> None:
        self.connections: List[Connection] = []
        self.sent: List[Sent] = []
        self.answers: List[Tuple[int, str]] = []  # (connection, bot_uttered frame)
        self.swallow: Optional[str] = None
        self.hold: Optional[str] = None
        self.before_resend: List[str] = []
        self.after_confirm: List[str] = []
        context.route_web_socket(SOCKET_IO, self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        conn = Connection(len(self.connections), ws, server)
        self.connections.append(conn)

        def to_server(message: Any) -> None:
            frame = parse(message)
            if frame is not None and frame.name == "user_uttered":
                sent = Sent(conn.index, frame.ack, frame.data)
                self.sent.append(sent)
                if sent.data.get("message") == self.swallow:
                    self.swallow, conn.swallowed = None, True
                    return
                if sent.data.get("message") == self.hold:
                    self.hold, conn.holding = None, True
                if sent.metadata.get("resend") and self.before_resend:
                    for late in self.before_resend:
                        ws.send(late)
                    self.before_resend = []
            if not conn.cut:
                server.send(message)

        def to_page(message: Any) -> None:
            frame = parse(message)
            if frame is not None and frame.name == "bot_uttered":
                self.answers.append((conn.index, message))
            if frame is not None and frame.kind == "ack" and frame.ack is not None:
                conn.acks.append(frame.ack)
            if conn.cut:
                return
            if conn.holding and frame is not None and (
                frame.name == "bot_uttered" or frame.kind == "ack"
            ):
                conn.held.append(message)
                return
            ws.send(message)
            if frame is not None and frame.name == "session_confirm" and self.after_confirm:
                for late in self.after_confirm:
                    ws.send(late)
                self.after_confirm = []

        ws.on_message(to_server)
        server.on_message(to_page)

    def cut(self, conn: Connection) -> None:
        """The connection dies (as when its Rasa server is killed): both sides close."""
        conn.cut = True
        conn.page.close(code=1001, reason="network down")
        conn.server.close()

    def questions(self) -> List[Sent]:
        """Every ``user_uttered`` frame with QUESTION the widget sent, in order."""
        return [sent for sent in self.sent if sent.data.get("message") == QUESTION]

    def answer_to(self, sent: Sent) -> List[str]:
        """The texts the server sent on ``sent``'s connection after it (one turn here)."""
        return [text_of(m) for index, m in self.answers if index == sent.connection]


def wait_until(widget: Widget, condition: Callable[[], Any], what: str,
               timeout_s: float = REPLY_TIMEOUT_MS / 1000) -> Any:
    """Lets the page (and the relay's handlers) run until ``condition()`` is truthy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        widget.page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def ask(widget: Widget) -> None:
    """The visitor types QUESTION and sends it with Enter."""
    widget.input.fill(QUESTION)
    widget.input.press("Enter")
    expect(widget.user_texts.last).to_have_text(QUESTION)


def held_turn(relay: Relay, widget: Widget) -> Connection:
    """The connection whose answer to QUESTION is held, once that turn is over (acked)."""
    return wait_until(widget, lambda: next(
        (c for c in relay.connections
         if c.holding and any(parse(m).kind == "ack" for m in c.held)), None), "the held turn")


def turn_over(relay: Relay, widget: Widget, sent: Sent) -> List[str]:
    """Waits until the server acked ``sent`` (its turn is over); the bubbles shown."""
    wait_until(widget, lambda: sent.ack in relay.connections[sent.connection].acks,
               "the server's ack of the resend")
    widget.page.wait_for_timeout(1000)  # let the last frames render
    return widget.page.evaluate(_ANSWER, QUESTION)


def user_events(stack, widget: Widget) -> List[Dict[str, Any]]:
    """The visitor's QUESTION messages in the Rasa tracker (what the server processed)."""
    session_id = widget.stored_state()["sessionId"]
    url = f"{stack.rasa_url}/conversations/{session_id}/tracker?token={stack.api_token}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local)
        tracker = json.loads(response.read().decode("utf-8"))
    return [event for event in tracker["events"]
            if event.get("event") == "user" and event.get("text") == QUESTION]


def asked_once(widget: Widget) -> None:
    assert widget.user_texts.all_inner_texts().count(QUESTION) == 1  # never retyped
    assert widget.errors == []


def resent(relay: Relay) -> Tuple[Sent, Sent]:
    """The original and the resend: same text and message id, the second marked."""
    original, again = relay.questions()
    assert again.connection > original.connection
    assert again.metadata["message_id"] == original.metadata["message_id"]
    assert len(original.metadata["message_id"]) == 32
    assert (original.metadata["resend"], again.metadata["resend"]) == (False, True)
    return original, again


def test_a_message_lost_with_the_connection_is_resent(stack, desktop: BrowserContext) -> None:
    relay = Relay(desktop)
    widget = Widget(desktop, stack.web_url)
    widget.open()
    relay.swallow = QUESTION
    ask(widget)
    conn = wait_until(widget, lambda: next(
        (c for c in relay.connections if c.swallowed), None), "the message to be sent")
    started = time.monotonic()
    relay.cut(conn)  # it never reached the server
    _original, again = wait_until(widget, lambda: len(relay.questions()) == 2 and
                                  relay.questions(), "the resend")
    assert time.monotonic() - started >= GRACE_S  # waited for a late answer first
    shown = turn_over(relay, widget, again)
    assert shown and shown == relay.answer_to(again)  # answered, once
    assert "front desk" in " ".join(shown)
    asked_once(widget)
    resent(relay)
    [event] = user_events(stack, widget)  # the server got it once: the resend
    assert event["metadata"]["resend"] is True
    assert event["metadata"]["message_id"] == again.metadata["message_id"]


def test_an_answer_lost_with_the_connection_is_asked_for_again(
        stack, desktop: BrowserContext) -> None:
    relay = Relay(desktop)
    widget = Widget(desktop, stack.web_url)
    widget.open()
    relay.hold = QUESTION
    ask(widget)
    conn = held_turn(relay, widget)  # the server answered: the answer dies with the connection
    relay.cut(conn)
    _original, again = wait_until(widget, lambda: len(relay.questions()) == 2 and
                                  relay.questions(), "the resend")
    shown = turn_over(relay, widget, again)
    assert shown and shown == relay.answer_to(again)
    asked_once(widget)
    original, again = resent(relay)
    # The server processed both; the metadata tells the resend apart.
    events = user_events(stack, widget)
    assert [e["metadata"]["resend"] for e in events] == [False, True]
    assert {e["metadata"]["message_id"] for e in events} == {again.metadata["message_id"]}


def test_when_both_answers_arrive_the_answer_is_shown_once(
        stack, desktop: BrowserContext) -> None:
    relay = Relay(desktop)
    widget = Widget(desktop, stack.web_url)
    widget.open()
    relay.hold = QUESTION
    ask(widget)
    conn = held_turn(relay, widget)
    late = [m for m in conn.held if parse(m).name == "bot_uttered"]
    assert late, "the server's answer was not held"
    # The original's answer arrives late on the new connection, after the resend went
    # out; then the resend's own answer follows.
    relay.before_resend = late
    relay.cut(conn)
    _original, again = wait_until(widget, lambda: len(relay.questions()) == 2 and
                                  relay.questions(), "the resend")
    shown = turn_over(relay, widget, again)
    first = [text_of(m) for m in late]
    assert relay.answer_to(again) == first, "the FAQ was answered differently the second time"
    assert shown == first  # shown once, not twice
    asked_once(widget)
    assert len(user_events(stack, widget)) == 2


def test_a_late_answer_before_the_resend_cancels_it(stack, desktop: BrowserContext) -> None:
    relay = Relay(desktop)
    widget = Widget(desktop, stack.web_url)
    widget.open()
    relay.hold = QUESTION
    ask(widget)
    conn = held_turn(relay, widget)
    late = [m for m in conn.held if parse(m).name == "bot_uttered"]
    relay.after_confirm = late  # the answer comes through right after the reconnect
    relay.cut(conn)
    wait_until(widget, lambda: widget.page.evaluate(_ANSWER, QUESTION), "the late answer")
    widget.page.wait_for_timeout(GRACE_S * 1000 + 2000)  # past the grace period
    assert len(relay.questions()) == 1  # nothing was resent
    assert widget.page.evaluate(_ANSWER, QUESTION) == [text_of(m) for m in late]
    asked_once(widget)
    [event] = user_events(stack, widget)
    assert event["metadata"]["resend"] is False


def test_no_answer_on_a_live_connection_reconnects_and_resends(
        stack, desktop: BrowserContext) -> None:
    desktop.clock.install()  # the widget's 30 s are fast-forwarded
    relay = Relay(desktop)
    widget = Widget(desktop, stack.web_url)
    widget.open()
    relay.swallow = QUESTION  # lost, but the connection stays up
    ask(widget)
    conn = wait_until(widget, lambda: next(
        (c for c in relay.connections if c.swallowed), None), "the message to be sent")
    widget.page.wait_for_timeout(1000)
    assert len(relay.connections) == conn.index + 1  # no reconnect yet
    widget.page.clock.fast_forward(31_000)
    _original, again = wait_until(widget, lambda: len(relay.questions()) == 2 and
                                  relay.questions(), "the resend")
    shown = turn_over(relay, widget, again)
    assert shown and shown == relay.answer_to(again)
    asked_once(widget)
    resent(relay)
    [event] = user_events(stack, widget)
    assert event["metadata"]["resend"] is True
