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
import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import paho.mqtt.client as mqtt
from pydantic import ValidationError

from contracts.client import ApiError, Refused
from contracts.sensors import MAX_AHEAD_SECONDS, AlarmEvent, PowerAction, SensorFault
from contracts.topics import control_topic, drill_control_topic, parse_topic, status_topic, subscriptions
from sensors.api import (
    KEEPS_BATCH,
    BackendClient,
    BridgeConfig,
    BridgeHealth,
    ForwardBatch,
    ForwardReading,
    ForwardSighting,
)
from sensors.buffer import BridgeStore, OutboxEntry
from sensors.messages import (
    MAX_PAYLOAD_BYTES,
    SENSOR_ID_PATTERN,
    BatchReading,
    BridgeStatus,
    ControlCommand,
    DrillSightingMessage,
    ReaderSightingMessage,
    SensorReadingMessage,
    SubstationBatchMessage,
    TagSighting,
)
from sensors.positioning import SightingVerdict, TagSeen, judge_sighting
from sensors.rules import (
    SILENT_CYCLES,
    AlarmChange,
    ReadingVerdict,
    SensorConfig,
    SensorState,
    check_silence,
    evaluate,
    last_heard,
    zone_action,
    zone_holders_after,
)

if TYPE_CHECKING:
    from sensors.config import BridgeSettings

logger = logging.getLogger(__name__)


@dataclass
class BridgeOptions:
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    client_id: str = "minesafe-sensor-bridge"
    mqtt_username: str | None = None
    mqtt_password: str | None = field(default=None, repr=False)
    mqtt_tls: bool = False
    mqtt_ca_file: str | None = None
    mqtt_cert_file: str | None = None
    mqtt_key_file: str | None = None
    flush_interval_s: float = 0.2
    # flush (and so PUBACK) at once when this many QoS 1 messages await their acknowledgement: the broker stops
    # delivering at its inflight window (mosquitto: 20), and a power-cut reading queued behind a burst would
    # otherwise wait for the next flush interval (p99 175 ms at 3,000 sensors / 2 s)
    ack_window: int = 10
    max_batch_readings: int = 5000
    max_batch_changes: int = 200  # each becomes an audited alert step in the backend: keep a call short
    max_batch_sightings: int = 5000  # the backend takes up to 10,000 a batch
    silence_check_interval_s: float = 1.0
    backoff_min_s: float = 0.5
    backoff_max_s: float = 30.0
    config_refresh_s: float = 60.0
    max_ahead_s: float = MAX_AHEAD_SECONDS  # readings dated further ahead of the bridge's clock are rejected
    heartbeat_s: float = 15.0

    @classmethod
    def from_settings(cls, settings: BridgeSettings, *, mqtt_host: str, mqtt_port: int) -> BridgeOptions:
        """The options of a bridge run from its settings (``mqtt_host``/``mqtt_port``: the embedded broker's, or
        the named one's)."""
        return cls(
            mqtt_host=mqtt_host, mqtt_port=mqtt_port, client_id=settings.client_id,
            mqtt_username=settings.mqtt_username or None,
            mqtt_password=settings.mqtt_password.get_secret_value() or None,
            mqtt_tls=settings.mqtt_tls,
            mqtt_ca_file=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None,
            mqtt_cert_file=str(settings.mqtt_cert_file) if settings.mqtt_cert_file else None,
            mqtt_key_file=str(settings.mqtt_key_file) if settings.mqtt_key_file else None,
            flush_interval_s=settings.flush_interval_seconds, config_refresh_s=settings.config_refresh_seconds,
            max_ahead_s=settings.max_ahead_seconds, heartbeat_s=settings.heartbeat_seconds,
        )


@dataclass
class _Pending:
    readings: list[ForwardReading] = field(default_factory=list)
    changes: list[AlarmChange] = field(default_factory=list)
    sightings: list[ForwardSighting] = field(default_factory=list)
    acks: list[tuple[int, int]] = field(default_factory=list)  # (connection generation, mid)
    dirty: set[str] = field(default_factory=set)
    zones_dirty: set[str] = field(default_factory=set)


def initial_config(backend: BackendClient, store: BridgeStore, *, retry_max_s: float = 30.0,
                   stop: threading.Event | None = None) -> BridgeConfig | None:
    """The config to start on: the backend's; when the backend cannot give it, the one it gave last (kept in the
    buffer, so a restarted bridge acts on its thresholds at once); with neither, wait and ask again — never a demo
    config. None only when ``stop`` is set while waiting."""
    stop = stop or threading.Event()
    delay = min(1.0, retry_max_s)
    while not stop.is_set():
        try:
            return backend.fetch_config()
        except Exception as error:  # unreachable, refused token, or a config this bridge cannot use
            cached = store.get_meta("config")
            if cached:
                try:
                    config = BridgeConfig.model_validate_json(cached)
                except ValidationError:
                    logger.error("the cached sensor config in %s is unreadable; ignoring it", store.path)
                else:
                    logger.warning("no sensor config from the backend (%s); starting on the one it gave last "
                                   "(mine %s, %s sensors)", error, config.mine_code, len(config.sensors))
                    return config
            logger.warning("waiting for the sensor config from the backend (%s); asking again in %.1f s", error,
                           delay)
        stop.wait(delay)
        delay = min(delay * 2, retry_max_s)
    return None


def _heard_by_now(states: dict[str, SensorState], now: datetime) -> dict[str, SensorState]:
    """States kept by an older bridge have no ``seen_at``: their latest reading's time, never later than now (one
    dated a day ahead must not hide a silence for a day)."""
    return {sensor_id: state if state.seen_at is not None or state.last_ts is None
            else replace(state, seen_at=min(state.last_ts, now)) for sensor_id, state in states.items()}


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
        self._max_ahead = timedelta(seconds=self.options.max_ahead_s)
        self._ahead_logged_at = 0.0  # monotonic time of the last "rejected: too far ahead" warning
        self._ahead_unlogged = 0
        self._decoders: dict[tuple[str, str], Callable[[str, str, bytes], None]] = {
            ("sensors", "reading"): self._decode_sensor_reading,
            ("substations", "batch"): self._decode_substation_batch,
            ("position", "sighting"): self._decode_sightings,
            ("drills", "batch"): self._decode_drill_batch,
            ("drills", "sighting"): self._decode_drill_sightings,
        }
        self.tags: dict[str, TagSeen] = {}  # the latest sighting forwarded per tag (replays, out of order)
        # a drill's sensor states and power zones, apart from the real ones (memory only: a drill is short, and a
        # restarted bridge starts a drill's sensors afresh, never from or into the real states)
        self.drill_states: dict[str, dict[str, SensorState]] = {}
        self.drill_zones: dict[str, dict[str, frozenset[str]]] = {}
        self.drill_tags: dict[str, dict[str, TagSeen]] = {}
        self.started_at = datetime.now(UTC)
        self.last_forward_at: datetime | None = None
        self.backend_status: str | None = None  # as the backend judged the last heartbeat
        self._apply_config(config)
        self.states: dict[str, SensorState] = _heard_by_now(store.load_states(), datetime.now(UTC))
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
        if self.options.mqtt_username:
            client.username_pw_set(self.options.mqtt_username, self.options.mqtt_password)
        if self.options.mqtt_tls:
            client.tls_set(ca_certs=self.options.mqtt_ca_file, certfile=self.options.mqtt_cert_file,
                           keyfile=self.options.mqtt_key_file)
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
            self.stats["connect_refused"] += 1
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

    # --- decode: one decoder per topic family (subscriptions() in sensors/messages.py is the other half) ----
    def _handle(self, topic: str, payload: bytes) -> None:
        """Decode one message and hand its readings to the edge rules; anything malformed is counted, never fatal."""
        if len(payload) > MAX_PAYLOAD_BYTES:
            self._malformed(topic, f"payload of {len(payload)} bytes (at most {MAX_PAYLOAD_BYTES})")
            return
        parts = parse_topic(topic)
        if parts is None or parts.mine != self.mine:
            self._malformed(topic, "unexpected topic")
            return
        decoder = self._decoders.get((parts.family, parts.kind))
        if decoder is None:
            self._malformed(topic, "unexpected topic")
            return
        try:
            decoder(topic, parts.ident, payload)
        except ValidationError as error:
            self._malformed(topic, str(error))

    def _decode_sensor_reading(self, topic: str, sensor_id: str, payload: bytes) -> None:
        """``minesafe/{mine}/sensors/{sensor_id}/reading``: one reading."""
        if not re.match(SENSOR_ID_PATTERN, sensor_id):
            self._malformed(topic, "bad sensor id")
            return
        reading = SensorReadingMessage.model_validate_json(payload)
        now = datetime.now(UTC)
        self._reading(sensor_id, reading.value, reading.ts, now, now + self._max_ahead)

    def _decode_substation_batch(self, topic: str, substation: str, payload: bytes) -> None:
        """``minesafe/{mine}/substations/{substation}/batch``: parsed and checked in one pass; when only some of
        its readings are bad, the good ones still go through the rules (one garbled value must not hide a 1.6 %)."""
        try:
            readings = SubstationBatchMessage.model_validate_json(payload).readings
        except ValidationError as error:
            readings = self._salvage_batch(topic, payload, error)
        now = datetime.now(UTC)
        limit = now + self._max_ahead
        for item in readings:
            self._reading(item.sensor_id, item.value, item.ts, now, limit)

    def _decode_sightings(self, topic: str, reader: str, payload: bytes) -> None:
        """``minesafe/{mine}/position/{reader}/sighting``: the tags a reader sees. Dated too far ahead: rejected;
        a replay of the tag's latest (same reader and time) or older than it: dropped, counted."""
        if not re.match(SENSOR_ID_PATTERN, reader):
            self._malformed(topic, "bad reader id")
            return
        self._sightings(reader, ReaderSightingMessage.model_validate_json(payload).sightings, self.tags)

    def _decode_drill_sightings(self, topic: str, drill: str, payload: bytes) -> None:
        """``minesafe/{mine}/drills/{drill}/sighting``: a reader's poll in a drill, judged as real sightings are on
        the drill's own tags, forwarded marked with the drill."""
        if not re.match(SENSOR_ID_PATTERN, drill):
            self._malformed(topic, "bad drill id")
            return
        message = DrillSightingMessage.model_validate_json(payload)
        self._sightings(message.reader, message.sightings, self.drill_tags.setdefault(drill, {}), drill=drill)

    def _sightings(self, reader: str, sightings: list[TagSighting], tags: dict[str, TagSeen], *,
                   drill: str | None = None) -> None:
        """Per tag: dated too far ahead, rejected; a replay of its latest (same reader and time) or older, dropped;
        counted; the rest forwarded."""
        limit = datetime.now(UTC) + self._max_ahead
        prefix = "drill_" if drill else ""
        for item in sightings:
            self.stats[f"{prefix}sightings_in"] += 1
            verdict = judge_sighting(tags.get(item.tag), reader, item.ts, ahead_limit=limit)
            if verdict is not SightingVerdict.FORWARD:
                self.stats[f"{prefix}sightings_{verdict.value.lower()}"] += 1
                continue
            tags[item.tag] = TagSeen(ts=item.ts, reader=reader)
            self._pending.sightings.append(ForwardSighting(tag=item.tag, reader=reader, ts=item.ts, drill_id=drill))

    def _decode_drill_batch(self, topic: str, drill: str, payload: bytes) -> None:
        """``minesafe/{mine}/drills/{drill}/batch``: a drill's simulated readings, judged by the same edge rules on
        the drill's own states; its commands go to the drill's control topics only, its readings and changes to
        the backend marked with the drill."""
        if not re.match(SENSOR_ID_PATTERN, drill):
            self._malformed(topic, "bad drill id")
            return
        readings = SubstationBatchMessage.model_validate_json(payload).readings
        now = datetime.now(UTC)
        limit = now + self._max_ahead
        for item in readings:
            self.stats["drill_readings_in"] += 1
            self._reading(item.sensor_id, item.value, item.ts, now, limit, drill=drill)

    def _salvage_batch(self, topic: str, payload: bytes, error: ValidationError) -> list[BatchReading]:
        errors = error.errors()
        bad = {e["loc"][1] for e in errors if len(e["loc"]) >= 2 and e["loc"][0] == "readings"
               and isinstance(e["loc"][1], int)}
        if not bad or any(len(e["loc"]) < 2 or e["loc"][0] != "readings" or not isinstance(e["loc"][1], int)
                          for e in errors):
            raise error  # the envelope itself is bad: the whole message is malformed
        items = json.loads(payload)["readings"]
        self.stats["malformed_readings"] += len(bad)
        self._malformed(topic, f"{len(bad)} of {len(items)} readings: {error}")
        return [BatchReading.model_validate(item) for i, item in enumerate(items) if i not in bad]

    def _reading(self, sensor_id: str, value: float, ts: datetime, now: datetime | None = None,
                 ahead_limit: datetime | None = None, *, drill: str | None = None) -> None:
        """One reading through the edge rules (``now``: the bridge's clock at receipt; ``ahead_limit``: ``now`` plus
        the allowance, computed once per message; ``drill``: a drill's reading, judged on the drill's states)."""
        if drill is not None:
            self._drill_reading(drill, sensor_id, value, ts, now or datetime.now(UTC), ahead_limit)
            return
        self.stats["readings_in"] += 1
        now = now or datetime.now(UTC)
        limit = ahead_limit or now + self._max_ahead
        config = self.sensors.get(sensor_id)
        if config is None:
            if ts > limit:
                self._rejected_ahead(sensor_id, ts, now)
                return
            self.stats["unknown_sensor"] += 1
            self._pending.readings.append(ForwardReading(sensor_id=sensor_id, value=value, ts=ts))
            return
        state = self.states.get(sensor_id, SensorState())
        result = evaluate(config, state, value, ts, now=now, ahead_limit=limit)
        if result.verdict is ReadingVerdict.AHEAD:
            self._rejected_ahead(sensor_id, ts, now)
            return
        if result.verdict is ReadingVerdict.DUPLICATE:
            self.stats["duplicate"] += 1
            return
        if result.verdict is ReadingVerdict.STALE:
            self.stats["out_of_order"] += 1  # kept for history, judged upwards only
        self.states[sensor_id] = result.state
        self._pending.dirty.add(sensor_id)
        self._pending.readings.append(
            ForwardReading(sensor_id=sensor_id, value=value, ts=ts,
                           fault=result.verdict is ReadingVerdict.FAULTY)
        )
        self._apply_changes(config, result.changes, value, ts)

    def _drill_reading(self, drill: str, sensor_id: str, value: float, ts: datetime, now: datetime,
                       ahead_limit: datetime | None) -> None:
        config = self.sensors.get(sensor_id)
        limit = ahead_limit or now + self._max_ahead
        if config is None:
            self.stats["drill_unknown_sensor"] += 1
            return
        states = self.drill_states.setdefault(drill, {})
        result = evaluate(config, states.get(sensor_id, SensorState()), value, ts, now=now, ahead_limit=limit)
        if result.verdict is ReadingVerdict.AHEAD:
            self._rejected_ahead(sensor_id, ts, now)
            return
        if result.verdict is ReadingVerdict.DUPLICATE:
            return
        states[sensor_id] = result.state
        self._pending.readings.append(ForwardReading(sensor_id=sensor_id, value=value, ts=ts, drill_id=drill,
                                                     fault=result.verdict is ReadingVerdict.FAULTY))
        changes = [change.model_copy(update={"drill_id": drill}) for change in result.changes]
        self._apply_changes(config, changes, value, ts, drill=drill)

    def _rejected_ahead(self, sensor_id: str, ts: datetime, now: datetime) -> None:
        """A reading dated too far ahead: never judged, never forwarded (the backend would refuse it too)."""
        self.stats["rejected_ahead"] += 1
        self._ahead_unlogged += 1
        at = time.monotonic()
        if at - self._ahead_logged_at >= 10:  # bad clocks (or a flood) cannot fill the log: one line each 10 s
            logger.warning("reading of %s dated %s, more than %.0f s ahead of the bridge's clock: rejected (%s such "
                           "readings since the last report)", sensor_id[:64], ts.isoformat(), self.options.max_ahead_s,
                           self._ahead_unlogged)
            self._ahead_logged_at, self._ahead_unlogged = at, 0

    def _apply_changes(self, config: SensorConfig, changes: list[AlarmChange], value: float | None,
                       ts: datetime, *, drill: str | None = None) -> None:
        for change in changes:
            self._pending.changes.append(change)
            self.stats[f"{'drill_' if drill else ''}change_{change.event.value.lower()}"] += 1
            if change.event in (AlarmEvent.POWER_CUT, AlarmEvent.POWER_RESTORED) and config.power_zone:
                self._zone_decision(config, change.event is AlarmEvent.POWER_CUT, value, ts, change.detail,
                                    drill=drill)

    def _zone_decision(self, config: SensorConfig, holds: bool, value: float | None, ts: datetime,
                       reason: str, *, drill: str | None = None) -> None:
        zone = config.power_zone
        assert zone is not None
        zones = self.zones if drill is None else self.drill_zones.setdefault(drill, {})
        before = zones.get(zone, frozenset())
        after = zone_holders_after(before, config.sensor_id, holds)
        zones[zone] = after
        if drill is None:
            self._pending.zones_dirty.add(zone)
        action = zone_action(before, after)
        if action is None:
            return
        command = ControlCommand(
            power_zone=zone, action=PowerAction(action), sensor_ids=sorted(after),
            trigger_sensor_id=config.sensor_id, trigger_value=value, reason=reason,
            reading_ts=ts, issued_at=datetime.now(UTC),
        )
        if drill is not None:  # a drill's command: its own topic, never retained, never a real zone's
            self._client.publish(drill_control_topic(self.mine, drill, zone), command.model_dump_json(), qos=1)
            self.stats[f"drill_control_{action.lower()}"] += 1
            logger.info("drill %s: power %s for zone %s (drill control topic only): %s", drill, action, zone, reason)
            return
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
        if not (pending.readings or pending.changes or pending.sightings or pending.acks or states or zones):
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
        step_s = self.options.max_batch_sightings
        count = max(-(-len(pending.readings) // step_r), -(-len(pending.changes) // step_c),
                    -(-len(pending.sightings) // step_s))

        def builder(index: int) -> Callable[[int, str], str | None]:
            def build(seq: int, batch_id: str) -> str | None:
                readings = pending.readings[index * step_r:(index + 1) * step_r]
                changes = pending.changes[index * step_c:(index + 1) * step_c]
                sightings = pending.sightings[index * step_s:(index + 1) * step_s]
                if not readings and not changes and not sightings:
                    return None
                return ForwardBatch(batch_id=batch_id, bridge_seq=seq, readings=readings,
                                    alarm_changes=changes, sightings=sightings).model_dump_json()
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
                  if (state := states.get(sensor_id)) is not None and state.fault is not SensorFault.SILENT
                  and (heard := last_heard(state)) is not None
                  and (now - heard).total_seconds() > SILENT_CYCLES * config.polling_seconds]
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
        except Refused as error:
            if error.code in KEEPS_BATCH:
                raise
            result = self._salvage_readings(entry, error)
            if result is None:
                return True
        self.store.remove(entry.seq)
        self.last_forward_at = datetime.now(UTC)
        self.stats["batches_forwarded"] += 1
        if result.get("duplicate"):
            self.stats["batches_duplicate"] += 1
        return True

    def _salvage_readings(self, entry: OutboxEntry, error: Refused) -> dict[str, object] | None:
        """A batch refused for good: when it carries alarm changes, its readings alone are sent again (same batch
        id: the refused one was never stored) and only the changes are dead-lettered — one bad alarm change
        never costs the readings. Returns the backend's answer, or None once all of it is dead-lettered."""
        assert self.backend is not None
        batch = ForwardBatch.model_validate_json(entry.payload)
        if batch.alarm_changes and (batch.readings or batch.sightings):
            readings_only = batch.model_copy(update={"alarm_changes": []}).model_dump_json()
            changes_only = batch.model_copy(update={"readings": [], "sightings": []}).model_dump_json()
            try:
                result = self.backend.ingest(readings_only)
            except Refused as again:
                if again.code in KEEPS_BATCH:
                    raise
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
            except ApiError as error:  # retryable, or a token to fix: the batch stays in the outbox
                self.stats["forward_failures"] += 1
                logger.warning("backend unavailable (%s); %s batches buffered; retry in %.1fs",
                               error, self.store.pending_count(), delay)
                self._stop.wait(delay * (0.8 + 0.4 * random.random()))
                delay = min(delay * 2, self.options.backoff_max_s)
            except Exception:
                logger.exception("forwarder error")
                self._stop.wait(delay)

    # --- health ---------------------------------------------------------------------------
    def health(self) -> BridgeHealth:
        """The bridge's counters and queue as it reports them (heartbeat, metrics)."""
        stats = self.stats
        return BridgeHealth(
            client_id=self.options.client_id, started_at=self.started_at, mqtt_connected=self.connected.is_set(),
            readings_in=stats["readings_in"], malformed=stats["malformed"], readings_rejected=stats["rejected_ahead"],
            outbox_batches=self.store.pending_count(), dead_letters=self.store.dead_letter_count(),
            last_forward_at=self.last_forward_at, forward_failures=stats["forward_failures"],
            config_sensors=len(self.sensors),
        )

    def heartbeat_once(self) -> None:
        """Report the bridge's health to the backend (its GraphQL view of each bridge, and the stalled alert)."""
        if self.backend is None:
            return
        try:
            self.backend_status = self.backend.report_health(self.health())
            self.stats["heartbeats"] += 1
        except Exception as error:
            self.stats["heartbeat_failures"] += 1
            logger.info("health report failed (%s)", error)

    def _heartbeat_loop(self) -> None:
        self.heartbeat_once()
        while not self._stop.wait(self.options.heartbeat_s):
            self.heartbeat_once()

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
                             (self._silence_loop, "silence"), (self._config_loop, "config"),
                             (self._heartbeat_loop, "heartbeat")):
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
