"""The organisation over GraphQL: the caller's mine, its settings, units, teams, posts, people import/export."""

from __future__ import annotations

import base64
import binascii
import uuid

import strawberry
from strawberry.types import Info

from backend.accounts.roles import Role
from backend.errors import ValidationFailed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.org import flows, people, service
from backend.org.people_io import MAX_FILE_BYTES, XLSX_TYPE, FileRefused, PeopleFormat
from backend.org.types import (
    AreaType,
    CreatePostInput,
    CreateTeamInput,
    CreateUnitInput,
    ImportRowError,
    MineSettings,
    MineSettingsInput,
    MineSettingsResult,
    MineType,
    PeopleExport,
    PeopleExportResult,
    PeopleFormatType,
    PeopleImport,
    PeopleImportResult,
    PostAssignment,
    PostAssignmentResult,
    PostResult,
    PostType,
    TeamResult,
    TeamType,
    UnitResult,
    UpdateTeamInput,
    UpdateUnitInput,
)
from backend.storage import service as storage_service
from backend.storage.models import UploadKind

INLINE_MAX_BYTES = 2 * 1024 * 1024
SETTINGS_READERS = (Role.ADMIN, Role.MINE_MANAGER, Role.SAFETY_OFFICER, Role.AREA_MANAGER)


@strawberry.type
class Query:
    @strawberry.field(description="The caller's mine.")
    async def mine(self, info: Info[Context, None]) -> MineType:
        ctx = info.context
        mine = await service.get_mine(session=ctx.session, mine_id=ctx.authenticated().mine_id)
        assert mine is not None
        return MineType.from_model(mine)

    @strawberry.field(description="The settings in force for the caller's mine (defaults where it sets none).")
    async def mine_settings(self, info: Info[Context, None]) -> MineSettings:
        ctx = info.context
        principal = ctx.require(*SETTINGS_READERS)
        mine = await service.get_mine(session=ctx.session, mine_id=principal.mine_id)
        assert mine is not None
        return MineSettings.from_model(mine)

    @strawberry.field(description="Units of the caller's mine (districts and areas); retired ones on request.")
    async def areas(self, info: Info[Context, None], include_retired: bool = False) -> list[AreaType]:
        ctx = info.context
        return [AreaType.from_model(a) for a in await service.list_areas(
            session=ctx.session, mine_id=ctx.authenticated().mine_id, include_retired=include_retired)]

    @strawberry.field(description="Teams of the caller's mine.")
    async def teams(self, info: Info[Context, None], include_retired: bool = False) -> list[TeamType]:
        ctx = info.context
        return [TeamType.from_model(t) for t in await service.list_teams(
            session=ctx.session, mine_id=ctx.authenticated().mine_id, include_retired=include_retired)]

    @strawberry.field(description="Posts (岗位) of the caller's mine.")
    async def posts(self, info: Info[Context, None], include_retired: bool = False) -> list[PostType]:
        ctx = info.context
        return [PostType.from_model(p) for p in await service.list_posts(
            session=ctx.session, mine_id=ctx.authenticated().mine_id, include_retired=include_retired)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Change the mine's name and settings (admin; validated and audited).")
    @returns_domain_errors
    async def update_mine_settings(self, info: Info[Context, None], input: MineSettingsInput) -> MineSettingsResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN)
        deadlines = None
        if input.hazard_deadline_hours is not None:
            given = input.hazard_deadline_hours
            deadlines = {k: v for k, v in (("A", given.a), ("B", given.b), ("C", given.c),
                                           ("MAJOR_PLAN", given.major_plan)) if v is not None}
        escalation = None
        if input.alert_escalation_minutes is not None:
            escalation = {e.severity: list(e.minutes) for e in input.alert_escalation_minutes}
        roof = None
        if input.roof is not None:
            roof = {k: v for k, v in vars(input.roof).items() if v is not None}
        mine = await flows.change_settings(ctx.session, actor=actor, name=input.name, hazard_deadline_hours=deadlines,
                                           alert_escalation_minutes=escalation, roof=roof,
                                           exam_pass_mark=input.exam_pass_mark)
        await ctx.commit()
        return MineSettings.from_model(mine)

    @strawberry.mutation(description="Create a district or an area (admin; an area manager within their district).")
    @returns_domain_errors
    async def create_unit(self, info: Info[Context, None], input: CreateUnitInput) -> UnitResult:
        ctx = info.context
        unit = await flows.create_unit(ctx.session, actor=ctx.person(), code=input.code, name=input.name,
                                       kind=input.kind, parent_id=parse_optional_id(input.parent_id, "parentId"),
                                       map_x=input.map_x, map_y=input.map_y)
        await ctx.commit()
        return AreaType.from_model(unit)

    @strawberry.mutation(description="Rename a unit, change its code, map position or manager.")
    @returns_domain_errors
    async def update_unit(self, info: Info[Context, None], input: UpdateUnitInput) -> UnitResult:
        ctx = info.context
        unit = await flows.update_unit(ctx.session, actor=ctx.person(), unit_id=parse_id(input.unit_id, "unitId"),
                                       name=input.name, code=input.code, map_x=input.map_x, map_y=input.map_y,
                                       manager_id=parse_optional_id(input.manager_id, "managerId"))
        await ctx.commit()
        return AreaType.from_model(unit)

    @strawberry.mutation(description="Move a unit under another district (null: directly under the mine).")
    @returns_domain_errors
    async def move_unit(self, info: Info[Context, None], unit_id: strawberry.ID,
                        parent_id: strawberry.ID | None = None) -> UnitResult:
        ctx = info.context
        unit = await flows.move_unit(ctx.session, actor=ctx.person(), unit_id=parse_id(unit_id, "unitId"),
                                     parent_id=parse_optional_id(parent_id, "parentId"))
        await ctx.commit()
        return AreaType.from_model(unit)

    @strawberry.mutation(description="Retire a unit (kept for history; it must hold nothing active).")
    @returns_domain_errors
    async def retire_unit(self, info: Info[Context, None], unit_id: strawberry.ID) -> UnitResult:
        ctx = info.context
        unit = await flows.retire_unit(ctx.session, actor=ctx.person(), unit_id=parse_id(unit_id, "unitId"))
        await ctx.commit()
        return AreaType.from_model(unit)

    @strawberry.mutation(description="Create a team (区队/班组) under a unit.")
    @returns_domain_errors
    async def create_team(self, info: Info[Context, None], input: CreateTeamInput) -> TeamResult:
        ctx = info.context
        team = await flows.create_team(ctx.session, actor=ctx.person(), code=input.code, name=input.name,
                                       unit_id=parse_optional_id(input.unit_id, "unitId"),
                                       leader_id=parse_optional_id(input.leader_id, "leaderId"))
        await ctx.commit()
        return TeamType.from_model(team)

    @strawberry.mutation(description="Rename a team, change its code or leader.")
    @returns_domain_errors
    async def update_team(self, info: Info[Context, None], input: UpdateTeamInput) -> TeamResult:
        ctx = info.context
        team = await flows.update_team(ctx.session, actor=ctx.person(), team_id=parse_id(input.team_id, "teamId"),
                                       name=input.name, code=input.code,
                                       leader_id=parse_optional_id(input.leader_id, "leaderId"))
        await ctx.commit()
        return TeamType.from_model(team)

    @strawberry.mutation(description="Put a team under another unit.")
    @returns_domain_errors
    async def move_team(self, info: Info[Context, None], team_id: strawberry.ID, unit_id: strawberry.ID | None = None
                        ) -> TeamResult:
        ctx = info.context
        team = await flows.update_team(ctx.session, actor=ctx.person(), team_id=parse_id(team_id, "teamId"),
                                       unit_id=parse_optional_id(unit_id, "unitId"), move=True)
        await ctx.commit()
        return TeamType.from_model(team)

    @strawberry.mutation(description="Retire a team (kept for history; it must have no active members).")
    @returns_domain_errors
    async def retire_team(self, info: Info[Context, None], team_id: strawberry.ID) -> TeamResult:
        ctx = info.context
        team = await flows.retire_team(ctx.session, actor=ctx.person(), team_id=parse_id(team_id, "teamId"))
        await ctx.commit()
        return TeamType.from_model(team)

    @strawberry.mutation(description="Create a post (岗位), optionally within a unit.")
    @returns_domain_errors
    async def create_post(self, info: Info[Context, None], input: CreatePostInput) -> PostResult:
        ctx = info.context
        post = await flows.create_post(ctx.session, actor=ctx.person(), code=input.code, name=input.name,
                                       unit_id=parse_optional_id(input.unit_id, "unitId"))
        await ctx.commit()
        return PostType.from_model(post)

    @strawberry.mutation(description="Rename a post.")
    @returns_domain_errors
    async def rename_post(self, info: Info[Context, None], post_id: strawberry.ID, name: str) -> PostResult:
        ctx = info.context
        post = await flows.update_post(ctx.session, actor=ctx.person(), post_id=parse_id(post_id, "postId"), name=name)
        await ctx.commit()
        return PostType.from_model(post)

    @strawberry.mutation(description="Put a post under another unit.")
    @returns_domain_errors
    async def move_post(self, info: Info[Context, None], post_id: strawberry.ID, unit_id: strawberry.ID | None = None
                        ) -> PostResult:
        ctx = info.context
        post = await flows.update_post(ctx.session, actor=ctx.person(), post_id=parse_id(post_id, "postId"),
                                       unit_id=parse_optional_id(unit_id, "unitId"), move=True)
        await ctx.commit()
        return PostType.from_model(post)

    @strawberry.mutation(description="Retire a post; its holders' holdings end now (kept for history).")
    @returns_domain_errors
    async def retire_post(self, info: Info[Context, None], post_id: strawberry.ID) -> PostResult:
        ctx = info.context
        post = await flows.retire_post(ctx.session, actor=ctx.person(), post_id=parse_id(post_id, "postId"))
        await ctx.commit()
        return PostType.from_model(post)

    @strawberry.mutation(description="Give a person a post, or none (admin; an area manager within their district); "
                                     "the old holding ends now, history is kept.")
    @returns_domain_errors
    async def assign_post(self, info: Info[Context, None], user_id: strawberry.ID,
                          post_id: strawberry.ID | None = None) -> PostAssignmentResult:
        ctx = info.context
        record = await flows.assign_post(ctx.session, actor=ctx.person(), user_id=parse_id(user_id, "userId"),
                                         post_id=parse_optional_id(post_id, "postId"))
        await ctx.commit()
        return PostAssignment(user_id=strawberry.ID(str(record.user_id)), employee_no=record.employee_no,
                              post_id=strawberry.ID(str(record.post_id)) if record.post_id else None)

    @strawberry.mutation(description="Import people from an uploaded CSV or XLSX (DOCUMENT upload): every row or none. "
                                     "dryRun checks without writing.")
    @returns_domain_errors
    async def import_people(self, info: Info[Context, None], key: str, format: PeopleFormatType,  # type: ignore[valid-type]
                            dry_run: bool = False) -> PeopleImportResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN)
        await storage_service.consume_upload(session=ctx.session, store=ctx.store, actor=actor, key=key,
                                             kinds={UploadKind.DOCUMENT}, used_by=f"people-import:{uuid.uuid4()}")
        try:
            content = await ctx.store.get(key, max_bytes=MAX_FILE_BYTES)
        except ValueError as error:
            raise ValidationFailed(f"the file is over {MAX_FILE_BYTES} bytes", field="key") from error
        return await _import(ctx, actor, content, PeopleFormat(format), dry_run)

    @strawberry.mutation(description="Import people from a small CSV or XLSX sent inline as base64 (≤ 2 MB; larger "
                                     "files go through requestUpload and importPeople).")
    @returns_domain_errors
    async def import_people_inline(self, info: Info[Context, None], content_base64: str,
                                   format: PeopleFormatType, dry_run: bool = False  # type: ignore[valid-type]
                                   ) -> PeopleImportResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN)
        if len(content_base64) > INLINE_MAX_BYTES * 4 // 3 + 4:
            raise ValidationFailed(f"an inline file is at most {INLINE_MAX_BYTES} bytes; upload larger ones",
                                        field="contentBase64")
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationFailed("contentBase64 is not base64", field="contentBase64") from error
        return await _import(ctx, actor, content, PeopleFormat(format), dry_run)

    @strawberry.mutation(description="Export the mine's people as CSV or XLSX (formula-safe); returns a download URL.")
    @returns_domain_errors
    async def export_people(self, info: Info[Context, None], format: PeopleFormatType  # type: ignore[valid-type]
                            ) -> PeopleExportResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN, Role.MINE_MANAGER)
        fmt = PeopleFormat(format)
        data, rows = await people.export_people_file(ctx.session, actor=actor, fmt=fmt)
        key = f"exports/{actor.mine_id}/people-{uuid.uuid4()}.{fmt.value.lower()}"
        await ctx.store.put(key, data, content_type="text/csv" if fmt is PeopleFormat.CSV else XLSX_TYPE)
        await ctx.commit()
        url = await storage_service.download_url(store=ctx.store, settings=ctx.settings, key=key)
        return PeopleExport(url=url, key=key, rows=rows)


async def _import(ctx: Context, actor, content: bytes, fmt: PeopleFormat, dry_run: bool) -> PeopleImport:  # type: ignore[no-untyped-def]
    try:
        report = await people.import_people(ctx.session, actor=actor, content=content, fmt=fmt, dry_run=dry_run)
    except FileRefused as error:
        await ctx.rollback()
        return PeopleImport(ok=False, dry_run=dry_run, created=0, updated=0, unchanged=0,
                            errors=[ImportRowError(row=0, column=None, message=str(error))])
    if report.ok and not dry_run:
        await ctx.commit()
    else:
        await ctx.rollback()
    return PeopleImport(ok=report.ok, dry_run=dry_run, created=report.created, updated=report.updated,
                        unchanged=report.unchanged, errors=[ImportRowError.from_error(e) for e in report.errors])
