"""seed-demo imports the demo colliery's roadway network and plans one drill ready to run, through the real flows;
the drill's scenario is what the worker plays (its documents over GraphQL parse into the worker's model)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.config import Settings
from backend.database.migrate import upgrade
from backend.drills.models import Drill, DrillParticipant, MineNetwork
from backend.drills.types import DrillType
from backend.permits.models import Permit
from backend.platform import Platform
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from drills.model import network_from_document, scenario_from_document
from drills.runner import timeline
from tests.conftest import TEST_SECRET, _drop_postgres_database, _fresh_postgres_database


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_seed_demo_has_a_mine_network_and_a_drill_ready_to_run(backend: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert DEMO_EXTENSIONS[-1] == "backend.drills.demo:seed_drills"
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}" if backend == "sqlite" else await _fresh_postgres_database()
    try:
        await asyncio.to_thread(upgrade, url)
        settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url,
                            store_folder=tmp_path / "o")
        await seed_demo_mine(settings)
        platform = Platform.from_settings(settings)
        try:
            async with platform.session_factory() as session:
                [network] = (await session.scalars(select(MineNetwork))).all()
                [drill] = (await session.scalars(select(Drill))).all()
                participants = (await session.scalars(select(DrillParticipant))).all()
                drill_permits = (await session.scalars(select(Permit).where(Permit.drill_id.is_not(None)))).all()
        finally:
            await platform.close()
    finally:
        if backend == "postgres":
            await _drop_postgres_database(url)
    assert network.version == 1 and len(network.document["areas"]) == 7
    assert (drill.state.value, drill.speed, drill.network) == ("PLANNED", 10.0, network.document)
    assert len(participants) == 2 and drill_permits == []  # its permits open when it starts
    # what `minesafe drills run` reads over GraphQL plays on the worker's side
    shown = DrillType.from_model(drill, mine_code="demo", report_url=None)
    played = timeline(network_from_document(json.loads(shown.network)),
                      scenario_from_document(json.loads(shown.scenario_document())))
    assert len(played.walkers()) == 11 and len(played.initial_sightings()) == 11
    assert dict(played.sensor_values(300))["WF1-CH4-01"] > 1.5  # over the face's power-cut level
