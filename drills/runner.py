"""Runs a drill through the real pipeline: simulated readings and the simulated people's tag sightings on the
drill's MQTT topics (the bridge judges them with its edge rules and its sighting rules, and forwards them to the
backend's ingest), the camera events over GraphQL; evacuation starts when the bridge's drill power cut arrives on
the drill's control topic (the KJ system's cut is the order to withdraw).

A worker like the bridge: never imports the backend; a GraphQL client with the drill director's token, playing the
model and scenario the backend checked (``drills.model``). ``DrillTimeline`` is the pure part (what every sensor
reads at a drill second, who is sighted where).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import paho.mqtt.client as mqtt

from contracts.topics import drill_batch_topic, drill_control_topic, drill_sighting_topic
from drills.model import GasEvent, MineNetwork, PersonDown, RoofSeparation, Scenario
from drills.simulation import UNIT_FACTORS, GasField, Walker, WalkPlan, plan_evacuation, simulate_gas

logger = logging.getLogger(__name__)
GAS_KINDS = {"CH4", "CO", "CO2", "H2S"}
Sighting = tuple[float, str, str]  # (drill second, tag, reader)


@dataclass
class DrillTimeline:
    """The scenario played on the model: the gas field, then each sensor's reading at a drill second."""

    network: MineNetwork
    scenario: Scenario
    field: GasField

    def __post_init__(self) -> None:
        # every gas sensor's series as one matrix (rows: sensors, in their unit): a drill second is then one
        # interpolation of a column for all of them
        sensors = self.network.sensors
        zeros = np.zeros_like(self.field.times)
        rows = [self.field.series(s.kind, s.area) * UNIT_FACTORS.get(s.kind, 1.0) if s.kind in GAS_KINDS else zeros
                for s in sensors]
        self._series = np.array(rows) if rows else np.zeros((0, len(self.field.times)))
        self._baselines = np.array([s.baseline for s in sensors])
        self._roof = {e.sensor: e for e in self.scenario.events if isinstance(e, RoofSeparation)}

    def sensor_values(self, t: float) -> list[tuple[str, float]]:
        """Every sensor's reading at drill second ``t``: gas from the field (linear between steps), a roof
        separation from its event, the baseline otherwise."""
        times = self.field.times
        step = times[1] - times[0] if len(times) > 1 else 1.0
        position = min(max(t / step, 0.0), len(times) - 1.0)
        lo = int(position)
        hi = min(lo + 1, len(times) - 1)
        frac = position - lo
        column = self._baselines + self._series[:, lo] * (1 - frac) + self._series[:, hi] * frac
        out = []
        for i, sensor in enumerate(self.network.sensors):
            value = float(column[i])
            event = self._roof.get(sensor.id)
            if event is not None and event.at_s <= t:
                share = min(1.0, (t - event.at_s) / event.over_s) if event.over_s else 1.0
                value = event.from_mm + (event.to_mm - event.from_mm) * share
            out.append((sensor.id, round(value, 4)))
        return out

    def walkers(self) -> list[Walker]:
        """The scenario's people, each named by the tag they carry."""
        return [Walker(person=tag, area=g.area, speed_m_s=g.speed_m_s, reaction_s=g.reaction_s)
                for g in self.scenario.people for tag in g.tags]

    def initial_sightings(self) -> list[Sighting]:
        """Every person sighted at drill second 0 by the reader of the area they start in."""
        return [(0.0, w.person, reader) for w in self.walkers() if (reader := self.network.reader_in(w.area))]

    def route_sightings(self, plans: list[WalkPlan]) -> list[Sighting]:
        """The sightings of the walkers on their way out: each area of the route that has a reader sees them as they
        reach it; earliest first."""
        out = [(t, plan.walker.person, reader) for plan in plans for t, area in plan.passages()[1:]
               if (reader := self.network.reader_in(area))]
        return sorted(out)

    def evacuation(self, ordered_at_s: float) -> list[WalkPlan]:
        """The people of the areas affected by the gas events begun by ``ordered_at_s`` walk out, avoiding the
        areas contaminated then and the roadways blocked by then."""
        affected: set[str] = set()
        for event in self.scenario.events:
            if isinstance(event, GasEvent) and event.at_s <= ordered_at_s:
                affected.update(self.network.affected_areas(event.area))
        leaving = [w for w in self.walkers() if w.area in affected]
        return plan_evacuation(self.network, leaving, ordered_at_s=ordered_at_s,
                               contaminated=self.field.contaminated(ordered_at_s),
                               blocked=self.scenario.blocked_at(ordered_at_s))


def timeline(network: MineNetwork, scenario: Scenario, *, dt_s: float = 1.0) -> DrillTimeline:
    return DrillTimeline(network=network, scenario=scenario,
                         field=simulate_gas(network, scenario.gas_sources(), duration_s=scenario.duration_s, dt_s=dt_s,
                                            blockages=scenario.blockages()))


# --- GraphQL ------------------------------------------------------------------------------------------------------
START = "mutation($id: ID!) { startDrill(id: $id) { __typename ... on Drill { id code state startedAt speed } " \
        "... on InvalidTransition { message } ... on NotAllowed { message } ... on NotFound { message } } }"
FINISH = "mutation($id: ID!) { finishDrill(id: $id) { __typename ... on Drill { id state score reportUrl " \
         "results { kind after seconds who met note } } ... on InvalidTransition { message } " \
         "... on NotAllowed { message } } }"
UPLOAD = "mutation($i: RequestUploadInput!) { requestUpload(input: $i) { __typename ... on UploadTicket { key url " \
         "method headers { name value } } ... on NotAllowed { message } ... on ValidationFailed { message } } }"
VISION = "mutation($i: SubmitDrillVisionVideoInput!) { submitDrillVisionVideo(input: $i) { __typename " \
         "... on VisionJob { id state } ... on ValidationFailed { message } ... on InvalidTransition { message } " \
         "... on NotAllowed { message } ... on NotFound { message } } }"


class DrillApi:
    """The few GraphQL calls of a drill run (the director's token)."""

    def __init__(self, url: str, token: str) -> None:
        self._http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = self._http.post("/graphql", json={"query": query, "variables": variables})
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        data = next(iter(body["data"].values()))
        if data.get("__typename") not in ("Drill", "UploadTicket", "VisionJob"):
            raise RuntimeError(f"refused: {data}")
        return data

    def upload_video(self, video: bytes) -> str:
        """requestUpload(VIDEO), then PUT the bytes; returns the object key."""
        ticket = self.call(UPLOAD, {"i": {"kind": "VIDEO", "contentType": "video/mp4", "size": len(video)}})
        headers = {h["name"]: h["value"] for h in ticket["headers"]}
        with httpx.Client(timeout=30) as plain:  # the ticket's own URL (presigned or the backend's): no token
            plain.request(ticket["method"], ticket["url"], content=video, headers=headers).raise_for_status()
        return str(ticket["key"])

    def close(self) -> None:
        self._http.close()


def camera_video(seconds: float = 2.0, fps: int = 10, size: tuple[int, int] = (320, 180)) -> bytes:
    """A short camera video (MP4) of a dim roadway: the frames the vision worker samples and stages the drill's
    person down in."""
    import tempfile
    from pathlib import Path

    import cv2

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "drill.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        frame = np.full((size[1], size[0], 3), 40, dtype=np.uint8)
        for n in range(int(seconds * fps)):
            frame[:, :, 1] = 40 + n % 20  # a little change from frame to frame, as a real camera has
            writer.write(frame)
        writer.release()
        return path.read_bytes()


# --- the run ------------------------------------------------------------------------------------------------------
@dataclass
class RunRecord:
    """What a run did: batches published, sightings published, the drill second evacuation was ordered, each
    walker's passages through areas and (drill second) arrival at safety."""

    batches: int = 0
    readings: int = 0
    sightings: int = 0
    evacuation_ordered_s: float | None = None
    passages: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    arrivals: dict[str, float] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    vision_events: int = 0


class DrillRunner:
    def __init__(self, *, timeline: DrillTimeline, mine: str, drill_id: str, drill_code: str, speed: float,
                 api: DrillApi | None, mqtt_host: str = "127.0.0.1", mqtt_port: int = 1883, poll_s: float = 2.0,
                 mqtt_username: str | None = None, mqtt_password: str | None = None) -> None:
        self.timeline, self.mine, self.drill_id, self.code = timeline, mine, drill_id, drill_code
        self.speed, self.api, self.poll_s = speed, api, poll_s
        self.record = RunRecord()
        self._cut = threading.Event()
        self._client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
                                   client_id=f"minesafe-drill-{drill_code}")
        if mqtt_username:
            self._client.username_pw_set(mqtt_username, mqtt_password)
        self._client.on_message = self._on_command
        self._host, self._port = mqtt_host, mqtt_port

    @property
    def batch_topic(self) -> str:
        return drill_batch_topic(self.mine, self.code)

    @property
    def sighting_topic(self) -> str:
        return drill_sighting_topic(self.mine, self.code)

    def _on_command(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        try:
            command = json.loads(message.payload)
        except ValueError:
            return
        self.record.commands.append(command)
        if command.get("action") == "CUT":
            self._cut.set()

    def run(self, *, started_at: datetime, until_s: float | None = None) -> RunRecord:
        """Play the scenario from drill second 0 (``started_at``, the backend's start) to ``until_s`` (default: the
        scenario's end), in real time divided by the speed."""
        until_s = self.timeline.scenario.duration_s if until_s is None else until_s
        self._client.connect(self._host, self._port)
        self._client.subscribe(drill_control_topic(self.mine, self.code, "#"), qos=1)
        self._client.loop_start()
        pending_vision = sorted((e for e in self.timeline.scenario.events if isinstance(e, PersonDown)),
                                key=lambda e: e.at_s)
        sightings = self.timeline.initial_sightings()
        start = time.monotonic()
        next_poll = 0.0
        try:
            while True:
                t = (time.monotonic() - start) * self.speed
                if t > until_s:
                    break
                if t >= next_poll:
                    self._publish(t)
                    next_poll += self.poll_s
                while pending_vision and pending_vision[0].at_s <= t:
                    self._camera_video(pending_vision.pop(0), started_at)
                if self._cut.is_set() and self.record.evacuation_ordered_s is None:
                    self.record.evacuation_ordered_s = t
                    plans = self.timeline.evacuation(t)
                    self.record.passages = {p.walker.person: p.passages() for p in plans}
                    self.record.arrivals = {p.walker.person: p.arrive_s for p in plans if p.arrive_s is not None}
                    sightings = sorted(sightings + self.timeline.route_sightings(plans))
                    logger.info("drill %s: power cut at drill second %.0f, %s people evacuate", self.code, t,
                                len(plans))
                due = [s for s in sightings if s[0] <= t]
                if due:
                    self._sightings(due, started_at)
                    sightings = sightings[len(due):]
                time.sleep(max(0.0, min(0.05, (next_poll - t) / self.speed)))
        finally:
            self._client.loop_stop()
            self._client.disconnect()
        return self.record

    def _publish(self, t: float) -> None:
        values = self.timeline.sensor_values(t)
        now = datetime.now(UTC)
        payload = {"seq": self.record.batches,
                   "readings": [{"sensor_id": s, "value": v, "ts": now.isoformat()} for s, v in values]}
        self._client.publish(self.batch_topic, json.dumps(payload), qos=1)
        self.record.batches += 1
        self.record.readings += len(values)

    def _camera_video(self, event: PersonDown, started_at: datetime) -> None:
        """The camera's video of the person down goes to the vision queue (the worker stages the person in it)."""
        if self.api is not None:
            key = self.api.upload_video(camera_video())
            recorded = started_at + timedelta(seconds=event.at_s / self.speed)
            self.api.call(VISION, {"i": {"drillId": self.drill_id, "camera": event.camera, "objectKey": key,
                                         "recordedAt": recorded.isoformat()}})
        self.record.vision_events += 1

    def _sightings(self, due: list[Sighting], started_at: datetime) -> None:
        """One message per reader, as a reader's poll: the tags it saw, dated at their drill second."""
        by_reader: dict[str, list[dict[str, str]]] = {}
        for t, tag, reader in due:
            at = started_at + timedelta(seconds=t / self.speed)
            by_reader.setdefault(reader, []).append({"tag": tag, "ts": at.isoformat()})
        for reader, items in sorted(by_reader.items()):
            payload = {"reader": reader, "seq": self.record.sightings, "sightings": items}
            self._client.publish(self.sighting_topic, json.dumps(payload), qos=1)
            self.record.sightings += len(items)
