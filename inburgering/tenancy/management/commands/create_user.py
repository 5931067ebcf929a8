import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from inburgering.tenancy.models import Municipality, Provider, Role, Tenant, User
from inburgering.tenancy.scoping import scopes_disabled
from inburgering.tenancy.services import membership_create, user_create_with_password


class Command(BaseCommand):
    help = (
        "Maakt een gebruiker met een rol aan, of geeft een bestaande gebruiker een extra rol. "
        "Het wachtwoord van een nieuwe gebruiker komt van standaardinvoer (eerste regel)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--tenant", help="Code (slug) van de regio, bijvoorbeeld rijk-van-nijmegen.")
        target.add_argument("--provider", help="KvK-nummer van de taalaanbieder.")
        parser.add_argument("--municipality", help="CBS-code van de gemeente (verplicht voor case_manager).")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, username, role, tenant, provider, municipality, **options):
        with scopes_disabled():
            where = self._target(role, tenant, provider, municipality)
            user = User.objects.filter(username=username).first()
            if user is None:
                password = sys.stdin.readline().rstrip("\n")
                if not password:
                    raise CommandError(
                        "Geef het wachtwoord op standaardinvoer, bijvoorbeeld: echo '…' | manage.py create_user …"
                    )
                candidate = User(username=username, email=options["email"])
                try:
                    validate_password(password, candidate)
                except ValidationError as error:
                    raise CommandError("Wachtwoord afgekeurd: " + " ".join(error.messages)) from error
                user = user_create_with_password(
                    actor=None,
                    username=username,
                    password=password,
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
                self.stdout.write(f"Gebruiker {username} aangemaakt.")
            else:
                self.stdout.write(f"Gebruiker {username} bestaat al; het wachtwoord blijft ongewijzigd.")
            try:
                membership_create(actor=None, user=user, role=role, **where)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Rol {Role(role).label} toegekend aan {username}."))

    def _target(self, role, tenant_slug, provider_kvk, municipality_code) -> dict:
        if role == Role.PROVIDER_STAFF:
            if not provider_kvk:
                raise CommandError("Een medewerker van een taalaanbieder krijgt --provider KVK, geen --tenant.")
            found = Provider.objects.filter(kvk_number=provider_kvk).first()
            if found is None:
                raise CommandError(f"Geen taalaanbieder met KvK-nummer {provider_kvk}.")
            return {"provider": found}
        if not tenant_slug:
            raise CommandError(f"De rol {role} hoort bij een regio: geef --tenant SLUG.")
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        if tenant is None:
            raise CommandError(f"Geen regio met code {tenant_slug}.")
        if role == Role.CASE_MANAGER:
            if not municipality_code:
                raise CommandError("Een klantmanager hoort bij één gemeente: geef --municipality CBSCODE.")
            found = Municipality.objects.filter(tenant=tenant, cbs_code=municipality_code.upper()).first()
            if found is None:
                raise CommandError(f"Geen gemeente {municipality_code} in regio {tenant.name}.")
            return {"tenant": tenant, "municipality": found}
        if municipality_code:
            raise CommandError("Alleen een klantmanager (case_manager) krijgt een --municipality.")
        return {"tenant": tenant}
