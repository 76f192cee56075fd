"""The review inbox (editors and admins): unclear visitor messages, grouped and redacted, each
with its language (English, Español, —) and a language filter (``?language=en|es|none``),
with "Add as a wording of…", "New FAQ from this" and "Dismiss"."""

from __future__ import annotations

import asyncio
import time
from typing import Optional
from urllib.parse import urlencode

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from staff.analytics.languages import FILTERS, filter_label, label, parse_filter
from staff.console.drafts import Conflict
from staff.console.forms import with_wording
from staff.console.inbox import ADDED, DISMISSED, InboxGroup, InboxUnavailable
from staff.console.views.base import console_of, form_value, render, requires

NOTICES = {
    "dismissed": "Dismissed. It will not come back unless visitors ask it differently.",
    "gone": "That group was already handled (by you or someone else).",
}


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def _language(request: Request) -> Optional[str]:
    """The language filter of the page (``?language=``, or the form that was posted);
    ``ValueError`` for an unknown one."""
    posted = form_value(request, "language") if request.method == "POST" else ""
    return parse_filter(posted or request.args.get("language", ""))


def review_url(language: Optional[str], done: str = "") -> str:
    """The inbox's address, keeping the language filter."""
    query = urlencode({k: v for k, v in (("done", done), ("language", language or "")) if v})
    return "/review" + (f"?{query}" if query else "")


def inbox_page(request: Request, status: int = 200, notice: str = "",
               error: str = "") -> HTTPResponse:
    """The open groups (of the chosen language), with the draft's FAQs to choose from."""
    console = console_of(request)
    try:
        language = _language(request)
    except ValueError:
        language, status = None, 400
        error = error or "Choose English, Español or “No language” to filter by language."
    try:
        groups = console.inbox.groups(language)
    except InboxUnavailable:
        return render(request, "error.html", status=503, title="Review",
                      message="The conversations cannot be read right now. Try again "
                      "shortly; if it keeps happening, ask a developer to check "
                      "DATABASE_URL.")
    faqs = console.draft.faqs()
    return render(request, "review.html", status=status, groups=groups, faqs=faqs,
                  notice=notice or NOTICES.get(request.args.get("done", ""), ""),
                  error=error, when=_when, language=language, language_label=label,
                  language_name=filter_label(language) if language else "",
                  languages=[(value, filter_label(value)) for value in FILTERS])


def _posted_language(request: Request) -> Optional[str]:
    """The filter the inbox had when a form was posted (none when unknown)."""
    try:
        return _language(request)
    except ValueError:
        return None


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
        # keeps the FAQ's Spanish fields; a Spanish message becomes a Spanish way of asking
        faq = with_wording(item.faq, group.text,
                           spanish=getattr(group, "language", None) == "es")
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
        return redirect(review_url(_posted_language(request), "gone"))
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
        return redirect(review_url(_posted_language(request), "gone"))
    console.inbox.mark_handled(group.keys, DISMISSED, user)
    console.audit.record(user, "review: dismissed",
                         f"group {group.id[:12]} ({group.count} message(s))")
    return redirect(review_url(_posted_language(request), "dismissed"))


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(inbox, "/review", methods=["GET"], name="review")
    app.add_route(add, "/review/<group_id:str>/add", methods=["POST"], name="review_add")
    app.add_route(dismiss, "/review/<group_id:str>/dismiss", methods=["POST"],
                  name="review_dismiss")
