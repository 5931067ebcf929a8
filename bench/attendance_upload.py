"""Benchmark: attendance uploads end to end (parse, validate, store, audit) — issue 5, "Speed".

Generates a realistic attendance export (default 1,000,000 lessons for 20,000 trajectories under
one contract of one provider) and times ``attendance.services.upload_process`` for:

    a. the first upload (every row new),
    b. the same file again (every row unchanged),
    c. a corrected file with 10% of the rows changed,
    d. an XLSX export of 200,000 rows (the default XLSX cap) for a second contract.

Each measured upload runs in a fresh subprocess (this script with ``--phase``), so the peak
memory (RSS high-water mark, ``ru_maxrss``) printed is that upload's own. Only the
``upload_process`` call is timed; generating the files and the learners is not.

The database is first brought to the state of an installation in use: planner statistics
(ANALYZE) and a few thousand earlier lessons (an untimed warm-up upload). ``--cold`` skips the
warm-up to measure the very first upload into an empty attendance table; ``--no-analyze`` skips
the statistics. ``--profile`` prints cProfile and the wall time per SQL statement to stderr.

Database: a throwaway SQLite file by default, or DATABASE_URL. For PostgreSQL the database named
in the URL is created with ``createdb`` when it does not exist yet and dropped at the end
(unless --keep). The script runs ``migrate`` itself. Not part of the test run; figures go into
README.md.

    .venv/bin/python bench/attendance_upload.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_attendance .venv/bin/python bench/attendance_upload.py
    .venv/bin/python bench/attendance_upload.py --rows 100000 --trajectories 2000 --profile
    DATABASE_URL='postgres://postgres@127.0.0.1:5432/bench_attendance?options=-c%20work_mem%3D64MB' ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = (
    "deelnemernummer",
    "datum",
    "dagdeel",
    "geplande_minuten",
    "aanwezige_minuten",
    "status",
    "reden",
    "huiswerkklas",
    "opmerking",
)
TARGETS = {"first": 100_000, "same": 150_000, "changed": 120_000}  # rows per second, issue 5
PEAK_TARGET_MB = 300
LEARNER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as learning_routes.services.new_learner_number
SEED = 20260505

# Reported reasons of an absence, roughly as providers register them (blank: nothing reported).
REASONS = [("ziek", 45), ("medisch", 15), ("kinderopvang", 12), ("werk", 10), ("mantelzorg", 6), ("anders", 5), ("", 7)]
LATE_NOTES = ["Later binnengekomen", "Eerder weg (afspraak huisarts)", "Eerder weg", "Te laat (bus)"]
CANCEL_NOTES = ["Docent ziek", "Lokaal niet beschikbaar", "", ""]
MINUTES = {"ochtend": 180, "middag": 180, "avond": 150}
HOMEWORK_MINUTES = 120


# --------------------------------------------------------------------------------------------
# Data generation (no Django needed)
# --------------------------------------------------------------------------------------------


def learner_number(index: int) -> str:
    """A six-character learner number in the application's alphabet, unique per index."""
    chars = []
    value = (index * 387_420_489 + 12_345) % 32**6  # an odd multiplier: a bijection, not sequential-looking
    for _ in range(6):
        value, rest = divmod(value, 32)
        chars.append(LEARNER_ALPHABET[rest])
    return "".join(reversed(chars))


class Plan:
    """Everything about one trajectory that the files and the database must agree on."""

    __slots__ = ("number", "dagdelen", "rows", "first_week", "start_date", "seed")

    def __init__(self, index: int, rows: int, today: date, rng: random.Random):
        self.number = learner_number(index)
        self.dagdelen = rng.choices([3, 4, 5], weights=[2, 5, 3])[0]
        self.rows = rows
        weeks = math.ceil(rows / self.dagdelen) + 1
        monday = today - timedelta(days=today.weekday())
        self.first_week = monday - timedelta(weeks=weeks)
        # Started long enough ago: between two weeks and a year and a half before the first lesson.
        self.start_date = self.first_week - timedelta(days=rng.randint(14, 540))
        self.seed = rng.randrange(1 << 30)

    def earlier(self, weeks: int, rows: int) -> Plan:
        """The same trajectory's lessons of an earlier period (still after its start)."""
        plan = object.__new__(Plan)
        plan.number, plan.dagdelen, plan.start_date = self.number, self.dagdelen, self.start_date
        plan.rows, plan.first_week, plan.seed = rows, self.first_week - timedelta(weeks=weeks), self.seed + 1
        return plan


def plans(trajectories: int, rows: int, today: date, offset: int = 0) -> list[Plan]:
    rng = random.Random(SEED + offset)
    base, extra = divmod(rows, trajectories)
    return [Plan(offset + i, base + (1 if i < extra else 0), today, rng) for i in range(trajectories)]


def _reason(rng: random.Random) -> str:
    return rng.choices([r for r, _w in REASONS], weights=[w for _r, w in REASONS])[0]


def lessons(plan: Plan) -> Iterator[list]:
    """The trajectory's lessons in date order: [number, date, daypart, scheduled, attended, status,
    reason, homework, note]. Weekdays only, on a fixed weekly timetable, all before this week."""
    rng = random.Random(plan.seed)
    daypart = rng.choices(["ochtend", "middag", "avond"], weights=[55, 30, 15])[0]
    weekdays = sorted(rng.sample(range(5), plan.dagdelen))
    homework_daypart = "middag" if daypart != "middag" else "ochtend"
    homework_weekday = rng.randrange(5)
    scheduled = MINUTES[daypart]
    # A few learners are absent far more often than the rest.
    absent_share = 0.075 if rng.random() > 0.05 else 0.25
    emitted = 0
    week = plan.first_week
    makeup_due = False
    while emitted < plan.rows:
        slots = [(weekday, daypart, False) for weekday in weekdays]
        if makeup_due:
            slots.append((homework_weekday, homework_daypart, True))
            slots.sort()
            makeup_due = False
        for weekday, part, homework in slots:
            if emitted >= plan.rows:
                break
            day = week + timedelta(days=weekday)
            emitted += 1
            if homework:
                attended = HOMEWORK_MINUTES if rng.random() < 0.9 else 0
                status = "aanwezig" if attended else "afwezig"
                yield [
                    plan.number,
                    day,
                    part,
                    HOMEWORK_MINUTES,
                    attended,
                    status,
                    "" if attended else _reason(rng),
                    True,
                    "",
                ]
                continue
            draw = rng.random()
            if draw < 0.03:
                yield [plan.number, day, part, scheduled, 0, "vervallen", "", False, rng.choice(CANCEL_NOTES)]
            elif draw < 0.03 + absent_share:
                makeup_due = makeup_due or rng.random() < 0.35
                yield [plan.number, day, part, scheduled, 0, "afwezig", _reason(rng), False, ""]
            elif rng.random() < 0.05:  # partial attendance: came late or left early
                attended = scheduled - rng.choice([30, 45, 60, 90])
                yield [plan.number, day, part, scheduled, attended, "aanwezig", "", False, rng.choice(LATE_NOTES)]
            else:
                yield [plan.number, day, part, scheduled, scheduled, "aanwezig", "", False, ""]
        week += timedelta(weeks=1)


def corrected(row: list, rng: random.Random) -> list:
    """A provider's correction of one lesson; the result always differs from the original."""
    row = list(row)
    status, scheduled = row[5], row[3]
    if status == "aanwezig":
        if rng.random() < 0.5:
            row[4], row[5], row[6], row[8] = 0, "afwezig", _reason(rng) or "ziek", "Correctie: toch afwezig"
        else:
            row[4] = max(0, scheduled - rng.choice([30, 60])) if row[4] == scheduled else scheduled
            row[8] = "Correctie aanwezige tijd"
    elif status == "afwezig":
        if rng.random() < 0.5:
            row[4], row[5], row[6], row[8] = scheduled, "aanwezig", "", "Correctie: was aanwezig"
        else:
            row[6] = "medisch" if row[6] != "medisch" else "ziek"
    else:  # vervallen → the lesson did take place
        row[4], row[5], row[8] = scheduled, "aanwezig", ""
    return row


def csv_line(row: list) -> str:
    number, day, part, scheduled, attended, status, reason, homework, note = row
    return (
        f"{number};{day.day:02d}-{day.month:02d}-{day.year};{part};{scheduled};{attended};{status};"
        f"{reason};{'ja' if homework else 'nee'};{note}\r\n"
    )


def write_csvs(all_plans: list[Plan], first: Path, changed: Path, share: float) -> tuple[int, int]:
    """The export as Excel writes "CSV UTF-8" (BOM, semicolons, CRLF), and a corrected copy."""
    rng = random.Random(SEED + 7)
    header = ";".join(HEADER) + "\r\n"
    rows = changes = 0
    with (
        first.open("w", encoding="utf-8-sig", newline="") as out,
        changed.open("w", encoding="utf-8-sig", newline="") as out2,
    ):
        out.write(header)
        out2.write(header)
        buffer, buffer2 = [], []
        for plan in all_plans:
            for row in lessons(plan):
                rows += 1
                line = csv_line(row)
                buffer.append(line)
                if rng.random() < share:
                    changes += 1
                    buffer2.append(csv_line(corrected(row, rng)))
                else:
                    buffer2.append(line)
            if len(buffer) > 20_000:
                out.write("".join(buffer))
                out2.write("".join(buffer2))
                buffer, buffer2 = [], []
        out.write("".join(buffer))
        out2.write("".join(buffer2))
    return rows, changes


def write_xlsx(all_plans: list[Plan], path: Path) -> int:
    """An Excel export: real date cells and numbers, as a school system's report would have them."""
    from openpyxl import Workbook  # only the benchmark needs it: pip install openpyxl

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Aanwezigheid")
    sheet.append(list(HEADER))
    rows = 0
    for plan in all_plans:
        for row in lessons(plan):
            rows += 1
            number, day, part, scheduled, attended, status, reason, homework, note = row
            sheet.append(
                [
                    number,
                    day,
                    part,
                    scheduled,
                    attended,
                    status,
                    reason or None,
                    "ja" if homework else "nee",
                    note or None,
                ]
            )
    workbook.save(path)
    return rows


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Database and Django
# --------------------------------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inburgering.settings")
    import django

    django.setup()


def _pg_cli(url: str) -> tuple[list[str], str]:
    parts = urlsplit(url)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    env_password = parts.password
    if env_password:
        os.environ.setdefault("PGPASSWORD", env_password)
    return args, parts.path.lstrip("/")


def create_database(url: str) -> bool:
    """createdb the database of a PostgreSQL URL; False when it already existed (then it is kept)."""
    args, name = _pg_cli(url)
    done = subprocess.run(["createdb", *args, name], capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return True
    if "already exists" in done.stderr:
        print(f"database {name} exists already: using it, and keeping it afterwards")
        return False
    raise SystemExit(f"createdb {name} failed: {done.stderr.strip()}")


def drop_database(url: str) -> None:
    args, name = _pg_cli(url)
    subprocess.run(["dropdb", *args, "--if-exists", name], check=True)


def build_world(all_plans: list[Plan], xlsx_plans: list[Plan], today: date, tag: str) -> dict:
    """A region, one provider, its staff member, two contracts and the learners (bulk-created)."""
    from contracts.services import contract_create
    from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, Tenant, User
    from inburgering.tenancy.scoping import Grant, scope
    from learning_routes.bsn import bsn_lookup_hash, encrypt_bsn, passes_elfproef
    from learning_routes.models import Learner, Trajectory

    tenant = Tenant.objects.create(name=f"Bench regio {tag}", slug=f"bench-{tag}")
    Municipality.unscoped.bulk_create(
        Municipality(tenant=tenant, name=f"Benchgemeente {tag}-{m}", cbs_code=f"GM{9000 + m:04d}") for m in range(4)
    )
    provider = Provider.objects.create(name=f"Taalschool Bench {tag}", kvk_number=f"{int(tag) % 10**8:08d}")
    RegionProvider.unscoped.create(tenant=tenant, provider=provider)
    staff = User.objects.create(username=f"bench.medewerker.{tag}")
    Membership.objects.create(user=staff, provider=provider, role=Role.PROVIDER_STAFF)
    contracts = []
    with scope([Grant(tenant_id=tenant.pk)]):
        municipalities = list(Municipality.objects.filter(tenant=tenant).order_by("cbs_code"))
        for reference, covered in ((f"BENCH-{tag}-CSV", municipalities[:3]), (f"BENCH-{tag}-XLSX", municipalities[3:])):
            contracts.append(
                contract_create(
                    actor=None,
                    tenant=tenant,
                    municipalities=covered,
                    provider=provider,
                    reference=reference,
                    title="Benchmark aanwezigheid",
                    start_date=today - timedelta(days=3 * 365),
                    end_date=today + timedelta(days=2 * 365),
                    status="actief",
                    route_b1=True,
                    dagdelen_per_week=[3, 4, 5],
                    hourly_rate=Decimal("45"),
                    financing_model="uurtarief",
                )
            )
    bsn_number = 100_000_000 + int(tag) % 1000 * 100_000
    for contract, group, covered in (
        (contracts[0], all_plans, municipalities[:3]),
        (contracts[1], xlsx_plans, municipalities[3:]),
    ):
        for start in range(0, len(group), 5000):
            chunk = group[start : start + 5000]
            learners = []
            for position, plan in enumerate(chunk):
                while True:
                    bsn_number += 1
                    bsn = f"{bsn_number:09d}"
                    if passes_elfproef(bsn):
                        break
                learners.append(
                    Learner(
                        tenant=tenant,
                        municipality=covered[position % len(covered)],
                        bsn_encrypted=encrypt_bsn(bsn),
                        bsn_hash=bsn_lookup_hash(bsn),
                        learner_number=plan.number,
                        first_name="Test",
                        last_name=f"Inburgeraar {plan.number}",
                        date_of_birth=date(1990, 1, 1),
                        pip_date=plan.start_date - timedelta(days=30),
                        integration_term_start=plan.start_date - timedelta(days=29),
                        integration_term_end=plan.start_date + timedelta(days=3 * 365),
                    )
                )
            created = Learner.unscoped.bulk_create(learners, batch_size=1000)
            Trajectory.unscoped.bulk_create(
                (
                    Trajectory(
                        tenant=tenant,
                        learner=learner,
                        contract=contract,
                        route="b1",
                        status="actief",
                        start_date=plan.start_date,
                        dagdelen_per_week=plan.dagdelen,
                    )
                    for learner, plan in zip(created, chunk, strict=True)
                ),
                batch_size=1000,
            )
    return {
        "tenant": tenant.pk,
        "provider": provider.pk,
        "staff": staff.pk,
        "contracts": [contract.pk for contract in contracts],
    }


def register_upload(world: dict, contract_id: int, path: Path, media_root: Path, fmt: str) -> int:
    """An AttendanceUpload as upload_receive leaves it (file stored, status ontvangen)."""
    from attendance.models import AttendanceUpload, UploadStatus
    from attendance.models import upload_path as storage_name

    sha256 = sha256_of(path)
    upload = AttendanceUpload(
        tenant_id=world["tenant"],
        provider_id=world["provider"],
        contract_id=contract_id,
        sha256=sha256,
        original_name=path.name,
        uploaded_by_id=world["staff"],
    )
    upload.duplicate_of = (
        AttendanceUpload.unscoped.filter(contract_id=contract_id, sha256=sha256, status=UploadStatus.PROCESSED)
        .order_by("-uploaded_at")
        .first()
    )
    name = storage_name(upload, path.name)
    target = media_root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.link(path, target)  # same scratch directory: no copy of a 50 MB file
    upload.file.name = name
    upload.save()
    return upload.pk


# --------------------------------------------------------------------------------------------
# One measured upload (child process)
# --------------------------------------------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class SqlTimer:
    """Execute wrapper: wall time per SQL statement (first 110 characters), for --profile."""

    def __init__(self):
        self.totals: dict[str, list[float]] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split())[:110] + (" [many]" if many else "")
            entry = self.totals.setdefault(key, [0.0, 0])
            entry[0] += time.perf_counter() - started
            entry[1] += 1


def run_phase(upload_id: int, tenant_id: int, profile: bool) -> None:
    _django()
    from django.db import connection

    from attendance.models import AttendanceUpload
    from attendance.services import upload_process
    from inburgering.tenancy.scoping import Grant, scope

    connection.ensure_connection()
    baseline = _current_rss_mb()
    timer = SqlTimer()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with scope([Grant(tenant_id=tenant_id)]), connection.execute_wrapper(timer):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        upload_process(upload_id=upload_id)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        upload = AttendanceUpload.unscoped.get(pk=upload_id)
    result = {
        "seconds": elapsed,
        "peak_mb": _rss_mb(),
        "baseline_mb": baseline,
        "status": upload.status,
        "message": upload.message,
        "format": upload.format,
        "rows": upload.rows_total,
        "new": upload.rows_new,
        "changed": upload.rows_changed,
        "unchanged": upload.rows_unchanged,
        "rejected": upload.rows_rejected,
    }
    if profile:
        import io
        import pstats

        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue(), file=sys.stderr)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        print(out.getvalue(), file=sys.stderr)
        print("SQL statements by wall time (COPY is not among them: it shows in the profile):", file=sys.stderr)
        for sql, (seconds, count) in sorted(timer.totals.items(), key=lambda item: -item[1][0])[:15]:
            print(f"  {seconds:8.2f} s {count:6d}x  {sql}", file=sys.stderr)
    print("RESULT " + json.dumps(result))


def measure(upload_id: int, tenant_id: int, profile: bool) -> dict:
    command = [
        sys.executable,
        __file__,
        "--phase",
        "upload",
        "--upload-id",
        str(upload_id),
        "--tenant-id",
        str(tenant_id),
    ] + (["--profile"] if profile else [])
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.stderr.strip():
        print(done.stderr.rstrip(), file=sys.stderr)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise SystemExit(f"the measured upload failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="lessons in the CSV file")
    parser.add_argument("--trajectories", type=int, default=20_000, help="trajectories the CSV covers")
    parser.add_argument("--xlsx-rows", type=int, default=200_000, help="lessons in the XLSX file (0: skip)")
    parser.add_argument("--changed", type=float, default=0.10, help="share of rows changed in the third file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory and database")
    parser.add_argument("--profile", action="store_true", help="cProfile and SQL timings per upload (stderr)")
    parser.add_argument(
        "--cold", action="store_true", help="start with an empty attendance table (no earlier lessons uploaded)"
    )
    parser.add_argument(
        "--no-analyze", action="store_true", help="skip ANALYZE after creating the learners (stale planner statistics)"
    )
    parser.add_argument("--phase", choices=["upload"], help=argparse.SUPPRESS)
    parser.add_argument("--upload-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tenant-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "upload":
        run_phase(args.upload_id, args.tenant_id, args.profile)
        return

    scratch = Path(tempfile.mkdtemp(prefix="bench-attendance-"))
    os.environ["VAR_DIR"] = str(scratch)
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ.setdefault("DEBUG", "0")  # as a worker runs: no query log
    created_db = False
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    elif url.startswith(("postgres://", "postgresql://")):
        created_db = create_database(url)
    today = date.today()
    tag = str(int(time.time()) % 10**8)

    try:
        started = time.perf_counter()
        csv_plans = plans(args.trajectories, args.rows, today)
        xlsx_trajectories = max(1, round(args.xlsx_rows / max(1, args.rows / args.trajectories)))
        xlsx_plans = plans(xlsx_trajectories, args.xlsx_rows, today, offset=args.trajectories) if args.xlsx_rows else []
        first, changed = scratch / "aanwezigheid.csv", scratch / "aanwezigheid-gecorrigeerd.csv"
        rows, changes = write_csvs(csv_plans, first, changed, args.changed)
        size_mb = first.stat().st_size / 2**20
        print(
            f"files: {rows:,} rows for {args.trajectories:,} trajectories, {size_mb:.1f} MiB; "
            f"{changes:,} rows changed in the corrected copy ({time.perf_counter() - started:.1f} s)"
        )
        warm = None
        if not args.cold:
            # An installation in use already holds attendance: two weeks of an earlier period for
            # some trajectories, uploaded (untimed) before the measured phases.
            warm = scratch / "aanwezigheid-eerder.csv"
            write_csvs(
                [plan.earlier(2, 2) for plan in (xlsx_plans or csv_plans)[:4000]], warm, scratch / "unused.csv", 0
            )
        xlsx = None
        if args.xlsx_rows:
            started = time.perf_counter()
            xlsx = scratch / "aanwezigheid.xlsx"
            xlsx_rows = write_xlsx(xlsx_plans, xlsx)
            print(
                f"       {xlsx_rows:,} rows for {len(xlsx_plans):,} trajectories as XLSX, "
                f"{xlsx.stat().st_size / 2**20:.1f} MiB ({time.perf_counter() - started:.1f} s)"
            )
        size_mb = max(size_mb, changed.stat().st_size / 2**20)  # the corrections add notes
        if "ATTENDANCE_MAX_UPLOAD_MB" not in os.environ and size_mb > 50:
            os.environ["ATTENDANCE_MAX_UPLOAD_MB"] = str(math.ceil(size_mb) + 1)
            limit = os.environ["ATTENDANCE_MAX_UPLOAD_MB"]
            print(f"note: the file exceeds the default 50 MB limit; raised to {limit} MB for this run")
        if "ATTENDANCE_MAX_UPLOAD_ROWS" not in os.environ and rows > 2_000_000:
            os.environ["ATTENDANCE_MAX_UPLOAD_ROWS"] = str(rows)

        _django()
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        world = build_world(csv_plans, xlsx_plans, today, tag)
        del csv_plans, xlsx_plans
        if not args.no_analyze:
            # A database in use has planner statistics (autovacuum); freshly bulk-created learners do
            # not until autovacuum comes by, and the stage join then degrades to a nested loop.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"data: {args.trajectories + (xlsx_trajectories if args.xlsx_rows else 0):,} learners with an open "
            f"trajectory in {time.perf_counter() - started:.1f} s ({connection.vendor})"
        )
        media = Path(os.environ["MEDIA_ROOT"])
        if warm is not None:
            contract_id = world["contracts"][1 if xlsx is not None else 0]
            upload_id = register_upload(world, contract_id, warm, media, "csv")
            connection.close()
            result = measure(upload_id, world["tenant"], False)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"warm-up: {result['new']:,} earlier lessons stored ({result['seconds']:.1f} s, not measured)")
        phases = [
            ("first", "a. first upload", first, world["contracts"][0], "csv"),
            ("same", "b. same file again", first, world["contracts"][0], "csv"),
            ("changed", f"c. {args.changed:.0%} changed", changed, world["contracts"][0], "csv"),
        ]
        if xlsx is not None:
            phases.append(("xlsx", "d. XLSX, first upload", xlsx, world["contracts"][1], "xlsx"))
        results = []
        for key, label, path, contract_id, fmt in phases:
            upload_id = register_upload(world, contract_id, path, media, fmt)
            connection.close()  # the child works alone on the database
            result = measure(upload_id, world["tenant"], args.profile)
            results.append((key, label, result))
            print(
                f"  {label}: {result['status']}, {result['seconds']:.1f} s — new {result['new']:,}, "
                f"changed {result['changed']:,}, unchanged {result['unchanged']:,}, "
                f"rejected {result['rejected']:,}" + (f" — {result['message']}" if result["message"] else "")
            )
        print_table(results, vendor=connection.vendor)
        connection.close()
    finally:
        if created_db and not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(os.environ["DATABASE_URL"])
        if args.keep:
            print(f"kept: {scratch}" + (f" and database {urlsplit(url).path.lstrip('/')}" if url else ""))
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def print_table(results: list[tuple[str, str, dict]], *, vendor: str) -> None:
    print()
    print(
        f"{'upload (' + vendor + ')':<26} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'target':>9} "
        f"{'peak MB':>8} {'(idle)':>7}  verdict"
    )
    print("-" * 96)
    for key, label, result in results:
        rate = result["rows"] / result["seconds"] if result["seconds"] else 0
        target = TARGETS.get(key)
        verdicts = []
        if result["status"] != "verwerkt":
            verdicts.append(f"status {result['status']}")
        if target:
            verdicts.append("rate ok" if rate >= target else f"rate {rate / target:.0%} of target")
        memory_ok = result["peak_mb"] < PEAK_TARGET_MB
        verdicts.append("memory ok" if memory_ok else "memory over")
        print(
            f"{label:<26} {result['rows']:>10,} {result['seconds']:>8.1f} {rate:>9,.0f} "
            f"{(f'≥{target:,}' if target else '-'):>9} {result['peak_mb']:>8.0f} {result['baseline_mb']:>7.0f}  "
            f"{', '.join(verdicts)}"
        )
    print(
        f"targets: rows/s as shown, peak RSS < {PEAK_TARGET_MB} MB per upload process "
        "(ru_maxrss of a fresh process per upload; '(idle)' is its RSS just before the upload)"
    )


if __name__ == "__main__":
    main()
