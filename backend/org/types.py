"""GraphQL types for mines, areas and teams."""

from __future__ import annotations

import strawberry

from backend.org.models import Area, AreaKind, Mine, Team

AreaKindType = strawberry.enum(AreaKind, name="AreaKind")


@strawberry.type(name="Mine")
class MineType:
    id: strawberry.ID
    code: str
    name: str

    @classmethod
    def from_model(cls, mine: Mine) -> MineType:
        return cls(id=strawberry.ID(str(mine.id)), code=mine.code, name=mine.name)


@strawberry.type(name="Area")
class AreaType:
    id: strawberry.ID
    name: str
    kind: AreaKindType  # type: ignore[valid-type]
    manager_id: strawberry.ID | None

    @classmethod
    def from_model(cls, area: Area) -> AreaType:
        return cls(id=strawberry.ID(str(area.id)), name=area.name, kind=area.kind,
                   manager_id=strawberry.ID(str(area.manager_id)) if area.manager_id else None)


@strawberry.type(name="Team")
class TeamType:
    id: strawberry.ID
    name: str
    area_id: strawberry.ID | None
    leader_id: strawberry.ID | None

    @classmethod
    def from_model(cls, team: Team) -> TeamType:
        return cls(id=strawberry.ID(str(team.id)), name=team.name,
                   area_id=strawberry.ID(str(team.area_id)) if team.area_id else None,
                   leader_id=strawberry.ID(str(team.leader_id)) if team.leader_id else None)
