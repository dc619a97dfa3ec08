"""/metrics labels requests by route template: random URLs cannot grow it without bound."""

from __future__ import annotations

import uuid

from backend.metrics import UNMATCHED_ROUTE


async def test_unknown_urls_share_one_label_and_known_ones_use_their_template(client) -> None:
    await client.get("/metrics")
    before = len((await client.get("/metrics")).text)
    for _ in range(200):
        await client.get(f"/{uuid.uuid4().hex}/{uuid.uuid4().hex}")
        await client.put(f"/uploads/{uuid.uuid4().hex}", content=b"x")
    text = (await client.get("/metrics")).text
    assert f'route="{UNMATCHED_ROUTE}"' in text and 'route="/uploads/{token}"' in text
    assert len(text) - before < 4000, len(text) - before  # a few new series, not 400
    assert not any(line for line in text.splitlines() if "route=\"/" in line and "/uploads/" in line
                   and "{token}" not in line)
