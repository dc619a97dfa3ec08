"""Typed calls over the GraphQL client: one function per operation the app uses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.client import Unauthenticated, data_of
from contracts.hazards import HazardGrade, HazardLevel, HazardState
from contracts.roles import Role
from mobile.api import operations as ops
from mobile.api.client import ApiClient
from mobile.api.models import (
    Area,
    AuthSession,
    Category,
    Hazard,
    HazardEvent,
    HazardPage,
    MutationResult,
    Outcome,
    PersonRef,
    QueueCounts,
    Team,
    TraceEntry,
    UploadTicket,
    User,
)

logger = logging.getLogger(__name__)


class LoginRefused(Exception):
    """The server answered LoginFailed; the message is the server's."""


class UploadNotAllowed(Exception):
    """requestUpload answered NotAllowed or ValidationFailed (e.g. the photo is too large)."""


class MineSafeApi:
    """What the screens and the outbox call; every method blocks (run it off the UI thread)."""

    def __init__(self, client: ApiClient, *, language: Callable[[], str | None] | None = None) -> None:
        self.client = client
        self.language = language or (lambda: None)

    def _hazard_doc(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run a document that selects HazardFields (category names come in the app's language)."""
        return self.client.execute(document, {**variables, "lang": self.language()})

    # -- accounts --------------------------------------------------------------------

    def login(self, *, username: str, password: str) -> AuthSession:
        data = self.client.execute(ops.LOGIN, {"username": username, "password": password}, auth=False)
        result = data["login"]
        if result.get("__typename") != "AuthSession":
            raise LoginRefused(result.get("message") or "login failed")
        session = AuthSession.from_api(result)
        self.client.sessions.save(session)
        logger.info("signed in as %s", session.user.username)
        return session

    def logout(self) -> None:
        """Revoke the refresh token on the server (best effort) and forget the session here."""
        session = self.client.sessions.current
        try:
            if session is not None:
                self.client.execute(ops.LOGOUT, {"refreshToken": session.refresh_token}, auth=False)
        finally:
            self.client.sessions.clear()

    def me(self) -> User:
        data = self.client.execute(ops.ME)
        if not data.get("me"):
            raise Unauthenticated("not signed in")
        return User.from_api(data["me"])

    def areas(self) -> list[Area]:
        return [Area.from_api(a) for a in self.client.execute(ops.AREAS)["areas"]]

    def teams(self) -> list[Team]:
        return [Team.from_api(t) for t in self.client.execute(ops.TEAMS)["teams"]]

    def people(self, *, role: Role | None = None, area_id: str | None = None) -> list[PersonRef]:
        """People of my mine (to pick a responsible person)."""
        variables: dict[str, Any] = {}
        if role:
            variables["role"] = role.value.upper()
        if area_id:
            variables["areaId"] = area_id
        people = self.client.execute(ops.PEOPLE, variables)["people"]
        return [p for p in (PersonRef.from_api(u) for u in people) if p is not None]

    # -- hazards ---------------------------------------------------------------------

    def hazards(self, *, states: list[HazardState] | None = None, assignee_id: str | None = None,
                area_id: str | None = None, assigned_to_me: bool = False, overdue: bool | None = None,
                first: int = 50, after: str | None = None, grade: HazardGrade | None = None,
                text: str | None = None, reported_by_me: bool = False) -> HazardPage:
        """Hazards of my mine, newest first, filtered by the server (`assigned_to_me`: those I am responsible
        for; `reported_by_me`: my own reports; `text`: words in the description, place or reporter)."""
        flt: dict[str, Any] = {}
        if grade is not None:
            flt["grade"] = grade.value
        if text and text.strip():
            flt["text"] = text.strip()
        if reported_by_me:
            flt["reportedByMe"] = True
        if states:
            flt["states"] = [s.value for s in states]
        if assignee_id:
            flt["assigneeId"] = assignee_id
        if area_id:
            flt["areaId"] = area_id
        if assigned_to_me:
            flt["assignedToMe"] = True
        if overdue is not None:
            flt["overdue"] = overdue
        data = self._hazard_doc(ops.HAZARDS, {"where": flt, "first": first, "after": after})["hazards"]
        return HazardPage(hazards=tuple(Hazard.from_api(e["node"]) for e in data["edges"]),
                          has_next_page=bool(data["pageInfo"]["hasNextPage"]),
                          end_cursor=data["pageInfo"].get("endCursor"))

    def categories(self) -> list[Category]:
        """The mine's hazard categories with quick phrases, in the app's language."""
        data = self.client.execute(ops.HAZARD_CATEGORIES, {"lang": self.language()})
        return [Category.from_api(c) for c in data.get("hazardCategories") or []]

    def queue_counts(self) -> QueueCounts:
        return QueueCounts.from_api(self.client.execute(ops.HAZARD_QUEUE_COUNTS).get("hazardQueueCounts") or {})

    def hazard(self, hazard_id: str) -> Hazard | None:
        node = self._hazard_doc(ops.HAZARD, {"id": hazard_id}).get("hazard")
        return Hazard.from_api(node) if node else None

    def traceability(self, subject_id: str) -> list[TraceEntry]:
        rows = self.client.execute(ops.TRACEABILITY, {"subjectId": subject_id})["traceability"]
        return [TraceEntry.from_api(r) for r in rows]

    # -- uploads and reports (called by the outbox) -----------------------------------

    def request_upload(self, *, content_type: str, size: int) -> UploadTicket:
        data = self.client.execute(ops.REQUEST_UPLOAD, {
            "input": {"kind": "PHOTO", "contentType": content_type, "size": size}})
        result = data["requestUpload"]
        if result.get("__typename") != "UploadTicket":
            raise UploadNotAllowed(result.get("message") or result.get("__typename") or "upload refused")
        return UploadTicket.from_api(result)

    def report_hazard(self, *, client_id: str, area_id: str, description: str, location: str,
                      suggested_grade: HazardGrade, photo_keys: list[str], category_id: str | None = None,
                      observed_at: str | None = None) -> MutationResult:
        report: dict[str, Any] = {
            "clientId": client_id, "areaId": area_id, "description": description, "location": location,
            "suggestedGrade": suggested_grade.value, "photoKeys": photo_keys}
        if category_id:
            report["categoryId"] = category_id
        if observed_at:
            report["observedAt"] = observed_at
        data = self.client.execute(ops.REPORT_HAZARD, {"input": report})
        return MutationResult.from_union(data["reportHazard"])

    def submit_rectification(self, *, hazard_id: str, client_id: str, note: str,
                             photo_keys: list[str]) -> MutationResult:
        data = self.client.execute(ops.SUBMIT_RECTIFICATION, {"input": {
            "hazardId": hazard_id, "clientId": client_id, "note": note, "photoKeys": photo_keys}})
        return MutationResult.from_union(data["submitRectification"])

    # -- transitions (online only) ------------------------------------------------------

    def accept(self, *, hazard_id: str) -> MutationResult:
        return MutationResult.from_union(
            self._hazard_doc(ops.ACCEPT_HAZARD, {"hazardId": hazard_id})["acceptHazard"])

    def triage(self, *, hazard_id: str, grade: HazardGrade, level: HazardLevel | None, responsible_id: str,
               deadline: datetime | None, control_measures: str,
               treatment_plan: dict[str, Any] | None, team_id: str | None = None) -> MutationResult:
        """Triage; without a deadline the server sets the level's default (the mine's own rules apply)."""
        payload: dict[str, Any] = {"hazardId": hazard_id, "grade": grade.value, "responsibleId": responsible_id,
                                   "controlMeasures": control_measures}
        if team_id:
            payload["teamId"] = team_id
        if level is not None:
            payload["level"] = level.value
        if deadline is not None:
            payload["deadline"] = deadline.isoformat()
        if treatment_plan:
            payload["treatmentPlan"] = treatment_plan
        return MutationResult.from_union(self._hazard_doc(ops.TRIAGE_HAZARD, {"input": payload})["triageHazard"])

    def reinspect(self, *, hazard_id: str, passed: bool, reason: str | None) -> MutationResult:
        payload: dict[str, Any] = {"hazardId": hazard_id, "passed": passed}
        if reason:
            payload["reason"] = reason
        return MutationResult.from_union(
            self._hazard_doc(ops.REINSPECT_HAZARD, {"input": payload})["reinspectHazard"])

    def dismiss(self, *, hazard_id: str, reason: str) -> MutationResult:
        return MutationResult.from_union(
            self._hazard_doc(ops.DISMISS_HAZARD, {"hazardId": hazard_id, "reason": reason})["dismissHazard"])

    def reassign(self, *, hazard_id: str, responsible_id: str, reason: str) -> MutationResult:
        """Hand an assigned / rectifying hazard to another responsible person (no client id: callers retry
        through mobile.screens.reassign.logic.reassign_once, which reads before it sends)."""
        payload = {"hazardId": hazard_id, "responsibleId": responsible_id, "reason": reason}
        return MutationResult.from_union(
            self._hazard_doc(ops.REASSIGN_HAZARD, {"input": payload})["reassignHazard"])

    def sign_off_major(self, *, hazard_id: str, note: str | None = None) -> MutationResult:
        return MutationResult.from_union(self._hazard_doc(
            ops.SIGN_OFF_MAJOR_HAZARD, {"hazardId": hazard_id, "note": note})["signOffMajorHazard"])


def parse_event(payload: dict[str, Any]) -> HazardEvent:
    """A `next` payload of the hazardEvents subscription as a typed event."""
    return HazardEvent.from_api(data_of(payload)["hazardEvents"])


__all__ = ["LoginRefused", "MineSafeApi", "Outcome", "UploadNotAllowed", "parse_event"]
