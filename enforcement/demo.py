"""Demo absence follow-up: verzuimprotocollen, classified absences, alerts, warning letters and cases.

Two seeders. ``seed_absence_policies`` runs before the attendance demo: each region set its
verzuimprotocol at go-live, before the first file came in, so the rule (which runs after every
upload) applies the region's own policy from the first upload on. IJmond counts every absence
(guide 2.4), sends the letter automatically and requires make-up lessons; Rijk van Nijmegen counts
only absences the coordinator classified as unauthorized.

``seed_enforcement`` runs after the progress demo. The attendance demo has only a handful of
learners with three or more absences in a month, so the providers first send a late addition to
their files (``…-aanvulling.csv``: lessons the teacher's paper list showed as missed) through the
attendance demo's own upload helper, like the progress demo's historical export: a queue for the
coordinator in the current and the previous month, a few alerts in earlier months, and the learners
whose cases the demo shows. Then, with the demo users of each role and through the services: the
absence coordinator classifies most absences (mostly authorized: ill or a medical appointment; some
unauthorized with their culpability), which re-runs the rule; the rule for every month of the demo
period; the letters made right away (the demo does not wait for a worker; a queued task finds them
ready and changes nothing); the providers' staff hand most of them out; the coordinator works the
queue (in progress with a note, contacted, closed recovered or passed on to enforcement); one alert
is withdrawn by a corrected re-upload (IJmond) and one by a reclassification after a doctor's note
(Nijmegen); and the case managers of Nijmegen and Velsen run enforcement cases at every step:
contact with cause and support, three-way talk, procedure (an asylum permit holder with the
exceptional ground recorded first), a fine within the policy's maximum, and a case closed recovered.
Timestamps are set afterwards to realistic moments in the past, as the other demos do.

Deterministic (seeded ``random``; dates relative to today) and idempotent: a region whose absences
were already classified is skipped.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from attendance import demo as attendance_demo
from attendance.models import AttendanceRecord, AttendanceUpload, Classification, LessonStatus
from contracts.models import Contract
from enforcement import services
from enforcement.cases import (
    enforcement_case_close,
    enforcement_case_open,
    enforcement_exceptional_ground_record,
    enforcement_step_record,
)
from enforcement.letters import warning_letter_generate, warning_letter_mark_handed_out
from enforcement.models import (
    AbsenceAlert,
    AbsencePolicy,
    AlertNote,
    AlertOutcome,
    AlertStatus,
    CaseOutcome,
    CaseStep,
    ClassificationEntry,
    Counting,
    Culpability,
    EnforcementCase,
    LetterStatus,
    WarningLetter,
)
from enforcement.selectors import region_policy
from enforcement.triage import alert_add_note, alert_assign, alert_set_status
from inburgering.audit import acting_as
from inburgering.tenancy.models import Membership, Role, Tenant, User
from inburgering.tenancy.scoping import Grant, scope
from inburgering.workdays import add_working_days, is_working_day
from learning_routes.models import OPEN_STATUSES

SEED = 20260700
OFFICE_HOURS = (9, 16)

# The regions' verzuimprotocollen (guide 2.4). Contacts: the regions' absence desks (demo data).
POLICIES = {
    "ijmond": {
        "threshold_per_month": 3,
        "counting": Counting.ALL,  # IJmond: three absences, authorized or not
        "automatic_warning_letter": True,
        "makeup_required": True,
        "contact_name": "Sandra Visser (verzuimcoördinator)",
        "contact_details": "0255 56 71 20 (maandag tot en met donderdag, 9.00–12.00 uur) of "
        "verzuim.ijmond@demo.inburgering.nl",
    },
    "rijk-van-nijmegen": {
        "threshold_per_month": 3,
        "counting": Counting.UNAUTHORIZED,
        "automatic_warning_letter": True,
        "makeup_required": False,
        "contact_name": "Youssef el Amrani (verzuimcoördinator)",
        "contact_details": "024 329 41 60 (werkdagen 9.00–12.30 uur) of verzuim.rvn@demo.inburgering.nl",
    },
}

# Extra learners with three to five absences (the late additions), per month counted back from
# this month (0) and per region: a queue now and last month, a few earlier alerts in every month of
# the demo period (months before its start are left out), so each reported quarter has some.
QUEUE_PER_MONTH = {0: 11, 1: 12, 2: 3, 3: 3, 4: 2, 5: 2, 6: 1, 7: 2}
# Reasons the provider reports, per counting: under "only unauthorized" the queue is made of
# unreported and work-related absences (an ill learner never gets an alert there).
REASONS_ALL = [("ziek", 34), ("medisch", 10), ("kinderopvang", 10), ("werk", 14), ("anders", 7), ("", 25)]
REASONS_UNAUTHORIZED = [("", 50), ("werk", 32), ("anders", 18)]
# Share of a month's absences the coordinator has classified, by months back (recent ones wait).
CLASSIFIED_SHARE = {0: 0.45, 1: 0.8}
CLASSIFIED_SHARE_OLDER = 0.95
# The hand-made moves of an alert, one step at a time (enforcement.triage).
STATUS_PATH = [AlertStatus.NEW, AlertStatus.IN_PROGRESS, AlertStatus.CONTACTED, AlertStatus.CLOSED]
ADDITION_NOTE = "Aanvulling: afwezig volgens presentielijst docent"


@dataclass(frozen=True)
class CasePlan:
    """An enforcement case the demo shows: the months of its alerts (months back), the steps the case
    manager recorded, how it ended, and whether the learner holds an asylum permit."""

    name: str
    alert_months: tuple[int, ...]
    steps: tuple[str, ...]
    close: str = ""
    asylum: bool = False


CASES = {
    "rijk-van-nijmegen": (
        CasePlan(
            "boete", (4, 3), (CaseStep.CONTACT, CaseStep.THREE_WAY_TALK, CaseStep.PROCEDURE, CaseStep.FINE), "boete"
        ),
        CasePlan("driegesprek", (3, 2), (CaseStep.CONTACT, CaseStep.THREE_WAY_TALK)),
        CasePlan("hersteld", (3,), (CaseStep.CONTACT,), CaseOutcome.RECOVERED),
        CasePlan("nieuw", (1,), ()),
    ),
    "ijmond": (
        CasePlan(
            "procedure-statushouder",
            (4, 3),
            (CaseStep.CONTACT, CaseStep.THREE_WAY_TALK, CaseStep.PROCEDURE),
            asylum=True,
        ),
        CasePlan("contact", (2,), (CaseStep.CONTACT,)),
        CasePlan("hersteld", (4,), (CaseStep.CONTACT,), CaseOutcome.RECOVERED),
    ),
}

CONTACTS = [
    (
        "kinderopvang",
        "Geen opvang voor de jongste op dinsdag en donderdag.",
        "Aanmelding bij de kinderopvang via het wijkteam; tot die tijd lessen in de ochtend.",
    ),
    (
        "werk",
        "Werkt in de ochtend bij een uitzendbureau, roosters wisselen per week.",
        "Overstap naar de avondles besproken met de taalaanbieder.",
    ),
    (
        "gezondheid",
        "Slaapt slecht en heeft veel hoofdpijn; was niet bij de huisarts.",
        "Afspraak bij de huisarts gemaakt; bij ziekte altijd vóór de les afmelden.",
    ),
    (
        "mantelzorg",
        "Zorgt voor een zieke moeder; de lessen schoten erbij in.",
        "Doorverwezen naar de mantelzorgondersteuning van de gemeente.",
    ),
]
QUEUE_NOTES = [
    "Gebeld, geen gehoor. Morgen opnieuw proberen.",
    "Twee verzuimdagen zonder reden; navragen bij de taalaanbieder of er iets speelt.",
    "Ingeplande afspraak met de inburgeraar volgende week.",
    "Afmeldingen niet doorgekomen volgens inburgeraar; nagaan bij de docent.",
]
CONTACT_NOTES = [
    "Inburgeraar gebeld: ziek geweest zonder afmelding. Afspraken over afmelden gemaakt.",
    "Gesprek gehad: werkte tijdelijk in de ochtend. Gaat weer naar alle lessen.",
    "Klantmanager heeft contact gehad; oppas geregeld voor de lesdagen.",
]
RECOVERED_NOTES = ["Aanwezigheid daarna weer op orde.", "Sinds de brief alle lessen aanwezig.", ""]


# ---------------------------------------------------------------------------------------------
# 1. The regions' policies (before the attendance demo)
# ---------------------------------------------------------------------------------------------


def _memberships(**filters):
    return Membership.objects.filter(is_active=True, **filters).select_related("user").order_by("pk")


def _save_policy(*, actor: User, tenant: Tenant, fields: dict) -> AbsencePolicy:
    try:
        from enforcement.policy import absence_policy_save
    except ImportError:  # written in parallel: the model, attributed to the tenant admin
        with acting_as(actor):
            return AbsencePolicy.objects.create(tenant=tenant, **fields)
    return absence_policy_save(actor=actor, tenant=tenant, **fields)


def seed_absence_policies() -> list[str]:
    created = []
    for tenant in Tenant.objects.order_by("slug"):
        fields = POLICIES.get(tenant.slug)
        if fields is None:
            continue
        with scope([Grant(tenant_id=tenant.pk)]):
            if AbsencePolicy.objects.filter(tenant=tenant, contract__isnull=True).exists():
                continue
            admin = _memberships(role=Role.TENANT_ADMIN, tenant=tenant).first()
            _save_policy(actor=admin.user if admin else None, tenant=tenant, fields=fields)
            created.append(tenant.name)
    return [f"verzuimprotocollen voor {', '.join(created)}"] if created else []


# ---------------------------------------------------------------------------------------------
# The region being seeded
# ---------------------------------------------------------------------------------------------


@dataclass
class Lesson:
    record_id: int
    trajectory_id: int
    contract_id: int
    learner_id: int
    learner_number: str
    municipality_id: int
    case_manager_id: int | None
    asylum: bool
    day: date
    daypart: str
    scheduled: int
    attended: int
    status: str
    reason: str
    homework: bool
    note: str


@dataclass
class Region:
    tenant: Tenant
    today: date
    now: datetime
    go_live: date
    rng: random.Random
    policy: AbsencePolicy
    admin: User | None
    coordinator: User
    case_managers: dict[int, User]  # municipality id → the municipality's demo case manager
    staff: dict[int, User]  # provider id → the provider's demo staff member
    months: list[date] = field(default_factory=list)  # the demo period, oldest first
    added: dict[int, list[int]] = field(default_factory=dict)  # learner id → record ids made absent
    targeted: set[int] = field(default_factory=set)
    case_learners: dict[str, int] = field(default_factory=dict)  # case plan name → learner id
    withdraw: dict[str, int] = field(default_factory=dict)  # "upload"/"classification" → learner id
    classified: int = 0

    def month(self, back: int) -> date:
        return self.months[-1 - back]

    def back(self, month: date) -> int:
        """How many months before this month (the demo period's months; earlier ones count as old)."""
        return len(self.months) - 1 - self.months.index(month) if month in self.months else len(self.months)

    def at(self, day: date, *, after: datetime | None = None) -> datetime:
        """A moment during office hours on that day, after `after`, never in the future. Draws the same
        numbers whatever the time of day, so the rest of the demo does not depend on when it is seeded."""
        hour, minute = self.rng.randint(*OFFICE_HOURS), self.rng.randint(0, 59)
        gap, margin = self.rng.randint(5, 45), self.rng.randint(1, 5)
        moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=gap)
        return min(moment, self.now - timedelta(minutes=margin))

    def later(self, day: date, working_days: int) -> date:
        return min(add_working_days(day, working_days), self.today)

    @property
    def counts_all(self) -> bool:
        return self.policy.counting == Counting.ALL


def _lessons(region: Region) -> list[Lesson]:
    rows = (
        AttendanceRecord.objects.filter(tenant=region.tenant, lesson_date__gte=region.go_live)
        .order_by("trajectory__learner__last_name", "trajectory__learner_id", "lesson_date", "daypart", "pk")
        .values_list(
            "pk",
            "trajectory_id",
            "trajectory__contract_id",
            "trajectory__learner_id",
            "trajectory__learner__learner_number",
            "trajectory__learner__municipality_id",
            "trajectory__learner__case_manager_id",
            "trajectory__learner__is_asylum_permit_holder",
            "lesson_date",
            "daypart",
            "scheduled_minutes",
            "attended_minutes",
            "status",
            "reason",
            "homework_class",
            "note",
        )
    )
    return [Lesson(*row) for row in rows.iterator()]


# ---------------------------------------------------------------------------------------------
# 2. The providers' late additions: lessons missed according to the teacher's paper list
# ---------------------------------------------------------------------------------------------


def _choose_learners(region: Region, lessons: list[Lesson]) -> dict[tuple[int, date], int]:
    """(learner, month) → how many of that month's lessons become absences."""
    open_trajectories = set(
        AttendanceRecord.objects.filter(tenant=region.tenant, trajectory__status__in=OPEN_STATUSES)
        .values_list("trajectory_id", flat=True)
        .distinct()
    )
    present: dict[tuple[int, date], int] = defaultdict(int)
    absent: dict[tuple[int, date], int] = defaultdict(int)
    learner_of: dict[int, Lesson] = {}
    for lesson in lessons:
        key = (lesson.learner_id, attendance_demo._month_start(lesson.day))
        if lesson.status == LessonStatus.ABSENT:
            absent[key] += 1
        elif _can_become_absent(lesson) and lesson.trajectory_id in open_trajectories:
            present[key] += 1
        learner_of.setdefault(lesson.learner_id, lesson)
    rng = region.rng
    taken: set[int] = set()
    plan: dict[tuple[int, date], int] = {}

    def fits(learner_id: int, months: list[date]) -> bool:
        """Enough whole lessons attended that month, and at most one absence already."""
        return learner_id not in taken and all(
            present[learner_id, m] >= 6 and absent[learner_id, m] <= 1 for m in months
        )

    learner_ids = sorted(learner_of)
    # The case learners first: in a municipality with a demo case manager.
    for case in CASES.get(region.tenant.slug, ()):
        months = [region.month(back) for back in case.alert_months]
        candidates = [
            learner_id
            for learner_id in learner_ids
            if _led_by_demo_case_manager(region, learner_of[learner_id])
            and learner_of[learner_id].asylum == case.asylum
            and fits(learner_id, months)
        ]
        if not candidates:
            continue
        learner_id = rng.choice(candidates)
        taken.add(learner_id)
        region.case_learners[case.name] = learner_id
        for month in months:
            plan[learner_id, month] = rng.randint(3, 5)
    # The queue and the earlier alerts.
    for back, count in QUEUE_PER_MONTH.items():
        if back >= len(region.months):
            continue
        month = region.month(back)
        candidates = [learner_id for learner_id in learner_ids if fits(learner_id, [month])]
        for learner_id in rng.sample(candidates, min(count, len(candidates))):
            taken.add(learner_id)
            plan[learner_id, month] = rng.choice([3, 3, 3, 4, 4, 5])
    # This month: one alert of exactly three absences that a correction will withdraw.
    this_month = region.month(0)
    exact = [learner_id for learner_id, month in plan if month == this_month and absent[learner_id, month] == 0]
    if exact:
        learner_id = exact[0]
        plan[learner_id, this_month] = 3
        region.withdraw["upload" if region.counts_all else "classification"] = learner_id
    return plan


def _led_by_demo_case_manager(region: Region, lesson: Lesson) -> bool:
    """The learner's own case manager is their municipality's demo case manager (who leads the case)."""
    case_manager = region.case_managers.get(lesson.municipality_id)
    return case_manager is not None and lesson.case_manager_id == case_manager.pk


def _can_become_absent(lesson: Lesson) -> bool:
    return (
        lesson.status == LessonStatus.PRESENT
        and not lesson.homework
        and lesson.attended == lesson.scheduled
        and not lesson.note
    )


def _reason(region: Region) -> str:
    reasons = REASONS_ALL if region.counts_all else REASONS_UNAUTHORIZED
    return region.rng.choices([r for r, _w in reasons], weights=[w for _r, w in reasons])[0]


def _upload_moment(region: Region, month: date, *, minutes_before_now: int = 45) -> datetime:
    if month == region.month(0):
        return region.now - timedelta(minutes=minutes_before_now)
    day = attendance_demo._add_months(month, 1) + timedelta(days=7)
    while not is_working_day(day):
        day += timedelta(days=1)
    return region.at(day)


def _upload(region: Region, contract_id: int, name: str, lessons: list[attendance_demo.Lesson], moment: datetime):
    contract = Contract.objects.select_related("tenant").get(pk=contract_id)
    upload = attendance_demo._upload(contract, region.staff[contract.provider_id], name, attendance_demo._csv(lessons))
    AttendanceUpload.objects.filter(pk=upload.pk).update(
        uploaded_at=moment, finished_at=moment + timedelta(seconds=region.rng.randint(2, 6))
    )
    return upload


def _additions(region: Region, lessons: list[Lesson]) -> None:
    plan = _choose_learners(region, lessons)
    by_learner_month: dict[tuple[int, date], list[Lesson]] = defaultdict(list)
    for lesson in lessons:
        if _can_become_absent(lesson):
            by_learner_month[lesson.learner_id, attendance_demo._month_start(lesson.day)].append(lesson)
    case_learners = set(region.case_learners.values())
    files: dict[tuple[int, date], list[attendance_demo.Lesson]] = defaultdict(list)
    for (learner_id, month), count in sorted(plan.items(), key=lambda item: (item[0][1], item[0][0])):
        chosen = region.rng.sample(by_learner_month[learner_id, month], count)
        for lesson in sorted(chosen, key=lambda x: (x.day, x.daypart)):
            reason = _reason(region)
            if learner_id in case_learners and not region.counts_all and reason not in ("", "werk"):
                reason = ""
            files[lesson.contract_id, month].append(
                attendance_demo.Lesson(
                    lesson.learner_number,
                    lesson.day,
                    lesson.daypart,
                    lesson.scheduled,
                    0,
                    "afwezig",
                    reason,
                    note=ADDITION_NOTE,
                )
            )
            region.added.setdefault(learner_id, []).append(lesson.record_id)
        region.targeted.add(learner_id)
    references = dict(Contract.objects.filter(tenant=region.tenant).values_list("pk", "reference"))
    for (contract_id, month), rows in sorted(files.items(), key=lambda item: (item[0][1], item[0][0])):
        name = f"aanwezigheid-{references[contract_id].lower()}-{month:%Y-%m}-aanvulling.csv"
        _upload(region, contract_id, name, rows, _upload_moment(region, month))


def _withdraw_by_upload(region: Region) -> None:
    """IJmond: the provider corrects one of the added absences (the learner was there after all)."""
    learner_id = region.withdraw.get("upload")
    if learner_id is None:
        return
    record = (
        AttendanceRecord.objects.filter(pk__in=region.added[learner_id])
        .select_related("trajectory__learner", "trajectory__contract")
        .order_by("lesson_date")
        .first()
    )
    row = attendance_demo.Lesson(
        record.trajectory.learner.learner_number,
        record.lesson_date,
        record.daypart,
        record.scheduled_minutes,
        record.scheduled_minutes,
        "aanwezig",
        note="Correctie: toch aanwezig (presentielijst nagekeken)",
    )
    name = f"aanwezigheid-{record.trajectory.contract.reference.lower()}-{record.lesson_date:%Y-%m}-correctie.csv"
    moment = region.now - timedelta(minutes=20)
    _upload(region, record.trajectory.contract_id, name, [row], moment)
    alert = AbsenceAlert.objects.filter(learner_id=learner_id, month=region.month(0)).first()
    if alert is not None:
        text = "Correctie van de taalaanbieder: op één lesdag toch aanwezig. Signaal vervallen, brief niet uitreiken."
        _note(region, alert, region.coordinator, text, moment + timedelta(minutes=10))


# ---------------------------------------------------------------------------------------------
# 3. The coordinator classifies
# ---------------------------------------------------------------------------------------------


def _culpability(region: Region, reason: str, targeted: bool) -> str:
    rng = region.rng
    if reason in ("ziek", "medisch"):
        return Culpability.REDUCED
    if reason in ("kinderopvang", "mantelzorg"):
        return Culpability.NORMAL
    if reason == "werk" and not targeted and rng.random() < 0.5:
        return Culpability.NORMAL  # a job interview, announced
    return Culpability.INTENT if rng.random() < 0.55 else Culpability.GROSS


def _classify(region: Region) -> None:
    rng = region.rng
    targeted = set(region.targeted)  # the learners given absences above
    records = list(
        AttendanceRecord.objects.filter(
            tenant=region.tenant, status=LessonStatus.ABSENT, lesson_date__gte=region.go_live, classification=""
        )
        .order_by("lesson_date", "trajectory_id", "daypart")
        .values_list("pk", "lesson_date", "reason", "trajectory__learner_id", "upload__uploaded_at")
    )
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)  # in bulk, as the coordinator's page does
    known: dict[int, datetime] = {}
    this_month = region.month(0)
    for record_id, day, reason, learner_id, uploaded_at in records:
        month = attendance_demo._month_start(day)
        back = region.back(month)
        is_targeted = learner_id in targeted
        # Under "only unauthorized" the queue learners' absences are all classified: their alerts need it.
        must = is_targeted and not region.counts_all
        if not must and rng.random() >= CLASSIFIED_SHARE.get(back, CLASSIFIED_SHARE_OLDER):
            continue
        if month == this_month and is_targeted and region.counts_all and rng.random() < 0.6:
            continue  # fresh alerts in IJmond: not classified yet
        culpability = _culpability(region, reason, is_targeted)
        groups[culpability, reason].append(record_id)
        known[record_id] = uploaded_at
    for (culpability, reason), ids in sorted(groups.items()):
        services.absences_classify(actor=region.coordinator, record_ids=ids, culpability=culpability, reason=reason)
        region.classified += len(ids)
    # When: a few working days after the file came in (today's additions: just now).
    moments = {}
    for record_id, uploaded_at in known.items():
        day = timezone.localtime(uploaded_at).date()
        moments[record_id] = region.at(region.later(day, rng.randint(1, 4)), after=uploaded_at)
    _date_classifications(moments)


def _date_classifications(moments: dict[int, datetime]) -> None:
    records = list(AttendanceRecord.objects.filter(pk__in=list(moments)))
    for record in records:
        record.classified_at = moments[record.pk]
    AttendanceRecord.objects.bulk_update(records, ["classified_at"], batch_size=500)
    entries = list(ClassificationEntry.objects.filter(record_id__in=list(moments)))
    for entry in entries:
        entry.classified_at = moments[entry.record_id]
    ClassificationEntry.objects.bulk_update(entries, ["classified_at"], batch_size=500)


def _withdraw_by_classification(region: Region) -> None:
    """Nijmegen: a doctor's note comes in for one of the absences, which becomes authorized."""
    learner_id = region.withdraw.get("classification")
    if learner_id is None:
        return
    record = AttendanceRecord.objects.filter(pk__in=region.added[learner_id]).order_by("lesson_date").first()
    services.absences_classify(
        actor=region.coordinator, record_ids=[record.pk], culpability=Culpability.REDUCED, reason="ziek"
    )
    moment = region.now - timedelta(minutes=region.rng.randint(10, 30))
    _date_classifications({record.pk: moment})
    alert = AbsenceAlert.objects.filter(learner_id=learner_id, month=region.month(0)).first()
    if alert is not None:
        _note(region, alert, region.coordinator, "Doktersverklaring nagestuurd: verzuim alsnog geoorloofd.", moment)


# ---------------------------------------------------------------------------------------------
# 4. Alerts dated, letters made and handed out
# ---------------------------------------------------------------------------------------------


def _date_alerts(region: Region) -> None:
    """Each alert created when the absence that reached the threshold became known (or classified)."""
    alerts = list(AbsenceAlert.objects.filter(tenant=region.tenant))
    record_ids = {record_id for alert in alerts for record_id in alert.record_ids}
    known = {
        pk: (uploaded_at, classified_at)
        for pk, uploaded_at, classified_at in AttendanceRecord.objects.filter(pk__in=record_ids).values_list(
            "pk", "upload__uploaded_at", "classified_at"
        )
    }
    for alert in alerts:
        moments = []
        for record_id in alert.record_ids[: alert.threshold] or alert.record_ids:
            uploaded_at, classified_at = known.get(record_id, (None, None))
            moments.append(uploaded_at or region.now)
            if not region.counts_all and classified_at:
                moments.append(classified_at)
        created = min(max(moments) + timedelta(seconds=region.rng.randint(5, 50)), region.now)
        AbsenceAlert.objects.filter(pk=alert.pk).update(created_at=created, updated_at=created)


def _letters(region: Region) -> tuple[int, float]:
    """Make every letter now (as the worker would); returns (made, seconds)."""
    started = timezone.now()
    letters = list(
        WarningLetter.objects.filter(tenant=region.tenant, generated_at__isnull=True)
        .exclude(alert__status=AlertStatus.WITHDRAWN)
        .select_related("alert")
        .order_by("alert__month", "pk")
    )
    for letter in letters:
        warning_letter_generate(letter_id=letter.pk)
        made = min(letter.alert.created_at + timedelta(minutes=region.rng.randint(2, 25)), region.now)
        WarningLetter.objects.filter(pk=letter.pk).update(created_at=letter.alert.created_at, generated_at=made)
    return len(letters), (timezone.now() - started).total_seconds()


def _hand_out(region: Region) -> None:
    rng = region.rng
    case_alerts = _case_alert_learners(region)
    letters = WarningLetter.objects.filter(tenant=region.tenant, status=LetterStatus.READY).select_related("alert")
    for letter in letters.order_by("alert__month", "pk"):
        made = timezone.localdate(letter.generated_at)
        recent = letter.alert.month == region.month(0)
        wanted = letter.alert.learner_id in case_alerts or rng.random() < (0.45 if recent else 0.85)
        if not wanted or (recent and made >= region.today):
            continue
        warning_letter_mark_handed_out(
            actor=region.staff[letter.provider_id], letter=letter, handed_out_on=region.later(made, rng.randint(1, 4))
        )


def _case_alert_learners(region: Region) -> set[int]:
    return set(region.case_learners.values())


# ---------------------------------------------------------------------------------------------
# 5. The coordinator works the queue
# ---------------------------------------------------------------------------------------------


def _note(region: Region, alert: AbsenceAlert, author: User, text: str, moment: datetime) -> None:
    if text:
        note = alert_add_note(actor=author, alert=alert, text=text)
        AlertNote.objects.filter(pk=note.pk).update(created_at=moment)


def _triage(
    region: Region,
    alert: AbsenceAlert,
    *,
    actor: User,
    moment: datetime,
    status: str,
    outcome: str = "",
    assignee: User | None = None,
    note: str = "",
) -> None:
    """Assign, note and move the alert on step by step, through the coordinator's triage services."""
    if assignee is not None:
        alert_assign(actor=region.coordinator, alert_ids=[alert.pk], assignee=assignee)
    _note(region, alert, actor, note, moment)
    current = STATUS_PATH.index(AbsenceAlert.objects.get(pk=alert.pk).status)
    for step in STATUS_PATH[current + 1 : STATUS_PATH.index(status) + 1]:
        alert_set_status(actor=actor, alert=alert, status=step, outcome=outcome if step == AlertStatus.CLOSED else "")
    AbsenceAlert.objects.filter(pk=alert.pk).update(updated_at=moment)


def _work_queue(region: Region) -> None:
    rng = region.rng
    case_learners = _case_alert_learners(region)
    alerts = list(
        AbsenceAlert.objects.filter(tenant=region.tenant)
        .exclude(status=AlertStatus.WITHDRAWN)
        .exclude(learner_id__in=case_learners)
        .select_related("learner")
        .order_by("month", "learner__last_name", "pk")
    )
    coordinator = region.coordinator
    for alert in alerts:
        back = region.back(alert.month)
        created = timezone.localdate(alert.created_at)
        moment = region.at(region.later(created, rng.randint(1, 5)), after=alert.created_at)
        draw = rng.random()
        case_manager = region.case_managers.get(alert.learner.municipality_id)
        if back >= 2:
            _triage(
                region,
                alert,
                actor=coordinator,
                moment=moment,
                status=AlertStatus.CLOSED,
                outcome=AlertOutcome.RECOVERED,
                assignee=coordinator,
                note=rng.choice(RECOVERED_NOTES),
            )
        elif back == 1 and draw < 0.12:
            _triage(
                region,
                alert,
                actor=coordinator,
                moment=moment,
                status=AlertStatus.CLOSED,
                outcome=AlertOutcome.RECOVERED,
                assignee=coordinator,
                note=rng.choice(RECOVERED_NOTES[:2]),
            )
        elif back == 1 and draw < 0.45:
            contact = case_manager or coordinator
            _triage(
                region,
                alert,
                actor=contact,
                moment=moment,
                status=AlertStatus.CONTACTED,
                assignee=contact,
                note=rng.choice(CONTACT_NOTES),
            )
        elif (back == 1 and draw < 0.8) or (back == 0 and draw < 0.3):
            _triage(
                region,
                alert,
                actor=coordinator,
                moment=moment,
                status=AlertStatus.IN_PROGRESS,
                assignee=coordinator,
                note=rng.choice(QUEUE_NOTES),
            )
        # else: still new


# ---------------------------------------------------------------------------------------------
# 6. Enforcement cases
# ---------------------------------------------------------------------------------------------


def _step_details(region: Region, case: EnforcementCase, step: str, index: int) -> dict:
    learner = case.learner
    provider = case.alert.provider.name if case.alert else "de taalaanbieder"
    if step == CaseStep.CONTACT:
        cause, outcome, support = CONTACTS[index % len(CONTACTS)]
        return {"outcome": outcome, "underlying_cause": cause, "support_offered": support}
    if step == CaseStep.THREE_WAY_TALK:
        return {
            "attendees": f"{learner.full_name}, klantmanager {case.case_manager.get_full_name() or 'gemeente'}, "
            f"docent van {provider}",
            "agreements": "Alle lessen volgen; bij ziekte vóór 9.00 uur afmelden bij de docent. Over vier weken "
            "evaluatie van de aanwezigheid.",
            "outcome": "Inburgeraar gaat akkoord met de afspraken.",
        }
    if step == CaseStep.PROCEDURE:
        return {
            "learner_view": "Zegt dat het werk voorgaat en dat de lessen te vroeg beginnen; wil wel het examen halen.",
            "outcome": "Voornemen tot boete van € 250,- wegens herhaald ongeoorloofd verzuim na driegesprek.",
        }
    return {}


def _cases(region: Region) -> int:
    rng = region.rng
    made = 0
    for index, plan in enumerate(CASES.get(region.tenant.slug, ())):
        learner_id = region.case_learners.get(plan.name)
        if learner_id is None:
            continue
        alerts = list(
            AbsenceAlert.objects.filter(learner_id=learner_id, tenant=region.tenant)
            .select_related("learner", "provider")
            .order_by("month")
        )
        if not alerts:
            continue
        first = alerts[0]
        case_manager = region.case_managers[first.learner.municipality_id]
        letter = WarningLetter.objects.filter(alert=first).first()
        start = letter.handed_out_on if letter and letter.handed_out_on else timezone.localdate(first.created_at)
        opened_on = region.later(start, rng.randint(1, 3))
        # The case first (on its own date); closing the alerts as passed on then finds it open.
        case = enforcement_case_open(actor=case_manager, learner=first.learner, alert=first, opened_on=opened_on)
        made += 1
        for alert in alerts:
            _triage(
                region,
                alert,
                actor=region.coordinator,
                moment=region.at(max(opened_on, timezone.localdate(alert.created_at)), after=alert.created_at),
                status=AlertStatus.CLOSED,
                outcome=AlertOutcome.ENFORCEMENT,
                assignee=case_manager,
                note="Doorgezet naar de klantmanager voor handhaving.",
            )
        day = opened_on
        for step in plan.steps:
            if step == CaseStep.THREE_WAY_TALK and len(alerts) > 1:
                day = max(day, timezone.localdate(alerts[1].created_at))  # the next month did not improve
            day = region.later(day, rng.randint(3, 8))
            if step == CaseStep.PROCEDURE and plan.asylum:
                enforcement_exceptional_ground_record(
                    actor=case_manager,
                    case=case,
                    ground=(
                        "Na waarschuwing, contact en driegesprek blijft de inburgeraar zonder reden weg "
                        "(ongeoorloofd verzuim in twee opeenvolgende maanden, vastgelegd door de taalaanbieder). "
                        "Hulp bij vervoer en een ander lesrooster zijn aangeboden en geweigerd. Aantoonbaar "
                        "aanhoudende onwil, besproken met de jurist van de gemeente."
                    ),
                )
            details = _step_details(region, case, step, index)
            if step == CaseStep.FINE:
                details = {
                    "fine_amount": Decimal("250.00"),
                    "culpability": Culpability.GROSS,
                    "reduction": Decimal("50.00"),
                    "decision_date": day,
                    "outcome": "Boete opgelegd; verlaagd wegens geringe draagkracht.",
                }
            enforcement_step_record(actor=case_manager, case=case, step=step, happened_on=day, **details)
        if plan.close:
            closed_on = region.later(day, rng.randint(2, 10))
            note = {
                CaseOutcome.RECOVERED: "Weer volledig aanwezig sinds het gesprek.",
                CaseOutcome.FINED: "Boete opgelegd; aanwezigheid blijft gevolgd.",
            }[plan.close]
            enforcement_case_close(actor=case_manager, case=case, outcome=plan.close, closed_on=closed_on, note=note)
    return made


# ---------------------------------------------------------------------------------------------
# The seeder
# ---------------------------------------------------------------------------------------------


def _seed_region(region: Region) -> tuple[int, float]:
    lessons = _lessons(region)
    _additions(region, lessons)
    _withdraw_by_upload(region)
    _classify(region)
    _withdraw_by_classification(region)
    # The rule for every month of the demo period (the uploads and classifications ran it already).
    for month in region.months:
        services.absence_alerts_detect(tenant=region.tenant, month=month)
    _date_alerts(region)
    made, seconds = _letters(region)
    _hand_out(region)
    _cases(region)
    _work_queue(region)
    return made, seconds


def _summary(tenants: list[Tenant], regions: list[Region], made: int, seconds: float) -> list[str]:
    ids = [t.pk for t in tenants]
    statuses = dict(
        AbsenceAlert.objects.filter(tenant_id__in=ids)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    classified = dict(
        AttendanceRecord.objects.filter(tenant_id__in=ids, status=LessonStatus.ABSENT)
        .exclude(classification="")
        .values("classification")
        .annotate(n=Count("pk"))
        .values_list("classification", "n")
    )
    steps = dict(
        EnforcementCase.objects.filter(tenant_id__in=ids)
        .values("current_step")
        .annotate(n=Count("pk"))
        .values_list("current_step", "n")
    )
    letters = WarningLetter.objects.filter(tenant_id__in=ids)
    per_status = " / ".join(f"{statuses.get(s, 0)} {s.replace('_', ' ')}" for s in AlertStatus.values)
    per_step = " / ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(steps.items()))
    return [
        f"{sum(classified.values())} verzuimen geclassificeerd ({classified.get(Classification.AUTHORIZED, 0)} "
        f"geoorloofd / {classified.get(Classification.UNAUTHORIZED, 0)} ongeoorloofd)",
        f"{sum(statuses.values())} verzuimsignalen ({per_status})",
        f"{letters.count()} waarschuwingsbrieven ({made} gemaakt in {seconds:.1f} s, "
        f"{letters.filter(handed_out_on__isnull=False).count()} uitgereikt)",
        f"{sum(steps.values())} handhavingszaken ({per_step})",
    ]


def seed_enforcement() -> list[str]:
    today = timezone.localdate()
    months = attendance_demo.demo_months(today)
    go_live = months[0]
    seeded: list[Tenant] = []
    regions: list[Region] = []
    made, seconds = 0, 0.0
    for index, tenant in enumerate(Tenant.objects.order_by("slug")):
        with scope([Grant(tenant_id=tenant.pk)]):
            if ClassificationEntry.objects.filter(tenant=tenant).exists():
                continue
            if not AttendanceRecord.objects.filter(tenant=tenant).exists():
                continue
            coordinator = _memberships(role=Role.ABSENCE_COORDINATOR, tenant=tenant).first()
            if coordinator is None:
                continue
            admin = _memberships(role=Role.TENANT_ADMIN, tenant=tenant).first()
            region = Region(
                tenant=tenant,
                today=today,
                now=timezone.now(),
                go_live=go_live,
                rng=random.Random(SEED + index),  # noqa: S311 - demo data, not security
                policy=region_policy(tenant.pk),
                admin=admin.user if admin else None,
                coordinator=coordinator.user,
                case_managers={
                    m.municipality_id: m.user
                    for m in reversed(_memberships(role=Role.CASE_MANAGER, tenant=tenant))
                    if m.municipality_id
                },
                staff={
                    m.provider_id: m.user
                    for m in reversed(_memberships(role=Role.PROVIDER_STAFF, provider__region_links__tenant=tenant))
                },
                months=months,
            )
            # Past actions: the in-app notifications are part of the demo, e-mails about them are not.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
                letters, took = _seed_region(region)
            made, seconds = made + letters, seconds + took
            seeded.append(tenant)
            regions.append(region)
    if not seeded:
        return []
    with scope([Grant(tenant_id=t.pk) for t in seeded]):
        return _summary(seeded, regions, made, seconds)
