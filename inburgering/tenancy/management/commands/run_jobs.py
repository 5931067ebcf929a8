from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from inburgering.jobs import registered_daily_jobs, run_daily_jobs


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse needs a real string, in the active language
        return _("Runs all daily jobs per region, with an as-of date (default today).")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help=_("As-of date YYYY-MM-DD (default today)."))
        parser.add_argument("--job", action="append", dest="jobs", help=_("Only this job (repeatable)."))

    def handle(self, *args, as_of=None, jobs=None, **options):
        try:
            as_of_date = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as error:
            raise CommandError(_("Invalid as-of date '%(value)s': use YYYY-MM-DD.") % {"value": as_of}) from error
        unknown = set(jobs or []) - set(registered_daily_jobs())
        if unknown:
            raise CommandError(_("Unknown job: %(jobs)s.") % {"jobs": ", ".join(sorted(unknown))})
        outcomes = run_daily_jobs(as_of=as_of_date, only=jobs)
        for outcome in outcomes:
            self.stdout.write(f"{outcome.tenant:<24} {outcome.job:<28} {outcome.summary}")
        done = _("Daily jobs run with as-of date %(date)s.") % {"date": f"{as_of_date:%d-%m-%Y}"}
        self.stdout.write(self.style.SUCCESS(done))
