"""Sending one outbox item: request upload → PUT each photo → the mutation with the item's client id."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from contracts.alerts import AlertSeverity
from contracts.client import ApiError, Unauthenticated
from contracts.hazards import HazardGrade
from mobile.api.alerts import ActionOutcome, ActionResult, AlertsApi
from mobile.api.models import MutationResult, Outcome
from mobile.api.risks import RisksApi
from mobile.api.service import MineSafeApi, UploadNotAllowed
from mobile.outbox.store import ItemKind, ItemState, Outbox, OutboxItem

logger = logging.getLogger(__name__)

MAX_DELAY_S = 300.0


def retry_delay(attempts: int, *, base_s: float = 2.0, cap_s: float = MAX_DELAY_S,
                jitter: Callable[[], float] = random.random) -> float:
    """Exponential backoff with up to 25 % jitter: 2, 4, 8 … seconds, never more than `cap_s`."""
    delay = min(cap_s, base_s * (2 ** max(0, attempts)))
    return delay * (1.0 + 0.25 * jitter())


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The server's answer to an item's mutation: accepted (with the id of what it made) or refused."""

    ok: bool
    server_id: str | None = None
    reason: str = ""
    typename: str = ""

    @classmethod
    def of_hazard(cls, result: MutationResult) -> Acknowledgement:
        return cls(ok=result.outcome is Outcome.OK, server_id=result.hazard_id,
                   reason=result.message or result.typename, typename=result.typename)

    @classmethod
    def of_alert(cls, result: ActionResult) -> Acknowledgement:
        ok = result.outcome is ActionOutcome.OK and result.alert is not None
        return cls(ok=ok, server_id=result.alert.id if result.alert else None,
                   reason=result.message or result.typename, typename=result.typename)


class OutboxSender:
    """Sends items; a transient failure re-queues with backoff, a refusal marks the item rejected."""

    def __init__(self, *, outbox: Outbox, api: MineSafeApi, base_delay_s: float = 2.0) -> None:
        self.outbox = outbox
        self.api = api
        self.base_delay_s = base_delay_s

    def send(self, item: OutboxItem) -> ItemState:
        """Try one item once; returns its state afterwards (queued again, sent or rejected)."""
        self.outbox.mark_sending(item.client_id)
        try:
            keys = self._upload_photos(item)
            result = self._mutate(item, keys)
        except UploadNotAllowed as refusal:
            self.outbox.mark_rejected(item.client_id, reason=str(refusal))
            return ItemState.REJECTED
        except Unauthenticated as error:
            # keep it: it is sent after the user signs in again
            self.outbox.mark_retry(item.client_id, error=f"sign in again: {error}", delay_s=MAX_DELAY_S)
            return ItemState.QUEUED
        except ApiError as error:
            delay = retry_delay(item.attempts, base_s=self.base_delay_s)
            logger.info("outbox %s: %s; retry in %.0f s", item.client_id, error, delay)
            self.outbox.mark_retry(item.client_id, error=f"{type(error).__name__}: {error}", delay_s=delay)
            return ItemState.QUEUED
        except Exception as error:  # a bug must not lose the report: keep it queued, slowly
            logger.exception("outbox %s: unexpected error", item.client_id)
            self.outbox.mark_retry(item.client_id, error=f"{type(error).__name__}: {error}", delay_s=MAX_DELAY_S)
            return ItemState.QUEUED
        if result.ok:
            self.outbox.mark_sent(item.client_id, server_id=result.server_id)
            logger.info("outbox %s (%s) sent as %s", item.client_id, item.kind.value, result.server_id)
            return ItemState.SENT
        self.outbox.mark_rejected(item.client_id, reason=result.reason)
        logger.info("outbox %s rejected: %s (%s)", item.client_id, result.reason, result.typename)
        return ItemState.REJECTED

    def _upload_photos(self, item: OutboxItem) -> list[str]:
        keys: list[str] = []
        for photo in item.photos:
            if photo.object_key:
                keys.append(photo.object_key)
                continue
            body = photo.path.read_bytes()
            ticket = self.api.request_upload(content_type=photo.content_type, size=len(body))
            self.api.client.put_bytes(ticket.url, body=body, headers=ticket.headers, method=ticket.method)
            self.outbox.mark_photo_uploaded(item.client_id, photo.position, ticket.key)
            keys.append(ticket.key)
        return keys

    def _mutate(self, item: OutboxItem, keys: list[str]) -> Acknowledgement:
        p = item.payload
        if item.kind is ItemKind.REPORT_HAZARD:
            return Acknowledgement.of_hazard(self.api.report_hazard(
                client_id=item.client_id, area_id=p["areaId"], description=p.get("description", ""),
                location=p.get("location", ""), suggested_grade=HazardGrade(p.get("suggestedGrade", "GENERAL")),
                photo_keys=keys, category_id=p.get("categoryId"), observed_at=p.get("observedAt")))
        if item.kind is ItemKind.SUBMIT_RECTIFICATION:
            return Acknowledgement.of_hazard(self.api.submit_rectification(
                hazard_id=p["hazardId"], client_id=item.client_id, note=p.get("note", ""), photo_keys=keys))
        if item.kind is ItemKind.RAISE_ALERT:
            return Acknowledgement.of_alert(AlertsApi(self.api.client).raise_manual(
                client_id=item.client_id, area_id=p.get("areaId"), severity=AlertSeverity(p["severity"]),
                title=p["title"], detail=p.get("detail", "")))
        if item.kind is ItemKind.SUBMIT_INSPECTION:  # photos are queued in item order; each result names its own
            result = RisksApi(self.api.client).submit_inspection(
                check_id=p["checkId"], client_id=item.client_id,
                results=[{"itemId": r["itemId"], "passed": r["passed"], "note": r.get("note") or None,
                          "photoKeys": [keys[i] for i in r.get("photos", [])]} for r in p["results"]])
            return Acknowledgement(ok=result.ok, server_id=result.check_id, reason=result.message,
                                   typename=result.typename)
        raise ValueError(f"unknown outbox kind {item.kind}")

    def drain(self, *, owner_id: str, now: float | None = None) -> dict[ItemState, int]:
        """Send every due item once, oldest first; returns how many ended in each state."""
        results = dict.fromkeys(ItemState, 0)
        for item in self.outbox.due(owner_id=owner_id, now=now):
            results[self.send(item)] += 1
        return results
