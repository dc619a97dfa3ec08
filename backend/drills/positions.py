"""A drill's positioning: its simulated people's tag sightings, sent by the bridge in the drill's namespace
(``minesafe/{mine}/drills/{code}/sighting``) and applied by ``ingestSightingBatch`` with the real batch's checks.

Each sighting is judged as a real one is (``backend.positioning.rules``: dated too far ahead, repeated in the batch,
older than the tag's latest), against the drill's own readers (the model's) and tags (the scenario's people), and
moves only the drill's ``DrillPosition`` rows: real positions, stays, headcounts and evacuation lists never see a
drill tag. The drill's EVACUATE response is measured from these rows (``safe_at``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.drills import service
from backend.drills.models import DrillPosition
from backend.drills.network import from_document
from backend.drills.scenario import load_scenario
from backend.positioning.rules import SightingProblem, sighting_problem


@dataclass(frozen=True, slots=True)
class DrillSighting:
    tag_code: str
    reader_code: str
    ts: datetime


@dataclass
class DrillSightingOutcome:
    stored: int = 0
    moves: int = 0
    rejected: list[SightingProblem] = field(default_factory=list)


async def ingest(session: AsyncSession, *, mine_id: uuid.UUID, drill_code: str, sightings: Sequence[DrillSighting],
                 now: datetime, ahead: timedelta) -> DrillSightingOutcome:
    """Apply one drill's sightings of a bridge batch (the caller stores the batch once and commits)."""
    outcome = DrillSightingOutcome()
    drill = await service.running_by_code(session=session, mine_id=mine_id, code=drill_code)
    if drill is None:
        for _ in sightings:
            outcome.rejected.append(SightingProblem.DRILL_NOT_RUNNING)
        return outcome
    network = from_document(drill.network)
    tags = load_scenario(drill.scenario, network).people_tags()
    readers = {reader.id: reader.area for reader in network.document.readers}
    safe = set(network.safe_areas)
    positions = {p.tag_code: p for p in await session.scalars(
        select(DrillPosition).where(DrillPosition.drill_id == drill.id).with_for_update())}
    seen: set[tuple[str, str, datetime]] = set()
    for sighting in sorted(sightings, key=lambda s: s.ts):
        key = (sighting.tag_code, sighting.reader_code, sighting.ts)
        area = readers.get(sighting.reader_code)
        position = positions.get(sighting.tag_code)
        problem = sighting_problem(sighting.ts, now=now, ahead=ahead)
        if problem is None and key in seen:
            problem = SightingProblem.REPEATED
        if problem is None and area is None:
            problem = SightingProblem.UNKNOWN_READER
        if problem is None and sighting.tag_code not in tags:
            problem = SightingProblem.UNKNOWN_TAG
        if problem is None and position is not None and sighting.ts < position.last_seen_at:
            problem = SightingProblem.OUT_OF_ORDER
        if problem is not None:
            outcome.rejected.append(problem)
            continue
        assert area is not None
        seen.add(key)
        outcome.stored += 1
        if position is None:
            position = DrillPosition(drill_id=drill.id, tag_code=sighting.tag_code, start_area=area, area=area,
                                     reader_code=sighting.reader_code, first_seen_at=sighting.ts,
                                     last_seen_at=sighting.ts)
            session.add(position)
            positions[sighting.tag_code] = position
            outcome.moves += 1
        elif position.area != area:
            position.area = area
            outcome.moves += 1
        position.last_seen_at, position.reader_code = sighting.ts, sighting.reader_code
        if area in safe and position.safe_at is None:
            position.safe_at = sighting.ts
    await session.flush()
    return outcome


async def positions_of(*, session: AsyncSession, drill_id: uuid.UUID) -> list[DrillPosition]:
    return list(await session.scalars(select(DrillPosition).where(DrillPosition.drill_id == drill_id)
                                      .order_by(DrillPosition.tag_code)))
