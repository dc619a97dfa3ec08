"""A batch the backend refuses for good loses only what was refused: its readings are sent again without the alarm
changes, and only the changes are dead-lettered. A retryable error, or a refused token, keeps the batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts.client import Refused, Unauthenticated, Unavailable
from contracts.errors import ErrorCode
from sensors.api import ForwardBatch
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
            raise Refused(ErrorCode.BAD_USER_INPUT, "reason is required", field="alarmChanges.0.detail")
        self.accepted.append(batch)
        return {"duplicate": False}


def dead_letters(store: BridgeStore) -> list[ForwardBatch]:
    rows = store._db.execute("SELECT payload FROM dead_letters ORDER BY seq").fetchall()
    return [ForwardBatch.model_validate_json(p) for (p,) in rows]


def bridge_with_a_batch(tmp_path: Path, backend: object) -> SensorBridge:
    bridge = SensorBridge(config=config(3), store=BridgeStore(tmp_path / "b.sqlite"), backend=backend)  # type: ignore[arg-type]
    bridge._reading("S00000", 0.3, T0, T0)  # heard at T0 by the bridge's clock
    bridge._reading("S00001", 0.3, T0 + timedelta(seconds=10), T0 + timedelta(seconds=10))
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


class Fails:
    """A backend answering every batch with one error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def ingest(self, batch_json: str) -> dict[str, object]:
        raise self.error


@pytest.mark.parametrize("error", [Unavailable("database down", retry_after=5), Unauthenticated("token revoked"),
                                   Refused(ErrorCode.FORBIDDEN, "this token is not a sensor bridge's")],
                         ids=["retryable", "revoked-token", "forbidden-token"])
def test_a_retryable_error_or_a_refused_token_keeps_the_batch(tmp_path: Path, error: Exception) -> None:
    bridge = bridge_with_a_batch(tmp_path, Fails(error))
    with pytest.raises(type(error)):
        bridge.forward_once()
    assert bridge.store.pending_count() == 1 and dead_letters(bridge.store) == []
