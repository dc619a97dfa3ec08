"""The permit kinds every mine starts with (DOMAIN.md "Work permits"); a mine edits its own rows."""

from __future__ import annotations

from typing import Any

AM, SO, MM = "area_manager", "safety_officer", "mine_manager"


def _grade(grade: str, roles: list[str], hours: float) -> dict[str, Any]:
    return {"grade": grade, "approver_roles": roles, "validity_hours": hours}


def _measure(code: str, zh: str, en: str) -> dict[str, Any]:
    return {"code": code, "names": {"zh": zh, "en": en}}


DEFAULT_KINDS: list[dict[str, Any]] = [
    {
        "code": "HOT_WORK", "names": {"zh": "动火作业", "en": "Hot work"},
        "rules": {"ch4_limit": 0.5, "underground_approver": MM, "conflicts_with": ["BLASTING"]},
        # GB 30871-2022: 特级/一级 ≤ 8 h, 二级 ≤ 72 h
        "grades": [_grade("SPECIAL", [AM, SO, MM], 8), _grade("FIRST", [AM, SO], 8), _grade("SECOND", [AM], 72)],
        "measures": [
            _measure("NONCOMBUSTIBLE_10M", "动火点前后各10 m内为不燃性支护",
                     "Non-combustible support within 10 m both sides"),
            _measure("WATER_SPRAY", "接好供水管路并有专人喷水", "Water line connected, a person spraying"),
            _measure("SPARK_CATCHER", "井筒、斜巷内下方设接火星设施", "Spark catcher below (shafts, inclines)"),
            _measure("EXTINGUISHERS", "备足灭火器材", "Fire extinguishers at hand"),
            _measure("NO_GAS_20M", "20 m内巷道顶部无瓦斯积聚", "No gas accumulation at the roof within 20 m"),
            _measure("RECHECK_AFTER", "作业后洒水并再次检查", "Spray and check again afterwards"),
        ],
    },
    {
        "code": "ELECTRICAL_ISOLATION", "names": {"zh": "停送电作业", "en": "Electrical isolation"},
        "rules": {"ch4_limit": 1.0, "isolation": True},
        "grades": [_grade("FIRST", [AM, SO], 8), _grade("SECOND", [AM], 24)],
        "measures": [
            _measure("LOCK_OUT", "断开电源并闭锁", "Power switched off and locked out"),
            _measure("TAG_OUT", "悬挂“有人工作，禁止送电”牌", "Tag \"men at work, do not switch on\" hung"),
            _measure("TEST_DEAD", "验电、放电", "Tested dead and discharged"),
            _measure("EARTHED", "装设接地线", "Earthing connected"),
            _measure("ONE_KEY", "谁停电谁送电", "Whoever isolates restores"),
        ],
    },
    {
        "code": "ROOF_SUPPORT", "names": {"zh": "顶板支护作业", "en": "Roof and support work"},
        "rules": {"ch4_limit": 1.0},
        "grades": [_grade("FIRST", [AM, SO], 8), _grade("SECOND", [AM], 12)],
        "measures": [
            _measure("KNOCK_TEST", "敲帮问顶，处理活矸", "Roof and sides sounded, loose rock taken down"),
            _measure("TEMP_SUPPORT", "先支后回，临时支护到位", "Temporary support set before removal"),
            _measure("ESCAPE_ROUTE", "退路畅通", "Escape route clear"),
            _measure("ROOF_WATCH", "专人观察顶板", "A person watching the roof"),
        ],
    },
    {
        "code": "BLASTING", "names": {"zh": "爆破作业", "en": "Blasting"},
        "rules": {"ch4_limit": 1.0, "blasting": True, "conflicts_with": ["HOT_WORK"]},
        "grades": [_grade("FIRST", [AM, SO], 8)],
        "measures": [
            _measure("GUARDS_POSTED", "设好警戒", "Guards posted"),
            _measure("STEMMING", "炮眼封泥满足要求", "Holes stemmed"),
            _measure("ROADWAY_CLEAR", "20 m内巷道堵塞不超过1/3", "Roadway within 20 m not over a third blocked"),
            _measure("WATER_CURTAIN", "放炮喷雾、洒水", "Water curtain and spraying"),
        ],
    },
    {
        "code": "CONFINED_SPACE", "names": {"zh": "受限空间作业", "en": "Confined space"},
        "rules": {"ch4_limit": 0.5},
        "grades": [_grade("FIRST", [AM, SO], 8), _grade("SECOND", [AM], 24)],
        "measures": [
            _measure("VENTILATED", "通风换气", "Ventilated"),
            _measure("O2_TOXIC_TESTED", "氧气、有毒有害气体检测合格", "O2 and toxic gases tested"),
            _measure("RESCUE_READY", "救援器材到位", "Rescue equipment ready"),
        ],
    },
    {
        "code": "WORK_AT_HEIGHT", "names": {"zh": "高处作业", "en": "Work at height"},
        "rules": {"ch4_limit": 1.0},
        "grades": [_grade("FIRST", [AM, SO], 8), _grade("SECOND", [AM], 72)],
        "measures": [
            _measure("HARNESS", "系好安全带", "Harness worn and anchored"),
            _measure("PLATFORM", "脚手架、作业平台牢固", "Platform or scaffold secure"),
            _measure("BELOW_CLEARED", "下方设警戒、无人", "Area below cordoned off"),
        ],
    },
]
