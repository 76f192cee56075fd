"""The FAQ pages: list with search, the form (new, edit, delete), publish, try it."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from clinic.faq.model import Faq
from staff.console.drafts import Conflict, DraftFaq
from staff.console.inbox import NEW_FAQ
from staff.console.forms import (
    faq_from_form,
    matches_search,
    messages_by_field,
    new_name,
    with_form_lines,
)
from staff.console.publishing import (
    Outcome,
    TryResult,
    check_draft,
    draft_faqs,
    publish_draft,
)
from staff.console.views.base import console_of, form_value, render, requires
from staff.faq.publish import describe_changes


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def _form_values(faq: Faq) -> Dict[str, str]:
    return {"question": faq.question, "ways": "\n".join(p.text for p in faq.asked_as),
            "answer": faq.answer}


def _draft_status(request: Request) -> Dict[str, Any]:
    """Live version, the draft's base and what publishing the draft would change."""
    console = console_of(request)
    base, seen = console.draft.head()
    live = console.store.live()
    changes = describe_changes(live.faqs if live else (), draft_faqs(console.draft))
    newest = console.store.newest_version_number()
    return {"base": base, "live": live.version if live else None, "changes": changes,
            "unseen": newest is not None and (seen is None or newest > seen)}


def list_page(request: Request, status: int = 200, outcome: Optional[Outcome] = None,
              tried: Optional[TryResult] = None, try_message: str = "") -> HTTPResponse:
    """The FAQ list, with the result of a publish or a "Try it" when there is one."""
    console = console_of(request)
    query = request.args.get("q", "").strip()[:200]
    items = console.draft.faqs()
    problems = check_draft([with_form_lines(item.faq) for item in items])
    errors: Dict[str, int] = {}
    for problem in problems:
        if problem.is_error and problem.path is not None:
            errors[problem.path.stem] = errors.get(problem.path.stem, 0) + 1
    shown = [item for item in items if matches_search(item.faq, query)]
    return render(request, "faqs.html", status=status, items=shown, total=len(items),
                  query=query, errors=errors, outcome=outcome, tried=tried,
                  try_message=try_message, status_info=_draft_status(request),
                  saved=request.args.get("saved", ""), when=_when)


@requires()
async def faq_list(request: Request) -> HTTPResponse:
    """Every FAQ of the draft; ``?q=`` searches questions and ways of asking."""
    return list_page(request)


def _form_page(request: Request, item: Optional[DraftFaq], values: Dict[str, str],
               status: int = 200, conflict: Optional[Dict[str, Any]] = None,
               revision: Optional[int] = None) -> HTTPResponse:
    console = console_of(request)
    messages: Dict[str, List[Any]] = {}
    if item is not None and conflict is None:
        faqs = draft_faqs(console.draft)
        messages = messages_by_field(check_draft(faqs), item.name)
    return render(request, "faq_form.html", status=status, item=item, values=values,
                  messages=messages, conflict=conflict,
                  revision=revision if revision is not None else (item.revision if item else 0),
                  saved=bool(request.args.get("saved")), when=_when)


@requires()
async def new_form(request: Request) -> HTTPResponse:
    """An empty FAQ form; ``?review=<group>`` ("New FAQ from this" in the review inbox)
    fills "Ways of asking" with the group's messages."""
    values = {"question": "", "ways": "", "answer": "", "review": ""}
    group_id = request.args.get("review", "")
    if group_id:
        group = await asyncio.to_thread(console_of(request).inbox.find, group_id)
        if group is not None:
            values.update(ways="\n".join(group.wordings), review=group.id)
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
    values = {key: form_value(request, key) for key in ("question", "ways", "answer")}
    name = new_name(values["question"], {item.name for item in console.draft.faqs()})
    faq = faq_from_form(name, values["question"], values["ways"], values["answer"])
    try:
        console.draft.create(faq, user)
    except Conflict:  # someone took the same name at the same moment: try the next one
        name = new_name(values["question"], {item.name for item in console.draft.faqs()})
        faq = faq_from_form(name, values["question"], values["ways"], values["answer"])
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


def _conflict(request: Request, error: Conflict, values: Dict[str, str]) -> HTTPResponse:
    """The stale-save page: the user's text kept, the saved version beside it."""
    current = error.current
    if current is None:
        info = {"deleted": True, "message": "Not saved: this FAQ was deleted by someone "
                "else while you were editing. Your text is still in the form below: "
                "\"Save\" adds it as a new FAQ."}
        return _form_page(request, None, values, status=409, conflict=info)
    info = {"deleted": False, "current": _form_values(current.faq),
            "message": f"Not saved: {current.updated_by} saved this FAQ at "
                       f"{_when(current.updated_at)}, after you opened it. Your text is "
                       "still in the form below and theirs is shown under it. Combine the "
                       "two in the form, then \"Save\" again."}
    return _form_page(request, current, values, status=409, conflict=info,
                      revision=current.revision)


@requires()
async def save(request: Request, name: str) -> HTTPResponse:
    """Saves the form over the revision it was opened on; a stale save is refused."""
    console = console_of(request)
    user = request.ctx.user.name
    values = {key: form_value(request, key) for key in ("question", "ways", "answer")}
    try:
        revision = int(form_value(request, "revision", "-1"))
    except ValueError:
        revision = -1
    before = console.draft.get(name)
    buttons = before.faq.buttons if before else ()
    faq = faq_from_form(name, values["question"], values["ways"], values["answer"], buttons)
    try:
        console.draft.update(faq, revision, user)
    except Conflict as error:
        console.audit.record(user, "faq save refused", f"'{faq.question}' ({name}): changed "
                             "by someone else meanwhile")
        return _conflict(request, error, values)
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
    try:
        revision = int(form_value(request, "revision", "-1"))
    except ValueError:
        revision = -1
    item = console.draft.get(name)
    try:
        console.draft.delete(name, revision)
    except Conflict as error:
        if error.current is None:
            return redirect("/faqs")
        return render(request, "error.html", status=409, title="Not deleted",
                      message=f"Not deleted: {error.current.updated_by} changed this FAQ "
                      f"at {_when(error.current.updated_at)}, after you opened it. Open it "
                      "again to see their change, then decide.")
    question = item.faq.question if item else name
    console.audit.record(user, "faq deleted from draft", f"'{question}' ({name})")
    return redirect("/faqs?saved=deleted")


@requires()
async def publish(request: Request) -> HTTPResponse:
    """Checks, gates and publishes the draft (a few seconds)."""
    console = console_of(request)
    user = request.ctx.user.name
    outcome = await asyncio.to_thread(publish_draft, console.store, console.draft, user)
    if outcome.ok:
        console.audit.record(user, "published", outcome.title)
    else:
        console.audit.record(user, "publish refused", " | ".join([outcome.title,
                                                                  *outcome.lines[:5]]))
    return list_page(request, status=200 if outcome.ok else 409, outcome=outcome)


@requires()
async def start_over(request: Request) -> HTTPResponse:
    """Discards the draft and starts it again from the live version."""
    console = console_of(request)
    live = console.store.live()
    console.draft.reset(live.faqs if live else (), live.version if live else None,
                        console.store.newest_version_number(), request.ctx.user.name)
    console.audit.record(request.ctx.user.name, "draft started over",
                         f"from the live version {live.version if live else 'none'}")
    return redirect("/faqs?saved=restarted")


@requires()
async def try_it(request: Request) -> HTTPResponse:
    """Which FAQ of the draft would answer a test message."""
    console = console_of(request)
    message = form_value(request, "message").strip()
    if not message:
        return list_page(request, status=400, try_message="")
    faqs = draft_faqs(console.draft)
    tried = await asyncio.to_thread(console.try_it.answer, faqs, message)
    return list_page(request, tried=tried, try_message=message)


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(faq_list, "/faqs", methods=["GET"], name="faq_list")
    app.add_route(new_form, "/faqs/new", methods=["GET"], name="faq_new_form")
    app.add_route(create, "/faqs/new", methods=["POST"], name="faq_create")
    app.add_route(edit_form, "/faqs/<name:str>", methods=["GET"], name="faq_edit_form")
    app.add_route(save, "/faqs/<name:str>", methods=["POST"], name="faq_save")
    app.add_route(delete_form, "/faqs/<name:str>/delete", methods=["GET"],
                  name="faq_delete_form")
    app.add_route(delete, "/faqs/<name:str>/delete", methods=["POST"], name="faq_delete")
    app.add_route(publish, "/publish", methods=["POST"], name="publish")
    app.add_route(start_over, "/draft/reset", methods=["POST"], name="draft_reset")
    app.add_route(try_it, "/try", methods=["POST"], name="try_it")
