"""Settlement of a contract over a period, every line explained (DOMAIN.md "Money"; guide 3.1, 3.2, 4.3).

The engine loads a contract's facts for a period once (``settlement_facts``) and prices them with a
set of ``Rates`` (``settlement_compute``): the settlement uses the contract's own rates, the what-if
simulator the same facts under other rates. Amounts are exact ``Decimal``; each line is rounded to
cents (half up) and totals are sums of lines, so a printed settlement adds up.

Periods are whole calendar months (a month, a quarter, or a run of months): hours come from the
monthly attendance rollup.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min

from attendance.models import TrajectoryAttendanceMonth
from contracts.models import Contract, Route
from learning_routes.models import EndReason, ExamResult, Level, Skill, Trajectory
from progress.models import HoursExtension
from reports.periods import Period, month_start

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MINUTES_PER_HOUR = Decimal(60)
ZERO = Decimal(0)
SKILLS = tuple(Skill.values)
# The level steps with a bonus and the rate that pays each (guide 4.3: A1→A2→B1→B2).
LEVEL_STEPS = (
    (Level.A2, "bonus_a1_a2", "A1 → A2"),
    (Level.B1, "bonus_a2_b1", "A2 → B1"),
    (Level.B2, "bonus_b1_b2", "B1 → B2"),
)
LEVEL_RANK = {level: index for index, level in enumerate(Level.values)}
ROUTE_LABELS = {Route.B1: "B1-route", Route.Z: "Z-route", Route.EDUCATION: "onderwijsroute"}


class LineKind:
    FIXED = "vast_bedrag"
    HOURLY = "uren"
    RESULT = "resultaat"
    BONUS = "niveaustap"
    EXTENSION = "verlenging"

    ORDER = (FIXED, HOURLY, EXTENSION, RESULT, BONUS)
    LABELS = {
        FIXED: "Vast bedrag per inburgeraar",
        HOURLY: "Lesuren (gevolgd + afwezig binnen de afwezigheidsruimte)",
        EXTENSION: "Verlengingsuren (aandeel gemeente)",
        RESULT: "Resultaatvergoeding (traject behaald)",
        BONUS: "Bonus per niveaustap",
    }


# The rules as printed beside a settlement (in the report, the exports and on the page).
RULES = (
    ("vast_bedrag", "Vast bedrag: per inburgeraar één keer per contract, in de periode waarin zijn eerste traject "
     "onder dit contract begon."),
    ("uren", "Uurtarief: per traject per periode (gevolgde minuten + afwezige minuten binnen de afwezigheidsruimte) "
     "÷ 60 × uurtarief. De afwezigheidsruimte is het afgesproken percentage van de geplande minuten van lessen die "
     "niet vervallen zijn; alle afwezigheid telt mee, geoorloofd of niet."),
    ("verlenging", "Verlenging: uren boven het maximum van het contract (aangeboden uren) binnen een toegekende "
     "verlenging worden betaald tegen uurtarief × het aandeel van de gemeente. Uren boven het maximum zonder "
     "verlenging worden niet betaald."),
    ("resultaat", "Resultaatvergoeding: per traject dat in de periode eindigt met reden 'behaald'."),
    ("niveaustap", "Bonus per niveaustap: een stap (A1 → A2, A2 → B1, B1 → B2) telt op de dag dat alle vier "
     "vaardigheden (lezen, luisteren, schrijven, spreken) op het hogere niveau of hoger zijn behaald, één keer per "
     "inburgeraar, voor het contract waaronder het laatste van die examens is gedaan. Wie in één keer een hoger "
     "niveau haalt, maakt ook de tussenliggende stappen."),
)  # fmt: skip


def euros(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def hours_of(minutes: Decimal | int) -> Decimal:
    return (Decimal(minutes) / MINUTES_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rates:
    fixed_fee_per_learner: Decimal = ZERO
    hourly_rate: Decimal = ZERO
    result_fee: Decimal = ZERO
    bonus_a1_a2: Decimal = ZERO
    bonus_a2_b1: Decimal = ZERO
    bonus_b1_b2: Decimal = ZERO
    absence_allowance_percentage: Decimal = ZERO
    # None: each granted extension's own municipality share (set at the grant, guide 3.2).
    extension_share_percentage: Decimal | None = None

    @classmethod
    def from_contract(cls, contract: Contract) -> Rates:
        return cls(
            fixed_fee_per_learner=contract.fixed_fee_per_learner,
            hourly_rate=contract.hourly_rate,
            result_fee=contract.result_fee,
            bonus_a1_a2=contract.bonus_a1_a2,
            bonus_a2_b1=contract.bonus_a2_b1,
            bonus_b1_b2=contract.bonus_b1_b2,
            absence_allowance_percentage=contract.absence_allowance_percentage,
        )

    def only(self, names: set[str]) -> Rates:
        """These rates, with every rate not named set to zero (a financing model is a preset)."""
        # The extension share is kept: it only prices hours, so without an hourly rate it pays nothing.
        kept = set(names) | {"extension_share_percentage"}
        return replace(self, **{name: ZERO for name in self.__dataclass_fields__ if name not in kept})


# --- The facts ------------------------------------------------------------------------------------


@dataclass
class TrajectoryFacts:
    pk: int
    learner_id: int
    learner_number: str
    route: str
    start_date: date
    end_date: date | None
    end_reason: str
    offered_minutes: int = 0  # in the period
    attended_minutes: int = 0
    absent_minutes: int = 0


@dataclass
class ExtensionFacts:
    learner_id: int
    granted_on: date
    minutes: int
    share_percentage: Decimal


@dataclass
class LearnerFacts:
    learner_id: int
    learner_number: str
    first_start: date
    maximum_minutes: int | None  # the contract's maximum for the learner's latest route here
    offered_before: int = 0  # on this contract, before the period
    offered_in_period: int = 0
    extensions: list[ExtensionFacts] = field(default_factory=list)


@dataclass(frozen=True)
class LevelStep:
    learner_id: int
    learner_number: str
    level: str
    reached_on: date


@dataclass
class SettlementFacts:
    contract: Contract
    period: Period
    trajectories: list[TrajectoryFacts]
    learners: dict[int, LearnerFacts]
    level_steps: list[LevelStep]


def settlement_facts(contract: Contract, period: Period) -> SettlementFacts:
    """Everything the money depends on, for one contract and period: four queries."""
    first_month = month_start(period.start)
    trajectories: dict[int, TrajectoryFacts] = {}
    learners: dict[int, LearnerFacts] = {}
    rows = (
        Trajectory.objects.filter(contract_id=contract.pk)
        .order_by("start_date", "pk")
        .values_list("pk", "learner_id", "learner__learner_number", "route", "start_date", "end_date", "end_reason")
    )
    for pk, learner_id, number, route, start, end, reason in rows:
        trajectories[pk] = TrajectoryFacts(pk, learner_id, number, route, start, end, reason)
        maximum = contract.max_hours_for(route)
        known = learners.get(learner_id)
        if known is None:
            learners[learner_id] = LearnerFacts(
                learner_id, number, start, maximum * 60 if maximum is not None else None
            )
        else:  # a later trajectory under the same contract: its route's maximum applies
            known.maximum_minutes = maximum * 60 if maximum is not None else None

    months = TrajectoryAttendanceMonth.objects.filter(
        trajectory__contract_id=contract.pk, month__lte=period.end
    ).values_list("trajectory_id", "month", "offered_minutes", "attended_minutes", "absent_minutes")
    for trajectory_id, month, offered, attended, absent in months:
        facts = trajectories.get(trajectory_id)
        if facts is None:
            continue
        learner = learners[facts.learner_id]
        if month < first_month:
            learner.offered_before += offered
            continue
        facts.offered_minutes += offered
        facts.attended_minutes += attended
        facts.absent_minutes += absent
        learner.offered_in_period += offered

    extensions = (
        HoursExtension.objects.filter(trajectory__contract_id=contract.pk, granted_on__lte=period.end)
        .order_by("granted_on", "pk")
        .values_list("trajectory__learner_id", "granted_on", "extra_hours", "municipality_share_percentage")
    )
    for learner_id, granted_on, extra_hours, share in extensions:
        if learner_id in learners:
            learners[learner_id].extensions.append(ExtensionFacts(learner_id, granted_on, extra_hours * 60, share))

    return SettlementFacts(contract, period, list(trajectories.values()), learners, _level_steps(contract, period))


def _level_steps(contract: Contract, period: Period) -> list[LevelStep]:
    """The level steps credited to this contract in the period (see RULES, 'niveaustap')."""
    learner_ids = Trajectory.objects.filter(contract_id=contract.pk).values("learner_id")
    # Per learner, skill and level: the first pass, and under which contract it was taken.
    passes = (
        ExamResult.objects.filter(
            trajectory__learner_id__in=learner_ids, passed=True, component__in=SKILLS, level__in=Level.values
        )
        .values("trajectory__learner_id", "trajectory__learner__learner_number", "component", "level")
        .annotate(first=Min("exam_date"))
    )
    first_pass: dict[int, dict[tuple[str, str], date]] = defaultdict(dict)
    numbers: dict[int, str] = {}
    for row in passes:
        learner_id = row["trajectory__learner_id"]
        numbers[learner_id] = row["trajectory__learner__learner_number"]
        first_pass[learner_id][row["component"], row["level"]] = row["first"]
    candidates: list[tuple[int, str, date]] = []
    for learner_id, firsts in first_pass.items():
        for level, _rate, _label in LEVEL_STEPS:
            reached = []
            for skill in SKILLS:
                days = [day for (s, lvl), day in firsts.items() if s == skill and LEVEL_RANK[lvl] >= LEVEL_RANK[level]]
                if not days:
                    break
                reached.append(min(days))
            else:
                day = max(reached)
                if period.contains(day):
                    candidates.append((learner_id, level, day))
    if not candidates:
        return []
    # The contract of the exam that completed the step: the learner's exam on that day, on this contract.
    credited = set(
        ExamResult.objects.filter(
            trajectory__contract_id=contract.pk,
            trajectory__learner_id__in={learner_id for learner_id, _level, _day in candidates},
            passed=True,
            exam_date__gte=period.start,
            exam_date__lte=period.end,
        ).values_list("trajectory__learner_id", "exam_date")
    )
    return [
        LevelStep(learner_id, numbers[learner_id], level, day)
        for learner_id, level, day in sorted(candidates, key=lambda item: (item[2], numbers[item[0]], item[1]))
        if (learner_id, day) in credited
    ]


# --- Pricing --------------------------------------------------------------------------------------


@dataclass
class SettlementLine:
    kind: str
    learner_number: str
    route: str
    due_on: date | None
    quantity: Decimal  # hours, or 1 for a fee
    unit: str
    rate: Decimal
    amount: Decimal
    explanation: str

    @property
    def kind_label(self) -> str:
        return LineKind.LABELS[self.kind]


@dataclass
class SettlementTotal:
    kind: str
    label: str
    count: int
    quantity: Decimal
    amount: Decimal


@dataclass
class Settlement:
    contract: Contract
    period: Period
    rates: Rates
    lines: list[SettlementLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def totals(self) -> list[SettlementTotal]:
        """One row per kind of line, in a fixed order, kinds without lines left out."""
        result = []
        for kind in LineKind.ORDER:
            lines = [line for line in self.lines if line.kind == kind]
            if lines:
                result.append(
                    SettlementTotal(
                        kind,
                        LineKind.LABELS[kind],
                        len(lines),
                        sum((line.quantity for line in lines), ZERO),
                        sum((line.amount for line in lines), ZERO),
                    )
                )
        return result

    @property
    def learner_count(self) -> int:
        return len({line.learner_number for line in self.lines})

    @property
    def rules(self) -> list[str]:
        kinds = {line.kind for line in self.lines}
        return [text for kind, text in RULES if kind in kinds]


def _dutch_hours(minutes: Decimal | int) -> str:
    return f"{hours_of(minutes):.2f}".replace(".", ",")


def _dutch_amount(amount: Decimal) -> str:
    return f"€ {euros(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _percentage(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",") + "%"


def _beyond_maximum(learner: LearnerFacts, rates: Rates) -> tuple[int, list[tuple[int, Decimal]]]:
    """Offered minutes in the period above the contract maximum: (beyond, [(minutes, share)] covered).

    The extensions cover the minutes above the maximum in the order they were granted."""
    if learner.maximum_minutes is None:
        return 0, []
    maximum = learner.maximum_minutes
    before, after = learner.offered_before, learner.offered_before + learner.offered_in_period
    beyond = max(0, after - maximum) - max(0, before - maximum)
    covered: list[tuple[int, Decimal]] = []
    floor = maximum
    for extension in learner.extensions:
        ceiling = floor + extension.minutes
        minutes = max(0, min(after, ceiling) - max(before, floor))
        if minutes:
            share = (
                extension.share_percentage
                if rates.extension_share_percentage is None
                else rates.extension_share_percentage
            )
            covered.append((minutes, share))
        floor = ceiling
    return beyond, covered


def settlement_compute(facts: SettlementFacts, rates: Rates) -> Settlement:
    lines: list[SettlementLine] = []
    period = facts.period
    if rates.fixed_fee_per_learner:
        for learner in sorted(facts.learners.values(), key=lambda item: (item.first_start, item.learner_number)):
            if period.contains(learner.first_start):
                lines.append(
                    SettlementLine(
                        LineKind.FIXED,
                        learner.learner_number,
                        "",
                        learner.first_start,
                        Decimal(1),
                        "inburgeraar",
                        rates.fixed_fee_per_learner,
                        euros(rates.fixed_fee_per_learner),
                        f"Eerste traject onder dit contract gestart op {learner.first_start:%d-%m-%Y}.",
                    )
                )
    if rates.hourly_rate:
        lines.extend(_hourly_lines(facts, rates))
    if rates.result_fee:
        for trajectory in facts.trajectories:
            if trajectory.end_reason == EndReason.PASSED and period.contains(trajectory.end_date):
                lines.append(
                    SettlementLine(
                        LineKind.RESULT,
                        trajectory.learner_number,
                        trajectory.route,
                        trajectory.end_date,
                        Decimal(1),
                        "traject",
                        rates.result_fee,
                        euros(rates.result_fee),
                        f"{ROUTE_LABELS.get(trajectory.route, trajectory.route)} beëindigd op "
                        f"{trajectory.end_date:%d-%m-%Y} met reden 'behaald'.",
                    )
                )
    bonus_rates = {level: (getattr(rates, rate_name), label) for level, rate_name, label in LEVEL_STEPS}
    for step in facts.level_steps:
        rate, label = bonus_rates[step.level]
        if rate:
            lines.append(
                SettlementLine(
                    LineKind.BONUS,
                    step.learner_number,
                    "",
                    step.reached_on,
                    Decimal(1),
                    "niveaustap",
                    rate,
                    euros(rate),
                    f"Niveaustap {label}: alle vier vaardigheden op {step.level} of hoger behaald "
                    f"op {step.reached_on:%d-%m-%Y}.",
                )
            )
    lines.sort(key=lambda line: (LineKind.ORDER.index(line.kind), line.learner_number, line.due_on or period.start))
    return Settlement(facts.contract, period, rates, lines)


def _hourly_lines(facts: SettlementFacts, rates: Rates) -> list[SettlementLine]:
    lines: list[SettlementLine] = []
    by_learner: dict[int, list[TrajectoryFacts]] = defaultdict(list)
    for trajectory in facts.trajectories:
        if trajectory.offered_minutes or trajectory.attended_minutes or trajectory.absent_minutes:
            by_learner[trajectory.learner_id].append(trajectory)
    for learner_id, trajectories in by_learner.items():
        learner = facts.learners[learner_id]
        beyond, covered = _beyond_maximum(learner, rates)
        # Minutes above the maximum come off the latest trajectories first (they were offered last).
        remaining_beyond = Decimal(beyond)
        for trajectory in sorted(trajectories, key=lambda item: (item.start_date, item.pk), reverse=True):
            allowance = Decimal(trajectory.offered_minutes) * rates.absence_allowance_percentage / HUNDRED
            paid_absent = min(Decimal(trajectory.absent_minutes), allowance)
            payable = Decimal(trajectory.attended_minutes) + paid_absent
            above = min(payable, Decimal(remaining_beyond))
            remaining_beyond -= above
            payable_here = payable - above
            explanation = (
                f"{ROUTE_LABELS.get(trajectory.route, trajectory.route)}: gevolgd "
                f"{_dutch_hours(trajectory.attended_minutes)} uur, afwezig {_dutch_hours(trajectory.absent_minutes)} "
                f"uur, afwezigheidsruimte {_percentage(rates.absence_allowance_percentage)} van "
                f"{_dutch_hours(trajectory.offered_minutes)} aangeboden uur = {_dutch_hours(allowance)} uur, "
                f"betaald afwezig {_dutch_hours(paid_absent)} uur."
            )
            if above:
                explanation += f" {_dutch_hours(above)} uur boven het maximum van het contract (zie verlenging)."
            hours = payable_here / MINUTES_PER_HOUR
            lines.append(
                SettlementLine(
                    LineKind.HOURLY,
                    trajectory.learner_number,
                    trajectory.route,
                    None,
                    hours_of(payable_here),
                    "uur",
                    rates.hourly_rate,
                    euros(hours * rates.hourly_rate),
                    explanation,
                )
            )
        if not beyond:
            continue
        # The payable minutes above the maximum: within an extension at the municipality's share.
        left = Decimal(beyond) - remaining_beyond
        for minutes, share in covered:
            paid = min(left, minutes)
            left -= paid
            if paid <= 0:
                continue
            amount = Decimal(paid) / MINUTES_PER_HOUR * rates.hourly_rate * share / HUNDRED
            lines.append(
                SettlementLine(
                    LineKind.EXTENSION,
                    learner.learner_number,
                    "",
                    None,
                    hours_of(paid),
                    "uur",
                    euros(rates.hourly_rate * share / HUNDRED),
                    euros(amount),
                    f"{_dutch_hours(paid)} uur boven het maximum binnen een toegekende verlenging, "
                    f"uurtarief {_dutch_amount(rates.hourly_rate)} × aandeel gemeente {_percentage(share)}.",
                )
            )
        if left > 0:
            lines.append(
                SettlementLine(
                    LineKind.EXTENSION,
                    learner.learner_number,
                    "",
                    None,
                    hours_of(left),
                    "uur",
                    ZERO,
                    ZERO,
                    f"{_dutch_hours(left)} uur boven het maximum zonder toegekende verlenging: niet betaald.",
                )
            )
    return lines


def contract_settlement(contract: Contract, period: Period, rates: Rates | None = None) -> Settlement:
    return settlement_compute(settlement_facts(contract, period), rates or Rates.from_contract(contract))
