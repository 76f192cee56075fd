"""Publishing the draft, with its steps shown while it runs, and starting the draft over.

Without JavaScript, "Publish" is a plain form POST (``/publish``) whose answer is the FAQ list
with the steps and the outcome. With ``static/console.js`` the page posts to
``/publish/jobs`` instead, shows each step as ``GET /publish/jobs/<id>`` reports it, and ends
on ``/faqs?job=<id>``. Both run the same ``PublishJob`` (one publish at a time).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json, redirect

from staff.console.jobs import PublishJob
from staff.console.progress import Report
from staff.console.publishing import Outcome, publish_draft
from staff.console.views.base import console_of, requires
from staff.console.views.faqs import list_page


def publish_and_audit(console: Any, user: str, report: Report) -> Outcome:
    """Checks, gates and publishes the draft as ``user`` (``console``: the app's
    ``Console``); the outcome goes into the audit log (a refusal with its first reasons)."""
    outcome = publish_draft(console.store, console.draft, user, report)
    if outcome.ok:
        console.audit.record(user, "published", outcome.title)
    else:
        console.audit.record(user, "publish refused",
                             " | ".join([outcome.title, *outcome.lines[:5]]))
    return outcome


def _start(request: Request) -> PublishJob:
    """Starts a publish job as the signed-in user (or joins the one running)."""
    console = console_of(request)
    user = request.ctx.user.name
    job, _started = console.publish_jobs.start(
        user, functools.partial(publish_and_audit, console, user))
    return job


@requires()
async def publish(request: Request) -> HTTPResponse:
    """The plain form POST: publishes (a few seconds) and answers with the outcome."""
    job = _start(request)
    await asyncio.to_thread(job.done.wait)
    outcome = job.outcome
    assert outcome is not None
    return list_page(request, status=200 if outcome.ok else 409, outcome=outcome,
                     job=job.snapshot())


@requires()
async def start_job(request: Request) -> HTTPResponse:
    """Starts publishing in the background: 202 with the job's status URL."""
    return json(_start(request).snapshot(), status=202)


@requires()
async def job_status(request: Request, job_id: str) -> HTTPResponse:
    """A publish job's steps, and its outcome once finished (JSON)."""
    job = console_of(request).publish_jobs.get(job_id)
    if job is None:
        return json({"error": "no such publish job (the console may have restarted)"},
                    status=404)
    return json(job.snapshot())


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


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(publish, "/publish", methods=["POST"], name="publish")
    app.add_route(start_job, "/publish/jobs", methods=["POST"], name="publish_job_start")
    app.add_route(job_status, "/publish/jobs/<job_id:str>", methods=["GET"],
                  name="publish_job_status")
    app.add_route(start_over, "/draft/reset", methods=["POST"], name="draft_reset")
