"""GraphQL types for uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from backend.graphql.errors import NotAllowed, ValidationFailed
from backend.storage.models import UploadKind

UploadKindType = strawberry.enum(UploadKind, name="UploadKind")


@strawberry.type
class HttpHeader:
    name: str
    value: str


@strawberry.type(description="PUT the bytes to url with these headers, then name key in a mutation.")
class UploadTicket:
    key: str
    url: str
    method: str
    headers: list[HttpHeader]
    expires_at: datetime


@strawberry.input
class RequestUploadInput:
    kind: UploadKindType  # type: ignore[valid-type]
    content_type: str
    size: int = strawberry.field(description="bytes; must not be exceeded by the upload")


RequestUploadResult = Annotated[UploadTicket | NotAllowed | ValidationFailed,
                                strawberry.union("RequestUploadResult")]
