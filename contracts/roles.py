"""The roles of DOMAIN.md: who a person (or a device) is to the server and to every client."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    MINER = "miner"
    TEAM_LEADER = "team_leader"
    SAFETY_OFFICER = "safety_officer"
    MENTOR = "mentor"
    AREA_MANAGER = "area_manager"
    MINE_MANAGER = "mine_manager"
    ADMIN = "admin"
    DEVICE = "device"

    @classmethod
    def parse(cls, value: str) -> Role | None:
        """The role a value names in either spelling (the API's ``MINER`` or ``miner``); None when unknown."""
        try:
            return cls(value.lower())
        except ValueError:
            return None
