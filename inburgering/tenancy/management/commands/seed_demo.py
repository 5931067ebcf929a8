from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from inburgering.demo import seed_domain_data
from inburgering.tenancy.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse needs a real string, in the active language
        return _(
            "Fills in the demo regions, language providers and users (idempotent: running it again changes nothing)."
        )

    def handle(self, *args, **options):
        logins = seed_demo()
        for created in seed_domain_data().values():
            if created:
                self.stdout.write(_("Demo data created: %(items)s") % {"items": ", ".join(created)})
        width = max(len(login.username) for login in logins)
        role_width = max(len(login.role) for login in logins)
        title = _("Demo logins (password for all of them: %(password)s)") % {"password": DEMO_PASSWORD}
        self.stdout.write(f"\n{title}\n")
        username, role, where = _("username"), _("role"), _("where")
        self.stdout.write(f"{username:<{width}}  {role:<{role_width}}  {where}")
        self.stdout.write(f"{'-' * width}  {'-' * role_width}  {'-' * 30}")
        for login in logins:
            self.stdout.write(f"{login.username:<{width}}  {login.role:<{role_width}}  {login.where}")
        self.stdout.write("")
