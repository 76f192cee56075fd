"""The FAQ form: new, edit (question, ways of asking, answer, the buttons under the answer,
and optionally the same in Spanish), delete; the checks of ``make faq-check`` beside the
fields, and a stale save refused."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Sequence

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from clinic.faq.model import SPANISH, Button, Faq
from staff.console.buttons import (
    buttons_from_form,
    follow_up_label,
    follow_ups,
    rows_for,
    rows_from_form,
)
from staff.console.drafts import Conflict, DraftFaq
from staff.console.forms import faq_from_form, messages_by_field, new_name
from staff.console.inbox import NEW_FAQ
from staff.console.publishing import check_draft, draft_faqs, project_data
from staff.console.views.base import console_of, form_value, render, requires, when
from staff.faq.publish import describe_changes

SPANISH_FIELDS = ("question_es", "ways_es", "answer_es")
SPANISH_MARKER = "has_spanish_fields"  # a hidden field: the form had the Spanish fields
TEXT_FIELDS = ("question", "ways", "answer", *SPANISH_FIELDS)


def _form_values(faq: Faq) -> Dict[str, Any]:
    return {"question": faq.question, "ways": "\n".join(p.text for p in faq.asked_as),
            "answer": faq.answer, "buttons": rows_for(faq.buttons),
            "question_es": faq.question_es,
            "ways_es": "\n".join(p.text for p in faq.asked_as_es),
            "answer_es": faq.answer_es}


def _submitted(request: Request, current: Optional[Faq] = None) -> Dict[str, Any]:
    """The form as typed: the text fields and the button rows (plus an empty one). A form
    without the Spanish fields (no ``SPANISH_MARKER``: a page opened before they existed)
    keeps ``current``'s Spanish; with it, an empty Spanish field is cleared."""
    values: Dict[str, Any] = {key: form_value(request, key) for key in TEXT_FIELDS}
    if current is not None and not form_value(request, SPANISH_MARKER):
        kept = _form_values(current)
        values.update({key: kept[key] for key in SPANISH_FIELDS})
    rows = rows_from_form(request.form or {})
    values["buttons"] = rows_for([row.as_button() for row in rows])
    return values


def _faq(name: str, request: Request, current: Optional[Faq] = None) -> Faq:
    """The FAQ the submitted form describes (``current``: the saved one, see
    ``_submitted``)."""
    values = _submitted(request, current)
    return faq_from_form(name, values["question"], values["ways"], values["answer"],
                         buttons_from_form(request.form or {}), values["question_es"],
                         values["ways_es"], values["answer_es"])


def _revision(request: Request) -> int:
    """The FAQ revision the form was opened on (-1 when missing: never current)."""
    try:
        return int(form_value(request, "revision", "-1"))
    except ValueError:
        return -1


def _form_page(request: Request, item: Optional[DraftFaq], values: Dict[str, Any],
               status: int = 200, conflict: Optional[Dict[str, Any]] = None,
               revision: Optional[int] = None) -> HTTPResponse:
    console = console_of(request)
    messages: Dict[str, List[Any]] = {}
    if item is not None and conflict is None:
        messages = messages_by_field(check_draft(draft_faqs(console.draft)), item.name)
    current: Sequence[Button] = item.faq.buttons if item else ()
    return render(request, "faq_form.html", status=status, item=item, values=values,
                  messages=messages, conflict=conflict,
                  revision=revision if revision is not None else (item.revision if item else 0),
                  follow_ups=follow_ups(project_data().intents, current),
                  follow_up_label=follow_up_label,
                  saved=bool(request.args.get("saved")), when=when)


@requires()
async def new_form(request: Request) -> HTTPResponse:
    """An empty FAQ form; ``?review=<group>`` ("New FAQ from this" in the review inbox)
    fills "Ways of asking" with the group's messages (the Spanish ones, when the inbox
    knows their language, go to the Spanish ways of asking)."""
    values: Dict[str, Any] = {key: "" for key in TEXT_FIELDS}
    values.update(review="", buttons=rows_for(()))
    group_id = request.args.get("review", "")
    if group_id:
        group = await asyncio.to_thread(console_of(request).inbox.find, group_id)
        if group is not None:
            languages = [getattr(group, "language", None),
                         *getattr(group, "example_languages", ())]
            languages += [None] * (len(group.wordings) - len(languages))
            pairs = list(zip(group.wordings, languages))
            values.update(ways="\n".join(w for w, code in pairs if code != SPANISH),
                          ways_es="\n".join(w for w, code in pairs if code == SPANISH),
                          review=group.id)
    return _form_page(request, None, values)


def _handle_review_group(request: Request, group_id: str, name: str) -> None:
    """The review group the new FAQ was made from leaves the inbox (audited)."""
    console = console_of(request)
    group = console.inbox.find(group_id) if group_id else None
    if group is not None:
        console.inbox.mark_handled(group.keys, NEW_FAQ, request.ctx.user.name)
        console.audit.record(request.ctx.user.name, "review: new faq",
                             f"group {group.id[:12]} ({group.count} message(s)) became "
                             f"the FAQ {name} in the draft")


@requires()
async def create(request: Request) -> HTTPResponse:
    """Adds a new FAQ to the draft (checks are shown on its page)."""
    console = console_of(request)
    user = request.ctx.user.name
    question = form_value(request, "question")
    name = new_name(question, {item.name for item in console.draft.faqs()})
    faq = _faq(name, request)
    try:
        console.draft.create(faq, user)
    except Conflict:  # someone took the same name at the same moment: try the next one
        name = new_name(question, {item.name for item in console.draft.faqs()})
        faq = _faq(name, request)
        console.draft.create(faq, user)
    console.audit.record(user, "faq added to draft", f"'{faq.question}' ({name})")
    await asyncio.to_thread(_handle_review_group, request, form_value(request, "review"),
                            name)
    return redirect(f"/faqs/{name}?saved=1")


@requires()
async def edit_form(request: Request, name: str) -> HTTPResponse:
    """One FAQ's form, with the checks beside its fields."""
    item = console_of(request).draft.get(name)
    if item is None:
        return render(request, "error.html", status=404, title="No such FAQ",
                      message="This FAQ is not in the draft (it may have been deleted).")
    return _form_page(request, item, _form_values(item.faq))


def _conflict(request: Request, error: Conflict, values: Dict[str, Any]) -> HTTPResponse:
    """The stale-save page: the user's text kept, the saved version beside it."""
    current = error.current
    if current is None:
        info = {"deleted": True, "message": "Not saved: this FAQ was deleted by someone "
                "else while you were editing. Your text is still in the form below: "
                "\"Save\" adds it as a new FAQ."}
        return _form_page(request, None, values, status=409, conflict=info)
    info = {"deleted": False, "current": _form_values(current.faq),
            "message": f"Not saved: {current.updated_by} saved this FAQ at "
                       f"{when(current.updated_at)}, after you opened it. Your text is "
                       "still in the form below and theirs is shown under it. Combine the "
                       "two in the form, then \"Save\" again."}
    return _form_page(request, current, values, status=409, conflict=info,
                      revision=current.revision)


@requires()
async def save(request: Request, name: str) -> HTTPResponse:
    """Saves the form over the revision it was opened on; a stale save is refused."""
    console = console_of(request)
    user = request.ctx.user.name
    revision = _revision(request)
    before = console.draft.get(name)
    faq = _faq(name, request, before.faq if before else None)
    try:
        console.draft.update(faq, revision, user)
    except Conflict as error:
        console.audit.record(user, "faq save refused", f"'{faq.question}' ({name}): changed "
                             "by someone else meanwhile")
        return _conflict(request, error, _submitted(
            request, error.current.faq if error.current else None))
    changes = describe_changes([before.faq] if before else [], [faq]) or ["no change"]
    console.audit.record(user, "faq saved in draft", "; ".join(changes))
    return redirect(f"/faqs/{name}?saved=1")


@requires()
async def delete_form(request: Request, name: str) -> HTTPResponse:
    """Asks before deleting."""
    item = console_of(request).draft.get(name)
    if item is None:
        return redirect("/faqs")
    return render(request, "faq_delete.html", item=item)


@requires()
async def delete(request: Request, name: str) -> HTTPResponse:
    """Deletes an FAQ from the draft (at the revision the page showed)."""
    console = console_of(request)
    user = request.ctx.user.name
    revision = _revision(request)
    item = console.draft.get(name)
    try:
        console.draft.delete(name, revision)
    except Conflict as error:
        if error.current is None:
            return redirect("/faqs")
        return render(request, "error.html", status=409, title="Not deleted",
                      message=f"Not deleted: {error.current.updated_by} changed this FAQ "
                      f"at {when(error.current.updated_at)}, after you opened it. Open it "
                      "again to see their change, then decide.")
    question = item.faq.question if item else name
    console.audit.record(user, "faq deleted from draft", f"'{question}' ({name})")
    return redirect("/faqs?saved=deleted")


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(new_form, "/faqs/new", methods=["GET"], name="faq_new_form")
    app.add_route(create, "/faqs/new", methods=["POST"], name="faq_create")
    app.add_route(edit_form, "/faqs/<name:str>", methods=["GET"], name="faq_edit_form")
    app.add_route(save, "/faqs/<name:str>", methods=["POST"], name="faq_save")
    app.add_route(delete_form, "/faqs/<name:str>/delete", methods=["GET"],
                  name="faq_delete_form")
    app.add_route(delete, "/faqs/<name:str>/delete", methods=["POST"], name="faq_delete")
