"""The roles of DOMAIN.md and the principal (a person or a device) behind a request."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

from contracts.roles import Role


class PrincipalKind(enum.StrEnum):
    USER = "user"
    DEVICE = "device"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: a signed-in user or a device, always inside one mine."""

    kind: PrincipalKind
    id: uuid.UUID
    mine_id: uuid.UUID
    name: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    area_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_device(self) -> bool:
        return self.kind is PrincipalKind.DEVICE

    @property
    def primary_role(self) -> Role:
        """The most senior role, recorded in audit entries."""
        for role in (Role.MINE_MANAGER, Role.ADMIN, Role.AREA_MANAGER, Role.SAFETY_OFFICER,
                     Role.MENTOR, Role.TEAM_LEADER, Role.MINER, Role.DEVICE):
            if role in self.roles:
                return role
        return Role.MINER
