"""Demo progress: checkpoints, level-change requests, hour extensions and maximum-hours warnings.

Hours first. The attendance demo holds the months since the regions started with this system
(their go-live: two full quarters and the current one), so nobody reaches 600 hours in it. At
go-live the provider also uploaded one historical export per contract with the earlier lessons of
learners on a long trajectory (in Nijmegen and Velsen, the municipalities with a demo case manager,
who decides on their requests).
That export goes through ``attendance.services.upload_process`` like every demo file (same
parser, checks, rollups and ``upload_processed`` signal), so the learners' hours, the checkpoints
and the maximum-hours warnings all come from real lessons and the real detection.

The detection after each upload runs as of the day it runs (today, while seeding), and counts all
stored lessons: detecting "as of" a past date would date checkpoints before the lessons that
crossed the threshold. So the seeder keeps what the detection created and dates each checkpoint
and warning to the upload that carried the crossing lesson (known on; the deadline counted in
working days from there), the way the attendance demo dates its uploads. Then, with the demo
users of each role and through the services: the provider's staff assess checkpoints (mostly on
time, some late, some not yet), the case manager reviews them and decides on requests to
downscale (per skill), upscale towards B2 (contract with a B2 clause) or switch route, and grants
extra hours on the contract that continues while there is progress (Nijmegen, guide 3.2). Their
timestamps are set afterwards to realistic moments in the past; the decision's turnaround is
recomputed in working days. Finally the daily job's detection as of today marks what is past its
deadline as overdue.

Deterministic (seeded ``random``; dates relative to today) and idempotent: a region that already
has level-change requests is skipped. No e-mail goes out for these past actions (the in-app
notifications stay).
"""

from __future__ import annotations

import random
import zlib
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max
from django.test.utils import override_settings
from django.utils import timezone

from attendance import demo as attendance_demo
from attendance.models import AttendanceRecord, AttendanceUpload, UploadStatus
from contracts.models import Contract, HoursBasis, Route
from inburgering.tenancy.models import Membership, Role, Tenant, User
from inburgering.tenancy.scoping import Grant, scope
from inburgering.workdays import add_working_days, is_working_day, working_days_between
from learning_routes.models import ExamResult, Level, Skill, Trajectory, TrajectoryStatus
from progress import services
from progress.models import (
    Advice,
    ChangeKind,
    Checkpoint,
    CheckpointStatus,
    Decision,
    HoursExtension,
    LevelChangeRequest,
    MaximumHoursWarning,
    RequestStatus,
)

SEED = 20260301
HISTORY_MIN_DAYS = 90  # trajectories that started at least this long before go-live get their earlier lessons
HISTORY_PER_CONTRACT = 14  # learners per contract in the historical export
EXTENDABLE_SHARE = Decimal("1.25")  # continue while progress: up to a quarter above the maximum, with extensions
FIXED_MAXIMUM_SHARE = Decimal("1.03")  # otherwise a few hours over at most: what the warning is there to catch
EXTENSION_STEPS = (100, 150, 200, 250, 300)
OFFICE_HOURS = (9, 16)
RECENT_WORKING_DAYS = 25  # checkpoints known this recently may still wait for the provider or the case manager

WEAK_REMARKS = [
    "Geen vooruitgang sinds het vorige evaluatiemoment.",
    "Blijft steken op dit niveau, ook met extra oefening in de huiswerkklas.",
    "Oefenexamen niet gehaald; fouten in zinsbouw blijven terugkomen.",
]
STRONG_REMARKS = ["Oefenexamen B1 ruim gehaald.", "Spreekt vlot en zelfstandig; klaar voor een hoger niveau."]
PROGRESS_REMARKS = ["", "", "", "Goede vooruitgang.", "Werkt zelfstandig aan de opdrachten.", "Let op de woordenschat."]
CONTINUE_REMARKS = [
    "",
    "Goede voortgang op alle vaardigheden; doorgaan volgens plan.",
    "Vooruitgang op lezen en luisteren; schrijven vraagt extra aandacht in de huiswerkklas.",
    "Aanwezigheid goed, vooruitgang volgens verwachting.",
]
REVIEW_REMARKS = [
    "",
    "Besproken met de inburgeraar; akkoord met het advies.",
    "Gezien. Aanwezigheid blijft een aandachtspunt in het volgende gesprek.",
    "Akkoord; volgende evaluatie volgens contract.",
]


@dataclass(frozen=True)
class Scenario:
    """A request the demo shows: kind, outcome, skills (or new route) and working days to the decision."""

    kind: str
    outcome: str  # "open", Decision.GRANTED or Decision.REFUSED
    skills: tuple[str, ...] = ()
    to_level: str = ""
    new_route: str = ""
    turnaround: int = 0
    ago: int = 0  # requested this many working days before today (past the decision deadline when overdue)
    overdue: bool = False  # an open request past its deadline


ALL_SKILLS = tuple(Skill.values)
# Downscaling requests at the 600-hour checkpoint, most important first (a region with fewer
# candidates shows the first ones).
DOWNSCALES = (
    Scenario(ChangeKind.DOWNSCALE, Decision.GRANTED, (Skill.WRITING,), Level.A2, turnaround=6, ago=95),
    Scenario(ChangeKind.DOWNSCALE, "open", (Skill.WRITING, Skill.READING), Level.A2, ago=6, overdue=True),
    Scenario(ChangeKind.DOWNSCALE, Decision.GRANTED, (Skill.WRITING,), Level.A2, turnaround=16, ago=45),
    Scenario(ChangeKind.DOWNSCALE, Decision.REFUSED, (Skill.WRITING,), Level.A2, turnaround=9, ago=70),
    Scenario(ChangeKind.DOWNSCALE, "open", (Skill.WRITING,), Level.A2, ago=2),
    Scenario(ChangeKind.DOWNSCALE, Decision.GRANTED, ALL_SKILLS, Level.A2, turnaround=11, ago=28),
)
UPSCALE = Scenario(
    ChangeKind.UPSCALE, Decision.GRANTED, (Skill.SPEAKING, Skill.LISTENING), Level.B2, turnaround=7, ago=80
)
# Decided on the day the new trajectory starts: today.
ROUTE_SWITCH = Scenario(ChangeKind.ROUTE_SWITCH, Decision.GRANTED, new_route=Route.Z, ago=5)


def _skills_text(skills: tuple[str, ...]) -> str:
    """The skills as a Dutch enumeration (the skill values are the Dutch words)."""
    words = [str(skill) for skill in skills]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " en " + words[-1]


def _hours_text(minutes: int) -> str:
    return str(round(minutes / 60))


# ---------------------------------------------------------------------------------------------
# When the system learned of a lesson, and a learner's running totals
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    moment: datetime
    last_lesson: date


class Timeline:
    """Per contract, the uploads that added lessons: when they came in and up to which lesson date."""

    def __init__(self, tenant: Tenant):
        ranges = dict(
            AttendanceRecord.objects.filter(tenant=tenant)
            .values("upload_id")
            .annotate(last=Max("lesson_date"))
            .values_list("upload_id", "last")
        )
        self.by_contract: dict[int, list[Delivery]] = defaultdict(list)
        uploads = AttendanceUpload.objects.filter(tenant=tenant, status=UploadStatus.PROCESSED, rows_new__gt=0)
        for upload_id, contract_id, moment in uploads.values_list("pk", "contract_id", "uploaded_at"):
            if upload_id in ranges:
                self.by_contract[contract_id].append(Delivery(moment, ranges[upload_id]))
        for deliveries in self.by_contract.values():
            deliveries.sort(key=lambda d: d.moment)

    def known_at(self, contract_id: int, lesson_date: date) -> datetime | None:
        """The moment the first upload holding this lesson date came in."""
        for delivery in self.by_contract.get(contract_id, []):
            if delivery.last_lesson >= lesson_date:
                return delivery.moment
        return None

    def covered(self, contract_id: int, moment: datetime) -> date | None:
        """The last lesson date the system knew of at this moment."""
        days = [d.last_lesson for d in self.by_contract.get(contract_id, []) if d.moment <= moment]
        return max(days) if days else None


@dataclass
class Lessons:
    """A learner's lessons in the order the detection adds them up (date, daypart, id)."""

    days: list[date] = field(default_factory=list)
    contracts: list[int] = field(default_factory=list)
    attended: list[int] = field(default_factory=list)  # running totals
    offered: list[int] = field(default_factory=list)
    offered_per_contract: dict[int, tuple[list[date], list[int]]] = field(default_factory=dict)

    def reached(self, minutes: int, basis: str) -> tuple[date, int] | None:
        totals = self.offered if basis == HoursBasis.OFFERED else self.attended
        index = bisect_left(totals, minutes)
        return (self.days[index], self.contracts[index]) if index < len(totals) else None

    def offered_reached(self, contract_id: int, minutes: int) -> date | None:
        days, totals = self.offered_per_contract.get(contract_id, ([], []))
        index = bisect_left(totals, minutes)
        return days[index] if index < len(totals) else None

    def known_minutes(self, timeline: Timeline, moment: datetime, *, contract_id: int | None = None) -> int:
        """Attended minutes (or, with a contract, offered minutes on it) the system knew of at a moment."""
        covered: dict[int, date | None] = {}
        total = previous_attended = previous_offered = 0
        offered_on_contract = 0
        for day, contract, attended, offered in zip(
            self.days, self.contracts, self.attended, self.offered, strict=True
        ):
            if contract not in covered:
                covered[contract] = timeline.covered(contract, moment)
            last = covered[contract]
            if last is not None and day <= last:
                total += attended - previous_attended
                if contract == contract_id:
                    offered_on_contract += offered - previous_offered
            previous_attended, previous_offered = attended, offered
        return offered_on_contract if contract_id is not None else total


def _lessons_of(tenant: Tenant, learner_ids) -> dict[int, Lessons]:
    rows = (
        AttendanceRecord.objects.filter(tenant=tenant, trajectory__learner_id__in=list(learner_ids))
        .order_by("trajectory__learner_id", "lesson_date", "daypart", "pk")
        .values_list(
            "trajectory__learner_id",
            "lesson_date",
            "trajectory__contract_id",
            "attended_minutes",
            "scheduled_minutes",
            "status",
        )
    )
    result: dict[int, Lessons] = defaultdict(Lessons)
    per_contract_totals: dict[tuple[int, int], int] = defaultdict(int)
    for learner_id, day, contract_id, attended, scheduled, status in rows.iterator():
        lessons = result[learner_id]
        offered = 0 if status == "vervallen" else scheduled
        lessons.days.append(day)
        lessons.contracts.append(contract_id)
        lessons.attended.append((lessons.attended[-1] if lessons.attended else 0) + attended)
        lessons.offered.append((lessons.offered[-1] if lessons.offered else 0) + offered)
        per_contract_totals[learner_id, contract_id] += offered
        days, totals = lessons.offered_per_contract.setdefault(contract_id, ([], []))
        days.append(day)
        totals.append(per_contract_totals[learner_id, contract_id])
    return result


# ---------------------------------------------------------------------------------------------
# The region being seeded
# ---------------------------------------------------------------------------------------------


@dataclass
class Region:
    tenant: Tenant
    today: date
    now: datetime
    go_live: date
    rng: random.Random
    staff: dict[int, User]  # provider id → the provider's demo staff member
    case_managers: dict[int, User]  # municipality id → the municipality's demo case manager
    timeline: Timeline | None = None
    lessons: dict[int, Lessons] = field(default_factory=dict)
    history_lessons: int = 0
    history_learners: int = 0
    downscale_learners: set[int] = field(default_factory=set)
    extensions: int = 0

    def at(self, day: date, *, after: datetime | None = None) -> datetime:
        """A moment during office hours on that day, never in the future and after `after`."""
        moment = timezone.make_aware(datetime.combine(day, time(self.rng.randint(*OFFICE_HOURS), 0)))
        moment += timedelta(minutes=self.rng.randint(0, 59))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=self.rng.randint(20, 90))
        return min(moment, self.now - timedelta(minutes=self.rng.randint(2, 30)))

    def working_days_before(self, day: date, count: int) -> date:
        while count > 0:
            day -= timedelta(days=1)
            if is_working_day(day):
                count -= 1
        return day

    def later(self, day: date, working_days: int) -> date:
        return min(add_working_days(day, working_days), self.today)


def _go_live(today: date) -> date:
    """The first day of the attendance demo's period."""
    return attendance_demo.first_month(today)


# ---------------------------------------------------------------------------------------------
# 1. The historical export: earlier lessons of learners on a long trajectory
# ---------------------------------------------------------------------------------------------


def _window_lessons(tenant: Tenant) -> dict[int, list[tuple[date, str, int, int]]]:
    """Per trajectory, the stored lessons as (date, daypart, attended, offered) in lesson order."""
    rows = (
        AttendanceRecord.objects.filter(tenant=tenant)
        .order_by("trajectory_id", "lesson_date", "daypart", "pk")
        .values_list("trajectory_id", "lesson_date", "daypart", "attended_minutes", "scheduled_minutes", "status")
    )
    lessons: dict[int, list[tuple[date, str, int, int]]] = defaultdict(list)
    for trajectory_id, day, daypart, attended, scheduled, status in rows.iterator():
        lessons[trajectory_id].append((day, daypart, attended, 0 if status == "vervallen" else scheduled))
    return lessons


def _fresh_crossing(region: Region, contract: Contract, timeline: Timeline, lessons: list[tuple]) -> bool:
    """Whether one of the contract's thresholds is crossed in an upload recent enough to be still open."""
    fresh_from = region.working_days_before(region.today, max(contract.assessment_deadline_working_days - 2, 1))
    attended = offered = 0
    thresholds = sorted(int(hours) * 60 for hours in contract.checkpoint_hours or [])
    for day, _daypart, minutes, scheduled in sorted(lessons):
        attended, offered = attended + minutes, offered + scheduled
        total = offered if contract.checkpoint_basis == HoursBasis.OFFERED else attended
        while thresholds and total >= thresholds[0]:
            thresholds.pop(0)
            moment = timeline.known_at(contract.pk, day) if day >= region.go_live else None
            if moment is not None and timezone.localtime(moment).date() >= fresh_from:
                return True
    return False


def _history(region: Region) -> None:
    go_live = region.go_live
    last = go_live - timedelta(days=1)
    trajectories = (
        Trajectory.objects.filter(
            tenant=region.tenant,
            status=TrajectoryStatus.ACTIVE,
            start_date__lte=go_live - timedelta(days=HISTORY_MIN_DAYS),
            learner__municipality_id__in=list(region.case_managers),
        )
        .annotate(trajectory_count=Count("learner__trajectories"))
        .filter(trajectory_count=1)
        .select_related("learner", "contract", "contract__tenant")
        .order_by("contract__reference", "learner__last_name", "pk")
    )
    per_contract: dict[Contract, list[Trajectory]] = defaultdict(list)
    for trajectory in trajectories:
        per_contract[trajectory.contract].append(trajectory)
    window = _window_lessons(region.tenant)
    passed_writing = set(
        ExamResult.objects.filter(
            tenant=region.tenant, passed=True, level__in=[Level.B1, Level.B2], component=Skill.WRITING
        ).values_list("trajectory__learner_id", flat=True)
    )
    timeline = Timeline(region.tenant)  # the demo period's uploads, before the history arrives
    upload_day = go_live
    while not is_working_day(upload_day):
        upload_day += timedelta(days=1)
    for contract, group in sorted(per_contract.items(), key=lambda item: item[0].reference):
        staff = region.staff.get(contract.provider_id)
        if staff is None:
            continue
        rng = random.Random(SEED + zlib.crc32(contract.reference.encode()))  # noqa: S311 - demo data
        cancelled = attendance_demo._cancelled_slots(rng, min(t.start_date for t in group), last)
        share = attendance_demo.HOMEWORK_SHARE.get(region.tenant.slug, attendance_demo.HOMEWORK_SHARE_DEFAULT)
        absences: dict = defaultdict(int)
        fresh, near, struggling, others = [], [], [], []
        for trajectory in group:
            lessons = attendance_demo._lessons_for(
                trajectory,
                first=trajectory.start_date,
                last=last,
                rng=rng,
                cancelled=cancelled,
                homework_share=share,
                pattern_months=[],
                absences=absences,
            )
            merged = [
                (lesson.day, lesson.daypart, lesson.attended, 0 if lesson.status == "vervallen" else lesson.scheduled)
                for lesson in lessons
            ] + window.get(trajectory.pk, [])
            offered = sum(row[3] for row in merged)
            maximum = contract.max_hours_for(trajectory.route)
            if maximum:
                limit = maximum * 60 * (EXTENDABLE_SHARE if contract.continue_while_progress else FIXED_MAXIMUM_SHARE)
                if offered > limit:
                    continue  # more hours than the contract allows: not a believable history
            if _fresh_crossing(region, contract, timeline, merged):
                fresh.append(lessons)  # a checkpoint the provider still has time to assess
            elif maximum and offered * 100 >= maximum * 60 * contract.max_hours_warning_percentage:
                near.append(lessons)  # a maximum-hours warning, and on some contracts an extension
            elif (
                trajectory.route == Route.B1
                and trajectory.learner_id not in passed_writing
                and sum(row[2] for row in merged) >= contract.downscale_minimum_hours * 60
            ):
                struggling.append(lessons)  # past 600 hours without B1 for writing: a downscaling request
            else:
                others.append(lessons)
        rng.shuffle(others)
        chosen = (fresh[:2] + near[:3] + struggling[:5] + others)[:HISTORY_PER_CONTRACT]
        lessons = [lesson for learner_lessons in chosen for lesson in learner_lessons]
        if not lessons:
            continue
        name = f"aanwezigheid-{contract.reference.lower()}-historie-tot-{go_live:%Y-%m-%d}.csv"
        upload = attendance_demo._upload(contract, staff, name, attendance_demo._csv(lessons))
        moment = timezone.make_aware(datetime.combine(upload_day, time(10, rng.randint(0, 40))))
        AttendanceUpload.objects.filter(pk=upload.pk).update(
            uploaded_at=moment, finished_at=moment + timedelta(seconds=rng.randint(3, 12))
        )
        region.history_lessons += upload.rows_new
        region.history_learners += len(chosen)


# ---------------------------------------------------------------------------------------------
# 2. Dates: each checkpoint and warning known on the day its crossing lesson was uploaded
# ---------------------------------------------------------------------------------------------


def _date_checkpoints(region: Region, checkpoints: list[Checkpoint]) -> None:
    for checkpoint in checkpoints:
        lessons = region.lessons.get(checkpoint.learner_id)
        reached = lessons.reached(checkpoint.threshold_hours * 60, checkpoint.hours_basis) if lessons else None
        if reached is None:
            continue
        reached_on, contract_id = reached
        moment = region.timeline.known_at(contract_id, reached_on)
        if moment is None:
            continue
        known_on = timezone.localtime(moment).date()
        contract = checkpoint.trajectory.contract
        checkpoint.reached_on, checkpoint.known_on = reached_on, known_on
        checkpoint.due_date = add_working_days(known_on, contract.assessment_deadline_working_days)
        Checkpoint.objects.filter(pk=checkpoint.pk).update(
            reached_on=reached_on,
            known_on=known_on,
            due_date=checkpoint.due_date,
            created_at=moment + timedelta(seconds=region.rng.randint(20, 90)),
        )


def _date_warnings(region: Region) -> None:
    extended: dict[tuple[int, int], date] = {}
    for learner_id, contract_id, granted_on in HoursExtension.objects.filter(tenant=region.tenant).values_list(
        "trajectory__learner_id", "trajectory__contract_id", "granted_on"
    ):
        key = (learner_id, contract_id)
        extended[key] = max(extended.get(key, granted_on), granted_on)
    warnings = MaximumHoursWarning.objects.filter(tenant=region.tenant).select_related("trajectory__contract")
    for warning in warnings:
        trajectory, contract = warning.trajectory, warning.trajectory.contract
        lessons = region.lessons.get(trajectory.learner_id)
        if lessons is None:
            continue
        threshold = warning.maximum_hours * 60 * contract.max_hours_warning_percentage / 100
        crossed = lessons.offered_reached(contract.pk, int(threshold.to_integral_value(rounding="ROUND_CEILING")))
        moment = region.timeline.known_at(contract.pk, crossed) if crossed else None
        if moment is None:
            continue
        granted_on = extended.get((trajectory.learner_id, contract.pk))
        extended_maximum = warning.maximum_hours > (contract.max_hours_for(trajectory.route) or 0)
        # Not before the extension that raised the maximum, nor before the trajectory (after a route switch).
        not_before = trajectory.start_date
        if extended_maximum and granted_on:
            not_before = max(not_before, granted_on)
        if not_before > timezone.localtime(moment).date():
            moment = region.at(not_before)
        offered = lessons.known_minutes(region.timeline, moment, contract_id=contract.pk)
        MaximumHoursWarning.objects.filter(pk=warning.pk).update(
            warned_on=timezone.localtime(moment).date(),
            offered_hours=(Decimal(offered) / 60).quantize(Decimal("0.01")),
        )


# ---------------------------------------------------------------------------------------------
# 3. Assessments, reviews and requests
# ---------------------------------------------------------------------------------------------


@dataclass
class Plan:
    checkpoint: Checkpoint
    submit_on: date | None = None  # None: the provider has not assessed it yet
    review_on: date | None = None
    advice: str = Advice.CONTINUE
    scenario: Scenario | None = None
    request_on: date | None = None
    submitted_at: datetime | None = None
    reviewed_at: datetime | None = None

    @property
    def follow_up(self) -> bool:
        """The request came weeks after the assessment, which advised to continue first."""
        return self.scenario is not None and self.advice == Advice.CONTINUE


def _level_for(region: Region, route: str, threshold: int) -> str:
    rng = region.rng
    if route == Route.Z:
        return rng.choice([Level.A1, Level.A1, Level.A2])
    if threshold < 600:
        return rng.choice([Level.A1, Level.A2, Level.A2])
    return rng.choice([Level.A2, Level.B1, Level.B1])


def _assessments(region: Region, plan: Plan) -> list[dict]:
    checkpoint, scenario, rng = plan.checkpoint, plan.scenario, region.rng
    route = checkpoint.trajectory.route
    weak = scenario.skills if scenario and scenario.kind == ChangeKind.DOWNSCALE else ()
    strong = scenario.skills if scenario and scenario.kind == ChangeKind.UPSCALE else ()
    switching = scenario is not None and scenario.kind == ChangeKind.ROUTE_SWITCH
    items = []
    for skill in Skill.values:
        if skill in weak or switching:
            level = Level.A2 if checkpoint.threshold_hours >= 600 else Level.A1
            item = {"current_level": level, "on_track": False, "remark": rng.choice(WEAK_REMARKS)}
        elif skill in strong:
            item = {"current_level": Level.B1, "on_track": True, "remark": rng.choice(STRONG_REMARKS)}
        else:
            item = {
                "current_level": _level_for(region, route, checkpoint.threshold_hours),
                "on_track": rng.random() < 0.88,
                "remark": rng.choice(PROGRESS_REMARKS),
            }
        items.append({"skill": skill, **item})
    return items


def _advice_remark(plan: Plan) -> str:
    scenario = plan.scenario
    if scenario is None:
        return ""
    if plan.follow_up:
        if scenario.kind == ChangeKind.DOWNSCALE:
            return (
                f"{_skills_text(scenario.skills).capitalize()} blijft achter. Eerst extra oefening in de "
                "huiswerkklas; over enkele weken opnieuw bekijken."
            )
        if scenario.kind == ChangeKind.UPSCALE:
            return "Goede voortgang op spreken en luisteren; na het oefenexamen B1 bekijken of B2 haalbaar is."
        return "Weinig vooruitgang; eerst extra begeleiding, daarna bespreken of de Z-route beter past."
    if scenario.kind == ChangeKind.ROUTE_SWITCH:
        return (
            f"Na {plan.checkpoint.threshold_hours} uur nauwelijks vooruitgang op alle vaardigheden; "
            "advies van docententeam en leerbaarheidstoets: Z-route."
        )
    skills = _skills_text(scenario.skills)
    if scenario.kind == ChangeKind.DOWNSCALE:
        if scenario.skills == ALL_SKILLS:
            return (
                "Na 600 uur op alle vaardigheden geen vooruitgang meer; B1 is niet haalbaar. Advies: afschalen naar A2."
            )
        return f"{skills.capitalize()} blijft steken op A2, de rest gaat goed. Advies: afschalen voor {skills}."
    return f"B1 gehaald op {skills} (oefenexamen); goede leerbaarheid. Advies: opschalen naar B2 voor {skills}."


def _motivation(plan: Plan, minutes: int) -> tuple[str, str]:
    scenario = plan.scenario
    text, evidence = _motivation_text(scenario, minutes)
    if plan.follow_up:
        text = (
            f"Sinds het evaluatiemoment van {plan.checkpoint.threshold_hours} uur extra oefening en begeleiding. {text}"
        )
    return text, evidence


def _motivation_text(scenario: Scenario, minutes: int) -> tuple[str, str]:
    hours, skills = _hours_text(minutes), _skills_text(scenario.skills) if scenario.skills else ""
    if scenario.kind == ChangeKind.DOWNSCALE:
        if scenario.skills == ALL_SKILLS:
            text = (
                f"Na {hours} gevolgde lesuren is er op geen enkele vaardigheid nog vooruitgang, ondanks inzet "
                "(zie het aanwezigheidsoverzicht). Wij vragen afschaling naar A2."
            )
        else:
            text = (
                f"Na {hours} gevolgde lesuren en extra oefening in de huiswerkklas is {skills} niet vooruitgegaan. "
                f"Wij vragen deelafschaling voor {skills} naar A2; de andere vaardigheden blijven op B1."
            )
        if scenario.outcome == Decision.REFUSED:
            return text, f"Beoordeling van drie opdrachten {skills} door de eigen docent."
        return text, f"Oefenexamen {skills} (onafhankelijke toets): A2; beoordeling van drie opdrachten door de docent."
    if scenario.kind == ChangeKind.UPSCALE:
        return (
            f"B1 behaald op {skills} na {hours} lesuren; de inburgeraar wil doorstromen naar een mbo-opleiding "
            "waarvoor B2 nodig is. Volgens de B2-clausule van het contract vragen wij opschaling.",
            f"Oefenexamen {skills} B1 ruim voldoende; intake mbo-opleiding.",
        )
    return (
        f"Na {hours} lesuren nauwelijks vooruitgang; de leerbaarheidstoets en het advies van het docententeam "
        "wijzen op de Z-route. Besproken met de inburgeraar, die akkoord is.",
        "Leerbaarheidstoets (score 3 van 10) en verslag van het docentenoverleg.",
    )


def _decision_reason(scenario: Scenario) -> str:
    if scenario.outcome == Decision.REFUSED:
        return (
            "Afgewezen: alleen de beoordeling van de eigen docent. Voor deelafschaling vragen wij de uitslag van een "
            "onafhankelijke toets; dien het verzoek opnieuw in na de volgende toets."
        )
    if scenario.kind == ChangeKind.DOWNSCALE:
        return "Akkoord: meer dan 600 uur gevolgd bij een taalaanbieder met keurmerk en voldoende inzet aangetoond."
    if scenario.kind == ChangeKind.UPSCALE:
        return "Akkoord volgens de B2-clausule; evaluatie na 200 uur."
    return "Akkoord: verder in de Z-route, zelfde taalaanbieder en lesdagen."


def _plan_checkpoints(region: Region, checkpoints: list[Checkpoint]) -> list[Plan]:
    """Who assessed and reviewed what, and when (before any scenario is chosen)."""
    rng, today = region.rng, region.today
    plans = []
    for checkpoint in checkpoints:
        plan = Plan(checkpoint)
        plans.append(plan)
        contract = checkpoint.trajectory.contract
        deadline = contract.assessment_deadline_working_days
        has_case_manager = checkpoint.learner.municipality_id in region.case_managers
        if checkpoint.due_date >= today:  # still within its deadline: most not yet assessed
            if rng.random() < 0.3:
                plan.submit_on = region.later(checkpoint.known_on, rng.randint(1, 3))
            continue
        recent = working_days_between(checkpoint.known_on, today) <= RECENT_WORKING_DAYS
        late = rng.random() < (0.3 if recent else 0.15)
        if recent and rng.random() < 0.4:
            continue  # not assessed: past its deadline, overdue
        delay = deadline + rng.randint(1, 6) if late else rng.randint(2, deadline)
        plan.submit_on = region.later(checkpoint.known_on, delay)
        if has_case_manager and not (recent and rng.random() < 0.6):
            plan.review_on = region.later(plan.submit_on, rng.randint(1, 8))
    return plans


def _assign_scenarios(region: Region, plans: list[Plan], warned: set[int]) -> None:
    """Pick the learners of the requests the demo shows, each where its dates fit.

    A request comes with the assessment (the checkpoint's advice) or weeks later, after extra
    lessons did not help (then the checkpoint said "continue" and was reviewed as usual).
    """
    today, rng = region.today, region.rng
    taken: set[int] = set()
    # Skills already passed at B1: no downscaling of those, and no route switch for a learner with any.
    passed_b1: dict[int, set[str]] = defaultdict(set)
    for learner_id, skill in ExamResult.objects.filter(
        tenant=region.tenant, passed=True, level__in=[Level.B1, Level.B2], component__in=ALL_SKILLS
    ).values_list("trajectory__learner_id", "component"):
        passed_b1[learner_id].add(skill)

    def earliest_submit(plan: Plan) -> date:
        return plan.submit_on or region.later(plan.checkpoint.known_on, 2)

    def pick(predicate, requested_on: date) -> Plan | None:
        """The learner whose assessment came last before the request date."""
        fitting = [
            p
            for p in plans
            if p.checkpoint.learner_id not in taken and predicate(p) and earliest_submit(p) <= requested_on
        ]
        return max(fitting, key=lambda p: (earliest_submit(p), p.checkpoint.pk), default=None)

    def take(plan: Plan, scenario: Scenario, advice: str, request_on: date) -> None:
        deadline = plan.checkpoint.trajectory.contract.assessment_deadline_working_days
        if plan.submit_on is None or plan.submit_on > request_on:
            plan.submit_on = min(region.later(plan.checkpoint.known_on, rng.randint(2, deadline)), request_on)
        plan.scenario, plan.request_on = scenario, request_on
        if working_days_between(plan.submit_on, request_on) <= 3:
            plan.advice = advice
            plan.review_on = None  # the case manager reviews it with the decision
        else:
            plan.advice = Advice.CONTINUE  # first extra lessons; the request follows later
            plan.review_on = min(region.later(plan.submit_on, rng.randint(1, 6)), request_on)
        taken.add(plan.checkpoint.learner_id)

    def b1_at(plan: Plan, minimum: int) -> bool:
        trajectory = plan.checkpoint.trajectory
        return (
            trajectory.route == Route.B1
            and trajectory.status == TrajectoryStatus.ACTIVE
            and plan.checkpoint.threshold_hours >= minimum
            and plan.checkpoint.learner_id in region.lessons
            and plan.checkpoint.learner.municipality_id in region.case_managers
        )

    def downscale_ok(plan: Plan) -> bool:
        contract = plan.checkpoint.trajectory.contract
        return (
            b1_at(plan, contract.downscale_minimum_hours)
            and contract.provider.has_quality_mark
            and region.lessons[plan.checkpoint.learner_id].attended[-1] >= contract.downscale_minimum_hours * 60
            and plan.checkpoint.learner_id not in warned  # near the maximum: kept for an extension
        )

    for scenario in DOWNSCALES:
        if scenario.overdue:
            deadline = max(p.checkpoint.trajectory.contract.decision_deadline_working_days for p in plans)
            requested_on = region.working_days_before(today, deadline + scenario.ago)
        else:
            requested_on = region.working_days_before(today, scenario.ago)
        plan = pick(
            lambda p, skills=scenario.skills: downscale_ok(p) and not passed_b1[p.checkpoint.learner_id] & set(skills),
            requested_on,
        )
        if plan is not None:
            take(plan, scenario, Advice.DOWNSCALE, requested_on)
            region.downscale_learners.add(plan.checkpoint.learner_id)

    def upscale_ok(plan: Plan) -> bool:
        trajectory = plan.checkpoint.trajectory
        return (
            b1_at(plan, 600)
            and trajectory.contract.b2_clause
            and not trajectory.b2_track
            and all(trajectory.targets[skill] == Level.B1 for skill in UPSCALE.skills)
        )

    requested_on = region.working_days_before(today, UPSCALE.ago)
    plan = pick(upscale_ok, requested_on)
    if plan is not None:
        take(plan, UPSCALE, Advice.UPSCALE, requested_on)

    def switch_ok(plan: Plan) -> bool:
        trajectory = plan.checkpoint.trajectory
        latest_threshold = max(
            p.checkpoint.threshold_hours for p in plans if p.checkpoint.learner_id == plan.checkpoint.learner_id
        )
        return (
            trajectory.route == Route.B1
            and trajectory.status == TrajectoryStatus.ACTIVE
            and Route.Z in trajectory.contract.routes
            and trajectory.contract.start_date
            <= today
            <= trajectory.contract.end_date  # the new trajectory starts today
            and plan.checkpoint.learner.municipality_id in region.case_managers
            and plan.checkpoint.threshold_hours == latest_threshold
            and plan.checkpoint.learner_id not in warned
            and not passed_b1[plan.checkpoint.learner_id]
            and _offered_share(region, plan.checkpoint.learner_id, trajectory.contract, Route.Z) < 0.8
        )

    requested_on = region.working_days_before(today, ROUTE_SWITCH.ago)
    plan = pick(lambda p: switch_ok(p) and p.checkpoint.threshold_hours < 600, requested_on) or pick(
        switch_ok, requested_on
    )
    if plan is not None:
        take(plan, ROUTE_SWITCH, Advice.ROUTE_SWITCH, requested_on)


def _offered_share(region: Region, learner_id: int, contract: Contract, route: str) -> float:
    """Offered hours on the contract as a share of its maximum for the route (0 without a maximum)."""
    maximum = contract.max_hours_for(route)
    lessons = region.lessons.get(learner_id)
    if not maximum or lessons is None or contract.pk not in lessons.offered_per_contract:
        return 0.0
    return lessons.offered_per_contract[contract.pk][1][-1] / (maximum * 60)


def _ensure_states(region: Region, plans: list[Plan]) -> None:
    """At least one checkpoint still open within its deadline, and one past it without assessment."""
    within = [p for p in plans if p.scenario is None and p.checkpoint.due_date >= region.today]
    if within and all(p.submit_on is not None for p in within):
        within[0].submit_on = within[0].review_on = None
    if any(p.submit_on is None and p.checkpoint.due_date < region.today for p in plans):
        return
    late = [p for p in plans if p.scenario is None and p.checkpoint.due_date < region.today]
    if late:
        plan = max(late, key=lambda p: (p.checkpoint.known_on, p.checkpoint.pk))
        plan.submit_on = plan.review_on = None


def _submit(region: Region, plan: Plan) -> None:
    checkpoint = plan.checkpoint
    staff = region.staff[checkpoint.trajectory.contract.provider_id]
    services.checkpoint_submit(
        actor=staff,
        checkpoint=checkpoint,
        assessments=_assessments(region, plan),
        advice=plan.advice,
        advice_remark=_advice_remark(plan) or region.rng.choice(CONTINUE_REMARKS),
    )
    plan.submitted_at = region.at(plan.submit_on)
    Checkpoint.objects.filter(pk=checkpoint.pk).update(submitted_at=plan.submitted_at)


def _review(region: Region, plan: Plan, moment: datetime) -> None:
    checkpoint = plan.checkpoint
    services.checkpoint_review(
        actor=region.case_managers[checkpoint.learner.municipality_id],
        checkpoint=checkpoint,
        remark=region.rng.choice(REVIEW_REMARKS),
    )
    Checkpoint.objects.filter(pk=checkpoint.pk).update(reviewed_at=moment)


def _request(region: Region, plan: Plan) -> None:
    scenario, checkpoint, rng = plan.scenario, plan.checkpoint, region.rng
    trajectory = Trajectory.objects.select_related("contract", "learner").get(pk=checkpoint.trajectory_id)
    lessons = region.lessons[checkpoint.learner_id]
    requested_at = region.at(plan.request_on, after=plan.reviewed_at or plan.submitted_at)
    minutes = lessons.known_minutes(region.timeline, requested_at)
    motivation, evidence = _motivation(plan, minutes)
    request = services.level_change_request_create(
        actor=region.staff[trajectory.contract.provider_id],
        trajectory=trajectory,
        kind=scenario.kind,
        motivation=motivation,
        skill_changes=[
            {"skill": skill, "from": trajectory.targets[skill], "to": scenario.to_level} for skill in scenario.skills
        ],
        new_route=scenario.new_route,
        evidence=evidence,
        checkpoint=checkpoint,
    )
    requested_on = timezone.localtime(requested_at).date()
    LevelChangeRequest.objects.filter(pk=request.pk).update(
        requested_at=requested_at,
        due_date=add_working_days(requested_on, trajectory.contract.decision_deadline_working_days),
        attended_hours=(Decimal(minutes) / 60).quantize(Decimal("0.01")),
    )
    if scenario.outcome == "open":
        return
    case_manager = region.case_managers[trajectory.learner.municipality_id]
    if scenario.kind == ChangeKind.ROUTE_SWITCH:
        decided_on = region.today  # the switch starts the new trajectory on the day of the decision
    else:
        decided_on = region.later(requested_on, scenario.turnaround)
    decided_at = region.at(decided_on, after=requested_at)
    if plan.reviewed_at is None:  # the assessment and the request are decided together
        _review(region, plan, decided_at - timedelta(minutes=rng.randint(5, 40)))
    services.level_change_decide(
        actor=case_manager, request=request, decision=scenario.outcome, reason=_decision_reason(scenario)
    )
    LevelChangeRequest.objects.filter(pk=request.pk).update(
        decided_at=decided_at,
        turnaround_working_days=working_days_between(requested_on, timezone.localtime(decided_at).date()),
    )


# ---------------------------------------------------------------------------------------------
# 4. Extensions beyond the maximum (continue while there is progress)
# ---------------------------------------------------------------------------------------------


def _extensions(region: Region) -> None:
    warnings = (
        MaximumHoursWarning.objects.filter(
            tenant=region.tenant,
            trajectory__contract__continue_while_progress=True,
            trajectory__status=TrajectoryStatus.ACTIVE,
        )
        .select_related("trajectory__contract", "trajectory__learner")
        .order_by("warned_on", "pk")
    )
    rng = region.rng
    for warning in warnings:
        trajectory, contract = warning.trajectory, warning.trajectory.contract
        learner = trajectory.learner
        case_manager = region.case_managers.get(learner.municipality_id)
        if case_manager is None or learner.pk in region.downscale_learners:
            continue
        if trajectory.hour_extensions.exists() or warning.maximum_hours != contract.max_hours_for(trajectory.route):
            continue
        offered = region.lessons[learner.pk].offered_per_contract[contract.pk][1][-1]
        enough = [hours for hours in EXTENSION_STEPS if offered < (warning.maximum_hours + hours) * 60 * 0.97]
        extra = rng.choice(enough[:3]) if enough else EXTENSION_STEPS[-1]
        services.hours_extension_grant(
            actor=case_manager,
            trajectory=trajectory,
            extra_hours=extra,
            reason=(
                f"Aantoonbare vooruitgang op spreken en luisteren; de taalaanbieder verwacht het examen binnen "
                f"drie maanden. {extra} extra lesuren volgens het contract (doorgaan zolang er voortgang is)."
            ),
        )
        granted_on = region.later(warning.warned_on, rng.randint(3, 8))
        HoursExtension.objects.filter(trajectory=trajectory).update(granted_on=granted_on)
        region.extensions += 1


# ---------------------------------------------------------------------------------------------
# The seeder
# ---------------------------------------------------------------------------------------------


def _seed_region(region: Region) -> None:
    tenant = region.tenant
    _history(region)
    region.timeline = Timeline(tenant)
    checkpoints = list(
        Checkpoint.objects.filter(tenant=tenant).select_related(
            "trajectory__contract__provider", "learner", "trajectory__learner"
        )
    )
    warned = MaximumHoursWarning.objects.filter(tenant=tenant).values_list("trajectory__learner_id", flat=True)
    region.lessons = _lessons_of(tenant, {c.learner_id for c in checkpoints} | set(warned))
    _date_checkpoints(region, checkpoints)
    _date_warnings(region)
    checkpoints.sort(key=lambda c: (c.known_on, c.pk))
    plans = _plan_checkpoints(region, checkpoints)
    _assign_scenarios(region, plans, warned=set(warned))
    _ensure_states(region, plans)
    for plan in sorted(plans, key=lambda p: (p.submit_on or region.today, p.checkpoint.pk)):
        if plan.submit_on is None or plan.checkpoint.trajectory.contract.provider_id not in region.staff:
            continue
        _submit(region, plan)
        if plan.review_on is not None:
            plan.reviewed_at = region.at(plan.review_on, after=plan.submitted_at)
            _review(region, plan, plan.reviewed_at)
        if plan.scenario is not None:
            _request(region, plan)
    _extensions(region)
    # The daily job as of today: overdue marks, and new warnings where an extension was not enough.
    services.progress_detect(tenant=tenant, as_of=region.today)
    region.lessons = _lessons_of(
        tenant, set(MaximumHoursWarning.objects.filter(tenant=tenant).values_list("trajectory__learner_id", flat=True))
    )
    _date_warnings(region)


def _summary(tenants: list[Tenant], regions: list[Region]) -> list[str]:
    ids = [t.pk for t in tenants]
    checkpoints = dict(
        Checkpoint.objects.filter(tenant_id__in=ids).values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    requests = dict(
        LevelChangeRequest.objects.filter(tenant_id__in=ids)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    lessons = sum(r.history_lessons for r in regions)
    learners = sum(r.history_learners for r in regions)
    per_checkpoint = " / ".join(f"{checkpoints.get(s, 0)} {s.replace('_', ' ')}" for s in CheckpointStatus.values)
    per_request = " / ".join(f"{requests.get(s, 0)} {s}" for s in RequestStatus.values)
    return [
        f"{lessons} eerdere lessen van {learners} inburgeraars (historisch bestand)",
        f"{sum(checkpoints.values())} evaluatiemomenten ({per_checkpoint})",
        f"{sum(requests.values())} niveauwijzigingsverzoeken ({per_request})",
        f"{sum(r.extensions for r in regions)} urenverlengingen",
        f"{MaximumHoursWarning.objects.filter(tenant_id__in=ids).count()} waarschuwingen maximum lesuren",
    ]


def _memberships(**filters):
    return Membership.objects.filter(is_active=True, **filters).select_related("user").order_by("pk")


def seed_progress() -> list[str]:
    today = timezone.localdate()
    seeded: list[Tenant] = []
    regions: list[Region] = []
    for index, tenant in enumerate(Tenant.objects.order_by("slug")):
        with scope([Grant(tenant_id=tenant.pk)]):
            if LevelChangeRequest.objects.filter(tenant=tenant).exists():
                continue
            if not AttendanceRecord.objects.filter(tenant=tenant).exists():
                continue
            region = Region(
                tenant=tenant,
                today=today,
                now=timezone.now(),
                go_live=_go_live(today),
                rng=random.Random(SEED + index),  # noqa: S311 - demo data, not security
                staff={
                    m.provider_id: m.user
                    for m in reversed(_memberships(role=Role.PROVIDER_STAFF, provider__region_links__tenant=tenant))
                },
                case_managers={
                    m.municipality_id: m.user
                    for m in reversed(_memberships(role=Role.CASE_MANAGER, tenant=tenant))
                    if m.municipality_id
                },
            )
            # Past actions: the in-app notifications are part of the demo, e-mails about them are not.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
                _seed_region(region)
            seeded.append(tenant)
            regions.append(region)
    if not seeded:
        return []
    with scope([Grant(tenant_id=t.pk) for t in seeded]):
        return _summary(seeded, regions)
