"""Every step of the hazard loop: checks, state change, audit entry and live event in one transaction."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import service as accounts_service
from backend.accounts.roles import Principal, PrincipalKind
from backend.audit.flows import record_audit
from backend.config import Settings
from backend.database.base import utcnow
from backend.errors import DomainError, InvalidTransition, ValidationFailed
from backend.events import publish_after_commit
from backend.hazards import service
from backend.hazards.events import HazardEvent, HazardEventKind, channel_for
from backend.hazards.models import Hazard, HazardPhoto, PhotoStage
from backend.hazards.permissions import (
    CanAcceptHazard,
    CanDismissHazard,
    CanReassignHazard,
    CanRectifyHazard,
    CanReinspectHazard,
    CanSignOffMajorHazard,
    CanTriageHazard,
)
from backend.hazards.photos import PhotoRejectedError, process_photo
from backend.hazards.rules import (
    HazardStep,
    can_take,
    category_name,
    check_treatment_plan,
    default_deadline,
    plan_deadline,
)
from backend.org import service as org_service
from backend.risks import dynamic as risk_dynamic
from backend.storage.base import ObjectStore
from backend.storage.models import UploadKind
from backend.storage.service import consume_upload
from backend.validation import clean_text
from contracts.errors import ErrorCode
from contracts.hazards import HazardGrade, HazardLevel, HazardSource, HazardState

logger = logging.getLogger(__name__)
MAX_PHOTOS = 9
MAX_TEXT = 4000
SOURCE_NAMESPACE = uuid.UUID("6f1c0d7e-2b7a-4d8e-9a51-3c1f0e6b9d42")
CLIENT_ID_NAMESPACE = uuid.UUID("0b6f7d52-8c1e-4f3a-9d27-5e4a1c9b7f10")  # a report whose client id was taken


class PhotoRejected(DomainError):
    """A photo failed verification; the whole report is refused with the reason."""

    code = ErrorCode.PHOTO_REJECTED

    def __init__(self, message: str, *, key: str, reason: str) -> None:
        super().__init__(message)
        self.key = key
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PhotoStorage:
    store: ObjectStore
    settings: Settings


def snapshot(hazard: Hazard) -> dict[str, Any]:
    """The audited view of a hazard."""
    return {
        "state": hazard.state, "grade": hazard.grade, "level": hazard.level, "area_id": hazard.area_id,
        "responsible_id": hazard.responsible_id, "team_id": hazard.team_id, "deadline": hazard.deadline,
        "control_measures": hazard.control_measures, "treatment_plan": hazard.treatment_plan,
        "rectifier_id": hazard.rectifier_id, "signed_off_by": hazard.signed_off_by,
    }


def _require_step(hazard: Hazard, step: HazardStep) -> None:
    if not can_take(step, hazard.state):
        raise InvalidTransition(
            f"cannot {step.value.replace('_', ' ')} a hazard that is {hazard.state.value}",
            current_state=hazard.state.value)


def _text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    return clean_text(value, field, required=required, limit=limit)


async def _transition(session: AsyncSession, *, actor: Principal, hazard: Hazard, action: str,
                      before: dict[str, Any], kind: HazardEventKind, reason: str | None = None,
                      evidence: Sequence[str] = ()) -> Hazard:
    hazard.updated_at = utcnow()
    await session.flush()
    after = snapshot(hazard)
    if evidence:
        after["evidence_keys"] = list(evidence)
    await record_audit(session, actor=actor, action=action, subject_type="hazard", subject_id=hazard.id,
                       before=before, after=after, reason=reason, mine_id=hazard.mine_id)
    publish_after_commit(session, channel_for(hazard.mine_id), HazardEvent(
        kind=kind, hazard_id=hazard.id, mine_id=hazard.mine_id, area_id=hazard.area_id,
        responsible_id=hazard.responsible_id, state=hazard.state.value, at=hazard.updated_at))
    await risk_dynamic.on_hazard_changed(session, actor=actor, hazard=hazard)  # the risk points at it follow
    return hazard


async def _store_photos(session: AsyncSession, *, storage: PhotoStorage, actor: Principal, hazard_id: uuid.UUID,
                        stage: PhotoStage, keys: Sequence[str], used_by: str) -> list[str]:
    """Verify and re-encode each uploaded photo; returns the original upload keys (to delete after commit)."""
    if not keys:
        raise ValidationFailed("at least one photo is required", field="photoKeys")
    if len(keys) > MAX_PHOTOS:
        raise ValidationFailed(f"at most {MAX_PHOTOS} photos", field="photoKeys")
    if len(set(keys)) != len(keys):
        raise ValidationFailed("the same photo is named twice", field="photoKeys")
    settings = storage.settings
    written: list[str] = []
    try:
        for position, key in enumerate(keys):
            await consume_upload(session=session, store=storage.store, actor=actor, key=key,
                                 kinds={UploadKind.PHOTO, UploadKind.SNAPSHOT}, used_by=used_by)
            try:
                data = await storage.store.get(key, max_bytes=settings.max_photo_bytes)
            except ValueError as error:
                raise PhotoRejected(str(error), key=key, reason="TOO_LARGE") from error
            try:
                photo = await asyncio.to_thread(
                    process_photo, data, max_bytes=settings.max_photo_bytes, max_pixels=settings.max_photo_pixels,
                    max_side=settings.photo_max_side, thumbnail_side=settings.thumbnail_side)
            except PhotoRejectedError as error:
                raise PhotoRejected(f"photo {position + 1}: {error}", key=key,
                                    reason=error.reason.value) from error
            base = f"photos/{hazard_id}/{stage.value.lower()}-{used_by[:8]}-{position}"
            for name, body in ((f"{base}.jpg", photo.jpeg), (f"{base}-thumb.jpg", photo.thumbnail)):
                written.append(name)
                await storage.store.put(name, body, content_type="image/jpeg")
            session.add(HazardPhoto(hazard_id=hazard_id, stage=stage, position=position, key=f"{base}.jpg",
                                    thumbnail_key=f"{base}-thumb.jpg", width=photo.width, height=photo.height))
    except BaseException:
        await delete_originals(storage.store, written)  # the transaction rolls back: no orphan files either
        raise
    return list(keys)


OBSERVED_AHEAD = timedelta(minutes=5)
OBSERVED_BEHIND = timedelta(days=30)


def _observed(observed_at: datetime | None) -> datetime | None:
    """When the reporter saw it: not ahead of the server (5 min allowed for device clocks), not over 30 days ago."""
    if observed_at is None:
        return None
    if observed_at.tzinfo is None:
        raise ValidationFailed("observedAt needs a time zone", field="observedAt")
    now = utcnow()
    if observed_at > now + OBSERVED_AHEAD or observed_at < now - OBSERVED_BEHIND:
        raise ValidationFailed("observedAt must be within the last 30 days and not in the future",
                                    field="observedAt")
    return min(observed_at, now)


async def report(session: AsyncSession, *, storage: PhotoStorage, actor: Principal, client_id: uuid.UUID,
                 area_id: uuid.UUID, description: str | None, location: str | None,
                 suggested_grade: HazardGrade | None, photo_keys: Sequence[str],
                 category_id: uuid.UUID | None = None,
                 observed_at: datetime | None = None) -> tuple[Hazard, list[str]]:
    """Report a hazard; the same client id from the same reporter returns the first report.

    With a category of the mine the description may be left out: the category's name stands for it.
    """
    hazard_id = client_id
    existing = await service.get(session=session, hazard_id=client_id)
    if existing is not None and existing.mine_id != actor.mine_id:
        hazard_id = uuid.uuid5(CLIENT_ID_NAMESPACE, f"{actor.mine_id}:{actor.id}:{client_id}")
        existing = await service.get(session=session, hazard_id=hazard_id)
    if existing is not None:
        if existing.reporter_id == actor.id and existing.mine_id == actor.mine_id:
            return existing, []
        raise ValidationFailed("this client id is already used by another report", field="clientId")
    area = await org_service.get_area(session=session, area_id=area_id)
    if area is None or area.mine_id != actor.mine_id:
        raise ValidationFailed("no such area in your mine", field="areaId")
    if area.retired_at is not None:
        raise ValidationFailed("the area is retired; report it in the area that replaced it", field="areaId")
    category = None
    if category_id is not None:
        category = await service.category(session=session, category_id=category_id)
        if category is None or category.mine_id != actor.mine_id or not category.is_active:
            raise ValidationFailed("no such hazard category in your mine", field="categoryId")
    observed = _observed(observed_at)
    text = _text(description, "description", required=category is None)
    if not text and category is not None:
        text = category_name(category)
    hazard = Hazard(
        id=hazard_id, mine_id=actor.mine_id, area_id=area_id, state=HazardState.REPORTED,
        source=HazardSource.ROBOT if actor.kind is PrincipalKind.DEVICE else HazardSource.PERSON,
        reporter_id=actor.id, reporter_name=actor.name, description=text,
        location=_text(location, "location", limit=300),
        suggested_grade=suggested_grade or (category.suggested_grade if category else None),
        category_id=category.id if category else None, observed_at=observed,
    )
    session.add(hazard)
    await session.flush()
    originals = await _store_photos(session, storage=storage, actor=actor, hazard_id=hazard.id,
                                    stage=PhotoStage.REPORT, keys=photo_keys, used_by=str(hazard.id))
    await _transition(session, actor=actor, hazard=hazard, action="hazard.reported", before={},
                      kind=HazardEventKind.REPORTED, evidence=originals)
    return hazard, originals


async def open_from_source(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID,
                           area_id: uuid.UUID, source: HazardSource, source_ref: str, description: str,
                           suggested_grade: HazardGrade | None = None, drill_id: uuid.UUID | None = None) -> Hazard:
    """Open a hazard from an alert, a vision event or a failed inspection (once per source record); ``drill_id``:
    opened in a drill (from a drill alert)."""
    existing = await service.find_by_source(session=session, mine_id=mine_id, source=source, source_ref=source_ref)
    if existing is not None:
        return existing
    hazard = Hazard(
        id=uuid.uuid5(SOURCE_NAMESPACE, f"{mine_id}:{source.value}:{source_ref}"), mine_id=mine_id,
        area_id=area_id, state=HazardState.REPORTED, source=source, source_ref=source_ref,
        reporter_id=actor.id if actor else mine_id, reporter_name=actor.name if actor else source.value.lower(),
        description=_text(description, "description", required=True) or "", suggested_grade=suggested_grade,
        drill_id=drill_id,
    )
    session.add(hazard)
    await session.flush()
    if actor is None:
        await record_audit(session, actor=None, mine_id=mine_id, action="hazard.reported", subject_type="hazard",
                           subject_id=hazard.id, before={}, after=snapshot(hazard))
        publish_after_commit(session, channel_for(mine_id), HazardEvent(
            kind=HazardEventKind.REPORTED, hazard_id=hazard.id, mine_id=mine_id, area_id=area_id,
            responsible_id=None, state=hazard.state.value, at=hazard.created_at))
        await risk_dynamic.on_hazard_changed(session, actor=None, hazard=hazard)
        return hazard
    return await _transition(session, actor=actor, hazard=hazard, action="hazard.reported", before={},
                             kind=HazardEventKind.REPORTED)


async def _responsible_in_mine(session: AsyncSession, actor: Principal, responsible_id: uuid.UUID) -> None:
    person = await accounts_service.get(session=session, user_id=responsible_id)
    if person is None or person.mine_id != actor.mine_id or not person.is_active:
        raise ValidationFailed("the responsible person is not an active member of your mine",
                                    field="responsibleId")


async def _team_in_mine(session: AsyncSession, actor: Principal, team_id: uuid.UUID | None) -> None:
    """A named team must be one of the actor's mine (another mine's looks like a missing one)."""
    if team_id is None:
        return
    (team,) = await org_service.teams_by_ids(session, [team_id])
    if team is None or team.mine_id != actor.mine_id:
        raise ValidationFailed("no such team in your mine", field="teamId")


async def triage(session: AsyncSession, *, actor: Principal, hazard_id: uuid.UUID, grade: HazardGrade,
                 level: HazardLevel | None, responsible_id: uuid.UUID, team_id: uuid.UUID | None,
                 deadline: datetime | None, control_measures: str | None,
                 treatment_plan: dict[str, Any] | None) -> Hazard:
    hazard = await service.get_in_mine_or_raise(session=session, hazard_id=hazard_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanTriageHazard.check_level(actor, hazard, level)
    _require_step(hazard, HazardStep.TRIAGE)
    if grade is HazardGrade.GENERAL and level is None:
        raise ValidationFailed("a general hazard needs a level (A, B or C)", field="level")
    if grade is HazardGrade.MAJOR:
        plan = check_treatment_plan(treatment_plan)
        if not plan.ok:
            raise ValidationFailed("a major hazard needs a treatment plan naming: " + ", ".join(plan.missing),
                                        field="treatmentPlan")
        level = None
    await _responsible_in_mine(session, actor, responsible_id)
    await _team_in_mine(session, actor, team_id)
    now = utcnow()
    if deadline is not None and deadline <= now:
        raise ValidationFailed("the deadline must be in the future", field="deadline")
    if grade is HazardGrade.MAJOR and deadline is None:  # the plan is due within 24 h; the deadline is the plan's
        deadline = plan_deadline(treatment_plan)
        if deadline is None or deadline <= now:
            raise ValidationFailed("the treatment plan's deadline must be a future date (2030-01-31) or a time "
                                        "with its zone", field="treatmentPlan")
    mine = await org_service.get_mine(session=session, mine_id=hazard.mine_id)
    overrides = (mine.settings or {}).get("hazard_deadline_hours") if mine else None
    before = snapshot(hazard)
    hazard.grade, hazard.level = grade, level
    hazard.responsible_id, hazard.team_id = responsible_id, team_id
    hazard.deadline = deadline or default_deadline(grade, level, now, overrides)
    hazard.assigned_at = now
    hazard.control_measures = _text(control_measures, "controlMeasures")
    hazard.treatment_plan = treatment_plan
    hazard.state = HazardState.ASSIGNED
    return await _transition(session, actor=actor, hazard=hazard, action="hazard.triaged", before=before,
                             kind=HazardEventKind.TRIAGED)


async def accept(session: AsyncSession, *, actor: Principal, hazard_id: uuid.UUID) -> Hazard:
    hazard = await service.get_in_mine_or_raise(session=session, hazard_id=hazard_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanAcceptHazard.check(actor, hazard)
    _require_step(hazard, HazardStep.ACCEPT)
    before = snapshot(hazard)
    hazard.state = HazardState.RECTIFYING
    return await _transition(session, actor=actor, hazard=hazard, action="hazard.accepted", before=before,
                             kind=HazardEventKind.ACCEPTED)


async def submit_rectification(session: AsyncSession, *, storage: PhotoStorage, actor: Principal,
                               hazard_id: uuid.UUID, submission_id: uuid.UUID, note: str,
                               photo_keys: Sequence[str]) -> tuple[Hazard, list[str]]:
    """Evidence of the work done; a retried submission (same id) returns the hazard unchanged."""
    hazard = await service.get_in_mine_or_raise(session=session, hazard_id=hazard_id, mine_id=actor.mine_id,
                                                for_update=True)
    if hazard.rectification_submission == str(submission_id):
        return hazard, []
    CanRectifyHazard.check(actor, hazard)
    _require_step(hazard, HazardStep.SUBMIT_RECTIFICATION)
    before = snapshot(hazard)
    text = _text(note, "note", required=True)
    originals = await _store_photos(session, storage=storage, actor=actor, hazard_id=hazard.id,
                                    stage=PhotoStage.RECTIFICATION, keys=photo_keys, used_by=str(submission_id))
    hazard.rectifier_id = actor.id
    hazard.rectification_note = text
    hazard.rectification_submission = str(submission_id)
    hazard.rectified_at = utcnow()
    hazard.state = HazardState.PENDING_REVIEW
    await _transition(session, actor=actor, hazard=hazard, action="hazard.rectified", before=before,
                      kind=HazardEventKind.RECTIFIED, evidence=originals)
    return hazard, originals


async def _close_if_complete(session: AsyncSession, *, actor: Principal, hazard: Hazard) -> None:
    needs_sign_off = hazard.grade is HazardGrade.MAJOR and hazard.signed_off_at is None
    if hazard.reinspection_passed_at is None or needs_sign_off:
        return
    before = snapshot(hazard)
    hazard.state = HazardState.CLOSED
    hazard.closed_at = utcnow()
    await _transition(session, actor=actor, hazard=hazard, action="hazard.closed", before=before,
                      kind=HazardEventKind.CLOSED)


async def reinspect(session: AsyncSession, *, actor: Principal, hazard_id: uuid.UUID, passed: bool,
                    reason: str | None) -> Hazard:
    """Pass closes the hazard (a major one also needs the sign-off); fail sends it back to rectifying."""
    hazard = await service.get_in_mine_or_raise(session=session, hazard_id=hazard_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanReinspectHazard.check(actor, hazard)
    _require_step(hazard, HazardStep.REINSPECT_PASS if passed else HazardStep.REINSPECT_FAIL)
    if passed and hazard.reinspection_passed_at is not None:
        raise InvalidTransition("this hazard already passed re-inspection; it waits for the sign-off",
                                     current_state=hazard.state.value)
    text = _text(reason, "reason", required=not passed)
    before = snapshot(hazard)
    hazard.reinspector_id = actor.id
    if passed:
        hazard.reinspection_passed_at = utcnow()
        await _transition(session, actor=actor, hazard=hazard, action="hazard.reinspection_passed",
                          before=before, kind=HazardEventKind.REINSPECTION_PASSED, reason=text)
        await _close_if_complete(session, actor=actor, hazard=hazard)
        return hazard
    hazard.state = HazardState.RECTIFYING
    hazard.rectification_submission = None
    hazard.signed_off_at = hazard.signed_off_by = None
    return await _transition(session, actor=actor, hazard=hazard, action="hazard.reinspection_failed",
                             before=before, kind=HazardEventKind.REINSPECTION_FAILED, reason=text)


async def sign_off_major(session: AsyncSession, *, actor: Principal, hazard_id: uuid.UUID,
                         note: str | None) -> Hazard:
    hazard = await service.get_in_mine_or_raise(session=session, hazard_id=hazard_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanSignOffMajorHazard.check(actor, hazard)
    if hazard.grade is not HazardGrade.MAJOR:
        raise InvalidTransition("only major hazards need a mine manager's sign-off",
                                     current_state=hazard.state.value)
    _require_step(hazard, HazardStep.SIGN_OFF)
    if hazard.signed_off_at is not None:
        raise InvalidTransition("this hazard is already signed off", current_state=hazard.state.value)
    before = snapshot(hazard)
    hazard.signed_off_by, hazard.signed_off_at = actor.id, utcnow()
    await _transition(session, actor=actor, hazard=hazard, action="hazard.signed_off", before=before,
                      kind=HazardEventKind.SIGNED_OFF, reason=_text(note, "note"))
    await _close_if_complete(session, actor=actor, hazard=hazard)
    return hazard


async def dismiss(session: AsyncSession, *, actor: Principal, hazard_id: uuid.UUID, reason: str) -> Hazard:
    hazard = await service.get_in_mine_or_raise(session=session, hazard_id=hazard_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanDismissHazard.check(actor, hazard)
    _require_step(hazard, HazardStep.DISMISS)
    text = _text(reason, "reason", required=True)
    before = snapshot(hazard)
    hazard.state = HazardState.DISMISSED
    hazard.dismissed_reason = text
    return await _transition(session, actor=actor, hazard=hazard, action="hazard.dismissed", before=before,
                             kind=HazardEventKind.DISMISSED, reason=text)


async def reassign(session: AsyncSession, *, actor: Principal, hazard_id: uuid.UUID, responsible_id: uuid.UUID,
                   team_id: uuid.UUID | None, deadline: datetime | None, reason: str) -> Hazard:
    hazard = await service.get_in_mine_or_raise(session=session, hazard_id=hazard_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanReassignHazard.check(actor, hazard)
    _require_step(hazard, HazardStep.REASSIGN)
    text = _text(reason, "reason", required=True)
    if (hazard.state is HazardState.ASSIGNED and hazard.responsible_id == responsible_id
            and hazard.team_id == team_id and deadline in (None, hazard.deadline)):
        return hazard  # a retry whose first try went through (its reply was lost): nothing to change
    await _responsible_in_mine(session, actor, responsible_id)
    await _team_in_mine(session, actor, team_id)
    if deadline is not None and deadline <= utcnow():
        raise ValidationFailed("the deadline must be in the future", field="deadline")
    before = snapshot(hazard)
    hazard.responsible_id, hazard.team_id = responsible_id, team_id
    hazard.deadline = deadline or hazard.deadline
    hazard.state = HazardState.ASSIGNED
    return await _transition(session, actor=actor, hazard=hazard, action="hazard.reassigned", before=before,
                             kind=HazardEventKind.REASSIGNED, reason=text)


store_photos = _store_photos  # for other domains' reports that carry photos (a failed inspection item)


async def delete_originals(store: ObjectStore, keys: Sequence[str]) -> None:
    """After commit: drop the raw uploads (they may carry GPS and other EXIF data)."""
    for key in keys:
        try:
            await store.delete(key)
        except Exception:  # a leftover upload is not worth failing a committed report
            logger.warning("could not delete original upload %s", key, exc_info=True)
