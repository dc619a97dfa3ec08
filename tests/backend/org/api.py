"""GraphQL operations the org and responsibility tests share."""

from __future__ import annotations

import base64
from typing import Any

from tests.conftest import gql

ERRORS = """... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }
  ... on InvalidTransition { message currentState }"""
UNIT = "__typename ... on Area { id code name kind parentId mapX mapY retired managerId } " + ERRORS
TEAM = "__typename ... on Team { id code name areaId leaderId retired } " + ERRORS
POST = "__typename ... on Post { id code name unitId retired } " + ERRORS
LIST = ("__typename ... on ResponsibilityList { id state version duties hazardLevels areaIds deviceIds riskPointIds "
        "postId personId holderName publishedAt supersededAt } " + ERRORS)

CREATE_UNIT = "mutation($input: CreateUnitInput!) { createUnit(input: $input) { " + UNIT + " } }"
UPDATE_UNIT = "mutation($input: UpdateUnitInput!) { updateUnit(input: $input) { " + UNIT + " } }"
MOVE_UNIT = "mutation($id: ID!, $parent: ID) { moveUnit(unitId: $id, parentId: $parent) { " + UNIT + " } }"
RETIRE_UNIT = "mutation($id: ID!) { retireUnit(unitId: $id) { " + UNIT + " } }"
CREATE_TEAM = "mutation($input: CreateTeamInput!) { createTeam(input: $input) { " + TEAM + " } }"
UPDATE_TEAM = "mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { " + TEAM + " } }"
MOVE_TEAM = "mutation($id: ID!, $unit: ID) { moveTeam(teamId: $id, unitId: $unit) { " + TEAM + " } }"
RETIRE_TEAM = "mutation($id: ID!) { retireTeam(teamId: $id) { " + TEAM + " } }"
CREATE_POST = "mutation($input: CreatePostInput!) { createPost(input: $input) { " + POST + " } }"
RENAME_POST = "mutation($id: ID!, $name: String!) { renamePost(postId: $id, name: $name) { " + POST + " } }"
MOVE_POST = "mutation($id: ID!, $unit: ID) { movePost(postId: $id, unitId: $unit) { " + POST + " } }"
RETIRE_POST = "mutation($id: ID!) { retirePost(postId: $id) { " + POST + " } }"
SETTINGS_FIELDS = ("name hazardDeadlineHours alertEscalationMinutes { severity minutes } roof examPassMark")
MINE_SETTINGS = "{ mineSettings { " + SETTINGS_FIELDS + " } }"
UPDATE_SETTINGS = ("mutation($input: MineSettingsInput!) { updateMineSettings(input: $input) { __typename "
                   "... on MineSettings { " + SETTINGS_FIELDS + " } " + "... on NotAllowed { message } "
                   "... on ValidationFailed { message field } } }")
IMPORT_INLINE = """mutation($content: String!, $format: PeopleFormat!, $dry: Boolean!) {
  importPeopleInline(contentBase64: $content, format: $format, dryRun: $dry) { __typename
    ... on PeopleImport { ok dryRun created updated unchanged errors { row column message } }
    ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""
IMPORT = """mutation($key: String!, $format: PeopleFormat!) { importPeople(key: $key, format: $format) { __typename
    ... on PeopleImport { ok created updated unchanged errors { row column message } }
    ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""
EXPORT = """mutation($format: PeopleFormat!) { exportPeople(format: $format) { __typename
    ... on PeopleExport { url key rows } ... on NotAllowed { message } } }"""
DRAFT = ("mutation($kind: ResponsibilityHolderKind!, $id: ID!) { draftResponsibilityList(holderKind: $kind, "
         "holderId: $id) { " + LIST + " } }")
EDIT = ("mutation($input: EditResponsibilityListInput!) { editResponsibilityList(input: $input) { " + LIST + " } }")
PUBLISH = "mutation($id: ID!) { publishResponsibilityList(listId: $id) { " + LIST + " } }"
WITHDRAW = "mutation($id: ID!) { withdrawResponsibilityList(listId: $id) { " + LIST + " } }"
MY_DUTIES = "{ myDuties { id version duties hazardLevels areaIds holderName areas { name } } }"
LISTS = ("query($unit: ID, $history: Boolean!) { responsibilityLists(unitId: $unit, includeHistory: $history) "
         "{ id state version postId personId } }")
DIFF = ("query($a: ID!, $b: ID!) { responsibilityListDiff(fromId: $a, toId: $b) { fromVersion toVersion "
        "dutiesChanged dutiesBefore dutiesAfter changes { kind added removed } } }")
PROPOSED = ("query($id: ID!) { proposedResponsible(hazardId: $id) { person { id displayName } version viaPost step "
            "listId } }")
TRACE = ("query($id: ID!) { traceability(subjectId: $id) { seq action responsible { id } "
         "listResponsible { person { id } version step } } }")


async def import_csv(client, token: str, text: str, *, dry_run: bool = False,  # type: ignore[no-untyped-def]
                     fmt: str = "CSV") -> dict[str, Any]:
    content = text.encode("utf-8") if isinstance(text, str) else text
    data = await gql(client, IMPORT_INLINE, {"content": base64.b64encode(content).decode(), "format": fmt,
                                             "dry": dry_run}, token=token)
    return data["importPeopleInline"]


async def create_unit(client, token: str, **fields: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return (await gql(client, CREATE_UNIT, {"input": fields}, token=token))["createUnit"]
