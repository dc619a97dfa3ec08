"""GraphiQL works without the internet: the page references only this backend's URLs, each of them is served,
and each file is the very one strawberry's page names by its integrity hash."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess

import httpx
import pytest

from backend.graphiql import local_page
from backend.main import create_app

TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.S)
ATTR = re.compile(r"""\b(src|href|integrity)\s*=\s*["']([^"']+)["']""")


@pytest.fixture
async def client(platform):  # type: ignore[no-untyped-def]
    """The app as in development (GraphiQL on), in-process over ASGI."""
    app = create_app(platform.settings.model_copy(update={"graphiql": True}), platform)
    app.state.platform = platform
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


async def test_the_graphiql_page_loads_every_asset_from_the_backend(client) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "unpkg.com" not in page.text and "cdn.jsdelivr" not in page.text
    assets = []
    for tag in TAG.findall(page.text):
        attrs = dict(ATTR.findall(tag))
        url = attrs.get("src") or attrs.get("href")
        if url:
            assets.append((url, attrs.get("integrity")))
    assert len(assets) == 7, assets          # React, ReactDOM, js-cookie, GraphiQL (JS, CSS), the explorer (JS, CSS)
    for url, integrity in assets:
        assert url.startswith("/graphiql/static/"), url
        served = await client.get(url)
        assert served.status_code == 200, url
        kind = served.headers["content-type"]
        assert ("javascript" in kind) if url.endswith(".js") else ("text/css" in kind), (url, kind)
        assert integrity, url              # the page still checks what it loads
        algorithm, _, expected = integrity.partition("-")
        digest = base64.b64encode(hashlib.new(algorithm, served.content).digest()).decode()
        assert digest == expected, url
    assert (await client.get("/graphiql/static/graphiql@3.8.3/nothing.js")).status_code == 404


def test_a_page_that_still_reaches_out_is_refused() -> None:
    assert local_page('<script src="https://unpkg.com/react@18.2.0/x.js"></script>') == \
        '<script src="/graphiql/static/react@18.2.0/x.js"></script>'
    with pytest.raises(RuntimeError):
        local_page('<link href="https://cdn.example.org/new.css">')
    with pytest.raises(RuntimeError):
        local_page('<script src="//cdn.example.org/new.js"></script>')


def test_serve_can_leave_out_the_access_log(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """scripts/dev runs `minesafe serve --no-access-log`: uvicorn gets access_log=False."""
    import uvicorn
    from typer.testing import CliRunner

    from backend.cli import app

    seen: list[dict] = []  # type: ignore[type-arg]
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.append(kwargs))
    assert CliRunner().invoke(app, ["serve", "--no-access-log"]).exit_code == 0
    assert CliRunner().invoke(app, ["serve"]).exit_code == 0
    assert [k["access_log"] for k in seen] == [False, True]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (Debian `chromium`) for the screenshot")
def test_graphiql_renders_in_a_browser_that_cannot_reach_the_internet(platform, settings_for, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A real browser whose every request outside this machine fails (a dead proxy) draws GraphiQL: its
    editor and the schema-driven docs button are there. The screenshot is looked at with the others."""
    from tests.conftest import ARTIFACTS, free_port
    from tests.mobile.conftest import serve

    port = free_port()
    settings = settings_for(platform.settings.database_url, public_url=f"http://127.0.0.1:{port}", graphiql=True)
    shots = ARTIFACTS / "screenshots" / "graphiql"
    shots.mkdir(parents=True, exist_ok=True)
    with serve(settings, port):
        run = subprocess.run(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,800", "--virtual-time-budget=15000",
             "--dump-dom", f"http://127.0.0.1:{port}/graphql"], capture_output=True, text=True, timeout=120)
        dom = run.stdout
        subprocess.run(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
             f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1280,800", "--virtual-time-budget=15000",
             f"--screenshot={shots / 'graphiql_offline.png'}", f"http://127.0.0.1:{port}/graphql"],
            capture_output=True, text=True, timeout=120)
    assert "graphiql-editors" in dom or "graphiql-session" in dom, dom[-2000:]   # React drew GraphiQL
    assert "Loading..." not in dom
    assert (shots / "graphiql_offline.png").stat().st_size > 10000
