"""Typed messages the app reads from the GraphQL API (dataclasses + enums, no Kivy).

Dataclasses rather than pydantic because pydantic-core has no python-for-android recipe, and the
same code must run in the Android build.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contracts.hazards import HazardGrade, HazardLevel, HazardState
from contracts.roles import Role


def parse_time(value: str | None) -> datetime | None:
    """An ISO-8601 timestamp from the API as an aware UTC datetime (None stays None)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    display_name: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    mine_id: str | None = None
    area_id: str | None = None
    team_id: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> User:
        roles = frozenset(r for r in (Role.parse(v) for v in data.get("roles") or []) if r is not None)
        return cls(
            id=str(data["id"]),
            username=data.get("username") or "",
            display_name=data.get("displayName") or data.get("username") or "",
            roles=roles,
            mine_id=data.get("mineId"),
            area_id=data.get("areaId"),
            team_id=data.get("teamId"),
        )

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "displayName": self.display_name,
                "roles": sorted(r.value for r in self.roles), "mineId": self.mine_id,
                "areaId": self.area_id, "teamId": self.team_id}

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True, slots=True)
class AuthSession:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    user: User

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> AuthSession:
        expires = parse_time(data.get("accessExpiresAt"))
        if expires is None:
            raise ValueError("accessExpiresAt missing from AuthSession")
        return cls(access_token=data["accessToken"], refresh_token=data["refreshToken"],
                   access_expires_at=expires, user=User.from_api(data["user"]))

    def __repr__(self) -> str:  # never print tokens
        return f"AuthSession(user={self.user.username!r}, access_expires_at={self.access_expires_at!r})"


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    name: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Area:
        return cls(id=str(data["id"]), name=data.get("name") or "")


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    area_id: str | None = None
    leader_id: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Team:
        return cls(id=str(data["id"]), name=data.get("name") or "", area_id=data.get("areaId"),
                   leader_id=data.get("leaderId"))


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: str
    display_name: str

    @classmethod
    def from_api(cls, data: dict[str, Any] | None) -> PersonRef | None:
        if not data:
            return None
        return cls(id=str(data["id"]), display_name=data.get("displayName") or data.get("username") or "")


@dataclass(frozen=True, slots=True)
class Photo:
    key: str
    url: str | None
    thumbnail_url: str | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Photo:
        return cls(key=data["key"], url=data.get("url"), thumbnail_url=data.get("thumbnailUrl"))


class HazardStep(enum.StrEnum):
    """A step of the loop the server says a person may take now (Hazard.allowedSteps)."""

    TRIAGE = "TRIAGE"
    ACCEPT = "ACCEPT"
    SUBMIT_RECTIFICATION = "SUBMIT_RECTIFICATION"
    REINSPECT_PASS = "REINSPECT_PASS"
    REINSPECT_FAIL = "REINSPECT_FAIL"
    DISMISS = "DISMISS"
    REASSIGN = "REASSIGN"
    SIGN_OFF = "SIGN_OFF"

    @classmethod
    def parse_all(cls, values: Any) -> frozenset[HazardStep]:
        """The steps the app knows (a newer server's extra steps are left out)."""
        return frozenset(cls(v) for v in values or [] if v in cls.__members__)


@dataclass(frozen=True, slots=True)
class Category:
    """A hazard category of the mine, with quick phrases (in the app's language)."""

    id: str
    code: str
    name: str
    phrases: tuple[str, ...] = ()
    suggested_grade: HazardGrade | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Category:
        grade = data.get("suggestedGrade")
        return cls(id=str(data["id"]), code=data.get("code") or "", name=data.get("name") or "",
                   phrases=tuple(p for p in data.get("phrases") or [] if p),
                   suggested_grade=HazardGrade(grade) if grade in HazardGrade.__members__ else None)

    def to_cache(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "name": self.name, "phrases": list(self.phrases),
                "suggestedGrade": self.suggested_grade.value if self.suggested_grade else None}


@dataclass(frozen=True, slots=True)
class QueueCounts:
    to_triage: int = 0
    to_reinspect: int = 0
    to_sign_off: int = 0
    assigned_to_me: int = 0
    overdue: int = 0
    my_open_reports: int = 0

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> QueueCounts:
        return cls(**{name: int(data.get(key) or 0) for name, key in (
            ("to_triage", "toTriage"), ("to_reinspect", "toReinspect"), ("to_sign_off", "toSignOff"),
            ("assigned_to_me", "assignedToMe"), ("overdue", "overdue"), ("my_open_reports", "myOpenReports"))})


@dataclass(frozen=True, slots=True)
class Hazard:
    id: str
    state: HazardState
    grade: HazardGrade | None          # set at triage
    suggested_grade: HazardGrade | None
    level: HazardLevel | None
    description: str
    location: str
    area: Area | None
    reporter: PersonRef | None
    responsible: PersonRef | None
    deadline: datetime | None
    is_overdue: bool
    photos: tuple[Photo, ...]
    rectification_photos: tuple[Photo, ...]
    created_at: datetime | None
    allowed_steps: frozenset[HazardStep] = frozenset()
    triage_levels: tuple[HazardLevel, ...] = ()
    may_triage_major: bool = False
    category: str = ""                 # the category's name, in the app's language
    control_measures: str = ""
    treatment_plan: dict[str, Any] = field(default_factory=dict)
    rectification_note: str = ""
    dismissed_reason: str = ""
    observed_at: datetime | None = None

    def may(self, *steps: HazardStep) -> bool:
        """Whether the server allows the signed-in person any of these steps now."""
        return bool(self.allowed_steps.intersection(steps))

    @property
    def effective_grade(self) -> HazardGrade:
        """The triaged grade, else the reporter's suggestion, else general."""
        return self.grade or self.suggested_grade or HazardGrade.GENERAL

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Hazard:
        return cls(
            id=str(data["id"]),
            state=HazardState(data["state"]),
            grade=HazardGrade(data["grade"]) if data.get("grade") else None,
            suggested_grade=HazardGrade(data["suggestedGrade"]) if data.get("suggestedGrade") else None,
            level=HazardLevel(data["level"]) if data.get("level") else None,
            description=data.get("description") or "",
            location=data.get("location") or "",
            area=Area.from_api(data["area"]) if data.get("area") else None,
            reporter=PersonRef.from_api(data.get("reporter"))
            or (PersonRef(id="", display_name=data["reporterName"]) if data.get("reporterName") else None),
            responsible=PersonRef.from_api(data.get("responsible")),
            deadline=parse_time(data.get("deadline")),
            is_overdue=bool(data.get("isOverdue")),
            photos=tuple(Photo.from_api(p) for p in data.get("photos") or []),
            rectification_photos=tuple(Photo.from_api(p) for p in data.get("rectificationPhotos") or []),
            created_at=parse_time(data.get("createdAt")),
            allowed_steps=HazardStep.parse_all(data.get("allowedSteps")),
            triage_levels=tuple(HazardLevel(v) for v in data.get("triageLevels") or [] if v in HazardLevel.__members__),
            may_triage_major=bool(data.get("mayTriageMajor")),
            category=(data.get("category") or {}).get("name") or "",
            control_measures=data.get("controlMeasures") or "",
            treatment_plan=data["treatmentPlan"] if isinstance(data.get("treatmentPlan"), dict) else {},
            rectification_note=data.get("rectificationNote") or "",
            dismissed_reason=data.get("dismissedReason") or "",
            observed_at=parse_time(data.get("observedAt")),
        )


@dataclass(frozen=True, slots=True)
class HazardPage:
    hazards: tuple[Hazard, ...]
    has_next_page: bool
    end_cursor: str | None


@dataclass(frozen=True, slots=True)
class TraceEntry:
    seq: int
    at: datetime | None
    action: str
    actor_name: str
    actor_role: str
    reason: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    responsible: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> TraceEntry:
        def snapshot(value: Any) -> dict[str, Any]:
            return value if isinstance(value, dict) else ({} if value is None else {"value": value})

        responsible = data.get("responsible") or {}
        return cls(seq=int(data.get("seq") or 0), at=parse_time(data.get("at")), action=data.get("action") or "",
                   actor_name=data.get("actorName") or "", actor_role=data.get("actorRole") or "",
                   reason=data.get("reason"), before=snapshot(data.get("before")), after=snapshot(data.get("after")),
                   responsible=responsible.get("displayName"))

    def changes(self) -> list[tuple[str, Any, Any]]:
        """The fields this step changed (ids and evidence keys left out): (field, before, after)."""
        keys = [k for k in {**self.before, **self.after} if not k.endswith("_id") and not k.endswith("_keys")]
        return [(k, self.before.get(k), self.after.get(k)) for k in keys if self.before.get(k) != self.after.get(k)]


@dataclass(frozen=True, slots=True)
class UploadTicket:
    key: str
    url: str
    method: str
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> UploadTicket:
        headers = tuple((h["name"], h["value"]) for h in data.get("headers") or [])
        return cls(key=data["key"], url=data["url"], method=(data.get("method") or "PUT").upper(), headers=headers)


@dataclass(frozen=True, slots=True)
class HazardEvent:
    kind: str
    hazard: Hazard | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> HazardEvent:
        return cls(kind=data.get("kind") or "", hazard=Hazard.from_api(data["hazard"]) if data.get("hazard") else None)


class Outcome(enum.StrEnum):
    """How a mutation ended, from the app's point of view."""

    OK = "ok"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class MutationResult:
    """A union result: the hazard when it worked, else the member's typename and message."""

    outcome: Outcome
    hazard: Hazard | None = None       # when the operation asked for the whole hazard
    hazard_id: str | None = None
    typename: str = ""
    message: str = ""
    field: str | None = None
    key: str | None = None

    @classmethod
    def from_union(cls, data: dict[str, Any]) -> MutationResult:
        typename = data.get("__typename", "")
        if typename == "Hazard":
            hazard = Hazard.from_api(data) if "description" in data else None
            return cls(outcome=Outcome.OK, hazard=hazard, hazard_id=str(data["id"]), typename=typename)
        message = data.get("message") or typename
        return cls(outcome=Outcome.REJECTED, typename=typename, message=message,
                   field=data.get("field"), key=data.get("key"))
