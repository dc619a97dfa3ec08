"""GraphQL types for mines and their settings, units (districts and areas), teams, posts, people imports."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.org.models import Area, AreaKind, Mine, Post, Team
from backend.org.people_io import PeopleFormat, RowError
from backend.org.settings import MineSettingsData, effective

AreaKindType = strawberry.enum(AreaKind, name="AreaKind")
PeopleFormatType = strawberry.enum(PeopleFormat, name="PeopleFormat")


def _id(value: object) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type(name="Mine")
class MineType:
    id: strawberry.ID
    code: str
    name: str

    @classmethod
    def from_model(cls, mine: Mine) -> MineType:
        return cls(id=strawberry.ID(str(mine.id)), code=mine.code, name=mine.name)


@strawberry.type(name="Area", description="A unit of the mine's tree: a district (采区/盘区) or an area within one.")
class AreaType:
    id: strawberry.ID
    name: str
    kind: AreaKindType  # type: ignore[valid-type]
    manager_id: strawberry.ID | None
    code: str | None
    parent_id: strawberry.ID | None
    map_x: float | None
    map_y: float | None
    retired: bool
    person_limit: int | None = strawberry.field(default=None, description="定员: people the area may hold at once.")
    restricted: bool = strawberry.field(default=False, description="限制区域: entering it raises an alert.")
    safe: bool = strawberry.field(default=False, description="A safe place for evacuation (SURFACE areas always).")

    @classmethod
    def from_model(cls, area: Area) -> AreaType:
        return cls(id=strawberry.ID(str(area.id)), name=area.name, kind=area.kind, manager_id=_id(area.manager_id),
                   code=area.code, parent_id=_id(area.parent_id), map_x=area.map_x, map_y=area.map_y,
                   retired=area.retired_at is not None, person_limit=area.person_limit,
                   restricted=bool(area.restricted), safe=bool(area.safe) or area.kind is AreaKind.SURFACE)


@strawberry.type(name="Team")
class TeamType:
    id: strawberry.ID
    name: str
    area_id: strawberry.ID | None
    leader_id: strawberry.ID | None
    code: str | None
    retired: bool

    @classmethod
    def from_model(cls, team: Team) -> TeamType:
        return cls(id=strawberry.ID(str(team.id)), name=team.name, area_id=_id(team.area_id),
                   leader_id=_id(team.leader_id), code=team.code, retired=team.retired_at is not None)


@strawberry.type(name="Post",
                 description="A 岗位 (采煤机司机, 瓦检员 …); responsibility lists and risk controls name it.")
class PostType:
    id: strawberry.ID
    code: str
    name: str
    unit_id: strawberry.ID | None
    retired: bool

    @classmethod
    def from_model(cls, post: Post) -> PostType:
        return cls(id=strawberry.ID(str(post.id)), code=post.code, name=post.name, unit_id=_id(post.unit_id),
                   retired=post.retired_at is not None)


@strawberry.type
class EscalationMinutes:
    severity: str
    minutes: list[float]


@strawberry.type
class MineSettings:
    name: str
    hazard_deadline_hours: JSON = strawberry.field(description="A, B, C and MAJOR_PLAN (treatment plan), in hours")
    alert_escalation_minutes: list[EscalationMinutes]
    roof: JSON = strawberry.field(description="separation_yellow_mm, separation_red_mm, "
                                              "separation_rise_mm_per_hour, support_pressure_percent")
    exam_pass_mark: float

    @classmethod
    def from_model(cls, mine: Mine) -> MineSettings:
        data: MineSettingsData = effective(mine.settings)
        return cls(name=mine.name, hazard_deadline_hours=data.hazard_deadline_hours,
                   alert_escalation_minutes=[EscalationMinutes(severity=k, minutes=v)
                                             for k, v in data.alert_escalation_minutes.items()],
                   roof=data.roof, exam_pass_mark=data.exam_pass_mark)


@strawberry.input
class DeadlineHoursInput:
    a: int | None = strawberry.field(default=None, name="A")
    b: int | None = strawberry.field(default=None, name="B")
    c: int | None = strawberry.field(default=None, name="C")
    major_plan: int | None = strawberry.field(default=None, name="MAJOR_PLAN")


@strawberry.input
class EscalationMinutesInput:
    severity: str
    minutes: list[float]


@strawberry.input
class RoofThresholdsInput:
    separation_yellow_mm: float | None = None
    separation_red_mm: float | None = None
    separation_rise_mm_per_hour: float | None = None
    support_pressure_percent: float | None = None


@strawberry.input(description="Only the fields given change.")
class MineSettingsInput:
    name: str | None = None
    hazard_deadline_hours: DeadlineHoursInput | None = None
    alert_escalation_minutes: list[EscalationMinutesInput] | None = None
    roof: RoofThresholdsInput | None = None
    exam_pass_mark: float | None = None


@strawberry.input
class CreateUnitInput:
    code: str
    name: str
    kind: AreaKindType  # type: ignore[valid-type]
    parent_id: strawberry.ID | None = None
    map_x: float | None = None
    map_y: float | None = None


@strawberry.input(description="Only the fields given change.")
class UpdateUnitInput:
    unit_id: strawberry.ID
    name: str | None = None
    code: str | None = None
    map_x: float | None = None
    map_y: float | None = None
    manager_id: strawberry.ID | None = None


@strawberry.input
class CreateTeamInput:
    code: str
    name: str
    unit_id: strawberry.ID | None = None
    leader_id: strawberry.ID | None = None


@strawberry.input(description="Only the fields given change.")
class UpdateTeamInput:
    team_id: strawberry.ID
    name: str | None = None
    code: str | None = None
    leader_id: strawberry.ID | None = None


@strawberry.input
class CreatePostInput:
    code: str
    name: str
    unit_id: strawberry.ID | None = None


@strawberry.type(name="PeopleImportError")
class ImportRowError:
    row: int = strawberry.field(description="as the spreadsheet numbers it: the header is row 1 (0: the whole file)")
    column: str | None
    message: str

    @classmethod
    def from_error(cls, error: RowError) -> ImportRowError:
        return cls(row=error.row, column=error.column, message=error.message)


@strawberry.type(description="What an import did; with errors, nothing was written.")
class PeopleImport:
    ok: bool
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowError]


@strawberry.type(description="A person's post after assignPost.")
class PostAssignment:
    user_id: strawberry.ID
    employee_no: str
    post_id: strawberry.ID | None


@strawberry.type
class PeopleExport:
    url: str
    key: str
    rows: int


MineSettingsResult = Annotated[
    MineSettings | NotAllowedType | ValidationFailedType, strawberry.union("MineSettingsResult")]
UnitResult = Annotated[AreaType | NotAllowedType | NotFoundType | ValidationFailedType | InvalidTransitionType,
                       strawberry.union("UnitResult")]
TeamResult = Annotated[TeamType | NotAllowedType | NotFoundType | ValidationFailedType | InvalidTransitionType,
                       strawberry.union("TeamResult")]
PostResult = Annotated[PostType | NotAllowedType | NotFoundType | ValidationFailedType | InvalidTransitionType,
                       strawberry.union("PostResult")]
PeopleImportResult = Annotated[
    PeopleImport | NotAllowedType | ValidationFailedType, strawberry.union("PeopleImportResult")]
PostAssignmentResult = Annotated[PostAssignment | NotAllowedType | NotFoundType | ValidationFailedType,
                                 strawberry.union("PostAssignmentResult")]
PeopleExportResult = Annotated[PeopleExport | NotAllowedType, strawberry.union("PeopleExportResult")]
