"""Demo learners with trajectories, intake advice, route switches, exam results and term extensions.

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
        pip_date=region.today - timedelta(days=rng.randint(30, 3 * 365 - 10)),
        case_manager=case_manager,
    )
    region.counts.learners += 1
    return learner


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
            spread = rng.randint(0, 150) if rng.random() < 0.6 else rng.randint(0, max((latest - earliest).days, 0))
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


def _some_exams(region: Region, trajectory: Trajectory, until: date) -> None:
    """A few exams after at least five months of lessons, some failed."""
    rng = region.rng
    first = trajectory.start_date + timedelta(days=150)
    if first > until:
        return
    if trajectory.route == Route.Z:
        components = [ExamComponent.KNM] + ([ExamComponent.SPEAKING] if rng.random() < 0.3 else [])
    else:
        components = rng.sample(LANGUAGE_SKILLS + [ExamComponent.KNM], rng.randint(1, 3))
    for component in components:
        level = Level.A2
        if trajectory.route != Route.Z and trajectory.status != TrajectoryStatus.DOWNSCALED and rng.random() < 0.7:
            level = Level.B1
        _exam(region, trajectory, component, level, region.day_between(first, until), passed=rng.random() < 0.72)


def _finished(region: Region, learner: Learner) -> bool:
    """A trajectory that ended (B1 passed, or work), with its exams; no open trajectory after it."""
    rng = region.rng
    choice = _choose(region, learner, recent=False, min_age_days=330)
    if choice is None:
        return False
    contract, route, start = choice
    trajectory = _open_trajectory(region, learner, contract, route, start)
    end = region.day_between(start + timedelta(days=300), region.today - timedelta(days=14))
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
        choice = _choose(region, learner, recent=rng.random() < 0.1)
        if choice is None:
            continue
        trajectory = _open_trajectory(region, learner, *choice)
        if rng.random() < 0.6:
            _some_exams(region, trajectory, region.today - timedelta(days=1))
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
