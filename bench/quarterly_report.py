"""Benchmark: a contract's quarterly report (kwartaalrapportage), from request to PDF bytes.

Target, on PostgreSQL, for a contract with 2,000 learners and a year of attendance: at most 3 seconds
from request to PDF bytes in a warm worker.

Builds one region with one hybrid contract (fixed fee, hourly rate with a 10% absence allowance,
result fee, level-step bonuses, extension hours at a 50% share: every kind of settlement line) and
2,000 learners (bulk-created): most trajectories started before the year, a fifth during it (fixed
fees in every quarter), some ended 'behaald' or for work; 85% B1-route, 15% Z-route (some of them
past the contract's maximum hours, half of those with an extension). A year of lessons (50 weeks up
to last week, three or four a week: about 340,000; COPY on PostgreSQL, as the attendance import
stages its rows) with absences, reported reasons and the coordinator's classifications; the monthly
rollup with the import's own set-based SQL (``attendance.ingest.refresh_rollups``); exam results
(level steps), absence alerts with letters and enforcement cases, checkpoints, level-change
decisions, two quarterly talks; then VACUUM ANALYZE.

Measured for the last complete quarter, in one process that is warm (one untimed report first:
WeasyPrint loads its fonts, matplotlib its backend), each the median of ``--runs`` runs:

    a. ``reports.kpis.quarter_figures`` for the contract
    b. ``reports.settlement.contract_settlement`` for the quarter
    c. ``reports.charts.quarter_charts`` (the four SVG charts)
    d. the document from (a) and (b): ``quarterly_report_html`` (its context draws the charts of (c)
       again, plus the talks and findings; the template) and ``render_pdf`` (WeasyPrint, PDF/UA-1)
       total a + b + d (= request to PDF bytes; (c) is part of (d)) against THE TARGET, and the same
       measured in one go: ``reports.documents.quarterly_report_pdf``
    e. the contract dashboard (GET /rapportages/contracten/<id>?kwartaal=…, logged in as the
       contract manager): its number of queries and time
    f. ``reports.services.quarterly_report_generate`` in full (a fresh report row: PDF, stored file,
       figures saved), as the worker runs it

Database: DATABASE_URL. PostgreSQL is what the target is about; SQLite is refused unless
``--allow-sqlite`` (then a scratch file). A PostgreSQL database that does not exist yet is created and
dropped at the end (unless --keep), as the other benchmarks do (``bench/_database.py``); in an existing
database the benchmark's own region is removed at the end. The script runs ``migrate`` itself. Not
part of the test run; figures go into README.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_quarterly_report .venv/bin/python bench/quarterly_report.py
    .venv/bin/python bench/quarterly_report.py --allow-sqlite --learners 300
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._database import bench_database  # noqa: E402 - after the path is set
from bench.attendance_upload import learner_number  # noqa: E402
from bench.checkpoint_detection import COPY_COLUMNS, Capture, explain  # noqa: E402

TARGET_SECONDS = 3.0
SEED = 20261001
WEEKS = 50
WEEKDAYS = {3: (0, 2, 4), 4: (0, 1, 2, 3), 5: (0, 1, 2, 3, 4)}
MINUTES = {"ochtend": 180, "middag": 180, "avond": 150}
REASONS = (("ziek", 45), ("medisch", 16), ("kinderopvang", 12), ("werk", 9), ("mantelzorg", 6), ("anders", 4), ("", 8))
AUTHORIZED_REASONS = {"ziek", "medisch", "kinderopvang", "mantelzorg"}
SKILLS = ("lezen", "luisteren", "schrijven", "spreken")
MAX_HOURS_B1, MAX_HOURS_Z = 1200, 600
FIRST_NAMES = ["Amina", "Yusuf", "Noor", "Daniel", "Fatima", "Omar", "Sara", "Ali", "Hana", "Tesfay"]
LAST_NAMES = ["Haddad", "Tesfaye", "Al-Khatib", "Jansen", "Bakker", "Yilmaz", "Kebede", "Nasser", "de Vries"]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _aware(day: date, hour: int = 10):
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


# --------------------------------------------------------------------------------------------
# The region: one contract, its learners and trajectories
# --------------------------------------------------------------------------------------------


def build_region(args, today: date, tag: str) -> dict:
    from attendance.models import AttendanceUpload, UploadSource, UploadStatus
    from contracts.services import action_item_create, contract_create, evaluation_create
    from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, Tenant, User
    from inburgering.tenancy.scoping import Grant, scope
    from learning_routes.bsn import bsn_lookup_hash, encrypt_bsn, passes_elfproef
    from learning_routes.models import Learner, Trajectory

    rng = random.Random(SEED)
    tenant = Tenant.objects.create(name=f"Bench kwartaal {tag}", slug=f"bench-kwartaal-{tag}")
    Municipality.unscoped.bulk_create(
        Municipality(tenant=tenant, name=f"Benchgemeente kwartaal {tag}-{m}", cbs_code=f"GM{9300 + m:04d}")
        for m in range(5)
    )
    provider = Provider.objects.create(name=f"Taalschool Kwartaal {tag}", kvk_number=f"{(int(tag) + 13) % 10**8:08d}")
    RegionProvider.unscoped.create(tenant=tenant, provider=provider)
    staff = User.objects.create(username=f"bench.kwartaal.medewerker.{tag}")
    Membership.objects.create(user=staff, provider=provider, role=Role.PROVIDER_STAFF)
    manager = User.objects.create(username=f"bench.kwartaal.contractmanager.{tag}", first_name="Bench")
    Membership.objects.create(user=manager, tenant=tenant, role=Role.CONTRACT_MANAGER)
    coordinator = User.objects.create(username=f"bench.kwartaal.verzuim.{tag}")
    Membership.objects.create(user=coordinator, tenant=tenant, role=Role.ABSENCE_COORDINATOR)
    last_monday = today - timedelta(days=today.weekday() + 7)
    first_monday = last_monday - timedelta(weeks=WEEKS - 1)
    last_day = last_monday + timedelta(days=6)
    with scope([Grant(tenant_id=tenant.pk)]):
        municipalities = list(Municipality.objects.filter(tenant=tenant).order_by("cbs_code"))
        case_managers = []
        for municipality in municipalities:
            user = User.objects.create(username=f"bench.kwartaal.klantmanager.{tag}.{municipality.cbs_code}")
            Membership.objects.create(user=user, tenant=tenant, municipality=municipality, role=Role.CASE_MANAGER)
            case_managers.append(user)
        contract = contract_create(
            actor=manager,
            tenant=tenant,
            municipalities=municipalities,
            provider=provider,
            reference=f"BENCH-{tag}-KWARTAAL",
            title="Benchmark kwartaalrapportage",
            start_date=first_monday - timedelta(days=3 * 365),
            end_date=today + timedelta(days=2 * 365),
            status="actief",
            route_b1=True,
            route_z=True,
            dagdelen_per_week=[3, 4, 5],
            max_hours_b1=MAX_HOURS_B1,
            max_hours_z=MAX_HOURS_Z,
            continue_while_progress=True,
            financing_model="hybride",
            fixed_fee_per_learner=Decimal("6500.00"),
            hourly_rate=Decimal("48.50"),
            absence_allowance_percentage=Decimal("10"),
            extension_municipality_share_percentage=Decimal("50"),
            result_fee=Decimal("1000.00"),
            bonus_a1_a2=Decimal("500.00"),
            bonus_a2_b1=Decimal("1250.00"),
            bonus_b1_b2=Decimal("1500.00"),
            kpi_attendance_percentage=Decimal("85"),
            kpi_b1_all_skills_percentage=Decimal("50"),
            kpi_exam_pass_percentage=Decimal("70"),
            kpi_outflow_percentage=Decimal("40"),
            kpi_checkpoints_on_time_percentage=Decimal("95"),
            kpi_decisions_on_time_percentage=Decimal("90"),
        )
        for back in (160, 65):
            evaluation = evaluation_create(
                actor=manager,
                contract=contract,
                date=today - timedelta(days=back),
                attendees="Contractmanager, teamleider taalaanbieder",
                summary="Aanwezigheid stabiel; besluiten over afschalen op tijd.",
                agreements="Verzuimcijfers per maand delen.",
            )
            action_item_create(
                actor=manager,
                evaluation=evaluation,
                description="Verzuimcijfers per maand aanleveren",
                owner="Taalaanbieder",
                due_date=today + timedelta(days=30 - back // 4),
            )
    bsn_number = 400_000_000 + int(tag) % 1000 * 100_000
    plans = []  # (trajectory id, learner id, route, start, end, dagdelen, evening)
    window_days = (last_day - first_monday).days
    for start_index in range(0, args.learners, 1000):
        indexes = range(start_index, min(start_index + 1000, args.learners))
        learners, specs = [], []
        for index in indexes:
            while True:
                bsn_number += 1
                bsn = f"{bsn_number:09d}"
                if passes_elfproef(bsn):
                    break
            route = "z" if rng.random() < 0.15 else "b1"
            if rng.random() < 0.8:  # started before the year
                start = first_monday - timedelta(days=rng.randint(7, 500))
            else:  # during it: fixed fees in every quarter
                start = first_monday + timedelta(days=rng.randint(0, window_days - 14))
            end, reason, status = None, "", "actief"
            draw = rng.random()
            if draw < 0.08 and start + timedelta(days=120) < last_day:
                end = start + timedelta(days=rng.randint(120, max((last_day - start).days, 121)))
                end = min(max(end, first_monday + timedelta(days=14)), last_day)
                reason, status = ("behaald", "afgerond") if draw < 0.05 and route == "b1" else ("werk", "gestopt")
            per_week = rng.choice([4, 5]) if route == "z" else rng.choice([3, 4])
            pip = start - timedelta(days=rng.randint(20, 120))
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
                    date_of_birth=date(1970 + index % 35, 1 + index % 12, 1 + index % 28),
                    pip_date=pip,
                    integration_term_start=pip + timedelta(days=1),
                    integration_term_end=pip + timedelta(days=3 * 365),
                )
            )
            specs.append((route, start, end, reason, status, per_week, rng.random() < 0.2))
        created = Learner.unscoped.bulk_create(learners, batch_size=1000)
        trajectories = Trajectory.unscoped.bulk_create(
            (
                Trajectory(
                    tenant=tenant,
                    learner=learner,
                    contract=contract,
                    route=route,
                    status=status,
                    start_date=start,
                    end_date=end,
                    end_reason=reason,
                    dagdelen_per_week=per_week,
                    moment_daytime=not evening,
                    moment_evening=evening,
                )
                for learner, (route, start, end, reason, status, per_week, evening) in zip(created, specs, strict=True)
            ),
            batch_size=1000,
        )
        for trajectory, learner, (route, start, end, _reason, _status, per_week, evening) in zip(
            trajectories, created, specs, strict=True
        ):
            plans.append((trajectory.pk, learner.pk, route, start, end, per_week, evening))
    upload = AttendanceUpload.unscoped.create(
        tenant=tenant,
        provider=provider,
        contract=contract,
        sha256="2" * 64,
        original_name="benchmark-kwartaal.csv",
        uploaded_by=staff,
        source=UploadSource.FILE,
        status=UploadStatus.PROCESSED,
    )
    return {
        "tenant": tenant.pk,
        "provider": provider.pk,
        "contract": contract.pk,
        "upload": upload.pk,
        "manager": manager.pk,
        "coordinator": coordinator.pk,
        "case_managers": [user.pk for user in case_managers],
        "users": [staff.pk, manager.pk, coordinator.pk, *(user.pk for user in case_managers)],
        "plans": plans,
        "first_monday": first_monday,
        "last_day": last_day,
    }


# --------------------------------------------------------------------------------------------
# A year of lessons, and the rollup
# --------------------------------------------------------------------------------------------


def lesson_rows(region: dict, counts: dict):
    """Every lesson of every trajectory in the 50 weeks, inside its start and end: mostly present,
    some partial, 5% absent (with a reason, most classified), a few cancelled by the provider."""
    rng = random.Random(SEED + 1)
    tenant_id, upload_id, coordinator = region["tenant"], region["upload"], region["coordinator"]
    first, last = region["first_monday"], region["last_day"]
    reasons = [reason for reason, _weight in REASONS]
    weights = [weight for _reason, weight in REASONS]
    classified_at = _aware(last - timedelta(days=3))
    for trajectory_id, _learner_id, _route, start, end, per_week, evening in region["plans"]:
        begin, finish = max(start, first), min(end or last, last)
        if begin > finish:
            continue
        dayparts = ("avond",) if evening else ("ochtend", "middag")
        daypart = dayparts[trajectory_id % len(dayparts)]
        minutes = MINUTES[daypart]
        monday = begin - timedelta(days=begin.weekday())
        while monday <= finish:
            for weekday in WEEKDAYS[per_week]:
                day = monday + timedelta(days=weekday)
                if not begin <= day <= finish:
                    continue
                draw = rng.random()
                classification = culpability = reason = ""
                by, at = None, None
                if draw < 0.01:
                    status, attended = "vervallen", 0
                elif draw < 0.06:
                    status, attended = "afwezig", 0
                    reason = rng.choices(reasons, weights=weights)[0]
                    if rng.random() < 0.75:
                        authorized = reason in AUTHORIZED_REASONS
                        classification = "geoorloofd" if authorized else "ongeoorloofd"
                        culpability = "verminderd_verwijtbaar" if authorized else rng.choice(["opzet", "grove_schuld"])
                        by, at = coordinator, classified_at
                elif draw < 0.10:
                    status, attended = "aanwezig", minutes - rng.choice([30, 60, 90])
                else:
                    status, attended = "aanwezig", minutes
                counts["lessons"] += 1
                counts["absent"] += status == "afwezig"
                yield (
                    tenant_id,
                    trajectory_id,
                    day,
                    daypart,
                    minutes,
                    attended,
                    status,
                    reason,
                    False,
                    "",
                    upload_id,
                    classification,
                    culpability,
                    by,
                    at,
                )
            monday += timedelta(weeks=1)


def load_lessons(region: dict, vendor: str) -> dict:
    from django.db import connection, transaction

    from attendance.ingest import refresh_rollups

    counts = {"lessons": 0, "absent": 0}
    columns = ", ".join((*COPY_COLUMNS, "classified_by_id", "classified_at"))
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            with cursor.cursor.copy(f"COPY attendance_attendancerecord ({columns}) FROM STDIN") as copy:
                for row in lesson_rows(region, counts):
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * (len(COPY_COLUMNS) + 2))
            sql = f"INSERT INTO attendance_attendancerecord ({columns}) VALUES ({marks})"
            batch = []
            for row in lesson_rows(region, counts):
                batch.append(row)
                if len(batch) >= 50_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    with transaction.atomic(), connection.cursor() as cursor:
        refresh_rollups(
            cursor,
            trajectory_ids_sql="SELECT id FROM learning_routes_trajectory WHERE tenant_id = %s",
            params=[region["tenant"]],
        )
    return counts


# --------------------------------------------------------------------------------------------
# Exams, alerts, letters, cases, checkpoints, decisions, extensions
# --------------------------------------------------------------------------------------------


def build_follow_up(region: dict, today: date) -> dict:
    from attendance.models import TrajectoryAttendanceMonth
    from enforcement.models import AbsenceAlert, EnforcementCase, EnforcementStep, WarningLetter
    from learning_routes.models import ExamResult
    from progress.models import Checkpoint, HoursExtension, LevelChangeRequest

    rng = random.Random(SEED + 2)
    tenant_id, contract_id, provider_id = region["tenant"], region["contract"], region["provider"]
    first, last = region["first_monday"], region["last_day"]
    window = (last - first).days
    plans = region["plans"]

    def day_in(low: date, high: date) -> date:
        return low + timedelta(days=rng.randint(0, max((high - low).days, 0)))

    # Exams: B1-route learners pass skills at A2 and B1 over the year (level steps), some fail; KNM.
    exams = []

    def exam(trajectory_id: int, component: str, level: str, day: date, passed: bool) -> None:
        exams.append(
            ExamResult(
                tenant_id=tenant_id,
                trajectory_id=trajectory_id,
                component=component,
                level=level,
                exam_date=day,
                passed=passed,
            )
        )

    for trajectory_id, _learner_id, route, start, end, _per_week, _evening in plans:
        finish = min(end or last, last)
        begin = max(start + timedelta(days=120), first)
        if begin > finish:
            continue
        if route == "z":
            exam(trajectory_id, "knm", "", day_in(begin, finish), rng.random() < 0.8)
            continue
        all_four = rng.random() < 0.35
        for skill in SKILLS:
            if rng.random() < 0.3:
                exam(trajectory_id, skill, "A2", day_in(begin, finish), rng.random() < 0.85)
            if all_four or rng.random() < 0.4:
                if rng.random() < 0.2:  # failed first
                    exam(trajectory_id, skill, "B1", day_in(begin, finish), False)
                exam(trajectory_id, skill, "B1", day_in(begin, finish), True)
        if rng.random() < 0.6:
            exam(trajectory_id, "knm", "", day_in(begin, finish), rng.random() < 0.85)
    ExamResult.unscoped.bulk_create(exams, batch_size=2000)

    # Absence alerts: about 2.5% of the learners a month, with their letter; a case for some.
    months, month = [], _month_start(first)
    while month <= last:
        months.append(month)
        month = _month_start(month + timedelta(days=32))
    learners = [(learner_id, trajectory_id) for trajectory_id, learner_id, *_rest in plans]
    alerts, alert_months = [], []
    for month in months:
        for learner_id, _trajectory_id in rng.sample(learners, max(1, len(learners) // 40)):
            status = rng.choice(["nieuw", "in_behandeling", "contact_opgenomen", "afgesloten", "afgesloten"])
            alerts.append(
                AbsenceAlert(
                    tenant_id=tenant_id,
                    learner_id=learner_id,
                    month=month,
                    absence_count=rng.randint(3, 5),
                    threshold=3,
                    provider_id=provider_id,
                    contract_id=contract_id,
                    status=status,
                    outcome="hersteld" if status == "afgesloten" else "",
                )
            )
            alert_months.append(month)
    alerts = AbsenceAlert.unscoped.bulk_create(alerts, batch_size=2000)
    letters, cases = [], []
    case_learners: set[int] = set()
    for alert, month in zip(alerts, alert_months, strict=True):
        made = min(month + timedelta(days=35), last)
        handed_out = made + timedelta(days=5)
        letters.append(
            WarningLetter(
                tenant_id=tenant_id,
                alert=alert,
                provider_id=provider_id,
                status="klaar",
                token=secrets.token_hex(16),
                generated_at=_aware(made),
                handed_out_on=handed_out if rng.random() < 0.8 and handed_out <= today else None,
            )
        )
        if rng.random() < 0.12 and alert.learner_id not in case_learners:
            case_learners.add(alert.learner_id)
            cases.append(
                EnforcementCase(
                    tenant_id=tenant_id,
                    learner_id=alert.learner_id,
                    alert=alert,
                    case_manager_id=region["case_managers"][alert.learner_id % len(region["case_managers"])],
                    status="afgesloten" if rng.random() < 0.5 else "open",
                    current_step=rng.choice(["contact_klantmanager", "driegesprek", "handhavingsprocedure"]),
                    opened_on=made,
                )
            )
    WarningLetter.unscoped.bulk_create(letters, batch_size=2000)
    cases = EnforcementCase.unscoped.bulk_create(cases, batch_size=1000)
    steps = []
    order = ["waarschuwing", "contact_klantmanager", "driegesprek", "handhavingsprocedure"]
    for case in cases:
        for position, step in enumerate(order[: order.index(case.current_step) + 1]):
            steps.append(
                EnforcementStep(
                    tenant_id=tenant_id,
                    case=case,
                    step=step,
                    happened_on=min(case.opened_on + timedelta(days=10 * position), today),
                    actor_id=case.case_manager_id,
                )
            )
    EnforcementStep.unscoped.bulk_create(steps, batch_size=2000)

    # Checkpoints: learners past 300 and 600 attended hours, dated at the month they crossed.
    minutes = {}
    for trajectory_id, month, attended in (
        TrajectoryAttendanceMonth.unscoped.filter(tenant_id=tenant_id)
        .order_by("trajectory_id", "month")
        .values_list("trajectory_id", "month", "attended_minutes")
    ):
        minutes.setdefault(trajectory_id, []).append((month, attended))
    learner_of = {trajectory_id: learner_id for trajectory_id, learner_id, *_rest in plans}
    # Attended minutes before the year (not loaded): about 2.4 hours a daypart a week since the start.
    before = {
        trajectory_id: max((first - start).days, 0) * per_week * 144 // 7
        for trajectory_id, _learner_id, _route, start, _end, per_week, _evening in plans
    }
    checkpoints = []
    for trajectory_id, rows in minutes.items():
        total = before[trajectory_id]
        thresholds = [hours for hours in (300, 600) if total < hours * 60]
        for month, attended in rows:
            total += attended
            while thresholds and total >= thresholds[0] * 60:
                known = min(month + timedelta(days=rng.randint(35, 40)), today)
                due = known + timedelta(days=14)
                draw = rng.random()
                submitted = None if draw < 0.05 else known + timedelta(days=rng.randint(2, 12) if draw < 0.9 else 20)
                checkpoints.append(
                    Checkpoint(
                        tenant_id=tenant_id,
                        learner_id=learner_of[trajectory_id],
                        trajectory_id=trajectory_id,
                        threshold_hours=thresholds.pop(0),
                        hours_basis="gevolgd",
                        reached_on=month + timedelta(days=20),
                        known_on=known,
                        due_date=due,
                        status="beoordeeld" if submitted and submitted <= today else "open",
                        submitted_at=_aware(submitted) if submitted and submitted <= today else None,
                    )
                )
    Checkpoint.unscoped.bulk_create(checkpoints, batch_size=2000)

    # Level-change requests decided over the year, some past their deadline.
    requests = []
    b1 = [trajectory_id for trajectory_id, _l, route, *_rest in plans if route == "b1"]
    for trajectory_id in rng.sample(b1, min(len(b1), max(10, len(plans) // 16))):
        requested = first + timedelta(days=rng.randint(0, window - 30))
        turnaround = rng.choice([4, 6, 8, 9, 11, 16])
        decided = requested + timedelta(days=turnaround * 7 // 5)
        open_request = decided > today or rng.random() < 0.08
        requests.append(
            LevelChangeRequest(
                tenant_id=tenant_id,
                trajectory_id=trajectory_id,
                kind="afschalen",
                skill_changes=[{"skill": "schrijven", "from": "B1", "to": "A2"}],
                motivation="Benchmark",
                attended_hours=Decimal("612.00"),
                status="ingediend" if open_request else rng.choice(["toegekend", "toegekend", "afgewezen"]),
                requested_by_id=region["users"][0],
                requested_at=_aware(requested),
                due_date=requested + timedelta(days=14),
                decided_by_id=None if open_request else region["case_managers"][0],
                decided_at=None if open_request else _aware(decided, 14),
                turnaround_working_days=None if open_request else turnaround,
            )
        )
    LevelChangeRequest.unscoped.bulk_create(requests, batch_size=1000)

    # Extensions: half of the Z-route learners on five dayparts a week (they pass the maximum).
    extensions = []
    for trajectory_id, _learner_id, route, start, end, per_week, _evening in plans:
        if route == "z" and per_week == 5 and end is None and start < first and rng.random() < 0.5:
            extensions.append(
                HoursExtension(
                    tenant_id=tenant_id,
                    trajectory_id=trajectory_id,
                    extra_hours=100,
                    reason="Benchmark: aantoonbare vooruitgang",
                    municipality_share_percentage=Decimal("50"),
                    granted_by_id=region["case_managers"][0],
                    granted_on=first + timedelta(days=rng.randint(150, 200)),
                )
            )
    HoursExtension.unscoped.bulk_create(extensions, batch_size=1000)
    return {
        "exams": len(exams),
        "alerts": len(alerts),
        "cases": len(cases),
        "checkpoints": len(checkpoints),
        "requests": len(requests),
        "extensions": len(extensions),
    }


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(function, runs: int) -> tuple[float, object, Capture]:
    """Median seconds over `runs`, the last result and the last run's statements."""
    from django.db import connection

    seconds, result, capture = [], None, None
    for _ in range(runs):
        capture = Capture()
        with connection.execute_wrapper(capture):
            started = time.perf_counter()
            result = function()
            seconds.append(time.perf_counter() - started)
    return median(seconds), result, capture


def sql_of(capture: Capture) -> str:
    seconds = sum(elapsed for _sql, _params, elapsed in capture.statements)
    return f"{len(capture.statements)} queries, SQL {seconds * 1000:.0f} ms"


def measure(region: dict, args, vendor: str) -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from contracts.models import Contract
    from inburgering.documents import render_pdf
    from inburgering.tenancy.models import User
    from inburgering.tenancy.scoping import Grant, scope
    from reports.charts import quarter_charts
    from reports.documents import TEMPLATE_DIR, quarterly_report_html, quarterly_report_pdf
    from reports.kpis import quarter_figures
    from reports.models import QuarterlyReport, ReportStatus
    from reports.periods import Quarter
    from reports.services import quarterly_report_generate
    from reports.settlement import contract_settlement

    today = timezone.localdate()
    quarter = Quarter.containing(today).previous()
    runs = args.runs
    results: list[tuple[str, float, str]] = []
    with scope([Grant(tenant_id=region["tenant"])]):
        contract = Contract.objects.select_related("provider", "tenant").get(pk=region["contract"])
        generated_at = timezone.now()
        started = time.perf_counter()
        quarterly_report_pdf(contract, quarter, generated_at=generated_at)  # warm-up: fonts, matplotlib
        warm_up = time.perf_counter() - started

        a, figures, capture_a = timed(lambda: quarter_figures([contract], quarter)[contract.pk], runs)
        results.append(("a. quarter_figures", a, sql_of(capture_a)))
        b, settlement, capture_b = timed(lambda: contract_settlement(contract, quarter), runs)
        results.append(("b. contract_settlement", b, sql_of(capture_b)))
        c, charts, _capture = timed(lambda: quarter_charts(figures), runs)
        results.append(("c. quarter_charts (4 SVG charts; part of d)", c, f"{len(charts)} charts"))
        d_html, html, capture_d = timed(
            lambda: quarterly_report_html(
                contract, quarter, generated_at=generated_at, figures=figures, settlement=settlement
            ),
            runs,
        )
        detail = f"{len(html) / 1024:.0f} KiB HTML; {sql_of(capture_d)}"
        results.append(("d. quarterly_report_html (context, charts, template)", d_html, detail))
        d_pdf, pdf, _capture = timed(lambda: render_pdf(html, base_url=TEMPLATE_DIR), runs)
        results.append(("   render_pdf (WeasyPrint, PDF/UA-1)", d_pdf, f"{len(pdf) / 1024:.0f} KiB PDF"))
        total = a + b + d_html + d_pdf
        results.append(("total a + b + d = request to PDF bytes", total, f"target <= {TARGET_SECONDS:.0f} s"))
        whole, made, _capture = timed(lambda: quarterly_report_pdf(contract, quarter, generated_at=generated_at), runs)
        results.append(("   quarterly_report_pdf in one go", whole, f"{len(made[0]) / 1024:.0f} KiB PDF"))

        # f. the worker's job: a fresh report row each time, generated, stored and saved.
        def generate():
            report = QuarterlyReport.objects.create(
                tenant_id=contract.tenant_id, contract=contract, year=quarter.year, quarter=quarter.number
            )
            report = quarterly_report_generate(report_id=report.pk)
            assert report.status == ReportStatus.READY, report.failure
            return report

        f, _report, _capture = timed(generate, runs)

    # e. the contract dashboard, as the contract manager sees it (a request through the middleware).
    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(pk=region["manager"]))
    url = f"{reverse('dashboard_contract', args=[contract.pk])}?kwartaal={quarter.label}"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    e, response, capture_e = timed(lambda: client.get(url), runs)
    results.append(("e. contract dashboard GET", e, f"{sql_of(capture_e)}; {url}"))
    results.append(("f. quarterly_report_generate (the worker's job)", f, "fresh row: PDF, stored file, figures"))

    print()
    print(f"quarter {quarter.label}; warm-up (first report of the process): {warm_up:.2f} s; median of {runs} runs")
    print(f"{'measured (' + vendor + ')':<56} {'seconds':>8}  detail")
    print("-" * 120)
    for label, seconds, detail in results:
        print(f"{label:<56} {seconds:>8.3f}  {detail}")
    kinds = ", ".join(f"{item.label.split(' (')[0].lower()} {item.count}" for item in settlement.totals)
    print(
        f"\nsanity: {figures.learners:,} learners in the quarter, attendance {figures.attendance_rate}%, "
        f"{figures.absences:,} absences, {figures.alerts} alerts, exams {figures.exams_passed}/{figures.exams_taken}, "
        f"B1 on all four {figures.b1_all_skills}/{figures.b1_cohort}, {figures.checkpoints_due} checkpoints due, "
        f"{figures.decisions} decisions"
    )
    print(f"settlement: total € {settlement.total:,.2f}, {len(settlement.lines):,} lines ({kinds})")
    comparable = vendor == "postgresql" and args.learners >= 2000
    verdict = "met" if total <= TARGET_SECONDS else "MISSED"
    print(
        f"target: at most {TARGET_SECONDS:.0f} s from request to PDF bytes, warm: {total:.2f} s, {verdict}"
        + ("" if comparable else " (not comparable: the target is about PostgreSQL at 2,000 learners)")
    )
    if args.explain:
        for name, capture in (("a. quarter_figures", capture_a), ("b. contract_settlement", capture_b)):
            print(f"\n{name}, statements by time:")
            for sql, params, elapsed in sorted(capture.statements, key=lambda item: -item[2])[:4]:
                print(f"  {elapsed * 1000:8.1f} ms  {' '.join(sql.split())[:150]}")
                print(explain(sql, params, vendor))


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
            "reports_historicalquarterlyreport",
            "reports_quarterlyreport",
            "enforcement_enforcementstep",
            "enforcement_enforcementcase",
            "enforcement_warningletter",
            "enforcement_absencealert",
            "learning_routes_examresult",
            "contracts_historicalactionitem",
            "contracts_actionitem",
            "contracts_historicalcontractevaluation",
            "contracts_contractevaluation",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant_id])
    remove_checkpoint_region(region)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=2_000, help="learners, one trajectory each")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (the median is printed)")
    parser.add_argument("--explain", action="store_true", help="the slowest statements of (a) and (b), explained")
    parser.add_argument("--allow-sqlite", action="store_true", help="run on SQLite (the target is about PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="keep the created database (or the region)")
    args = parser.parse_args()

    tag = str(int(time.time()) % 10**8)
    with bench_database(
        name="bench_quarterly_report",
        script="bench/quarterly_report.py",
        allow_sqlite=args.allow_sqlite,
        keep=args.keep,
        sizes="--learners",
    ) as database:
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        vendor = database.vendor
        today = timezone.localdate()
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        region = build_region(args, today, tag)
        database.cleanup = lambda: remove_region(region)
        seconds = time.perf_counter() - started
        print(f"region: one contract, {args.learners:,} learners and trajectories ({seconds:.1f} s)")
        started = time.perf_counter()
        counts = load_lessons(region, vendor)
        loader = "COPY" if vendor == "postgresql" else "executemany"
        print(
            f"lessons: {counts['lessons']:,} over {WEEKS} weeks ({counts['absent']:,} absent) loaded ({loader}) "
            f"and rolled up ({time.perf_counter() - started:.1f} s)"
        )
        started = time.perf_counter()
        made = build_follow_up(region, today)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
        print(
            f"follow-up: {made['exams']:,} exam results, {made['alerts']:,} alerts with letters, "
            f"{made['cases']} cases, {made['checkpoints']:,} checkpoints, {made['requests']} level-change requests, "
            f"{made['extensions']} extensions; VACUUM ANALYZE ({time.perf_counter() - started:.1f} s)"
        )
        measure(region, args, vendor)


if __name__ == "__main__":
    main()
