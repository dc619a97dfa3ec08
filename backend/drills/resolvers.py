"""The mine model (mineNetwork, importMineNetwork, setRoadway, removeRoadway, downstreamAreas) and drills (drills,
drill, myDrills, planDrill, startDrill, finishDrill, reportDrillResponse,
submitDrillVisionVideo)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.drills import flows, service
from backend.drills.models import Drill, DrillEventKind
from backend.drills.network import downstream_areas
from backend.drills.permissions import CanDirectDrills
from backend.drills.types import (
    DrillEventKindType,
    DrillEventRecordedType,
    DrillEventResult,
    DrillResult,
    DrillType,
    MineNetworkResult,
    MineNetworkType,
    MyDrillType,
    PlanDrillInput,
    RoadwayInput,
    SubmitDrillVisionVideoInput,
)
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id
from backend.org.models import Mine
from backend.storage.service import download_url
from backend.vision.types import VisionJobResult, VisionJobType


async def _network_type(ctx: Context) -> MineNetworkType | None:
    row = await service.network_of(session=ctx.session, mine_id=ctx.person().mine_id)
    if row is None:
        return None
    return MineNetworkType.from_model(row, flows.as_network(row), flows.export_network(row))


async def _committed_network(ctx: Context) -> MineNetworkType:
    await ctx.commit()
    network = await _network_type(ctx)
    assert network is not None
    return network


async def _drill_type(ctx: Context, drill: Drill) -> DrillType:
    mine = await ctx.session.get(Mine, drill.mine_id)
    url = (await download_url(store=ctx.store, settings=ctx.settings, key=drill.report_key)
           if drill.report_key else None)
    return DrillType.from_model(drill, mine_code=mine.code.lower() if mine else "", report_url=url)


def _director(ctx: Context) -> None:
    CanDirectDrills.check(ctx.person())


@strawberry.type
class Query:
    @strawberry.field(description="The mine's roadway network (null until one is imported).")
    async def mine_network(self, info: Info[Context, None]) -> MineNetworkType | None:
        return await _network_type(info.context)

    @strawberry.field(description="The areas the air of an area (its code) reaches, nearest first: the affected "
                                  "areas of a gas or fire event there. Empty for an area the model lacks.")
    async def downstream_areas(self, info: Info[Context, None], area_code: str) -> list[str]:
        ctx = info.context
        row = await service.network_of(session=ctx.session, mine_id=ctx.person().mine_id)
        if row is None:
            return []
        try:
            return downstream_areas(flows.as_network(row), area_code)
        except KeyError:
            return []

    @strawberry.field(description="The mine's drills, newest first (drill history): directors only.")
    async def drills(self, info: Info[Context, None], first: int = 50) -> list[DrillType]:
        ctx = info.context
        _director(ctx)
        rows = await service.list_for_mine(session=ctx.session, mine_id=ctx.person().mine_id,
                                           first=max(1, min(first, 200)))
        return [await _drill_type(ctx, d) for d in rows]

    @strawberry.field
    async def drill(self, info: Info[Context, None], id: strawberry.ID) -> DrillType | None:
        ctx = info.context
        _director(ctx)
        drill = await ctx.session.get(Drill, parse_id(id, "id"))
        if drill is None or drill.mine_id != ctx.person().mine_id:
            return None
        return await _drill_type(ctx, drill)

    @strawberry.field(description="The drills I take part in: my task and the drill's result.")
    async def my_drills(self, info: Info[Context, None], first: int = 20) -> list[MyDrillType]:
        ctx = info.context
        me = ctx.person()
        rows = await service.participation(session=ctx.session, user_id=me.id, first=max(1, min(first, 100)))
        return [MyDrillType.from_model(p, await _drill_type(ctx, d)) for p, d in rows if d.mine_id == me.mine_id]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Replace the mine model with a YAML or JSON document: areas (codes of the unit "
                                     "tree), roadways along the air, sensors, cameras, readers. Errors name the "
                                     "field and line.")
    @returns_domain_errors
    async def import_mine_network(self, info: Info[Context, None], document: str) -> MineNetworkResult:
        ctx = info.context
        await flows.import_network(ctx.session, actor=ctx.person(), text=document)
        return await _committed_network(ctx)

    @strawberry.mutation(description="Add a roadway, or change the one between the same two areas.")
    @returns_domain_errors
    async def set_roadway(self, info: Info[Context, None], input: RoadwayInput) -> MineNetworkResult:
        ctx = info.context
        spec = {"from": input.from_area, "to": input.to_area, "length_m": input.length_m,
                "cross_section_m2": input.cross_section_m2, "air_speed_m_s": input.air_speed_m_s}
        await flows.upsert_roadway(ctx.session, actor=ctx.person(), spec=spec)
        return await _committed_network(ctx)

    @strawberry.mutation
    @returns_domain_errors
    async def remove_roadway(self, info: Info[Context, None], from_area: str, to_area: str) -> MineNetworkResult:
        ctx = info.context
        await flows.remove_roadway(ctx.session, actor=ctx.person(), from_area=from_area, to_area=to_area)
        return await _committed_network(ctx)

    @strawberry.mutation(description="Plan a drill of a scenario (YAML) on the mine's model, with its participants.")
    @returns_domain_errors
    async def plan_drill(self, info: Info[Context, None], input: PlanDrillInput) -> DrillResult:
        ctx = info.context
        participants = [flows.ParticipantIn(user_id=parse_id(p.user_id, "participants"), task=p.task)
                        for p in input.participants]
        drill = await flows.plan_drill(ctx.session, actor=ctx.person(), scenario_text=input.scenario,
                                       speed=input.speed, participants=participants)
        await ctx.commit()
        return await _drill_type(ctx, drill)

    @strawberry.mutation(description="Start a planned drill: its clock runs from now.")
    @returns_domain_errors
    async def start_drill(self, info: Info[Context, None], id: strawberry.ID) -> DrillResult:
        ctx = info.context
        drill = await flows.start_drill(ctx.session, actor=ctx.person(), drill_id=parse_id(id, "id"))
        await ctx.commit()
        return await _drill_type(ctx, drill)

    @strawberry.mutation(description="Finish a running drill: responses measured, scored, the report made.")
    @returns_domain_errors
    async def finish_drill(self, info: Info[Context, None], id: strawberry.ID) -> DrillResult:
        ctx = info.context
        drill = await flows.finish_drill(ctx.session, actor=ctx.person(), store=ctx.store,
                                         drill_id=parse_id(id, "id"))
        await ctx.commit()
        return await _drill_type(ctx, drill)

    @strawberry.mutation(description="A participant reports a response made in the drill (permits suspended, "
                                     "hazard opened, evacuation ordered); the server times it.")
    @returns_domain_errors
    async def report_drill_response(self, info: Info[Context, None], drill_id: strawberry.ID,
                                    kind: DrillEventKindType, subject: str = "",  # type: ignore[valid-type]
                                    detail: str = "") -> DrillEventResult:
        ctx = info.context
        event = await flows.record_response(ctx.session, actor=ctx.person(), drill_id=parse_id(drill_id, "drillId"),
                                            kind=DrillEventKind(kind), subject=subject, detail=detail)
        await ctx.commit()
        return DrillEventRecordedType(kind=event.kind, at=event.at)

    @strawberry.mutation(description="A drill's camera video (its person down), uploaded with requestUpload(VIDEO), "
                                     "queued for the vision worker: its events raise drill alerts.")
    @returns_domain_errors
    async def submit_drill_vision_video(self, info: Info[Context, None],
                                        input: SubmitDrillVisionVideoInput) -> VisionJobResult:
        ctx = info.context
        job = await flows.submit_vision_video(ctx.session, actor=ctx.person(), store=ctx.store,
                                              drill_id=parse_id(input.drill_id, "drillId"), camera=input.camera,
                                              object_key=input.object_key, recorded_at=input.recorded_at)
        await ctx.commit()
        return VisionJobType.from_model(job)
