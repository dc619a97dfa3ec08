"""GraphQL types for uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NewType

import strawberry
from graphql import GraphQLError

from backend.graphql.errors import NotAllowedType, ValidationFailedType
from backend.storage.models import UploadKind

UploadKindType = strawberry.enum(UploadKind, name="UploadKind")


def _parse_byte_count(value: object) -> int:
    """A whole number of bytes (JSON may carry it as 3.0); GraphQL's Int stops at 2^31 - 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise GraphQLError(f"{value!r} is not a whole number of bytes")
    return int(value)


BigInt = NewType("BigInt", int)  # mapped to BIG_INT in the schema's scalar_map
BIG_INT = strawberry.scalar(name="BigInt", serialize=int, parse_value=_parse_byte_count,
                            description="A whole number that may pass 32 bits, such as a video's size in bytes.")


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
    size: BigInt = strawberry.field(description="bytes; must not be exceeded by the upload")  # type: ignore[valid-type]


RequestUploadResult = Annotated[UploadTicket | NotAllowedType | ValidationFailedType,
                                strawberry.union("RequestUploadResult")]
