"""Who may do what with absence alerts, enforcement cases and the absence policy (guide 2.4, 2.5;
DOMAIN.md "Visibility"). Views check these; the services take the acting user and record it."""

from inburgering.tenancy.models import Role

# --- The absence coordinator's triage of alerts (guide 2.4) -----------------------------------------
# Read the alerts queue and an alert: the coordinator works it, the case manager follows their own
# municipality's (the scoping narrows them), the tenant admin reads. Providers never see alerts and
# policy viewers see aggregates only: both are refused.
ABSENCE_TRIAGE_ROLES = (Role.ABSENCE_COORDINATOR, Role.CASE_MANAGER, Role.TENANT_ADMIN)
# Assign alerts (in bulk) to a colleague.
ABSENCE_TRIAGE_ASSIGNERS = (Role.ABSENCE_COORDINATOR,)
# Move an alert along its statuses and add notes.
ABSENCE_TRIAGE_WORKERS = (Role.ABSENCE_COORDINATOR, Role.CASE_MANAGER)
# Whom an alert can be assigned to (an active membership in the alert's region).
ALERT_ASSIGNEE_ROLES = (Role.ABSENCE_COORDINATOR, Role.CASE_MANAGER)

# --- Cases and letters (guide 2.4, 2.5; DOMAIN.md "Visibility") ---------------------------------------
# The case manager leads enforcement; the region's absence coordinator follows the cases.
CASE_READERS = (Role.CASE_MANAGER, Role.ABSENCE_COORDINATOR)
CASE_WORKERS = (Role.CASE_MANAGER,)
# The provider hands letters out; the case manager and coordinator follow them within their scope.
LETTER_READERS = (Role.PROVIDER_STAFF, Role.CASE_MANAGER, Role.ABSENCE_COORDINATOR)
LETTER_HANDERS = (Role.PROVIDER_STAFF,)
# Who finds the pages in the main menu.
CASE_NAVIGATION = (Role.CASE_MANAGER, Role.ABSENCE_COORDINATOR)
LETTER_NAVIGATION = (Role.PROVIDER_STAFF, Role.CASE_MANAGER)

# --- The verzuimprotocol (guide 2.1, 2.4) ------------------------------------------------------------
POLICY_READERS = (Role.TENANT_ADMIN, Role.ABSENCE_COORDINATOR, Role.CASE_MANAGER, Role.CONTRACT_MANAGER)
POLICY_WRITERS = (Role.TENANT_ADMIN,)
# The learners' printable protocol: also the providers, who hand it out at the start.
PROTOCOL_READERS = (*POLICY_READERS, Role.PROVIDER_STAFF)
# A learner's registered authorized absence for DUO: case managers (own municipality, by scope)
# and the region's absence coordinators.
DUO_EXPORTERS = (Role.CASE_MANAGER, Role.ABSENCE_COORDINATOR)

# --- Classification and make-up ------------------------------------------------------------------------
CLASSIFIERS = (Role.ABSENCE_COORDINATOR,)
MAKEUP_READERS = (Role.CASE_MANAGER, Role.ABSENCE_COORDINATOR, Role.PROVIDER_STAFF)
