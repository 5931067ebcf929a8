from django.core.management.base import BaseCommand

from inburgering.tenancy.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Vult de demo-regio's, taalaanbieders en gebruikers (idempotent: opnieuw draaien verandert niets)."

    def handle(self, *args, **options):
        logins = seed_demo()
        width = max(len(login.username) for login in logins)
        role_width = max(len(login.role) for login in logins)
        self.stdout.write(f"\nDemo-logins (wachtwoord voor allemaal: {DEMO_PASSWORD})\n")
        self.stdout.write(f"{'gebruikersnaam':<{width}}  {'rol':<{role_width}}  waar")
        self.stdout.write(f"{'-' * width}  {'-' * role_width}  {'-' * 30}")
        for login in logins:
            self.stdout.write(f"{login.username:<{width}}  {login.role:<{role_width}}  {login.where}")
        self.stdout.write("")
