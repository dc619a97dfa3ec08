"""The app's screens, one folder each; to add a screen add its folder and one line here.

Order matters only for the first screen that is loaded; the home menu uses ScreenSpec.menu_order.
"""

SCREENS: tuple[str, ...] = (
    "server",
    "login",
    "home",
    "report",
    "outbox",
    "mywork",
    "hazards",
    "hazard",
    "rectify",
    "triage",
    "reinspect",
    "reassign",
    "trace",
    "settings",
    "alerts",
    "alert",
    "raise_alert",
    "training",
    "duties",
    "duty_lists",
    "myreports",
    "dashboard",
    "kpi_hazards",
    "reports",
    "risk_map",
    "risk_point",
    "checklist",
    "permits",
    "permit",
    "permit_apply",
    "people",
    "drills",
)
