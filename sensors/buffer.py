"""The bridge's on-disk state (one SQLite file): the outbox of batches for the backend, the rule
state of every sensor, the holders of each power zone and the last config fetched.

A batch is written to the outbox, with the sensor states it produced, in one transaction before
its MQTT messages are acknowledged; it leaves the outbox only once the backend accepted it. The
outbox's AUTOINCREMENT key is the bridge sequence number, so batches are replayed in order and a
number is never reused.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sensors.rules import STATE, STATES, SensorState

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
    seq INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sensor_state (sensor_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS zone_holders (zone TEXT PRIMARY KEY, holders TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    seq: int
    batch_id: str
    payload: str


class BridgeStore:
    """Thread-safe access to the bridge's SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def append_batch(
        self,
        *,
        build_payload: Callable[[int, str], str | None],
        states: dict[str, SensorState],
        zones: dict[str, frozenset[str]],
    ) -> OutboxEntry | None:
        """Store the sensor states and, when ``build_payload(seq, batch_id)`` returns a payload,
        a new outbox batch, in one transaction. Returns the new entry."""
        entries = self.append_batches(build_payloads=[build_payload], states=states, zones=zones)
        return entries[0] if entries else None

    def append_batches(
        self,
        *,
        build_payloads: Sequence[Callable[[int, str], str | None]],
        states: dict[str, SensorState],
        zones: dict[str, frozenset[str]],
    ) -> list[OutboxEntry]:
        """Store the sensor states and one outbox batch per builder that returns a payload (consecutive
        sequence numbers), all in one transaction. Returns the new entries in order.

        The states go in as one JSON document (one serialisation, one SQL statement): a row per sensor made
        thousands of calls into SQLite, each giving up and taking back the GIL, and a busy network thread then
        delayed this write — and the MQTT acknowledgements after it — by tens of milliseconds."""
        states_json = STATES.dump_json(states).decode() if states else None
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                entries: list[OutboxEntry] = []
                seq_row = cur.execute("SELECT seq FROM sqlite_sequence WHERE name='outbox'").fetchone()
                seq = seq_row[0] if seq_row else 0
                for build_payload in build_payloads:
                    batch_id = str(uuid.uuid4())
                    payload = build_payload(seq + 1, batch_id)
                    if payload is None:
                        continue
                    seq += 1
                    cur.execute(
                        "INSERT INTO outbox (seq, batch_id, payload, created_at) VALUES (?, ?, ?, ?)",
                        (seq, batch_id, payload, datetime.now(UTC).isoformat()),
                    )
                    entries.append(OutboxEntry(seq=seq, batch_id=batch_id, payload=payload))
                if states_json is not None:
                    cur.execute("INSERT OR REPLACE INTO sensor_state (sensor_id, state) SELECT key, value "
                                "FROM json_each(?)", (states_json,))
                cur.executemany(
                    "INSERT OR REPLACE INTO zone_holders (zone, holders) VALUES (?, ?)",
                    [(zone, json.dumps(sorted(holders))) for zone, holders in zones.items()],
                )
                cur.execute("COMMIT")
                return entries
            except BaseException:
                cur.execute("ROLLBACK")
                raise

    def oldest(self) -> OutboxEntry | None:
        with self._lock:
            row = self._db.execute("SELECT seq, batch_id, payload FROM outbox ORDER BY seq LIMIT 1").fetchone()
        return OutboxEntry(*row) if row else None

    def remove(self, seq: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    def move_to_dead_letters(self, entry: OutboxEntry, error: str) -> None:
        """Keep a batch the backend refused for good, out of the replay queue but on disk."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR REPLACE INTO dead_letters (seq, batch_id, payload, error, at) VALUES (?, ?, ?, ?, ?)",
                (entry.seq, entry.batch_id, entry.payload, error, datetime.now(UTC).isoformat()),
            )
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (entry.seq,))
            self._db.execute("COMMIT")

    def pending_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def dead_letter_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM dead_letters").fetchone()[0])

    def load_states(self) -> dict[str, SensorState]:
        with self._lock:
            rows = self._db.execute("SELECT sensor_id, state FROM sensor_state").fetchall()
        return {sensor_id: STATE.validate_json(state) for sensor_id, state in rows}

    def load_zones(self) -> dict[str, frozenset[str]]:
        with self._lock:
            rows = self._db.execute("SELECT zone, holders FROM zone_holders").fetchall()
        return {zone: frozenset(json.loads(holders)) for zone, holders in rows}

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
