"""The sensor bridge: MQTT in → validate → edge rules → control commands out → batches to the backend.

Threads: paho's network loop runs ``on_message`` (decode, rules, control publish: the safety path
never waits for anything else); a flusher writes the pending readings, alarm changes and sensor
states to the SQLite outbox in one transaction and only then acknowledges the MQTT messages
(manual PUBACK, so a crash before the write means the broker redelivers); a forwarder sends the
outbox to the backend oldest first and deletes a batch once accepted; a watchdog raises
"silent sensor" faults.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from pydantic import ValidationError

from sensors.api import (
    AuthError,
    BackendClient,
    BridgeConfig,
    ForwardBatch,
    ForwardReading,
    RejectedError,
    TransientError,
)
from sensors.buffer import BridgeStore, OutboxEntry
from sensors.messages import (
    SENSOR_ID_PATTERN,
    BridgeStatus,
    ControlCommand,
    PowerAction,
    SensorReadingMessage,
    SubstationBatchMessage,
    control_topic,
    status_topic,
    subscriptions,
)
from sensors.rules import (
    SILENT_CYCLES,
    AlarmChange,
    AlarmEvent,
    FaultKind,
    ReadingVerdict,
    SensorConfig,
    SensorState,
    check_silence,
    evaluate,
    zone_action,
    zone_holders_after,
)

logger = logging.getLogger(__name__)


@dataclass
class BridgeOptions:
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    client_id: str = "minesafe-sensor-bridge"
    flush_interval_s: float = 0.2
    # flush (and so PUBACK) at once when this many QoS 1 messages await their acknowledgement: the broker stops
    # delivering at its inflight window (mosquitto: 20), and a power-cut reading queued behind a burst would
    # otherwise wait for the next flush interval (p99 175 ms at 3,000 sensors / 2 s)
    ack_window: int = 10
    max_batch_readings: int = 5000
    max_batch_changes: int = 200  # each becomes an audited alert step in the backend: keep a call short
    silence_check_interval_s: float = 1.0
    backoff_min_s: float = 0.5
    backoff_max_s: float = 30.0
    config_refresh_s: float = 60.0


@dataclass
class _Pending:
    readings: list[ForwardReading] = field(default_factory=list)
    changes: list[AlarmChange] = field(default_factory=list)
    acks: list[tuple[int, int]] = field(default_factory=list)  # (connection generation, mid)
    dirty: set[str] = field(default_factory=set)
    zones_dirty: set[str] = field(default_factory=set)


def parse_mqtt_url(url: str) -> tuple[str, int]:
    """``mqtt://host:port`` → (host, port)."""
    parsed = urlparse(url if "://" in url else f"mqtt://{url}")
    if parsed.scheme not in ("mqtt", "tcp"):
        raise ValueError(f"unsupported MQTT URL scheme {parsed.scheme!r} (use mqtt://host:port)")
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


class SensorBridge:
    """One bridge for one mine. ``start()`` returns at once; ``stop()`` flushes and disconnects."""

    def __init__(
        self,
        *,
        config: BridgeConfig,
        store: BridgeStore,
        backend: BackendClient | None,
        options: BridgeOptions | None = None,
    ) -> None:
        self.options = options or BridgeOptions()
        self.store = store
        self.backend = backend
        self.stats: Counter[str] = Counter()
        self._lock = threading.RLock()
        self._pending = _Pending()
        self._stop = threading.Event()
        self._outbox_signal = threading.Event()
        self._flush_signal = threading.Event()
        self._threads: list[threading.Thread] = []
        self._generation = 0
        self.connected = threading.Event()  # set once connected AND subscribed
        self._subscribe_mid: int | None = None
        self._apply_config(config)
        self.states: dict[str, SensorState] = store.load_states()
        self.zones: dict[str, frozenset[str]] = store.load_zones()
        self._client = self._make_client()

    # --- configuration ---------------------------------------------------------------------
    def _apply_config(self, config: BridgeConfig) -> None:
        with self._lock:
            self.config = config
            self.mine = config.mine_code
            self.sensors: dict[str, SensorConfig] = {s.sensor_id: s for s in config.sensors}
        self.store.set_meta("config", config.model_dump_json())

    # --- MQTT -----------------------------------------------------------------------------
    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        offline = BridgeStatus(online=False, client_id=self.options.client_id, at=datetime.now(UTC))
        client.will_set(status_topic(self.mine), offline.model_dump_json(), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                    properties: object) -> None:
        if getattr(reason, "is_failure", False):
            logger.warning("MQTT connect refused: %s", reason)
            return
        with self._lock:
            self._generation += 1
        _, self._subscribe_mid = client.subscribe([(topic, 1) for topic in subscriptions(self.mine)])
        online = BridgeStatus(online=True, client_id=self.options.client_id, at=datetime.now(UTC))
        client.publish(status_topic(self.mine), online.model_dump_json(), qos=1, retain=True)
        self.stats["connects"] += 1
        logger.info("bridge connected to MQTT %s:%s (session present: %s)", self.options.mqtt_host,
                    self.options.mqtt_port, getattr(flags, "session_present", None))

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int, reason_codes: object,
                      properties: object) -> None:
        """Ready once the broker acknowledged every subscription (a fresh broker has no session to resume)."""
        if mid == self._subscribe_mid:
            self.connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                       properties: object) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            self.stats["disconnects"] += 1
            logger.warning("bridge lost MQTT connection (%s); paho reconnects with backoff", reason)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            ack = (self._generation, message.mid)
            try:
                self._handle(message.topic, message.payload)
            except Exception:  # never let one message stop the bridge
                self.stats["errors"] += 1
                logger.exception("error handling message on %s", message.topic)
            if message.qos > 0:
                self._pending.acks.append(ack)
                if len(self._pending.acks) >= self.options.ack_window:
                    self._flush_signal.set()

    def _malformed(self, topic: str, why: str) -> None:
        self.stats["malformed"] += 1
        logger.warning("malformed message on %s: %s", topic, why[:300])

    def _handle(self, topic: str, payload: bytes) -> None:
        parts = topic.split("/")
        if len(parts) != 5 or parts[0] != "minesafe" or parts[1] != self.mine:
            self._malformed(topic, "unexpected topic")
            return
        try:
            if parts[2] == "sensors" and parts[4] == "reading":
                if not re.match(SENSOR_ID_PATTERN, parts[3]):
                    self._malformed(topic, "bad sensor id")
                    return
                reading = SensorReadingMessage.model_validate_json(payload)
                self._reading(parts[3], reading.value, reading.ts)
            elif parts[2] == "substations" and parts[4] == "batch":
                batch = SubstationBatchMessage.model_validate_json(payload)  # parsed and checked in one pass
                for item in batch.readings:
                    self._reading(item.sensor_id, item.value, item.ts)
            else:
                self._malformed(topic, "unexpected topic")
        except ValidationError as error:
            self._malformed(topic, str(error))

    def _reading(self, sensor_id: str, value: float, ts: datetime) -> None:
        self.stats["readings_in"] += 1
        config = self.sensors.get(sensor_id)
        if config is None:
            self.stats["unknown_sensor"] += 1
            self._pending.readings.append(ForwardReading(sensor_id=sensor_id, value=value, ts=ts))
            return
        state = self.states.get(sensor_id, SensorState())
        result = evaluate(config, state, value, ts)
        if result.verdict is ReadingVerdict.DUPLICATE:
            self.stats["duplicate"] += 1
            return
        if result.verdict is ReadingVerdict.STALE:
            self.stats["out_of_order"] += 1  # kept for history, not judged
        self.states[sensor_id] = result.state
        self._pending.dirty.add(sensor_id)
        self._pending.readings.append(
            ForwardReading(sensor_id=sensor_id, value=value, ts=ts,
                           fault=result.verdict is ReadingVerdict.FAULTY)
        )
        self._apply_changes(config, result.changes, value, ts)

    def _apply_changes(self, config: SensorConfig, changes: list[AlarmChange], value: float | None,
                       ts: datetime) -> None:
        for change in changes:
            self._pending.changes.append(change)
            self.stats[f"change_{change.event.value.lower()}"] += 1
            if change.event in (AlarmEvent.POWER_CUT, AlarmEvent.POWER_RESTORED) and config.power_zone:
                self._zone_decision(config, change.event is AlarmEvent.POWER_CUT, value, ts, change.detail)

    def _zone_decision(self, config: SensorConfig, holds: bool, value: float | None, ts: datetime,
                       reason: str) -> None:
        zone = config.power_zone
        assert zone is not None
        before = self.zones.get(zone, frozenset())
        after = zone_holders_after(before, config.sensor_id, holds)
        self.zones[zone] = after
        self._pending.zones_dirty.add(zone)
        action = zone_action(before, after)
        if action is None:
            return
        command = ControlCommand(
            power_zone=zone, action=PowerAction(action), sensor_ids=sorted(after),
            trigger_sensor_id=config.sensor_id, trigger_value=value, reason=reason,
            reading_ts=ts, issued_at=datetime.now(UTC),
        )
        self._client.publish(control_topic(self.mine, zone), command.model_dump_json(), qos=1, retain=True)
        self.stats[f"control_{action.lower()}"] += 1
        logger.warning("power %s for zone %s: %s", action, zone, reason)

    # --- flusher --------------------------------------------------------------------------
    def flush(self) -> int | None:
        """Write pending data to the outbox, then acknowledge the MQTT messages it came from."""
        with self._lock:
            pending, self._pending = self._pending, _Pending()
            states = {sid: self.states[sid] for sid in pending.dirty if sid in self.states}
            zones = {z: self.zones[z] for z in pending.zones_dirty}
            generation = self._generation
        if not (pending.readings or pending.changes or pending.acks or states or zones):
            return None

        entries = self.store.append_batches(build_payloads=self._batch_builders(pending), states=states, zones=zones)
        for ack_generation, mid in pending.acks:
            if ack_generation == generation:  # a mid of an older connection would ack a stranger
                self._client.ack(mid, 1)
        if entries:
            self.stats["batches_written"] += len(entries)
            self._outbox_signal.set()
            return entries[-1].seq
        return None

    def _batch_builders(self, pending: _Pending) -> list[Callable[[int, str], str | None]]:
        """The pending data as batches the backend accepts: at most max_batch_readings readings and
        max_batch_changes alarm changes each (a mine-wide silence makes thousands of changes at once)."""
        step_r, step_c = self.options.max_batch_readings, self.options.max_batch_changes
        count = max(-(-len(pending.readings) // step_r), -(-len(pending.changes) // step_c))

        def builder(index: int) -> Callable[[int, str], str | None]:
            def build(seq: int, batch_id: str) -> str | None:
                readings = pending.readings[index * step_r:(index + 1) * step_r]
                changes = pending.changes[index * step_c:(index + 1) * step_c]
                if not readings and not changes:
                    return None
                return ForwardBatch(batch_id=batch_id, bridge_seq=seq, readings=readings,
                                    alarm_changes=changes).model_dump_json()
            return build

        return [builder(i) for i in range(count)]

    def _flush_loop(self) -> None:
        while not self._stop.is_set():
            self._flush_signal.wait(self.options.flush_interval_s)  # the interval, or earlier: see ack_window
            self._flush_signal.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
            except Exception:
                logger.exception("flush failed; will retry")

    # --- watchdog -------------------------------------------------------------------------
    def check_silent(self, now: datetime | None = None) -> None:
        """Raise "silent" faults. The scan of every sensor runs without the lock (plain reads of dicts the
        network thread replaces, never mutates in place); only the few silent ones are re-checked and applied
        under it, so a reading that crosses a threshold never waits for a scan of thousands of sensors."""
        now = now or datetime.now(UTC)
        sensors, states = self.sensors, dict(self.states)
        silent = [sensor_id for sensor_id, config in sensors.items()
                  if (state := states.get(sensor_id)) is not None and state.fault is not FaultKind.SILENT
                  and state.last_ts is not None
                  and (now - state.last_ts).total_seconds() > SILENT_CYCLES * config.polling_seconds]
        for start in range(0, len(silent), 100):  # a mine-wide silence: the lock is given up between slices
            with self._lock:
                for sensor_id in silent[start:start + 100]:
                    config, state = self.sensors.get(sensor_id), self.states.get(sensor_id)
                    if config is None or state is None:
                        continue
                    result = check_silence(config, state, now)
                    if result.changes:
                        self.states[sensor_id] = result.state
                        self._pending.dirty.add(sensor_id)
                        self.stats["silent"] += 1
                        self._apply_changes(config, result.changes, None, now)

    def _silence_loop(self) -> None:
        while not self._stop.wait(self.options.silence_check_interval_s):
            try:
                self.check_silent()
            except Exception:
                logger.exception("silence check failed")

    # --- forwarder ------------------------------------------------------------------------
    def forward_once(self) -> bool:
        """Send the oldest outbox batch. True if one was accepted (or dead-lettered)."""
        if self.backend is None:
            return False
        entry = self.store.oldest()
        if entry is None:
            return False
        try:
            result = self.backend.ingest(entry.payload)
        except RejectedError as error:
            result = self._salvage_readings(entry, error)
            if result is None:
                return True
        self.store.remove(entry.seq)
        self.stats["batches_forwarded"] += 1
        if result.get("duplicate"):
            self.stats["batches_duplicate"] += 1
        return True

    def _salvage_readings(self, entry: OutboxEntry, error: RejectedError) -> dict[str, object] | None:
        """A batch refused for good: when it carries alarm changes, its readings alone are sent again (same batch
        id: the refused one was never stored) and only the changes are dead-lettered — one bad alarm change
        never costs the readings. Returns the backend's answer, or None once all of it is dead-lettered."""
        assert self.backend is not None
        batch = ForwardBatch.model_validate_json(entry.payload)
        if batch.alarm_changes and batch.readings:
            readings_only = batch.model_copy(update={"alarm_changes": []}).model_dump_json()
            changes_only = batch.model_copy(update={"readings": []}).model_dump_json()
            try:
                result = self.backend.ingest(readings_only)
            except RejectedError:
                pass
            else:
                logger.error("backend refused batch %s (seq %s) for good: %s; its %s readings were stored, its %s "
                             "alarm changes dead-lettered", entry.batch_id, entry.seq, error, len(batch.readings),
                             len(batch.alarm_changes))
                self.store.move_to_dead_letters(replace(entry, payload=changes_only), str(error))
                self.stats["dead_letters"] += 1
                return result
        logger.error("backend refused batch %s (seq %s) for good: %s", entry.batch_id, entry.seq, error)
        self.store.move_to_dead_letters(entry, str(error))
        self.stats["dead_letters"] += 1
        return None

    def _forward_loop(self) -> None:
        delay = self.options.backoff_min_s
        while not self._stop.is_set():
            try:
                if self.forward_once():
                    delay = self.options.backoff_min_s
                    continue
                self._outbox_signal.wait(0.5)
                self._outbox_signal.clear()
            except (TransientError, AuthError) as error:
                self.stats["forward_failures"] += 1
                logger.warning("backend unavailable (%s); %s batches buffered; retry in %.1fs",
                               error, self.store.pending_count(), delay)
                self._stop.wait(delay * (0.8 + 0.4 * random.random()))
                delay = min(delay * 2, self.options.backoff_max_s)
            except Exception:
                logger.exception("forwarder error")
                self._stop.wait(delay)

    def _config_loop(self) -> None:
        while not self._stop.wait(self.options.config_refresh_s):
            if self.backend is None:
                return
            try:
                config = self.backend.fetch_config()
            except Exception as error:
                logger.info("config refresh failed (%s); keeping the current one", error)
                continue
            if config.mine_code != self.mine:
                logger.error("backend says mine %s, bridge runs for %s; ignoring", config.mine_code, self.mine)
                continue
            self._apply_config(config)

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._client.connect_async(self.options.mqtt_host, self.options.mqtt_port, keepalive=30)
        self._client.loop_start()
        for target, name in ((self._flush_loop, "flush"), (self._forward_loop, "forward"),
                             (self._silence_loop, "silence"), (self._config_loop, "config")):
            thread = threading.Thread(target=target, name=f"bridge-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, *, graceful: bool = True) -> None:
        """Stop the threads; with ``graceful`` flush what is pending first (a crash does not)."""
        if graceful:
            self.flush()
        self._stop.set()
        self._outbox_signal.set()
        self._flush_signal.set()
        for thread in self._threads:
            thread.join(timeout=15)
        if graceful:
            offline = BridgeStatus(online=False, client_id=self.options.client_id, at=datetime.now(UTC))
            info = self._client.publish(status_topic(self.mine), offline.model_dump_json(), qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=2)
        self._client.disconnect()
        self._client.loop_stop()

    def run_forever(self) -> None:
        self.start()
        try:
            while True:
                time.sleep(10)
                logger.info("bridge stats: %s; outbox %s", dict(self.stats), self.store.pending_count())
        except KeyboardInterrupt:
            logger.info("stopping bridge")
        finally:
            self.stop()
