"""Benchmark: the monthly absence rule (verzuimsignalen) and the warning letters.

Targets, on PostgreSQL for 20,000 trajectories with 5,000,000 attendance records over a year:

    a. detection for one month: the counted-absences query (``enforcement.services._counted_absences``)
       at most 100 ms; the full ``absence_alerts_detect`` for that month (nothing new) alongside.
    b. the whole job for the month, cold: ~4,000 new alerts and their letters created (not rendered),
       at most 3 s (``absence_alerts_detect``; also ``absence_alerts_run``, which queues one task per
       letter after the commit: measured with the broker this process has, memory:// unless
       CELERY_BROKER_URL is set).
    c. the job again: nothing new.
    d. letters per second in one process, ``warning_letter_generate`` for 50 letters (WeasyPrint,
       PDF/UA-1, stored, notifications): at least 6 per second.

Builds one region with 20,000 learners on an open trajectory, 250 lessons each (five a week over the
last 50 weeks; COPY on PostgreSQL, as the attendance import stages its rows): 4% absent, at most two
absences in the measured month (the last full calendar month) except for 4,000 learners with three to
five, then VACUUM ANALYZE. The region's policy: three absences in a calendar month, all absences count, the
letter automatically (IJmond). Each figure is the median of ``--runs`` runs, commit included; a cold
run deletes the month's alerts and letters first. When (a) misses its target (always with
``--explain``) the query's EXPLAIN ANALYZE is printed, and the query is measured again with a partial
index on attendance records (tenant_id, lesson_date) WHERE status = 'afwezig', created in the
benchmark's database only and dropped afterwards (``--index`` measures it always).

Database: DATABASE_URL. PostgreSQL is what the targets are about; SQLite is refused unless
``--allow-sqlite`` (then a scratch file; use smaller sizes). A PostgreSQL database that does not exist
yet is created and dropped at the end (unless --keep), as the other benchmarks do; in an existing
database the benchmark's own region is removed at the end. The script runs ``migrate`` itself. Not
part of the test run; figures go into README.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_absence .venv/bin/python bench/absence_alerts.py
    .venv/bin/python bench/absence_alerts.py --allow-sqlite --trajectories 2000 --records 500000 --reached 400
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._database import bench_database  # noqa: E402 - after the path is set
from bench.attendance_upload import learner_number  # noqa: E402
from bench.checkpoint_detection import COPY_COLUMNS, Capture, explain  # noqa: E402

QUERY_TARGET_MS = 100
JOB_TARGET_SECONDS = 3.0
LETTERS_TARGET_PER_SECOND = 6.0
SEED = 20260701
WEEKS = 50
ABSENCE_RATE = 0.04
# Indexes tried for (a), in the benchmark's database only: partial on absences; and the same covering
# every column the query reads from the record (an index-only scan instead of a heap fetch per absence).
INDEXES = (
    ("bench_absent_tenant_date", "(tenant_id, lesson_date)"),
    (
        "bench_absent_tenant_date_covering",
        "(tenant_id, lesson_date) INCLUDE (trajectory_id, id, status, classification, attended_minutes, "
        "scheduled_minutes)",
    ),
)
FIRST_NAMES = ["Amina", "Yusuf", "Noor", "Daniel", "Fatima", "Omar", "Sara", "Ali", "Hana", "Tesfay"]
LAST_NAMES = ["Haddad", "Tesfaye", "Al-Khatib", "Jansen", "Bakker", "Yilmaz", "Kebede", "Nasser", "de Vries"]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def measured_month(today: date) -> date:
    return _month_start(_month_start(today) - timedelta(days=1))


# --------------------------------------------------------------------------------------------
# The region and its lessons
# --------------------------------------------------------------------------------------------


def build_region(args, today: date, tag: str) -> dict:
    from attendance.models import AttendanceUpload, UploadSource, UploadStatus
    from contracts.services import contract_create
    from enforcement.models import AbsencePolicy, Counting
    from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, Tenant, User
    from inburgering.tenancy.scoping import Grant, scope
    from learning_routes.bsn import bsn_lookup_hash, encrypt_bsn, passes_elfproef
    from learning_routes.models import Learner, Trajectory

    rng = random.Random(SEED)
    tenant = Tenant.objects.create(name=f"Bench verzuim {tag}", slug=f"bench-verzuim-{tag}")
    Municipality.unscoped.bulk_create(
        Municipality(tenant=tenant, name=f"Benchgemeente verzuim {tag}-{m}", cbs_code=f"GM{9200 + m:04d}")
        for m in range(5)
    )
    provider = Provider.objects.create(name=f"Taalschool Verzuim {tag}", kvk_number=f"{(int(tag) + 11) % 10**8:08d}")
    RegionProvider.unscoped.create(tenant=tenant, provider=provider)
    staff = User.objects.create(username=f"bench.verzuim.medewerker.{tag}")
    Membership.objects.create(user=staff, provider=provider, role=Role.PROVIDER_STAFF)
    last_monday = today - timedelta(days=today.weekday() + 7)
    first_monday = last_monday - timedelta(weeks=WEEKS - 1)
    with scope([Grant(tenant_id=tenant.pk)]):
        municipalities = list(Municipality.objects.filter(tenant=tenant).order_by("cbs_code"))
        case_managers = []
        for municipality in municipalities:
            user = User.objects.create(username=f"bench.verzuim.klantmanager.{tag}.{municipality.cbs_code}")
            Membership.objects.create(user=user, tenant=tenant, municipality=municipality, role=Role.CASE_MANAGER)
            case_managers.append(user)
        contract = contract_create(
            actor=None,
            tenant=tenant,
            municipalities=municipalities,
            provider=provider,
            reference=f"BENCH-{tag}-VERZUIM",
            title="Benchmark verzuim",
            start_date=today - timedelta(days=3 * 365),
            end_date=today + timedelta(days=2 * 365),
            status="actief",
            route_b1=True,
            dagdelen_per_week=[5],
            max_hours_b1=1500,
            hourly_rate=Decimal("45"),
            financing_model="uurtarief",
        )
        AbsencePolicy.objects.create(
            tenant=tenant,
            threshold_per_month=3,
            counting=Counting.ALL,
            automatic_warning_letter=True,
            contact_name="Team Verzuim",
            contact_details="0255 00 00 00",
        )
    bsn_number = 300_000_000 + int(tag) % 1000 * 100_000
    trajectory_ids: list[int] = []
    for start in range(0, args.trajectories, 5000):
        indexes = range(start, min(start + 5000, args.trajectories))
        learners = []
        for index in indexes:
            while True:
                bsn_number += 1
                bsn = f"{bsn_number:09d}"
                if passes_elfproef(bsn):
                    break
            learners.append(
                Learner(
                    tenant=tenant,
                    municipality=municipalities[index % len(municipalities)],
                    case_manager=case_managers[index % len(municipalities)],
                    bsn_encrypted=encrypt_bsn(bsn),
                    bsn_hash=bsn_lookup_hash(bsn),
                    learner_number=learner_number(index),
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    date_of_birth=date(1990, 1, 1),
                    pip_date=first_monday - timedelta(days=60),
                    integration_term_start=first_monday - timedelta(days=59),
                    integration_term_end=first_monday + timedelta(days=3 * 365),
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
                    start_date=first_monday,
                    dagdelen_per_week=5,
                )
                for learner in created
            ),
            batch_size=1000,
        )
        trajectory_ids.extend(t.pk for t in trajectories)
    upload = AttendanceUpload.unscoped.create(
        tenant=tenant,
        provider=provider,
        contract=contract,
        sha256="1" * 64,
        original_name="benchmark-verzuim.csv",
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
        "trajectories": trajectory_ids,
        "first_monday": first_monday,
        "month": measured_month(today),
    }


def lesson_rows(region: dict, args):
    """Five lessons a week for every trajectory (the records spread evenly), mostly present; in the
    measured month at most two absences, except for the chosen learners with three to five."""
    rng = random.Random(SEED + 1)
    tenant_id, upload_id = region["tenant"], region["upload"]
    trajectories = region["trajectories"]
    chosen = set(rng.sample(range(len(trajectories)), min(args.reached, len(trajectories))))
    per_trajectory, extra = divmod(args.records, len(trajectories))
    month = region["month"]
    month_end = _month_start(month + timedelta(days=32))
    base = region["first_monday"].toordinal()
    fromordinal = date.fromordinal
    for index, trajectory_id in enumerate(trajectories):
        lessons = per_trajectory + (1 if index < extra else 0)
        evening = index % 5 == 0
        dayparts = ("avond",) if evening else ("ochtend", "middag")
        minutes = 150 if evening else 180
        # Lessons from the most recent backwards: five a week (a second daypart when there are more).
        days = []
        for lesson in range(lessons):
            week, slot = divmod(lesson, 5)
            part = dayparts[(week // WEEKS) % len(dayparts)]
            days.append((fromordinal(base + 7 * (WEEKS - 1 - week % WEEKS) + slot), part))
        in_month = [i for i, (day, _part) in enumerate(days) if month <= day < month_end]
        forced = set(rng.sample(in_month, min(len(in_month), rng.randint(3, 5)))) if index in chosen else set()
        absent_in_month = 0
        for i, (day, part) in enumerate(days):
            if i in forced:
                absent = True
            elif month <= day < month_end:
                absent = index not in chosen and absent_in_month < 2 and rng.random() < ABSENCE_RATE
            else:
                absent = rng.random() < ABSENCE_RATE
            if absent:
                if month <= day < month_end:
                    absent_in_month += 1
                row = (minutes, 0, "afwezig", rng.choice(("ziek", "ziek", "medisch", "", "werk")))
            elif rng.random() < 0.04:
                row = (minutes, minutes - 60, "aanwezig", "")
            else:
                row = (minutes, minutes, "aanwezig", "")
            yield (tenant_id, trajectory_id, day, part, row[0], row[1], row[2], row[3], False, "", upload_id, "", "")


def load_lessons(region: dict, args, vendor: str) -> None:
    from django.db import connection

    columns = ", ".join(COPY_COLUMNS)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            with cursor.cursor.copy(f"COPY attendance_attendancerecord ({columns}) FROM STDIN") as copy:
                for row in lesson_rows(region, args):
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COPY_COLUMNS))
            sql = f"INSERT INTO attendance_attendancerecord ({columns}) VALUES ({marks})"
            batch = []
            for row in lesson_rows(region, args):
                batch.append(row)
                if len(batch) >= 50_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def clear_month(tenant_id: int, month: date, vendor: str) -> None:
    from django.db import connection

    alerts = "SELECT id FROM enforcement_absencealert WHERE tenant_id = %s AND month = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM enforcement_historicalwarningletter WHERE alert_id IN ({alerts})", [tenant_id, month]
        )
        cursor.execute(f"DELETE FROM enforcement_warningletter WHERE alert_id IN ({alerts})", [tenant_id, month])
        cursor.execute(f"DELETE FROM enforcement_alertnote WHERE alert_id IN ({alerts})", [tenant_id, month])
        cursor.execute(f"DELETE FROM enforcement_historicalabsencealert WHERE id IN ({alerts})", [tenant_id, month])
        cursor.execute("DELETE FROM enforcement_absencealert WHERE tenant_id = %s AND month = %s", [tenant_id, month])
        if vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE enforcement_absencealert")
            cursor.execute("VACUUM ANALYZE enforcement_warningletter")


def timed(function) -> tuple[float, object, Capture]:
    from django.db import connection, transaction

    capture = Capture()
    with connection.execute_wrapper(capture):
        started = time.perf_counter()
        with transaction.atomic():
            result = function()
        elapsed = time.perf_counter() - started
    return elapsed, result, capture


def median(values: list[float]) -> float:
    return statistics.median(values)


def measure_query(tenant_id: int, month: date, runs: int) -> tuple[float, int, int, tuple]:
    """The counted-absences query (median seconds), learners with absences, learners at 3+, statement."""
    from enforcement.services import _counted_absences

    seconds, counted, statement = [], {}, None
    for _ in range(max(runs, 5)):
        elapsed, counted, capture = timed(lambda: _counted_absences(tenant_id, month))
        seconds.append(elapsed)
        statement = next((s for s in capture.statements if "WITH policies" in s[0]), statement)
    reached = sum(1 for entry in counted.values() if entry.count >= entry.threshold)
    return median(seconds), len(counted), reached, statement


def measure(region: dict, args, vendor: str) -> None:
    from enforcement.letters import warning_letter_generate
    from enforcement.models import AbsenceAlert, LetterStatus, WarningLetter
    from enforcement.services import absence_alerts_detect, absence_alerts_run
    from inburgering.tenancy.models import Tenant
    from inburgering.tenancy.scoping import Grant, scope

    tenant = Tenant.objects.get(pk=region["tenant"])
    month = region["month"]
    results: list[tuple[str, float, str, str]] = []  # label, seconds, detail, target
    with scope([Grant(tenant_id=tenant.pk)]):
        query_seconds, learners, reached, statement = measure_query(tenant.pk, month, args.runs)
        results.append(
            (
                "a. counted-absences query (_counted_absences)",
                query_seconds,
                f"{learners:,} learners with absences, {reached:,} at 3 or more",
                f"<= {QUERY_TARGET_MS} ms",
            )
        )
        # b. cold: every alert of the month new, with its letter row.
        cold, created, letters = [], 0, 0
        for _ in range(args.runs):
            clear_month(tenant.pk, month, vendor)
            seconds, run, _capture = timed(lambda: absence_alerts_detect(tenant=tenant, month=month))
            cold.append(seconds)
            created, letters = run.created, len(run.letters)
        results.append(
            (
                "b. absence_alerts_detect, cold (all new)",
                median(cold),
                f"{created:,} alerts, {letters:,} letters created (not rendered)",
                f"<= {JOB_TARGET_SECONDS:.0f} s",
            )
        )
        run_cold = []
        for _ in range(args.runs):
            clear_month(tenant.pk, month, vendor)
            seconds, run, _capture = timed(lambda: absence_alerts_run(tenant=tenant, months=[month]))
            run_cold.append(seconds)
        results.append(
            (
                "   absence_alerts_run, cold (+ queueing the letters)",
                median(run_cold),
                f"{run.created:,} alerts, {len(run.letters):,} tasks queued ({os.environ['CELERY_BROKER_URL']})",
                "",
            )
        )
        steady, steady_run = [], []
        for _ in range(max(args.runs, 3)):
            seconds, run, _capture = timed(lambda: absence_alerts_detect(tenant=tenant, month=month))
            steady.append(seconds)
            assert run.created == 0 and not run.letters, "a second run must create nothing"
            seconds, run, _capture = timed(lambda: absence_alerts_run(tenant=tenant, months=[month]))
            steady_run.append(seconds)
        results.append(
            ("c. absence_alerts_detect again (nothing new)", median(steady), "0 new; also (a)'s full detection", "")
        )
        results.append(("   absence_alerts_run again (nothing new)", median(steady_run), "0 new", ""))
        # d. letters: one warm-up (WeasyPrint loads fonts once per process), then the measured ones.
        ids = list(
            WarningLetter.unscoped.filter(tenant=tenant, alert__month=month)
            .order_by("pk")
            .values_list("pk", flat=True)[: args.letters + 1]
        )
        started = time.perf_counter()
        warning_letter_generate(letter_id=ids[0])
        warm_up = time.perf_counter() - started
        started = time.perf_counter()
        for letter_id in ids[1:]:
            warning_letter_generate(letter_id=letter_id)
        rendering = time.perf_counter() - started
        ready = WarningLetter.unscoped.filter(pk__in=ids, status=LetterStatus.READY).count()
        assert ready == len(ids), f"{len(ids) - ready} letters failed"
        rate = (len(ids) - 1) / rendering
        results.append(
            (
                f"d. warning_letter_generate, {len(ids) - 1} letters",
                rendering,
                f"{rate:.1f} letters/s ({rendering / (len(ids) - 1) * 1000:.0f} ms each; first of the "
                f"process {warm_up * 1000:.0f} ms)",
                f">= {LETTERS_TARGET_PER_SECOND:.0f}/s",
            )
        )
        alerts = AbsenceAlert.unscoped.filter(tenant=tenant, month=month).count()

    print()
    print(f"{'measured (' + vendor + ')':<54} {'seconds':>8}  {'target':<10} detail")
    print("-" * 130)
    for label, seconds, detail, target in results:
        print(f"{label:<54} {seconds:>8.3f}  {target:<10} {detail}")
    comparable = vendor == "postgresql" and args.trajectories >= 20_000 and args.records >= 5_000_000
    verdicts = {
        "a": query_seconds * 1000 <= QUERY_TARGET_MS,
        "b": median(cold) <= JOB_TARGET_SECONDS,
        "d": rate >= LETTERS_TARGET_PER_SECOND,
    }
    summary = ", ".join(f"{key}. {'met' if ok else 'MISSED'}" for key, ok in verdicts.items())
    if not comparable:
        summary += " (not comparable: the targets are about PostgreSQL at 20,000 / 5,000,000)"
    print(f"targets: {summary}; {alerts:,} alerts in the measured month {month:%m-%Y}")

    if statement is not None and (args.explain or not verdicts["a"]):
        alone = sql_alone(statement, args.runs) * 1000
        print(f"\nThe query's SQL alone (execute and fetch, without building the per-learner lists): {alone:.1f} ms")
        print("\nEXPLAIN ANALYZE, the counted-absences query:")
        print(explain(statement[0], statement[1], vendor))
    if vendor == "postgresql" and (args.index or not verdicts["a"]):
        for name, columns in INDEXES:
            measure_index(tenant, month, args, name, columns, query_seconds, median(steady), statement)


def sql_alone(statement: tuple, runs: int) -> float:
    from django.db import connection

    seconds = []
    for _ in range(max(runs, 5)):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(statement[0], statement[1])
            cursor.fetchall()
            seconds.append(time.perf_counter() - started)
    return median(seconds)


def measure_index(tenant, month: date, args, name: str, definition: str, without: float, steady: float, statement):
    """(a) again with a partial index created in this database only (dropped afterwards)."""
    from django.db import connection

    from enforcement.services import absence_alerts_detect
    from inburgering.tenancy.scoping import Grant, scope

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {name} ON attendance_attendancerecord {definition} WHERE status = 'afwezig'")
        cursor.execute("VACUUM ANALYZE attendance_attendancerecord")
    try:
        with scope([Grant(tenant_id=tenant.pk)]):
            indexed, _learners, _reached, statement = measure_query(tenant.pk, month, args.runs)
            detect = []
            for _ in range(max(args.runs, 3)):
                seconds, _run, _capture = timed(lambda: absence_alerts_detect(tenant=tenant, month=month))
                detect.append(seconds)
        print(
            f"\nWith a partial index {definition} WHERE status = 'afwezig' (this database only):\n"
            f"  a. counted-absences query {indexed * 1000:.1f} ms (without: {without * 1000:.1f} ms), the SQL alone "
            f"{sql_alone(statement, args.runs) * 1000:.1f} ms; absence_alerts_detect, nothing new "
            f"{median(detect) * 1000:.0f} ms (without: {steady * 1000:.0f} ms)"
        )
        print(explain(statement[0], statement[1], "postgresql"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def remove_region(region: dict) -> None:
    """The benchmark's own rows, for a database that existed before (and is kept)."""
    from django.db import connection

    from bench.checkpoint_detection import remove_region as remove_checkpoint_region

    tenant_id = region["tenant"]
    with connection.cursor() as cursor:
        for table in (
            "enforcement_historicalwarningletter",
            "enforcement_warningletter",
            "enforcement_alertnote",
            "enforcement_historicalabsencealert",
            "enforcement_absencealert",
            "enforcement_historicalabsencepolicy",
            "enforcement_absencepolicy",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant_id])
    remove_checkpoint_region(region)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trajectories", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=5_000_000, help="attendance records (lessons)")
    parser.add_argument("--reached", type=int, default=4_000, help="learners with 3–5 absences in the month")
    parser.add_argument("--letters", type=int, default=50, help="letters rendered for (d)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is printed)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE of the query always")
    parser.add_argument("--index", action="store_true", help="measure (a) with the partial index always")
    parser.add_argument("--allow-sqlite", action="store_true", help="run on SQLite (the targets are about PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="keep the created database (or the region)")
    args = parser.parse_args()

    tag = str(int(time.time()) % 10**8)
    with bench_database(
        name="bench_absence",
        script="bench/absence_alerts.py",
        allow_sqlite=args.allow_sqlite,
        keep=args.keep,
        sizes="--trajectories/--records/--reached",
        environment={"CELERY_BROKER_URL": "memory://"},  # queueing measured without a broker's I/O
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
        load_lessons(region, args, vendor)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")  # as autovacuum leaves it
        loader = "COPY" if vendor == "postgresql" else "executemany"
        print(
            f"lessons: {args.records:,} over {WEEKS} weeks loaded ({loader}, VACUUM ANALYZE, "
            f"{time.perf_counter() - started:.1f} s); measured month {region['month']:%m-%Y}"
        )
        measure(region, args, vendor)


if __name__ == "__main__":
    main()
