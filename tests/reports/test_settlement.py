"""Settlement per financing model against hand-computed examples (DOMAIN.md "Money")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.models import FinancingModel
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from progress.models import HoursExtension
from progress.services import hours_extension_grant
from reports.periods import Quarter, parse_month
from reports.settlement import LineKind, Rates, contract_settlement, settlement_compute, settlement_facts
from reports.simulator import simulate
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons
from tests.reports.known_data import build_known_data

Q1 = Quarter.parse("2026-K1")


@pytest.fixture
def known(world):
    return build_known_data(world)


def _settle(known, period, rates=None):
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        return contract_settlement(known.contract, period, rates)


def _amounts(settlement) -> dict[str, Decimal]:
    return {total.kind: total.amount for total in settlement.totals}


def test_quarter_settlement_of_a_hybrid_contract_matches_the_hand_computed_amounts(known):
    settlement = _settle(known, Q1)
    # Fixed: learners 1 (started 05-01) and 3 (first here 01-02); learner 2 started in 2025.
    # Hourly: learner 1 (720 attended + min(180 absent, 10% of 900) = 810 min = 13,5 h × € 40 = € 540)
    #         + learner 2 (360 attended = 6 h × € 40 = € 240).
    # Result: learner 2 ended 'behaald'. Bonus: learner 2's A2 on all four skills on 01-03-2026.
    assert _amounts(settlement) == {
        LineKind.FIXED: Decimal("2000.00"),
        LineKind.HOURLY: Decimal("780.00"),
        LineKind.RESULT: Decimal("2000.00"),
        LineKind.BONUS: Decimal("100.00"),
    }
    assert settlement.total == Decimal("4880.00")
    assert settlement.learner_count == 3


def test_every_line_says_which_learner_and_why(known):
    settlement = _settle(known, Q1)
    first, second, third = (learner.learner_number for learner in known.learners)
    hourly = {line.learner_number: line for line in settlement.lines if line.kind == LineKind.HOURLY}
    assert hourly[first].quantity == Decimal("13.50")
    assert "afwezigheidsruimte 10% van 15,00 aangeboden uur = 1,50 uur" in hourly[first].explanation
    assert "betaald afwezig 1,50 uur" in hourly[first].explanation
    assert hourly[second].quantity == Decimal("6.00")
    fixed = {line.learner_number for line in settlement.lines if line.kind == LineKind.FIXED}
    assert fixed == {first, third}
    [bonus] = [line for line in settlement.lines if line.kind == LineKind.BONUS]
    assert bonus.learner_number == second
    assert "A1 → A2" in bonus.explanation and "01-03-2026" in bonus.explanation
    assert any("niveaustap" in rule.lower() for rule in settlement.rules)


def test_a_step_completed_under_another_contract_earns_no_bonus_here(known):
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        here = contract_settlement(known.contract, Q1)
        there = contract_settlement(known.other_contract, Q1)
    third = known.learners[2].learner_number
    assert third not in {line.learner_number for line in here.lines if line.kind == LineKind.BONUS}
    # The other contract is hourly only (its bonus rates are 0): the step shows under bonus rates.
    there_bonus = settlement_compute(
        _facts(known.other_contract, Q1), Rates(bonus_a1_a2=Decimal("100"), bonus_a2_b1=Decimal("300"))
    )
    assert [(line.learner_number, line.amount) for line in there_bonus.lines] == [(third, Decimal("100.00"))]
    assert there.total == Decimal("0")  # no lessons under it in 2026-K1


def _facts(contract, period):
    with scope([Grant(tenant_id=contract.tenant_id)]):
        return settlement_facts(contract, period)


def test_monthly_settlements_put_each_line_in_its_month(known):
    january = _settle(known, parse_month("2026-01"))
    february = _settle(known, parse_month("2026-02"))
    march = _settle(known, parse_month("2026-03"))
    assert _amounts(january) == {LineKind.FIXED: Decimal("1000.00"), LineKind.HOURLY: Decimal("540.00")}
    assert _amounts(february) == {LineKind.FIXED: Decimal("1000.00"), LineKind.HOURLY: Decimal("240.00")}
    assert _amounts(march) == {LineKind.RESULT: Decimal("2000.00"), LineKind.BONUS: Decimal("100.00")}
    assert january.total + february.total + march.total == _settle(known, Q1).total


def test_the_allowance_caps_paid_absence_per_period(known):
    """With 50% allowance, all 180 absent minutes of learner 1 are within 450: 900 min = 15 h."""
    rates = Rates(hourly_rate=Decimal("40"), absence_allowance_percentage=Decimal("50"))
    settlement = settlement_compute(_facts(known.contract, Q1), rates)
    first = known.learners[0].learner_number
    [line] = [line for line in settlement.lines if line.learner_number == first]
    assert line.quantity == Decimal("15.00") and line.amount == Decimal("600.00")
    # Without allowance, no absence is paid: 720 min = 12 h.
    none = settlement_compute(_facts(known.contract, Q1), Rates(hourly_rate=Decimal("40")))
    [line] = [line for line in none.lines if line.learner_number == first]
    assert line.amount == Decimal("480.00")


def test_each_financing_model_prices_the_same_facts(known):
    parameters = {
        "fixed_fee_per_learner": Decimal("1000"),
        "hourly_rate": Decimal("40"),
        "absence_allowance_percentage": Decimal("10"),
        "extension_share_percentage": Decimal("50"),
        "result_fee": Decimal("2000"),
        "bonus_a1_a2": Decimal("100"),
        "bonus_a2_b1": Decimal("300"),
        "bonus_b1_b2": Decimal("500"),
    }
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        outcomes = {outcome.key: outcome for outcome in simulate(known.contract, Q1, parameters)}
    assert outcomes["vast_bedrag"].total == Decimal("2000.00")
    assert outcomes["uurtarief"].total == Decimal("780.00")
    assert outcomes["resultaat"].total == Decimal("2100.00")  # result € 2.000 + bonus € 100
    assert outcomes["niveaustap"].total == Decimal("2100.00")  # fixed € 2.000 + bonus € 100
    assert outcomes["hybride"].total == Decimal("4880.00")
    assert outcomes["hybride"].is_current  # the contract's own model is marked
    assert not outcomes["uurtarief"].is_current


def test_hours_above_the_maximum_are_paid_at_the_municipal_share_only_within_an_extension(world):
    """Maximum 10 h. January: 9 h offered (before the period). February: 12 h offered → 11 h above the
    maximum, of which 5 h within the extension (share 50%), 6 h without: not paid."""
    contract = make_contract(
        world,
        financing_model=FinancingModel.HOURLY,
        hourly_rate=Decimal("60.00"),
        max_hours_b1=10,
        continue_while_progress=True,
        extension_municipality_share_percentage=Decimal("50"),
    )
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract, start_date=date(2026, 1, 5))
    give_lessons(trajectory, first=date(2026, 1, 5), count=3)
    give_lessons(trajectory, first=date(2026, 2, 2), count=4)
    with scope([Grant(tenant_id=contract.tenant_id)]):
        hours_extension_grant(actor=world.users["case_a1"], trajectory=trajectory, extra_hours=5, reason="Voortgang")
    with scopes_disabled():
        HoursExtension.objects.update(granted_on=date(2026, 2, 1))
    with scope([Grant(tenant_id=contract.tenant_id)]):
        february = contract_settlement(contract, parse_month("2026-02"))
    lines = [(line.kind, line.quantity, line.amount) for line in february.lines]
    assert lines == [
        (LineKind.HOURLY, Decimal("1.00"), Decimal("60.00")),  # 1 h up to the maximum at full rate
        (LineKind.EXTENSION, Decimal("5.00"), Decimal("150.00")),  # 5 h × € 60 × 50%
        (LineKind.EXTENSION, Decimal("6.00"), Decimal("0.00")),  # beyond the extension: not paid
    ]
    assert "zonder toegekende verlenging" in february.lines[-1].explanation
    assert february.total == Decimal("210.00")


def test_amounts_are_exact_decimals_rounded_per_line(world):
    """20 minutes at € 47,33 an hour = € 15,7766… → € 15,78 on the line; no float drift."""
    contract = make_contract(world, hourly_rate=Decimal("47.33"))
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract, start_date=date(2026, 1, 5))
    give_lessons(trajectory, first=date(2026, 1, 5), count=1, attended=20)
    with scope([Grant(tenant_id=contract.tenant_id)]):
        settlement = contract_settlement(contract, Q1)
    [line] = settlement.lines
    assert line.amount == Decimal("15.78")
    assert isinstance(settlement.total, Decimal)
