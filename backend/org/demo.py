"""Demo organisation and responsibility data for the demo mine (a DEMO_EXTENSIONS hook of backend/seed.py), made
through the flows so that every step is in the audit chain: districts above the demo areas with codes and map
positions, team codes, posts, the demo people imported from a CSV (employee numbers, posts, mentors), mine
settings, and responsibility lists — the gas inspector's post in versions 1 and 2."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import service as accounts_service
from backend.accounts.models import DeviceKind
from backend.accounts.service import principal_for
from backend.org import flows, people
from backend.org.models import AreaKind
from backend.org.people_io import PeopleFormat
from backend.platform import Platform
from backend.responsibility import flows as responsibility_flows
from backend.responsibility.models import HolderKind

DISTRICTS = [("D1", "一采区 No. 1 district", (100.0, 200.0)), ("D2", "井底车场区 Pit-bottom district", (400.0, 150.0))]
# demo area index -> (code, district code, map position)
AREA_PLACES = {0: ("15201-F", "D1", (120.0, 230.0)), 1: ("15203-H", "D1", (160.0, 260.0)),
               2: ("15201-R", "D1", (130.0, 180.0)), 3: ("MAIN-HAUL", "D2", (380.0, 160.0)),
               4: ("SUBSTATION", "D2", (420.0, 120.0))}
TEAM_CODES = {"综采一队 Longwall team 1": "T-LW1", "掘进二队 Heading team 2": "T-HD2"}
POSTS = [("SHEARER", "采煤机司机 Shearer driver", 0), ("GAS", "瓦检员 Gas inspector", "D1"),
         ("SAFETY", "安全员 Safety man", "D1"), ("ELEC", "电钳工 Electrician", 4)]
PEOPLE_CSV = """employee_no,username,name,post,team,roles,phone,mentor
A0001,admin,系统管理员 Admin,,,admin,,
M0001,kuangzhang,王矿长 Wang (mine manager),,,mine_manager,,
M0002,anquan,"李安全副矿长 Li (deputy, safety)",,,mine_manager,,
Q0001,quduizhang,赵区队长 Zhao (area manager),,,area_manager,,
S0001,anjianyuan,孙安检员 Sun (safety officer),SAFETY,,safety_officer,,
S0002,anjianyuan2,周安检员 Zhou (safety officer),GAS,,safety_officer,,
T0001,banzuzhang,吴班组长 Wu (team leader),SHEARER,T-LW1,team_leader|miner,,
T0002,shifu,郑师傅 Zheng (mentor),SHEARER,T-LW1,mentor|miner,,
W0001,kuanggong1,陈矿工 Chen (miner),SHEARER,T-LW1,miner,138-0000-0001,T0002
W0002,kuanggong2,刘矿工 Liu (miner),ELEC,T-HD2,miner,,
W0003,tudi,何徒弟 He (apprentice),,T-LW1,miner,,T0002
"""


async def seed_org(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    admin = principal_for(demo["users"]["admin"])
    areas, teams = demo["areas"], demo["teams"]
    await flows.change_settings(session, actor=admin, exam_pass_mark=80.0,
                                roof={"separation_yellow_mm": 10.0, "separation_red_mm": 25.0})
    districts = {}
    for code, name, (x, y) in DISTRICTS:
        districts[code] = await flows.create_unit(session, actor=admin, code=code, name=name, kind=AreaKind.DISTRICT,
                                                  parent_id=None, map_x=x, map_y=y)
    for index, (code, district, (x, y)) in AREA_PLACES.items():
        await flows.update_unit(session, actor=admin, unit_id=areas[index].id, code=code, map_x=x, map_y=y)
        await flows.move_unit(session, actor=admin, unit_id=areas[index].id, parent_id=districts[district].id)
    for name, code in TEAM_CODES.items():
        await flows.update_team(session, actor=admin, team_id=teams[name].id, code=code)
    posts = {}
    for code, name, unit in POSTS:
        unit_id = districts[unit].id if isinstance(unit, str) else areas[unit].id
        posts[code] = await flows.create_post(session, actor=admin, code=code, name=name, unit_id=unit_id)
    report = await people.import_people(session, actor=admin, content=PEOPLE_CSV.encode(), fmt=PeopleFormat.CSV)
    assert report.ok, report.errors
    manager = principal_for(demo["users"]["kuangzhang"])

    async def publish(kind: HolderKind, holder_id: Any, duties: str, area_ids: list[Any], levels: list[str],
                      devices: Sequence[Any] = (), risk_points: Sequence[str] = ()) -> None:
        draft = await responsibility_flows.create_draft(session, actor=manager, holder_kind=kind, holder_id=holder_id)
        await responsibility_flows.update_draft(session, actor=manager, list_id=draft.id, duties=duties,
                                                hazard_levels=levels, area_ids=area_ids, device_ids=list(devices),
                                                risk_point_ids=list(risk_points))
        await responsibility_flows.publish(session, actor=manager, list_id=draft.id)

    face, heading, ret = areas[0].id, areas[1].id, areas[2].id
    await publish(HolderKind.POST, posts["GAS"].id, "每班检查工作面及回风巷瓦斯三次，记录并上报超限。\n"
                  "Check methane at the face three times a shift; record and report any excess.", [face], ["B", "C"])
    await publish(HolderKind.POST, posts["GAS"].id, "每班检查工作面、掘进面及回风巷瓦斯三次，超限立即停工撤人。\n"
                  "Check methane at the faces and the return three times a shift; stop work and withdraw people "
                  "on any excess.", [face, heading, ret], ["B", "C"])
    await publish(HolderKind.POST, posts["SAFETY"].id, "一采区安全巡查，一般隐患 A/B 级的督办。\n"
                  "Safety rounds in district 1; follows up general A and B hazards.", [districts["D1"].id],
                  ["A", "B"])
    await publish(HolderKind.POST, posts["SHEARER"].id, "采煤机开机前检查，割煤时观察顶板。\n"
                  "Check the shearer before starting; watch the roof while cutting.", [face], ["C"])
    bridges = [d.id for d in await accounts_service.list_devices(session=session, mine_id=demo["mine"].id)
               if d.kind is DeviceKind.SENSOR_BRIDGE]
    await publish(HolderKind.POST, posts["ELEC"].id, "中央变电所设备巡检、停送电挂牌。\n"
                  "Rounds in the central substation; lock-out tag-out for isolation.", [areas[4].id], [],
                  devices=bridges)
    await publish(HolderKind.PERSON, demo["users"]["quduizhang"].id, "一采区区队长：重大隐患治理方案落实、现场督办。\n"
                  "Area manager, district 1: carries out treatment plans for major hazards.",
                  [districts["D1"].id, face], ["MAJOR", "A"])
    demo["districts"], demo["posts"] = districts, posts
