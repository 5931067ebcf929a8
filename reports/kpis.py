"""Key figures of contracts over a quarter, against the contract's targets (guide 3, 3.1, 3.2).

``quarter_figures`` computes them for any number of contracts with a fixed number of queries (one
per subject, grouped by contract), so a dashboard over a whole region costs what one contract costs.
Only counts leave this module: no names, numbers or dates of learners (DOMAIN.md "Visibility").
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from attendance.models import AttendanceRecord, Classification, LessonStatus, ReportedReason, TrajectoryAttendanceMonth
from contracts.models import Contract, Route
from enforcement.models import AbsenceAlert, AlertStatus, CaseStep, EnforcementCase, EnforcementStep, WarningLetter
from learning_routes.models import EndReason, ExamResult, Level, Skill, Trajectory, TrajectoryStatus
from progress.models import Checkpoint, LevelChangeRequest, RequestStatus
from reports.periods import Quarter

HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
SKILLS = tuple(Skill.values)
B1_OR_HIGHER = (Level.B1, Level.B2)
# Age segments of guide 4.5 (Nijmegen: under 27 and 27+); the boundary is the contract model's.
AGE_BOUNDARY = 27
# Ends that are an outflow to work or education (KPI "outflow"); a route switch is no end of the route.
OUTFLOW_REASONS = (EndReason.WORK, EndReason.EDUCATION)
FUNNEL_STEPS = (CaseStep.CONTACT, CaseStep.THREE_WAY_TALK, CaseStep.PROCEDURE, CaseStep.FINE)


class RagStatus:
    GREEN = "groen"
    AMBER = "oranje"
    RED = "rood"
    NO_TARGET = "geen_doel"
    NO_DATA = "geen_gegevens"

    LABELS = {
        GREEN: "op koers",
        AMBER: "let op",
        RED: "onder doel",
        NO_TARGET: "geen doel afgesproken",
        NO_DATA: "geen gegevens",
    }


def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole as a percentage with one decimal, None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def rag_status(value: Decimal | None, target: Decimal | None, margin: Decimal) -> str:
    """Green at or above target, amber within ``margin`` points below it, red further below."""
    if target is None:
        return RagStatus.NO_TARGET
    if value is None:
        return RagStatus.NO_DATA
    if value >= target:
        return RagStatus.GREEN
    if value >= target - margin:
        return RagStatus.AMBER
    return RagStatus.RED


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: Decimal | None  # a percentage 0–100
    target: Decimal | None
    status: str
    detail: str  # what the percentage is made of, e.g. "412 van 480 uur"

    @property
    def status_label(self) -> str:
        return RagStatus.LABELS[self.status]

    def as_json(self) -> dict:
        return {
            "sleutel": self.key,
            "omschrijving": self.label,
            "waarde": None if self.value is None else str(self.value),
            "doel": None if self.target is None else str(self.target),
            "status": self.status,
            "toelichting": self.detail,
        }


@dataclass
class MonthAttendance:
    month: date
    offered_minutes: int = 0
    attended_minutes: int = 0
    absent_minutes: int = 0
    absences: int = 0

    @property
    def rate(self) -> Decimal | None:
        return share(self.attended_minutes, self.offered_minutes)


@dataclass
class ContractQuarterFigures:
    """Counts for one contract (or a sum of contracts) over one quarter."""

    contract: Contract | None
    quarter: Quarter
    months: list[MonthAttendance] = field(default_factory=list)
    absences_by_classification: Counter = field(default_factory=Counter)  # geoorloofd/ongeoorloofd/"" → lessons
    absences_by_reason: Counter = field(default_factory=Counter)  # reported reason ("" = none) → lessons
    alerts_by_status: Counter = field(default_factory=Counter)
    letters_made: int = 0
    letters_handed_out: int = 0
    cases_opened: int = 0
    case_steps: Counter = field(default_factory=Counter)  # step → cases that reached it (not skipped)
    checkpoints_due: int = 0
    checkpoints_on_time: int = 0
    checkpoints_late: int = 0
    checkpoints_pending: int = 0
    turnaround_days: list[int] = field(default_factory=list)
    decisions: int = 0
    decisions_within_deadline: int = 0
    exams_taken: int = 0
    exams_passed: int = 0
    b1_cohort: int = 0
    b1_per_skill: Counter = field(default_factory=Counter)
    b1_all_skills: int = 0
    ended_by_reason: Counter = field(default_factory=Counter)
    learners_by_route: Counter = field(default_factory=Counter)
    learners_by_status: Counter = field(default_factory=Counter)
    learners_by_age: Counter = field(default_factory=Counter)

    # --- derived ---------------------------------------------------------------------------------

    @property
    def offered_minutes(self) -> int:
        return sum(month.offered_minutes for month in self.months)

    @property
    def attended_minutes(self) -> int:
        return sum(month.attended_minutes for month in self.months)

    @property
    def attendance_rate(self) -> Decimal | None:
        return share(self.attended_minutes, self.offered_minutes)

    @property
    def absences(self) -> int:
        return sum(self.absences_by_classification.values())

    @property
    def alerts(self) -> int:
        return sum(self.alerts_by_status.values())

    @property
    def funnel(self) -> list[tuple[str, int]]:
        """The enforcement funnel as counts (DOMAIN.md: reports show it as counts only)."""
        steps = [
            ("Verzuimsignalen", self.alerts - self.alerts_by_status.get(AlertStatus.WITHDRAWN, 0)),
            ("Waarschuwingsbrief gemaakt", self.letters_made),
            ("Brief uitgereikt", self.letters_handed_out),
            ("Handhavingszaak geopend", self.cases_opened),
        ]
        labels = {
            CaseStep.CONTACT: "Contact klantmanager",
            CaseStep.THREE_WAY_TALK: "Driegesprek",
            CaseStep.PROCEDURE: "Handhavingsprocedure",
            CaseStep.FINE: "Boete",
        }
        steps.extend((labels[step], self.case_steps.get(step, 0)) for step in FUNNEL_STEPS)
        return steps

    @property
    def checkpoints_share_on_time(self) -> Decimal | None:
        return share(self.checkpoints_on_time, self.checkpoints_on_time + self.checkpoints_late)

    @property
    def turnaround_median(self) -> Decimal | None:
        if not self.turnaround_days:
            return None
        return Decimal(str(statistics.median(self.turnaround_days))).quantize(TENTH)

    @property
    def turnaround_p90(self) -> int | None:
        """Nearest rank: the smallest value with at least 90% of the values at or below it."""
        if not self.turnaround_days:
            return None
        ordered = sorted(self.turnaround_days)
        rank = -(-len(ordered) * 9 // 10)
        return ordered[max(rank, 1) - 1]

    @property
    def decisions_share_within_deadline(self) -> Decimal | None:
        return share(self.decisions_within_deadline, self.decisions)

    @property
    def exam_pass_rate(self) -> Decimal | None:
        return share(self.exams_passed, self.exams_taken)

    @property
    def b1_all_skills_share(self) -> Decimal | None:
        return share(self.b1_all_skills, self.b1_cohort)

    def b1_skill_share(self, skill: str) -> Decimal | None:
        return share(self.b1_per_skill.get(skill, 0), self.b1_cohort)

    @property
    def ended(self) -> int:
        return sum(count for reason, count in self.ended_by_reason.items() if reason != EndReason.ROUTE_SWITCH)

    @property
    def outflow(self) -> int:
        return sum(self.ended_by_reason.get(reason, 0) for reason in OUTFLOW_REASONS)

    @property
    def outflow_share(self) -> Decimal | None:
        return share(self.outflow, self.ended)

    @property
    def learners(self) -> int:
        return sum(self.learners_by_route.values())

    # --- against the contract's targets ------------------------------------------------------------

    @property
    def kpis(self) -> list[Kpi]:
        contract = self.contract
        margin = contract.kpi_amber_margin_points if contract is not None else Decimal(0)

        def kpi(key: str, label: str, value: Decimal | None, target_field: str, detail: str) -> Kpi:
            target = getattr(contract, target_field) if contract is not None else None
            return Kpi(key, label, value, target, rag_status(value, target, margin), detail)

        on_time_base = self.checkpoints_on_time + self.checkpoints_late
        return [
            kpi(
                "aanwezigheid",
                "Aanwezigheid (gevolgd / gepland)",
                self.attendance_rate,
                "kpi_attendance_percentage",
                f"{hours(self.attended_minutes)} van {hours(self.offered_minutes)} uur",
            ),
            kpi(
                "evaluatiemomenten_op_tijd",
                "Evaluatiemomenten op tijd beoordeeld",
                self.checkpoints_share_on_time,
                "kpi_checkpoints_on_time_percentage",
                f"{self.checkpoints_on_time} van {on_time_base}",
            ),
            kpi(
                "besluiten_binnen_termijn",
                "Besluiten niveauwijziging binnen termijn",
                self.decisions_share_within_deadline,
                "kpi_decisions_on_time_percentage",
                f"{self.decisions_within_deadline} van {self.decisions}",
            ),
            kpi(
                "examens_behaald",
                "Examenonderdelen behaald",
                self.exam_pass_rate,
                "kpi_exam_pass_percentage",
                f"{self.exams_passed} van {self.exams_taken}",
            ),
            kpi(
                "b1_alle_vaardigheden",
                "B1 op alle vier vaardigheden (B1-route)",
                self.b1_all_skills_share,
                "kpi_b1_all_skills_percentage",
                f"{self.b1_all_skills} van {self.b1_cohort}",
            ),
            kpi(
                "uitstroom_werk_onderwijs",
                "Uitstroom naar werk of onderwijs",
                self.outflow_share,
                "kpi_outflow_percentage",
                f"{self.outflow} van {self.ended} beëindigde trajecten",
            ),
        ]

    def kpis_json(self) -> list[dict]:
        return [item.as_json() for item in self.kpis]


def hours(minutes: int) -> str:
    """Whole clock hours with a thousands dot: 123456 minutes → '2.058'."""
    value = (Decimal(minutes) / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{int(value):,}".replace(",", ".")


def _aware_bounds(quarter: Quarter) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(quarter.start, time.min, tzinfo=zone)
    end = datetime.combine(quarter.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def quarter_figures(
    contracts: list[Contract], quarter: Quarter, *, today: date | None = None
) -> dict[int, ContractQuarterFigures]:
    """Figures per contract id for the quarter: eleven queries whatever the number of contracts or learners."""
    today = today or timezone.localdate()
    ids = [contract.pk for contract in contracts]
    figures = {
        contract.pk: ContractQuarterFigures(
            contract=contract, quarter=quarter, months=[MonthAttendance(month) for month in quarter.months]
        )
        for contract in contracts
    }
    if not ids:
        return figures
    month_index = {month: index for index, month in enumerate(quarter.months)}

    # 1. Hours per month, from the rollup.
    rollup = (
        TrajectoryAttendanceMonth.objects.filter(trajectory__contract_id__in=ids, month__in=quarter.months)
        .values("trajectory__contract_id", "month")
        .annotate(
            offered=Sum("offered_minutes"),
            attended=Sum("attended_minutes"),
            absent=Sum("absent_minutes"),
            absences=Sum("absences"),
        )
    )
    for row in rollup:
        month = figures[row["trajectory__contract_id"]].months[month_index[row["month"]]]
        month.offered_minutes = row["offered"] or 0
        month.attended_minutes = row["attended"] or 0
        month.absent_minutes = row["absent"] or 0
        month.absences = row["absences"] or 0

    # 2. Absences by classification and reported reason.
    absences = (
        AttendanceRecord.objects.filter(
            trajectory__contract_id__in=ids,
            status=LessonStatus.ABSENT,
            lesson_date__gte=quarter.start,
            lesson_date__lte=quarter.end,
        )
        .values("trajectory__contract_id", "classification", "reason")
        .annotate(lessons=Count("pk"))
    )
    for row in absences:
        item = figures[row["trajectory__contract_id"]]
        item.absences_by_classification[row["classification"]] += row["lessons"]
        item.absences_by_reason[row["reason"]] += row["lessons"]

    # 3–5. Alerts of the quarter's months, their letters, and the cases they led to.
    alerts = (
        AbsenceAlert.objects.filter(contract_id__in=ids, month__in=quarter.months)
        .values("contract_id", "status")
        .annotate(count=Count("pk"))
    )
    for row in alerts:
        figures[row["contract_id"]].alerts_by_status[row["status"]] = row["count"]
    letters = (
        WarningLetter.objects.filter(alert__contract_id__in=ids, alert__month__in=quarter.months)
        .values("alert__contract_id")
        .annotate(
            made=Count("pk", filter=Q(generated_at__isnull=False)),
            handed=Count("pk", filter=Q(handed_out_on__isnull=False)),
        )
    )
    for row in letters:
        figures[row["alert__contract_id"]].letters_made = row["made"]
        figures[row["alert__contract_id"]].letters_handed_out = row["handed"]
    cases = (
        EnforcementCase.objects.filter(alert__contract_id__in=ids, alert__month__in=quarter.months)
        .values("alert__contract_id")
        .annotate(count=Count("pk"))
    )
    for row in cases:
        figures[row["alert__contract_id"]].cases_opened = row["count"]
    steps = (
        EnforcementStep.objects.filter(
            case__alert__contract_id__in=ids, case__alert__month__in=quarter.months, skipped=False
        )
        .values("case__alert__contract_id", "step")
        .annotate(cases=Count("case_id", distinct=True))
    )
    for row in steps:
        figures[row["case__alert__contract_id"]].case_steps[row["step"]] = row["cases"]

    # 6. Checkpoints due in the quarter: on time, late, or not yet due.
    checkpoints = Checkpoint.objects.filter(
        trajectory__contract_id__in=ids, due_date__gte=quarter.start, due_date__lte=quarter.end
    ).values_list("trajectory__contract_id", "submitted_at", "due_date")
    for contract_id, submitted_at, due in checkpoints:
        item = figures[contract_id]
        item.checkpoints_due += 1
        if submitted_at is not None:
            if timezone.localtime(submitted_at).date() <= due:
                item.checkpoints_on_time += 1
            else:
                item.checkpoints_late += 1
        elif due < today:
            item.checkpoints_late += 1
        else:
            item.checkpoints_pending += 1

    # 7. Decisions on level-change requests taken in the quarter.
    start, end = _aware_bounds(quarter)
    decisions = (
        LevelChangeRequest.objects.filter(trajectory__contract_id__in=ids, decided_at__gte=start, decided_at__lt=end)
        .exclude(status=RequestStatus.SUBMITTED)
        .values_list("trajectory__contract_id", "turnaround_working_days", "decided_at", "due_date")
    )
    for contract_id, turnaround, decided_at, due in decisions:
        item = figures[contract_id]
        item.decisions += 1
        if turnaround is not None:
            item.turnaround_days.append(turnaround)
        if timezone.localtime(decided_at).date() <= due:
            item.decisions_within_deadline += 1

    # 8. Exams taken in the quarter.
    exams = (
        ExamResult.objects.filter(
            trajectory__contract_id__in=ids, exam_date__gte=quarter.start, exam_date__lte=quarter.end
        )
        .values("trajectory__contract_id")
        .annotate(taken=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
    )
    for row in exams:
        figures[row["trajectory__contract_id"]].exams_taken = row["taken"]
        figures[row["trajectory__contract_id"]].exams_passed = row["passed"]

    # 9. Trajectories open at some time in the quarter: learners by route, status, age; ends.
    open_in_quarter = Trajectory.objects.filter(contract_id__in=ids, start_date__lte=quarter.end).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=quarter.start)
    )
    b1_cohort: dict[int, set[int]] = defaultdict(set)
    rows = open_in_quarter.values_list(
        "contract_id", "learner_id", "route", "status", "end_date", "end_reason", "learner__date_of_birth"
    ).order_by("contract_id", "learner_id", "start_date")
    last_per_learner: dict[tuple[int, int], tuple] = {}
    for row in rows:
        last_per_learner[row[0], row[1]] = row
        contract_id, learner_id, route, _status, end_date, end_reason, _born = row
        if end_date is not None and quarter.contains(end_date):
            figures[contract_id].ended_by_reason[end_reason or EndReason.OTHER] += 1
        if route == Route.B1:
            b1_cohort[contract_id].add(learner_id)
    for (contract_id, _learner_id), row in last_per_learner.items():
        _c, _l, route, status, end_date, _reason, born = row
        item = figures[contract_id]
        item.learners_by_route[route] += 1
        if end_date is not None and end_date > quarter.end:
            status = TrajectoryStatus.ACTIVE  # ended after the quarter: it was running at its end
        item.learners_by_status[status] += 1
        age = quarter.end.year - born.year - ((quarter.end.month, quarter.end.day) < (born.month, born.day))
        item.learners_by_age["onder_27" if age < AGE_BOUNDARY else "27_en_ouder"] += 1

    # 10. B1 reached per skill by the end of the quarter, for the B1-route learners of each contract.
    cohort_learners = open_in_quarter.filter(route=Route.B1).values("learner_id")
    reached = (
        ExamResult.objects.filter(
            trajectory__learner_id__in=cohort_learners,
            passed=True,
            level__in=B1_OR_HIGHER,
            component__in=SKILLS,
            exam_date__lte=quarter.end,
        )
        .values_list("trajectory__learner_id", "component")
        .distinct()
    )
    skills_of: dict[int, set[str]] = defaultdict(set)
    for learner_id, skill in reached:
        skills_of[learner_id].add(skill)
    for contract_id, learners in b1_cohort.items():
        item = figures[contract_id]
        item.b1_cohort = len(learners)
        for learner_id in learners:
            skills = skills_of.get(learner_id, set())
            for skill in skills:
                item.b1_per_skill[skill] += 1
            if len(skills) == len(SKILLS):
                item.b1_all_skills += 1
    return figures


def combined_figures(parts: list[ContractQuarterFigures], quarter: Quarter) -> ContractQuarterFigures:
    """The sum of several contracts' counts (a region or a provider), without targets."""
    total = ContractQuarterFigures(contract=None, quarter=quarter, months=[MonthAttendance(m) for m in quarter.months])
    for part in parts:
        for mine, theirs in zip(total.months, part.months, strict=True):
            mine.offered_minutes += theirs.offered_minutes
            mine.attended_minutes += theirs.attended_minutes
            mine.absent_minutes += theirs.absent_minutes
            mine.absences += theirs.absences
        for name in (
            "absences_by_classification",
            "absences_by_reason",
            "alerts_by_status",
            "case_steps",
            "b1_per_skill",
            "ended_by_reason",
            "learners_by_route",
            "learners_by_status",
            "learners_by_age",
        ):
            getattr(total, name).update(getattr(part, name))
        for name in (
            "letters_made",
            "letters_handed_out",
            "cases_opened",
            "checkpoints_due",
            "checkpoints_on_time",
            "checkpoints_late",
            "checkpoints_pending",
            "decisions",
            "decisions_within_deadline",
            "exams_taken",
            "exams_passed",
            "b1_cohort",
            "b1_all_skills",
        ):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.turnaround_days.extend(part.turnaround_days)
    return total


# Dutch labels for the breakdowns (reports are Dutch in every locale).
CLASSIFICATION_LABELS = {
    Classification.AUTHORIZED: "geoorloofd",
    Classification.UNAUTHORIZED: "ongeoorloofd",
    "": "nog niet beoordeeld",
}
REASON_LABELS = {
    ReportedReason.ILL: "ziek",
    ReportedReason.MEDICAL: "medische afspraak",
    ReportedReason.CHILDCARE: "kinderopvang",
    ReportedReason.INFORMAL_CARE: "mantelzorg",
    ReportedReason.WORK: "werk",
    ReportedReason.OTHER: "anders",
    "": "geen reden gemeld",
}
END_REASON_LABELS = {
    EndReason.PASSED: "behaald",
    EndReason.WORK: "werk",
    EndReason.EDUCATION: "onderwijs",
    EndReason.MOVED: "verhuisd",
    EndReason.ROUTE_SWITCH: "routewissel",
    EndReason.OTHER: "anders",
}
ROUTE_LABELS = {Route.B1: "B1-route", Route.Z: "Z-route", Route.EDUCATION: "onderwijsroute"}
STATUS_LABELS = {
    TrajectoryStatus.STARTKLAS: "startklas",
    TrajectoryStatus.ACTIVE: "actief",
    TrajectoryStatus.DOWNSCALED: "afgeschaald",
    TrajectoryStatus.COMPLETED: "afgerond",
    TrajectoryStatus.STOPPED: "gestopt",
}
AGE_LABELS = {"onder_27": "jonger dan 27", "27_en_ouder": "27 jaar en ouder"}
SKILL_LABELS = {
    Skill.READING: "lezen",
    Skill.LISTENING: "luisteren",
    Skill.WRITING: "schrijven",
    Skill.SPEAKING: "spreken",
}
ALERT_STATUS_LABELS = {
    AlertStatus.NEW: "nieuw",
    AlertStatus.IN_PROGRESS: "in behandeling",
    AlertStatus.CONTACTED: "contact opgenomen",
    AlertStatus.WITHDRAWN: "vervallen",
    AlertStatus.CLOSED: "afgesloten",
}
