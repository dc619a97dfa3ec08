"""The alarm in the background, as its own process (the Android service's code, run on the desktop): it follows
the session the app saved, rings for a new alert of the person's area, rings again until it is acknowledged,
and stops watching when the app signs out."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from contracts.alerts import AlertVerdict
from mobile.api.alerts import AlertsApi
from tests.conftest import MineFixture
from tests.mobile.alerts_setup import RAISE_MANUAL_SYNC
from tests.mobile.conftest import make_phone
from tests.mobile.test_app_headless import ROOT, app_env
from tests.mobile.training_setup import gql


def start_service(data: Path, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mobile.alarms.service", str(data), "--seconds", "120"],
                            cwd=ROOT, env=app_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def wait_for_line(lines: list[str], stream: Any, needle: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            time.sleep(0.05)
            continue
        lines.append(line)
        if needle in line:
            return line
    raise AssertionError(f"no {needle!r} in:\n{''.join(lines)}")


@pytest.mark.slow
def test_the_background_service_rings_for_my_area(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    data = tmp_path / "app-data"
    phone = make_phone(data, live_server.url)
    phone.ctx.settings.language = "en"
    phone.login(mine, "miner")                      # the app signed in: the session is in its SQLite file
    officer = make_phone(tmp_path / "officer", live_server.url)
    officer.login(mine, "safety_officer")
    service = start_service(data, tmp_path)
    lines: list[str] = []
    try:
        assert service.stdout is not None
        wait_for_line(lines, service.stdout, "watching for")
        wait_for_line(lines, service.stdout, "alarm-service connected")
        raised = gql(live_server.url, RAISE_MANUAL_SYNC, {"input": {
            "clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]), "severity": "CRITICAL",
            "title": "风门未关 door open", "detail": "at the return"}}, mine.token("miner2"))
        alert_id = raised["raiseManualAlert"]["id"]
        rang = wait_for_line(lines, service.stdout, "alarm: ")
        assert "CRITICAL · Area" in rang and "风门未关 door open" in rang
        again = wait_for_line(lines, service.stdout, "alarm: ", timeout=45)     # CRITICAL repeats after 30 s
        assert "风门未关" in again
        done = AlertsApi(officer.ctx.client).acknowledge(alert_id=alert_id, verdict=AlertVerdict.CONFIRMED)
        assert done.alert is not None
        phone.ctx.sessions.clear()                  # the app signed out
        wait_for_line(lines, service.stdout, "nobody signed in")
    finally:
        service.terminate()
        service.wait(timeout=10)


@pytest.mark.slow
async def test_an_alert_escalated_to_the_mine_manager_rings_their_phone(tmp_path: Path, platform: Any,
                                                                        settings_for: Any, mine: MineFixture) -> None:
    """Another area's alarm does not call the mine manager; once nobody acknowledged it and the sweep escalated
    it to them (`escalatedTo`), their phone rings, saying so."""
    from backend.org.models import Mine
    from tests.conftest import free_port
    from tests.mobile.conftest import serve

    async with platform.session_factory() as session:
        row = await session.get(Mine, mine.mine_id)
        row.settings = {**(row.settings or {}), "alert_escalation_minutes": {"CRITICAL": [0.05, 0.1]}}
        await session.commit()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serve(settings_for(platform.settings.database_url, public_url=url, alerts_sweep_interval_seconds=1.0), port):
        data = tmp_path / "manager-phone"
        phone = make_phone(data, url)
        phone.ctx.settings.language = "zh"
        await asyncio.to_thread(phone.login, mine, "mine_manager")
        service = await asyncio.to_thread(start_service, data, tmp_path)
        lines: list[str] = []
        try:
            assert service.stdout is not None
            await asyncio.to_thread(wait_for_line, lines, service.stdout, "alarm-service connected")
            raised = await asyncio.to_thread(gql, url, RAISE_MANUAL_SYNC, {"input": {
                "clientId": str(uuid.uuid4()), "areaId": str(mine.areas[1]), "severity": "CRITICAL",
                "title": "运输巷冒顶 roof fall in the haulage roadway", "detail": ""}}, mine.token("safety_officer"))
            assert raised["raiseManualAlert"]["__typename"] == "Alert"
            rang = await asyncio.to_thread(wait_for_line, lines, service.stdout, "alarm: ", 40)
            assert "已升级上报给您：运输巷冒顶" in rang, rang       # the first ring is the escalation, not the raise
            assert not any("alarm: " in line for line in lines[:-1])
        finally:
            service.terminate()
            await asyncio.to_thread(service.wait, 10)
