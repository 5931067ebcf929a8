"""Demo data of the domain apps, run by ``manage.py seed_demo`` after the regions and users.

Each seeder is idempotent and returns what it created; later issues append theirs.
"""

from django.utils.module_loading import import_string

SEEDERS = (
    "contracts.demo.seed_contracts",
    "learning_routes.demo.seed_learners",
    # The regions' verzuimprotocollen exist from go-live: the rule applies them to the first upload.
    "enforcement.demo.seed_absence_policies",
    "attendance.demo.seed_attendance",
    "progress.demo.seed_progress",
    "enforcement.demo.seed_enforcement",
    # Last: the quarterly reports are made from all of the above.
    "reports.demo.seed_reports",
)


def seed_domain_data() -> dict[str, list[str]]:
    return {path: import_string(path)() for path in SEEDERS}
