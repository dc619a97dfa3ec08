"""lock_mine reads the mine's row afresh: an unflushed change made earlier in the same transaction survives it."""

from __future__ import annotations

from backend.database.tenancy import lock_mine
from backend.org.models import Mine


async def test_an_unflushed_change_to_the_mine_survives_taking_its_lock(platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    async with platform.session_factory() as session:
        row = await session.get(Mine, mine.mine_id)
        assert row is not None
        row.settings = {**(row.settings or {}), "positioning": {"metres_per_map_unit": 1.0}}  # not flushed
        locked = await lock_mine(session, mine.mine_id)
        assert locked is row and locked.settings["positioning"] == {"metres_per_map_unit": 1.0}
        await session.commit()
    async with platform.session_factory() as session:
        stored = await session.get(Mine, mine.mine_id)
        assert stored is not None and stored.settings["positioning"] == {"metres_per_map_unit": 1.0}
