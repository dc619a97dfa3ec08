"""requestUpload."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.storage import service
from backend.storage.types import HttpHeader, RequestUploadInput, RequestUploadResult, UploadTicket


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Reserve an object key and get a URL to PUT the bytes to.")
    @returns_domain_errors
    async def request_upload(self, info: Info[Context, None], input: RequestUploadInput) -> RequestUploadResult:
        ctx = info.context
        actor = ctx.authenticated()
        ticket = await service.request_upload(
            session=ctx.session, store=ctx.store, settings=ctx.settings, actor=actor,
            kind=input.kind, content_type=input.content_type, size=input.size,
        )
        await ctx.commit()
        presigned = ticket.presigned
        return UploadTicket(
            key=ticket.slot.key, url=presigned.url, method=presigned.method,
            headers=[HttpHeader(name=k, value=v) for k, v in presigned.headers.items()],
            expires_at=presigned.expires_at,
        )
