"""A small contract with hand-computed money and KPIs (tests/reports/test_settlement.py, test_kpis.py).

Contract A-2026-01 (tenant a, provider a), hybrid: fixed € 1.000, hourly € 40 with a 10% absence
allowance, result € 2.000, bonuses A1→A2 € 100, A2→B1 € 300, B1→B2 € 500. Quarter 2026-K1:
- learner 1: B1 route from 05-01-2026 (fixed fee), 4 lessons attended (4 × 180 min) and one absent
  (12-01-2026, reported ill, classified authorized).
- learner 2: B1 route from 01-12-2025 (no fixed fee in K1), 3 lessons in February attended 120 of 180
  minutes; A2 passed on all four skills, the fourth on 01-03-2026 (bonus A1→A2); B1 reading passed,
  B1 speaking failed; ended 'behaald' on 20-03-2026 (result fee).
- learner 3: A2 on all four skills under another contract in January (no bonus here), then switched to
  this contract on 01-02-2026 (fixed fee here), no lessons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from attendance.models import AttendanceRecord
from contracts.models import FinancingModel
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes import services as learner_services
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons

SKILLS = ("lezen", "luisteren", "schrijven", "spreken")


@dataclass
class KnownData:
    contract: object
    other_contract: object
    learners: list
    trajectories: list


def _exam(trajectory, component, level, day, passed=True):
    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        return learner_services.exam_result_create(
            actor=None, trajectory=trajectory, component=component, level=level, exam_date=day, passed=passed
        )


def build_known_data(world, **contract_overrides) -> KnownData:
    fields = dict(
        start_date=date(2025, 10, 1),
        financing_model=FinancingModel.HYBRID,
        fixed_fee_per_learner=Decimal("1000.00"),
        hourly_rate=Decimal("40.00"),
        result_fee=Decimal("2000.00"),
        bonus_a1_a2=Decimal("100.00"),
        bonus_a2_b1=Decimal("300.00"),
        bonus_b1_b2=Decimal("500.00"),
        absence_allowance_percentage=Decimal("10"),
        kpi_attendance_percentage=Decimal("78"),
        kpi_exam_pass_percentage=Decimal("80"),
        kpi_outflow_percentage=Decimal("40"),
        kpi_checkpoints_on_time_percentage=Decimal("90"),
    )
    fields.update(contract_overrides)
    contract = make_contract(world, actor=world.users["contract_a"], **fields)
    other = make_contract(world, provider="shared", reference="A-2025-09", start_date=date(2025, 9, 1))

    first = make_learner(world, first_name="Eerste", last_name="Leerder")
    t1 = make_trajectory(first, contract, start_date=date(2026, 1, 5))
    give_lessons(t1, first=date(2026, 1, 5), count=4)
    give_lessons(t1, first=date(2026, 1, 12), count=1, attended=0)
    with scopes_disabled():
        AttendanceRecord.objects.filter(trajectory=t1, lesson_date=date(2026, 1, 12)).update(
            reason="ziek", classification="geoorloofd"
        )

    second = make_learner(world, first_name="Tweede", last_name="Leerder")
    t2 = make_trajectory(second, contract, start_date=date(2025, 12, 1))
    give_lessons(t2, first=date(2026, 2, 2), count=3, attended=120)
    _exam(t2, "spreken", "A2", date(2025, 12, 15))
    _exam(t2, "lezen", "A2", date(2026, 1, 10))
    _exam(t2, "luisteren", "A2", date(2026, 2, 10))
    _exam(t2, "schrijven", "A2", date(2026, 3, 1))
    _exam(t2, "lezen", "B1", date(2026, 3, 5))
    _exam(t2, "spreken", "B1", date(2026, 3, 10), passed=False)
    with scope([Grant(tenant_id=t2.tenant_id)]):
        learner_services.trajectory_end(actor=None, trajectory=t2, end_date=date(2026, 3, 20), end_reason="behaald")

    third = make_learner(world, first_name="Derde", last_name="Leerder")
    t3a = make_trajectory(third, other, start_date=date(2025, 11, 1))
    for skill in SKILLS:
        _exam(t3a, skill, "A2", date(2026, 1, 20))
    with scope([Grant(tenant_id=t3a.tenant_id)]):
        learner_services.trajectory_end(
            actor=None, trajectory=t3a, end_date=date(2026, 1, 31), end_reason="routewissel"
        )
    t3b = make_trajectory(third, contract, start_date=date(2026, 2, 1))
    return KnownData(contract, other, [first, second, third], [t1, t2, t3a, t3b])
