"""The FAQ list (with each FAQ's "Spanish: yes / missing"): search, what publishing would
change, the outcome of a publish (with its steps) and "Try it". The form is in
``faq_form``, publishing in ``publish``."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from staff.console.forms import matches_search, spanish_status, with_form_lines
from staff.console.publishing import Outcome, TryResult, check_draft, draft_faqs
from staff.console.views.base import console_of, form_value, render, requires, when
from staff.faq.publish import describe_changes


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
              tried: Optional[TryResult] = None, try_message: str = "",
              job: Optional[Dict[str, Any]] = None) -> HTTPResponse:
    """The FAQ list, with the result of a publish (``job``: its steps, from
    ``PublishJob.snapshot``) or of a "Try it" when there is one."""
    console = console_of(request)
    query = request.args.get("q", "").strip()[:200]
    items = console.draft.faqs()
    problems = check_draft([with_form_lines(item.faq) for item in items])
    errors: Dict[str, int] = {}
    for problem in problems:
        if problem.is_error and problem.path is not None:
            errors[problem.path.stem] = errors.get(problem.path.stem, 0) + 1
    shown = [item for item in items if matches_search(item.faq, query)]
    spanish_count = sum(item.faq.has_spanish_answer for item in items)
    return render(request, "faqs.html", status=status, items=shown, total=len(items),
                  spanish_count=spanish_count, spanish_status=spanish_status,
                  query=query, errors=errors, outcome=outcome, tried=tried,
                  try_message=try_message, status_info=_draft_status(request), job=job,
                  saved=request.args.get("saved", ""), when=when)


@requires()
async def faq_list(request: Request) -> HTTPResponse:
    """Every FAQ of the draft; ``?q=`` searches questions and ways of asking; ``?job=``
    shows a publish job's steps and outcome (where the page goes when it has finished)."""
    job = console_of(request).publish_jobs.get(request.args.get("job", ""))
    if job is None:
        return list_page(request)
    return list_page(request, outcome=job.outcome, job=job.snapshot())


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
    app.add_route(try_it, "/try", methods=["POST"], name="try_it")
