"""Pure hash-chain rules: how an entry is hashed and how a chain is checked."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


def to_jsonable(value: Any) -> Any:
    """Plain JSON data for before/after snapshots (UUIDs, datetimes and enums as strings)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class ChainLink:
    """The hashed content of one audit entry."""

    seq: int
    at: datetime
    actor_kind: str
    actor_id: str | None
    actor_name: str
    actor_role: str
    action: str
    subject_type: str
    subject_id: str
    before: Any
    after: Any
    reason: str | None
    prev_hash: str

    def digest(self) -> str:
        return hashlib.sha256(self._encoded().encode()).hexdigest()

    def digest_parts(self) -> tuple[str, str, str]:
        """(head, middle, tail) of the hashed text around prev_hash and seq: the digest is the SHA-256 of
        head + prev_hash + middle + str(seq) + tail, so the database can chain the entry at commit (it knows
        the head then) without the writer waiting for it. seq and prev_hash of self are not used."""
        while True:
            marker = uuid.uuid4().hex
            prev_marker, seq_marker = f"prev-{marker}", f"seq-{marker}"
            encoded = dataclasses.replace(self, prev_hash=prev_marker, seq=seq_marker)._encoded()  # type: ignore[arg-type]
            head, prev_found, rest = encoded.partition(prev_marker)
            middle, seq_found, tail = rest.partition(f'"{seq_marker}"')
            if prev_found and seq_found and marker not in head + middle + tail:
                return head, middle, tail

    def _encoded(self) -> str:
        body = {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_kind": self.actor_kind,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "actor_role": self.actor_role,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class ChainProblem(enum.StrEnum):
    TAMPERED = "TAMPERED"  # content changed after it was written
    MISSING = "MISSING"  # a sequence number is absent (deleted entry or truncated tail)
    REORDERED = "REORDERED"  # entries swapped, or a link points to the wrong predecessor


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    ok: bool
    checked: int
    problem: ChainProblem | None = None
    seq: int | None = None
    detail: str | None = None


class ChainVerifier:
    """Checks a chain fed in pages, in seq order; stops at the first bad entry."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.checked = 0
        self.failure: ChainVerdict | None = None

    def feed(self, links: Iterable[tuple[ChainLink, str]]) -> ChainVerdict | None:
        """Check the next (link, stored hash) pairs; the verdict of the first bad one, else None."""
        for link, stored_hash in links:
            if self.failure is not None:
                break
            self.failure = self._check(link, stored_hash)
            if self.failure is None:
                self.prev_hash = stored_hash
                self.expected_seq += 1
                self.checked += 1
        return self.failure

    def _check(self, link: ChainLink, stored_hash: str) -> ChainVerdict | None:
        if link.seq != self.expected_seq:
            if link.seq > self.expected_seq:
                return ChainVerdict(False, self.checked, ChainProblem.MISSING, self.expected_seq,
                                    f"entry {self.expected_seq} is missing (next present is {link.seq})")
            return ChainVerdict(False, self.checked, ChainProblem.REORDERED, link.seq, "sequence goes backwards")
        if link.prev_hash != self.prev_hash:
            return ChainVerdict(False, self.checked, ChainProblem.REORDERED, link.seq,
                                f"entry {link.seq} does not follow entry {link.seq - 1}")
        if link.digest() != stored_hash:
            return ChainVerdict(False, self.checked, ChainProblem.TAMPERED, link.seq,
                                f"entry {link.seq} was changed after it was written")
        return None

    def finish(self, *, head_seq: int | None = None) -> ChainVerdict:
        """The verdict once every page was fed; entries up to the head's seq must all have been seen."""
        if self.failure is not None:
            return self.failure
        if head_seq is not None and head_seq >= self.expected_seq:
            return ChainVerdict(False, self.checked, ChainProblem.MISSING, self.expected_seq,
                                f"entries {self.expected_seq}..{head_seq} are missing from the end")
        return ChainVerdict(True, self.checked)


def verify_links(links: Iterable[tuple[ChainLink, str]], *, head_seq: int | None = None) -> ChainVerdict:
    """Check (link, stored hash) pairs in seq order; name the first bad entry."""
    verifier = ChainVerifier()
    verifier.feed(links)
    return verifier.finish(head_seq=head_seq)
