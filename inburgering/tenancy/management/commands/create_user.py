import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from inburgering.tenancy.models import Municipality, Provider, Role, Tenant, User
from inburgering.tenancy.scoping import scopes_disabled
from inburgering.tenancy.services import membership_create, user_create_with_password


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse needs a real string, in the active language
        return _(
            "Creates a user with a role, or gives an existing user an extra role. "
            "The password of a new user comes from standard input (first line)."
        )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--tenant", help=_("Code (slug) of the region, for example rijk-van-nijmegen."))
        target.add_argument("--provider", help=_("KvK number of the language provider."))
        parser.add_argument("--municipality", help=_("CBS code of the municipality (required for case_manager)."))
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
                        _("Provide the password on standard input, for example: echo '…' | manage.py create_user …")
                    )
                candidate = User(username=username, email=options["email"])
                try:
                    validate_password(password, candidate)
                except ValidationError as error:
                    raise CommandError(
                        _("Password rejected: %(reasons)s") % {"reasons": " ".join(error.messages)}
                    ) from error
                user = user_create_with_password(
                    actor=None,
                    username=username,
                    password=password,
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
                self.stdout.write(_("User %(username)s created.") % {"username": username})
            else:
                self.stdout.write(
                    _("User %(username)s already exists; the password stays unchanged.") % {"username": username}
                )
            try:
                membership_create(actor=None, user=user, role=role, **where)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        granted = _("Role %(role)s granted to %(username)s.") % {"role": Role(role).label, "username": username}
        self.stdout.write(self.style.SUCCESS(granted))

    def _target(self, role, tenant_slug, provider_kvk, municipality_code) -> dict:
        if role == Role.PROVIDER_STAFF:
            if not provider_kvk:
                raise CommandError(_("A language provider's staff member gets --provider KVK, not --tenant."))
            found = Provider.objects.filter(kvk_number=provider_kvk).first()
            if found is None:
                raise CommandError(_("No language provider with KvK number %(kvk)s.") % {"kvk": provider_kvk})
            return {"provider": found}
        if not tenant_slug:
            raise CommandError(_("The role %(role)s belongs to a region: give --tenant SLUG.") % {"role": role})
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        if tenant is None:
            raise CommandError(_("No region with code %(code)s.") % {"code": tenant_slug})
        if role == Role.CASE_MANAGER:
            if not municipality_code:
                raise CommandError(_("A case manager belongs to one municipality: give --municipality CBSCODE."))
            found = Municipality.objects.filter(tenant=tenant, cbs_code=municipality_code.upper()).first()
            if found is None:
                raise CommandError(
                    _("No municipality %(code)s in region %(region)s.")
                    % {"code": municipality_code, "region": tenant.name}
                )
            return {"tenant": tenant, "municipality": found}
        if municipality_code:
            raise CommandError(_("Only a case manager (case_manager) gets a --municipality."))
        return {"tenant": tenant}
