"""Outbox rows: queued → sending → sent | rejected (with the server's reason).

Photos are copied into the app's own folder when a report is queued, so the report does not
depend on the gallery or a temporary camera file. An uploaded photo remembers its object key,
so a retry after a dropped connection never uploads it twice.
"""

from __future__ import annotations

import enum
import json
import logging
import mimetypes
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mobile.storage import LocalStore

logger = logging.getLogger(__name__)

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}


class ItemKind(enum.StrEnum):
    REPORT_HAZARD = "report_hazard"
    SUBMIT_RECTIFICATION = "submit_rectification"
    RAISE_ALERT = "raise_alert"          # a manual alert (raiseManualAlert, idempotent by the item's client id)
    SUBMIT_INSPECTION = "submit_inspection"  # a done checklist (submitInspection, idempotent by the client id)


class ItemState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    REJECTED = "rejected"


class InvalidPhoto(ValueError):
    """A picked file that cannot be queued as a photo (missing, empty or not an image type)."""


@dataclass(frozen=True, slots=True)
class OutboxPhoto:
    position: int
    path: Path
    content_type: str
    size: int
    object_key: str | None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    client_id: str
    kind: ItemKind
    title: str
    payload: dict[str, Any]
    owner_id: str
    state: ItemState
    attempts: int
    last_error: str | None
    reject_reason: str | None
    server_id: str | None
    created_at: float
    next_attempt_at: float
    photos: tuple[OutboxPhoto, ...]


def photo_content_type(path: Path) -> str:
    """The image type of a picked file, from its first bytes (falls back to the file name)."""
    with path.open("rb") as handle:
        head = handle.read(12)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class Outbox:
    """The outbox table and the photo folder next to it."""

    def __init__(self, store: LocalStore, photo_dir: Path) -> None:
        self._store = store
        self.photo_dir = photo_dir
        photo_dir.mkdir(parents=True, exist_ok=True)

    # -- writing ---------------------------------------------------------------------

    def add(self, *, kind: ItemKind, title: str, payload: dict[str, Any], photos: list[Path],
            owner_id: str, client_id: str | None = None) -> OutboxItem:
        """Queue a report at once: photos copied, one committed row; returns the queued item."""
        client_id = client_id or str(uuid.uuid4())
        copies: list[tuple[Path, str, int]] = []
        for index, source in enumerate(photos):
            source = Path(source)
            if not source.is_file():
                raise InvalidPhoto(f"{source} is not a file")
            content_type = photo_content_type(source)
            if content_type not in IMAGE_TYPES:
                raise InvalidPhoto(f"{source.name} is not a JPEG, PNG or WebP image")
            size = source.stat().st_size
            if size == 0:
                raise InvalidPhoto(f"{source.name} is empty")
            target = self.photo_dir / f"{client_id}-{index}{source.suffix.lower() or '.jpg'}"
            shutil.copyfile(source, target)
            copies.append((target, content_type, size))
        now = time.time()
        try:
            with self._store.transaction() as conn:
                cursor = conn.execute(
                    "INSERT INTO outbox_items (client_id, kind, title, payload, owner_id, state, created_at,"
                    " updated_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (client_id, kind.value, title, json.dumps(payload), owner_id, ItemState.QUEUED.value,
                     now, now, now))
                item_id = cursor.lastrowid
                for position, (path, content_type, size) in enumerate(copies):
                    conn.execute("INSERT INTO outbox_photos (item_id, position, path, content_type, size)"
                                 " VALUES (?, ?, ?, ?, ?)", (item_id, position, str(path), content_type, size))
        except BaseException:
            for path, _, _ in copies:
                path.unlink(missing_ok=True)
            raise
        logger.info("queued %s %s with %s photos", kind.value, client_id, len(copies))
        item = self.get(client_id)
        assert item is not None
        return item

    def mark_sending(self, client_id: str) -> None:
        self._update(client_id, state=ItemState.SENDING)

    def mark_photo_uploaded(self, client_id: str, position: int, key: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox_photos SET object_key = ? WHERE position = ? AND item_id ="
                         " (SELECT id FROM outbox_items WHERE client_id = ?)", (key, position, client_id))

    def mark_sent(self, client_id: str, *, server_id: str | None) -> None:
        """Acknowledged: the local photo copies are deleted (the server holds them, keys stay recorded)."""
        self._update(client_id, state=ItemState.SENT, server_id=server_id, last_error=None)
        item = self.get(client_id)
        for photo in item.photos if item else ():
            photo.path.unlink(missing_ok=True)

    def mark_rejected(self, client_id: str, *, reason: str) -> None:
        self._update(client_id, state=ItemState.REJECTED, reject_reason=reason)

    def mark_retry(self, client_id: str, *, error: str, delay_s: float) -> None:
        """Back to queued after a transient failure, due again after `delay_s`."""
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox_items SET state = ?, attempts = attempts + 1, last_error = ?,"
                         " next_attempt_at = ?, updated_at = ? WHERE client_id = ?",
                         (ItemState.QUEUED.value, error[:500], time.time() + delay_s, time.time(), client_id))

    def retry_now(self, client_id: str) -> None:
        """Make a queued item due at once (the user pressed retry, or the network came back)."""
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox_items SET next_attempt_at = ? WHERE client_id = ? AND state = ?",
                         (time.time(), client_id, ItemState.QUEUED.value))

    def wake_all(self) -> None:
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox_items SET next_attempt_at = ? WHERE state = ?",
                         (time.time(), ItemState.QUEUED.value))

    def recover(self) -> int:
        """After a restart, items left `sending` (the app died mid-send) are queued again."""
        with self._store.transaction() as conn:
            cursor = conn.execute("UPDATE outbox_items SET state = ?, next_attempt_at = ? WHERE state = ?",
                                  (ItemState.QUEUED.value, time.time(), ItemState.SENDING.value))
            return cursor.rowcount

    def _update(self, client_id: str, **fields: Any) -> None:
        values = {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in fields.items()}
        values["updated_at"] = time.time()
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._store.transaction() as conn:
            conn.execute(f"UPDATE outbox_items SET {assignments} WHERE client_id = ?",
                         (*values.values(), client_id))

    # -- reading ---------------------------------------------------------------------

    def get(self, client_id: str) -> OutboxItem | None:
        rows = self._store.query("SELECT * FROM outbox_items WHERE client_id = ?", (client_id,))
        return self._items(rows)[0] if rows else None

    def items(self, *, owner_id: str | None = None, limit: int = 200) -> list[OutboxItem]:
        """Newest first; every state (sent items stay visible)."""
        if owner_id is None:
            rows = self._store.query("SELECT * FROM outbox_items ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self._store.query("SELECT * FROM outbox_items WHERE owner_id = ? ORDER BY id DESC LIMIT ?",
                                     (owner_id, limit))
        return self._items(rows)

    def due(self, *, owner_id: str, now: float | None = None) -> list[OutboxItem]:
        """Queued items of this user whose next attempt is due, oldest first."""
        now = time.time() if now is None else now
        rows = self._store.query("SELECT * FROM outbox_items WHERE state = ? AND owner_id = ? AND"
                                 " next_attempt_at <= ? ORDER BY id", (ItemState.QUEUED.value, owner_id, now))
        return self._items(rows)

    def next_due_at(self, *, owner_id: str) -> float | None:
        rows = self._store.query("SELECT MIN(next_attempt_at) AS t FROM outbox_items WHERE state = ? AND"
                                 " owner_id = ?", (ItemState.QUEUED.value, owner_id))
        return rows[0]["t"] if rows and rows[0]["t"] is not None else None

    def counts(self, *, owner_id: str) -> dict[ItemState, int]:
        rows = self._store.query("SELECT state, COUNT(*) AS n FROM outbox_items WHERE owner_id = ? GROUP BY state",
                                 (owner_id,))
        counts = dict.fromkeys(ItemState, 0)
        for row in rows:
            counts[ItemState(row["state"])] = row["n"]
        return counts

    def _items(self, rows: list[Any]) -> list[OutboxItem]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        marks = ",".join("?" * len(ids))
        photo_rows = self._store.query(
            f"SELECT * FROM outbox_photos WHERE item_id IN ({marks}) ORDER BY item_id, position", tuple(ids))
        photos: dict[int, list[OutboxPhoto]] = {}
        for p in photo_rows:
            photos.setdefault(p["item_id"], []).append(OutboxPhoto(
                position=p["position"], path=Path(p["path"]), content_type=p["content_type"], size=p["size"],
                object_key=p["object_key"]))
        return [OutboxItem(
            id=row["id"], client_id=row["client_id"], kind=ItemKind(row["kind"]), title=row["title"],
            payload=json.loads(row["payload"]), owner_id=row["owner_id"], state=ItemState(row["state"]),
            attempts=row["attempts"], last_error=row["last_error"], reject_reason=row["reject_reason"],
            server_id=row["server_id"], created_at=row["created_at"], next_attempt_at=row["next_attempt_at"],
            photos=tuple(photos.get(row["id"], []))) for row in rows]
