"""The absence coordinator's triage of alerts: the queue, assignment, status and notes (guide 2.4).

An alert moves by hand only forwards: new → in progress → contacted → closed, closed with an
outcome (recovered, or passed on to enforcement, which opens the learner's enforcement case led by
their case manager). Withdrawn (`vervallen`) is the absence rule's alone: it follows from
corrections, never from a person. Role checks belong to the views; these services take the acting
user and record it (simple-history on the alert; a note carries its author and time itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from attendance.models import AttendanceRecord
from enforcement.cases import enforcement_case_open
from enforcement.models import (
    OPEN_ALERT_STATUSES,
    AbsenceAlert,
    AlertNote,
    AlertOutcome,
    AlertStatus,
    CaseStatus,
    EnforcementCase,
)
from enforcement.permissions import ALERT_ASSIGNEE_ROLES
from inburgering.audit import acting_as
from inburgering.tenancy.models import Membership, User

# The hand-made moves; anything else (backwards, skipping, withdrawing) is refused.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    AlertStatus.NEW: (AlertStatus.IN_PROGRESS,),
    AlertStatus.IN_PROGRESS: (AlertStatus.CONTACTED,),
    AlertStatus.CONTACTED: (AlertStatus.CLOSED,),
}
# Workflow order, for sorting by status and for the tabs.
STATUS_ORDER = (
    AlertStatus.NEW,
    AlertStatus.IN_PROGRESS,
    AlertStatus.CONTACTED,
    AlertStatus.CLOSED,
    AlertStatus.WITHDRAWN,
)
NOTE_MAX_LENGTH = 4000

# The assignment filter's values (query-string values, Dutch like the other filters).
ASSIGNED_TO_ME = "mij"
UNASSIGNED = "niemand"

# Sort keys of the queue (query-string values) and their columns; "-" in front sorts descending.
SORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "maand": ("month",),
    "aantal": ("absence_count",),
    "status": ("status_rank",),
    "naam": ("learner__last_name", "learner__first_name"),
}
DEFAULT_SORT = "-maand"


def allowed_transitions(alert: AbsenceAlert) -> tuple[str, ...]:
    return TRANSITIONS.get(alert.status, ())


# ---------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageFilters:
    """What the queue shows. Natural keys, as users know them: CBS code, KvK number, month."""

    municipality_cbs: str = ""
    provider_kvk: str = ""
    month: date | None = None  # first day of the month
    statuses: tuple[str, ...] = tuple(OPEN_ALERT_STATUSES)
    minimum_count: int | None = None
    assigned: str = ""  # ASSIGNED_TO_ME, UNASSIGNED or "" (anyone)
    user: User | None = None  # whose "me"
    sort: str = DEFAULT_SORT


def _filtered(filters: TriageFilters, *, with_status: bool = True) -> QuerySet[AbsenceAlert]:
    alerts = AbsenceAlert.objects.all()
    if filters.municipality_cbs:
        alerts = alerts.filter(learner__municipality__cbs_code=filters.municipality_cbs)
    if filters.provider_kvk:
        alerts = alerts.filter(provider__kvk_number=filters.provider_kvk)
    if filters.month is not None:
        alerts = alerts.filter(month=filters.month.replace(day=1))
    if filters.minimum_count:
        alerts = alerts.filter(absence_count__gte=filters.minimum_count)
    if filters.assigned == ASSIGNED_TO_ME:
        alerts = alerts.filter(assigned_to=filters.user) if filters.user is not None else alerts.none()
    elif filters.assigned == UNASSIGNED:
        alerts = alerts.filter(assigned_to__isnull=True)
    if with_status and filters.statuses:
        alerts = alerts.filter(status__in=list(filters.statuses))
    return alerts


def _status_rank() -> Case:
    return Case(
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)),
        default=Value(len(STATUS_ORDER)),
        output_field=IntegerField(),
    )


def sort_key(value: str) -> str:
    """A known sort key (with or without "-"), else the default."""
    return value if value.lstrip("-") in SORT_COLUMNS else DEFAULT_SORT


def triage_queue(filters: TriageFilters) -> QuerySet[AbsenceAlert]:
    """The alerts queue, filtered and sorted, with everything a row shows in the same query."""
    key = sort_key(filters.sort)
    descending = key.startswith("-")
    columns = [("-" if descending else "") + column for column in SORT_COLUMNS[key.lstrip("-")]]
    # Ties: the newest month, the most absences, then by name; pk makes pages stable.
    ties = ["-month", "-absence_count", "learner__last_name", "learner__first_name", "pk"]
    ordering = columns + [tie for tie in ties if tie.lstrip("-") not in {c.lstrip("-") for c in columns}]
    return (
        _filtered(filters)
        .annotate(status_rank=_status_rank())
        .select_related("learner__municipality", "provider", "assigned_to", "letter")
        .order_by(*ordering)
    )


def status_counts(filters: TriageFilters | None = None) -> dict[str, int]:
    """Alerts per status (one GROUP BY query), under the queue's other filters; every status is a key.
    The count of `nieuw` is what a navigation badge would show."""
    rows = (
        _filtered(filters or TriageFilters(), with_status=False)
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
    )
    counts = dict.fromkeys(STATUS_ORDER, 0)
    counts.update(dict(rows))
    return counts


def alert_months() -> list[date]:
    """The months that have alerts in the caller's scope, newest first (the month filter's choices)."""
    return list(AbsenceAlert.objects.dates("month", "month", order="DESC"))


def alert_detail_queryset() -> QuerySet[AbsenceAlert]:
    return AbsenceAlert.objects.select_related(
        "learner__municipality", "learner__case_manager", "provider", "contract", "assigned_to", "letter"
    )


def alert_absences(alert: AbsenceAlert) -> QuerySet[AttendanceRecord]:
    """The lessons the alert counts, in date order."""
    return (
        AttendanceRecord.objects.filter(pk__in=list(alert.record_ids or []))
        .select_related("trajectory__contract__provider")
        .order_by("lesson_date", "daypart", "pk")
    )


def alert_notes(alert: AbsenceAlert) -> QuerySet[AlertNote]:
    return alert.notes.select_related("author").order_by("created_at", "pk")


def alert_assignees(*, tenant_id: int) -> list[Membership]:
    """Active absence coordinators and case managers of the region, one membership per row (a case
    manager's names their municipality)."""
    return list(
        Membership.objects.filter(
            tenant_id=tenant_id, role__in=ALERT_ASSIGNEE_ROLES, is_active=True, user__is_active=True
        )
        .select_related("user", "municipality")
        .order_by("user__last_name", "user__first_name", "user__username", "role", "pk")
    )


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _assignee_errors(assignee: User, alerts: list[AbsenceAlert]) -> list[str]:
    memberships = list(
        Membership.objects.filter(
            user=assignee,
            tenant_id__in={alert.tenant_id for alert in alerts},
            role__in=ALERT_ASSIGNEE_ROLES,
            is_active=True,
        )
    )
    if not assignee.is_active or not memberships:
        return [
            _("%(name)s is not an active absence coordinator or case manager of this region.")
            % {"name": _name(assignee)}
        ]
    errors = []
    for alert in alerts:
        # A case manager of one municipality works only on that municipality's learners.
        if not any(
            m.tenant_id == alert.tenant_id and m.municipality_id in (None, alert.learner.municipality_id)
            for m in memberships
        ):
            errors.append(
                _("%(name)s cannot take the alert of %(number)s: the learner lives in another municipality.")
                % {"name": _name(assignee), "number": alert.learner.learner_number}
            )
    return errors


@transaction.atomic
def alert_assign(*, actor: User, alert_ids, assignee: User | None) -> list[AbsenceAlert]:
    """Assign open alerts to an active absence coordinator or case manager of their region, or to
    nobody (``assignee=None``). Returns the alerts whose assignment changed."""
    try:
        ids = {int(pk) for pk in alert_ids}
    except (TypeError, ValueError):
        ids = set()
    if not ids:
        raise ValidationError({"alert_ids": [_("Select at least one absence alert.")]})
    alerts = list(
        AbsenceAlert.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("learner").order_by("pk")
    )
    if len(alerts) != len(ids):
        raise ValidationError({"alert_ids": [_("Only absence alerts in your part of the region can be assigned.")]})
    errors = []
    closed = [alert.learner.learner_number for alert in alerts if alert.status not in OPEN_ALERT_STATUSES]
    if closed:
        errors.append(_("Closed and withdrawn alerts are not assigned: %(numbers)s.") % {"numbers": ", ".join(closed)})
    if assignee is not None:
        errors += _assignee_errors(assignee, alerts)
    if errors:
        raise ValidationError({"assignee": errors})
    changed = [alert for alert in alerts if alert.assigned_to_id != (assignee.pk if assignee else None)]
    now = timezone.now()
    for alert in changed:
        alert.assigned_to = assignee
        alert.updated_at = now
    if changed:
        bulk_update_with_history(changed, AbsenceAlert, ["assigned_to", "updated_at"], default_user=actor)
    return changed


@dataclass(frozen=True)
class StatusChange:
    alert: AbsenceAlert
    case: EnforcementCase | None = None  # the enforcement case the alert was passed on to
    case_opened: bool = False  # False: the learner's open case already existed


def _status_label(status: str) -> str:
    return str(AlertStatus(status).label)


@transaction.atomic
def alert_set_status(*, actor: User, alert: AbsenceAlert, status: str, outcome: str = "") -> StatusChange:
    """Move the alert one step on; closing records the outcome. Passing on to enforcement opens the
    learner's enforcement case with their case manager leading it (guide 2.4: the case manager acts),
    or, when the learner already has an open case, leaves that case to continue."""
    alert = (
        AbsenceAlert.objects.select_for_update(of=("self",))
        .select_related("learner__case_manager", "learner")
        .get(pk=alert.pk)
    )
    outcome = outcome or ""
    errors: dict[str, list[str]] = {}
    if status == AlertStatus.WITHDRAWN:
        errors["status"] = [
            _("Only the absence rule withdraws an alert, when corrections bring the count below the threshold.")
        ]
    elif status not in AlertStatus.values:
        errors["status"] = [_("Choose one of the statuses of an absence alert.")]
    elif status not in allowed_transitions(alert):
        errors["status"] = [
            _("An alert that is “%(current)s” cannot become “%(new)s”.")
            % {"current": _status_label(alert.status), "new": _status_label(status)}
        ]
    if status == AlertStatus.CLOSED:
        if outcome not in AlertOutcome.values:
            errors["outcome"] = [_("Choose the outcome: recovered, or passed on to enforcement.")]
    elif outcome:
        errors["outcome"] = [_("Only closing an alert records an outcome.")]
    case_manager = alert.learner.case_manager
    if not errors and outcome == AlertOutcome.ENFORCEMENT:
        if case_manager is None:
            errors["outcome"] = [
                _(
                    "Assign a case manager to the learner first: the case manager leads the enforcement "
                    "case. Then close the alert again."
                )
            ]
        elif not case_manager.is_active:
            errors["outcome"] = [
                _("The learner's case manager %(name)s is no longer active: assign another one first.")
                % {"name": _name(case_manager)}
            ]
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        alert.status = status
        alert.outcome = outcome
        alert.save()
    if outcome != AlertOutcome.ENFORCEMENT:
        return StatusChange(alert=alert)
    existing = EnforcementCase.objects.filter(learner_id=alert.learner_id, status=CaseStatus.OPEN).first()
    if existing is not None:
        return StatusChange(alert=alert, case=existing, case_opened=False)
    case = enforcement_case_open(actor=case_manager, learner=alert.learner, alert=alert)
    return StatusChange(alert=alert, case=case, case_opened=True)


@transaction.atomic
def alert_add_note(*, actor: User, alert: AbsenceAlert, text: str) -> AlertNote:
    """A note on the alert, kept with its author and time; notes are never edited."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the note.")]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"text": [_("Keep the note to at most %(count)s characters.") % {"count": NOTE_MAX_LENGTH}]}
        )
    return AlertNote.objects.create(tenant_id=alert.tenant_id, alert=alert, author=actor, text=text)
