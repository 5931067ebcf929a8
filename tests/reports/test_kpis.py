"""KPIs per contract and quarter on a known data set (tests/reports/known_data.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inburgering.tenancy.scoping import Grant, scope
from reports.kpis import RagStatus, combined_figures, quarter_figures, rag_status
from reports.periods import Quarter
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons
from tests.reports.known_data import build_known_data

Q1 = Quarter.parse("2026-K1")


@pytest.fixture
def figures(world):
    known = build_known_data(world)
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        return quarter_figures([known.contract, known.other_contract], Q1, today=date(2026, 4, 15))


def _kpis(item) -> dict:
    return {kpi.key: kpi for kpi in item.kpis}


def test_attendance_is_attended_over_scheduled_with_amber_within_the_margin(figures):
    item = next(value for value in figures.values() if value.contract.reference == "A-2026-01")
    # Learner 1: 720 of 900 minutes; learner 2: 360 of 540 → 1.080 / 1.440 = 75,0%.
    assert [month.attended_minutes for month in item.months] == [720, 360, 0]
    assert [month.offered_minutes for month in item.months] == [900, 540, 0]
    attendance = _kpis(item)["aanwezigheid"]
    assert attendance.value == Decimal("75.0")
    assert attendance.target == Decimal("78")
    assert attendance.status == RagStatus.AMBER  # 3 points below, margin 5
    assert attendance.detail == "18 van 24 uur"


def test_absences_exams_outflow_and_levels_on_known_data(figures):
    item = next(value for value in figures.values() if value.contract.reference == "A-2026-01")
    assert dict(item.absences_by_classification) == {"geoorloofd": 1}
    assert dict(item.absences_by_reason) == {"ziek": 1}
    # Learner 2's exams under this contract in K1: 4 passed, B1 speaking failed (December is K4 2025).
    assert (item.exams_taken, item.exams_passed) == (5, 4)
    kpis = _kpis(item)
    assert kpis["examens_behaald"].value == Decimal("80.0")
    assert kpis["examens_behaald"].status == RagStatus.GREEN  # at target counts as on track
    # Outflow: one trajectory ended ('behaald'), none to work or education.
    assert dict(item.ended_by_reason) == {"behaald": 1}
    assert kpis["uitstroom_werk_onderwijs"].value == Decimal("0.0")
    assert kpis["uitstroom_werk_onderwijs"].status == RagStatus.RED
    # B1: three B1-route learners in the quarter; only learner 2 passed reading at B1.
    assert item.b1_cohort == 3
    assert dict(item.b1_per_skill) == {"lezen": 1}
    assert item.b1_skill_share("lezen") == Decimal("33.3")
    assert kpis["b1_alle_vaardigheden"].value == Decimal("0.0")
    # Learners by route, status at the quarter's end, age segment (all born 1990).
    assert dict(item.learners_by_route) == {"b1": 3}
    assert dict(item.learners_by_status) == {"actief": 2, "afgerond": 1}
    assert dict(item.learners_by_age) == {"27_en_ouder": 3}
    # No checkpoints were due: a target without data is 'no data', not red.
    assert kpis["evaluatiemomenten_op_tijd"].status == RagStatus.NO_DATA
    assert kpis["besluiten_binnen_termijn"].status == RagStatus.NO_TARGET


def test_the_other_contract_counts_only_its_own_learner(figures):
    other = next(value for value in figures.values() if value.contract.reference == "A-2025-09")
    assert other.learners == 1  # learner 3 until the route switch
    assert dict(other.ended_by_reason) == {"routewissel": 1}
    assert other.ended == 0  # a route switch is not an outflow
    assert (other.exams_taken, other.exams_passed) == (4, 4)


def test_combined_figures_add_up_the_contracts(figures):
    total = combined_figures(list(figures.values()), Q1)
    assert total.learners == 4
    assert total.exams_taken == 9
    assert total.attendance_rate == Decimal("75.0")
    assert all(kpi.status == RagStatus.NO_TARGET for kpi in total.kpis)


def test_rag_status_boundaries():
    margin = Decimal("5")
    assert rag_status(Decimal("90"), Decimal("90"), margin) == RagStatus.GREEN
    assert rag_status(Decimal("85"), Decimal("90"), margin) == RagStatus.AMBER
    assert rag_status(Decimal("84.9"), Decimal("90"), margin) == RagStatus.RED
    assert rag_status(None, Decimal("90"), margin) == RagStatus.NO_DATA
    assert rag_status(Decimal("10"), None, margin) == RagStatus.NO_TARGET


# Provider and municipality pairs that do not clash (one active contract per provider and municipality).
PAIRS = [("a", "a1"), ("shared", "a1"), ("a", "a2"), ("shared", "a2")]


def _populate(world, pairs: list, learners: int) -> list:
    made = []
    for provider, municipality in pairs:
        contract = make_contract(
            world, provider=provider, municipalities=(municipality,), reference=f"Q-{provider}-{municipality}"
        )
        made.append(contract)
        for _ in range(learners):
            learner = make_learner(world, municipality=municipality)
            trajectory = make_trajectory(learner, contract, start_date=date(2026, 1, 5))
            give_lessons(trajectory, first=date(2026, 1, 5), count=2)
    return made


def test_figures_cost_a_fixed_number_of_queries_whatever_the_size(world):
    small = _populate(world, PAIRS[:1], 1)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]), CaptureQueriesContext(connection) as few:
        quarter_figures(small, Q1)
    large = small + _populate(world, PAIRS[1:], 4)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]), CaptureQueriesContext(connection) as many:
        result = quarter_figures(large, Q1)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert sum(item.learners for item in result.values()) == 13
