"""The demo mine's layout as plain data: its sensors, card readers and tags. The simulator publishes it, the
backend's demo seed registers it; neither imports the other."""

from __future__ import annotations

from contracts.sensors import LocationType, SensorKind

DEMO_MINE = "demo"
POLLING_SECONDS = 2.0
L, K = LocationType, SensorKind

#: (sensor id, kind, location, power zone, substation, baseline value)
DEMO_SENSORS: list[tuple[str, SensorKind, LocationType, str | None, str, float]] = [
    ("WF1-CH4-01", K.CH4, L.WORKING_FACE, "wf1", "ss1", 0.35),
    ("WF1-CH4-02", K.CH4, L.WORKING_FACE_RETURN, "wf1", "ss1", 0.30),
    ("WF1-CO-01", K.CO, L.WORKING_FACE, None, "ss1", 4.0),
    ("WF1-O2-01", K.O2, L.WORKING_FACE_INTAKE, None, "ss1", 20.8),
    ("WF1-T-01", K.TEMPERATURE, L.WORKING_FACE, None, "ss1", 23.0),
    ("WF1-ROOF-01", K.ROOF_SEPARATION, L.WORKING_FACE, None, "ss1", 3.0),
    ("WF1-SUP-01", K.SUPPORT_PRESSURE, L.WORKING_FACE, None, "ss1", 60.0),
    ("HF1-CH4-01", K.CH4, L.HEADING_FACE, "hf1", "ss2", 0.25),
    ("HF1-AS-01", K.AIR_SPEED, L.HEADING_FACE, None, "ss2", 1.2),
]

# --- personnel positioning (人员定位) ----------------------------------------------------------------------
#: (reader / anchor code, the demo area's code) — the backend's demo seed registers the same
DEMO_READERS: list[tuple[str, str]] = [
    ("R-LAMP", "LAMP-ROOM"), ("R-HAUL", "MAIN-HAUL"), ("R-15201-F", "15201-F"), ("R-15201-R", "15201-R"),
    ("R-15203-H", "15203-H"), ("R-SUBST", "SUBSTATION"), ("R-REFUGE", "REFUGE-1"),
]
#: (tag, username of its holder, route): a route is a loop of (reader, seconds seen there) and ("", seconds
#: walking between readers, seen by none) — walks long enough for the distance, so no jump is flagged
DEMO_TAGS: list[tuple[str, str, list[tuple[str, float]]]] = [
    ("TAG-W0001", "kuanggong1", [("R-LAMP", 20), ("", 40), ("R-HAUL", 20), ("", 80), ("R-15201-F", 400), ("", 120)]),
    ("TAG-T0001", "banzuzhang", [("R-LAMP", 10), ("", 40), ("R-HAUL", 10), ("", 80), ("R-15201-F", 420), ("", 120)]),
    ("TAG-T0002", "shifu", [("R-15201-F", 300), ("", 30), ("R-15201-R", 60), ("", 30)]),
    ("TAG-W0003", "tudi", [("R-15201-F", 360)]),
    ("TAG-W0002", "kuanggong2", [("R-HAUL", 30), ("", 90), ("R-15203-H", 300), ("", 90)]),
    ("TAG-Q0001", "quduizhang", [("R-15201-R", 60), ("", 30), ("R-15201-F", 90), ("", 90), ("R-HAUL", 60),
                                 ("", 90)]),
    ("TAG-M0001", "kuangzhang", [("R-LAMP", 60), ("", 40), ("R-HAUL", 60), ("", 80), ("R-15201-F", 120), ("", 80),
                                 ("R-HAUL", 30), ("", 40)]),
    ("TAG-S0001", "anjianyuan", [("R-HAUL", 60), ("", 60), ("R-15203-H", 120), ("", 90), ("R-REFUGE", 30),
                                 ("", 60)]),
]
