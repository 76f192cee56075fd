"""Accounts (admins only): list, create, reset a password, change role, unlock, delete.

The rules are ``make staff-user``'s (``staff.console.accounts``, ``passwords``): the same name
and password checks, a reset unlocks the account and ends its sessions, so does a role
change. The last admin who can sign in cannot be demoted or deleted. Every change is audited
(who, which account, what; never a password).
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple
from urllib.parse import quote

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from staff.console.accounts import ROLES, AccountProblem, LastAdmin
from staff.console.passwords import MIN_PASSWORD_LENGTH, confirm_problem
from staff.console.sessions import COOKIE
from staff.console.views.base import console_of, form_value, render, requires, when

DONE = {
    "created": "Account created. Tell the person their username and password in person or "
               "by phone, not by e-mail.",
    "password": "New password set. The account is unlocked and was signed out everywhere.",
    "role": "Role changed. The account was signed out everywhere.",
    "unlocked": "Account unlocked: it can sign in again.",
    "deleted": "The account was deleted.",
}


def _no_account(request: Request) -> HTTPResponse:
    return render(request, "error.html", status=404, title="No such account",
                  message="There is no such account (it may have been deleted).")


def _list_page(request: Request, status: int = 200, values: Optional[Dict[str, str]] = None,
               errors: Optional[Dict[str, str]] = None) -> HTTPResponse:
    console = console_of(request)
    return render(request, "accounts.html", status=status,
                  accounts=console.accounts.listing(),
                  signed_in=console.audit.last_times("signed in"), roles=ROLES,
                  values=values or {"username": "", "role": "editor"}, errors=errors or {},
                  done=DONE.get(request.args.get("done", ""), ""),
                  min_length=MIN_PASSWORD_LENGTH, when=when)


def _account_page(request: Request, name: str, status: int = 200,
                  errors: Optional[Dict[str, str]] = None) -> HTTPResponse:
    console = console_of(request)
    account = console.accounts.info(name)
    if account is None:
        return _no_account(request)
    last = console.audit.last_times("signed in").get(name)
    return render(request, "account.html", status=status, account=account, last=last,
                  roles=ROLES, errors=errors or {}, min_length=MIN_PASSWORD_LENGTH,
                  done=DONE.get(request.args.get("done", ""), ""), when=when)


def _passwords(request: Request) -> Tuple[str, Optional[str]]:
    """The password typed twice, and why it is refused when the two differ."""
    password = form_value(request, "password")
    return password, confirm_problem(password, form_value(request, "password2"))


def _after_change(request: Request, name: str, done: str) -> HTTPResponse:
    """Back to the account's page; to the login page when the admin changed their own
    account in a way that ended their session."""
    if name == request.ctx.user.name and done in ("password", "role", "deleted"):
        response = redirect("/login?changed=1")
        del response.cookies[COOKIE]
        return response
    return redirect("/accounts?done=deleted" if done == "deleted"
                    else f"/accounts/{quote(name)}?done={done}")


@requires("admin")
async def account_list(request: Request) -> HTTPResponse:
    """Every account (role, locked, last sign-in) and the "Create an account" form."""
    return _list_page(request)


@requires("admin")
async def create(request: Request) -> HTTPResponse:
    """Creates an account with the password typed twice."""
    console = console_of(request)
    name = form_value(request, "username").strip()
    role = form_value(request, "role")
    password, differ = _passwords(request)
    values = {"username": name, "role": role}
    if differ:
        return _list_page(request, 400, values, {"password": differ})
    try:
        console.accounts.create(name, role, password)
    except AccountProblem as problem:
        return _list_page(request, 400, values, {problem.field: str(problem)})
    console.audit.record(request.ctx.user.name, "account created", f"{name} ({role})")
    return redirect(f"/accounts/{quote(name)}?done=created")


@requires("admin")
async def account(request: Request, name: str) -> HTTPResponse:
    """One account: reset its password, change its role, unlock it, delete it."""
    return _account_page(request, name)


def _apply(request: Request, name: str, change: Callable[[], None], done: str,
           action: str, detail: str, field: str) -> HTTPResponse:
    """Makes ``change`` to account ``name`` and audits it (``action``, ``detail``); a
    refusal is shown beside ``field`` (the last admin's also audited)."""
    console = console_of(request)
    try:
        change()
    except KeyError:
        return _no_account(request)
    except AccountProblem as problem:
        return _account_page(request, name, 400, {problem.field: str(problem)})
    except LastAdmin as problem:
        console.audit.record(request.ctx.user.name, "account change refused",
                             f"{name} ({field}): {problem}")
        return _account_page(request, name, 409, {field: str(problem)})
    console.audit.record(request.ctx.user.name, action, detail)
    return _after_change(request, name, done)


@requires("admin")
async def reset_password(request: Request, name: str) -> HTTPResponse:
    """A new password (typed twice): unlocks the account and ends its sessions."""
    password, differ = _passwords(request)
    if differ:
        return _account_page(request, name, 400, {"password": differ})
    accounts = console_of(request).accounts
    return _apply(request, name, lambda: accounts.reset_password(name, password), "password",
                  "password reset", f"{name} (unlocked, signed out)", "password")


@requires("admin")
async def change_role(request: Request, name: str) -> HTTPResponse:
    """Editor or admin; ends the account's sessions. The last admin stays an admin."""
    accounts = console_of(request).accounts
    before = accounts.info(name)
    role = form_value(request, "role")
    if before is None:
        return _no_account(request)
    if role == before.role:
        return redirect(f"/accounts/{quote(name)}")
    return _apply(request, name, lambda: accounts.set_role(name, role), "role",
                  "role changed", f"{name}: {before.role} -> {role} (signed out)", "role")


@requires("admin")
async def unlock(request: Request, name: str) -> HTTPResponse:
    """Unlocks an account locked after too many wrong passwords."""
    accounts = console_of(request).accounts
    return _apply(request, name, lambda: accounts.unlock(name), "unlocked",
                  "account unlocked", name, "unlock")


@requires("admin")
async def delete_form(request: Request, name: str) -> HTTPResponse:
    """Asks before deleting."""
    account_info = console_of(request).accounts.info(name)
    if account_info is None:
        return _no_account(request)
    return render(request, "account_delete.html", account=account_info,
                  own=name == request.ctx.user.name)


@requires("admin")
async def delete(request: Request, name: str) -> HTTPResponse:
    """Deletes the account and ends its sessions. The last admin cannot be deleted."""
    accounts = console_of(request).accounts
    return _apply(request, name, lambda: accounts.delete(name), "deleted",
                  "account deleted", name, "delete")


def register(app: Sanic) -> None:
    """Adds this module's routes."""
    app.add_route(account_list, "/accounts", methods=["GET"], name="account_list")
    app.add_route(create, "/accounts", methods=["POST"], name="account_create")
    app.add_route(account, "/accounts/<name:str>", methods=["GET"], name="account")
    app.add_route(reset_password, "/accounts/<name:str>/password", methods=["POST"],
                  name="account_password")
    app.add_route(change_role, "/accounts/<name:str>/role", methods=["POST"],
                  name="account_role")
    app.add_route(unlock, "/accounts/<name:str>/unlock", methods=["POST"],
                  name="account_unlock")
    app.add_route(delete_form, "/accounts/<name:str>/delete", methods=["GET"],
                  name="account_delete_form")
    app.add_route(delete, "/accounts/<name:str>/delete", methods=["POST"],
                  name="account_delete")
