"""Pure parts of the training screen: the countdown, answer merging, the pending-answer record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class Pending:
    """An answer chosen on the phone; sent until the server has this revision (or a newer one)."""

    chosen: list[int]
    revision: int


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def clock_offset(server_now: str, local_now: datetime) -> float:
    """Seconds to add to the phone's clock to get the server's (the countdown follows the server)."""
    return (parse_time(server_now) - local_now).total_seconds()


def seconds_left(deadline_at: str, local_now: datetime, offset: float) -> int:
    remaining = (parse_time(deadline_at) - local_now).total_seconds() - offset
    return max(0, int(remaining))


def countdown(seconds: int) -> str:
    """`mm:ss`, or `h:mm:ss` from an hour."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def toggle(chosen: list[int], index: int, multiple: bool) -> list[int]:
    """Tapping an option: multiple choice toggles it in the set; otherwise it becomes the answer."""
    if not multiple:
        return [index]
    return sorted(set(chosen) ^ {index})


def merge(server: list[dict[str, Any]], pending: dict[str, Pending]) -> tuple[dict[str, Pending], dict[str, Pending]]:
    """(what to show, what still to send): a local answer with a newer revision wins over the server's."""
    shown = {a["questionId"]: Pending(chosen=list(a["chosen"]), revision=int(a["revision"])) for a in server}
    unsent: dict[str, Pending] = {}
    for question_id, local in pending.items():
        known = shown.get(question_id)
        if known is None or local.revision > known.revision:
            shown[question_id] = local
            unsent[question_id] = local
    return shown, unsent


def dump_pending(pending: dict[str, Pending]) -> str:
    return json.dumps({k: {"chosen": v.chosen, "revision": v.revision} for k, v in pending.items()})


def load_pending(text: str | None) -> dict[str, Pending]:
    if not text:
        return {}
    try:
        raw = json.loads(text)
        return {k: Pending(chosen=[int(i) for i in v["chosen"]], revision=int(v["revision"])) for k, v in raw.items()}
    except (ValueError, KeyError, TypeError):
        return {}
