"""One mine's malformed alert_escalation_minutes never stops the sweep: defaults, a warning, and on it goes."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from backend.alerts import flows
from backend.alerts.rules import DEFAULT_ESCALATION_MINUTES, escalation_policy
from backend.org.models import Mine
from contracts.alerts import AlertSeverity
from tests.backend.alerts.api import raise_sensor_alert

S = AlertSeverity
DEFAULTS = {s: tuple(float(m) for m in DEFAULT_ESCALATION_MINUTES[s]) for s in AlertSeverity}
MALFORMED = [
    "5,15", 5, ["ALARM", 5], {"ALARM": "5"}, {"ALARM": 5}, {"ALARM": [5, "x"]}, {"ALARM": [None]},
    {"ALARM": [-1]}, {"ALARM": [float("nan")]}, {"ALARM": [float("inf")]}, {"ALARM": [True]}, {"ALARM": {"a": 1}},
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_overrides_fall_back_to_the_defaults_and_say_why(raw: object) -> None:
    policy, problems = escalation_policy(raw)
    assert policy == DEFAULTS and problems, (policy, problems)


def test_a_malformed_entry_keeps_the_well_formed_ones() -> None:
    policy, problems = escalation_policy({"ALARM": "soon", "WARNING": [1, 0.5], "BOGUS": "ignored"})
    assert policy[S.ALARM] == DEFAULTS[S.ALARM] and policy[S.WARNING] == (0.5, 1.0)
    assert len(problems) == 1 and problems[0].startswith("ALARM")
    assert escalation_policy(None) == (DEFAULTS, [])


@pytest.mark.parametrize("settings", [{"alert_escalation_minutes": {"ALARM": ["x"]}},
                                      {"alert_escalation_minutes": "fast"}, ["not", "a", "mapping"]])
async def test_one_mines_bad_setting_does_not_stop_the_sweep(platform, make_mine, caplog, settings) -> None:
    broken, healthy = await make_mine(), await make_mine()
    async with platform.session_factory() as session:
        (await session.get(Mine, broken.mine_id)).settings = settings  # type: ignore[union-attr]
        await session.commit()
    try:
        mine_alert = await raise_sensor_alert(platform, broken.mine_id, broken.areas[0], severity=S.ALARM)
        other_alert = await raise_sensor_alert(platform, healthy.mine_id, healthy.areas[0], severity=S.ALARM)
        with caplog.at_level(logging.WARNING, logger="backend.alerts.flows"):
            async with platform.session_factory() as session:
                done = await flows.escalate_due(session, now=other_alert.first_raised_at + timedelta(minutes=6))
                await session.commit()
        levels = {a.id: a.escalation_level for a in done}
        assert levels.get(other_alert.id) == 1  # the other mine goes on
        assert levels.get(mine_alert.id) == 1  # and the broken mine escalates on the defaults (5 min)
        # this sweep's own lines: a live server of the same test database may sweep in its own thread meanwhile
        warnings = [r.getMessage() for r in caplog.records
                    if str(broken.mine_id) in r.getMessage() and r.thread == threading.get_ident()]
        assert len(warnings) == 1 and "alert_escalation_minutes" in warnings[0], caplog.text
    finally:  # the sweep reads every mine of the shared test database
        async with platform.session_factory() as session:
            (await session.get(Mine, broken.mine_id)).settings = {}  # type: ignore[union-attr]
            await session.commit()
