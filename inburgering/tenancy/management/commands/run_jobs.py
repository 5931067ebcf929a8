from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inburgering.jobs import registered_daily_jobs, run_daily_jobs


class Command(BaseCommand):
    help = "Voert alle dagelijkse taken uit per regio, met een peildatum (standaard vandaag)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="Peildatum JJJJ-MM-DD (standaard vandaag).")
        parser.add_argument("--job", action="append", dest="jobs", help="Alleen deze taak (herhaalbaar).")

    def handle(self, *args, as_of=None, jobs=None, **options):
        try:
            as_of_date = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"Ongeldige peildatum '{as_of}': gebruik JJJJ-MM-DD.") from error
        unknown = set(jobs or []) - set(registered_daily_jobs())
        if unknown:
            raise CommandError(f"Onbekende taak: {', '.join(sorted(unknown))}.")
        outcomes = run_daily_jobs(as_of=as_of_date, only=jobs)
        for outcome in outcomes:
            self.stdout.write(f"{outcome.tenant:<24} {outcome.job:<28} {outcome.summary}")
        self.stdout.write(self.style.SUCCESS(f"Dagelijkse taken uitgevoerd met peildatum {as_of_date:%d-%m-%Y}."))
