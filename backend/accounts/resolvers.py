"""Sign-in, people and devices."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.accounts import flows, service
from backend.accounts.roles import Role
from backend.accounts.types import (
    AddUserInput,
    AuthResult,
    AuthSession,
    DeviceResult,
    DeviceType,
    LoginFailed,
    PersonType,
    RegisterDeviceInput,
    RegisterDeviceResult,
    RegisteredDevice,
    RoleType,
    SetRolesInput,
    UserResult,
    UserType,
)
from backend.errors import Unauthenticated, ValidationFailed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors, union_member
from backend.graphql.ids import parse_id, parse_optional_id
from backend.org import service as org_service

LOGIN_FAILED = "wrong username or password"


def _auth_session(signed: service.SignedIn) -> AuthSession:
    return AuthSession(
        access_token=signed.access_token, access_expires_at=signed.access_expires_at,
        refresh_token=signed.refresh_token, refresh_expires_at=signed.refresh_expires_at,
        user=UserType.from_model(signed.user),
    )


async def _check_placement(ctx: Context, area_id: str | None, team_id: str | None) -> tuple:  # type: ignore[type-arg]
    area = parse_optional_id(area_id, "areaId")
    team = parse_optional_id(team_id, "teamId")
    mine_id = ctx.authenticated().mine_id
    if area is not None:
        found = await org_service.get_area(session=ctx.session, area_id=area)
        if found is None or found.mine_id != mine_id:
            raise ValidationFailed("no such area in your mine", field="areaId")
    if team is not None:
        teams = await org_service.teams_by_ids(ctx.session, [team])
        if teams[0] is None or teams[0].mine_id != mine_id:
            raise ValidationFailed("no such team in your mine", field="teamId")
    return area, team


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info[Context, None]) -> UserType:
        ctx = info.context
        principal = ctx.authenticated()
        user = await service.get(session=ctx.session, user_id=principal.id)
        if user is None:
            raise Unauthenticated("this token does not belong to a person")
        return UserType.from_model(user)

    @strawberry.field(description="People of the caller's mine, optionally by role or area.")
    async def people(self, info: Info[Context, None], role: RoleType | None = None,  # type: ignore[valid-type]
                     area_id: strawberry.ID | None = None) -> list[PersonType]:
        ctx = info.context
        principal = ctx.person()
        users = await service.list_users(session=ctx.session, mine_id=principal.mine_id, role=role,
                                         area_id=parse_optional_id(area_id, "areaId"))
        return [PersonType.from_model(u) for u in users]

    @strawberry.field(description="Every account of the mine (admin).")
    async def users(self, info: Info[Context, None]) -> list[UserType]:
        ctx = info.context
        principal = ctx.authenticated()
        if not principal.has_any(Role.ADMIN, Role.MINE_MANAGER):
            return []
        return [UserType.from_model(u) for u in await service.list_users(session=ctx.session,
                                                                         mine_id=principal.mine_id)]

    @strawberry.field(description="Devices of the mine (admin).")
    async def devices(self, info: Info[Context, None]) -> list[DeviceType]:
        ctx = info.context
        principal = ctx.authenticated()
        if not principal.has_any(Role.ADMIN, Role.MINE_MANAGER):
            return []
        return [DeviceType.from_model(d) for d in await service.list_devices(session=ctx.session,
                                                                             mine_id=principal.mine_id)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign in; returns a short-lived access token and a refresh token.")
    async def login(self, info: Info[Context, None], username: str, password: str) -> AuthResult:
        ctx = info.context
        if len(username) > 64 or len(password) > 256:
            return LoginFailed(message=LOGIN_FAILED)
        try:
            signed = await service.sign_in(session=ctx.session, settings=ctx.settings, username=username,
                                           password=password, address=ctx.client_address)
        except service.AccountLocked as locked:
            return LoginFailed(message=str(locked))
        await ctx.commit()
        return LoginFailed(message=LOGIN_FAILED) if signed is None else _auth_session(signed)

    @strawberry.mutation(description="Trade a refresh token for a new pair; the old one stops working.")
    async def refresh_session(self, info: Info[Context, None], refresh_token: str) -> AuthResult:
        ctx = info.context
        signed = await service.refresh(session=ctx.session, settings=ctx.settings, refresh_token=refresh_token)
        if signed is None:
            return LoginFailed(message="this session has ended; sign in again")
        await ctx.commit()
        return _auth_session(signed)

    @strawberry.mutation(description="Revoke a refresh token.")
    async def logout(self, info: Info[Context, None], refresh_token: str) -> bool:
        ctx = info.context
        revoked = await service.revoke(session=ctx.session, refresh_token=refresh_token)
        await ctx.commit()
        return revoked

    @strawberry.mutation(description="Create an account in the admin's mine.")
    @returns_domain_errors
    async def add_user(self, info: Info[Context, None], input: AddUserInput) -> UserResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN)
        area, team = await _check_placement(ctx, input.area_id, input.team_id)
        user = await flows.add_user(ctx.session, actor=actor, mine_id=actor.mine_id, username=input.username,
                                    display_name=input.display_name, password=input.password,
                                    roles=input.roles, area_id=area, team_id=team)
        await ctx.commit()
        return UserType.from_model(user)

    @strawberry.mutation(description="Change a person's roles and placement (audited).")
    @returns_domain_errors
    async def set_user_roles(self, info: Info[Context, None], input: SetRolesInput) -> UserResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN)
        area, team = await _check_placement(ctx, input.area_id, input.team_id)
        user = await flows.set_roles(ctx.session, actor=actor, user_id=parse_id(input.user_id, "userId"),
                                     roles=input.roles, area_id=area, team_id=team)
        await ctx.commit()
        return UserType.from_model(user)

    @strawberry.mutation(description="Set a person's password (admins): an imported person's first one, or a "
                                     "forgotten one. The person is signed out everywhere.")
    @returns_domain_errors
    async def set_user_password(self, info: Info[Context, None], user_id: strawberry.ID, password: str) -> UserResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN)
        user = await flows.set_password(ctx.session, actor=actor, user_id=parse_id(user_id, "userId"),
                                        password=password)
        await ctx.commit()
        return UserType.from_model(user)

    @strawberry.mutation(description="Change your own password, proving the current one; your other sessions end.")
    @returns_domain_errors
    async def change_password(self, info: Info[Context, None], current_password: str,
                              new_password: str) -> UserResult:
        ctx = info.context
        try:
            user = await flows.change_own_password(ctx.session, settings=ctx.settings, actor=ctx.person(),
                                                   current_password=current_password, new_password=new_password,
                                                   address=ctx.client_address)
        except flows.WrongCurrentPassword as refusal:
            await ctx.commit()  # the failure counts towards the sign-in throttle
            return union_member(refusal)
        await ctx.commit()
        return UserType.from_model(user)

    @strawberry.mutation(description="Register a robot, camera, sensor bridge or vision worker.")
    @returns_domain_errors
    async def register_device(self, info: Info[Context, None], input: RegisterDeviceInput) -> RegisterDeviceResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN)
        area, _ = await _check_placement(ctx, input.area_id, None)
        device, token = await flows.add_device(ctx.session, actor=actor, mine_id=actor.mine_id,
                                               name=input.name, kind=input.kind, area_id=area)
        await ctx.commit()
        return RegisteredDevice(device=DeviceType.from_model(device), token=token)

    @strawberry.mutation(description="Revoke a device's token at once.")
    @returns_domain_errors
    async def revoke_device(self, info: Info[Context, None], device_id: strawberry.ID) -> DeviceResult:
        ctx = info.context
        actor = ctx.require(Role.ADMIN)
        device = await flows.revoke_device(ctx.session, actor=actor, device_id=parse_id(device_id, "deviceId"))
        await ctx.commit()
        return DeviceType.from_model(device)
