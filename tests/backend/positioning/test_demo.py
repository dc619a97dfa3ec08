"""seed-demo registers the simulator's readers and tags; the simulator's people moving through the demo areas
are placed where their routes say, and no walk of theirs is flagged as an impossible jump."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete

from backend.config import Settings
from backend.database.migrate import upgrade
from backend.main import create_app
from backend.platform import Platform
from backend.positioning.models import PersonPosition
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from contracts.demo import DEMO_TAGS, POLLING_SECONDS
from sensors.demo import tag_reader_at
from sensors.simulator import reader_polls
from tests.backend.positioning.api import FLAGGED, OCCUPANCY, ingest
from tests.conftest import TEST_SECRET, gql

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename
  ... on AuthSession { accessToken } } }"""


async def test_the_simulated_people_move_through_the_demo_mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    assert "backend.positioning.demo:seed_positioning" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    token = (tmp_path / "var" / "sensor-bridge.token").read_text().strip()
    platform = Platform.from_settings(settings)
    async with platform.session_factory() as session:
        # the permits demo puts its guardians where positioning would see them, at seeding time; this test replays
        # the simulator's last 15 minutes, which would be older than those positions (refused as out of order)
        await session.execute(delete(PersonPosition).where(PersonPosition.reader_code == "DEMO"))
        await session.commit()
    try:
        app = create_app(settings, platform)
        app.state.platform = platform
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            span = 900.0
            start = datetime.now(UTC) - timedelta(seconds=span + 5)
            sightings = []
            t = 0.0
            while t < span:
                at = start + timedelta(seconds=t)
                for reader, poll in reader_polls(t, at).items():
                    sightings += [{"tagCode": s.tag, "readerCode": reader, "ts": s.ts.isoformat()}
                                  for s in poll.sightings]
                t += POLLING_SECONDS
            totals = {"stored": 0, "flagged": 0, "rejected": 0}
            for seq, index in enumerate(range(0, len(sightings), 2000)):
                result = await ingest(http, token, sightings[index:index + 2000], seq=seq,
                                      batch_id=str(uuid.uuid4()))
                assert result["__typename"] == "SightingBatchAccepted", result
                for key in totals:
                    totals[key] += result[key]
            assert totals == {"stored": len(sightings), "flagged": 0, "rejected": 0}, totals
            login = (await gql(http, LOGIN, {"u": "anjianyuan", "p": "minesafe-demo"}))["login"]
            officer = login["accessToken"]
            assert (await gql(http, FLAGGED, token=officer))["flaggedSightings"] == []
            occupancy = {o["area"]["name"]: o for o in (await gql(http, OCCUPANCY, token=officer))["areaOccupancy"]}
            where = {tag: tag_reader_at(route, span - POLLING_SECONDS) for tag, _, route in DEMO_TAGS}
            assert sum(o["count"] for o in occupancy.values()) == len(DEMO_TAGS)
            assert any(o["limit"] for o in occupancy.values()) and where
    finally:
        await platform.close()
