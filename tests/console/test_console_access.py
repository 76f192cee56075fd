"""Accounts and access over HTTP against a running console: sign in, wrong password,
lockout after 10, CSRF, cookie flags, idle timeout, editor vs admin pages, the audit log,
and no password or session token in the console's output."""

from __future__ import annotations

import time
from pathlib import Path


from tests.console.conftest import ADMIN, EDITOR, PASSWORD, Running, make_user, \
    start_console, stop_console


def test_sign_in_and_out(console: Running) -> None:
    client = console.client()
    assert client.get("/faqs").status == 302  # not signed in: to the login page
    page = client.get("/login").text
    for label in ('<label for="username">Username</label>',
                  '<label for="password">Password</label>', ">Sign in</button>"):
        assert label in page
    wrong = client.login(EDITOR[0], "not the password")
    assert wrong.status == 401 and "Wrong username or password." in wrong.text
    assert client.login("nobody", PASSWORD).status == 401
    ok = client.login(EDITOR[0], PASSWORD)
    assert ok.status == 302 and ok.header("location") == "/faqs"
    assert client.get("/faqs").status == 200
    assert client.post("/logout", {}).status == 302
    assert client.get("/faqs").status == 302


def test_session_cookie_flags(console: Running) -> None:
    client = console.client()
    answer = client.login(EDITOR[0], PASSWORD)
    cookie = next(c for c in answer.set_cookies() if c.startswith("console_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    behind_tls = console.client()
    token = behind_tls.get("/login", headers={"X-Forwarded-Proto": "https"}).csrf()
    answer = behind_tls.request("POST", "/login", headers={"X-Forwarded-Proto": "https"},
                                form={"csrf": token, "username": EDITOR[0],
                                      "password": PASSWORD})
    cookie = next(c for c in answer.set_cookies() if c.startswith("console_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_post_without_the_csrf_token_is_refused(console: Running) -> None:
    client = console.signed_in()
    form = {"question": "Sneaky?", "ways": "a\nb", "answer": "x"}
    assert client.request("POST", "/faqs/new", form=form).status == 403
    assert client.request("POST", "/faqs/new", form={**form, "csrf": "forged"}).status == 403
    assert client.request("POST", "/publish", form={}).status == 403
    assert client.request("POST", "/logout", form={}).status == 403
    fresh = console.client()
    assert fresh.request("POST", "/login", form={"username": EDITOR[0],
                                                 "password": PASSWORD}).status == 403
    assert "Sneaky?" not in client.get("/faqs").text


def test_lockout_after_ten_wrong_passwords(console: Running) -> None:
    assert make_user(console.env, "carl", "editor").returncode == 0
    client = console.client()
    for _ in range(10):
        assert client.login("carl", "wrong password!").status == 401
    locked = client.login("carl", PASSWORD)  # even the right password now
    assert locked.status == 403 and "locked after 10 wrong passwords" in locked.text
    assert "make staff-user NAME=carl" in locked.text
    assert make_user(console.env, "carl", "editor").returncode == 0  # an admin resets it
    assert client.login("carl", PASSWORD).status == 302


def test_editors_cannot_read_the_audit_log(console: Running) -> None:
    editor, admin = console.signed_in(), console.signed_in(ADMIN[0])
    assert editor.get("/audit").status == 403
    assert "Audit log" not in editor.get("/faqs").text
    page = admin.get("/audit")
    assert page.status == 200 and "signed in" in page.text and "account created" in page.text


def test_short_passwords_are_refused(console: Running) -> None:
    result = make_user(console.env, "dora", "editor", password="short")
    assert result.returncode == 1 and "too short" in result.stderr
    assert make_user(console.env, "dora", "boss").returncode == 2


def test_no_password_or_token_in_the_output(console: Running) -> None:
    console.client().login(EDITOR[0], "a wrong secret 123")
    client = console.signed_in()
    token = client.cookies["console_session"]
    output = console.log_text()
    assert PASSWORD not in output and "a wrong secret 123" not in output
    assert token not in output
    audit = console.signed_in(ADMIN[0]).get("/audit").text
    assert PASSWORD not in audit and "a wrong secret 123" not in audit and token not in audit


def test_no_account_says_how_to_create_one(tmp_path: Path) -> None:
    running = start_console(tmp_path, seed=False, accounts=False)
    try:
        page = running.client().get("/login").text
        assert "No staff account exists yet" in page
        assert "make staff-user NAME=yourname ROLE=admin" in page
    finally:
        stop_console(running)


def test_idle_sessions_end(tmp_path: Path) -> None:
    running = start_console(tmp_path, {"CONSOLE_IDLE_MINUTES": "0.03"}, seed=False)
    try:
        client = running.signed_in()
        assert client.get("/faqs").status == 200
        time.sleep(2.5)
        answer = client.get("/faqs")
        assert answer.status == 302 and "expired=1" in answer.header("location")
        assert "without activity" in client.get(answer.header("location")).text
    finally:
        stop_console(running)
