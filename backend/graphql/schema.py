"""The one contract: every domain's Query, Mutation and Subscription composed into one schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types

from backend.accounts import resolvers as accounts
from backend.alerts import resolvers as alerts
from backend.audit import resolvers as audit
from backend.config import Settings, get_settings
from backend.graphql.context import DatabaseScopes
from backend.graphql.errors import should_mask_error
from backend.hazards import resolvers as hazards
from backend.kpi import resolvers as kpi
from backend.org import resolvers as org
from backend.sensors import resolvers as sensors
from backend.storage import resolvers as storage
from backend.storage.types import BIG_INT, BigInt
from backend.training import resolvers as training
from backend.vision import resolvers as vision

DOMAIN_QUERIES: tuple[type, ...] = (accounts.Query, org.Query, hazards.Query, audit.Query, kpi.Query, training.Query,
                                     alerts.Query, sensors.Query, vision.Query)
DOMAIN_MUTATIONS: tuple[type, ...] = (accounts.Mutation, storage.Mutation, hazards.Mutation, training.Mutation,
                                        alerts.Mutation, sensors.Mutation, vision.Mutation)
DOMAIN_SUBSCRIPTIONS: tuple[type, ...] = (hazards.Subscription, alerts.Subscription)

SDL_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


def parse_aware_datetime(value: object) -> datetime:
    """An ISO 8601 time with its zone ('Z' or an offset); a time without one is refused, not guessed."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise GraphQLError(f"{value!r} is not an ISO 8601 date and time") from error
    if parsed.tzinfo is None:
        raise GraphQLError(f"{value!r} has no time zone; send it as UTC, e.g. 2026-05-01T08:00:00Z")
    return parsed.astimezone(UTC)


AWARE_DATETIME = strawberry.scalar(name="DateTime", description="Date with time (isoformat)",
                                   serialize=datetime.isoformat, parse_value=parse_aware_datetime)


class SerialRootFields(StrawberryGraphQLCoreExecutionContext):
    """Top-level fields run one after another (as for mutations): they share the request's one session.

    Sibling root fields (`{ me { id } areas { id } }`, aliases) would otherwise use the AsyncSession
    concurrently, which SQLAlchemy refuses. Nested fields still resolve concurrently through DataLoaders.
    """

    def execute_fields(self, parent_type, source_value, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path is None:
            return self.execute_fields_serially(parent_type, source_value, path, *args, **kwargs)
        return super().execute_fields(parent_type, source_value, path, *args, **kwargs)


class ResolvePrincipal(SchemaExtension):
    """Read the caller's token once per operation, before any resolver runs."""

    async def on_execute(self):  # type: ignore[no-untyped-def,override]
        context = self.execution_context.context
        if hasattr(context, "resolve_principal"):
            await context.resolve_principal()
        yield


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    # the depth and alias limits as rule classes made once: the validation cache is keyed by the rules,
    # and limiter extensions built per request would make new classes (and a cache miss) every time
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    return strawberry.Schema(
        query=merge_types("Query", DOMAIN_QUERIES),
        mutation=merge_types("Mutation", DOMAIN_MUTATIONS),
        subscription=merge_types("Subscription", DOMAIN_SUBSCRIPTIONS),
        extensions=[
            lambda: AddValidationRules(limit_rules),
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            # clients send the same few documents over and over: parse and validate each once
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            DatabaseScopes,
            ResolvePrincipal,
            lambda: MaskErrors(should_mask_error=should_mask_error),
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map={datetime: AWARE_DATETIME, BigInt: BIG_INT}),
        execution_context_class=SerialRootFields,
    )


def export_sdl(path: Path = SDL_PATH) -> str:
    sdl = build_schema().as_str() + "\n"
    path.write_text(sdl)
    return sdl
