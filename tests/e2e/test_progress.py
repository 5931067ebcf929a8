"""A provider assesses a checkpoint (advice: downscale) and requests downscaling writing B1 → A2;
the case manager grants it from the decision queue; the dossier shows the trajectory downscaled.
axe on the to-do list, the request form and the decision queue."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from playwright.sync_api import expect

from attendance.models import TrajectoryAttendanceMonth
from contracts import services as contract_services
from inburgering.tenancy.models import Municipality, Provider, Tenant
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes import services as learner_services
from learning_routes.models import Trajectory
from progress.models import Checkpoint, LevelChangeRequest
from progress.services import progress_detect
from tests.contracts.conftest import contract_fields
from tests.e2e.test_shell import assert_no_serious_axe_violations
from tests.learning_routes.conftest import next_bsn

SKILLS = ("lezen", "luisteren", "schrijven", "spreken")


def _learner_with_620_hours() -> Trajectory:
    """In IJmond (De Brug's first region), a Velsen learner on a B1 contract with 620 attended hours
    in the monthly rollup, and the checkpoints those hours cross."""
    with scopes_disabled():
        tenant = Tenant.objects.get(slug="ijmond")
        velsen = Municipality.objects.get(tenant=tenant, cbs_code="GM0453")
        provider = Provider.objects.get(kvk_number="80412345")  # Taalschool De Brug, quality mark
    with scope([Grant(tenant_id=tenant.pk)]):
        contract = contract_services.contract_create(
            actor=None,
            tenant=tenant,
            municipalities=[velsen],
            provider=provider,
            **contract_fields(reference="IJM-E2E-01", title="Evaluatiemomenten e2e"),
        )
        learner = learner_services.learner_create(
            actor=None,
            tenant=tenant,
            bsn=next_bsn(),
            municipality=velsen,
            first_name="Samira",
            last_name="Evaluatie",
            date_of_birth=date(1991, 4, 2),
            pip_date=date(2025, 9, 1),
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
    TrajectoryAttendanceMonth.unscoped.create(
        tenant=tenant,
        trajectory=trajectory,
        month=date(2026, 2, 1),
        offered_minutes=640 * 60,
        attended_minutes=620 * 60,
    )
    progress_detect(tenant=tenant, as_of=timezone.localdate())
    return trajectory


def test_provider_assesses_and_requests_downscaling_and_the_case_manager_grants_it(page, login, live_server):
    trajectory = _learner_with_620_hours()
    with scopes_disabled():
        checkpoint = Checkpoint.objects.get(trajectory=trajectory, threshold_hours=600)
    number = trajectory.learner.learner_number

    # The provider's to-do list, then the assessment form.
    login("debrug.medewerker")
    page.goto(f"{live_server.url}/evaluatiemomenten")
    row = page.locator(f"#evaluatiemoment-{checkpoint.pk}")
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Samira")
    assert_no_serious_axe_violations(page, "the provider's checkpoint to-do list")
    row.get_by_role("link").click()
    expect(page.locator("#id_advice")).to_be_visible()
    for skill in SKILLS:
        page.locator(f"#id_{skill}_level").select_option("A2")
        # Radios: 0 = yes, 1 = no; writing is not on track.
        page.locator(f"#id_{skill}_on_track_{1 if skill == 'schrijven' else 0}").check()
    page.locator("#id_schrijven_remark").fill("Schrijft korte zinnen, blijft op A2.")
    page.locator("input[name=advice][value=afschalen]").check()
    page.locator("#id_advice_remark").fill("Schrijven haalt B1 niet binnen de resterende uren.")
    page.locator("form:has(#id_advice) button[type=submit]").click()

    expect(page.locator("#beoordeling-per-vaardigheid")).to_contain_text("A2")
    with scopes_disabled():
        assert Checkpoint.objects.get(pk=checkpoint.pk).status == "ingediend"

    # The request, started from the checkpoint: writing is preselected, B1 → A2.
    page.locator("#verzoek-starten").click()
    expect(page.locator("#gevolgde-uren")).to_have_text("620")
    expect(page.locator("input[name=kind][value=afschalen]")).to_be_checked()
    expect(page.locator("#id_schrijven_include")).to_be_checked()
    expect(page.locator("#id_schrijven_from")).to_have_value("B1")
    page.locator("#id_schrijven_to").select_option("A2")
    page.locator("#id_motivation").fill("Na 620 uur blijft schrijven op A2; de andere vaardigheden halen B1.")
    assert_no_serious_axe_violations(page, "the level-change request form")
    page.locator("form:has(#id_motivation) button[type=submit]").click()

    expect(page.locator("#verzoek-status")).to_be_visible()
    expect(page.locator("#vaardigheden-tabel")).to_contain_text("A2")
    with scopes_disabled():
        request = LevelChangeRequest.objects.get(trajectory=trajectory)
    assert request.skill_changes == [{"skill": "schrijven", "from": "B1", "to": "A2"}]

    # The case manager of Velsen: the decision queue, then the grant.
    page.context.clear_cookies()
    login("ijmond.klantmanager")
    page.goto(f"{live_server.url}/niveauwijzigingen")
    queued = page.locator(f"#verzoek-{request.pk}")
    expect(queued).to_contain_text(number)
    assert_no_serious_axe_violations(page, "the decision queue")
    queued.locator(f"a[href='/niveauwijzigingen/{request.pk}']").click()
    page.locator("input[name=decision][value=toegekend]").check()
    page.locator("#id_decision_reason").fill("Akkoord: afschalen voor schrijven.")
    page.locator("form:has(#id_decision_reason) button[type=submit]").click()

    expect(page.locator("#verzoek-status")).to_have_class("status status--toegekend")
    with scopes_disabled():
        trajectory.refresh_from_db()
    assert trajectory.status == "afgeschaald"
    assert trajectory.target_writing == "A2"

    page.goto(f"{live_server.url}/inburgeraars/{trajectory.learner_id}")
    expect(page.locator(f"#traject-{trajectory.pk} .status").first).to_have_text("afgeschaald")
