"""The learner register and dossier as case managers, coordinators, contract managers and providers see them."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from inburgering.tenancy.scoping import scopes_disabled
from learning_routes.models import DossierAccess, Learner, Trajectory
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory


def _text(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def test_case_manager_registers_a_learner_and_sees_the_masked_bsn(world):
    client = world.client("case_a1")
    response = client.post(
        "/inburgeraars/nieuw",
        {
            "bsn": "111222333",
            "municipality": world.municipalities["a1"].pk,
            "first_name": "Yonas",
            "last_name": "Tesfay",
            "date_of_birth": "1994-02-11",
            "pip_date": "2025-06-30",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        learner = Learner.objects.get(last_name="Tesfay")
    assert len(learner.learner_number) == 6
    page = _text(client.get(response["Location"]))
    assert "*****2333" in page
    assert "111222333" not in page
    assert "01-07-2025 – 01-07-2028" in page  # term: day after the PIP, three years


def test_bsn_never_appears_in_urls_or_the_page_source_without_a_reveal(world, learner):
    client = world.client("case_a1")
    for url in ("/inburgeraars", f"/inburgeraars/{learner.pk}", "/trajecten", "/termijnbewaking"):
        assert "111222333" not in client.get(url).content.decode(), url


def test_reveal_shows_the_whole_bsn_and_is_logged(world, learner):
    client = world.client("case_a1")
    response = client.post(f"/inburgeraars/{learner.pk}/bsn", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "111222333" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    with scopes_disabled():
        entry = DossierAccess.objects.filter(action="bsn_getoond").get()
    assert entry.user == world.users["case_a1"]
    log = _text(world.client("admin_a").get("/toegangslog"))
    assert learner.learner_number in log
    assert world.users["case_a1"].get_full_name() in log


def test_reveal_without_javascript_renders_the_dossier_not_a_redirect(world, learner):
    response = world.client("case_a1").post(f"/inburgeraars/{learner.pk}/bsn")
    assert response.status_code == 200
    assert "111222333" in response.content.decode()


@pytest.mark.parametrize("user_key", ["admin_a", "absence_a"])
def test_other_region_roles_see_the_mask_and_cannot_reveal(world, learner, user_key):
    client = world.client(user_key)
    page = client.get(f"/inburgeraars/{learner.pk}").content.decode()
    assert "*****2333" in page
    assert "BSN tonen" not in page
    assert client.post(f"/inburgeraars/{learner.pk}/bsn").status_code == 403
    with scopes_disabled():
        assert not DossierAccess.objects.filter(action="bsn_getoond").exists()


def test_opening_a_dossier_is_logged(world, learner):
    world.client("absence_a").get(f"/inburgeraars/{learner.pk}")
    with scopes_disabled():
        entry = DossierAccess.objects.get()
    assert (entry.user, entry.action, entry.learner) == (world.users["absence_a"], "bekeken", learner)


def test_the_access_log_is_for_tenant_admins_only(world, learner):
    assert world.client("case_a1").get("/toegangslog").status_code == 403
    assert world.client("admin_b").get("/toegangslog").status_code == 200
    world.client("case_a1").get(f"/inburgeraars/{learner.pk}")
    assert learner.learner_number not in world.client("admin_b").get("/toegangslog").content.decode()


def test_case_managers_see_only_their_own_municipality(world, learner):
    other = make_learner(world, municipality="a2", last_name="Andere")
    page = _text(world.client("case_a1").get("/inburgeraars"))
    assert learner.last_name in page and other.last_name not in page
    assert world.client("case_a1").get(f"/inburgeraars/{other.pk}").status_code == 404


def test_find_by_bsn_is_a_post_and_respects_the_scope(world, learner):
    client = world.client("case_a1")
    found = client.post("/inburgeraars/zoeken-op-bsn", {"bsn": "111 222 333"})
    assert found["Location"] == f"/inburgeraars/{learner.pk}"
    assert client.get("/inburgeraars/zoeken-op-bsn").status_code == 405
    other_municipality = world.client("case_a2").post("/inburgeraars/zoeken-op-bsn", {"bsn": "111222333"}, follow=True)
    assert "Geen inburgeraar met dit BSN" in _text(other_municipality)


def test_invalid_and_duplicate_bsn_are_refused_in_the_form(world, learner):
    client = world.client("case_a1")
    base = {
        "municipality": world.municipalities["a1"].pk,
        "first_name": "A",
        "last_name": "B",
        "date_of_birth": "1990-01-01",
    }
    invalid = _text(client.post("/inburgeraars/nieuw", {**base, "bsn": "123456789"}))
    assert "elfproef" in invalid
    duplicate = _text(client.post("/inburgeraars/nieuw", {**base, "bsn": "111222333"}))
    assert "Er is in deze regio al een inburgeraar met dit BSN" in duplicate
    with scopes_disabled():
        assert Learner.objects.count() == 1
    other_region = world.client("admin_b").post(
        "/inburgeraars/nieuw", {**base, "bsn": "111222333", "municipality": world.municipalities["b1"].pk}
    )
    assert other_region.status_code == 302


def test_the_dossier_shows_targets_levels_reached_exams_and_timeline(world, learner, trajectory):
    from inburgering.tenancy.scoping import Grant, scope
    from learning_routes import services

    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        services.exam_result_create(
            actor=world.users["case_a1"],
            trajectory=trajectory,
            component="spreken",
            level="B1",
            exam_date=timezone.localdate() - timedelta(days=3),
            passed=True,
        )
        services.exam_result_create(
            actor=None,
            trajectory=trajectory,
            component="schrijven",
            level="B1",
            exam_date=timezone.localdate() - timedelta(days=3),
            passed=False,
        )
    page = _text(world.client("case_a1").get(f"/inburgeraars/{learner.pk}"))
    assert "Spreken B1 B1" in page  # skill, target, reached
    assert "Schrijven B1 –" in page
    assert "niet behaald" in page
    assert "Tijdlijn" in page and "Examen spreken B1" in page


def test_route_switch_ends_one_trajectory_and_starts_the_next(world, learner, trajectory):
    client = world.client("case_a1")
    switch = timezone.localdate().replace(year=2026, month=5, day=4)
    make_contract_z = make_contract(world, reference="A-Z", route_z=True, route_b1=False, municipalities=("a1",))
    response = client.post(f"/trajecten/{trajectory.pk}/routewissel", {"switch_date": switch.isoformat(), "route": "z"})
    # The current contract covers only B1: the switch is refused with the contract's reason.
    assert "dekt de Z-route niet" in _text(response)
    assert make_contract_z.reference == "A-Z"
    with scopes_disabled():
        assert Trajectory.objects.filter(learner=learner).count() == 1
        contract = trajectory.contract
        contract.route_z = True
        contract.save()
    response = client.post(f"/trajecten/{trajectory.pk}/routewissel", {"switch_date": switch.isoformat(), "route": "z"})
    assert response.status_code == 302
    with scopes_disabled():
        old, new = Trajectory.objects.filter(learner=learner).order_by("start_date")
    assert (old.status, old.end_reason, old.end_date) == ("gestopt", "routewissel", switch - timedelta(days=1))
    assert (new.route, new.status, new.start_date, new.target_speaking) == ("z", "actief", switch, "A1")


def test_ending_a_trajectory_needs_date_and_reason(world, trajectory):
    client = world.client("case_a1")
    response = client.post(f"/trajecten/{trajectory.pk}/afsluiten", {"end_date": "2026-06-30", "end_reason": "behaald"})
    assert response.status_code == 302
    trajectory.refresh_from_db()
    assert (trajectory.status, trajectory.end_reason) == ("afgerond", "behaald")


def test_term_monitoring_lists_open_trajectories_with_terms_ending_soon(world, contract):
    today = timezone.localdate()
    soon = make_learner(world, last_name="Binnenkort", pip_date=today.replace(year=today.year - 3) + timedelta(days=40))
    later = make_learner(world, last_name="Later", pip_date=today - timedelta(days=100))
    done = make_learner(world, last_name="Klaar", pip_date=today.replace(year=today.year - 3) + timedelta(days=20))
    for learner in (soon, later):
        make_trajectory(learner, contract)
    finished = make_trajectory(done, contract)
    from inburgering.tenancy.scoping import Grant, scope
    from learning_routes import services

    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        services.trajectory_end(
            actor=None, trajectory=finished, end_date=finished.start_date + timedelta(days=30), end_reason="behaald"
        )
    page = _text(world.client("case_a1").get("/termijnbewaking"))
    assert "Binnenkort" in page and "Later" not in page and "Klaar" not in page
    wide = _text(world.client("case_a1").get("/termijnbewaking?maanden=36"))
    assert "Later" in wide
    assert world.client("case_a1").get("/termijnbewaking?maanden=veel").status_code == 200


def test_provider_staff_see_their_trajectories_without_bsn_or_personal_details(world, learner, trajectory):
    page = world.client("staff_a").get("/trajecten").content.decode()
    assert learner.learner_number in page and learner.last_name in page
    assert "2333" not in page and "1990" not in page
    assert f"/inburgeraars/{learner.pk}" not in page
    assert world.client("staff_a").get(f"/inburgeraars/{learner.pk}").status_code == 403
    assert world.client("staff_a").get("/inburgeraars").status_code == 403
    assert learner.learner_number not in world.client("staff_b").get("/trajecten").content.decode()


def test_contract_managers_see_trajectories_per_contract(world, learner, trajectory, contract):
    other = make_contract(world, reference="A-ANDER", municipalities=("a2",))
    page = world.client("contract_a").get(f"/trajecten?contract={contract.pk}").content.decode()
    assert learner.learner_number in page
    page_other = world.client("contract_a").get(f"/trajecten?contract={other.pk}").content.decode()
    assert learner.learner_number not in page_other
    assert world.client("contract_a").get("/inburgeraars").status_code == 403


def test_policy_viewers_see_no_personal_data(world, learner, trajectory):
    for url in ("/inburgeraars", "/trajecten", f"/inburgeraars/{learner.pk}", "/termijnbewaking"):
        assert world.client("policy_a").get(url).status_code == 403, url
