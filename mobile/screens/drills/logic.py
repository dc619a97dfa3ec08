"""Pure formatting of a participant's drills (no Kivy): one card a drill."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mobile.api.drills import DrillResponse, MyDrill

Translate = Callable[..., str]


def response_line(response: DrillResponse, t: Translate) -> str:
    """``✓ Alarm (after gas): 12 s of 60 s · sensor bridge`` / ``× Hazard opened (after gas): missed``."""
    what = t(f"drills.kind.{response.kind}")
    head = f"{'✓' if response.met else '×'} {what} ({t('drills.after', event=response.after)})"
    if response.seconds is None:
        return f"{head}: {t('drills.missed')}"
    took = t("drills.took", s=f"{response.seconds:.0f}", limit=f"{response.within_s:.0f}")
    who = f" · {response.who}" if response.who else ""
    late = "" if response.met else f" · {t('drills.late')}"
    return f"{head}: {took}{who}{late}"


def card(drill: MyDrill, t: Translate) -> dict[str, Any]:
    state = t(f"drills.state.{drill.state}")
    title = f"{drill.name} · {state}"
    if drill.score is not None:
        title += f" · {t('drills.score', score=f'{drill.score:.0f}')}"
    lines = [response_line(r, t) for r in drill.responses] if drill.state == "FINISHED" else []
    if drill.state == "RUNNING":
        lines = [t("drills.running_hint")]
    return {"item_id": drill.id, "title": title, "task": t("drills.task", task=drill.task),
            "result": "\n".join(lines)}
