"""Drills (应急演练) as the app reads them: a participant's task and the drill's result.

Every call blocks: run it off the UI thread. The app never imports backend code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mobile.api.client import ApiClient
from mobile.api.models import parse_time

MY_DRILLS = """
query MyDrills {
  myDrills {
    task
    drill { id name state startedAt finishedAt score results { kind after withinS seconds who met note } }
  }
}"""


@dataclass(frozen=True, slots=True)
class DrillResponse:
    kind: str                 # ALARM, POWER_CUT, ACKNOWLEDGE, EVACUATE, PERMITS_SUSPENDED, HAZARD_OPENED
    after: str
    within_s: float
    seconds: float | None
    who: str | None
    met: bool
    note: str


@dataclass(frozen=True, slots=True)
class MyDrill:
    id: str
    name: str
    state: str                # PLANNED, RUNNING, FINISHED
    task: str
    started_at: datetime | None
    finished_at: datetime | None
    score: float | None
    responses: tuple[DrillResponse, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> MyDrill:
        drill = data["drill"]
        return cls(id=str(drill["id"]), name=drill.get("name") or "", state=drill.get("state") or "",
                   task=data.get("task") or "", started_at=parse_time(drill.get("startedAt")),
                   finished_at=parse_time(drill.get("finishedAt")), score=drill.get("score"),
                   responses=tuple(DrillResponse(kind=r["kind"], after=r["after"], within_s=r["withinS"],
                                                 seconds=r.get("seconds"), who=r.get("who"), met=bool(r["met"]),
                                                 note=r.get("note") or "")
                                   for r in drill.get("results") or ()))


class DrillsApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def my_drills(self) -> list[MyDrill]:
        return [MyDrill.from_api(d) for d in self.client.execute(MY_DRILLS)["myDrills"]]
