"""Benchmark of issue 15: the monthly safety report of a mine with 100,000 hazards, 50,000 alerts and 1,000,000
sensor readings, against bare SQL aggregates computing the same figures, in one run.

    .venv/bin/python bench/kpi_monthly_report.py [--hazards 100000] [--alerts 50000] [--readings 1000000]

A fresh PostgreSQL database; the fixture is bulk-inserted with raw SQL (generate_series): a year of hazards, each
with its audit entries (reported, triaged, accepted, rectified, closed — or dismissed, or still open), alerts with
their raise and acknowledgement entries, 40 sensors' readings over the report month and their hourly statistics
(as the backend keeps them), a maintenance plan per sensor. Then, for the month 2026-10:

- minesafe: `backend.reports.service.monthly_figures` (every table of the report, as of the month's end, from the
  audit trail, with two months of trend), then the PDF rendered from them;
- baseline: hand-written SQL aggregates giving the same figures (by grade, overdue backlog by area, team and
  person, KPIs by area and team, time in each loop state, recurring places, alerts' accuracy and time to
  acknowledge, sensor online rate, maintenance, the two trend months), reading the audit entries of the same
  candidate hazards and alerts as minesafe does, each figure checked equal to minesafe's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch_postgres import scratch_postgres  # noqa: E402  (this folder is on the path)

from backend.database.migrate import upgrade  # noqa: E402
from backend.database.session import create_engine, create_session_factory  # noqa: E402
from backend.reports.render import ReportHeader, render_pdf  # noqa: E402
from backend.reports.service import monthly_figures  # noqa: E402

MONTH = "2026-10"
START = datetime(2026, 9, 30, 16, tzinfo=UTC)   # 1 October 00:00 in Asia/Shanghai
END = datetime(2026, 10, 31, 16, tzinfo=UTC)
YEAR_START = datetime(2025, 12, 1, tzinfo=UTC)   # the hazards run from December 2025 into November 2026
SENSORS = 40
TEAMS = 4
PEOPLE = 40
OPEN = "('REPORTED','ASSIGNED','RECTIFYING','PENDING_REVIEW')"




async def drop_postgres(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
    finally:
        await connection.close()


def fixture_sql(hazards: int, alerts: int, readings: int) -> list[str]:
    """The whole mine as INSERT … SELECT statements (ids from md5 so every statement can name the others)."""
    span = (datetime(2026, 11, 30, tzinfo=UTC) - YEAR_START).total_seconds()
    per_sensor = -(-readings * 17 // (SENSORS * 16))  # one hour in 17 of each sensor is silent (dropped below)
    iso = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
    t0 = f"timestamptz '{YEAR_START.isoformat()}'"
    snapshot = ("json_build_object('state', '{state}', 'grade', {grade}, 'level', {level}, 'area_id', area::text, "
                "'responsible_id', {person}, 'team_id', {team}, 'deadline', {deadline}, 'control_measures', null, "
                "'treatment_plan', null, 'rectifier_id', null, 'signed_off_by', null)")
    triaged = {"grade": "grade", "level": "level", "person": "person::text", "team": "team::text",
               "deadline": iso.format("deadline")}
    untriaged = {"grade": "null", "level": "null", "person": "null", "team": "null", "deadline": "null"}
    hz = f"""
      SELECT g, md5('h' || g)::uuid AS id, md5('a' || (g % {TEAMS} % 3))::uuid AS area,
             md5('t' || (g % {TEAMS}))::uuid AS team, md5('u' || (g % {PEOPLE}))::uuid AS person,
             CASE WHEN g % 50 = 0 THEN 'MAJOR' ELSE 'GENERAL' END AS grade, chr(65 + g % 3) AS level,
             {t0} + make_interval(secs => (g - 1) * {span / hazards}) AS created,
             g % 20 AS fate, 'loc ' || (g % 700) AS place
      FROM generate_series(1, {hazards}) g"""
    steps = f"""
      SELECT *, created + make_interval(hours => g % 7 + 1) AS triaged_at,
             created + make_interval(hours => g % 7 + 1 + 72) AS deadline,
             created + make_interval(hours => g % 7 + 1 + g % 5 + 1) AS accepted_at,
             created + make_interval(hours => g % 7 + 1 + g % 5 + 1 + g % 97) AS rectified_at,
             created + make_interval(hours => g % 7 + 1 + g % 5 + 1 + g % 97 + 2) AS closed_at
      FROM ({hz}) hz"""

    def entry(k: int, action: str, at: str, state: str, fields: dict[str, str], where: str) -> str:
        after = snapshot.format(state=state, **fields)
        return f"""INSERT INTO audit_entries (id, mine_id, seq, at, actor_kind, actor_id, actor_name, actor_role,
                   action, subject_type, subject_id, before, after, reason, prev_hash, hash)
                 SELECT md5('e{k}' || g)::uuid, :mine, g * 8 + {k}, {at}, 'system', null, 'bench', 'system',
                        '{action}', 'hazard', id::text, '{{}}'::json, {after}, null, 'x', 'x'
                 FROM ({steps}) s WHERE {where}"""

    statements = [
        "INSERT INTO mines (id, code, name, settings, created_at, updated_at) VALUES (:mine, 'BENCH', '基准煤矿 Bench "
        "Colliery', '{}', now(), now())",
        "INSERT INTO areas (id, mine_id, name, kind, created_at, updated_at) SELECT md5('a' || i)::uuid, :mine, "
        "'区域 ' || i, 'WORKING_FACE', now(), now() FROM generate_series(0, 2) i",
        f"INSERT INTO teams (id, mine_id, area_id, name, created_at, updated_at) SELECT md5('t' || i)::uuid, :mine, "
        f"md5('a' || (i % 3))::uuid, '班组 ' || i, now(), now() FROM generate_series(0, {TEAMS - 1}) i",
        f"INSERT INTO users (id, mine_id, username, display_name, password_hash, roles, area_id, team_id, is_active, "
        f"failed_logins, created_at, updated_at) SELECT md5('u' || i)::uuid, :mine, 'bench' || i, '工人 ' || i, 'x', "
        f"'[\"miner\"]', md5('a' || (i % {TEAMS} % 3))::uuid, md5('t' || (i % {TEAMS}))::uuid, true, 0, now(), now() "
        f"FROM generate_series(0, {PEOPLE - 1}) i",
        f"""INSERT INTO hazards (id, mine_id, area_id, state, source, reporter_id, reporter_name, description,
              location, grade, level, responsible_id, team_id, deadline, created_at, updated_at, closed_at)
            SELECT id, :mine, area, CASE WHEN fate < 17 THEN 'CLOSED' WHEN fate = 19 THEN 'DISMISSED'
                   ELSE 'RECTIFYING' END, 'PERSON', person, 'bench', 'roof bolt loose', place,
                   CASE WHEN fate = 19 THEN null ELSE grade END, CASE WHEN fate = 19 THEN null ELSE level END,
                   CASE WHEN fate = 19 THEN null ELSE person END, CASE WHEN fate = 19 THEN null ELSE team END,
                   CASE WHEN fate = 19 THEN null ELSE deadline END, created,
                   CASE WHEN fate < 17 THEN closed_at WHEN fate = 19 THEN created + interval '2 hours'
                        ELSE accepted_at END,
                   CASE WHEN fate < 17 THEN closed_at END
            FROM ({steps}) s""",
        entry(0, "hazard.reported", "created", "REPORTED", untriaged, "true"),
        entry(1, "hazard.dismissed", "created + interval '2 hours'", "DISMISSED", untriaged, "fate = 19"),
        entry(2, "hazard.triaged", "triaged_at", "ASSIGNED", triaged, "fate < 19"),
        entry(3, "hazard.accepted", "accepted_at", "RECTIFYING", triaged, "fate < 19"),
        entry(4, "hazard.rectified", "rectified_at", "PENDING_REVIEW", triaged, "fate < 17"),
        entry(5, "hazard.closed", "closed_at", "CLOSED", triaged, "fate < 17"),
        f"""INSERT INTO alerts (id, mine_id, area_id, source, source_ref, severity, state, title, detail, dedupe_key,
              raise_count, first_raised_at, last_raised_at, escalation_level, created_at, updated_at,
              acknowledged_at, verdict)
            SELECT md5('al' || g)::uuid, :mine, md5('a' || (g % 3))::uuid,
                   CASE WHEN g % 4 = 0 THEN 'VISION' ELSE 'SENSOR' END, 's' || g, 'ALARM',
                   CASE WHEN g % 10 < 8 THEN 'ACKNOWLEDGED' ELSE 'RAISED' END, 'alert ' || g, '', 'k' || g, 1,
                   {t0} + make_interval(secs => (g - 1) * {span / alerts}), {t0} + make_interval(secs => (g - 1) *
                   {span / alerts}), 0, now(), now(), null,
                   CASE WHEN g % 10 < 6 THEN 'CONFIRMED' WHEN g % 10 < 8 THEN 'FALSE_ALARM' END
            FROM generate_series(1, {alerts}) g""",
        f"""INSERT INTO audit_entries (id, mine_id, seq, at, actor_kind, actor_id, actor_name, actor_role, action,
              subject_type, subject_id, before, after, reason, prev_hash, hash)
            SELECT md5('ar' || g)::uuid, :mine, {hazards * 8 + 10} + g * 2, {t0} + make_interval(secs => (g - 1) *
                   {span / alerts}), 'system', null, 'bench', 'system', 'alert.raised', 'alert',
                   md5('al' || g)::text::uuid::text, '{{}}'::json,
                   json_build_object('state', 'RAISED', 'verdict', null), null, 'x', 'x'
            FROM generate_series(1, {alerts}) g""",
        f"""INSERT INTO audit_entries (id, mine_id, seq, at, actor_kind, actor_id, actor_name, actor_role, action,
              subject_type, subject_id, before, after, reason, prev_hash, hash)
            SELECT md5('ak' || g)::uuid, :mine, {hazards * 8 + 11} + g * 2, {t0} + make_interval(secs => (g - 1) *
                   {span / alerts} + 60 * (g % 37)), 'user', null, 'bench', 'safety_officer', 'alert.acknowledged',
                   'alert', md5('al' || g)::text::uuid::text, '{{}}'::json,
                   json_build_object('state', 'ACKNOWLEDGED', 'verdict',
                                     CASE WHEN g % 10 < 6 THEN 'CONFIRMED' ELSE 'FALSE_ALARM' END), null, 'x', 'x'
            FROM generate_series(1, {alerts}) g WHERE g % 10 < 8""",
        f"""INSERT INTO sensors (id, mine_id, code, kind, unit, area_id, polling_seconds, physical_min, physical_max,
              cut_on_fault, stuck_readings, is_active, level, power_cut, created_at, updated_at)
            SELECT md5('s' || i)::uuid, :mine, 'CH4-' || i, 'CH4', '%', md5('a' || (i % 3))::uuid, 100, 0, 4, false,
                   60, true, 'NORMAL', false, timestamptz '2026-09-01T00:00:00Z', now()
            FROM generate_series(0, {SENSORS - 1}) i""",
        f"""INSERT INTO sensor_readings (sensor_id, ts, value, fault)
            SELECT md5('s' || i)::uuid, timestamptz '{START.isoformat()}' + make_interval(secs => n * 100),
                   0.2 + (n % 7) * 0.05, false
            FROM generate_series(0, {SENSORS - 1}) i, generate_series(0, {per_sensor - 1}) n
            WHERE (n / 36 + i) % 17 <> 0""",
        """INSERT INTO sensor_hour_stats (sensor_id, hour, min, max, sum, count)
            SELECT sensor_id, date_trunc('hour', ts), min(value), max(value), sum(value), count(*)
            FROM sensor_readings GROUP BY 1, 2""",
        f"""INSERT INTO maintenance_plans (id, mine_id, device_kind, device_id, device_name, area_id, interval_days,
              starts_at, is_active, created_at, updated_at)
            SELECT md5('mp' || i)::uuid, :mine, 'SENSOR', md5('s' || i)::uuid, 'CH4-' || i, md5('a' || (i % 3))::uuid,
                   7, timestamptz '2026-09-01T00:00:00Z', true, now(), now()
            FROM generate_series(0, {SENSORS - 1}) i""",
        """INSERT INTO maintenance_records (id, mine_id, plan_id, performed_by_id, performed_at, note, created_at)
            SELECT md5('mr' || i || '-' || w)::uuid, :mine, md5('mp' || i)::uuid, md5('u0')::uuid,
                   timestamptz '2026-09-01T00:00:00Z' + make_interval(days => w * 7 + (i % 3) * (w % 2)), '', now()
            FROM generate_series(0, 39) i, generate_series(1, 8) w WHERE i % 5 <> 0 OR w < 6""",
        "ANALYZE",
    ]
    return statements


# the same pruning as minesafe's: only hazards not closed or dismissed before the period (from the hazard rows)
CANDIDATES = """SELECT id::text FROM hazards WHERE mine_id = :mine
      AND created_at < CAST(:asof AS timestamptz) + interval '5 minutes'
      AND (closed_at IS NULL OR closed_at >= CAST(:start AS timestamptz) - interval '5 minutes')
      AND (state <> 'DISMISSED' OR updated_at >= CAST(:start AS timestamptz) - interval '5 minutes')"""
BASELINE = {
    "hazard_state": f"""
      WITH g AS (SELECT subject_id, max(seq) AS seq, min(at) AS first_at,
                        min(at) FILTER (WHERE after->>'state' = 'CLOSED') AS closed_at
                 FROM audit_entries WHERE mine_id = :mine AND subject_type = 'hazard' AND at < :asof
                 AND subject_id IN ({CANDIDATES})
                 GROUP BY subject_id)
      SELECT g.subject_id, g.first_at, g.closed_at, a.after->>'state' AS state, a.after->>'grade' AS grade,
             a.after->>'area_id' AS area, a.after->>'team_id' AS team, a.after->>'responsible_id' AS person,
             (a.after->>'deadline')::timestamptz AS deadline
      FROM g JOIN audit_entries a ON a.mine_id = :mine AND a.seq = g.seq
      WHERE g.first_at >= :start OR a.after->>'state' IN {OPEN}""",
    "by_grade": f"""
      SELECT coalesce(grade, 'UNGRADED'), count(*), count(*) FILTER (WHERE state = 'CLOSED'),
             count(*) FILTER (WHERE state = 'CLOSED' AND (deadline IS NULL OR closed_at <= deadline)),
             avg(extract(epoch FROM closed_at - first_at) / 3600) FILTER (WHERE state = 'CLOSED'),
             count(*) FILTER (WHERE state IN {OPEN}), count(*) FILTER (WHERE state IN {OPEN} AND deadline < :asof)
      FROM h WHERE first_at >= :start AND first_at < :end AND state <> 'DISMISSED' GROUP BY 1 ORDER BY 1""",
    "overdue_by_area": f"""SELECT area, count(*), max(extract(epoch FROM :asof - deadline) / 86400) FROM h
      WHERE state IN {OPEN} AND deadline < :asof GROUP BY 1 ORDER BY 2 DESC, 1""",
    "overdue_by_team": f"""SELECT team, count(*) FROM h WHERE state IN {OPEN} AND deadline < :asof
      GROUP BY 1 ORDER BY 2 DESC, 1""",
    "overdue_by_person": f"""SELECT person, count(*) FROM h WHERE state IN {OPEN} AND deadline < :asof
      GROUP BY 1 ORDER BY 2 DESC, 1""",
    "kpis_by_team": f"""SELECT team, count(*) FILTER (WHERE first_at >= :start AND state <> 'DISMISSED'),
      count(*) FILTER (WHERE first_at >= :start AND state = 'CLOSED'),
      count(*) FILTER (WHERE state IN {OPEN} AND deadline < :asof) FROM h GROUP BY 1 ORDER BY 1""",
    "kpis_by_area": f"""SELECT area, count(*) FILTER (WHERE first_at >= :start AND state <> 'DISMISSED'),
      count(*) FILTER (WHERE first_at >= :start AND state = 'CLOSED'),
      count(*) FILTER (WHERE state IN {OPEN} AND deadline < :asof) FROM h GROUP BY 1 ORDER BY 1""",
    "state_hours": f"""
      WITH p AS (SELECT subject_id FROM audit_entries WHERE mine_id = :mine AND subject_type = 'hazard'
                 AND at < :asof AND subject_id IN (SELECT id::text FROM hazards WHERE mine_id = :mine
                   AND created_at >= CAST(:start AS timestamptz) - interval '5 minutes'
                   AND created_at < CAST(:end AS timestamptz) + interval '5 minutes')
                 GROUP BY subject_id HAVING min(at) >= :start AND min(at) < :end),
      s AS (SELECT e.subject_id, e.at, e.after->>'state' AS state,
                   coalesce('TEAM:' || (e.after->>'team_id'), 'AREA:' || (e.after->>'area_id')) AS unit,
                   lead(e.at) OVER (PARTITION BY e.subject_id ORDER BY e.at) AS next_at
            FROM audit_entries e JOIN p ON p.subject_id = e.subject_id
            WHERE e.mine_id = :mine AND e.subject_type = 'hazard' AND e.at < :asof)
      SELECT unit, state, count(DISTINCT subject_id),
             sum(extract(epoch FROM least(coalesce(next_at, :asof), :asof) - at) / 3600)
      FROM s WHERE state IN {OPEN} GROUP BY 1, 2 ORDER BY 1, 2""",
    "recurring": """
      SELECT area_id, regexp_replace(lower(coalesce(location, '')), '[\\s,.;:，。；：、()（）\\-_/]+', '', 'g'), source,
             count(*) FROM hazards WHERE mine_id = :mine AND created_at >= :start AND created_at < :end
             AND id::text IN (SELECT subject_id FROM h WHERE state <> 'DISMISSED' AND first_at >= :start)
      GROUP BY 1, 2, 3 HAVING count(*) >= 2 ORDER BY 4 DESC""",
    "alerts": """
      WITH g AS (SELECT subject_id, max(seq) AS seq, min(at) FILTER (WHERE after->>'state' <> 'RAISED') AS ack_at
                 FROM audit_entries WHERE mine_id = :mine AND subject_type = 'alert' AND at < :asof
                 AND subject_id IN (SELECT id::text FROM alerts WHERE mine_id = :mine
                                    AND first_raised_at >= :start AND first_raised_at < :end)
                 GROUP BY subject_id),
      v AS (SELECT g.subject_id, g.ack_at, a.after->>'verdict' AS verdict FROM g
            JOIN audit_entries a ON a.mine_id = :mine AND a.seq = g.seq)
      SELECT al.source, count(*), count(*) FILTER (WHERE v.verdict = 'CONFIRMED'),
             count(*) FILTER (WHERE v.verdict = 'FALSE_ALARM'),
             avg(extract(epoch FROM v.ack_at - al.first_raised_at) / 60),
             percentile_disc(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM v.ack_at - al.first_raised_at) / 60)
      FROM alerts al LEFT JOIN v ON v.subject_id = al.id::text
      WHERE al.mine_id = :mine AND al.first_raised_at >= :start AND al.first_raised_at < :end
      GROUP BY ROLLUP (al.source) ORDER BY 1""",
    "sensors": """
      SELECT sum(floor(extract(epoch FROM :end - greatest(:start, s.created_at)) / 3600)), sum(st.hours),
             sum(st.received)
      FROM sensors s LEFT JOIN (SELECT sensor_id, count(*) AS hours, sum(count) AS received FROM sensor_hour_stats
                                WHERE hour >= :start AND hour < :end AND count > 0 GROUP BY 1) st
             ON st.sensor_id = s.id
      WHERE s.mine_id = :mine AND s.is_active""",
    "maintenance": """
      SELECT count(*), count(*) FILTER (WHERE coalesce(last, p.starts_at) + make_interval(days => p.interval_days::int)
                                        >= :asof)
      FROM maintenance_plans p LEFT JOIN (SELECT plan_id, max(performed_at) AS last FROM maintenance_records
                                          WHERE performed_at < :asof GROUP BY 1) r ON r.plan_id = p.id
      WHERE p.mine_id = :mine""",
}


async def baseline(engine, mine: uuid.UUID) -> dict[str, list]:  # type: ignore[no-untyped-def,type-arg]
    """Every aggregate for the month, then the by-grade, alert and sensor figures of the two trend months."""
    results: dict[str, list] = {}  # type: ignore[type-arg]
    months = [(START, END, END), (datetime(2026, 8, 31, 16, tzinfo=UTC), START, START),
              (datetime(2026, 7, 31, 16, tzinfo=UTC), datetime(2026, 8, 31, 16, tzinfo=UTC),
               datetime(2026, 8, 31, 16, tzinfo=UTC))]
    async with engine.connect() as connection:
        for index, (start, end, as_of) in enumerate(months):
            params = {"mine": mine, "start": start, "end": end, "asof": as_of}
            await connection.execute(text("CREATE TEMP TABLE h AS " + BASELINE["hazard_state"]), params)
            names = BASELINE if index == 0 else ("by_grade", "alerts", "sensors", "maintenance", "kpis_by_team")
            for name in names:
                if name != "hazard_state":
                    results[f"{index}:{name}"] = (await connection.execute(text(BASELINE[name]), params)).all()
            await connection.execute(text("DROP TABLE h"))
    return results


def check(figures, sql: dict[str, list]) -> None:  # type: ignore[no-untyped-def,type-arg]
    """The figures minesafe computed are the SQL's."""
    tables = {t.name: t for t in figures.tables}
    grade = {r[0]: r for r in sql["0:by_grade"]}
    for row in tables["by_grade"].rows:
        code = {"重大": "MAJOR", "一般": "GENERAL", "未定级": "UNGRADED"}[row[0]]
        want = grade[code]
        assert (row[1], row[2], row[6], row[7]) == (want[1], want[2], want[5], want[6]), (row, want)
        assert (row[5] is None and want[4] is None) or abs(row[5] - float(want[4])) < 1e-6, (row, want)
    summary = {r[1]: r[3] for r in tables["summary"].rows}
    assert summary["OVERDUE"] == sum(r[1] for r in sql["0:overdue_by_area"])
    assert sorted(r[1] for r in tables["overdue_by_team"].rows) == sorted(r[1] for r in sql["0:overdue_by_team"])
    assert sorted(r[1] for r in tables["overdue_by_person"].rows) == sorted(
        r[1] for r in sql["0:overdue_by_person"])
    overall = next(r for r in sql["0:alerts"] if r[0] is None)
    assert abs(summary["WARNING_ACCURACY"] - overall[2] / (overall[2] + overall[3])) < 1e-9
    assert abs(summary["MEAN_MINUTES_TO_ACKNOWLEDGE"] - float(overall[4])) < 1e-6
    due, with_data, _ = sql["0:sensors"][0]
    assert abs(summary["SENSOR_ONLINE_RATE"] - float(with_data) / float(due)) < 1e-9
    plans, compliant = sql["0:maintenance"][0]
    assert abs(summary["MAINTENANCE_COMPLIANCE"] - compliant / plans) < 1e-9
    hours = sum(float(r[3]) for r in sql["0:state_hours"])
    assert abs(sum(r[4] for r in tables["state_hours"].rows) - hours) < 1e-3 * max(1.0, hours)
    assert len(tables["recurring"].rows) == len(sql["0:recurring"])
    assert sorted(r[3] for r in tables["recurring"].rows) == sorted(r[3] for r in sql["0:recurring"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=50_000)
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = await scratch_postgres()
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    mine = uuid.uuid5(uuid.NAMESPACE_DNS, "bench.minesafe")
    started = time.perf_counter()
    async with engine.begin() as connection:
        for statement in fixture_sql(args.hazards, args.alerts, args.readings):
            await connection.execute(text(statement), {"mine": mine} if ":mine" in statement else {})
        counts = {name: (await connection.execute(text(f"SELECT count(*) FROM {name}"))).scalar_one()
                  for name in ("hazards", "alerts", "sensor_readings", "sensor_hour_stats", "audit_entries")}
    print(f"fixture: {counts} in {time.perf_counter() - started:.1f} s")
    sessions = create_session_factory(engine)
    now = datetime(2026, 12, 4, tzinfo=UTC)
    ours, bare, pdf_s = [], [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        async with sessions() as session:
            figures = await monthly_figures(session=session, mine_id=mine, month=MONTH, now=now)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        sql = await baseline(engine, mine)
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        header = ReportHeader(mine_name=figures.mine_name, label=MONTH, period_start=START, period_end=END,
                              as_of=figures.as_of, generated_at=now, digest=figures.digest,
                              timezone_offset=figures.timezone_offset)
        pdf = await asyncio.to_thread(render_pdf, header, figures.tables)
        pdf_s.append(time.perf_counter() - t)
    check(figures, sql)
    reported = sum(r[1] for r in sql["0:by_grade"])
    print(f"month {MONTH}: {reported} hazards reported, figures equal to the SQL's; PDF {len(pdf) // 1024} KiB")
    best_ours, best_bare, best_pdf = min(ours), min(bare), min(pdf_s)
    print(f"minesafe figures (every table, 3 months, as of the month's end): {best_ours:.2f} s "
          f"(rounds {', '.join(f'{x:.2f}' for x in ours)})")
    print(f"bare SQL aggregates, same figures:                           {best_bare:.2f} s "
          f"(rounds {', '.join(f'{x:.2f}' for x in bare)})")
    print(f"ratio minesafe / bare: {best_ours / best_bare:.2f}×; PDF rendering {best_pdf:.2f} s more; whole report "
          f"{best_ours + best_pdf:.2f} s")
    await engine.dispose()
    await drop_postgres(url)


if __name__ == "__main__":
    asyncio.run(main())
