"""The main navigation per role: (label, url name, roles that see it or None for everyone)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from attendance.selectors import ABSENCE_QUEUE_READERS, UPLOAD_READERS
from contracts.permissions import CONTRACT_READERS
from enforcement.permissions import ABSENCE_TRIAGE_ROLES, CASE_NAVIGATION, LETTER_NAVIGATION, POLICY_READERS
from inburgering.tenancy.models import Role
from learning_routes.permissions import LEARNER_READERS, TERM_MONITORS, TRAJECTORY_READERS
from progress.permissions import CHECKPOINT_READERS, LEVEL_CHANGE_READERS
from reports.permissions import DASHBOARD_READERS

NAVIGATION = [
    (pgettext_lazy("navigation", "Home"), "home", None),
    (_("Learners"), "learner_list", set(LEARNER_READERS)),
    (_("Trajectories"), "trajectory_list", set(TRAJECTORY_READERS)),
    (_("Term monitoring"), "term_monitoring", set(TERM_MONITORS)),
    (_("Checkpoints"), "checkpoint_list", set(CHECKPOINT_READERS)),
    (_("Level changes"), "level_change_list", set(LEVEL_CHANGE_READERS)),
    (_("Attendance"), "attendance_upload_list", set(UPLOAD_READERS)),
    (_("Absence alerts"), "alert_list", set(ABSENCE_TRIAGE_ROLES)),
    (_("Absences to classify"), "absence_queue", set(ABSENCE_QUEUE_READERS)),
    (_("Enforcement"), "enforcement_case_list", set(CASE_NAVIGATION)),
    (_("Warning letters"), "provider_letter_list", set(LETTER_NAVIGATION)),
    (_("Absence policy"), "absence_policy", set(POLICY_READERS)),
    (_("Contracts"), "contract_list", set(CONTRACT_READERS)),
    (_("Reports"), "reports_home", set(DASHBOARD_READERS)),
    (_("Municipalities"), "municipality_list", {Role.TENANT_ADMIN}),
    (_("Language providers"), "provider_list", {Role.TENANT_ADMIN}),
    (_("Users"), "user_list", {Role.TENANT_ADMIN}),
    (_("Access log"), "access_log", {Role.TENANT_ADMIN}),
]


def _new_alerts() -> int:
    from enforcement.models import AbsenceAlert, AlertStatus

    return AbsenceAlert.objects.filter(status=AlertStatus.NEW).count()


# Menu items that show a count (guide 2.4: the coordinator sees at a glance what is new), by url name.
NAVIGATION_COUNTS = {"alert_list": (_new_alerts, _("new"))}
