"""Password hashing (argon2), access tokens (JWT) and opaque refresh/device tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.accounts.roles import Principal, PrincipalKind, Role

_hasher = PasswordHasher()
ACCESS_TOKEN_AUDIENCE = "minesafe"
DEVICE_TOKEN_PREFIX = "msd_"
REFRESH_TOKEN_PREFIX = "msr_"


class InvalidToken(Exception):
    """The token is malformed, expired or signed with another key."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_opaque_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest_token(token: str) -> str:
    """The stored form of an opaque token (random, so one fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_access_token(principal: Principal, *, secret: str, minutes: int, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": str(principal.id),
        "kind": principal.kind.value,
        "mine": str(principal.mine_id),
        "name": principal.name,
        "roles": sorted(r.value for r in principal.roles),
        "area": str(principal.area_id) if principal.area_id else None,
        "team": str(principal.team_id) if principal.team_id else None,
        "aud": ACCESS_TOKEN_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_access_token(token: str, *, secret: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=ACCESS_TOKEN_AUDIENCE)
        return Principal(
            kind=PrincipalKind(claims["kind"]),
            id=uuid.UUID(claims["sub"]),
            mine_id=uuid.UUID(claims["mine"]),
            name=claims.get("name", ""),
            roles=frozenset(Role(r) for r in claims["roles"]),
            area_id=uuid.UUID(claims["area"]) if claims.get("area") else None,
            team_id=uuid.UUID(claims["team"]) if claims.get("team") else None,
        )
    except (jwt.PyJWTError, KeyError, ValueError) as error:
        raise InvalidToken(str(error)) from error
