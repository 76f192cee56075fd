"""The review inbox (editors and admins): unclear visitor messages, grouped and redacted, with
"Add as a wording of…", "New FAQ from this" and "Dismiss"."""

from __future__ import annotations

import asyncio
import time
from typing import Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from staff.faq.text import normalise
from staff.console.drafts import Conflict
from staff.console.forms import faq_from_form
from staff.console.inbox import ADDED, DISMISSED, InboxGroup, InboxUnavailable
from staff.console.views.base import console_of, form_value, render, requires

NOTICES = {
    "dismissed": "Dismissed. It will not come back unless visitors ask it differently.",
    "gone": "That group was already handled (by you or someone else).",
}


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def inbox_page(request: Request, status: int = 200, notice: str = "",
               error: str = "") -> HTTPResponse:
    """The open groups, with the draft's FAQs to choose from."""
    console = console_of(request)
    try:
        groups = console.inbox.groups()
    except InboxUnavailable:
        return render(request, "error.html", status=503, title="Review",
                      message="The conversations cannot be read right now. Try again "
                      "shortly; if it keeps happening, ask a developer to check "
                      "DATABASE_URL.")
    faqs = console.draft.faqs()
    return render(request, "review.html", status=status, groups=groups, faqs=faqs,
                  notice=notice or NOTICES.get(request.args.get("done", ""), ""),
                  error=error, when=_when)


async def _group(request: Request, group_id: str) -> Optional[InboxGroup]:
    return await asyncio.to_thread(console_of(request).inbox.find, group_id)


@requires()
async def inbox(request: Request) -> HTTPResponse:
    """Every open group: count, last seen, examples and the three actions."""
    return await asyncio.to_thread(inbox_page, request)


def add_wording(request: Request, group: InboxGroup, name: str) -> bool:
    """Adds the group's representative message to FAQ ``name`` of the draft (retried once
    when the FAQ was saved meanwhile; nothing is overwritten). False when it is not there."""
    draft, user = console_of(request).draft, request.ctx.user.name
    for _attempt in range(2):
        item = draft.get(name)
        if item is None:
            return False
        ways = [p.text for p in item.faq.asked_as]
        if normalise(group.text) not in {normalise(way) for way in ways}:
            ways.append(group.text)
        faq = faq_from_form(name, item.faq.question, "\n".join(ways), item.faq.answer,
                            item.faq.buttons)
        try:
            draft.update(faq, item.revision, user)
            return True
        except Conflict:
            continue
    return False


@requires()
async def add(request: Request, group_id: str) -> HTTPResponse:
    """"Add as a wording of…": the message becomes a way of asking of the chosen FAQ."""
    console = console_of(request)
    user = request.ctx.user.name
    group = await _group(request, group_id)
    if group is None:
        return redirect("/review?done=gone")
    name = form_value(request, "faq")
    if not await asyncio.to_thread(add_wording, request, group, name):
        return await asyncio.to_thread(inbox_page, request, 409, "",
                                       "Choose an FAQ of the draft to add the message to.")
    console.inbox.mark_handled(group.keys, ADDED, user)
    console.audit.record(user, "review: added as wording",
                         f"group {group.id[:12]} ({group.count} message(s)) added to the "
                         f"FAQ {name} in the draft")
    return redirect(f"/faqs/{name}?saved=1&from=review")


@requires()
async def dismiss(request: Request, group_id: str) -> HTTPResponse:
    """"Dismiss": the group leaves the inbox; nothing else changes."""
    console = console_of(request)
    user = request.ctx.user.name
    group = await _group(request, group_id)
    if group is None:
        return redirect("/review?done=gone")
    console.inbox.mark_handled(group.keys, DISMISSED, user)
    console.audit.record(user, "review: dismissed",
                         f"group {group.id[:12]} ({group.count} message(s))")
    return redirect("/review?done=dismissed")


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(inbox, "/review", methods=["GET"], name="review")
    app.add_route(add, "/review/<group_id:str>/add", methods=["POST"], name="review_add")
    app.add_route(dismiss, "/review/<group_id:str>/dismiss", methods=["POST"],
                  name="review_dismiss")
