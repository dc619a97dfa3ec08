"""Who may change the sensor registry: small classes named for what they allow."""

from __future__ import annotations

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed


class CanManageSensors:
    """Sensors, thresholds and power zones are the admin's (DOMAIN.md roles), in the admin's own mine."""

    @staticmethod
    def check(actor: Principal) -> None:
        if actor.is_device or Role.ADMIN not in actor.roles:
            raise NotAllowed("sensors, thresholds and power zones are changed by an admin")
