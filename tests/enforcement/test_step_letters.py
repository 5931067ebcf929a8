"""The letters of the last two enforcement steps (guide 2.4, 2.5): recording the enforcement procedure
makes the intention to fine with the right to a zienswijze, recording the fine makes the decision with
how to object (bezwaar); plain Dutch, the learner number and never the BSN. The case manager and the
absence coordinator download them from the case page; providers are refused."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from enforcement import cases
from enforcement.models import AbsenceAlert, CaseStep, EnforcementCase, EnforcementStep
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from tests.contracts.conftest import make_contract
from tests.enforcement.test_case_pages import isolation_case
from tests.enforcement.test_cases import CONTACT, PROCEDURE, fine, record, record_up_to_procedure
from tests.learning_routes.conftest import make_learner, make_trajectory

BSN = "111222333"
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case_manager(world):
    return world.users["case_a1"]


@pytest.fixture
def learner(world, case_manager):
    learner = make_learner(world, case_manager=case_manager, bsn=BSN)
    make_trajectory(learner, make_contract(world))
    return learner


@pytest.fixture
def case(world, learner, case_manager) -> EnforcementCase:
    """A case opened from an alert of three absences in last month (the alert has no letter yet)."""
    month = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    with scope([Grant(tenant_id=learner.tenant_id)]):
        alert = AbsenceAlert.objects.create(
            tenant=learner.tenant,
            learner=learner,
            month=month,
            absence_count=3,
            threshold=3,
            absence_dates=[month.replace(day=day).isoformat() for day in (5, 12, 19)],
            provider=world.providers["a"],
            contract=learner.trajectories.get().contract,
        )
        return cases.enforcement_case_open(
            actor=case_manager, learner=learner, alert=alert, opened_on=TODAY - timedelta(days=60)
        )


def in_scope(learner):
    return scope([Grant(tenant_id=learner.tenant_id)])


def pdf_text(step: EnforcementStep) -> str:
    with step.letter.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def no_bsn(text: str) -> bool:
    return BSN not in text.replace(" ", "")


def test_recording_the_procedure_attaches_the_intention_to_fine(case, learner, case_manager, media):
    with in_scope(learner):
        record_up_to_procedure(case, case_manager)
        step = record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)

    assert step.letter.name.startswith(f"handhaving/{case.pk}-handhavingsprocedure-")
    assert step.letter.name.endswith(".pdf")
    assert (media / step.letter.name).is_file()
    text = pdf_text(step)
    assert "Voornemen tot het opleggen van een boete" in text
    assert "Amal Haddad" in text
    assert learner.learner_number in text
    assert "zienswijze" in text
    assert "binnen 2 weken" in text
    assert "€ 800,00" in text  # the policy's maximum (the default)
    assert "Regio A" in text and "Gemeente A1" in text
    assert "U kreeg een waarschuwingsbrief." in text  # the earlier steps, with their dates
    assert "driegesprek" in text
    assert no_bsn(text)
    with step.letter.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert str(reader.trailer["/Root"]["/Lang"]) == "nl"
    assert reader.metadata.title == "Voornemen tot het opleggen van een boete"  # no personal data


def test_recording_the_fine_attaches_the_decision_with_how_to_object(case, learner, case_manager):
    with in_scope(learner):
        record_up_to_procedure(case, case_manager)
        record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)
        step = record(case, case_manager, CaseStep.FINE, 10, **fine("400.00", reduction=Decimal("100.00")))

    assert step.letter.name.startswith(f"handhaving/{case.pk}-boete-")
    text = pdf_text(step)
    assert "Besluit: boete" in text
    assert "€ 400,00" in text
    assert "€ 100,00" in text
    assert "€ 300,00" in text  # the amount to pay
    assert "grove schuld" in text
    assert "Bent u het niet eens met dit besluit?" in text
    assert "bezwaar" in text
    assert "6 weken" in text
    assert "Algemene wet bestuursrecht" in text
    assert "college van burgemeester en wethouders" in text
    assert learner.learner_number in text
    assert no_bsn(text)


def test_a_skipped_step_gets_no_letter_and_the_procedure_and_fine_do(case, learner, case_manager):
    with in_scope(learner):
        record(case, case_manager, CaseStep.WARNING, 50)
        record(case, case_manager, CaseStep.CONTACT, 40, **CONTACT)
        procedure = record(case, case_manager, CaseStep.PROCEDURE, 20, skip_reason="Talk refused twice.", **PROCEDURE)
        step = record(case, case_manager, CaseStep.FINE, 10, **fine())
        talk = case.steps.get(step=CaseStep.THREE_WAY_TALK)

    assert talk.skipped
    assert not talk.letter
    assert procedure.letter
    assert step.letter
    with in_scope(learner):
        assert not case.steps.filter(step__in=[CaseStep.WARNING, CaseStep.CONTACT, CaseStep.THREE_WAY_TALK]).exclude(
            letter=""
        )


def test_a_letter_that_cannot_be_made_stops_the_step(case, learner, case_manager, monkeypatch):
    def broken(step):
        raise RuntimeError("no fonts")

    monkeypatch.setattr("enforcement.step_letters.step_letter_render_pdf", broken)
    with in_scope(learner):
        record_up_to_procedure(case, case_manager)
        with pytest.raises(RuntimeError):
            record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)
        assert not case.steps.filter(step=CaseStep.PROCEDURE).exists()
        case.refresh_from_db()
        assert case.current_step == CaseStep.PROCEDURE


def test_the_case_manager_downloads_the_letter_and_providers_are_refused(world, case, learner, case_manager):
    with in_scope(learner):
        record_up_to_procedure(case, case_manager)
        step = record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)
        talk = case.steps.get(step=CaseStep.THREE_WAY_TALK)
    url = f"/handhaving/{case.pk}/stappen/{step.pk}/brief"

    page = world.client("case_a1").get(f"/handhaving/{case.pk}")
    assert url in page.content.decode()
    assert f"/handhaving/{case.pk}/stappen/{talk.pk}/brief" not in page.content.decode()

    for user in ("case_a1", "absence_a"):
        response = world.client(user).get(url)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline")
        assert learner.learner_number in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")

    for user in ("staff_a", "staff_shared"):
        assert world.client(user).get(url).status_code == 403, user
    assert world.client("case_a2").get(url).status_code == 404  # another municipality
    # A step without a letter is not found.
    assert world.client("case_a1").get(f"/handhaving/{case.pk}/stappen/{talk.pk}/brief").status_code == 404


def test_a_step_of_another_case_is_not_found_under_this_case(world, case, learner, case_manager):
    with in_scope(learner):
        record_up_to_procedure(case, case_manager)
        step = record(case, case_manager, CaseStep.PROCEDURE, 20, **PROCEDURE)
    other = make_learner(world, case_manager=case_manager, last_name="Ander")
    with in_scope(other):
        other_case = cases.enforcement_case_open(actor=case_manager, learner=other)

    response = world.client("case_a1").get(f"/handhaving/{other_case.pk}/stappen/{step.pk}/brief")
    assert response.status_code == 404


def isolation_step_letter(world) -> EnforcementStep:
    """For the isolation matrix: the populated learner's case taken to the enforcement procedure,
    whose step has its letter (municipality a1)."""
    if "enforcement_step_letter" not in world.objects:
        case = isolation_case(world)
        actor = world.users["case_a1"]
        with scope([Grant(tenant_id=case.tenant_id)]):
            for step, days, details in (
                (CaseStep.WARNING, 50, {}),
                (CaseStep.CONTACT, 40, {"outcome": "Gebeld.", "underlying_cause": "kinderopvang"}),
                (CaseStep.THREE_WAY_TALK, 25, {"attendees": "Gemeente, school", "agreements": "Elke les."}),
                (CaseStep.PROCEDURE, 20, PROCEDURE),
            ):
                row = cases.enforcement_step_record(
                    actor=actor,
                    case=case,
                    step=step,
                    happened_on=max(case.opened_on, TODAY - timedelta(days=days)),
                    **details,
                )
        with scopes_disabled():
            world.objects["enforcement_step_letter"] = EnforcementStep.objects.get(pk=row.pk)
    return world.objects["enforcement_step_letter"]
