"""Work permits (作业许可) as the app reads them: typed records, the GraphQL documents, typed calls.

Every call blocks: run it off the UI thread. The app never imports backend code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.client import union_result
from mobile.api.client import ApiClient
from mobile.api.models import parse_time

PERMIT_FIELDS = """id state kindCode grade description startsAt endsAt requiredRoles missingApprovals underground
  allowedSteps guardianInArea suspensions tokenHolderRole kind { name(language: $lang) }
  area { id name } applicant { id displayName } workLeader { id displayName } guardian { id displayName }
  crew { id displayName } suspendReasons { cause detail at }
  latestGasTest { ch4 stage source passed ageSeconds } approvals { role approver { displayName } }"""
RESULT = f"""__typename ... on Permit {{ {PERMIT_FIELDS} }} ... on InvalidTransition {{ message }}
  ... on NotAllowed {{ message }} ... on NotFound {{ message }} ... on ValidationFailed {{ message field }}"""
KINDS = """query PermitKinds($lang: String) { permitKinds { id code name(language: $lang) ch4Limit
  grades { grade approverRoles validityHours } measures { code name(language: $lang) } } }"""
PERMITS = f"query Permits($lang: String) {{ permits(first: 100) {{ {PERMIT_FIELDS} }} }}"
PERMIT = f"query Permit($id: ID!, $lang: String) {{ permit(id: $id) {{ {PERMIT_FIELDS} }} }}"
APPLY = f"""mutation ApplyPermit($input: ApplyPermitInput!, $lang: String) {{ applyPermit(input: $input) {{
  {RESULT} }} }}"""
APPROVE = f"""mutation ApprovePermit($input: ApprovePermitInput!, $lang: String) {{ approvePermit(input: $input) {{
  {RESULT} }} }}"""
START = f"mutation StartPermit($id: ID!, $lang: String) {{ startPermit(permitId: $id) {{ {RESULT} }} }}"
RESUME = f"mutation ResumePermit($id: ID!, $lang: String) {{ resumePermit(permitId: $id) {{ {RESULT} }} }}"
SUSPEND = f"""mutation SuspendPermit($id: ID!, $reason: String!, $lang: String) {{
  suspendPermit(permitId: $id, reason: $reason) {{ {RESULT} }} }}"""


@dataclass(frozen=True, slots=True)
class Grade:
    grade: str
    approver_roles: tuple[str, ...]
    validity_hours: float


@dataclass(frozen=True, slots=True)
class PermitKind:
    id: str
    code: str
    name: str
    ch4_limit: float | None
    grades: tuple[Grade, ...]
    measures: tuple[tuple[str, str], ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> PermitKind:
        return cls(id=str(data["id"]), code=data["code"], name=data.get("name") or data["code"],
                   ch4_limit=data.get("ch4Limit"),
                   grades=tuple(Grade(g["grade"], tuple(g.get("approverRoles") or ()), float(g["validityHours"]))
                                for g in data.get("grades") or ()),
                   measures=tuple((m["code"], m.get("name") or m["code"]) for m in data.get("measures") or ()))


@dataclass(frozen=True, slots=True)
class GasTest:
    ch4: float
    stage: str
    source: str
    passed: bool
    age_seconds: int


@dataclass(frozen=True, slots=True)
class SuspendReason:
    cause: str
    detail: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Permit:
    id: str
    state: str
    kind_code: str
    kind_name: str
    grade: str
    description: str
    starts_at: datetime | None
    ends_at: datetime | None
    area_id: str
    area_name: str
    applicant_id: str
    work_leader: str
    work_leader_id: str
    guardian: str
    guardian_id: str
    crew: tuple[str, ...]
    crew_ids: tuple[str, ...]
    required_roles: tuple[str, ...]
    missing_approvals: tuple[str, ...]
    approvals: tuple[tuple[str, str], ...]   # (role, approver's name)
    allowed_steps: tuple[str, ...]
    guardian_in_area: bool
    gas_test: GasTest | None
    suspend_reasons: tuple[SuspendReason, ...]
    underground: bool

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Permit:
        def person(key: str) -> dict[str, Any]:
            return data.get(key) or {}

        gas = data.get("latestGasTest")
        return cls(
            id=str(data["id"]), state=data["state"], kind_code=data.get("kindCode") or "",
            kind_name=(data.get("kind") or {}).get("name") or data.get("kindCode") or "", grade=data.get("grade") or "",
            description=data.get("description") or "", starts_at=parse_time(data.get("startsAt")),
            ends_at=parse_time(data.get("endsAt")), area_id=str(person("area").get("id") or ""),
            area_name=person("area").get("name") or "", applicant_id=str(person("applicant").get("id") or ""),
            work_leader=person("workLeader").get("displayName") or "",
            work_leader_id=str(person("workLeader").get("id") or ""),
            guardian=person("guardian").get("displayName") or "", guardian_id=str(person("guardian").get("id") or ""),
            crew=tuple(c.get("displayName") or "" for c in data.get("crew") or ()),
            crew_ids=tuple(str(c["id"]) for c in data.get("crew") or ()),
            required_roles=tuple(data.get("requiredRoles") or ()),
            missing_approvals=tuple(data.get("missingApprovals") or ()),
            approvals=tuple((a["role"], (a.get("approver") or {}).get("displayName") or "")
                            for a in data.get("approvals") or ()),
            allowed_steps=tuple(s.lower() for s in data.get("allowedSteps") or ()),
            guardian_in_area=bool(data.get("guardianInArea")),
            gas_test=GasTest(ch4=gas["ch4"], stage=gas["stage"], source=gas["source"], passed=bool(gas["passed"]),
                             age_seconds=int(gas["ageSeconds"])) if gas else None,
            suspend_reasons=tuple(SuspendReason(cause=r["cause"], detail=r.get("detail") or "",
                                                at=parse_time(r.get("at"))) for r in data.get("suspendReasons") or ()),
            underground=bool(data.get("underground")))


class PermitsApi:
    def __init__(self, client: ApiClient, language: Any = None) -> None:
        self.client = client
        self.language = language or (lambda: "zh")

    def _vars(self, **values: Any) -> dict[str, Any]:
        return {"lang": self.language(), **values}

    def kinds(self) -> list[PermitKind]:
        return [PermitKind.from_api(k) for k in self.client.execute(KINDS, self._vars())["permitKinds"]]

    def permits(self) -> list[Permit]:
        return [Permit.from_api(p) for p in self.client.execute(PERMITS, self._vars())["permits"]]

    def permit(self, permit_id: str) -> Permit | None:
        data = self.client.execute(PERMIT, self._vars(id=permit_id))["permit"]
        return Permit.from_api(data) if data else None

    def _step(self, document: str, field: str, **variables: Any) -> Permit:
        return Permit.from_api(union_result(self.client.execute(document, self._vars(**variables)), field, "Permit"))

    def apply(self, **fields: Any) -> Permit:
        return self._step(APPLY, "applyPermit", input=fields)

    def approve(self, permit_id: str, role: str) -> Permit:
        return self._step(APPROVE, "approvePermit", input={"permitId": permit_id, "role": role})

    def start(self, permit_id: str) -> Permit:
        return self._step(START, "startPermit", id=permit_id)

    def resume(self, permit_id: str) -> Permit:
        return self._step(RESUME, "resumePermit", id=permit_id)

    def suspend(self, permit_id: str, reason: str) -> Permit:
        return self._step(SUSPEND, "suspendPermit", id=permit_id, reason=reason)
