"""The tenant admin's own screens: municipalities, providers in the region, users and roles."""

import html
import re

from django.test import Client

from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, User
from inburgering.tenancy.scoping import scopes_disabled


def test_tenant_admin_adds_a_municipality_and_the_change_is_audited(world):
    client = world.client("admin_a")
    response = client.post("/beheer/gemeenten/nieuw", {"name": "Wijchen", "cbs_code": "gm0296"})
    assert response.status_code == 302
    with scopes_disabled():
        municipality = Municipality.objects.get(tenant=world.tenants["a"], cbs_code="GM0296")
    record = municipality.history.get()
    assert record.history_user == world.users["admin_a"]
    assert record.history_type == "+"


def test_invalid_cbs_code_and_duplicate_get_dutch_messages(world):
    client = world.client("admin_a")
    invalid = client.post("/beheer/gemeenten/nieuw", {"name": "Ergens", "cbs_code": "0268"})
    assert "Een CBS-gemeentecode is 'GM' gevolgd door vier cijfers" in html.unescape(invalid.content.decode())
    existing = world.municipalities["a1"]
    duplicate = client.post("/beheer/gemeenten/nieuw", {"name": "Anders", "cbs_code": existing.cbs_code})
    assert duplicate.status_code == 200
    assert "bestaat al" in duplicate.content.decode()


def test_the_same_cbs_code_may_exist_in_another_region_without_revealing_it(world):
    """Uniqueness is per tenant, so creating reveals nothing about other regions."""
    client = world.client("admin_a")
    foreign = world.municipalities["b1"]
    response = client.post("/beheer/gemeenten/nieuw", {"name": "Eigen", "cbs_code": foreign.cbs_code})
    assert response.status_code == 302


def test_editing_a_municipality_shows_its_change_history(world):
    client = world.client("admin_a")
    municipality = world.municipalities["a1"]
    client.post(f"/beheer/gemeenten/{municipality.pk}/bewerken", {"name": "Nieuwe naam", "cbs_code": "GM0268"})
    page = client.get(f"/beheer/gemeenten/{municipality.pk}/bewerken").content.decode()
    assert "Wijzigingen" in page
    assert world.users["admin_a"].get_full_name() in page


def test_linking_a_known_provider_by_kvk_and_registering_a_new_one(world):
    client = world.client("admin_a")
    known = world.providers["b"]
    response = client.post("/beheer/taalaanbieders/toevoegen", {"kvk_number": known.kvk_number})
    assert response.status_code == 302
    missing_name = client.post("/beheer/taalaanbieders/toevoegen", {"kvk_number": "99887766"})
    assert "Deze taalaanbieder is nog onbekend: vul de naam in." in missing_name.content.decode()
    client.post(
        "/beheer/taalaanbieders/toevoegen",
        {"kvk_number": "99887766", "name": "Nieuwe Taalschool", "has_quality_mark": "on"},
    )
    with scopes_disabled():
        linked = set(
            RegionProvider.objects.filter(tenant=world.tenants["a"], is_active=True).values_list(
                "provider__name", flat=True
            )
        )
    assert {"Taalschool Alleen B", "Nieuwe Taalschool"} <= linked
    assert Provider.objects.get(kvk_number="99887766").has_quality_mark


def test_linking_an_already_linked_provider_says_so(world):
    client = world.client("admin_a")
    response = client.post("/beheer/taalaanbieders/toevoegen", {"kvk_number": world.providers["a"].kvk_number})
    assert "werkt al in deze regio" in response.content.decode()


def test_unlinking_a_provider_ends_its_staffs_access_to_the_region(world):
    staff = world.client("staff_shared")
    assert "regio-a" in staff.get("/api/v1/regios").content.decode()
    world.client("admin_a").post(f"/beheer/taalaanbieders/{world.links['a-shared'].pk}/ontkoppelen")
    regions = staff.get("/api/v1/regios").json()["results"]
    assert [region["code"] for region in regions] == ["regio-b"]


def test_invite_a_user_who_sets_a_password_and_logs_in(world):
    admin = world.client("admin_a")
    response = admin.post(
        "/beheer/gebruikers/uitnodigen",
        {
            "username": "nieuwe.klantmanager",
            "first_name": "Noor",
            "last_name": "Hendriks",
            "email": "noor@example.nl",
            "role": Role.CASE_MANAGER,
            "municipality": world.municipalities["a2"].pk,
        },
    )
    page = response.content.decode()
    link = re.search(r"http://testserver(/wachtwoord-instellen/[^<\s]+)", page).group(1)
    newcomer = Client()
    form_page = newcomer.get(link, follow=True)
    new_password = "Een-Lang-Wachtwoord-2026"
    newcomer.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": new_password, "new_password2": new_password},
    )
    login = Client().post("/inloggen", {"username": "nieuwe.klantmanager", "password": new_password}, follow=True)
    assert "Goedendag, Noor" in login.content.decode()
    membership = Membership.objects.get(user__username="nieuwe.klantmanager")
    assert membership.municipality == world.municipalities["a2"]
    assert membership.history.get().history_user == world.users["admin_a"]


def test_a_case_manager_must_have_a_municipality_and_others_must_not(world):
    admin = world.client("admin_a")
    base = {"username": "iemand", "first_name": "A", "last_name": "B", "email": "a@example.nl"}
    without = admin.post("/beheer/gebruikers/uitnodigen", {**base, "role": Role.CASE_MANAGER})
    assert "Een klantmanager hoort bij één gemeente" in without.content.decode()
    needless = admin.post(
        "/beheer/gebruikers/uitnodigen",
        {**base, "role": Role.POLICY_VIEWER, "municipality": world.municipalities["a1"].pk},
    )
    assert "Alleen een klantmanager is aan één gemeente gebonden" in needless.content.decode()
    assert not User.objects.filter(username="iemand").exists()


def test_invite_cannot_pick_a_municipality_of_another_region(world):
    admin = world.client("admin_a")
    response = admin.post(
        "/beheer/gebruikers/uitnodigen",
        {
            "username": "x",
            "first_name": "A",
            "last_name": "B",
            "email": "a@example.nl",
            "role": Role.CASE_MANAGER,
            "municipality": world.municipalities["b1"].pk,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="x").exists()


def test_changing_a_role_changes_what_the_user_may_do(world):
    membership = world.users["policy_a"].memberships.get()
    world.client("admin_a").post(f"/beheer/gebruikers/{membership.pk}/rol", {"role": Role.TENANT_ADMIN})
    assert world.client("policy_a").get("/beheer/gemeenten").status_code == 200


def test_deactivating_a_membership_removes_access(world):
    membership = world.users["contract_a"].memberships.get()
    contract_manager = world.client("contract_a")
    assert "Regio A" in contract_manager.get("/").content.decode()
    world.client("admin_a").post(f"/beheer/gebruikers/{membership.pk}/actief")
    page = contract_manager.get("/").content.decode()
    assert "nog geen toegang tot een regio" in page
    assert contract_manager.get("/api/v1/gemeenten").json()["count"] == 0


def test_a_tenant_admin_cannot_deactivate_themself(world):
    membership = world.users["admin_a"].memberships.get()
    response = world.client("admin_a").post(f"/beheer/gebruikers/{membership.pk}/actief", follow=True)
    assert "U kunt uw eigen toegang niet uitzetten." in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active


def test_other_roles_get_403_on_the_admin_screens(world):
    for user_key in ("contract_a", "absence_a", "case_a1", "policy_a", "staff_shared"):
        client = world.client(user_key)
        for url in (
            "/beheer/gemeenten",
            "/beheer/taalaanbieders",
            "/beheer/gebruikers",
            "/beheer/gebruikers/uitnodigen",
        ):
            assert client.get(url).status_code == 403, (user_key, url)


def test_navigation_shows_admin_screens_only_to_tenant_admins(world):
    assert 'href="/beheer/gebruikers"' in world.client("admin_a").get("/").content.decode()
    assert 'href="/beheer/gebruikers"' not in world.client("contract_a").get("/").content.decode()


def test_django_admin_is_for_superusers_only(world):
    response = world.client("admin_a").get("/admin/")
    assert response.status_code == 302
    operator = User.objects.create_superuser("operator", "op@example.nl", "Operator-Wachtwoord-1")
    client = Client()
    client.force_login(operator)
    assert client.get("/admin/tenancy/municipality/").status_code == 200
