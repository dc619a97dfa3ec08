"""Who may read KPIs, define the assessment, plan and record device maintenance, and generate reports."""

from __future__ import annotations

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed
from backend.kpi.models import MaintenancePlan

KPI_READERS = frozenset({Role.AREA_MANAGER, Role.MINE_MANAGER, Role.SAFETY_OFFICER, Role.ADMIN})
MINE_WIDE = frozenset({Role.MINE_MANAGER, Role.SAFETY_OFFICER, Role.ADMIN})


def sees_whole_mine(actor: Principal) -> bool:
    """Mine managers, safety officers and admins see every unit; an area manager only their own area."""
    return bool(actor.roles & MINE_WIDE)


class CanReadKpis:
    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & KPI_READERS:
            raise NotAllowed("KPIs are for managers and safety officers")


class CanDefineAssessment:
    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & {Role.MINE_MANAGER, Role.ADMIN}:
            raise NotAllowed("the assessment scheme is set by the mine manager")


class CanGenerateReports:
    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & MINE_WIDE:
            raise NotAllowed("mine reports are for the mine manager, safety officers and admins")


class CanPlanMaintenance:
    @staticmethod
    def check(actor: Principal, area_id: object) -> None:
        if actor.roles & {Role.ADMIN, Role.MINE_MANAGER}:
            return
        if Role.AREA_MANAGER in actor.roles and area_id is not None and actor.area_id == area_id:
            return
        raise NotAllowed("maintenance is planned by admins, the mine manager or the area's manager")


class CanRecordMaintenance:
    @staticmethod
    def check(actor: Principal, plan: MaintenancePlan) -> None:
        if actor.id == plan.responsible_id or actor.roles & {Role.ADMIN, Role.MINE_MANAGER, Role.SAFETY_OFFICER}:
            return
        if Role.AREA_MANAGER in actor.roles and plan.area_id is not None and actor.area_id == plan.area_id:
            return
        raise NotAllowed("maintenance is recorded by the person responsible for the device, or a manager")
