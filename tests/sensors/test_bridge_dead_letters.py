"""A batch the backend refuses for good loses only what was refused: its readings are sent again without the alarm
changes, and only the changes are dead-lettered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sensors.api import ForwardBatch, RejectedError
from sensors.bridge import SensorBridge
from sensors.buffer import BridgeStore
from tests.sensors.test_bridge_batches import config

T0 = datetime(2026, 11, 30, 8, tzinfo=UTC)


class RefusesAlarmChanges:
    """A backend that refuses any batch carrying an alarm change (as a ValidationFailed would)."""

    def __init__(self, refuse_readings: bool = False) -> None:
        self.refuse_readings = refuse_readings
        self.accepted: list[ForwardBatch] = []

    def ingest(self, batch_json: str) -> dict[str, object]:
        batch = ForwardBatch.model_validate_json(batch_json)
        if batch.alarm_changes or self.refuse_readings:
            raise RejectedError("ValidationFailed: reason is required")
        self.accepted.append(batch)
        return {"duplicate": False}


def dead_letters(store: BridgeStore) -> list[ForwardBatch]:
    rows = store._db.execute("SELECT payload FROM dead_letters ORDER BY seq").fetchall()
    return [ForwardBatch.model_validate_json(p) for (p,) in rows]


def bridge_with_a_batch(tmp_path: Path, backend: RefusesAlarmChanges) -> SensorBridge:
    bridge = SensorBridge(config=config(3), store=BridgeStore(tmp_path / "b.sqlite"), backend=backend)  # type: ignore[arg-type]
    bridge._reading("S00000", 0.3, T0)
    bridge._reading("S00001", 0.3, T0 + timedelta(seconds=10))
    bridge.check_silent(T0 + timedelta(seconds=11))  # one alarm change (S00000 silent) in the same flush
    bridge.flush()
    return bridge


def test_a_refused_alarm_change_never_costs_the_batchs_readings(tmp_path: Path) -> None:
    backend = RefusesAlarmChanges()
    bridge = bridge_with_a_batch(tmp_path, backend)
    assert bridge.forward_once()
    [stored] = backend.accepted
    assert [r.sensor_id for r in stored.readings] == ["S00000", "S00001"] and stored.alarm_changes == []
    [dead] = dead_letters(bridge.store)
    assert dead.batch_id == stored.batch_id and dead.readings == [] and len(dead.alarm_changes) == 1
    assert bridge.store.pending_count() == 0 and bridge.stats["dead_letters"] == 1


def test_a_batch_refused_without_its_changes_too_is_dead_lettered_whole(tmp_path: Path) -> None:
    backend = RefusesAlarmChanges(refuse_readings=True)
    bridge = bridge_with_a_batch(tmp_path, backend)
    assert bridge.forward_once()
    [dead] = dead_letters(bridge.store)
    assert len(dead.readings) == 2 and len(dead.alarm_changes) == 1
    assert backend.accepted == [] and bridge.store.pending_count() == 0
