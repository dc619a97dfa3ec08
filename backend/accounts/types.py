"""GraphQL types for people, sign-in sessions and devices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from backend.accounts.models import Device, DeviceKind, User
from backend.accounts.roles import Role
from backend.graphql.errors import NotAllowedType, NotFoundType, ValidationFailedType

RoleType = strawberry.enum(Role, name="Role")
DeviceKindType = strawberry.enum(DeviceKind, name="DeviceKind")


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    username: str
    display_name: str
    roles: list[RoleType]  # type: ignore[valid-type]
    mine_id: strawberry.ID
    area_id: strawberry.ID | None
    team_id: strawberry.ID | None

    @classmethod
    def from_model(cls, user: User) -> UserType:
        return cls(
            id=strawberry.ID(str(user.id)), username=user.username, display_name=user.display_name,
            roles=[Role(r) for r in user.roles], mine_id=strawberry.ID(str(user.mine_id)),
            area_id=strawberry.ID(str(user.area_id)) if user.area_id else None,
            team_id=strawberry.ID(str(user.team_id)) if user.team_id else None,
        )


@strawberry.type(name="Person", description="A person as others see them (no login details).")
class PersonType:
    id: strawberry.ID
    display_name: str

    @classmethod
    def from_model(cls, user: User) -> PersonType:
        return cls(id=strawberry.ID(str(user.id)), display_name=user.display_name)


@strawberry.type
class AuthSession:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: UserType


@strawberry.type
class LoginFailed:
    message: str


AuthResult = Annotated[AuthSession | LoginFailed, strawberry.union("AuthResult")]


@strawberry.type(name="Device")
class DeviceType:
    id: strawberry.ID
    name: str
    kind: DeviceKindType  # type: ignore[valid-type]
    area_id: strawberry.ID | None
    revoked: bool

    @classmethod
    def from_model(cls, device: Device) -> DeviceType:
        return cls(id=strawberry.ID(str(device.id)), name=device.name, kind=device.kind,
                   area_id=strawberry.ID(str(device.area_id)) if device.area_id else None,
                   revoked=device.revoked_at is not None)


@strawberry.type(description="The device's token is shown only this once.")
class RegisteredDevice:
    device: DeviceType
    token: str


@strawberry.input
class AddUserInput:
    username: str
    display_name: str
    password: str
    roles: list[RoleType]  # type: ignore[valid-type]
    area_id: strawberry.ID | None = None
    team_id: strawberry.ID | None = None


@strawberry.input
class SetRolesInput:
    user_id: strawberry.ID
    roles: list[RoleType]  # type: ignore[valid-type]
    area_id: strawberry.ID | None = None
    team_id: strawberry.ID | None = None


@strawberry.input
class RegisterDeviceInput:
    name: str
    kind: DeviceKindType  # type: ignore[valid-type]
    area_id: strawberry.ID | None = None


UserResult = Annotated[UserType | NotAllowedType | NotFoundType | ValidationFailedType, strawberry.union("UserResult")]
RegisterDeviceResult = Annotated[RegisteredDevice | NotAllowedType | ValidationFailedType,
                                 strawberry.union("RegisterDeviceResult")]
DeviceResult = Annotated[
    DeviceType | NotAllowedType | NotFoundType | ValidationFailedType, strawberry.union("DeviceResult")]
