"""Demo regions, providers and users (DOMAIN.md "Demo regions"); later issues add their data."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from inburgering.audit import acting_as
from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, Tenant, User
from inburgering.tenancy.scoping import scopes_disabled

DEMO_PASSWORD = "inburgering-demo-2026"

REGIONS = {
    "rijk-van-nijmegen": (
        "Rijk van Nijmegen",
        [
            ("Nijmegen", "GM0268"),
            ("Wijchen", "GM0296"),
            ("Beuningen", "GM0209"),
            ("Berg en Dal", "GM1945"),
            ("Druten", "GM0225"),
            ("Heumen", "GM0252"),
            ("Mook en Middelaar", "GM0944"),
        ],
    ),
    "ijmond": ("IJmond", [("Velsen", "GM0453"), ("Beverwijk", "GM0375"), ("Heemskerk", "GM0396")]),
}

# (KvK, name, quality mark, region slugs, login prefix). De Brug serves both regions.
PROVIDERS = [
    ("80412345", "Taalschool De Brug", True, ["rijk-van-nijmegen", "ijmond"], "debrug"),
    ("80498765", "NT2 Instituut Gelderland", True, ["rijk-van-nijmegen"], "nt2gelderland"),
    ("80455501", "Taalcentrum Kennemerland", False, ["ijmond"], "kennemerland"),
]

# Per region: (login suffix, role, case manager's municipality CBS code).
REGION_USERS = {
    "rijk-van-nijmegen": ("nijmegen", "GM0268"),
    "ijmond": ("ijmond", "GM0453"),
}
ROLE_LOGINS = [
    ("beheerder", Role.TENANT_ADMIN),
    ("contractmanager", Role.CONTRACT_MANAGER),
    ("verzuim", Role.ABSENCE_COORDINATOR),
    ("klantmanager", Role.CASE_MANAGER),
    ("beleid", Role.POLICY_VIEWER),
]

FIRST_NAMES = {
    "beheerder": ("Sanne", "de Vries"),
    "contractmanager": ("Mohamed", "Bakker"),
    "verzuim": ("Lotte", "Jansen"),
    "klantmanager": ("Ayşe", "Visser"),
    "beleid": ("Pieter", "Smit"),
}


@dataclass
class DemoLogin:
    username: str
    role: str
    where: str


def _user(username: str, first_name: str, last_name: str, *, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@demo.inburgering.nl",
        },
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
    user.is_superuser = user.is_staff = superuser
    user.save()
    return user


def _membership(user: User, role: str, **where) -> None:
    Membership.objects.update_or_create(user=user, role=role, **where, defaults={"is_active": True})


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    with scopes_disabled(), acting_as(None):
        tenants: dict[str, Tenant] = {}
        municipalities: dict[str, Municipality] = {}
        for slug, (name, members) in REGIONS.items():
            tenant, _ = Tenant.objects.update_or_create(slug=slug, defaults={"name": name})
            tenants[slug] = tenant
            for municipality_name, code in members:
                municipalities[code], _ = Municipality.objects.update_or_create(
                    tenant=tenant, cbs_code=code, defaults={"name": municipality_name}
                )
        for kvk, name, mark, slugs, prefix in PROVIDERS:
            provider, _ = Provider.objects.update_or_create(
                kvk_number=kvk, defaults={"name": name, "has_quality_mark": mark}
            )
            for slug in slugs:
                RegionProvider.objects.update_or_create(
                    tenant=tenants[slug], provider=provider, defaults={"is_active": True}
                )
            user = _user(f"{prefix}.medewerker", "Kees", f"van {name.split()[-1]}")
            _membership(user, Role.PROVIDER_STAFF, provider=provider)
            logins.append(DemoLogin(user.username, Role.PROVIDER_STAFF.label, name))
        for slug, (suffix, case_cbs) in REGION_USERS.items():
            tenant = tenants[slug]
            for login, role in ROLE_LOGINS:
                first, last = FIRST_NAMES[login]
                user = _user(f"{suffix}.{login}", first, last)
                if role == Role.CASE_MANAGER:
                    _membership(user, role, tenant=tenant, municipality=municipalities[case_cbs])
                    where = f"{tenant.name}, gemeente {municipalities[case_cbs].name}"
                else:
                    _membership(user, role, tenant=tenant)
                    where = tenant.name
                logins.append(DemoLogin(user.username, role.label, where))
        # One contract manager working for both regions, to show the region switcher.
        both = _user("regio.contractmanager", "Fatima", "El Amrani")
        for tenant in tenants.values():
            _membership(both, Role.CONTRACT_MANAGER, tenant=tenant)
        logins.append(
            DemoLogin(both.username, Role.CONTRACT_MANAGER.label, " en ".join(t.name for t in tenants.values()))
        )
        operator = _user("platformbeheer", "Platform", "Beheer", superuser=True)
        logins.append(DemoLogin(operator.username, "Platformbeheerder (Django-admin)", "/admin/"))
    return logins
