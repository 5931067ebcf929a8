"""Benchmark: the daily checkpoint detection (evaluatiemomenten, 300 and 600 hours).

Target: at most 1 second on PostgreSQL for 20,000 trajectories with 5,000,000 attendance records.

Builds one region with 20,000 learners, each with an open B1 trajectory (bulk-created), and
5,000,000 lessons for them (COPY on PostgreSQL, as the attendance import stages its rows), spread so
that a realistic share of the learners has crossed 300 and 600 attended hours; then the monthly
rollup with the attendance import's own set-based SQL (``attendance.ingest.refresh_rollups``) and
ANALYZE, as a database in use has. Measured, each as the median of ``--runs`` runs:

    a. ``progress.services.checkpoints_detect`` cold: every crossing new (INSERT … SELECT over the
       rollup, plus the fill of the date each threshold was reached). THE TARGET FIGURE.
    b. ``checkpoints_detect`` again: nothing new (the daily steady state).
    c. the detection's SELECT alone (the INSERT's own SELECT, taken from the statement the service
       runs, counted instead of inserted).
    d. ``progress.services.progress_detect`` in full (checkpoints, overdue marks, maximum-hours
       warnings, notifications): steady state; and once cold.

For a cold run the tenant's checkpoints are deleted first (and the table vacuumed on PostgreSQL);
the timing includes the commit. When the cold run misses the target, the time per SQL statement
and EXPLAIN ANALYZE of the slow statements are printed (always with ``--explain``).

Database: DATABASE_URL. PostgreSQL is what the target is about; SQLite is refused unless
``--allow-sqlite`` (then a scratch file unless DATABASE_URL names one; use smaller sizes). A
PostgreSQL database that does not exist yet is created and dropped at the end (unless --keep), as
bench/attendance_upload.py does; in an existing database the benchmark's own region is removed at
the end. The script runs ``migrate`` itself. Not part of the test run; figures go into README.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_checkpoints .venv/bin/python bench/checkpoint_detection.py
    .venv/bin/python bench/checkpoint_detection.py --allow-sqlite --trajectories 2000 --records 500000
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._database import bench_database  # noqa: E402 - after the path is set
from bench.attendance_upload import SqlTimer, learner_number  # noqa: E402

TARGET_SECONDS = 1.0
SEED = 20260300
WEEKDAYS = {3: (0, 2, 3), 4: (0, 1, 2, 3), 5: (0, 1, 2, 3, 4)}
# Share of trajectories per hours band, as a region with learners from their first weeks to their
# third year has them: (share, fewest lessons, most lessons). A lesson is mostly 3 hours.
BANDS = ((0.25, 15, 100), (0.30, 110, 200), (0.45, 215, None))  # None: whatever makes the total
COPY_COLUMNS = (
    "tenant_id",
    "trajectory_id",
    "lesson_date",
    "daypart",
    "scheduled_minutes",
    "attended_minutes",
    "status",
    "reason",
    "homework_class",
    "note",
    "upload_id",
    "classification",
    "culpability",
)


# --------------------------------------------------------------------------------------------
# The region and its lessons
# --------------------------------------------------------------------------------------------


def lesson_counts(trajectories: int, records: int, rng: random.Random) -> list[int]:
    """Lessons per trajectory in the bands above, adding up to exactly `records`."""
    counts = []
    for share, low, high in BANDS[:-1]:
        counts.extend(rng.randint(low, high) for _ in range(round(trajectories * share)))
    rest = trajectories - len(counts)
    low = BANDS[-1][1]
    average = max((records - sum(counts)) / max(rest, 1), low)
    tail = [rng.randint(low, max(int(2 * average) - low, low)) for _ in range(rest)]
    # The difference to the exact total, spread evenly over the long trajectories.
    share, extra = divmod(records - sum(counts) - sum(tail), max(rest, 1))
    tail = [max(low, lessons + share + (1 if i < extra else 0)) for i, lessons in enumerate(tail)]
    counts.extend(tail)
    rng.shuffle(counts)
    return counts


def build_region(args, today: date, tag: str) -> dict:
    from attendance.models import AttendanceUpload, UploadSource, UploadStatus
    from contracts.services import contract_create
    from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, Tenant, User
    from inburgering.tenancy.scoping import Grant, scope
    from learning_routes.bsn import bsn_lookup_hash, encrypt_bsn, passes_elfproef
    from learning_routes.models import Learner, Trajectory

    rng = random.Random(SEED)
    tenant = Tenant.objects.create(name=f"Bench evaluatiemomenten {tag}", slug=f"bench-evaluatie-{tag}")
    Municipality.unscoped.bulk_create(
        Municipality(tenant=tenant, name=f"Benchgemeente {tag}-{m}", cbs_code=f"GM{9100 + m:04d}") for m in range(5)
    )
    provider = Provider.objects.create(name=f"Taalschool Bench {tag}", kvk_number=f"{(int(tag) + 7) % 10**8:08d}")
    RegionProvider.unscoped.create(tenant=tenant, provider=provider)
    staff = User.objects.create(username=f"bench.evaluatie.medewerker.{tag}")
    Membership.objects.create(user=staff, provider=provider, role=Role.PROVIDER_STAFF)
    with scope([Grant(tenant_id=tenant.pk)]):
        municipalities = list(Municipality.objects.filter(tenant=tenant).order_by("cbs_code"))
        case_managers = []
        for municipality in municipalities:
            user = User.objects.create(username=f"bench.evaluatie.klantmanager.{tag}.{municipality.cbs_code}")
            Membership.objects.create(user=user, tenant=tenant, municipality=municipality, role=Role.CASE_MANAGER)
            case_managers.append(user)
        contract = contract_create(
            actor=None,
            tenant=tenant,
            municipalities=municipalities,
            provider=provider,
            reference=f"BENCH-{tag}-EVAL",
            title="Benchmark evaluatiemomenten",
            start_date=today - timedelta(days=5 * 365),
            end_date=today + timedelta(days=2 * 365),
            status="actief",
            route_b1=True,
            dagdelen_per_week=[3, 4, 5],
            max_hours_b1=1500,
            continue_while_progress=True,
            hourly_rate=Decimal("45"),
            financing_model="uurtarief",
        )
    counts = lesson_counts(args.trajectories, args.records, rng)
    plans = []  # (index, lessons, dagdelen per week, evening)
    for index, lessons in enumerate(counts):
        per_week = 5 if lessons > 400 else rng.choice([3, 4, 4, 5])
        plans.append((index, lessons, per_week, rng.random() < 0.2))
    bsn_number = 200_000_000 + int(tag) % 1000 * 100_000
    trajectory_plans = []
    last_monday = today - timedelta(days=today.weekday() + 7)
    for start in range(0, len(plans), 5000):
        chunk = plans[start : start + 5000]
        learners = []
        for index, lessons, per_week, _evening in chunk:
            while True:
                bsn_number += 1
                bsn = f"{bsn_number:09d}"
                if passes_elfproef(bsn):
                    break
            first_lesson = last_monday - timedelta(weeks=(lessons - 1) // per_week)
            learners.append(
                Learner(
                    tenant=tenant,
                    municipality=municipalities[index % len(municipalities)],
                    case_manager=case_managers[index % len(municipalities)],
                    bsn_encrypted=encrypt_bsn(bsn),
                    bsn_hash=bsn_lookup_hash(bsn),
                    learner_number=learner_number(index),
                    first_name="Test",
                    last_name=f"Inburgeraar {index}",
                    date_of_birth=date(1990, 1, 1),
                    pip_date=first_lesson - timedelta(days=60),
                    integration_term_start=first_lesson - timedelta(days=59),
                    integration_term_end=first_lesson + timedelta(days=3 * 365),
                )
            )
        created = Learner.unscoped.bulk_create(learners, batch_size=1000)
        trajectories = Trajectory.unscoped.bulk_create(
            (
                Trajectory(
                    tenant=tenant,
                    learner=learner,
                    contract=contract,
                    route="b1",
                    status="actief",
                    start_date=last_monday - timedelta(weeks=(lessons - 1) // per_week, days=7),
                    dagdelen_per_week=per_week,
                )
                for learner, (_index, lessons, per_week, _evening) in zip(created, chunk, strict=True)
            ),
            batch_size=1000,
        )
        for trajectory, (_index, lessons, per_week, evening) in zip(trajectories, chunk, strict=True):
            trajectory_plans.append((trajectory.pk, lessons, per_week, evening))
    upload = AttendanceUpload.unscoped.create(
        tenant=tenant,
        provider=provider,
        contract=contract,
        sha256="0" * 64,
        original_name="benchmark.csv",
        uploaded_by=staff,
        source=UploadSource.FILE,
        status=UploadStatus.PROCESSED,
    )
    return {
        "tenant": tenant.pk,
        "provider": provider.pk,
        "contract": contract.pk,
        "upload": upload.pk,
        "users": [staff.pk, *(user.pk for user in case_managers)],
        "plans": trajectory_plans,
        "last_monday": last_monday,
    }


def lesson_rows(region: dict):
    """Every lesson of every trajectory, backwards from last week: mostly present, some partial,
    some absent, a few cancelled by the provider."""
    rng = random.Random(SEED + 1)
    tenant_id, upload_id = region["tenant"], region["upload"]
    base = region["last_monday"].toordinal()
    fromordinal = date.fromordinal
    for trajectory_id, lessons, per_week, evening in region["plans"]:
        weekdays = WEEKDAYS[per_week]
        daypart, minutes = ("avond", 150) if evening else ("ochtend", 180)
        for lesson in range(lessons):
            week, slot = divmod(lesson, per_week)
            day = fromordinal(base - 7 * week + weekdays[slot])
            draw = rng.random()
            if draw < 0.01:
                row = (minutes, 0, "vervallen", "")
            elif draw < 0.05:
                row = (minutes, 0, "afwezig", "ziek")
            elif draw < 0.09:
                row = (minutes, minutes - 60, "aanwezig", "")
            else:
                row = (minutes, minutes, "aanwezig", "")
            yield (tenant_id, trajectory_id, day, daypart, row[0], row[1], row[2], row[3], False, "", upload_id, "", "")


def load_lessons(region: dict, vendor: str) -> None:
    from django.db import connection

    columns = ", ".join(COPY_COLUMNS)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            with cursor.cursor.copy(f"COPY attendance_attendancerecord ({columns}) FROM STDIN") as copy:
                for row in lesson_rows(region):
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COPY_COLUMNS))
            batch = []
            for row in lesson_rows(region):
                batch.append(row)
                if len(batch) >= 50_000:
                    cursor.executemany(f"INSERT INTO attendance_attendancerecord ({columns}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO attendance_attendancerecord ({columns}) VALUES ({marks})", batch)


def build_rollup(region: dict) -> None:
    from django.db import connection, transaction

    from attendance.ingest import refresh_rollups

    with transaction.atomic(), connection.cursor() as cursor:
        refresh_rollups(
            cursor,
            trajectory_ids_sql="SELECT id FROM learning_routes_trajectory WHERE tenant_id = %s",
            params=[region["tenant"]],
        )


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


class Capture(SqlTimer):
    """The SQL timer, also keeping the statements (with their parameters) the service ran."""

    def __init__(self):
        super().__init__()
        self.statements: list[tuple[str, object, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            key = " ".join(sql.split())[:110] + (" [many]" if many else "")
            entry = self.totals.setdefault(key, [0.0, 0])
            entry[0] += elapsed
            entry[1] += 1
            self.statements.append((sql, params, elapsed))


def clear_checkpoints(tenant_id: int, vendor: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM progress_skillassessment WHERE checkpoint_id IN "
            "(SELECT id FROM progress_checkpoint WHERE tenant_id = %s)",
            [tenant_id],
        )
        cursor.execute("DELETE FROM progress_checkpoint WHERE tenant_id = %s", [tenant_id])
        cursor.execute("DELETE FROM progress_maximumhourswarning WHERE tenant_id = %s", [tenant_id])
        if vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE progress_checkpoint")
            cursor.execute("VACUUM ANALYZE progress_maximumhourswarning")


def timed(function) -> tuple[float, object, Capture]:
    from django.db import connection, transaction

    capture = Capture()
    with connection.execute_wrapper(capture):
        started = time.perf_counter()
        with transaction.atomic():
            result = function()
        elapsed = time.perf_counter() - started
    return elapsed, result, capture


def select_only(insert_sql: str) -> str:
    """The detection's SELECT from the service's INSERT … SELECT … ON CONFLICT … RETURNING."""
    sql = re.sub(r"INSERT INTO\s+\S+\s*\([^)]*\)", "", insert_sql, count=1)
    sql = re.sub(r"ON CONFLICT.*$", "", sql, flags=re.S)
    return f"SELECT COUNT(*) FROM ({sql}) AS detected"


def explain(sql: str, params, vendor: str) -> str:
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    lines: list[str] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            lines = [" ".join(str(part) for part in row) for row in cursor.fetchall()]
            raise Rollback  # EXPLAIN ANALYZE of an INSERT runs it: undo
    except Rollback:
        pass
    return "\n".join("    " + (line if len(line) <= 200 else line[:200] + " …") for line in lines)


def median(values: list[float]) -> float:
    return statistics.median(values)


def measure(region: dict, args, vendor: str) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from inburgering.tenancy.models import Tenant
    from inburgering.tenancy.scoping import Grant, scope
    from progress.models import Checkpoint, CheckpointStatus
    from progress.services import checkpoints_detect, progress_detect

    tenant = Tenant.objects.get(pk=region["tenant"])
    as_of = timezone.localdate()
    results: list[tuple[str, float, str]] = []
    with scope([Grant(tenant_id=tenant.pk)]):
        cold, cold_captures, created = [], [], 0
        for _ in range(args.runs):
            clear_checkpoints(tenant.pk, vendor)
            seconds, ids, capture = timed(lambda: checkpoints_detect(tenant=tenant, as_of=as_of))
            cold.append(seconds)
            cold_captures.append(capture)
            created = len(ids)
        by_threshold = dict(
            Checkpoint.unscoped.filter(tenant=tenant).values_list("threshold_hours").annotate(n=Count("pk"))
        )
        missing = Checkpoint.unscoped.filter(tenant=tenant, reached_on__isnull=True).count()
        results.append(
            (
                "a. checkpoints_detect, cold (all new)",
                median(cold),
                f"{created:,} checkpoints (300 h: {by_threshold.get(300, 0):,}, 600 h: {by_threshold.get(600, 0):,})"
                + (f", {missing} without reached-on date" if missing else ""),
            )
        )
        steady = []
        insert_sql = insert_params = None
        for _ in range(max(args.runs, 3)):
            seconds, ids, capture = timed(lambda: checkpoints_detect(tenant=tenant, as_of=as_of))
            steady.append(seconds)
            assert not ids, "a second run must create nothing"
            for sql, params, _elapsed in capture.statements:
                if "INSERT INTO" in sql and "progress_checkpoint" in sql:
                    insert_sql, insert_params = sql, params
        results.append(("b. checkpoints_detect, again (nothing new)", median(steady), "0 new"))
        # A day's worth: 1% of the crossings new (as after a monthly upload), the rest known.
        daily, day_new = [], 0
        for run in range(max(args.runs, 3)):
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM progress_checkpoint WHERE tenant_id = %s AND learner_id %% 100 = %s", [tenant.pk, run]
                )
            seconds, ids, _capture = timed(lambda: checkpoints_detect(tenant=tenant, as_of=as_of))
            daily.append(seconds)
            day_new = len(ids)
        results.append(("   checkpoints_detect, 1% new (a day)", median(daily), f"{day_new:,} new"))
        select_sql = select_only(insert_sql)
        selects, found = [], 0
        for _ in range(max(args.runs, 3)):
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(select_sql, insert_params)
                found = cursor.fetchone()[0]
                selects.append(time.perf_counter() - started)
        results.append(("c. the detection SELECT alone", median(selects), f"{found:,} crossings"))
        full = []
        for _ in range(max(args.runs, 3)):
            seconds, result, _capture = timed(lambda: progress_detect(tenant=tenant, as_of=as_of))
            full.append(seconds)
        results.append(
            ("d. progress_detect in full, steady state", median(full), "overdue marks and warnings included")
        )
        clear_checkpoints(tenant.pk, vendor)
        seconds, result, full_capture = timed(lambda: progress_detect(tenant=tenant, as_of=as_of))
        results.append(
            (
                "   progress_detect in full, cold (once)",
                seconds,
                f"{result.checkpoints_created:,} checkpoints, {result.warnings_created:,} warnings, notifications",
            )
        )
        overdue = Checkpoint.unscoped.filter(tenant=tenant, status=CheckpointStatus.OVERDUE).count()
        assert overdue == 0, "checkpoints detected as of today are not overdue"

    print()
    print(f"{'measured (' + vendor + ')':<46} {'seconds':>8}  detail")
    print("-" * 110)
    for label, seconds, detail in results:
        marker = "  <- TARGET FIGURE" if label.startswith("a.") else ""
        print(f"{label:<46} {seconds:>8.3f}  {detail}{marker}")
    comparable = vendor == "postgresql" and args.trajectories >= 20_000 and args.records >= 5_000_000
    if not comparable:
        verdict = "not comparable (the target is about PostgreSQL at 20,000 / 5,000,000)"
    elif median(cold) <= TARGET_SECONDS:
        verdict = "met"
    else:
        verdict = f"MISSED ({median(cold) / TARGET_SECONDS:.1f}x)"
    print(
        f"target: a. at most {TARGET_SECONDS:.0f} s on PostgreSQL for 20,000 trajectories / 5,000,000 records "
        f"(median of {args.runs} cold runs, commit included): {verdict}"
    )
    capture = cold_captures[len(cold_captures) // 2]
    if args.explain or median(cold) > TARGET_SECONDS:
        print("\nWhere the time of a cold run goes (SQL statements by wall time):")
        for sql, (seconds, count) in sorted(capture.totals.items(), key=lambda item: -item[1][0])[:8]:
            print(f"  {seconds:8.3f} s {count:7d}x  {sql}")
        statements = [s for s in capture.statements if "progress_checkpoint" in s[0]]
        insert = next((s for s in statements if "INSERT INTO" in s[0]), None)
        fill = next((s for s in statements if "WITH new AS" in s[0]), None)
        if insert is not None:
            clear_checkpoints(tenant.pk, vendor)
            print("\nEXPLAIN ANALYZE, the INSERT … SELECT (cold; rolled back):")
            print(explain(insert[0], insert[1], vendor))
            with scope([Grant(tenant_id=tenant.pk)]):
                checkpoints_detect(tenant=tenant, as_of=as_of)
        if fill is not None:
            # The ids of the fill belong to the measured run; the run after it made new ones.
            with connection.cursor() as cursor:
                cursor.execute("SELECT id FROM progress_checkpoint WHERE tenant_id = %s ORDER BY id", [tenant.pk])
                ids = [row[0] for row in cursor.fetchall()]
            # The fill runs in batches: explain the first, with this run's ids in place of the measured ones.
            batch = ids[: len(fill[1]) - 1]
            params = [fill[1][0], *batch]
            marks = ", ".join(["%s"] * len(batch))
            sql = re.sub(r"IN \((%s(, )?)+\)", f"IN ({marks})", fill[0])
            print("\nEXPLAIN ANALYZE, the reached-on fill (window over the learners' lessons):")
            print(explain(sql, params, vendor))
    if full_capture is not None and args.explain:
        print("\nprogress_detect cold, SQL statements by wall time:")
        for sql, (seconds, count) in sorted(full_capture.totals.items(), key=lambda item: -item[1][0])[:8]:
            print(f"  {seconds:8.3f} s {count:7d}x  {sql}")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def remove_region(region: dict) -> None:
    """The benchmark's own rows, for a database that existed before (and is kept)."""
    from django.db import connection

    tenant_id = region["tenant"]
    statements = [
        "DELETE FROM progress_skillassessment WHERE tenant_id = %s",
        "DELETE FROM progress_levelchangerequest WHERE tenant_id = %s",
        "DELETE FROM progress_hoursextension WHERE tenant_id = %s",
        "DELETE FROM progress_maximumhourswarning WHERE tenant_id = %s",
        "DELETE FROM progress_checkpoint WHERE tenant_id = %s",
        "DELETE FROM attendance_trajectoryattendancemonth WHERE tenant_id = %s",
        "DELETE FROM attendance_attendancerecord WHERE tenant_id = %s",
        "DELETE FROM attendance_attendanceupload WHERE tenant_id = %s",
        "DELETE FROM notifications_notification WHERE tenant_id = %s",
        "DELETE FROM learning_routes_trajectory WHERE tenant_id = %s",
        "DELETE FROM learning_routes_learner WHERE tenant_id = %s",
        "DELETE FROM contracts_contractmunicipality WHERE tenant_id = %s",
        "DELETE FROM contracts_contract WHERE tenant_id = %s",
        "DELETE FROM tenancy_membership WHERE tenant_id = %s OR user_id IN (SELECT unnest(%s::bigint[]))",
        "DELETE FROM tenancy_regionprovider WHERE tenant_id = %s",
        "DELETE FROM tenancy_municipality WHERE tenant_id = %s",
        "DELETE FROM tenancy_tenant WHERE id = %s",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, [tenant_id, region["users"]] if "unnest" in sql else [tenant_id])
        cursor.execute("DELETE FROM tenancy_provider WHERE id = %s", [region["provider"]])
        cursor.execute("DELETE FROM tenancy_user WHERE id IN (SELECT unnest(%s::bigint[]))", [region["users"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trajectories", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=5_000_000, help="attendance records (lessons)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is printed)")
    parser.add_argument("--explain", action="store_true", help="statement timings and EXPLAIN ANALYZE always")
    parser.add_argument("--allow-sqlite", action="store_true", help="run on SQLite (the target is about PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="keep the created database (or the region)")
    args = parser.parse_args()

    tag = str(int(time.time()) % 10**8)
    with bench_database(
        name="bench_checkpoints",
        script="bench/checkpoint_detection.py",
        allow_sqlite=args.allow_sqlite,
        keep=args.keep,
        sizes="--trajectories/--records",
    ) as database:
        from django.core.management import call_command
        from django.db import connection

        vendor = database.vendor
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        region = build_region(args, date.today(), tag)
        database.cleanup = lambda: remove_region(region)
        print(f"region: {args.trajectories:,} learners with an open trajectory ({time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()
        load_lessons(region, vendor)
        print(
            f"lessons: {args.records:,} loaded ({'COPY' if vendor == 'postgresql' else 'executemany'}, "
            f"{time.perf_counter() - started:.1f} s)"
        )
        started = time.perf_counter()
        build_rollup(region)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute(
                "SELECT COUNT(*) FROM attendance_trajectoryattendancemonth WHERE tenant_id = %s", [region["tenant"]]
            )
            months = cursor.fetchone()[0]
            cursor.execute(
                "SELECT SUM(CASE WHEN m >= 18000 THEN 1 ELSE 0 END), SUM(CASE WHEN m >= 36000 THEN 1 ELSE 0 END) "
                "FROM (SELECT SUM(attended_minutes) AS m FROM attendance_trajectoryattendancemonth "
                "WHERE tenant_id = %s GROUP BY trajectory_id) AS hours",
                [region["tenant"]],
            )
            past_300, past_600 = cursor.fetchone()
        print(
            f"rollup: {months:,} trajectory-months, ANALYZE ({time.perf_counter() - started:.1f} s); "
            f"{past_300 / args.trajectories:.0%} of the learners past 300 h, "
            f"{past_600 / args.trajectories:.0%} past 600 h"
        )
        measure(region, args, vendor)


if __name__ == "__main__":
    main()
