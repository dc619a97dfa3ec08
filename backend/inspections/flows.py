"""Inspection checklists (排查清单): scheduling from control measures, the offline submission (once per client id),
a failed item opening a hazard linked to its risk point and measure, and the overdue sweep."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import service as accounts_service
from backend.accounts.roles import Principal
from backend.alerts import flows as alert_flows
from backend.alerts import service as alert_service
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine
from backend.errors import InvalidTransition, NotAllowed, ValidationFailed
from backend.hazards import flows as hazard_flows
from backend.hazards.models import PhotoStage
from backend.inspections import rules, service
from backend.inspections.models import CheckState, InspectionCheck, InspectionItem, ItemResult
from backend.org import service as org_service
from backend.risks import dynamic
from backend.risks import service as risk_service
from backend.risks.models import ControlMeasure, RiskPoint
from backend.risks.permissions import CanManageRisks
from backend.validation import clean_text
from contracts.alerts import AlertSeverity, AlertSource
from contracts.hazards import HazardSource

logger = logging.getLogger(__name__)


def check_snapshot(check: InspectionCheck) -> dict[str, Any]:
    return {"area_id": check.area_id, "title": check.title, "assignee_id": check.assignee_id,
            "due_at": check.due_at, "state": check.state, "failed_items": check.failed_items}


async def _assignee(session: AsyncSession, actor: Principal, user_id: uuid.UUID) -> None:
    person = await accounts_service.get(session=session, user_id=user_id)
    if person is None or person.mine_id != actor.mine_id or not person.is_active:
        raise ValidationFailed("the assignee is not an active member of your mine", field="assigneeId")


async def _create(session: AsyncSession, *, actor: Principal, area_id: uuid.UUID, assignee_id: uuid.UUID,
                  due_at: datetime, title: str, pairs: Sequence[tuple[RiskPoint, ControlMeasure]]) -> InspectionCheck:
    check = InspectionCheck(mine_id=actor.mine_id, area_id=area_id, title=title, assignee_id=assignee_id,
                            due_at=due_at, state=CheckState.SCHEDULED, created_by_id=actor.id)
    session.add(check)
    await session.flush()
    session.add_all(InspectionItem(check_id=check.id, position=i, risk_point_id=point.id, measure_id=measure.id,
                                   text=measure.text) for i, (point, measure) in enumerate(pairs))
    await session.flush()
    await record_audit(session, actor=actor, action="inspection.scheduled", subject_type="inspection_check",
                       subject_id=check.id, before={},
                       after=check_snapshot(check) | {"items": [str(m.id) for _, m in pairs]})
    return check


async def _pairs(session: AsyncSession, points: Sequence[RiskPoint]) -> list[tuple[RiskPoint, ControlMeasure]]:
    measures = await risk_service.measures_by_point(session, [p.id for p in points])
    return [(point, measure) for point, found in zip(points, measures, strict=True) for measure in found]


async def schedule(session: AsyncSession, *, actor: Principal, area_id: uuid.UUID, assignee_id: uuid.UUID,
                   due_at: datetime, title: str | None = None,
                   risk_point_ids: Sequence[uuid.UUID] | None = None) -> InspectionCheck:
    """A check of the area's risk points (or the ones named): one item per live control measure."""
    await lock_mine(session, actor.mine_id)
    area = await org_service.get_area(session=session, area_id=area_id)
    if area is None or area.mine_id != actor.mine_id:
        raise ValidationFailed("no such area in your mine", field="areaId")
    parents = await org_service.unit_parents(session=session, mine_id=actor.mine_id)
    CanManageRisks.check(actor, parents, area.id)
    await _assignee(session, actor, assignee_id)
    points = list(await risk_service.list_points(session=session, mine_id=actor.mine_id, area_ids=[area.id]))
    if risk_point_ids is not None:
        wanted = set(risk_point_ids)
        points = [p for p in points if p.id in wanted]
        if len(points) != len(wanted):
            raise ValidationFailed("some risk points are not live points of this area", field="riskPointIds")
    pairs = await _pairs(session, points)
    if not pairs:
        raise ValidationFailed("these risk points have no control measures to check", field="riskPointIds")
    if len(pairs) > rules.MAX_ITEMS:
        raise ValidationFailed(f"at most {rules.MAX_ITEMS} items on one check", field="riskPointIds")
    name = clean_text(title, "title", limit=200, multiline=False) or f"排查 {area.name}"
    return await _create(session, actor=actor, area_id=area.id, assignee_id=assignee_id, due_at=due_at,
                         title=name, pairs=pairs)


@dataclass
class Generated:
    checks: list[InspectionCheck] = field(default_factory=list)
    unassigned_measures: int = 0
    """Measures due whose post nobody holds (shown to the scheduler, never silently dropped)."""


async def generate_due(session: AsyncSession, *, actor: Principal, due_at: datetime,
                       area_id: uuid.UUID | None = None) -> Generated:
    """Checks for every measure due by `due_at` (last checked longer ago than its frequency, or never), one per area
    and holder of the measure's post, skipping measures already on a scheduled check."""
    await lock_mine(session, actor.mine_id)
    parents = await org_service.unit_parents(session=session, mine_id=actor.mine_id)
    if area_id is not None and area_id not in parents:
        raise ValidationFailed("no such area in your mine", field="areaId")
    points = [p for p in await risk_service.list_points(session=session, mine_id=actor.mine_id,
                                                         area_ids=[area_id] if area_id else None)
              if CanManageRisks.allows(actor, parents, p.area_id)]
    if area_id is not None:
        CanManageRisks.check(actor, parents, area_id)
    pairs = [(p, m) for p, m in await _pairs(session, points)
             if m.last_checked_at is None or m.last_checked_at + m.check_frequency.span <= due_at]
    busy = await service.open_measure_ids(session=session, measure_ids=[m.id for _, m in pairs])
    pairs = [(p, m) for p, m in pairs if m.id not in busy]
    holders = await org_service.holders_at(session=session, post_ids=list({m.responsible_post_id for _, m in pairs}),
                                           at=utcnow())
    groups: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[RiskPoint, ControlMeasure]]] = {}
    out = Generated()
    for point, measure in pairs:
        people = holders.get(measure.responsible_post_id, [])
        if not people:
            out.unassigned_measures += 1
            continue
        groups.setdefault((point.area_id, people[0]), []).append((point, measure))
    areas = {a.id: a for a in await org_service.list_areas(session=session, mine_id=actor.mine_id)}
    for (unit, person), group in groups.items():
        name = areas[unit].name if unit in areas else ""
        for start in range(0, len(group), rules.MAX_ITEMS):
            out.checks.append(await _create(session, actor=actor, area_id=unit, assignee_id=person, due_at=due_at,
                                            title=f"排查 {name}", pairs=group[start:start + rules.MAX_ITEMS]))
    return out


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    item_id: uuid.UUID
    passed: bool
    note: str | None = None
    photo_keys: Sequence[str] = ()


async def submit(session: AsyncSession, *, storage: hazard_flows.PhotoStorage, actor: Principal,
                 check_id: uuid.UUID, submission_id: uuid.UUID, answers: Sequence[ItemAnswer]
                 ) -> tuple[InspectionCheck, list[str]]:
    """The assignee's results, every item once; a failed item needs a photo and opens a hazard linked to the risk
    point and the measure. The same submission id again (an outbox retry) returns the done check unchanged."""
    check = await service.get_in_mine_or_raise(session=session, check_id=check_id, mine_id=actor.mine_id,
                                               for_update=True)
    if check.submission_id == submission_id:
        return check, []
    if check.assignee_id != actor.id:
        raise NotAllowed("only the person the check is assigned to submits it")
    if check.state is not CheckState.SCHEDULED:
        raise InvalidTransition("this check is done already", current_state=check.state.value)
    items = {i.id: i for i in await service.items_of(session=session, check_id=check.id)}
    given = [a.item_id for a in answers]
    if len(set(given)) != len(given) or set(given) != set(items):
        raise ValidationFailed("answer every item of the check exactly once", field="results")
    measures = {m.id: m for m in (await session.scalars(select(ControlMeasure).where(
        ControlMeasure.id.in_({i.measure_id for i in items.values()})))).all()}
    now = utcnow()
    originals: list[str] = []
    before = check_snapshot(check)
    failed = 0
    for index, answer in enumerate(answers):
        item = items[answer.item_id]
        note = clean_text(answer.note, f"results[{index}].note", limit=2000)
        item.result, item.note = (ItemResult.PASS if answer.passed else ItemResult.FAIL), note
        measure = measures.get(item.measure_id)
        if measure is not None:
            measure.last_checked_at = now
        if answer.passed:
            continue
        failed += 1
        if not answer.photo_keys:
            raise ValidationFailed("a failed item needs a photo", field=f"results[{index}].photoKeys")
        source_ref = f"{check.id}:{item.id}"
        hazard_id = uuid.uuid5(hazard_flows.SOURCE_NAMESPACE, f"{check.mine_id}:{HazardSource.INSPECTION.value}:"
                                                              f"{source_ref}")
        dynamic.expect_link(session, hazard_id=hazard_id, point_id=item.risk_point_id, measure_id=item.measure_id)
        hazard = await hazard_flows.open_from_source(
            session, actor=actor, mine_id=check.mine_id, area_id=check.area_id, source=HazardSource.INSPECTION,
            source_ref=source_ref,
            description=f"排查未通过 / check failed: {item.text}" + (f" — {note}" if note else ""))
        originals += await hazard_flows.store_photos(session, storage=storage, actor=actor, hazard_id=hazard.id,
                                                     stage=PhotoStage.REPORT, keys=list(answer.photo_keys),
                                                     used_by=f"check-{item.id}")
        item.hazard_id = hazard.id
    check.state, check.done_at, check.submission_id, check.failed_items = CheckState.DONE, now, submission_id, failed
    check.updated_at = now
    await session.flush()
    await record_audit(session, actor=actor, action="inspection.done", subject_type="inspection_check",
                       subject_id=check.id, before=before,
                       after=check_snapshot(check) | {"results": {str(i.id): i.result for i in items.values()}})
    await alert_flows.resolve_by_key(session, actor=actor, mine_id=check.mine_id,
                                     dedupe_key=rules.check_overdue_key(check.id), reason="the check was done")
    return check, originals


async def sweep_overdue(session: AsyncSession, *, now: datetime | None = None) -> tuple[int, int]:
    """Raise a CHECK_OVERDUE alert per missed check (it escalates as hazards do: the alerts sweep) and a
    RISK_REVIEW_DUE alert per risk point past its review date; resolve them once done. Returns (raised, resolved)."""
    now = now or utcnow()
    raised = resolved = 0
    for check in await service.overdue(session=session, now=now):
        if await alert_service.latest_by_key(session=session, mine_id=check.mine_id,
                                             dedupe_key=rules.check_overdue_key(check.id)) is not None:
            continue  # raised already (open, or handled by a person): a sweep never folds a repeat into it
        outcome = await alert_flows.raise_alert(
            session, actor=None, mine_id=check.mine_id, source=AlertSource.CHECK_OVERDUE, source_ref=str(check.id),
            severity=AlertSeverity.WARNING, area_id=check.area_id, title=f"Inspection missed: {check.title[:150]}",
            detail=f"due {check.due_at.isoformat()}", dedupe_key=rules.check_overdue_key(check.id), occurred_at=now)
        raised += outcome.created
    late = (await session.scalars(select(RiskPoint).where(
        RiskPoint.retired_at.is_(None), RiskPoint.next_review_due.is_not(None), RiskPoint.next_review_due < now)
        .order_by(RiskPoint.mine_id, RiskPoint.next_review_due))).all()
    for point in late:
        if await alert_service.latest_by_key(session=session, mine_id=point.mine_id,
                                             dedupe_key=rules.review_due_key(point.id, point.assessment_version)):
            continue
        outcome = await alert_flows.raise_alert(
            session, actor=None, mine_id=point.mine_id, source=AlertSource.RISK_REVIEW_DUE, source_ref=str(point.id),
            severity=AlertSeverity.INFO if point.level is None or point.level.rank < 2 else AlertSeverity.WARNING,
            area_id=point.area_id, title=f"Risk review overdue: {point.code} {point.name[:120]}",
            detail=f"review was due {point.next_review_due.isoformat() if point.next_review_due else '-'}",
            dedupe_key=rules.review_due_key(point.id, point.assessment_version), occurred_at=now)
        raised += outcome.created
    for source in (AlertSource.CHECK_OVERDUE, AlertSource.RISK_REVIEW_DUE):
        for alert in await alert_service.open_of_source(session=session, source=source):
            if await _still_due(session, alert.source, alert.source_ref, alert.dedupe_key, now):
                continue
            if await alert_flows.resolve_by_key(session, actor=None, mine_id=alert.mine_id,
                                                dedupe_key=alert.dedupe_key, reason="done"):
                resolved += 1
    return raised, resolved


async def _still_due(session: AsyncSession, source: AlertSource, ref: str, key: str, now: datetime) -> bool:
    try:
        subject_id = uuid.UUID(ref)
    except ValueError:
        return False
    if source is AlertSource.CHECK_OVERDUE:
        check = await session.get(InspectionCheck, subject_id)
        return check is not None and rules.is_overdue(check.state, check.due_at, now)
    point = await session.get(RiskPoint, subject_id)
    return (point is not None and point.retired_at is None and point.next_review_due is not None
            and point.next_review_due < now and key == rules.review_due_key(point.id, point.assessment_version))
