"""The absence coordinator filters the alerts queue by month, assigns two alerts to herself, opens
one, takes it in progress, adds a note and passes it on to enforcement (guide 2.4). axe on the
queue and the alert's page."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from contracts import services as contract_services
from enforcement.models import AbsenceAlert, EnforcementCase
from enforcement.services import absence_alerts_detect
from inburgering.tenancy.models import Municipality, Provider, Tenant, User
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes import services as learner_services
from tests.contracts.conftest import contract_fields
from tests.e2e.test_shell import assert_no_serious_axe_violations
from tests.learning_routes.conftest import next_bsn
from tests.progress.helpers import give_lessons

OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)


def _alerts() -> list[AbsenceAlert]:
    """In IJmond, three Velsen learners of De Brug with three absences each: two in October, one in
    November; their case manager is the demo's IJmond case manager."""
    with scopes_disabled():
        tenant = Tenant.objects.get(slug="ijmond")
        velsen = Municipality.objects.get(tenant=tenant, cbs_code="GM0453")
        provider = Provider.objects.get(kvk_number="80412345")  # Taalschool De Brug
        case_manager = User.objects.get(username="ijmond.klantmanager")
    learners = []
    with scope([Grant(tenant_id=tenant.pk)]):
        contract = contract_services.contract_create(
            actor=None,
            tenant=tenant,
            municipalities=[velsen],
            provider=provider,
            **contract_fields(reference="IJM-E2E-VZ", title="Verzuimsignalen e2e"),
        )
        for last_name, month in (("Oktober", OCTOBER), ("Tweede", OCTOBER), ("November", NOVEMBER)):
            learner = learner_services.learner_create(
                actor=None,
                tenant=tenant,
                bsn=next_bsn(),
                municipality=velsen,
                first_name="Noor",
                last_name=last_name,
                date_of_birth=date(1993, 6, 1),
                pip_date=date(2025, 9, 1),
                case_manager=case_manager,
            )
            trajectory = learner_services.trajectory_create(
                actor=None,
                learner=learner,
                contract=contract,
                route="b1",
                status="actief",
                start_date=date(2026, 1, 5),
                dagdelen_per_week=4,
            )
            give_lessons(trajectory, first=month.replace(day=6), count=3, attended=0)
            learners.append(learner)
    for month in (OCTOBER, NOVEMBER):
        absence_alerts_detect(tenant=tenant, month=month)
    with scopes_disabled():
        return [AbsenceAlert.objects.get(learner=learner) for learner in learners]


def test_the_coordinator_works_the_queue_and_passes_an_alert_on_to_enforcement(page, login, live_server):
    first, second, november = _alerts()
    with scopes_disabled():
        coordinator = User.objects.get(username="ijmond.verzuim")

    login("ijmond.verzuim")
    page.goto(f"{live_server.url}/verzuimsignalen")
    expect(page.locator(f"#signaal-{november.pk}")).to_be_visible()
    assert_no_serious_axe_violations(page, "the absence alerts queue")

    # Filter by month, with the keyboard-usable GET form.
    page.locator("#id_maand").select_option("2026-10")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator(f"#signaal-{first.pk}")).to_be_visible()
    expect(page.locator(f"#signaal-{second.pk}")).to_be_visible()
    expect(page.locator(f"#signaal-{november.pk}")).to_have_count(0)

    # Select both and assign them to herself; the queue keeps its filter.
    page.locator(f"#kies-signaal-{first.pk}").check()
    page.locator(f"#kies-signaal-{second.pk}").check()
    page.locator("#toewijzen select[name=assignee]").select_option(str(coordinator.pk))
    page.locator("#toewijzen button[type=submit]").click()
    expect(page.locator(f"#signaal-{first.pk}")).to_contain_text("Lotte Jansen")
    expect(page.locator(f"#signaal-{second.pk}")).to_contain_text("Lotte Jansen")
    expect(page.locator(f"#signaal-{november.pk}")).to_have_count(0)
    with scopes_disabled():
        assert {a.assigned_to_id for a in AbsenceAlert.objects.filter(pk__in=[first.pk, second.pk])} == {coordinator.pk}

    # Open the first: take it in progress, add a note.
    page.locator(f"#signaal-{first.pk} a").first.click()
    expect(page.locator("#signaal-status")).to_be_visible()
    expect(page.locator("#dossier-link")).to_have_attribute("href", f"/inburgeraars/{first.learner_id}")
    assert_no_serious_axe_violations(page, "an absence alert's page")
    page.locator("form:has(input[name=status][value=in_behandeling]) button").click()
    expect(page.locator("form:has(input[name=status][value=contact_opgenomen]) button")).to_be_visible()
    page.locator("#id_text").fill("Cursist gebeld: kinderopvang viel uit, komt weer vanaf maandag.")
    page.locator("form:has(#id_text) button[type=submit]").click()
    expect(page.locator(".notes")).to_contain_text("kinderopvang viel uit")

    # Contact made, then closed and passed on to enforcement: a case for the case manager.
    page.locator("form:has(input[name=status][value=contact_opgenomen]) button").click()
    page.locator("form:has(input[name=outcome][value=handhaving]) button").click()
    expect(page.locator("#handhavingszaken")).to_contain_text("Ayşe Visser")
    with scopes_disabled():
        alert = AbsenceAlert.objects.get(pk=first.pk)
        case = EnforcementCase.objects.get(learner_id=first.learner_id)
    assert (alert.status, alert.outcome) == ("afgesloten", "handhaving")
    assert case.case_manager.username == "ijmond.klantmanager"
    assert case.alert_id == first.pk
    # Dutch labels (need the nl catalogue).
    expect(page.locator("#signaal-status")).to_have_text("afgesloten")
