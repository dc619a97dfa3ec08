"""Sensor alert titles in the reader's language (kivy-free: the alarm service uses it too)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from contracts.alerts import AlertSource
from contracts.vision import ZoneRule
from mobile.api.alerts import Alert
from mobile.i18n import STRINGS

# the backend's English title of a sensor alert: "<KIND> <what> at <code>[: <value> <unit>]"
# (backend/sensors/rules.py alert_title); parsed here so that the app can say it in the user's language
_SENSOR_TITLE = re.compile(r"^(?P<kind>[A-Z0-9_]+) (?P<what>power cut|rising fast|fault|alarm|warning|normal) "
                           r"at (?P<code>[^:]+?)(?:: (?P<value>.+))?$")


@dataclass(frozen=True, slots=True)
class SensorTitle:
    kind: str
    what: str            # power_cut | rising_fast | fault | alarm | warning | normal
    code: str
    value: str           # "1.56 %" or ""


def parse_sensor_title(alert: Alert) -> SensorTitle | None:
    """The parts of a sensor alert's title (None for any other alert, or a title the app does not know)."""
    if alert.source is not AlertSource.SENSOR:
        return None
    found = _SENSOR_TITLE.match(alert.title.strip())
    if found is None:
        return None
    return SensorTitle(kind=found["kind"], what=found["what"].replace(" ", "_"), code=found["code"].strip(),
                       value=(found["value"] or "").strip())


OVERDUE_PREFIX = "Hazard overdue: "      # backend/alerts/flows.py sweep_overdue_hazards
# a camera's: "<rule, lower case with spaces>: <zone or camera name> (<camera code>)" (backend/vision/flows.py)
_VISION_TITLE = re.compile(r"^(?P<rule>" + "|".join(r.replace("_", " ").lower() for r in ZoneRule)
                           + r"): (?P<where>.+) \((?P<code>[^()]+)\)$")


def title_text(alert: Alert, tr: Callable[..., str]) -> str:
    """The alert's title as the user reads it: what the system wrote (a sensor's, an overdue hazard's) in their
    language; what a person wrote, as written."""
    if alert.source is AlertSource.HAZARD_OVERDUE and alert.title.startswith(OVERDUE_PREFIX):
        return tr("alerts.overdue_title", description=alert.title[len(OVERDUE_PREFIX):])
    if alert.source is AlertSource.VISION:
        found = _VISION_TITLE.match(alert.title.strip())
        if found is not None:
            rule = tr(f"vision.rule.{found['rule'].upper().replace(' ', '_')}")
            return tr("vision.title", rule=rule, where=found["where"], code=found["code"])
    parts = parse_sensor_title(alert)
    if parts is None:
        return alert.title or "—"
    kind_key = f"sensor.kind.{parts.kind}"
    kind = tr(kind_key) if kind_key in STRINGS else parts.kind
    what = tr(f"sensor.what.{parts.what}")
    if parts.value:
        return tr("sensor.title_value", kind=kind, what=what, code=parts.code, value=parts.value)
    return tr("sensor.title", kind=kind, what=what, code=parts.code)


