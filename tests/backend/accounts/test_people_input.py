"""Bad input to the admin's people and device mutations: a clear ValidationFailed, never a crash.

On PostgreSQL an over-long username or device name used to reach the column and come back as
'Unexpected error.'; on SQLite it was stored as given, and so were blank names.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import gql

ADD_USER = """mutation($input: AddUserInput!) { addUser(input: $input) {
  __typename ... on User { id username displayName } ... on ValidationFailed { message field } } }"""
REGISTER = """mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) {
  __typename ... on RegisteredDevice { device { name } } ... on ValidationFailed { message field } } }"""


def person(**overrides: object) -> dict:
    return {"input": {"username": f"u{uuid.uuid4().hex[:10]}", "displayName": "Zhang Wei", "password": "long enough pw",
                      "roles": ["MINER"], **overrides}}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"username": "u" * 65}, "username"),
    ({"username": "   "}, "username"),
    ({"username": "two words"}, "username"),
    ({"displayName": "x" * 201}, "displayName"),
    ({"displayName": "  "}, "displayName"),
    ({"password": "short"}, "password"),
    ({"roles": []}, "roles"),
    ({"roles": ["DEVICE"]}, "roles"),
])
async def test_bad_people_are_refused_by_field(client, make_mine, overrides: dict, field: str) -> None:
    mine = await make_mine()
    answer = (await gql(client, ADD_USER, person(**overrides), token=mine.token("admin")))["addUser"]
    assert answer["__typename"] == "ValidationFailed" and answer["field"] == field, answer
    assert answer["message"]


async def test_good_people_and_taken_usernames(client, make_mine) -> None:
    mine = await make_mine()
    name = f"Kuanggong-{uuid.uuid4().hex[:6]}"
    added = (await gql(client, ADD_USER, person(username=f"  {name} ", displayName=" 陈矿工 Chen "),
                       token=mine.token("admin")))["addUser"]
    assert added["username"] == name.lower() and added["displayName"] == "陈矿工 Chen"
    taken = (await gql(client, ADD_USER, person(username=name.upper()), token=mine.token("admin")))["addUser"]
    assert taken["__typename"] == "ValidationFailed" and taken["field"] == "username"
    longest = (await gql(client, ADD_USER, person(username="u" * 64, displayName="x" * 200),
                         token=mine.token("admin")))["addUser"]
    assert longest["__typename"] == "User"


@pytest.mark.parametrize("name", ["", "   ", "n" * 201])
async def test_bad_device_names_are_refused(client, make_mine, name: str) -> None:
    mine = await make_mine()
    answer = (await gql(client, REGISTER, {"input": {"name": name, "kind": "CAMERA"}},
                        token=mine.token("admin")))["registerDevice"]
    assert answer["__typename"] == "ValidationFailed" and answer["field"] == "name", answer
