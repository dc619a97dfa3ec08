"""The one contract: every domain's Query, Mutation and Subscription composed into one schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.accounts import resolvers as accounts
from backend.alerts import resolvers as alerts
from backend.audit import resolvers as audit
from backend.config import Settings, get_settings
from backend.drills import resolvers as drills
from backend.graphql.edge import EdgePolicy
from backend.graphql.errors import log_error
from backend.graphql.execution import MinesafeExecution, plan_fields
from backend.graphql.operation import OperationLifecycle, OperationRules
from backend.hazards import resolvers as hazards
from backend.inspections import resolvers as inspections
from backend.kpi import resolvers as kpi
from backend.org import resolvers as org
from backend.permits import resolvers as permits
from backend.positioning import resolvers as positioning
from backend.reports import resolvers as reports
from backend.responsibility import resolvers as responsibility
from backend.risks import resolvers as risks
from backend.sensors import resolvers as sensors
from backend.storage import resolvers as storage
from backend.storage.types import BIG_INT, BigInt
from backend.training.bank import resolvers as training_bank
from backend.training.courses import resolvers as training_courses
from backend.training.exams import resolvers as training_exams
from backend.training.mentoring import resolvers as training_mentoring
from backend.training.record import resolvers as training_record
from backend.vision import resolvers as vision

# training's sub-packages in the order their fields have always had in the SDL
TRAINING_QUERIES: tuple[type, ...] = (training_courses.Query, training_exams.Query, training_record.Query,
                                      training_mentoring.Query, training_bank.Query, training_exams.LeaderboardQuery)
TRAINING_MUTATIONS: tuple[type, ...] = (training_courses.Mutation, training_bank.Mutation, training_exams.Mutation,
                                        training_mentoring.Mutation)
DOMAIN_QUERIES: tuple[type, ...] = (accounts.Query, org.Query, hazards.Query, audit.Query, kpi.Query, *TRAINING_QUERIES,
                                     alerts.Query, sensors.Query, vision.Query, responsibility.Query,
                                     reports.Query, risks.Query, inspections.Query, permits.Query,
                                     positioning.Query, drills.Query)
DOMAIN_MUTATIONS: tuple[type, ...] = (accounts.Mutation, storage.Mutation, hazards.Mutation, *TRAINING_MUTATIONS,
                                        alerts.Mutation, sensors.Mutation, vision.Mutation,
                                        org.Mutation, responsibility.Mutation, kpi.Mutation, reports.Mutation,
                                        risks.Mutation, inspections.Mutation, permits.Mutation, positioning.Mutation,
                                        drills.Mutation)
DOMAIN_SUBSCRIPTIONS: tuple[type, ...] = (hazards.Subscription, alerts.Subscription, permits.Subscription,
                                          positioning.Subscription)

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


class MinesafeSchema(strawberry.Schema):
    """strawberry's schema, logging by kind: a client's mistake is INFO and an outage WARNING, neither with a
    traceback (anyone could flood the logs or trip ERROR alerts with them); only a server fault is ERROR."""

    def process_errors(self, errors, execution_context=None) -> None:  # type: ignore[no-untyped-def,override]
        for error in errors:
            log_error(error)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    # the depth and alias limits as rule classes made once: the validation cache is keyed by the rules,
    # and limiter extensions built per request would make new classes (and a cache miss) every time
    rules = OperationRules(
        edge=EdgePolicy(introspection_needs_sign_in=settings.environment == "production"),
        validation_rules=(*QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
                          *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules),
        max_tokens=settings.graphql_max_tokens)
    schema = MinesafeSchema(
        query=merge_types("Query", DOMAIN_QUERIES),
        mutation=merge_types("Mutation", DOMAIN_MUTATIONS),
        subscription=merge_types("Subscription", DOMAIN_SUBSCRIPTIONS),
        extensions=[lambda: OperationLifecycle(rules)],
        config=StrawberryConfig(auto_camel_case=True, scalar_map={datetime: AWARE_DATETIME, BigInt: BIG_INT}),
        execution_context_class=MinesafeExecution,
    )
    rules.edge.describe(schema)
    plan_fields(schema._schema)
    return schema


def export_sdl(path: Path = SDL_PATH) -> str:
    sdl = build_schema().as_str() + "\n"
    path.write_text(sdl)
    return sdl
