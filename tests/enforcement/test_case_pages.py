"""The enforcement case pages as the case manager uses them (guide 2.4, 2.5): opening a case from the
dossier, walking it through its steps, skipping with a reason, the asylum permit holder's exceptional
ground, closing; providers refused, other municipalities not found."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from enforcement import cases
from enforcement.models import CaseStatus, CaseStep, EnforcementCase, EnforcementStep
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from tests.contracts.conftest import make_contract
from tests.enforcement.test_letter_pages import letter_of
from tests.learning_routes.conftest import make_learner, make_trajectory

TODAY = timezone.localdate()


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def _text(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def _dutch(message: str) -> str:
    """A message as the Dutch interface shows it (the English msgid until it is translated)."""
    with translation.override("nl"):
        return translation.gettext(message)


@pytest.fixture
def contract(world):
    return make_contract(world, actor=world.users["contract_a"])


def _learner(world, contract, **fields):
    learner = make_learner(world, case_manager=world.users["case_a1"], **fields)
    make_trajectory(learner, contract)
    return learner


def _open_case(world, learner) -> EnforcementCase:
    with scope([Grant(tenant_id=learner.tenant_id)]):
        return cases.enforcement_case_open(
            actor=world.users["case_a1"], learner=learner, opened_on=TODAY - timedelta(days=30)
        )


def _steps(case) -> dict[str, EnforcementStep]:
    with scopes_disabled():
        return {row.step: row for row in EnforcementStep.objects.filter(case=case)}


def isolation_case(world) -> EnforcementCase:
    """For the isolation matrix: an open case of the populated world's learner (municipality a1)."""
    if "enforcement_case" not in world.objects:
        world.objects["enforcement_case"] = _open_case(world, world.objects["learner"])
    return world.objects["enforcement_case"]


# --- Walking a case through its steps ------------------------------------------------------------------


def test_case_manager_opens_a_case_and_walks_it_through_contact_to_the_three_way_talk(world, contract):
    learner = _learner(world, contract)
    client = world.client("case_a1")

    opened = client.post(f"/inburgeraars/{learner.pk}/handhaving")

    assert opened.status_code == 302
    with scopes_disabled():
        case = EnforcementCase.objects.get(learner=learner)
    assert opened["Location"] == f"/handhaving/{case.pk}"
    assert case.current_step == CaseStep.WARNING

    page = client.get(f"/handhaving/{case.pk}").content.decode()
    assert 'name="step" value="waarschuwing"' in page
    response = client.post(f"/handhaving/{case.pk}/stap", {"step": "waarschuwing", "happened_on": days_ago(10)})
    assert response.status_code == 302

    page = client.get(f"/handhaving/{case.pk}").content.decode()
    assert 'name="step" value="contact_klantmanager"' in page
    assert 'name="underlying_cause"' in page and 'name="support_offered"' in page
    assert 'class="message message--warning repair-first"' in page  # repair first (guide 2.5)
    response = client.post(
        f"/handhaving/{case.pk}/stap",
        {
            "step": "contact_klantmanager",
            "happened_on": days_ago(8),
            "outcome": "Gebeld: de kinderopvang viel twee keer uit.",
            "underlying_cause": "kinderopvang",
            "support_offered": "Doorverwezen naar het loket kinderopvangtoeslag.",
        },
    )
    assert response.status_code == 302

    page = client.get(f"/handhaving/{case.pk}").content.decode()
    assert 'name="attendees"' in page and 'name="agreements"' in page
    response = client.post(
        f"/handhaving/{case.pk}/stap",
        {
            "step": "driegesprek",
            "happened_on": days_ago(3),
            "attendees": "Klantmanager, docent, inburgeraar",
            "agreements": "Komt elke les; meldt zich voor 9:00 af.",
        },
    )
    assert response.status_code == 302

    steps = _steps(case)
    assert list(steps) == ["waarschuwing", "contact_klantmanager", "driegesprek"]
    assert steps["contact_klantmanager"].underlying_cause == "kinderopvang"
    assert steps["driegesprek"].actor == world.users["case_a1"]
    with scopes_disabled():
        case.refresh_from_db()
    assert case.current_step == CaseStep.PROCEDURE

    page = client.get(f"/handhaving/{case.pk}")
    timeline = re.search(r'<ol class="timeline" id="tijdlijn">(.*?)</ol>', page.content.decode(), re.S).group(1)
    order = [timeline.index(f'id="stap-{step}"') for step in ("waarschuwing", "contact_klantmanager", "driegesprek")]
    assert order == sorted(order)
    text = _text(page)
    assert "Gebeld: de kinderopvang viel twee keer uit." in text
    assert "Komt elke les; meldt zich voor 9:00 af." in text
    assert (TODAY - timedelta(days=8)).strftime("%d-%m-%Y") in text
    assert 'name="learner_view"' in page.content.decode()  # the procedure is next


def test_an_error_of_the_service_lands_next_to_its_field_and_nothing_is_lost(world, contract):
    learner = _learner(world, contract)
    case = _open_case(world, learner)
    client = world.client("case_a1")
    client.post(f"/handhaving/{case.pk}/stap", {"step": "waarschuwing", "happened_on": days_ago(10)})

    response = client.post(
        f"/handhaving/{case.pk}/stap",
        {"step": "contact_klantmanager", "happened_on": days_ago(5), "outcome": "", "support_offered": "Bel-me-terug"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_outcome_error"' in body and 'id="id_underlying_cause_error"' in body
    assert _dutch("Record the underlying cause of the absence.") in _text(response)
    assert "Bel-me-terug" in body
    assert "contact_klantmanager" not in _steps(case)


def test_skipping_without_a_reason_shows_the_error_and_with_a_reason_records_the_skipped_steps(world, contract):
    learner = _learner(world, contract)
    case = _open_case(world, learner)
    client = world.client("case_a1")

    page = client.get(f"/handhaving/{case.pk}?stap=driegesprek").content.decode()
    assert 'name="step" value="driegesprek"' in page and 'name="skip_reason"' in page

    talk = {
        "step": "driegesprek",
        "happened_on": days_ago(2),
        "attendees": "Klantmanager, docent, inburgeraar",
        "agreements": "Afspraken-blijven-staan",
    }
    response = client.post(f"/handhaving/{case.pk}/stap", talk)

    assert response.status_code == 200
    assert 'id="id_skip_reason_error"' in response.content.decode()
    assert "Afspraken-blijven-staan" in response.content.decode()
    assert _steps(case) == {}

    response = client.post(
        f"/handhaving/{case.pk}/stap", {**talk, "skip_reason": "Brief en contact liepen via de verzuimcoördinator."}
    )

    assert response.status_code == 302
    steps = _steps(case)
    assert steps["waarschuwing"].skipped and steps["contact_klantmanager"].skipped
    assert steps["contact_klantmanager"].skip_reason == "Brief en contact liepen via de verzuimcoördinator."
    assert not steps["driegesprek"].skipped
    text = _text(client.get(f"/handhaving/{case.pk}"))
    assert _dutch("Skipped") in text and "Brief en contact liepen via de verzuimcoördinator." in text


def test_the_asylum_guard_is_on_the_page_and_the_ground_unlocks_the_procedure(world, contract):
    learner = _learner(world, contract, is_asylum_permit_holder=True)
    case = _open_case(world, learner)
    client = world.client("case_a1")
    for step, days, details in (
        ("waarschuwing", 20, {}),
        ("contact_klantmanager", 15, {"outcome": "Gesproken.", "underlying_cause": "anders"}),
        ("driegesprek", 10, {"attendees": "Allen", "agreements": "Elke les komen."}),
    ):
        assert client.post(f"/handhaving/{case.pk}/stap", {"step": step, "happened_on": days_ago(days), **details})
    guard = _dutch(
        "Since 2025 a fine for an asylum permit holder is possible only for exceptional, proven, persistent "
        "unwillingness. Record that ground on the case first."
    )

    page = client.get(f"/handhaving/{case.pk}")
    assert 'id="uitzonderingsgrond"' in page.content.decode()
    assert 'id="asiel-waarschuwing"' in page.content.decode()
    assert guard in _text(page)

    procedure = {
        "step": "handhavingsprocedure",
        "happened_on": days_ago(5),
        "learner_view": "Geen reden gegeven.",
        "outcome": "Voornemen boete van €200.",
    }
    refused = client.post(f"/handhaving/{case.pk}/stap", procedure)
    assert refused.status_code == 200
    assert guard in _text(refused)
    assert "handhavingsprocedure" not in _steps(case)

    recorded = client.post(
        f"/handhaving/{case.pk}/uitzonderingsgrond",
        {"exceptional_ground": "Vijf gesprekken geweigerd; schriftelijk vastgelegd."},
    )
    assert recorded.status_code == 302
    page = client.get(f"/handhaving/{case.pk}")
    assert 'id="asiel-waarschuwing"' not in page.content.decode()
    assert "Vijf gesprekken geweigerd; schriftelijk vastgelegd." in _text(page)
    assert client.post(f"/handhaving/{case.pk}/stap", procedure).status_code == 302
    assert "handhavingsprocedure" in _steps(case)


def test_the_ground_form_is_only_for_asylum_permit_holders(world, contract):
    case = _open_case(world, _learner(world, contract))
    page = world.client("case_a1").get(f"/handhaving/{case.pk}").content.decode()
    assert 'id="uitzonderingsgrond"' not in page


def test_the_fine_form_shows_the_policys_maximum(world, contract):
    case = _open_case(world, _learner(world, contract))
    page = world.client("case_a1").get(f"/handhaving/{case.pk}?stap=boete").content.decode()
    assert 'name="fine_amount"' in page and 'name="culpability"' in page and 'name="decision_date"' in page
    assert re.search(r'id="maximale-boete">[^<]*800', page)


def test_case_manager_closes_the_case(world, contract):
    case = _open_case(world, _learner(world, contract))
    client = world.client("case_a1")

    response = client.post(f"/handhaving/{case.pk}/afsluiten", {"afsluiten-outcome": "boete"})
    assert response.status_code == 200  # no fine recorded yet
    assert 'id="id_afsluiten-outcome_error"' in response.content.decode()

    response = client.post(
        f"/handhaving/{case.pk}/afsluiten", {"afsluiten-outcome": "hersteld", "afsluiten-note": "Komt weer."}
    )
    assert response.status_code == 302
    with scopes_disabled():
        case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "hersteld"
    page = client.get(f"/handhaving/{case.pk}").content.decode()
    assert 'name="step"' not in page
    listing = client.get("/handhaving").content.decode()
    assert listing.index('id="afgesloten-zaken"') < listing.index(f'id="zaak-{case.pk}"')


def test_opening_from_an_alert_takes_the_warning_from_its_letter(world, contract):
    learner = make_learner(world, case_manager=world.users["case_a1"])
    letter = letter_of(make_trajectory(learner, contract), generate=False)
    client = world.client("case_a1")

    response = client.post(f"/inburgeraars/{learner.pk}/handhaving", {"alert": letter.alert_id})

    assert response.status_code == 302
    with scopes_disabled():
        case = EnforcementCase.objects.get(learner=learner)
    assert case.alert_id == letter.alert_id
    assert list(_steps(case)) == ["waarschuwing"]
    page = client.get(f"/handhaving/{case.pk}")
    assert "01-2026" in _text(page)
    assert 'name="step" value="contact_klantmanager"' in page.content.decode()


def test_opening_a_second_case_leads_to_the_open_one(world, contract):
    learner = _learner(world, contract)
    case = _open_case(world, learner)
    response = world.client("case_a1").post(f"/inburgeraars/{learner.pk}/handhaving")
    assert response.status_code == 302
    assert response["Location"] == f"/handhaving/{case.pk}"


# --- Who may -----------------------------------------------------------------------------------------


def test_providers_are_refused_on_every_case_url(world, contract):
    learner = _learner(world, contract)
    case = _open_case(world, learner)
    client = world.client("staff_a")
    assert client.get("/handhaving").status_code == 403
    assert client.get(f"/handhaving/{case.pk}").status_code == 403
    for url in ("stap", "uitzonderingsgrond", "afsluiten"):
        assert client.post(f"/handhaving/{case.pk}/{url}", {}).status_code == 403
    assert client.post(f"/inburgeraars/{learner.pk}/handhaving").status_code == 403


def test_a_case_manager_of_another_municipality_finds_nothing(world, contract):
    case = _open_case(world, _learner(world, contract))
    client = world.client("case_a2")
    assert client.get(f"/handhaving/{case.pk}").status_code == 404
    assert client.post(f"/handhaving/{case.pk}/stap", {"step": "waarschuwing"}).status_code == 404
    assert f'id="zaak-{case.pk}"' not in client.get("/handhaving").content.decode()


def test_the_absence_coordinator_reads_but_does_not_record(world, contract):
    case = _open_case(world, _learner(world, contract))
    client = world.client("absence_a")
    page = client.get(f"/handhaving/{case.pk}")
    assert page.status_code == 200
    assert 'name="step"' not in page.content.decode()
    assert f'id="zaak-{case.pk}"' in client.get("/handhaving").content.decode()
    assert client.post(f"/handhaving/{case.pk}/stap", {"step": "waarschuwing"}).status_code == 403


def test_the_menu_shows_enforcement_to_case_managers_and_coordinators_only(world):
    assert 'href="/handhaving"' in world.client("case_a1").get("/").content.decode()
    assert 'href="/handhaving"' in world.client("absence_a").get("/").content.decode()
    assert 'href="/handhaving"' not in world.client("staff_a").get("/").content.decode()


# --- Query count -------------------------------------------------------------------------------------


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/handhaving")
    assert response.status_code == 200
    return len(captured)


def test_the_case_list_runs_the_same_queries_for_one_case_as_for_five(world, contract):
    client = world.client("case_a1")
    client.get("/handhaving")  # warm the session and the content types
    first = _open_case(world, _learner(world, contract, last_name="Een"))
    one = _list_queries(client)
    for number in range(4):
        _open_case(world, _learner(world, contract, last_name=f"Later{number}"))
    with scope([Grant(tenant_id=first.tenant_id)]):
        cases.enforcement_case_close(actor=world.users["case_a1"], case=first, outcome="hersteld")
    five = _list_queries(client)
    assert one == five
