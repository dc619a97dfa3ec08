"""Reporting with photos through the S3 store (a real SeaweedFS server) instead of the folder store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from backend.main import create_app
from backend.platform import Platform
from tests.backend.api import report
from tests.s3_server import S3Server, s3_server  # noqa: F401  (pytest fixture)


@pytest.fixture
async def s3_client(database_url: str, settings_for, s3_server: S3Server  # noqa: F811
                    ) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(database_url, store="s3", s3_endpoint=s3_server.endpoint,
                            s3_access_key=s3_server.access_key, s3_secret_key=s3_server.secret_key,
                            s3_bucket=s3_server.bucket, s3_region=s3_server.region)
    platform = Platform.from_settings(settings)
    await platform.store.ensure_bucket()  # type: ignore[attr-defined]
    app = create_app(settings, platform)
    app.state.platform = platform
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
    await platform.close()


async def test_photos_go_straight_to_s3_and_come_back_re_encoded(s3_client, make_mine, s3_server) -> None:  # noqa: F811
    mine = await make_mine()
    hazard = await report(s3_client, mine.token("miner"), mine.areas[0], photos=2)
    assert hazard["__typename"] == "Hazard", hazard
    assert len(hazard["photos"]) == 2
    url = hazard["photos"][0]["url"]
    assert url.startswith(f"http://{s3_server.endpoint}/")  # a presigned GET, not through the backend
    async with httpx.AsyncClient() as direct:
        photo = await direct.get(url)
        thumb = await direct.get(hazard["photos"][0]["thumbnailUrl"])
    assert photo.status_code == 200 and photo.content[:3] == b"\xff\xd8\xff"
    assert thumb.status_code == 200 and len(thumb.content) < len(photo.content)
