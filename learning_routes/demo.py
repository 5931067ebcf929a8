"""Demo learners with trajectories, intake advice, route switches, exam results and term extensions.

Most learners signed their PIP a year or more ago, so most open trajectories ran through the two
full quarters before the current one (the attendance demo's period, for the quarterly reports);
some start in every quarter, so each quarter has its new learners. Exams follow the lesson hours a
trajectory had: at an average pace a skill is passed at A2 after about 200 attended hours and at
B1 after about 430 (writing last, about 500); some learners are much slower, others get stuck on
writing (for them B1 is out of reach: the 600-hour checkpoint's downscaling requests). So long
trajectories have B1 on several skills, some on all four, and shorter ones some A2 passes; some
exams are failed and retaken. Some learners who passed everything ended their trajectory 'behaald'
a few weeks after the last exam (more of those who passed half a year ago or longer).

Deterministic (Faker ``nl_NL`` and ``random`` seeded per region; dates relative to today) and
idempotent: a region that already has learners is skipped. Everything goes through the services,
so validation, contract conditions and history apply as they do for users.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker

from contracts.models import AgeSegment, Contract, ContractStatus, Route
from inburgering.tenancy.models import Membership, Municipality, Role, Tenant, User
from inburgering.tenancy.scoping import Grant, scope
from learning_routes import rules, services
from learning_routes.bsn import ELFPROEF_WEIGHTS
from learning_routes.models import EndReason, ExamComponent, Learner, Level, Trajectory, TrajectoryStatus

SEED = 20260101
STARTKLAS_DAYS = 42  # the intake class takes six weeks (guide 1.2, Zuid-Kennemerland)

# Learners per municipality (CBS code): the big municipalities get the most.
LEARNERS_PER_MUNICIPALITY = {
    "rijk-van-nijmegen": {
        "GM0268": 95,  # Nijmegen
        "GM0296": 25,  # Wijchen
        "GM0209": 18,  # Beuningen
        "GM1945": 16,  # Berg en Dal
        "GM0225": 14,  # Druten
        "GM0252": 12,  # Heumen
        "GM0944": 10,  # Mook en Middelaar
    },
    "ijmond": {
        "GM0453": 55,  # Velsen
        "GM0375": 32,  # Beverwijk
        "GM0396": 23,  # Heemskerk
    },
}

EXTENSION_REASONS = [
    "Verlenging door DUO: geoorloofd verzuim wegens ziekte.",
    "Verlenging door DUO: zwangerschap en bevalling.",
    "Verlenging door DUO: mantelzorg voor een gezinslid.",
    "Verlenging door DUO: medische behandeling.",
]
LANGUAGE_SKILLS = [ExamComponent.READING, ExamComponent.LISTENING, ExamComponent.WRITING, ExamComponent.SPEAKING]
RECENT_PIP_SHARE = 0.16  # learners whose PIP is recent: they start in the current or the previous quarter
# Lesson hours attended per daypart a week: about 2.8 hours a lesson, 92% attended, 47 weeks of lessons a year.
HOURS_PER_DAYPART_WEEK = 2.8 * 0.92 * 47 / 52
# Attended hours a learner of average pace needs to pass a skill at A2 and at B1 (writing comes last).
HOURS_TO_PASS = {
    ExamComponent.LISTENING: (180, 380),
    ExamComponent.SPEAKING: (190, 410),
    ExamComponent.READING: (210, 440),
    ExamComponent.WRITING: (250, 500),
}
SLOW_SHARE = 0.1  # learners for whom B1 is (for now) out of reach
WRITING_BLOCK_SHARE = 0.15  # learners who get stuck on writing (guide: more reach B1 for speaking than writing)
FIRST_TRY_PASS = {Level.A2: 0.86, Level.B1: 0.74}
RETAKE_PASS = 0.82
A2_EXAM_SHARE = 0.5  # of the skills ready for A2 but not yet for B1: an A2 exam in the meantime
# Of the learners who passed everything: the trajectory ended 'behaald' since (most of those who passed
# half a year ago or longer; some recent ones are still finishing, e.g. their participation hours).
PASSED_END_SHARE = 0.1
PASSED_END_SHARE_LONG_AGO = 0.35


@dataclass
class Counts:
    learners: int = 0
    trajectories: int = 0
    switches: int = 0
    exams: int = 0
    extensions: int = 0

    def add(self, other: Counts) -> None:
        for name in ("learners", "trajectories", "switches", "exams", "extensions"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Region:
    tenant: Tenant
    today: date
    rng: random.Random
    fake: Faker
    admin: User
    case_managers: dict[int, User]  # municipality id → case manager
    contracts: list[Contract]
    bsns: set[str] = field(default_factory=set)
    counts: Counts = field(default_factory=Counts)

    def actor_for(self, learner: Learner) -> User:
        return self.case_managers.get(learner.municipality_id, self.admin)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max((last - first).days, 0)))


def _bsn(rng: random.Random, taken: set[str]) -> str:
    """A 9-digit number that passes the elfproef and is not used yet."""
    while True:
        digits = [rng.randint(1, 6)] + [rng.randint(0, 9) for _ in range(7)]
        check = sum(d * w for d, w in zip(digits, ELFPROEF_WEIGHTS[:8], strict=True)) % 11
        if check == 10:
            continue
        bsn = "".join(map(str, digits)) + str(check)
        if bsn not in taken:
            taken.add(bsn)
            return bsn


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum() or ch == " ").replace(" ", "")


def _birth_date(region: Region, young: bool) -> date:
    age = region.rng.randint(19, 26) if young else region.rng.randint(27, 62)
    return region.today - timedelta(days=age * 365 + region.rng.randint(0, 364))


def _create_learner(region: Region, municipality: Municipality) -> Learner:
    rng, fake = region.rng, region.fake
    female = rng.random() < 0.5
    first_name = fake.first_name_female() if female else fake.first_name_male()
    last_name = fake.last_name()
    email = ""
    if rng.random() < 0.45:
        email = f"{_ascii(first_name)}.{_ascii(last_name)}{rng.randint(1, 99)}@example.nl"
    case_manager = region.case_managers.get(municipality.pk)
    learner = services.learner_create(
        actor=case_manager or region.admin,
        tenant=region.tenant,
        bsn=_bsn(rng, region.bsns),
        municipality=municipality,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=_birth_date(region, young=rng.random() < 0.35),
        phone=f"06-{rng.randint(10000000, 99999999)}" if rng.random() < 0.6 else "",
        email=email,
        is_asylum_permit_holder=rng.random() < 0.4,
        pip_date=region.today - timedelta(days=_pip_days_ago(rng)),
        case_manager=case_manager,
    )
    region.counts.learners += 1
    return learner


def _pip_days_ago(rng: random.Random) -> int:
    """Most PIPs a year or more ago (their trajectories ran through the last two quarters), some recent."""
    if rng.random() < RECENT_PIP_SHARE:
        return rng.randint(60, 330)
    return round(rng.triangular(200, 3 * 365 - 10, 900))


def _covers(contract: Contract, learner: Learner) -> bool:
    return any(row.municipality_id == learner.municipality_id for row in contract.coverage.all())


def _start_window(region: Region, contract: Contract, learner: Learner) -> tuple[date, date] | None:
    """Start dates allowed by the contract period, after the PIP and not in the future."""
    earliest = max(contract.start_date, learner.pip_date + timedelta(days=14))
    latest = min(contract.end_date, region.today)
    if earliest > latest:
        earliest = max(contract.start_date, learner.pip_date)
    return (earliest, latest) if earliest <= latest else None


def _fits_age(contract: Contract, learner: Learner, start: date) -> bool:
    if contract.age_segment == AgeSegment.ALL:
        return True
    under_27 = learner.age_on(start) < rules.AGE_SEGMENT_BOUNDARY
    return under_27 == (contract.age_segment == AgeSegment.UNDER_27)


def _choose(region: Region, learner: Learner, *, recent: bool, min_age_days: int = 0):
    """(contract, route, start date) for a new trajectory, or None when no contract fits.

    Contracts with an age segment (the youth contract) are preferred when the learner fits them.
    """
    rng = region.rng
    candidates = [c for c in region.contracts if _covers(c, learner)]
    rng.shuffle(candidates)
    candidates.sort(key=lambda c: c.age_segment == AgeSegment.ALL)  # segmented contracts first
    for contract in candidates:
        window = _start_window(region, contract, learner)
        if window is None:
            continue
        earliest, latest = window
        latest = min(latest, region.today - timedelta(days=min_age_days))
        if earliest > latest:
            continue
        if recent:
            start = region.day_between(max(earliest, region.today - timedelta(days=STARTKLAS_DAYS - 1)), latest)
        else:
            # Most trajectories start within months of the PIP (or of the contract's start).
            spread = rng.randint(0, 150) if rng.random() < 0.7 else rng.randint(0, max((latest - earliest).days, 0))
            start = min(earliest + timedelta(days=spread), latest)
        if not _fits_age(contract, learner, start):
            continue
        if contract.age_segment != AgeSegment.ALL and rng.random() < 0.25:
            continue  # some young learners still follow the general contract
        routes = contract.routes
        if min_age_days and Route.B1 in routes:
            route = Route.B1
        elif Route.EDUCATION in routes and rng.random() < 0.5:
            route = Route.EDUCATION
        elif Route.Z in routes and rng.random() < 0.35:
            route = Route.Z
        else:
            route = Route.B1 if Route.B1 in routes else rng.choice(routes)
        return contract, route, start
    return None


def _moments(region: Region, contract: Contract) -> dict[str, bool]:
    rng = region.rng
    flags = {"moment_daytime": contract.offers_daytime}
    for moment, offer in services.MOMENT_OFFERS.items():
        if moment != "moment_daytime":
            flags[moment] = getattr(contract, offer) and rng.random() < 0.3
    if (flags["moment_evening"] or flags["moment_online"]) and rng.random() < 0.4:
        flags["moment_daytime"] = False  # working learners: evening or online lessons only
    if not any(flags.values()):  # a contract without daytime lessons: take what it offers
        for moment, offer in services.MOMENT_OFFERS.items():
            if getattr(contract, offer):
                flags[moment] = True
                break
    return flags


def _intake(region: Region, route: str, start: date) -> dict:
    """The startklas advice, given six weeks after the start (none while still in the startklas)."""
    advice_date = start + timedelta(days=STARTKLAS_DAYS)
    if advice_date > region.today or region.rng.random() < 0.1:
        return {}
    learnability = {Route.Z: (1, 5), Route.EDUCATION: (7, 10)}.get(route, (4, 10))
    return {
        "intake_route": route,
        "intake_learnability": region.rng.randint(*learnability),
        "intake_date": advice_date,
        "intake_advisor": region.fake.name(),
    }


def _open_trajectory(region: Region, learner: Learner, contract: Contract, route: str, start: date) -> Trajectory:
    rng = region.rng
    status = TrajectoryStatus.ACTIVE
    if (region.today - start).days < STARTKLAS_DAYS:
        status = TrajectoryStatus.STARTKLAS
    fields: dict = {}
    if route == Route.B1 and contract.b2_clause and status == TrajectoryStatus.ACTIVE and rng.random() < 0.1:
        fields.update(b2_track=True, target_speaking=Level.B2, target_listening=Level.B2)
    trajectory = services.trajectory_create(
        actor=region.actor_for(learner),
        learner=learner,
        contract=contract,
        route=route,
        status=status,
        start_date=start,
        dagdelen_per_week=rng.choice(contract.dagdelen_per_week),
        **_moments(region, contract),
        **_intake(region, route, start),
        **fields,
    )
    region.counts.trajectories += 1
    return trajectory


def _exam(region: Region, trajectory: Trajectory, component: str, level: str, day: date, passed: bool) -> None:
    services.exam_result_create(
        actor=region.actor_for(trajectory.learner),
        trajectory=trajectory,
        component=component,
        level="" if component == ExamComponent.KNM else level,
        exam_date=day,
        passed=passed,
    )
    region.counts.exams += 1


def _weekly_hours(trajectory: Trajectory) -> float:
    return max(trajectory.dagdelen_per_week, 1) * HOURS_PER_DAYPART_WEEK


def _day_at(trajectory: Trajectory, hours: float) -> date:
    """The day the trajectory's learner has attended about this many hours."""
    return trajectory.start_date + timedelta(days=round(hours / _weekly_hours(trajectory) * 7))


def _pace(region: Region, trajectory: Trajectory) -> float:
    """How fast this learner learns (1 = average), from chance and the startklas' learnability score."""
    rng = region.rng
    slow = rng.random() < SLOW_SHARE  # B1 is (for now) out of reach: the learners the 600-hour checkpoint is for
    pace = rng.uniform(0.45, 0.7) if slow else min(max(rng.lognormvariate(0.05, 0.3), 0.6), 2.0)
    if trajectory.intake_learnability:
        pace *= 0.75 + trajectory.intake_learnability * 0.04
    if trajectory.route == Route.EDUCATION:
        pace *= 1.15
    if trajectory.learner.age_on(trajectory.start_date) < rules.AGE_SEGMENT_BOUNDARY:
        pace *= 1.1  # young learners learn a language faster
    return pace


def _attempts(
    region: Region, trajectory: Trajectory, component: str, level: str, day: date, until: date
) -> date | None:
    """An exam and, when failed, up to two retakes some weeks apart; the day it was passed, or None."""
    rng = region.rng
    chance = FIRST_TRY_PASS.get(level, 0.85)
    for _attempt in range(3):
        passed = rng.random() < chance
        _exam(region, trajectory, component, level, day, passed=passed)
        if passed:
            return day
        day += timedelta(days=rng.randint(42, 90))
        if day > until or rng.random() < 0.1:
            return None
        chance = RETAKE_PASS
    return None


def _z_route_exams(region: Region, trajectory: Trajectory, until: date) -> None:
    """Z-route: KNM after some months, an A2 speaking exam for some."""
    rng = region.rng
    first = trajectory.start_date + timedelta(days=150)
    if first > until:
        return
    components = [ExamComponent.KNM] + ([ExamComponent.SPEAKING] if rng.random() < 0.3 else [])
    for component in components:
        _exam(region, trajectory, component, Level.A2, region.day_between(first, until), passed=rng.random() < 0.72)


def _end_share(region: Region, everything_passed: date) -> float:
    long_ago = (region.today - everything_passed).days > 180
    return PASSED_END_SHARE_LONG_AGO if long_ago else PASSED_END_SHARE


def _some_exams(region: Region, trajectory: Trajectory, until: date) -> date | None:
    """The exams of the hours so far: per skill A2 or B1 once the learner is ready, some failed and retaken.

    Returns the day everything (the four skills at B1 and KNM) was passed, or None."""
    if trajectory.route == Route.Z:
        _z_route_exams(region, trajectory, until)
        return None
    rng = region.rng
    pace = _pace(region, trajectory)
    stuck_on_writing = rng.random() < WRITING_BLOCK_SHARE
    passed_on: list[date] = []
    # (day, component, level, last day for a retake), taken in date order
    exams: list[tuple[date, str, str, date]] = []
    for skill in LANGUAGE_SKILLS:
        a2_hours, b1_hours = (hours * rng.uniform(0.85, 1.2) / pace for hours in HOURS_TO_PASS[skill])
        if stuck_on_writing and skill == ExamComponent.WRITING:
            b1_hours *= 1.8
        a2_day = _day_at(trajectory, a2_hours) + timedelta(days=rng.randint(10, 40))
        b1_day = _day_at(trajectory, b1_hours) + timedelta(days=rng.randint(10, 40))
        if a2_day <= until and (b1_day > until or rng.random() < 0.2) and rng.random() < A2_EXAM_SHARE:
            exams.append((a2_day, skill, Level.A2, min(until, b1_day - timedelta(days=1))))  # no A2 retake after B1
        if b1_day <= until:
            exams.append((b1_day, skill, Level.B1, until))
    knm_day = _day_at(trajectory, rng.uniform(250, 450) / pace) + timedelta(days=rng.randint(10, 40))
    if knm_day <= until:
        exams.append((knm_day, ExamComponent.KNM, "", until))
    passed: set[str] = set()
    for day, component, level, last_retake in sorted(exams):
        day_passed = _attempts(region, trajectory, component, level, day, last_retake)
        if day_passed is not None and level in (Level.B1, ""):
            passed.add(component)
            passed_on.append(day_passed)
    if passed >= {*LANGUAGE_SKILLS, ExamComponent.KNM}:
        return max(passed_on)
    return None


def _finished(region: Region, learner: Learner) -> bool:
    """A trajectory that ended (B1 passed, or work), with its exams; no open trajectory after it."""
    rng = region.rng
    choice = _choose(region, learner, recent=False, min_age_days=330)
    if choice is None:
        return False
    contract, route, start = choice
    trajectory = _open_trajectory(region, learner, contract, route, start)
    end = region.day_between(start + timedelta(days=300), region.today - timedelta(days=14))
    if route == Route.EDUCATION:
        reason = EndReason.EDUCATION if rng.random() < 0.6 else EndReason.WORK
    else:
        reason = EndReason.PASSED if route != Route.Z and rng.random() < 0.6 else EndReason.WORK
    if reason == EndReason.PASSED:
        for offset, component in enumerate([*LANGUAGE_SKILLS, ExamComponent.KNM]):
            _exam(region, trajectory, component, Level.B1, end - timedelta(days=60 - offset * 7), passed=True)
    services.trajectory_end(actor=region.actor_for(learner), trajectory=trajectory, end_date=end, end_reason=reason)
    return True


def _switched(region: Region, learner: Learner) -> Trajectory | None:
    """A B1 trajectory that switched to the Z-route after a failed A2 exam; returns the Z trajectory."""
    rng = region.rng
    choice = _choose(region, learner, recent=False, min_age_days=240)
    if choice is None:
        return None
    contract, route, start = choice
    if route != Route.B1 or Route.Z not in contract.routes:
        return None
    trajectory = _open_trajectory(region, learner, contract, route, start)
    switch = region.day_between(start + timedelta(days=180), region.today - timedelta(days=30))
    _exam(region, trajectory, ExamComponent.WRITING, Level.A2, switch - timedelta(days=20), passed=False)
    z_trajectory = services.trajectory_switch_route(
        actor=region.actor_for(learner),
        trajectory=trajectory,
        switch_date=switch,
        route=Route.Z,
        **_moments(region, contract),
        intake_route=Route.Z,
        intake_learnability=rng.randint(1, 4),
        intake_date=switch - timedelta(days=7),
        intake_advisor=region.fake.name(),
    )
    region.counts.trajectories += 1
    region.counts.switches += 1
    return z_trajectory


def _seed_region(region: Region) -> None:
    rng = region.rng
    municipalities = {m.cbs_code: m for m in Municipality.objects.filter(tenant=region.tenant)}
    plan = LEARNERS_PER_MUNICIPALITY.get(region.tenant.slug) or dict.fromkeys(municipalities, 20)
    learners = [
        _create_learner(region, municipalities[code])
        for code, number in plan.items()
        if code in municipalities
        for _ in range(number)
    ]
    for learner in learners:
        kind = rng.random()
        if kind < 0.05:
            continue  # registered, waiting for the startklas
        if kind < 0.1 and _finished(region, learner):
            continue
        if kind < 0.13 and (switched := _switched(region, learner)) is not None:
            _some_exams(region, switched, region.today - timedelta(days=1))
            continue
        choice = _choose(region, learner, recent=rng.random() < 0.07)
        if choice is None:
            continue
        trajectory = _open_trajectory(region, learner, *choice)
        everything_passed = _some_exams(region, trajectory, region.today - timedelta(days=1))
        if everything_passed is not None and rng.random() < _end_share(region, everything_passed):
            # Passed everything: the trajectory ended 'behaald' a few weeks after the last exam.
            end = everything_passed + timedelta(days=rng.randint(21, 100))
            if end <= region.today - timedelta(days=7):
                services.trajectory_end(
                    actor=region.actor_for(learner), trajectory=trajectory, end_date=end, end_reason=EndReason.PASSED
                )
    # DUO extended the term of some learners whose term was about to end.
    ending = [
        learner
        for learner in learners
        if learner.integration_term_end <= region.today + timedelta(days=270)
        and learner.trajectories.filter(status__in=services.OPEN_STATUSES).exists()
    ]
    for learner in rng.sample(ending, min(len(ending), 5)):
        services.term_extension_add(
            actor=region.actor_for(learner),
            learner=learner,
            reason=rng.choice(EXTENSION_REASONS),
            new_end_date=learner.integration_term_end + timedelta(days=rng.choice([91, 182, 365])),
        )
        region.counts.extensions += 1


def _memberships(tenant: Tenant, role: str):
    return Membership.objects.filter(tenant=tenant, role=role, is_active=True).select_related("user").order_by("pk")


@transaction.atomic
def seed_learners() -> list[str]:
    today = timezone.localdate()
    total = Counts()
    for index, slug in enumerate(LEARNERS_PER_MUNICIPALITY):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with scope([Grant(tenant_id=tenant.pk)]):
            if Learner.objects.filter(tenant=tenant).exists():
                continue
            admin = _memberships(tenant, Role.TENANT_ADMIN).first()
            contracts = list(
                Contract.objects.filter(tenant=tenant, status=ContractStatus.ACTIVE, start_date__lte=today)
                .prefetch_related("coverage")
                .order_by("reference")
            )
            if admin is None or not contracts:
                continue
            fake = Faker("nl_NL")
            fake.seed_instance(SEED + index)
            region = Region(
                tenant=tenant,
                today=today,
                rng=random.Random(SEED + index),  # noqa: S311 - demo data, not security
                fake=fake,
                admin=admin.user,
                case_managers={
                    m.municipality_id: m.user for m in _memberships(tenant, Role.CASE_MANAGER) if m.municipality_id
                },
                contracts=contracts,
            )
            _seed_region(region)
            total.add(region.counts)
    if not total.learners:
        return []
    created = [f"{total.learners} inburgeraars", f"{total.trajectories} trajecten"]
    if total.switches:
        created.append(f"{total.switches} routewissels")
    if total.exams:
        created.append(f"{total.exams} examenresultaten")
    if total.extensions:
        created.append(f"{total.extensions} termijnverlengingen")
    return created
