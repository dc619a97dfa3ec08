"""Passwords over GraphQL (SQLite and PostgreSQL): an admin gives an imported person their first password, a
person changes their own; both end the person's other sessions, are audited without the secret, and refuse
short, oversized, wrong or foreign input."""

from __future__ import annotations

from sqlalchemy import select

from backend.audit.models import AuditEntry
from tests.backend.accounts.test_tokens import REFRESH, login
from tests.backend.org.api import import_csv
from tests.conftest import PASSWORD, gql

RESULT = """__typename ... on User { id username } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field }"""
SET = f"mutation($id: ID!, $p: String!) {{ setUserPassword(userId: $id, password: $p) {{ {RESULT} }} }}"
CHANGE = f"""mutation($c: String!, $n: String!) {{ changePassword(currentPassword: $c, newPassword: $n) {{
  {RESULT} }} }}"""


async def test_an_imported_person_signs_in_once_an_admin_sets_a_password(client, platform, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    admin = mine.token("admin")
    suffix = str(mine.mine_id)[:6]
    report = await import_csv(client, admin, f"employee_no,username,name,roles\nP{suffix},new{suffix},王五,miner\n")
    assert report["ok"], report
    username = f"new{suffix}"
    assert (await login(client, username, "anything-at-all"))["__typename"] == "LoginFailed"
    async with platform.session_factory() as session:
        user_id = str((await session.scalars(select(AuditEntry.subject_id).where(
            AuditEntry.mine_id == mine.mine_id, AuditEntry.action == "person.imported"))).one())
    for who, password, expected in (("miner", "long-enough-1", "NotAllowed"), ("admin", "short", "ValidationFailed"),
                                    ("admin", "x" * 300, "ValidationFailed")):
        refused = (await gql(client, SET, {"id": user_id, "p": password}, token=mine.token(who)))["setUserPassword"]
        assert refused["__typename"] == expected, (who, refused)
    foreign = (await gql(client, SET, {"id": user_id, "p": "long-enough-1"}, token=other.token("admin")))
    assert foreign["setUserPassword"]["__typename"] == "NotFound"

    done = (await gql(client, SET, {"id": user_id, "p": "first-password-9"}, token=admin))["setUserPassword"]
    assert done["__typename"] == "User" and done["username"] == username, done
    assert (await login(client, username, "first-password-9"))["__typename"] == "AuthSession"
    async with platform.session_factory() as session:
        entry = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "user.password_set",
                                                                AuditEntry.mine_id == mine.mine_id))).one()
        assert "first-password-9" not in str(entry.after) and "argon2" not in str(entry.after)


async def test_changing_your_own_password_ends_your_other_sessions(client, make_mine) -> None:
    mine = await make_mine()
    username = mine.users["miner"].username
    phone, tablet = await login(client, username), await login(client, username)
    token = phone["accessToken"]
    wrong = (await gql(client, CHANGE, {"c": "not-my-password", "n": "brand-new-pass"}, token=token))
    assert (wrong["changePassword"]["__typename"], wrong["changePassword"]["field"]) == (
        "ValidationFailed", "currentPassword")
    short = (await gql(client, CHANGE, {"c": PASSWORD, "n": "short"}, token=token))["changePassword"]
    assert (short["__typename"], short["field"]) == ("ValidationFailed", "newPassword")
    assert (await login(client, username))["__typename"] == "AuthSession"  # nothing changed yet

    changed = (await gql(client, CHANGE, {"c": PASSWORD, "n": "brand-new-pass"}, token=token))["changePassword"]
    assert changed["__typename"] == "User", changed
    assert (await login(client, username))["__typename"] == "LoginFailed"
    assert (await login(client, username, "brand-new-pass"))["__typename"] == "AuthSession"
    stale = (await gql(client, REFRESH, {"t": tablet["refreshToken"]}))["refreshSession"]
    assert stale["__typename"] == "LoginFailed"  # the tablet's session ended with the old password
    for _ in range(12):  # guessing the current password with a stolen token meets the sign-in throttle
        guess = (await gql(client, CHANGE, {"c": "guess-guess-1", "n": "another-pass-2"}, token=token))
        assert guess["changePassword"]["__typename"] == "ValidationFailed"
    assert "too many failed sign-ins" in guess["changePassword"]["message"], guess
    assert (await login(client, username, "brand-new-pass"))["__typename"] == "LoginFailed"  # blocked there too
    device = (await gql(client, CHANGE, {"c": PASSWORD, "n": "brand-new-pass"},
                        token=next(iter(mine.device_tokens.values()))))["changePassword"]
    assert device["__typename"] == "NotAllowed"
