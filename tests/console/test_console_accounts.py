"""The "Accounts" page over HTTP against a running console: an admin creates an account (the
password rules of ``make staff-user``), resets a password and changes a role (both end the
account's sessions), unlocks a locked account, deletes one; the last admin cannot be demoted
or deleted; editors get 403; a POST without the CSRF token is refused; every change is in the
audit log and no password is, anywhere."""

from __future__ import annotations

import html
import re

from tests.console.client import Client, Response
from tests.console.conftest import ADMIN, EDITOR, PASSWORD, Running

NEW_PASSWORD = "violet anchor tundra pencil"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _create(admin: Client, name: str, role: str = "editor", password: str = PASSWORD,
            again: str = "") -> Response:
    return admin.post("/accounts", {"username": name, "role": role, "password": password,
                                    "password2": again or password}, page="/accounts")


def _row(page: str, name: str) -> str:
    """The text of ``name``'s row in the accounts table."""
    found = re.search(rf'<tr data-account="{re.escape(name)}">.*?</tr>', page, re.S)
    assert found, page[:3000]
    return _text(found.group(0))


def test_an_admin_creates_an_editor_who_can_then_sign_in(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    page = admin.get("/accounts")
    assert page.status == 200
    for label in ('<label for="username">Username</label>', '<label for="role">Role</label>',
                  '<label for="password">Password</label>',
                  '<label for="password2">Password again</label>'):
        assert label in page.text
    assert "Accounts</a>" in page.text  # the admin's navigation has the link
    assert console.client().login("dana", PASSWORD).status == 401  # not yet
    created = _create(admin, "dana")
    assert created.status == 302 and created.header("location") == "/accounts/dana?done=created"
    assert "Account created." in _text(admin.get("/accounts/dana?done=created").text)
    assert console.client().login("dana", PASSWORD).status == 302
    listing = admin.get("/accounts").text
    row = _row(listing, "dana")
    assert "editor" in row and "No" in row and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)
    assert "never" not in row  # dana signed in just now
    assert "(you)" in _row(listing, ADMIN[0])
    audit = _text(admin.get("/audit").text)
    assert f"{ADMIN[0]} account created dana (editor)" in audit


def test_the_rules_of_make_staff_user_apply(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    short = _create(admin, "erin", password="short")
    assert short.status == 400
    assert "Problem: the password is too short (5 characters)" in _text(short.text)
    assert 'value="erin"' in short.text and 'value="short"' not in short.text
    differ = _create(admin, "erin", again=PASSWORD + "!")
    assert differ.status == 400 and "the two passwords differ" in _text(differ.text)
    bad_name = _create(admin, "erin smith")
    assert bad_name.status == 400 and "the name may use letters, digits" in _text(bad_name.text)
    taken = _create(admin, EDITOR[0])
    assert taken.status == 400 and f"there is already an account called '{EDITOR[0]}'" in \
        _text(taken.text)
    bad_role = _create(admin, "erin", role="owner")
    assert bad_role.status == 400 and "the role must be one of: editor, admin" in \
        _text(bad_role.text)
    assert console.client().login("erin", PASSWORD).status == 401  # none of them created
    assert console.client().login(EDITOR[0], PASSWORD).status == 302  # ana's untouched


def test_editors_get_403_on_every_account_page(console: Running) -> None:
    editor = console.signed_in()
    assert ">Accounts<" not in editor.get("/faqs").text
    for path in ("/accounts", f"/accounts/{ADMIN[0]}", f"/accounts/{ADMIN[0]}/delete"):
        assert editor.get(path).status == 403, path
    token = editor.get("/faqs").csrf()
    posts = {"/accounts": {"username": "mallory", "role": "admin", "password": PASSWORD,
                           "password2": PASSWORD},
             f"/accounts/{ADMIN[0]}/password": {"password": NEW_PASSWORD,
                                                "password2": NEW_PASSWORD},
             f"/accounts/{EDITOR[0]}/role": {"role": "admin"},
             f"/accounts/{ADMIN[0]}/unlock": {},
             f"/accounts/{ADMIN[0]}/delete": {}}
    for path, form in posts.items():
        assert editor.request("POST", path, form={"csrf": token, **form}).status == 403, path
    assert console.client().login("mallory", PASSWORD).status == 401
    assert console.signed_in(EDITOR[0]).get("/accounts").status == 403  # still an editor
    assert console.client().login(ADMIN[0], PASSWORD).status == 302  # password unchanged


def test_account_forms_without_the_csrf_token_are_refused(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    _create(admin, "fay")
    posts = {"/accounts": {"username": "gus", "role": "admin", "password": PASSWORD,
                           "password2": PASSWORD},
             "/accounts/fay/password": {"password": NEW_PASSWORD, "password2": NEW_PASSWORD},
             "/accounts/fay/role": {"role": "admin"},
             "/accounts/fay/unlock": {},
             "/accounts/fay/delete": {}}
    for path, form in posts.items():
        assert admin.request("POST", path, form=form).status == 403, path
        assert admin.request("POST", path, form={**form, "csrf": "forged"}).status == 403
    assert console.client().login("gus", PASSWORD).status == 401
    fay = _row(admin.get("/accounts").text, "fay")
    assert "editor" in fay
    assert console.client().login("fay", PASSWORD).status == 302  # not reset, not deleted


def test_a_password_reset_ends_the_accounts_sessions(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    _create(admin, "hal")
    hal = console.signed_in("hal")
    assert hal.get("/faqs").status == 200
    page = admin.get("/accounts/hal").text
    assert '<label for="password">New password</label>' in page
    differ = admin.post("/accounts/hal/password", {"password": NEW_PASSWORD,
                                                   "password2": "something else entirely"},
                        page="/accounts/hal")
    assert differ.status == 400 and "the two passwords differ" in _text(differ.text)
    assert hal.get("/faqs").status == 200  # a refused reset changes nothing
    reset = admin.post("/accounts/hal/password", {"password": NEW_PASSWORD,
                                                  "password2": NEW_PASSWORD},
                       page="/accounts/hal")
    assert reset.status == 302 and reset.header("location") == "/accounts/hal?done=password"
    signed_out = hal.get("/faqs")
    assert signed_out.status == 302 and signed_out.header("location").startswith("/login")
    assert console.client().login("hal", PASSWORD).status == 401
    assert console.client().login("hal", NEW_PASSWORD).status == 302
    assert f"{ADMIN[0]} password reset hal (unlocked, signed out)" in \
        _text(admin.get("/audit").text)


def test_a_role_change_ends_the_sessions_and_takes_effect(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    _create(admin, "ivy")
    ivy = console.signed_in("ivy")
    assert ivy.get("/bookings").status == 403
    changed = admin.post("/accounts/ivy/role", {"role": "admin"}, page="/accounts/ivy")
    assert changed.status == 302
    assert ivy.get("/faqs").status == 302  # signed out
    again = console.signed_in("ivy")
    assert again.get("/accounts").status == 200  # now an admin
    assert "ivy: editor -> admin (signed out)" in _text(admin.get("/audit").text)


def test_the_last_admin_cannot_demote_or_delete_themselves(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    names = re.findall(r'<tr data-account="([^"]+)">', admin.get("/accounts").text)
    for name in names:  # earlier tests may have made other admins: back to editors
        if name != ADMIN[0] and "admin" in _row(admin.get("/accounts").text, name):
            assert admin.post(f"/accounts/{name}/role", {"role": "editor"},
                              page=f"/accounts/{name}").status == 302
    demote = admin.post(f"/accounts/{ADMIN[0]}/role", {"role": "editor"},
                        page=f"/accounts/{ADMIN[0]}")
    assert demote.status == 409
    assert f"'{ADMIN[0]}' is the last admin who can sign in" in _text(demote.text)
    delete = admin.post(f"/accounts/{ADMIN[0]}/delete", {}, page=f"/accounts/{ADMIN[0]}")
    assert delete.status == 409 and "is the last admin" in _text(delete.text)
    assert admin.get("/accounts").status == 200  # still signed in, still an admin
    assert "admin" in _row(admin.get("/accounts").text, ADMIN[0])
    assert "account change refused" in _text(admin.get("/audit").text)
    # with a second admin, the first may step down (and is signed out by it)
    _create(admin, "jo", role="admin")
    stepped = admin.post(f"/accounts/{ADMIN[0]}/role", {"role": "editor"},
                         page=f"/accounts/{ADMIN[0]}")
    assert stepped.status == 302 and stepped.header("location") == "/login?changed=1"
    assert "Your account was changed" in console.client().get("/login?changed=1").text
    assert console.signed_in(ADMIN[0]).get("/accounts").status == 403
    jo = console.signed_in("jo")
    assert jo.post(f"/accounts/{ADMIN[0]}/role", {"role": "admin"},
                   page=f"/accounts/{ADMIN[0]}").status == 302  # put back for later tests


def test_unlock_a_locked_account(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    _create(admin, "kim")
    client = console.client()
    for _ in range(10):
        assert client.login("kim", "wrong password!").status == 401
    locked = client.login("kim", PASSWORD)
    assert locked.status == 403 and "unlock it on the Accounts page" in _text(locked.text)
    assert "Locked" in _row(admin.get("/accounts").text, "kim")
    page = admin.get("/accounts/kim")
    assert "Yes, after 10 wrong passwords in a row" in _text(page.text)
    assert admin.post("/accounts/kim/unlock", {}, page="/accounts/kim").status == 302
    assert "Locked" not in _row(admin.get("/accounts").text, "kim")
    assert client.login("kim", PASSWORD).status == 302  # the same password works again
    assert "account unlocked kim" in _text(admin.get("/audit").text)


def test_delete_an_account(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    _create(admin, "lee")
    lee = console.signed_in("lee")
    confirm = admin.get("/accounts/lee/delete")
    assert confirm.status == 200 and "Delete the account “lee”?" in _text(confirm.text)
    deleted = admin.post("/accounts/lee/delete", {}, page="/accounts/lee/delete")
    assert deleted.status == 302 and deleted.header("location") == "/accounts?done=deleted"
    assert lee.get("/faqs").status == 302
    assert console.client().login("lee", PASSWORD).status == 401
    assert admin.get("/accounts/lee").status == 404
    assert 'href="/accounts/lee"' not in admin.get("/accounts").text
    assert "account deleted lee" in _text(admin.get("/audit").text)


def test_no_password_in_the_audit_log_or_the_console_output(console: Running) -> None:
    admin = console.signed_in(ADMIN[0])
    _create(admin, "max")
    admin.post("/accounts/max/password", {"password": NEW_PASSWORD,
                                          "password2": NEW_PASSWORD}, page="/accounts/max")
    audit = admin.get("/audit").text
    assert "account created" in audit and "password reset" in audit
    for secret in (PASSWORD, NEW_PASSWORD):
        assert secret not in audit
        assert secret not in console.log_text()
