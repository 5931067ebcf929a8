"""Writes for the absence rule: classification, call-ins and the monthly alerts (guide 2.2, 2.4).

The rule is set-based: one query per month returns the counted absences of the whole region
(each under its contract's policy); alerts are then inserted, updated or withdrawn in bulk. The
unique (learner, month) constraint keeps a second or concurrent run from adding anything.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import AttendanceRecord, Classification, LessonStatus, ReportedReason
from contracts.models import Contract
from enforcement import selectors
from enforcement.models import (
    OPEN_ALERT_STATUSES,
    AbsenceAlert,
    AlertStatus,
    ClassificationEntry,
    Counting,
    Culpability,
    WarningLetter,
)
from inburgering.tenancy.models import Role, Tenant, User
from learning_routes.models import Learner, Trajectory
from notifications.services import notification_send


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@dataclass
class _LearnerMonth:
    learner_id: int
    dates: list[date] = field(default_factory=list)
    record_ids: list[int] = field(default_factory=list)
    provider_id: int | None = None
    contract_id: int | None = None
    threshold: int = 0

    @property
    def count(self) -> int:
        return len(self.record_ids)


@dataclass(frozen=True)
class AlertRun:
    created: int
    updated: int
    withdrawn: int
    letters: list[int]


def _counted_absences(tenant_id: int, month: date) -> dict[int, _LearnerMonth]:
    """Every counted absence of the month, per learner, under its contract's policy (DOMAIN.md
    "Rule semantics": an absence is a lesson `afwezig`; partial attendance only where the policy
    says so; under "only unauthorized" only lessons classified `ongeoorloofd`)."""
    contracts = list(Contract.unscoped.filter(tenant_id=tenant_id).values_list("pk", flat=True))
    if not contracts:
        return {}
    policies = selectors.policies_by_contract(tenant_id, contracts)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(contracts))
    params: list = []
    for contract_id in contracts:
        policy = policies[contract_id]
        params += [
            contract_id,
            policy.threshold_per_month,
            1 if policy.counting == Counting.ALL else 0,
            1 if policy.partial_attendance_counts else 0,
        ]
    record, trajectory, contract, alert = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (AttendanceRecord, Trajectory, Contract, AbsenceAlert)
    )
    # Partial attendance counts only where a policy says so; without such a policy the condition is
    # plain, so the partial index on absences serves the query.
    if any(policies[contract_id].partial_attendance_counts for contract_id in contracts):
        absence_condition = (
            "(r.status = %s OR (p.partial_counts = 1 AND r.status = %s AND r.attended_minutes < r.scheduled_minutes))"
        )
        status_params = [LessonStatus.ABSENT, LessonStatus.PRESENT]
    else:
        absence_condition = "r.status = %s"
        status_params = [LessonStatus.ABSENT]
    sql = f"""
        WITH policies (contract_id, threshold, count_all, partial_counts) AS (VALUES {values}),
        counted AS (
            SELECT t.learner_id AS learner_id, r.id AS record_id, r.lesson_date AS lesson_date,
                   c.provider_id AS provider_id, t.contract_id AS contract_id, p.threshold AS threshold,
                   COUNT(*) OVER (PARTITION BY t.learner_id) AS absences,
                   MIN(p.threshold) OVER (PARTITION BY t.learner_id) AS lowest_threshold
            FROM {record} r
            JOIN {trajectory} t ON t.id = r.trajectory_id
            JOIN {contract} c ON c.id = t.contract_id
            JOIN policies p ON p.contract_id = t.contract_id
            WHERE r.tenant_id = %s AND r.lesson_date >= %s AND r.lesson_date < %s
              AND {absence_condition}
              AND (p.count_all = 1 OR r.classification = %s)
        )
        -- Only learners who may reach a threshold, or who already have this month's alert, come back
        -- with their lessons: a few thousand rows instead of every absence of the region's month.
        SELECT learner_id, record_id, lesson_date, provider_id, contract_id, threshold
        FROM counted
        WHERE absences >= lowest_threshold
           OR learner_id IN (SELECT learner_id FROM {alert} WHERE tenant_id = %s AND month = %s)
        ORDER BY learner_id, lesson_date, record_id
    """
    params += [
        tenant_id,
        month,
        next_month(month),
        *status_params,
        Classification.UNAUTHORIZED,
        tenant_id,
        month,
    ]
    learners: dict[int, _LearnerMonth] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for learner_id, record_id, lesson_date, provider_id, contract_id, threshold in cursor.fetchall():
            entry = learners.setdefault(learner_id, _LearnerMonth(learner_id))
            if isinstance(lesson_date, str):
                lesson_date = date.fromisoformat(lesson_date)
            entry.dates.append(lesson_date)
            entry.record_ids.append(record_id)
            # The latest absence decides: its provider hands out the letter, its policy's threshold applies.
            entry.provider_id, entry.contract_id = provider_id, contract_id
            entry.threshold = threshold
    return learners


def absence_alerts_detect(*, tenant: Tenant, month: date) -> AlertRun:
    """Apply the monthly rule to one calendar month of one region (guide 2.4, IJmond)."""
    month = month_start(month)
    with transaction.atomic():
        counted = _counted_absences(tenant.pk, month)
        existing = {
            alert.learner_id: alert
            for alert in AbsenceAlert.unscoped.select_for_update().filter(tenant=tenant, month=month)
        }
        reached = {learner_id: entry for learner_id, entry in counted.items() if entry.count >= entry.threshold}
        new_alerts = [
            AbsenceAlert(
                tenant=tenant,
                learner_id=learner_id,
                month=month,
                absence_count=entry.count,
                threshold=entry.threshold,
                absence_dates=[day.isoformat() for day in entry.dates],
                record_ids=entry.record_ids,
                provider_id=entry.provider_id,
                contract_id=entry.contract_id,
            )
            for learner_id, entry in reached.items()
            if learner_id not in existing
        ]
        # ignore_conflicts: a concurrent run that inserted the same (learner, month) first wins.
        AbsenceAlert.unscoped.bulk_create(new_alerts, ignore_conflicts=True)
        changed, withdrawn, below_after_letter = [], [], []
        for learner_id, alert in existing.items():
            entry = counted.get(learner_id)
            dates = [day.isoformat() for day in entry.dates] if entry else []
            if entry is not None and entry.count >= entry.threshold:
                if alert.absence_dates != dates or alert.status == AlertStatus.WITHDRAWN:
                    alert.absence_count, alert.absence_dates = entry.count, dates
                    alert.record_ids, alert.provider_id, alert.threshold = (
                        entry.record_ids,
                        entry.provider_id,
                        entry.threshold,
                    )
                    if alert.status == AlertStatus.WITHDRAWN:
                        alert.status = AlertStatus.NEW
                    changed.append(alert)
            elif alert.status in OPEN_ALERT_STATUSES and alert.absence_dates != dates:
                alert.absence_count, alert.absence_dates = len(dates), dates
                alert.record_ids = entry.record_ids if entry else []
                if not _letter_handed_out(alert):
                    alert.status = AlertStatus.WITHDRAWN
                    withdrawn.append(alert)
                else:
                    below_after_letter.append(alert)
                changed.append(alert)
        for alert in changed:
            alert.save()
        if below_after_letter:
            _notify_below_threshold_after_letter(tenant, below_after_letter)
        letters = _letters_for_new_alerts(tenant, month)
    return AlertRun(
        created=len(new_alerts), updated=len(changed) - len(withdrawn), withdrawn=len(withdrawn), letters=letters
    )


def absence_alerts_run(*, tenant: Tenant, months) -> AlertRun:
    """The rule for several months, then the new letters are queued (made by a worker, once)."""
    created = updated = withdrawn = 0
    letters: list[int] = []
    for month in sorted({month_start(m) for m in months}):
        run = absence_alerts_detect(tenant=tenant, month=month)
        created, updated, withdrawn = created + run.created, updated + run.updated, withdrawn + run.withdrawn
        letters += run.letters
    if letters:
        from enforcement.tasks import enqueue_warning_letters

        enqueue_warning_letters(letters, tenant_id=tenant.pk)
    return AlertRun(created=created, updated=updated, withdrawn=withdrawn, letters=letters)


def absence_coordinators(tenant: Tenant) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.ABSENCE_COORDINATOR,
            memberships__tenant=tenant,
        ).distinct()
    )


def _notify_below_threshold_after_letter(tenant: Tenant, alerts: list[AbsenceAlert]) -> None:
    """The letter was handed out, so the alert stays; the coordinators hear that corrections
    dropped it below the threshold (DOMAIN.md "Rule semantics")."""
    coordinators = absence_coordinators(tenant)
    for alert in alerts:
        notification_send(
            recipients=coordinators,
            tenant=tenant,
            subject=_("Absence alert below the threshold after the letter"),
            body=_(
                "After corrections, learner %(number)s has %(count)s counted absences in %(month)s; "
                "the warning letter was already handed out, so the alert stays."
            )
            % {
                "number": Learner.unscoped.get(pk=alert.learner_id).learner_number,
                "count": alert.absence_count,
                "month": alert.month.strftime("%m-%Y"),
            },
            url=reverse("alert_detail", kwargs={"pk": alert.pk}),
        )


def _letter_handed_out(alert: AbsenceAlert) -> bool:
    return WarningLetter.unscoped.filter(alert=alert, handed_out_on__isnull=False).exists()


def _letters_for_new_alerts(tenant: Tenant, month: date) -> list[int]:
    """One letter per alert where the policy wants it automatically; returns the letters created now."""
    without_letter = list(
        AbsenceAlert.unscoped.filter(tenant=tenant, month=month, letter__isnull=True)
        .exclude(status=AlertStatus.WITHDRAWN)
        .select_related("learner")
    )
    if not without_letter:
        return []
    policies = selectors.policies_by_contract(tenant.pk, {alert.contract_id for alert in without_letter})
    wanted = [alert for alert in without_letter if policies[alert.contract_id].automatic_warning_letter]
    WarningLetter.unscoped.bulk_create(
        [
            WarningLetter(tenant=tenant, alert=alert, provider_id=alert.provider_id, token=secrets.token_hex(16))
            for alert in wanted
        ],
        ignore_conflicts=True,
    )
    return list(WarningLetter.unscoped.filter(alert__in=wanted, generated_at__isnull=True).values_list("pk", flat=True))


# ---------------------------------------------------------------------------------------------
# Classification (only the absence coordinator classifies; guide 2.2, 2.4)
# ---------------------------------------------------------------------------------------------


def classification_for(culpability: str, policy) -> str:
    """The guide's mapping (2.2) as the policy holds it: culpability → geoorloofd/ongeoorloofd."""
    return policy.culpability_mapping.get(culpability, "")


@transaction.atomic
def absences_classify(
    *, actor: User, record_ids: list[int], culpability: str, reason: str = "", classification: str | None = None
) -> list[date]:
    """Classify absences one by one or in bulk; returns the months touched (for the rule to re-run).

    The classification follows from the culpability through the policy's mapping unless given."""
    if culpability not in Culpability.values:
        raise ValidationError({"culpability": [_("Choose a culpability level.")]})
    records = list(
        AttendanceRecord.objects.select_for_update()
        .filter(pk__in=record_ids, status=LessonStatus.ABSENT)
        .select_related("trajectory__contract")
    )
    if len(records) != len(set(record_ids)):
        raise ValidationError({"record_ids": [_("Only absences in your region can be classified.")]})
    now = timezone.now()
    months = set()
    for record in records:
        policy = selectors.policy_for_contract(record.trajectory.contract)
        value = classification or classification_for(culpability, policy)
        if value not in Classification.values:
            raise ValidationError({"classification": [_("Choose authorized or unauthorized.")]})
        record.classification, record.culpability = value, culpability
        record.classified_by, record.classified_at = actor, now
        months.add(month_start(record.lesson_date))
    if reason and reason not in ReportedReason.values:
        raise ValidationError({"reason": [_("Choose a reason from the list.")]})
    AttendanceRecord.objects.bulk_update(records, ["classification", "culpability", "classified_by", "classified_at"])
    # The audit of a bulk write: one entry per lesson with who, when and what (DESIGN.md "Audit").
    ClassificationEntry.objects.bulk_create(
        ClassificationEntry(
            tenant_id=record.tenant_id,
            record=record,
            classification=record.classification,
            culpability=culpability,
            reason=reason,
            classified_by=actor,
            classified_at=now,
        )
        for record in records
    )
    # Under "only unauthorized" a classification can make or withdraw an alert: the rule re-runs now.
    for tenant in Tenant.objects.filter(pk__in={record.tenant_id for record in records}):
        absence_alerts_run(tenant=tenant, months=months)
    return sorted(months)
