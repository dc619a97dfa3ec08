"""GraphQL operations the backend tests share."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from PIL import Image

from tests.conftest import gql

REQUEST_UPLOAD = """
mutation($input: RequestUploadInput!) { requestUpload(input: $input) {
  __typename ... on UploadTicket { key url method headers { name value } }
  ... on ValidationFailed { message field } ... on NotAllowed { message } } }"""

REPORT = """
mutation($input: ReportHazardInput!) { reportHazard(input: $input) {
  __typename
  ... on Hazard { id state description reporterName photos { key url thumbnailUrl width height } area { id } }
  ... on PhotoRejected { message key reason } ... on ValidationFailed { message field }
  ... on NotAllowed { message } } }"""

HAZARD_FIELDS = """__typename
  ... on Hazard { id state grade level deadline isOverdue signedOff reinspectionPassed
                  responsible { id } rectificationPhotos { key } }
  ... on InvalidTransition { message currentState } ... on NotAllowed { message }
  ... on NotFound { message } ... on ValidationFailed { message field }"""

TRIAGE = "mutation($input: TriageHazardInput!) { triageHazard(input: $input) { " + HAZARD_FIELDS + " } }"
ACCEPT = "mutation($id: ID!) { acceptHazard(hazardId: $id) { " + HAZARD_FIELDS + " } }"
RECTIFY = ("mutation($input: SubmitRectificationInput!) { submitRectification(input: $input) { "
           + HAZARD_FIELDS + " ... on PhotoRejected { message reason } } }")
REINSPECT = "mutation($input: ReinspectHazardInput!) { reinspectHazard(input: $input) { " + HAZARD_FIELDS + " } }"
DISMISS = ("mutation($id: ID!, $reason: String!) { dismissHazard(hazardId: $id, reason: $reason) { "
           + HAZARD_FIELDS + " } }")
REASSIGN = "mutation($input: ReassignHazardInput!) { reassignHazard(input: $input) { " + HAZARD_FIELDS + " } }"
SIGN_OFF = "mutation($id: ID!) { signOffMajorHazard(hazardId: $id) { " + HAZARD_FIELDS + " } }"


def jpeg_bytes(width: int = 800, height: int = 600, color: tuple[int, int, int] = (120, 90, 40)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 40):
        image.paste((x % 255, 200, 30), (x, 0, x + 10, height))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


async def request_upload(http: httpx.AsyncClient, token: str, *, size: int, content_type: str = "image/jpeg",
                         kind: str = "PHOTO") -> dict[str, Any]:
    data = await gql(http, REQUEST_UPLOAD, {"input": {"kind": kind, "contentType": content_type, "size": size}},
                     token=token)
    return data["requestUpload"]


async def upload(http: httpx.AsyncClient, token: str, data: bytes, content_type: str = "image/jpeg") -> str:
    """requestUpload then PUT the bytes; returns the key."""
    ticket = await request_upload(http, token, size=len(data), content_type=content_type)
    assert ticket["__typename"] == "UploadTicket", ticket
    headers = {h["name"]: h["value"] for h in ticket["headers"]}
    if ticket["url"].startswith(str(http.base_url)):
        response = await http.put(ticket["url"], content=data, headers=headers)
    else:  # a presigned URL of the real S3 server
        async with httpx.AsyncClient() as direct:
            response = await direct.put(ticket["url"], content=data, headers=headers)
    assert response.status_code == 200, response.text
    return ticket["key"]


async def report(http: httpx.AsyncClient, token: str, area_id: uuid.UUID, *, photos: int = 1,
                 client_id: str | None = None, description: str = "Loose roof bolt at 30 m") -> dict[str, Any]:
    keys = [await upload(http, token, jpeg_bytes(color=(40 * i % 255, 80, 160))) for i in range(photos)]
    variables = {"input": {"clientId": client_id or str(uuid.uuid4()), "areaId": str(area_id),
                           "description": description, "photoKeys": keys, "suggestedGrade": "GENERAL"}}
    return (await gql(http, REPORT, variables, token=token))["reportHazard"]
