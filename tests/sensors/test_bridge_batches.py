"""The bridge splits what one flush gathered into batches the backend accepts (a mine-wide silence makes
thousands of alarm changes at once), written in one transaction with consecutive sequence numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts.sensors import PHYSICAL_RANGE, LocationType, SensorKind
from sensors.api import BridgeConfig, ForwardBatch
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.buffer import BridgeStore
from sensors.rules import SensorConfig, default_thresholds

T0 = datetime(2026, 11, 30, 8, tzinfo=UTC)


def config(n: int) -> BridgeConfig:
    low, high = PHYSICAL_RANGE[SensorKind.CH4]
    return BridgeConfig(mine_code="split", sensors=[
        SensorConfig(sensor_id=f"S{i:05d}", kind=SensorKind.CH4, location_type=LocationType.WORKING_FACE,
                     polling_seconds=2.0, physical_min=low, physical_max=high,
                     thresholds=default_thresholds(SensorKind.CH4, LocationType.WORKING_FACE))
        for i in range(n)])


def outbox(store: BridgeStore) -> list[ForwardBatch]:
    rows = store._db.execute("SELECT payload FROM outbox ORDER BY seq").fetchall()
    return [ForwardBatch.model_validate_json(p) for (p,) in rows]


def test_a_mine_wide_silence_and_a_big_burst_become_several_batches(tmp_path: Path) -> None:
    bridge = SensorBridge(config=config(450), store=BridgeStore(tmp_path / "b.sqlite"), backend=None,
                          options=BridgeOptions(max_batch_readings=5000, max_batch_changes=200))
    for round_ in range(27):  # 12,150 readings in one flush
        for i in range(450):
            bridge._reading(f"S{i:05d}", 0.3, T0 + timedelta(seconds=round_), T0 + timedelta(seconds=round_))
    bridge.flush()
    bridge.check_silent(T0 + timedelta(minutes=5))  # every sensor silent at once: 450 alarm changes
    bridge.flush()
    batches = outbox(bridge.store)
    assert [len(b.readings) for b in batches] == [5000, 5000, 2150, 0, 0, 0]
    assert [len(b.alarm_changes) for b in batches] == [0, 0, 0, 200, 200, 50]
    assert [b.bridge_seq for b in batches] == [1, 2, 3, 4, 5, 6]
    assert len({b.batch_id for b in batches}) == 6
    sensors = [c.sensor_id for b in batches for c in b.alarm_changes]
    assert sensors == [f"S{i:05d}" for i in range(450)]  # in order, each once
    assert bridge.store.load_states()["S00449"].fault is not None
