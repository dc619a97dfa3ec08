"""What the alarm says: the notification's heading and text, and the in-app banner (in the user's language)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mobile.alarms.titles import title_text
from mobile.api.alerts import Alert


def where(alert: Alert, tr: Callable[..., str]) -> str:
    return alert.area.name if alert.area else tr("alerts.mine_wide")


def notification(alert: Alert, escalated: bool, tr: Callable[..., str]) -> tuple[str, str]:
    """(heading, text): `严重 · Area 0`, `CH4-3101 甲烷断电：1.56 %` (or `已升级上报给您：…`)."""
    title = title_text(alert, tr)
    heading = tr("alarm.notify_title", severity=tr(f"alerts.severity.{alert.severity.value}"), where=where(alert, tr))
    return heading, tr("alarm.escalated", title=title) if escalated else title


def banner(ringing: Sequence[Alert], tr: Callable[..., str]) -> str:
    """The line on top of every screen: the most severe ringing alert, and how many more ring."""
    if not ringing:
        return ""
    top = ringing[0]
    text = tr("alarm.banner", severity=tr(f"alerts.severity.{top.severity.value}"),
              title=title_text(top, tr), where=where(top, tr))
    return text + (tr("alarm.more", n=len(ringing) - 1) if len(ringing) > 1 else "")
