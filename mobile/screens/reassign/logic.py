"""Reassigning without ever applying twice.

reassignHazard carries no client id. A server before bb6eef0 reassigns again when the same request is
sent again after a reply was lost (a second audit entry, a second live event); a newer one answers such a
retry without a transition, but only while the hazard is still ASSIGNED with that person, team and
deadline. So, whatever the server, before every send the hazard is read:
when it already names the chosen person, an earlier send went through and that is the success; and an
InvalidTransition whose hazard now names the chosen person is a success too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from contracts.client import ApiError
from mobile.api.models import Hazard, MutationResult, Outcome

logger = logging.getLogger(__name__)


class ReassignApi(Protocol):
    def hazard(self, hazard_id: str) -> Hazard | None: ...

    def reassign(self, *, hazard_id: str, responsible_id: str, reason: str) -> MutationResult: ...


@dataclass(frozen=True, slots=True)
class Reassigned:
    ok: bool
    hazard: Hazard | None = None
    already: bool = False          # an earlier send (a lost reply) had done it: nothing was sent again
    message: str = ""
    sends: int = 0                 # how many reassignHazard requests went out


def names(hazard: Hazard | None, person_id: str) -> bool:
    """Whether the hazard's responsible person is `person_id`."""
    return hazard is not None and hazard.responsible is not None and hazard.responsible.id == person_id


def reassign_once(api: ReassignApi, *, hazard_id: str, person_id: str, reason: str, attempts: int = 4,
                  base_delay_s: float = 0.5, sleep: Callable[[float], None] | None = None) -> Reassigned:
    """Reassign `hazard_id` to `person_id`: transient failures are retried, each send preceded by a read that
    tells whether an earlier send already did it. Non-transient API errors are raised."""
    sends = 0
    for attempt in range(attempts):
        try:
            current = api.hazard(hazard_id)
            if names(current, person_id):
                return Reassigned(ok=True, hazard=current, already=True, sends=sends)
            sends += 1
            result = api.reassign(hazard_id=hazard_id, responsible_id=person_id, reason=reason)
        except ApiError as error:
            if not error.retryable or attempt == attempts - 1:
                raise
            delay = base_delay_s * (2 ** attempt)
            logger.info("reassign %s: %s; reading the hazard again in %.1f s", hazard_id, error, delay)
            (sleep or time.sleep)(delay)
            continue
        if result.outcome is Outcome.OK:
            return Reassigned(ok=True, hazard=result.hazard, sends=sends)
        if result.typename == "InvalidTransition":
            now = api.hazard(hazard_id)
            if names(now, person_id):          # "already assigned to X" and X is the person chosen
                return Reassigned(ok=True, hazard=now, already=True, sends=sends)
        return Reassigned(ok=False, message=result.message, sends=sends)
    raise AssertionError("unreachable")
