"""Demo attendance: the lessons of the demo trajectories since go-live, loaded as real uploads.

The period starts on the first day of the quarter two quarters before the current one (today
2026-11-28: 1 April 2026), so the two quarters before this one are complete for the quarterly
reports, dashboards and the what-if simulator, and runs up to yesterday.

Per contract the provider's demo staff member uploads a CSV per calendar month (shortly after the
month ends; the current month up to yesterday), a corrected re-export of the last full month, and
once the same file twice, so the upload history shows new, changed, unchanged and rejected rows.
Everything goes through ``attendance.services.upload_process``: the same parser, validation,
audit and rollups as a provider's own file.

Lessons follow each trajectory's timetable (its dayparts per week, weekdays only, a summer and a
Christmas break), never before the trajectory's start, after its end or in the future. Mostly
present; some partial attendance, some lessons the provider cancelled for a whole group, reasons
on most absences and make-up lessons in the homework class (mostly in IJmond, guide 2.4). A
handful of learners have a month with three to five absences (two such months in a row for some;
some in the current month), which the absence rule (3 in a calendar month, guide 2.4) will catch.
Normal learners never exceed two absences in a calendar month, so the rule's hits are exactly
those. Idempotent: a contract that already has attendance is skipped.
"""

from __future__ import annotations

import hashlib
import random
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from attendance.models import AttendanceRecord, AttendanceUpload, UploadSource, UploadStatus
from attendance.services import upload_process
from contracts.models import Contract
from inburgering.tenancy.models import Membership, Role
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes.models import Trajectory

HEADER = "deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten;status;reden;huiswerkklas;opmerking"
BREAK_WEEKS = {30, 31, 32, 52, 1}  # ISO weeks without lessons: summer and Christmas holidays
MINUTES = {"ochtend": 180, "middag": 180, "avond": 150}
HOMEWORK_MINUTES = 120
ABSENCE_RATE = 0.04  # per lesson, for learners without a pattern
MAX_NORMAL_ABSENCES = 2  # per calendar month: only the pattern learners reach the rule's three
PARTIAL_RATE = 0.04
REASONS = [("ziek", 45), ("medisch", 16), ("kinderopvang", 12), ("werk", 9), ("mantelzorg", 6), ("anders", 4), ("", 8)]
PARTIAL_NOTES = ["Later binnengekomen", "Eerder weg (afspraak huisarts)", "Eerder weg", "Te laat (bus)"]
CANCEL_NOTES = ["Docent ziek", "Lokaal niet beschikbaar", "Studiedag docenten"]
# Share of absences made up in the homework class, per region (IJmond requires it, guide 2.4).
HOMEWORK_SHARE = {"ijmond": 0.45}
HOMEWORK_SHARE_DEFAULT = 0.1


@dataclass
class Lesson:
    number: str
    day: date
    daypart: str
    scheduled: int
    attended: int
    status: str
    reason: str = ""
    homework: bool = False
    note: str = ""

    def line(self) -> str:
        return (
            f"{self.number};{self.day:%d-%m-%Y};{self.daypart};{self.scheduled};{self.attended};{self.status};"
            f"{self.reason};{'ja' if self.homework else 'nee'};{self.note}"
        )


@dataclass
class Plan:
    """A contract's lessons and the files its provider uploads."""

    contract: Contract
    lessons: list[Lesson] = field(default_factory=list)
    patterns: int = 0


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def first_month(today: date) -> date:
    """The first month of the demo period (go-live): the start of the quarter two quarters back."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return _add_months(quarter_start, -6)


def demo_months(today: date) -> list[date]:
    """The first day of every month of the demo period, oldest first, this month included."""
    months, month = [], first_month(today)
    while month <= today:
        months.append(month)
        month = _add_months(month, 1)
    return months


def _weighted_reason(rng: random.Random) -> str:
    return rng.choices([reason for reason, _w in REASONS], weights=[w for _r, w in REASONS])[0]


def _timetable(trajectory: Trajectory, rng: random.Random) -> list[tuple[int, str]]:
    """(weekday, daypart) slots of the trajectory's week: its dayparts per week, weekdays only."""
    per_week = min(max(trajectory.dagdelen_per_week, 1), 5)
    weekdays = sorted(rng.sample(range(5), per_week))
    if trajectory.moment_daytime:
        daypart = "ochtend" if rng.random() < 0.65 else "middag"
    elif trajectory.moment_evening:
        daypart = "avond"
    else:  # online or blended only: lessons in the morning
        daypart = "ochtend"
    slots = [(weekday, daypart) for weekday in weekdays]
    if trajectory.moment_daytime and trajectory.moment_evening and per_week >= 4:
        slots[-1] = (slots[-1][0], "avond")  # working learners: one evening class a week
    return slots


def _period(trajectory: Trajectory, first: date, last: date) -> tuple[date, date] | None:
    start = max(first, trajectory.start_date)
    end = min(last, trajectory.end_date) if trajectory.end_date else last
    return (start, end) if start <= end else None


def _pattern_months(rng: random.Random, first: date, today: date) -> list[date]:
    """The month(s) of a pattern learner with three to five absences."""
    last_full = _add_months(_month_start(today), -1)
    kind = rng.random()
    if kind < 0.4:
        return [last_full]
    if kind < 0.7:  # not improving: two months in a row (the rule's next step, the driegesprek)
        return [_add_months(last_full, -1), last_full]
    if today.day >= 15:
        return [_month_start(today)]  # this month already: a fresh alert
    return [max(first, _add_months(last_full, -2))]


def _lessons_for(
    trajectory: Trajectory,
    *,
    first: date,
    last: date,
    rng: random.Random,
    cancelled: dict[tuple[date, str], str],
    homework_share: float,
    pattern_months: list[date],
    absences: dict[tuple[int, date], int],
) -> list[Lesson]:
    period = _period(trajectory, first, last)
    if period is None:
        return []
    start, end = period
    number = trajectory.learner.learner_number
    slots = _timetable(trajectory, rng)
    regular_dayparts = {daypart for _weekday, daypart in slots}
    homework_daypart = "middag" if "middag" not in regular_dayparts else "ochtend"
    homework_weekday = rng.randrange(5)
    # Scheduled lessons first, then decide who was there.
    days = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        if monday.isocalendar().week not in BREAK_WEEKS:
            for weekday, daypart in slots:
                day = monday + timedelta(days=weekday)
                if start <= day <= end:
                    days.append((day, daypart))
        monday += timedelta(weeks=1)
    # Pattern months: three to five absences on chosen lessons of that month.
    forced: set[tuple[date, str]] = set()
    for month in pattern_months:
        in_month = [slot for slot in days if _month_start(slot[0]) == month and slot not in cancelled]
        if len(in_month) >= 3:
            forced.update(rng.sample(in_month, min(len(in_month), rng.randint(3, 5))))
    learner = trajectory.learner_id
    lessons: list[Lesson] = []
    makeup_weeks: list[date] = []  # mondays of weeks that get a homework-class lesson
    for day, daypart in days:
        scheduled = MINUTES[daypart]
        if (day, daypart) in cancelled:
            lessons.append(Lesson(number, day, daypart, scheduled, 0, "vervallen", note=cancelled[(day, daypart)]))
            continue
        month = _month_start(day)
        absent = (day, daypart) in forced
        if not absent and not pattern_months and rng.random() < ABSENCE_RATE:
            absent = absences[learner, month] < MAX_NORMAL_ABSENCES
        if absent:
            absences[learner, month] += 1
            lessons.append(Lesson(number, day, daypart, scheduled, 0, "afwezig", reason=_weighted_reason(rng)))
            if rng.random() < homework_share:
                makeup_weeks.append(day - timedelta(days=day.weekday()) + timedelta(weeks=1))
        elif rng.random() < PARTIAL_RATE:
            attended = scheduled - rng.choice([30, 45, 60, 90])
            lessons.append(
                Lesson(number, day, daypart, scheduled, attended, "aanwezig", note=rng.choice(PARTIAL_NOTES))
            )
        else:
            lessons.append(Lesson(number, day, daypart, scheduled, scheduled, "aanwezig"))
    for monday in sorted(set(makeup_weeks)):
        day = monday + timedelta(days=homework_weekday)
        if day > end or monday.isocalendar().week in BREAK_WEEKS:
            continue
        month = _month_start(day)
        present = rng.random() < 0.9 or (not pattern_months and absences[learner, month] >= MAX_NORMAL_ABSENCES)
        absences[learner, month] += 0 if present else 1
        lessons.append(
            Lesson(
                number,
                day,
                homework_daypart,
                HOMEWORK_MINUTES,
                HOMEWORK_MINUTES if present else 0,
                "aanwezig" if present else "afwezig",
                reason="" if present else _weighted_reason(rng),
                homework=True,
            )
        )
    return lessons


def _cancelled_slots(rng: random.Random, first: date, last: date) -> dict[tuple[date, str], str]:
    """Lessons the provider cancelled for a whole group: about one a month per daypart."""
    slots = {}
    day = first
    while day <= last:
        if day.weekday() < 5 and day.isocalendar().week not in BREAK_WEEKS and rng.random() < 1 / 21:
            slots[(day, rng.choice(["ochtend", "middag", "avond"]))] = rng.choice(CANCEL_NOTES)
        day += timedelta(days=1)
    return slots


def _plan(contract: Contract, *, first: date, last: date, today: date) -> Plan:
    rng = random.Random(zlib.crc32(contract.reference.encode()))  # deterministic per contract
    plan = Plan(contract=contract)
    cancelled = _cancelled_slots(rng, first, last)
    homework_share = HOMEWORK_SHARE.get(contract.tenant.slug, HOMEWORK_SHARE_DEFAULT)
    trajectories = list(
        Trajectory.objects.filter(contract=contract).select_related("learner").order_by("learner__last_name", "pk")
    )
    # A handful of learners with absence patterns: open trajectories with months of lessons behind them.
    candidates = [t for t in trajectories if t.is_open and t.start_date <= _add_months(_month_start(today), -2)]
    patterned = {t.pk for t in rng.sample(candidates, min(len(candidates), max(2, len(candidates) // 40)))}
    plan.patterns = len(patterned)
    # Absences per learner and calendar month, over all of a learner's trajectories (a route switch
    # mid-month must not add up to the rule's three by accident).
    absences: dict[tuple[int, date], int] = defaultdict(int)
    for trajectory in trajectories:
        months = _pattern_months(rng, first, today) if trajectory.pk in patterned else []
        plan.lessons.extend(
            _lessons_for(
                trajectory,
                first=first,
                last=last,
                rng=rng,
                cancelled=cancelled,
                homework_share=homework_share,
                pattern_months=months,
                absences=absences,
            )
        )
    return plan


def _corrections(lessons: list[Lesson], rng: random.Random) -> list[Lesson]:
    """The provider's re-export of a month with a few lessons corrected."""
    corrected = [Lesson(**vars(lesson)) for lesson in lessons]
    present = [lesson for lesson in corrected if lesson.status == "aanwezig" and not lesson.homework]
    for lesson in rng.sample(present, min(len(present), 4)):
        if rng.random() < 0.5:
            lesson.attended = max(0, lesson.scheduled - 60)
            lesson.note = "Correctie: eerder weg"
        else:
            lesson.note = "Correctie: gegevens docent"
            lesson.attended = lesson.scheduled - 30
    absent = [lesson for lesson in corrected if lesson.status == "afwezig" and not lesson.reason]
    for lesson in absent[:2]:
        lesson.reason = "ziek"  # the reason came in later
    return corrected


def _csv(lessons: list[Lesson], extra_lines: list[str] = ()) -> bytes:
    lines = [HEADER, *(lesson.line() for lesson in sorted(lessons, key=lambda x: (x.number, x.day, x.daypart)))]
    lines.extend(extra_lines)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _aware(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _upload(contract: Contract, user, name: str, content: bytes) -> AttendanceUpload:
    """Store the file and register it as upload_receive does, then process it right away."""
    sha256 = hashlib.sha256(content).hexdigest()
    previous = (
        AttendanceUpload.objects.filter(contract=contract, sha256=sha256, status=UploadStatus.PROCESSED)
        .order_by("-uploaded_at")
        .first()
    )
    upload = AttendanceUpload(
        tenant_id=contract.tenant_id,
        provider_id=contract.provider_id,
        contract=contract,
        sha256=sha256,
        original_name=name,
        uploaded_by=user,
        source=UploadSource.FILE,
        duplicate_of=previous,
    )
    upload.file.save(sha256, ContentFile(content), save=False)
    upload.save()
    upload = upload_process(upload_id=upload.pk)
    if upload.status != UploadStatus.PROCESSED:  # the demo's own files must always be readable
        raise RuntimeError(f"demo attendance file {name} was not processed: {upload.status} {upload.message}")
    return upload


def _staff_user(contract: Contract):
    membership = (
        Membership.objects.filter(provider_id=contract.provider_id, role=Role.PROVIDER_STAFF, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _seed_contract(contract: Contract, user, *, today: date) -> tuple[int, int, int]:
    """Upload the contract's months; returns (lessons stored, uploads, pattern learners)."""
    first = first_month(today)
    last = today - timedelta(days=1)
    plan = _plan(contract, first=first, last=last, today=today)
    if not plan.lessons:
        return 0, 0, 0
    rng = random.Random(zlib.crc32(contract.reference.encode()) + 1)
    by_month: dict[date, list[Lesson]] = defaultdict(list)
    for lesson in plan.lessons:
        by_month[_month_start(lesson.day)].append(lesson)
    now = timezone.now()
    this_month = _month_start(today)
    last_full = _add_months(this_month, -1)
    files: list[tuple[datetime, str, bytes]] = []
    slug = contract.reference.lower()
    for month, lessons in sorted(by_month.items()):
        extra = []
        if month == _add_months(last_full, -1) and contract.reference == "RVN-2025-01":
            # Two rows a provider has to fix: an unknown learner number, more attended than scheduled.
            extra = [
                f"X0000;{month + timedelta(days=2):%d-%m-%Y};ochtend;180;180;aanwezig;;nee;",
                f"{lessons[0].number};{lessons[0].day:%d-%m-%Y};avond;150;200;aanwezig;;nee;",
            ]
        name = f"aanwezigheid-{slug}-{month:%Y-%m}.csv"
        if month == this_month:
            moment = now - timedelta(hours=2)
        else:
            moment = _aware(_add_months(month, 1) + timedelta(days=2), 9, rng.randint(0, 50))
        content = _csv(lessons, extra)
        files.append((moment, name, content))
        if month == last_full:  # a corrected re-export of the last full month, a few days later
            files.append(
                (
                    moment + timedelta(days=4, hours=2),
                    f"aanwezigheid-{slug}-{month:%Y-%m}-v2.csv",
                    _csv(_corrections(lessons, rng)),
                )
            )
        if month == _add_months(last_full, -2) and contract.reference == "RVN-2025-02":
            files.append((moment + timedelta(minutes=7), name, content))  # the same file twice, by mistake
    files.sort(key=lambda item: item[0])
    uploads = 0
    for position, (moment, name, content) in enumerate(files):
        moment = min(moment, now - timedelta(minutes=10 * (len(files) - position)))
        upload = _upload(contract, user, name, content)
        AttendanceUpload.objects.filter(pk=upload.pk).update(
            uploaded_at=moment, finished_at=moment + timedelta(seconds=rng.randint(2, 9))
        )
        uploads += 1
    return AttendanceRecord.objects.filter(trajectory__contract=contract).count(), uploads, plan.patterns


def seed_attendance() -> list[str]:
    today = timezone.localdate()
    lessons = uploads = patterns = 0
    with scopes_disabled():
        contracts = list(
            Contract.unscoped.filter(trajectories__isnull=False).select_related("tenant").distinct().order_by("pk")
        )
    for contract in contracts:
        with scope([Grant(tenant_id=contract.tenant_id)]):
            if (
                AttendanceUpload.objects.filter(contract=contract).exists()
                or AttendanceRecord.objects.filter(trajectory__contract=contract).exists()
            ):
                continue
            user = _staff_user(contract)
            if user is None:
                continue
            with transaction.atomic():
                stored, files, learners = _seed_contract(contract, user, today=today)
            lessons, uploads, patterns = lessons + stored, uploads + files, patterns + learners
    if not uploads:
        return []
    return [
        f"{lessons} lessen aanwezigheid in {uploads} aanwezigheidsbestanden",
        f"{patterns} inburgeraars met een verzuimpatroon",
    ]
