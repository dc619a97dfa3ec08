"""The figures of a period as named tables: what the PDF shows, every list exported, and the digest proving a
re-run gives the same figures. Pure: KPI facts in, tables out."""

from __future__ import annotations

import enum
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from backend.hazards.rules import OPEN_STATES
from backend.kpi.rules import (
    LAGGING,
    LEADING,
    HazardFact,
    Indicator,
    KpiFacts,
    PlaceFact,
    StateChange,
    Unit,
    UnitKind,
    UnitKpis,
    ack_figures,
    alert_kpis,
    hazard_in,
    indicator_values,
    is_overdue_at,
    plan_status,
    recurring_hazards,
    reported_in,
    time_in_states,
    unit_kpis,
)
from backend.kpi.scoring import IndicatorRule, rank_scores, score_unit
from contracts.hazards import HazardState


class ColumnKind(enum.StrEnum):
    TEXT = "TEXT"
    INT = "INT"
    RATE = "RATE"        # 0..1, shown as a percentage
    NUMBER = "NUMBER"
    TIME = "TIME"        # ISO 8601


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    zh: str
    en: str
    kind: ColumnKind = ColumnKind.TEXT

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass
class Table:
    name: str
    zh: str
    en: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    hazard_ids: list[list[str]] = field(default_factory=list)
    """Per row, the hazards behind it (the drill-down); empty where a row is not about hazards."""
    cell_kinds: dict[tuple[int, int], ColumnKind] = field(default_factory=dict)
    """(row, column) → how a cell reads where it differs from its column (a rate in a column of values)."""

    def kind_of(self, row: int, column: int) -> ColumnKind:
        return self.cell_kinds.get((row, column), self.columns[column].kind)

    def as_jsonable(self) -> dict[str, Any]:
        return {"name": self.name, "columns": [c.key for c in self.columns],
                "rows": [[_plain(v) for v in row] for row in self.rows]}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def digest(tables: Sequence[Table]) -> str:
    """sha256 of the tables as canonical JSON."""
    payload = json.dumps([t.as_jsonable() for t in tables], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


INDICATOR_NAMES: dict[Indicator, tuple[str, str, ColumnKind]] = {
    Indicator.HAZARDS_REPORTED: ("隐患上报数", "hazards reported", ColumnKind.INT),
    Indicator.CLOSE_OUT_RATE: ("整改闭环率", "close-out rate", ColumnKind.RATE),
    Indicator.ON_TIME_RATE: ("按期整改率", "on-time rate", ColumnKind.RATE),
    Indicator.MEAN_HOURS_TO_CLOSE: ("平均整改时长(h)", "mean hours to close", ColumnKind.NUMBER),
    Indicator.OVERDUE: ("超期隐患数", "overdue", ColumnKind.INT),
    Indicator.MAJOR_HAZARDS: ("重大隐患数", "major hazards", ColumnKind.INT),
    Indicator.WARNING_ACCURACY: ("预警准确率", "warning accuracy", ColumnKind.RATE),
    Indicator.MEAN_MINUTES_TO_ACKNOWLEDGE: ("平均响应(min)", "mean minutes to acknowledge", ColumnKind.NUMBER),
    Indicator.SENSOR_ONLINE_RATE: ("传感器在线率", "sensor online rate", ColumnKind.RATE),
    Indicator.MAINTENANCE_COMPLIANCE: ("设备维护合规率", "maintenance compliance", ColumnKind.RATE),
    Indicator.COURSE_COMPLETION: ("课程完成率", "course completion", ColumnKind.RATE),
    Indicator.EXAM_PASS_RATE: ("考试合格率", "exam pass rate", ColumnKind.RATE),
    Indicator.EXAM_MEAN_SCORE: ("考试平均分", "exam mean score", ColumnKind.NUMBER),
    Indicator.RETRAINING_HOURS_PER_PERSON: ("人均复训学时", "retraining hours per person", ColumnKind.NUMBER),
    Indicator.PROFICIENCY_MEAN_SCORE: ("技能熟练度", "operator proficiency", ColumnKind.NUMBER),
}
STATE_NAMES = {HazardState.REPORTED: "待分派", HazardState.ASSIGNED: "待接收", HazardState.RECTIFYING: "整改中",
               HazardState.PENDING_REVIEW: "待复查"}
GRADE_NAMES = {"MAJOR": "重大", "GENERAL": "一般", "UNGRADED": "未定级"}


@dataclass(frozen=True)
class PeriodInputs:
    """What a report needs besides the KPI facts: the audited steps, the places, the scheme, and earlier periods."""

    changes: Sequence[StateChange] = ()
    places: Sequence[PlaceFact] = ()
    scheme: Sequence[IndicatorRule] = ()
    trend: Sequence[tuple[str, dict[Indicator, float | None]]] = ()


def _name(facts: KpiFacts, kind: UnitKind, unit_id: str | None) -> str:
    if unit_id is None:
        return "未指定 unassigned"
    return facts.org.names.get(f"{kind.value}:{unit_id}", unit_id)


def summary_table(kpis: UnitKpis, trend: Sequence[tuple[str, dict[Indicator, float | None]]] = ()) -> Table:
    values = indicator_values(kpis)
    labels = [label for label, _ in trend]
    table = Table("summary", "指标汇总", "Indicators", [
        Column("indicator", "指标", "indicator"), Column("code", "代码", "code"),
        Column("kind", "类型", "leading/lagging"), Column("value", "本期", "this period", ColumnKind.NUMBER),
        *[Column(f"p{i}", label, label, ColumnKind.NUMBER) for i, label in enumerate(labels)]])
    for indicator, (zh, en, _) in INDICATOR_NAMES.items():
        kind = "先行 leading" if indicator in LEADING else "滞后 lagging" if indicator in LAGGING else ""
        table.rows.append([f"{zh} {en}", indicator.value, kind, values[indicator],
                           *[v.get(indicator) for _, v in trend]])
        table.hazard_ids.append([])
        for column in range(3, 4 + len(labels)):
            table.cell_kinds[(len(table.rows) - 1, column)] = INDICATOR_NAMES[indicator][2]
    return table


def leading_lagging_table(kpis: UnitKpis) -> Table:
    values = indicator_values(kpis)
    table = Table("leading_lagging", "先行与滞后指标", "Leading and lagging indicators", [
        Column("leading", "先行指标", "leading"), Column("leading_value", "值", "value", ColumnKind.NUMBER),
        Column("lagging", "滞后指标", "lagging"), Column("lagging_value", "值", "value", ColumnKind.NUMBER)])
    for i in range(max(len(LEADING), len(LAGGING))):
        lead = LEADING[i] if i < len(LEADING) else None
        lag = LAGGING[i] if i < len(LAGGING) else None
        table.rows.append([INDICATOR_NAMES[lead][0] if lead else "", values[lead] if lead else None,
                           INDICATOR_NAMES[lag][0] if lag else "", values[lag] if lag else None])
        table.hazard_ids.append([])
        for column, indicator in ((1, lead), (3, lag)):
            if indicator is not None:
                table.cell_kinds[(i, column)] = INDICATOR_NAMES[indicator][2]
    return table


def grade_table(facts: KpiFacts, kpis: UnitKpis) -> Table:
    table = Table("by_grade", "按等级的隐患整改", "Hazards by grade", [
        Column("grade", "等级", "grade"), Column("reported", "上报", "reported", ColumnKind.INT),
        Column("closed", "销号", "closed", ColumnKind.INT),
        Column("close_out_rate", "闭环率", "close-out", ColumnKind.RATE),
        Column("on_time_rate", "按期率", "on time", ColumnKind.RATE),
        Column("mean_hours", "平均时长h", "mean hours", ColumnKind.NUMBER),
        Column("open", "未销号", "open", ColumnKind.INT), Column("overdue", "超期", "overdue", ColumnKind.INT)])
    by_grade: dict[str, list[str]] = defaultdict(list)
    for fact in facts.hazards:
        if reported_in(fact, facts.period) and fact.state is not HazardState.DISMISSED:
            by_grade[fact.grade or "UNGRADED"].append(fact.hazard_id)
    for grade in sorted(kpis.hazards.by_grade):
        f = kpis.hazards.by_grade[grade]
        table.rows.append([GRADE_NAMES.get(grade, grade), f.reported, f.closed, f.close_out_rate, f.on_time_rate,
                           f.mean_hours_to_close, f.open, f.overdue])
        table.hazard_ids.append(sorted(by_grade[grade]))
    return table


def daily_table(facts: KpiFacts, timezone_offset: timedelta) -> Table:
    """Hazards reported and closed per day of the period (local days)."""
    table = Table("daily", "每日隐患上报与销号", "Hazards per day", [
        Column("day", "日期", "day"), Column("reported", "上报", "reported", ColumnKind.INT),
        Column("closed", "销号", "closed", ColumnKind.INT)])
    days: dict[str, list[int]] = {}
    day = facts.period.start
    while day < facts.period.end:
        days[(day + timezone_offset).strftime("%Y-%m-%d")] = [0, 0]
        day += timedelta(days=1)
    ids: dict[str, list[str]] = defaultdict(list)
    for fact in facts.hazards:
        if fact.state is HazardState.DISMISSED:
            continue
        if reported_in(fact, facts.period):
            key = (fact.created_at + timezone_offset).strftime("%Y-%m-%d")
            if key in days:
                days[key][0] += 1
                ids[key].append(fact.hazard_id)
        if fact.closed_at is not None and facts.period.start <= fact.closed_at < facts.period.end:
            key = (fact.closed_at + timezone_offset).strftime("%Y-%m-%d")
            if key in days:
                days[key][1] += 1
    for key, (reported, closed) in days.items():
        table.rows.append([key, reported, closed])
        table.hazard_ids.append(sorted(ids[key]))
    return table


def overdue_tables(facts: KpiFacts) -> list[Table]:
    """The overdue backlog at the period's end by area, team and responsible person, and hazard by hazard."""
    at = facts.as_of
    overdue = [f for f in facts.hazards if is_overdue_at(f, at)]
    tables = []
    for kind, key, zh, en in ((UnitKind.AREA, "area_id", "按区域超期", "Overdue by area"),
                              (UnitKind.TEAM, "team_id", "按班组超期", "Overdue by team"),
                              (UnitKind.PERSON, "responsible_id", "按责任人超期", "Overdue by responsible person")):
        groups: dict[str | None, list[HazardFact]] = defaultdict(list)
        for fact in overdue:
            groups[getattr(fact, key)].append(fact)
        table = Table(f"overdue_by_{kind.value.lower()}", zh, en, [
            Column("unit", "单位", "unit"), Column("overdue", "超期数", "overdue", ColumnKind.INT),
            Column("max_days", "最长超期(天)", "longest (days)", ColumnKind.NUMBER)])
        for unit_id, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), _name(facts, kind, kv[0]))):
            longest = max((at - m.deadline) / timedelta(days=1) for m in members if m.deadline is not None)
            table.rows.append([_name(facts, kind, unit_id), len(members), longest])
            table.hazard_ids.append(sorted(m.hazard_id for m in members))
        tables.append(table)
    detail = Table("overdue", "超期隐患清单", "Overdue hazards", [
        Column("hazard", "隐患", "hazard"), Column("grade", "等级", "grade"), Column("area", "区域", "area"),
        Column("team", "班组", "team"), Column("responsible", "责任人", "responsible"),
        Column("state", "状态", "state"), Column("deadline", "期限", "deadline", ColumnKind.TIME),
        Column("days_overdue", "超期天数", "days overdue", ColumnKind.NUMBER)])
    for fact in sorted(overdue, key=lambda f: (f.deadline or at, f.hazard_id)):
        assert fact.deadline is not None
        detail.rows.append([fact.hazard_id, GRADE_NAMES.get(fact.grade or "UNGRADED", fact.grade),
                            _name(facts, UnitKind.AREA, fact.area_id), _name(facts, UnitKind.TEAM, fact.team_id),
                            _name(facts, UnitKind.PERSON, fact.responsible_id), fact.state.value, fact.deadline,
                            (at - fact.deadline) / timedelta(days=1)])
        detail.hazard_ids.append([fact.hazard_id])
    return [*tables, detail]


def hazards_table(facts: KpiFacts) -> Table:
    table = Table("hazards", "本期隐患清单", "Hazards reported in the period", [
        Column("hazard", "隐患", "hazard"), Column("reported_at", "上报时间", "reported", ColumnKind.TIME),
        Column("grade", "等级", "grade"), Column("level", "级别", "level"), Column("area", "区域", "area"),
        Column("team", "班组", "team"), Column("responsible", "责任人", "responsible"),
        Column("state", "期末状态", "state at end"), Column("deadline", "期限", "deadline", ColumnKind.TIME),
        Column("closed_at", "销号时间", "closed", ColumnKind.TIME)])
    for fact in sorted((f for f in facts.hazards if reported_in(f, facts.period)),
                       key=lambda f: (f.created_at, f.hazard_id)):
        table.rows.append([fact.hazard_id, fact.created_at, fact.grade, fact.level,
                           _name(facts, UnitKind.AREA, fact.area_id), _name(facts, UnitKind.TEAM, fact.team_id),
                           _name(facts, UnitKind.PERSON, fact.responsible_id), fact.state.value, fact.deadline,
                           fact.closed_at])
        table.hazard_ids.append([fact.hazard_id])
    return table


def unit_kpi_table(facts: KpiFacts, kind: UnitKind) -> Table:
    names = [Indicator.HAZARDS_REPORTED, Indicator.CLOSE_OUT_RATE, Indicator.ON_TIME_RATE, Indicator.OVERDUE,
             Indicator.MEAN_HOURS_TO_CLOSE, Indicator.COURSE_COMPLETION, Indicator.EXAM_PASS_RATE,
             Indicator.EXAM_MEAN_SCORE, Indicator.RETRAINING_HOURS_PER_PERSON]
    if kind is not UnitKind.PERSON:
        names += [Indicator.WARNING_ACCURACY, Indicator.SENSOR_ONLINE_RATE, Indicator.MAINTENANCE_COMPLIANCE]
    zh_kind = {UnitKind.AREA: "区域", UnitKind.TEAM: "班组", UnitKind.PERSON: "人员", UnitKind.DISTRICT: "区队"}[kind]
    table = Table(f"kpis_by_{kind.value.lower()}", f"各{zh_kind}指标", f"KPIs by {kind.value.lower()}", [
        Column("unit", zh_kind, kind.value.lower()),
        *[Column(i.value.lower(), INDICATOR_NAMES[i][0], INDICATOR_NAMES[i][1], INDICATOR_NAMES[i][2]) for i in names]])
    for unit in facts.org.units_of(kind):
        kpis = unit_kpis(facts, unit)
        values = indicator_values(kpis)
        table.rows.append([facts.org.name(unit), *[values[i] for i in names]])
        table.hazard_ids.append(sorted(f.hazard_id for f in facts.hazards if reported_in(f, facts.period)
                                       and _in(facts, f, unit)))
    return table


def _in(facts: KpiFacts, fact: HazardFact, unit: Unit) -> bool:
    return hazard_in(fact, unit, facts.org)


def ranking_table(facts: KpiFacts, kind: UnitKind, scheme: Sequence[IndicatorRule]) -> Table:
    zh_kind = {UnitKind.AREA: "区域", UnitKind.TEAM: "班组", UnitKind.PERSON: "人员", UnitKind.DISTRICT: "区队"}[kind]
    table = Table(f"ranking_{kind.value.lower()}", f"{zh_kind}考核排名", f"Ranking by {kind.value.lower()}", [
        Column("rank", "名次", "rank", ColumnKind.INT), Column("unit", zh_kind, kind.value.lower()),
        Column("score", "得分", "score", ColumnKind.NUMBER),
        Column("lost", "主要失分", "points lost on")])
    if not scheme:
        return table
    units = {u.key: u for u in facts.org.units_of(kind)}
    scores = rank_scores([score_unit(u.key, scheme, indicator_values(unit_kpis(facts, u))) for u in units.values()])
    for unit_score in scores:
        lost = "; ".join(f"{INDICATOR_NAMES[i.indicator][0]} −{i.lost:.1f}" for i in unit_score.explain()[:3])
        table.rows.append([unit_score.rank, facts.org.name(units[unit_score.unit_key]), unit_score.score, lost])
        table.hazard_ids.append([])
    return table


def state_hours_table(facts: KpiFacts, changes: Sequence[StateChange]) -> Table:
    """Mean hours in each loop state, by the team (or area, for hazards not yet assigned) they were in."""
    table = Table("state_hours", "各环节停留时长", "Time spent in each loop state", [
        Column("unit", "单位", "unit"), Column("state", "环节", "state"),
        Column("hazards", "隐患数", "hazards", ColumnKind.INT),
        Column("mean_hours", "平均时长h", "mean hours", ColumnKind.NUMBER),
        Column("total_hours", "合计h", "total hours", ColumnKind.NUMBER)])

    def unit_of(change: StateChange) -> str | None:
        if change.team_id:
            return f"TEAM:{change.team_id}"
        return f"AREA:{change.area_id}" if change.area_id else None

    by_unit = time_in_states(changes, facts.as_of, unit_of)
    order = [s for s in HazardState if s in OPEN_STATES]
    for key in sorted(by_unit, key=lambda k: facts.org.names.get(k or "", k or "")):
        for state in order:
            slot = by_unit[key].get(state)
            if slot is None:
                continue
            table.rows.append([facts.org.names.get(key or "", key or "未指定"), f"{STATE_NAMES[state]} {state.value}",
                               len(slot.hazards), slot.mean_hours, slot.hours])
            table.hazard_ids.append(sorted(slot.hazards))
    return table


def recurring_table(facts: KpiFacts, places: Sequence[PlaceFact]) -> Table:
    table = Table("recurring", "重复发生的隐患", "Hazards recurring at the same place", [
        Column("area", "区域", "area"), Column("place", "地点", "place"), Column("category", "类别", "category"),
        Column("count", "次数", "times", ColumnKind.INT), Column("first", "首次", "first", ColumnKind.TIME),
        Column("last", "最近", "last", ColumnKind.TIME)])
    for group in recurring_hazards(places):
        table.rows.append([_name(facts, UnitKind.AREA, group.area_id), group.place or "—", group.category,
                           group.count, group.first_at, group.last_at])
        table.hazard_ids.append(group.hazard_ids)
    return table


def alerts_table(facts: KpiFacts) -> Table:
    table = Table("alerts", "预警准确率与响应时间", "Warning accuracy and time to acknowledge", [
        Column("source", "来源", "source"), Column("raised", "预警数", "raised", ColumnKind.INT),
        Column("confirmed", "确认", "confirmed", ColumnKind.INT), Column("false", "误报", "false", ColumnKind.INT),
        Column("accuracy", "准确率", "accuracy", ColumnKind.RATE),
        Column("mean_ack", "平均响应min", "mean ack min", ColumnKind.NUMBER),
        Column("p90_ack", "P90响应min", "p90 ack min", ColumnKind.NUMBER),
        Column("unacknowledged", "未响应", "unacknowledged", ColumnKind.INT)])
    sources = sorted({a.source for a in facts.alerts})
    for source in [*sources, None]:
        members = [a for a in facts.alerts if source is None or a.source == source]
        verdicts = alert_kpis((a.source, a.verdict) for a in members).overall
        ack = ack_figures(members)
        table.rows.append([source or "合计 all", verdicts.raised, verdicts.confirmed, verdicts.false_alarms,
                           verdicts.warning_accuracy, ack.mean_minutes, ack.p90_minutes, ack.unacknowledged])
        table.hazard_ids.append([])
    return table


def maintenance_table(facts: KpiFacts) -> Table:
    table = Table("maintenance", "智能设备维护", "Smart-device maintenance", [
        Column("device", "设备", "device"), Column("kind", "类型", "kind"), Column("area", "区域", "area"),
        Column("interval_days", "周期(天)", "interval (days)", ColumnKind.NUMBER),
        Column("last_done", "上次维护", "last done", ColumnKind.TIME), Column("due_at", "到期", "due", ColumnKind.TIME),
        Column("days_overdue", "超期天数", "days overdue", ColumnKind.NUMBER)])
    for fact in sorted(facts.maintenance, key=lambda m: (m.device_name, m.plan_id)):
        if fact.starts_at >= facts.period.end:
            continue
        status = plan_status(fact, facts.as_of)
        table.rows.append([fact.device_name, fact.device_kind, _name(facts, UnitKind.AREA, fact.area_id),
                           fact.interval_days, status.last_done, status.due_at, status.days_overdue])
        table.hazard_ids.append([])
    return table


def training_table(facts: KpiFacts) -> Table:
    table = Table("training", "各班组培训", "Training by team", [
        Column("team", "班组", "team"), Column("people", "人数", "people", ColumnKind.INT),
        Column("completion", "课程完成率", "course completion", ColumnKind.RATE),
        Column("attempts", "考试人次", "exam attempts", ColumnKind.INT),
        Column("pass_rate", "合格率", "pass rate", ColumnKind.RATE),
        Column("mean_score", "平均分", "mean score", ColumnKind.NUMBER),
        Column("retraining_hours", "复训学时", "retraining hours", ColumnKind.NUMBER)])
    for unit in facts.org.units_of(UnitKind.TEAM):
        t = unit_kpis(facts, unit).training
        table.rows.append([facts.org.name(unit), t.people, t.course_completion, t.attempts, t.exam_pass_rate,
                           t.mean_score, t.retraining_hours])
        table.hazard_ids.append([])
    return table


def proficiency_table(kpis: UnitKpis) -> Table:
    table = Table("proficiency", "操作技能熟练度", "Operator proficiency by skill", [
        Column("skill", "技能", "skill"), Column("holders", "持证人数", "holders", ColumnKind.INT),
        Column("lapsed", "已过期", "lapsed", ColumnKind.INT),
        Column("mean_score", "平均分", "mean score", ColumnKind.NUMBER)])
    for skill, figures in kpis.proficiency.items():
        table.rows.append([skill, figures.holders, figures.lapsed, figures.mean_score])
        table.hazard_ids.append([])
    return table


def monthly_tables(facts: KpiFacts, inputs: PeriodInputs, timezone_offset: timedelta) -> list[Table]:
    """Every table of the monthly safety report, in the order the report shows them."""
    mine = unit_kpis(facts, Unit(UnitKind.MINE, facts.org.mine_id))
    return [
        summary_table(mine, inputs.trend), grade_table(facts, mine), daily_table(facts, timezone_offset),
        *overdue_tables(facts), leading_lagging_table(mine), ranking_table(facts, UnitKind.TEAM, inputs.scheme),
        ranking_table(facts, UnitKind.AREA, inputs.scheme), unit_kpi_table(facts, UnitKind.AREA),
        unit_kpi_table(facts, UnitKind.TEAM), state_hours_table(facts, inputs.changes),
        recurring_table(facts, inputs.places), alerts_table(facts), maintenance_table(facts), training_table(facts),
        proficiency_table(mine), ranking_table(facts, UnitKind.PERSON, inputs.scheme), hazards_table(facts),
    ]
