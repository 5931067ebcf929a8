"""Enforcement cases at the service level: the steps in order, skipping with a reason, the policy's
maximum fine, the asylum permit holder's exceptional ground, closing, and who did it (guide 2.5)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enforcement import cases
from enforcement.models import (
    AbsenceAlert,
    AbsencePolicy,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    EnforcementCase,
    EnforcementStep,
    WarningLetter,
)
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory

pytestmark = pytest.mark.usefixtures("tenant_scope")

TODAY = timezone.localdate()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


CONTACT = dict(
    outcome="Reached by phone; childcare fell through twice.",
    underlying_cause="kinderopvang",
    support_offered="Referred to the childcare allowance desk.",
)
TALK = dict(attendees="Case manager, teacher, learner", agreements="Attends every lesson; calls in before 9:00.")
PROCEDURE = dict(learner_view="Childcare is still not arranged.", outcome="Intention to fine €400.")


def fine(amount="400.00", **overrides):
    values = dict(fine_amount=Decimal(amount), culpability="grove_schuld", decision_date=days_ago(1))
    values.update(overrides)
    return values


def error_keys(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


@pytest.fixture
def case_manager(world):
    return world.users["case_a1"]


@pytest.fixture
def learner(world, case_manager):
    return make_learner(world, case_manager=case_manager)


@pytest.fixture
def case(learner, case_manager):
    return cases.enforcement_case_open(actor=case_manager, learner=learner, opened_on=days_ago(60))


def record(case, actor, step, days, **details):
    return cases.enforcement_step_record(actor=actor, case=case, step=step, happened_on=days_ago(days), **details)


def record_up_to_procedure(case, actor):
    record(case, actor, CaseStep.WARNING, 50)
    record(case, actor, CaseStep.CONTACT, 40, **CONTACT)
    record(case, actor, CaseStep.THREE_WAY_TALK, 30, **TALK)


def make_alert(world, learner, *, with_letter: bool) -> AbsenceAlert:
    alert = AbsenceAlert.unscoped.create(
        tenant=learner.tenant,
        learner=learner,
        month=date(TODAY.year, TODAY.month, 1),
        absence_count=3,
        threshold=3,
        provider=world.providers["a"],
        contract=make_contract(world, tenant=learner.tenant.slug[-1:]),
    )
    if with_letter:
        WarningLetter.unscoped.create(
            tenant=learner.tenant, alert=alert, provider=world.providers["a"], token="t" * 32, handed_out_on=days_ago(5)
        )
    return alert


# ---------------------------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------------------------


def test_opening_without_a_warning_letter_waits_for_the_warning(case, case_manager):
    assert case.status == CaseStatus.OPEN
    assert case.case_manager == case_manager
    assert case.current_step == CaseStep.WARNING
    assert case.steps.count() == 0


def test_opening_from_an_alert_with_its_letter_records_the_warning(world, learner, case_manager):
    alert = make_alert(world, learner, with_letter=True)

    case = cases.enforcement_case_open(actor=case_manager, learner=learner, alert=alert)

    (warning,) = case.steps.all()
    assert warning.step == CaseStep.WARNING
    assert warning.happened_on == days_ago(5)
    assert warning.actor == case_manager
    assert not warning.skipped
    assert case.current_step == CaseStep.CONTACT
    assert case.opened_on == TODAY


def test_an_alert_without_a_letter_leaves_the_warning_to_record(world, learner, case_manager):
    alert = make_alert(world, learner, with_letter=False)

    case = cases.enforcement_case_open(actor=case_manager, learner=learner, alert=alert)

    assert case.current_step == CaseStep.WARNING
    assert case.steps.count() == 0


def test_only_one_open_case_per_learner(case, learner, case_manager):
    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_case_open(actor=case_manager, learner=learner)
    assert error_keys(excinfo) == {"learner"}

    cases.enforcement_case_close(actor=case_manager, case=case, outcome=CaseOutcome.RECOVERED)
    again = cases.enforcement_case_open(actor=case_manager, learner=learner)
    assert again.pk != case.pk


def test_an_alert_of_another_learner_is_refused(world, learner, case_manager):
    other = make_learner(world, last_name="Other")
    alert = make_alert(world, other, with_letter=False)

    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_case_open(actor=case_manager, learner=learner, alert=alert)
    assert error_keys(excinfo) == {"alert"}


# ---------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------


def test_the_full_path_through_all_five_steps_ends_in_a_fine(case, case_manager):
    record_up_to_procedure(case, case_manager)
    record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)
    step = record(case, case_manager, CaseStep.FINE, 10, **fine("400.00", reduction=Decimal("100.00")))

    case.refresh_from_db()
    assert [s.step for s in case.steps.order_by("happened_on")] == list(CaseStep.values)
    assert not case.steps.filter(skipped=True).exists()
    assert case.current_step == CaseStep.FINE
    assert step.fine_amount == Decimal("400.00")
    assert cases.effective_fine(step) == Decimal("300.00")
    contact = case.steps.get(step=CaseStep.CONTACT)
    assert contact.underlying_cause == "kinderopvang"
    assert contact.support_offered.startswith("Referred")

    closed = cases.enforcement_case_close(
        actor=case_manager, case=case, outcome=CaseOutcome.FINED, note="Fine imposed after the procedure."
    )
    assert closed.status == CaseStatus.CLOSED
    assert closed.outcome == CaseOutcome.FINED
    assert closed.closed_on == TODAY
    assert closed.history.first().history_change_reason == "Fine imposed after the procedure."


def test_the_current_step_is_the_next_to_record(case, case_manager):
    record(case, case_manager, CaseStep.WARNING, 50)
    case.refresh_from_db()
    assert case.current_step == CaseStep.CONTACT
    record(case, case_manager, CaseStep.CONTACT, 40, **CONTACT)
    case.refresh_from_db()
    assert case.current_step == CaseStep.THREE_WAY_TALK


def test_skipping_the_three_way_talk_needs_a_reason_and_is_recorded_as_skipped(case, case_manager):
    record(case, case_manager, CaseStep.WARNING, 50)
    record(case, case_manager, CaseStep.CONTACT, 40, **CONTACT)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)
    assert error_keys(excinfo) == {"skip_reason"}
    assert not case.steps.filter(step=CaseStep.THREE_WAY_TALK).exists()

    record(case, case_manager, CaseStep.PROCEDURE, 20, skip_reason="The learner refused the talk.", **PROCEDURE)

    talk = case.steps.get(step=CaseStep.THREE_WAY_TALK)
    assert talk.skipped
    assert talk.skip_reason == "The learner refused the talk."
    assert talk.actor == case_manager
    assert not case.steps.get(step=CaseStep.PROCEDURE).skipped
    case.refresh_from_db()
    assert case.current_step == CaseStep.FINE


def test_a_reason_without_a_skip_is_refused(case, case_manager):
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.WARNING, 50, skip_reason="Nothing to skip.")
    assert error_keys(excinfo) == {"skip_reason"}


def test_a_step_cannot_be_recorded_twice(case, case_manager):
    record(case, case_manager, CaseStep.WARNING, 50)
    record(case, case_manager, CaseStep.CONTACT, 40, **CONTACT)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.CONTACT, 30, **CONTACT)
    assert error_keys(excinfo) == {"step"}
    assert case.steps.filter(step=CaseStep.CONTACT).count() == 1


def test_going_back_to_an_earlier_step_is_refused(case, case_manager):
    record(case, case_manager, CaseStep.WARNING, 50)
    record(case, case_manager, CaseStep.CONTACT, 40, skip_reason="", **CONTACT)
    record(case, case_manager, CaseStep.THREE_WAY_TALK, 30, **TALK)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.WARNING, 20)
    assert error_keys(excinfo) == {"step"}


def test_a_skipped_step_cannot_be_recorded_afterwards(case, case_manager):
    record(case, case_manager, CaseStep.CONTACT, 40, skip_reason="Letter was not needed.", **CONTACT)
    assert case.steps.get(step=CaseStep.WARNING).skipped

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.WARNING, 30)
    assert error_keys(excinfo) == {"step"}


def test_an_unknown_step_is_refused(case, case_manager):
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, "gevangenis", 10)
    assert error_keys(excinfo) == {"step"}


def test_dates_cannot_lie_in_the_future_or_before_the_previous_step(case, case_manager):
    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_step_record(
            actor=case_manager, case=case, step=CaseStep.WARNING, happened_on=TODAY + timedelta(days=1)
        )
    assert error_keys(excinfo) == {"happened_on"}

    record(case, case_manager, CaseStep.WARNING, 30)
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.CONTACT, 31, **CONTACT)
    assert error_keys(excinfo) == {"happened_on"}
    record(case, case_manager, CaseStep.CONTACT, 30, **CONTACT)  # the same day is fine


def test_each_step_asks_for_its_own_details(case, case_manager):
    record(case, case_manager, CaseStep.WARNING, 50)
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.CONTACT, 40)
    assert error_keys(excinfo) == {"outcome", "underlying_cause"}
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.CONTACT, 40, outcome="Talked.", underlying_cause="lui")
    assert error_keys(excinfo) == {"underlying_cause"}
    record(case, case_manager, CaseStep.CONTACT, 40, outcome="Talked.", underlying_cause="werk")

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.THREE_WAY_TALK, 30, attendees="  ")
    assert error_keys(excinfo) == {"attendees", "agreements"}
    record(case, case_manager, CaseStep.THREE_WAY_TALK, 30, **TALK)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.PROCEDURE, 20)
    assert error_keys(excinfo) == {"learner_view", "outcome"}
    record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.FINE, 10)
    assert error_keys(excinfo) == {"fine_amount", "culpability", "decision_date"}
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.FINE, 10, **fine("0"))
    assert error_keys(excinfo) == {"fine_amount"}
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.FINE, 10, **fine("200", reduction=Decimal("250"), culpability="x"))
    assert error_keys(excinfo) == {"reduction", "culpability"}
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.FINE, 10, **fine(decision_date=TODAY + timedelta(days=1)))
    assert error_keys(excinfo) == {"decision_date"}


def test_fine_details_belong_to_the_fine_step_only(case, case_manager):
    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.WARNING, 50, fine_amount=Decimal("100"))
    assert error_keys(excinfo) == {"fine_amount"}
    with pytest.raises(TypeError):
        record(case, case_manager, CaseStep.WARNING, 50, colour="red")


def test_a_closed_case_takes_no_more_steps(case, case_manager):
    cases.enforcement_case_close(actor=case_manager, case=case, outcome=CaseOutcome.RECOVERED)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.WARNING, 10)
    assert error_keys(excinfo) == {"__all__"}


# ---------------------------------------------------------------------------------------------
# The maximum fine
# ---------------------------------------------------------------------------------------------


def at_the_fine(case, actor):
    record_up_to_procedure(case, actor)
    record(case, actor, CaseStep.PROCEDURE, 20, **PROCEDURE)


def test_a_fine_above_the_legal_maximum_is_refused(case, case_manager):
    at_the_fine(case, case_manager)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.FINE, 10, **fine("800.01"))
    assert error_keys(excinfo) == {"fine_amount"}
    assert not case.steps.filter(step=CaseStep.FINE).exists()

    record(case, case_manager, CaseStep.FINE, 10, **fine("800.00"))


def test_the_regions_policy_sets_the_maximum(world, case, case_manager):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], maximum_fine=Decimal("500"))
    at_the_fine(case, case_manager)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.FINE, 10, **fine("600"))
    assert error_keys(excinfo) == {"fine_amount"}

    step = record(case, case_manager, CaseStep.FINE, 10, **fine("500"))
    assert step.fine_amount == Decimal("500.00")


def test_the_policy_of_the_open_trajectorys_contract_overrides_the_regions(world, learner, case, case_manager):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], maximum_fine=Decimal("500"))
    contract = make_contract(world)
    make_trajectory(learner, contract)
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], contract=contract, maximum_fine=Decimal("300"))
    at_the_fine(case, case_manager)

    with pytest.raises(ValidationError) as excinfo:
        record(case, case_manager, CaseStep.FINE, 10, **fine("400"))
    assert error_keys(excinfo) == {"fine_amount"}

    record(case, case_manager, CaseStep.FINE, 10, **fine("300"))


# ---------------------------------------------------------------------------------------------
# Asylum permit holders (since 2025)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def asylum_case(world, case_manager):
    learner = make_learner(world, last_name="Permit", is_asylum_permit_holder=True, case_manager=case_manager)
    return cases.enforcement_case_open(actor=case_manager, learner=learner, opened_on=days_ago(60))


def test_no_fine_procedure_for_an_asylum_permit_holder_without_the_exceptional_ground(asylum_case, case_manager):
    record_up_to_procedure(asylum_case, case_manager)

    with pytest.raises(ValidationError) as excinfo:
        record(asylum_case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)
    assert error_keys(excinfo) == {"exceptional_ground"}
    with pytest.raises(ValidationError) as excinfo:  # nor by skipping the procedure
        record(asylum_case, case_manager, CaseStep.FINE, 10, skip_reason="Hurry.", **fine())
    assert "exceptional_ground" in error_keys(excinfo)

    case = cases.enforcement_exceptional_ground_record(
        actor=case_manager,
        case=asylum_case,
        ground="  Refused every lesson for six months despite childcare arranged; documented in three talks. ",
    )
    assert case.exceptional_ground.startswith("Refused every lesson")

    record(asylum_case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)
    record(asylum_case, case_manager, CaseStep.FINE, 10, **fine())
    assert asylum_case.steps.count() == 5


def test_the_exceptional_ground_is_required_and_only_for_asylum_permit_holders(asylum_case, case, case_manager):
    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_exceptional_ground_record(actor=case_manager, case=asylum_case, ground="   ")
    assert error_keys(excinfo) == {"exceptional_ground"}

    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_exceptional_ground_record(actor=case_manager, case=case, ground="Unwilling.")
    assert error_keys(excinfo) == {"__all__"}


def test_the_steps_before_the_procedure_need_no_ground(asylum_case, case_manager):
    record_up_to_procedure(asylum_case, case_manager)
    assert asylum_case.steps.count() == 3


# ---------------------------------------------------------------------------------------------
# Closing
# ---------------------------------------------------------------------------------------------


def test_closing_as_recovered(case, case_manager):
    record(case, case_manager, CaseStep.WARNING, 50)
    record(case, case_manager, CaseStep.CONTACT, 40, **CONTACT)

    closed = cases.enforcement_case_close(
        actor=case_manager, case=case, outcome=CaseOutcome.RECOVERED, closed_on=days_ago(3)
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.outcome == CaseOutcome.RECOVERED
    assert case.closed_on == days_ago(3)
    assert closed.pk == case.pk


def test_closing_with_a_fine_needs_a_recorded_fine(case, case_manager):
    at_the_fine(case, case_manager)

    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_case_close(actor=case_manager, case=case, outcome=CaseOutcome.FINED)
    assert error_keys(excinfo) == {"outcome"}

    cases.enforcement_case_close(actor=case_manager, case=case, outcome=CaseOutcome.OTHER)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.OTHER


def test_closing_refuses_bad_input_and_a_second_close(case, case_manager):
    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_case_close(
            actor=case_manager, case=case, outcome="weg", closed_on=TODAY + timedelta(days=1), note="x" * 101
        )
    assert error_keys(excinfo) == {"outcome", "closed_on", "note"}
    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_case_close(
            actor=case_manager, case=case, outcome=CaseOutcome.RECOVERED, closed_on=days_ago(61)
        )
    assert error_keys(excinfo) == {"closed_on"}

    cases.enforcement_case_close(actor=case_manager, case=case, outcome=CaseOutcome.RECOVERED)
    with pytest.raises(ValidationError) as excinfo:
        cases.enforcement_case_close(actor=case_manager, case=case, outcome=CaseOutcome.OTHER)
    assert error_keys(excinfo) == {"__all__"}


# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------


def test_history_records_the_acting_case_manager(world, learner, case_manager):
    case = cases.enforcement_case_open(actor=case_manager, learner=learner, opened_on=days_ago(60))
    assert case.history.first().history_user == case_manager

    colleague = world.users["case_a2"]
    step = record(case, colleague, CaseStep.CONTACT, 40, skip_reason="No letter was sent.", **CONTACT)
    assert step.actor == colleague
    assert step.history.first().history_user == colleague
    skipped = case.steps.get(step=CaseStep.WARNING)
    assert skipped.history.first().history_user == colleague
    case.refresh_from_db()
    assert case.history.first().history_user == colleague

    cases.enforcement_case_close(actor=case_manager, case=case, outcome=CaseOutcome.RECOVERED)
    assert case.history.first().history_user == case_manager
    assert case.history.first().status == CaseStatus.CLOSED
    assert case.case_manager == case_manager  # recording a step does not change who leads the case


def test_nothing_is_written_when_a_step_is_refused(case, case_manager):
    record(case, case_manager, CaseStep.WARNING, 50)
    with scopes_disabled():
        steps_before = EnforcementStep.objects.count()
        history_before = EnforcementCase.history.count()

    with pytest.raises(ValidationError):
        record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)  # skips without a reason

    with scopes_disabled():
        assert EnforcementStep.objects.count() == steps_before
        assert EnforcementCase.history.count() == history_before


def test_the_services_work_in_the_case_managers_own_municipality_scope(world, learner, case_manager):
    contract = make_contract(world)
    make_trajectory(learner, contract)
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], contract=contract, maximum_fine=Decimal("300"))
    grant = Grant(tenant_id=world.tenants["a"].pk, municipality_id=world.municipalities["a1"].pk)
    with scope([grant]):
        case = cases.enforcement_case_open(actor=case_manager, learner=learner, opened_on=days_ago(60))
        at_the_fine(case, case_manager)
        with pytest.raises(ValidationError) as excinfo:
            record(case, case_manager, CaseStep.FINE, 10, **fine("301"))
        assert error_keys(excinfo) == {"fine_amount"}
        record(case, case_manager, CaseStep.FINE, 10, **fine("300"))
        cases.enforcement_case_close(actor=case_manager, case=case, outcome=CaseOutcome.FINED)


def test_a_fine_cannot_skip_the_procedure_where_the_learner_is_heard(case, case_manager):
    record(case, case_manager, CaseStep.WARNING, 50)
    record(case, case_manager, CaseStep.CONTACT, 40, **CONTACT)
    with pytest.raises(ValidationError) as refused:
        cases.enforcement_step_record(
            actor=case_manager,
            case=case,
            step=CaseStep.FINE,
            happened_on=days_ago(10),
            skip_reason="Geen reactie van de inburgeraar.",
            **fine("300.00"),
        )
    assert "skip_reason" in refused.value.message_dict
