"""KPIs per unit and period, pure: every figure against a fixture computed by hand (empty units and periods too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.kpi.rules import (
    AlertFact,
    CourseAssignmentFact,
    ExamAttemptFact,
    HazardFact,
    Indicator,
    KpiFacts,
    LessonHoursFact,
    MaintenanceFact,
    OrgMap,
    PeriodKind,
    PlaceFact,
    ProficiencyFact,
    SensorPeriodFact,
    StateChange,
    Unit,
    UnitKind,
    hours_due,
    indicator_values,
    maintenance_figures,
    month_period,
    normalise_place,
    percentile,
    period_containing,
    person_in,
    place_in,
    recurring_hazards,
    time_in_states,
    trailing_periods,
    unit_kpis,
)
from contracts.hazards import HazardState

S = HazardState
NOV = month_period("2026-11", "Asia/Shanghai")
START = NOV.start  # 2026-11-01 00:00 +08:00 = 2026-10-31 16:00 UTC
ORG = OrgMap(mine_id="m", area_district={"a1": "d1"}, team_area={"t1": "a1", "t2": "a2"},
             person_team={"p1": "t1", "p2": "t1", "p3": "t2"}, person_area={"p1": "a1", "p2": "a1", "p3": "a2"},
             names={"AREA:a1": "Face", "AREA:a2": "Roadway", "AREA:a3": "Empty area", "TEAM:t1": "Team 1",
                    "TEAM:t2": "Team 2", "PERSON:p1": "Li", "PERSON:p2": "Wang", "PERSON:p3": "Zhao", "MINE:m": "Mine"})


def h(hid: str, state: HazardState, *, day: float, area: str = "a1", team: str | None = "t1",
      person: str | None = "p1", grade: str | None = "GENERAL", deadline_day: float | None = None,
      closed_day: float | None = None) -> HazardFact:
    at = START + timedelta(days=day)
    return HazardFact(state=state, grade=grade, team_id=team, created_at=at,
                      deadline=START + timedelta(days=deadline_day) if deadline_day is not None else None,
                      closed_at=START + timedelta(days=closed_day) if closed_day is not None else None,
                      hazard_id=hid, area_id=area, responsible_id=person)


HAZARDS = [
    h("h1", S.CLOSED, day=1, deadline_day=4, closed_day=3),             # closed on time, 48 h
    h("h2", S.CLOSED, day=2, deadline_day=3, closed_day=5),             # closed late, 72 h
    h("h3", S.RECTIFYING, day=10, deadline_day=12),                     # overdue at the month's end
    h("h4", S.ASSIGNED, day=20, area="a2", team="t2", person="p3", deadline_day=40),  # open, not overdue
    h("h5", S.DISMISSED, day=5),                                        # not a hazard
    h("h6", S.REPORTED, day=6, team=None, person=None, grade=None),     # not triaged yet
    h("h7", S.CLOSED, day=8, grade="MAJOR", deadline_day=9, closed_day=8.5),
    h("old", S.RECTIFYING, day=-20, area="a2", team="t2", person="p3", deadline_day=-10),  # backlog from October
]


def facts(**overrides) -> KpiFacts:  # type: ignore[no-untyped-def]
    base = {"org": ORG, "period": NOV, "as_of": NOV.end, "hazards": HAZARDS, "people": ["p1", "p2", "p3"]}
    return KpiFacts(**{**base, **overrides})


def test_months_weeks_and_days_are_the_mines_local_ones() -> None:
    assert (NOV.start, NOV.end) == (datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC))
    anchor = datetime(2026, 11, 4, 17, tzinfo=UTC)  # Thursday 01:00 in Shanghai
    day = period_containing(PeriodKind.DAY, anchor, "Asia/Shanghai")
    assert (day.label, day.start) == ("2026-11-05", datetime(2026, 11, 4, 16, tzinfo=UTC))
    week = period_containing(PeriodKind.WEEK, anchor, "Asia/Shanghai")
    assert (week.label, week.start, week.end - week.start) == ("2026-W45", datetime(2026, 11, 1, 16, tzinfo=UTC),
                                                               timedelta(days=7))
    assert [p.label for p in trailing_periods(PeriodKind.MONTH, anchor, 3, "Asia/Shanghai")] == [
        "2026-09", "2026-10", "2026-11"]
    assert month_period("2026-12", "UTC").end == datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        month_period("2026-13")


def test_which_records_count_for_which_unit() -> None:
    assert place_in(Unit(UnitKind.MINE, "m"), ORG, area_id=None)
    assert place_in(Unit(UnitKind.DISTRICT, "d1"), ORG, area_id="a1")
    assert not place_in(Unit(UnitKind.DISTRICT, "d1"), ORG, area_id="a2")
    # a team counts the hazards it is responsible for, and the area's alerts and sensors (no team named)
    assert place_in(Unit(UnitKind.TEAM, "t1"), ORG, area_id="a2", team_id="t1", person_id="p1")
    assert not place_in(Unit(UnitKind.TEAM, "t1"), ORG, area_id="a1", team_id="t2", person_id="p3")
    assert place_in(Unit(UnitKind.TEAM, "t1"), ORG, area_id="a1")
    assert person_in(Unit(UnitKind.AREA, "a1"), ORG, "p2") and not person_in(Unit(UnitKind.AREA, "a1"), ORG, "p3")
    assert person_in(Unit(UnitKind.DISTRICT, "d1"), ORG, "p1")


def test_the_mines_hazard_figures_by_hand() -> None:
    kpis = unit_kpis(facts(), Unit(UnitKind.MINE, "m"))
    # reported in November and not dismissed: h1 h2 h3 h4 h6 h7 = 6; closed: h1 h2 h7; on time: h1 h7
    assert (kpis.reported, kpis.closed, kpis.closed_on_time) == (6, 3, 2)
    assert kpis.close_out_rate == 0.5 and kpis.on_time_rate == 2 / 3
    assert kpis.mean_hours_to_close == pytest.approx((48 + 72 + 12) / 3)
    # overdue at the month's end: h3 and October's backlog hazard, whenever they were reported
    assert kpis.overdue.overdue == 2 and sorted(kpis.overdue.hazard_ids) == ["h3", "old"]
    assert kpis.overdue.max_days_overdue == pytest.approx(30 + 10)
    assert kpis.hazards.by_grade["MAJOR"].reported == 1 and kpis.hazards.by_grade["UNGRADED"].reported == 1


def test_team_area_person_and_district_figures_by_hand() -> None:
    team1 = unit_kpis(facts(), Unit(UnitKind.TEAM, "t1"))
    assert (team1.reported, team1.closed, team1.overdue.overdue) == (4, 3, 1)  # h1 h2 h3 h7
    team2 = unit_kpis(facts(), Unit(UnitKind.TEAM, "t2"))
    assert (team2.reported, team2.closed, team2.overdue.overdue, team2.close_out_rate) == (1, 0, 1, 0.0)
    area2 = unit_kpis(facts(), Unit(UnitKind.AREA, "a2"))
    assert (area2.reported, area2.overdue.overdue) == (1, 1)
    li = unit_kpis(facts(), Unit(UnitKind.PERSON, "p1"))
    assert (li.reported, li.closed, li.sensors, li.maintenance) == (4, 3, None, None)  # a person has no sensors
    district = unit_kpis(facts(), Unit(UnitKind.DISTRICT, "d1"))
    assert district.reported == 5  # area a1: h1 h2 h3 h6 h7


def test_units_and_periods_without_data() -> None:
    empty_area = unit_kpis(facts(), Unit(UnitKind.AREA, "a3"))
    values = indicator_values(empty_area)
    assert values[Indicator.HAZARDS_REPORTED] == 0 and values[Indicator.OVERDUE] == 0
    assert all(values[i] is None for i in (Indicator.CLOSE_OUT_RATE, Indicator.ON_TIME_RATE,
                                           Indicator.MEAN_HOURS_TO_CLOSE, Indicator.WARNING_ACCURACY,
                                           Indicator.SENSOR_ONLINE_RATE, Indicator.MAINTENANCE_COMPLIANCE,
                                           Indicator.COURSE_COMPLETION, Indicator.EXAM_PASS_RATE))
    nothing = unit_kpis(KpiFacts(org=ORG, period=NOV, as_of=NOV.end), Unit(UnitKind.MINE, "m"))
    assert (nothing.reported, nothing.overdue.overdue, nothing.training.people) == (0, 0, 0)
    assert nothing.close_out_rate is None and nothing.ack.mean_minutes is None


def test_alert_accuracy_and_time_to_acknowledge_by_hand() -> None:
    def alert(aid: str, area: str | None, minutes: float | None, verdict: str | None, day: float = 1) -> AlertFact:
        raised = START + timedelta(days=day)
        return AlertFact(alert_id=aid, source="SENSOR", area_id=area, raised_at=raised,
                         acknowledged_at=raised + timedelta(minutes=minutes) if minutes is not None else None,
                         verdict=verdict)

    alerts = [alert("x1", "a1", 2, "CONFIRMED"), alert("x2", "a1", 10, "FALSE_ALARM"), alert("x3", "a1", None, None),
              alert("x4", "a2", 30, "CONFIRMED"), alert("x5", "a1", 1, "CONFIRMED", day=-3)]  # x5: October
    mine = unit_kpis(facts(alerts=alerts), Unit(UnitKind.MINE, "m"))
    assert (mine.alerts.raised, mine.alerts.confirmed, mine.alerts.false_alarms) == (4, 2, 1)
    assert mine.alerts.warning_accuracy == 2 / 3
    assert (mine.ack.acknowledged, mine.ack.unacknowledged) == (3, 1)
    assert mine.ack.mean_minutes == pytest.approx(14) and mine.ack.p90_minutes == 30
    team1 = unit_kpis(facts(alerts=alerts), Unit(UnitKind.TEAM, "t1"))  # its area a1's alerts
    assert team1.alerts.raised == 3 and team1.alerts.warning_accuracy == 0.5
    assert unit_kpis(facts(alerts=alerts), Unit(UnitKind.PERSON, "p1")).alerts.raised == 0
    assert percentile([], 0.9) is None and percentile([5.0], 0.9) == 5.0


def test_sensor_online_rate_over_the_period_by_hand() -> None:
    assert hours_due(period_start=START, period_end=NOV.end, registered_at=START - timedelta(days=1)) == 720
    assert hours_due(period_start=START, period_end=NOV.end, registered_at=START + timedelta(hours=9.5)) == 710
    sensors = [SensorPeriodFact("s1", "CH4", "a1", hours_due=720, hours_with_data=648, readings_received=100,
                                readings_expected=200),
               SensorPeriodFact("s2", "CO", "a2", hours_due=720, hours_with_data=720, readings_received=900,
                                readings_expected=200)]
    mine = unit_kpis(facts(sensors=sensors), Unit(UnitKind.MINE, "m"))
    assert mine.sensors is not None
    assert mine.sensors.online_rate == (648 + 720) / 1440
    assert mine.sensors.data_availability == (100 + 200) / 400  # the chatty sensor cannot make up for the other
    area1 = unit_kpis(facts(sensors=sensors), Unit(UnitKind.AREA, "a1"))
    assert area1.sensors is not None and area1.sensors.online_rate == 0.9


def test_maintenance_compliance_by_hand() -> None:
    oct1 = datetime(2026, 10, 1, tzinfo=UTC)
    plans = [
        # every 30 days from 1 October: done 20 Oct (on time) and 25 Nov (late: due 19 Nov); due again 25 Dec
        MaintenanceFact("m1", "SENSOR", "T1 CH4", "a1", 30, oct1, (oct1 + timedelta(days=19),
                                                                   oct1 + timedelta(days=55))),
        # weekly from 1 November (UTC), never done: overdue since 8 November
        MaintenanceFact("m2", "CAMERA", "camera-1", "a2", 7, datetime(2026, 11, 1, tzinfo=UTC)),
        # starts after the month: not counted
        MaintenanceFact("m3", "ROBOT", "robot-1", "a1", 7, datetime(2026, 12, 10, tzinfo=UTC)),
    ]
    figures = maintenance_figures(plans, NOV)
    assert (figures.plans, figures.compliant, figures.compliance) == (2, 1, 0.5)
    assert (figures.done_in_period, figures.done_on_time, figures.on_time_rate) == (1, 0, 0.0)
    assert [s.plan_id for s in figures.overdue_plans] == ["m2"]
    assert figures.overdue_plans[0].days_overdue == pytest.approx((NOV.end - datetime(2026, 11, 8, tzinfo=UTC))
                                                                  / timedelta(days=1))
    area1 = unit_kpis(facts(maintenance=plans), Unit(UnitKind.AREA, "a1"))
    assert area1.maintenance is not None and area1.maintenance.compliance == 1.0


def test_training_figures_per_team_by_hand() -> None:
    due = START + timedelta(days=10)
    assignments = [CourseAssignmentFact("p1", due, due - timedelta(days=1)),
                   CourseAssignmentFact("p2", due, due + timedelta(days=1)),     # done late
                   CourseAssignmentFact("p2", due, None),                         # not done
                   CourseAssignmentFact("p3", due, due),
                   CourseAssignmentFact("p1", START - timedelta(days=2), None)]   # due in October
    attempts = [ExamAttemptFact("p1", START + timedelta(days=3), 90, True),
                ExamAttemptFact("p2", START + timedelta(days=4), 70, False),
                ExamAttemptFact("p3", START + timedelta(days=5), 85, True)]
    lessons = [LessonHoursFact("p1", START + timedelta(days=2), 1.5, True),
               LessonHoursFact("p2", START + timedelta(days=2), 2.0, True),
               LessonHoursFact("p2", START + timedelta(days=2), 8.0, False),  # induction: not retraining
               LessonHoursFact("p1", START - timedelta(days=2), 4.0, True)]   # October
    skills = [ProficiencyFact("p1", "shearer", 90, START - timedelta(days=100), NOV.end + timedelta(days=200)),
              ProficiencyFact("p2", "shearer", 80, START - timedelta(days=400), START - timedelta(days=35)),
              ProficiencyFact("p3", "shearer", 70, START + timedelta(days=45), NOV.end + timedelta(days=400))]
    all_facts = facts(assignments=assignments, attempts=attempts, lessons=lessons, proficiencies=skills)
    team1 = unit_kpis(all_facts, Unit(UnitKind.TEAM, "t1"))
    t = team1.training
    assert (t.people, t.courses_due, t.courses_completed, t.course_completion) == (2, 3, 1, 1 / 3)
    assert (t.attempts, t.passed, t.exam_pass_rate, t.mean_score) == (2, 1, 0.5, 80)
    assert (t.retraining_hours, t.retraining_hours_per_person) == (3.5, 1.75)
    assert team1.proficiency["shearer"].holders == 1 and team1.proficiency["shearer"].lapsed == 1
    mine = unit_kpis(all_facts, Unit(UnitKind.MINE, "m"))
    assert mine.training.exam_pass_rate == 2 / 3 and mine.proficiency["shearer"].holders == 1  # p3 passed later
    assert unit_kpis(all_facts, Unit(UnitKind.TEAM, "nobody")).training.course_completion is None


def test_time_in_each_loop_state_by_unit_by_hand() -> None:
    t0 = START + timedelta(days=1)

    def step(hid: str, hours: float, state: HazardState, team: str | None) -> StateChange:
        return StateChange(hazard_id=hid, at=t0 + timedelta(hours=hours), state=state, area_id="a1", team_id=team)

    changes = [step("h1", 0, S.REPORTED, None), step("h1", 2, S.ASSIGNED, "t1"), step("h1", 5, S.RECTIFYING, "t1"),
               step("h1", 11, S.PENDING_REVIEW, "t1"), step("h1", 12, S.CLOSED, "t1"),
               step("h2", 0, S.REPORTED, None), step("h2", 4, S.ASSIGNED, "t1"), step("h2", 6, S.RECTIFYING, "t1")]
    until = t0 + timedelta(hours=26)
    result = time_in_states(changes, until, lambda c: c.team_id or f"area {c.area_id}")
    assert result["area a1"][S.REPORTED].hours == 6 and result["area a1"][S.REPORTED].mean_hours == 3
    assert result["t1"][S.ASSIGNED].hours == 3 + 2
    assert result["t1"][S.RECTIFYING].hours == 6 + 20  # h2 is still being rectified when the period ends
    assert result["t1"][S.PENDING_REVIEW].hours == 1
    assert S.CLOSED not in result["t1"]
    assert time_in_states([], until, lambda c: None) == {}


def test_recurring_hazards_at_the_same_place_and_category() -> None:
    def place(hid: str, location: str | None, category: str = "ROOF", area: str = "a1", day: int = 1) -> PlaceFact:
        return PlaceFact(hazard_id=hid, area_id=area, location=location, category=category,
                         created_at=START + timedelta(days=day))

    assert normalise_place(" 15201 回风巷, 30 m ") == normalise_place("15201回风巷 30m")
    groups = recurring_hazards([place("r1", "15201 回风巷 30 m", day=3), place("r2", "15201回风巷 30m", day=1),
                                place("r3", "15201回风巷30M", day=9), place("r4", "15201回风巷30m", category="GAS"),
                                place("r5", "15201回风巷30m", area="a2"), place("r6", None), place("r7", "")])
    assert [(g.count, g.hazard_ids) for g in groups] == [(3, ["r2", "r1", "r3"]), (2, ["r6", "r7"])]
    assert groups[0].first_at == START + timedelta(days=1) and groups[0].last_at == START + timedelta(days=9)
    assert recurring_hazards([]) == []
