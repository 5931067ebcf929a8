import io

import pytest
from django.core.management import CommandError, call_command

from inburgering.tenancy.demo import DEMO_PASSWORD
from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, Tenant, User
from inburgering.tenancy.scoping import scopes_disabled


def _counts():
    with scopes_disabled():
        return (
            Tenant.objects.count(),
            Municipality.objects.count(),
            Provider.objects.count(),
            RegionProvider.objects.count(),
            User.objects.count(),
            Membership.objects.count(),
        )


@pytest.mark.django_db
def test_seed_demo_builds_both_regions_and_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    with scopes_disabled():
        codes = set(Municipality.objects.filter(tenant__slug="rijk-van-nijmegen").values_list("cbs_code", flat=True))
        assert codes == {"GM0268", "GM0296", "GM0209", "GM1945", "GM0225", "GM0252", "GM0944"}
        assert set(Municipality.objects.filter(tenant__slug="ijmond").values_list("cbs_code", flat=True)) == {
            "GM0453",
            "GM0375",
            "GM0396",
        }
        shared = [p for p in Provider.objects.all() if p.region_links.count() == 2]
    assert len(shared) == 1
    assert Provider.objects.count() == 3
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed
    for role in Role:
        assert str(role.label) in printed  # labels are lazy translations
    assert User.objects.get(username="nijmegen.klantmanager").check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_every_role_has_a_demo_login_per_region():
    call_command("seed_demo", stdout=io.StringIO())
    for slug in ("rijk-van-nijmegen", "ijmond"):
        roles = set(Membership.objects.filter(tenant__slug=slug).values_list("role", flat=True))
        assert roles == {r.value for r in Role if r != Role.PROVIDER_STAFF}, slug


def test_create_user_reads_the_password_from_stdin(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Sterk-Wachtwoord-2026\n"))
    call_command(
        "create_user",
        "nieuwe.verzuim",
        "--role",
        "absence_coordinator",
        "--tenant",
        "regio-a",
        stdout=io.StringIO(),
    )
    user = User.objects.get(username="nieuwe.verzuim")
    assert user.check_password("Sterk-Wachtwoord-2026")
    assert user.memberships.get().role == Role.ABSENCE_COORDINATOR


def test_create_user_adds_a_membership_to_an_existing_user(world):
    municipality = world.municipalities["b2"]
    call_command(
        "create_user",
        "contract_a",
        "--role",
        "case_manager",
        "--tenant",
        "regio-b",
        "--municipality",
        municipality.cbs_code,
        stdout=io.StringIO(),
    )
    roles = set(world.users["contract_a"].memberships.values_list("role", "tenant__slug"))
    assert roles == {("contract_manager", "regio-a"), ("case_manager", "regio-b")}


def test_create_user_for_provider_staff(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Sterk-Wachtwoord-2026\n"))
    call_command(
        "create_user",
        "docent",
        "--role",
        "provider_staff",
        "--provider",
        world.providers["b"].kvk_number,
        stdout=io.StringIO(),
    )
    assert User.objects.get(username="docent").memberships.get().provider == world.providers["b"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "case_manager", "--tenant", "regio-a"], "--municipality"),
        (["--role", "contract_manager", "--tenant", "bestaat-niet"], "Geen regio met code bestaat-niet"),
        (["--role", "provider_staff", "--provider", "00000000"], "Geen taalaanbieder met KvK-nummer"),
        (["--role", "provider_staff", "--tenant", "regio-a"], "--provider"),
    ],
)
def test_create_user_explains_wrong_arguments(world, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_user", "contract_a", *args, stdout=io.StringIO())


def test_create_user_refuses_a_weak_password(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("12345\n"))
    with pytest.raises(CommandError, match="Wachtwoord afgekeurd"):
        call_command("create_user", "zwak", "--role", "policy_viewer", "--tenant", "regio-a", stdout=io.StringIO())
    assert not User.objects.filter(username="zwak").exists()
