"""Call-ins (afmeldingen) and make-up obligations (huiswerkklas), guide 2.4.

A learner calls in for a lesson with the region's absence coordinator; the provider sees the call-in
on its attendance calendar. Where the verzuimprotocol says missed lessons must be made up, every
learner's missed and made-up minutes are computed set-based, once a day and on demand.

Role checks belong to the views; these services take the acting user and record it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import AttendanceRecord, Daypart, LessonStatus, ReportedReason
from contracts.models import Contract
from enforcement.models import CallIn, MakeupObligation
from enforcement.selectors import policies_by_contract
from inburgering.audit import acting_as
from inburgering.jobs import daily_job
from inburgering.tenancy.models import Tenant, User
from learning_routes.models import Trajectory

# How far ahead a learner can call in (a holiday, a planned operation); further is a typing error.
CALL_IN_MAX_DAYS_AHEAD = 60
NOTE_MAX_LENGTH = CallIn._meta.get_field("note").max_length


# ---------------------------------------------------------------------------------------------
# Call-ins
# ---------------------------------------------------------------------------------------------


def _duplicate_message() -> str:
    return _("There is already a call-in for this lesson (date and daypart).")


def call_in_register(
    *, actor: User, trajectory: Trajectory, lesson_date: date, daypart: str, reason: str, note: str = ""
) -> CallIn:
    """Register a learner's call-in for one lesson of the trajectory; one per lesson."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    note = (note or "").strip()
    if daypart not in Daypart.values:
        errors.setdefault("daypart", []).append(_("Choose a daypart: morning, afternoon or evening."))
    if reason not in ReportedReason.values:
        errors.setdefault("reason", []).append(_("Choose a reason from the list."))
    if len(note) > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(
            _("The note can be at most %(count)s characters long.") % {"count": NOTE_MAX_LENGTH}
        )
    if lesson_date < trajectory.start_date:
        errors.setdefault("lesson_date", []).append(
            _("The date is before the start of the trajectory (%(date)s).")
            % {"date": trajectory.start_date.strftime("%d-%m-%Y")}
        )
    elif trajectory.end_date and lesson_date > trajectory.end_date:
        errors.setdefault("lesson_date", []).append(
            _("The date is after the end of the trajectory (%(date)s).")
            % {"date": trajectory.end_date.strftime("%d-%m-%Y")}
        )
    elif lesson_date > today + timedelta(days=CALL_IN_MAX_DAYS_AHEAD):
        errors.setdefault("lesson_date", []).append(
            _("A call-in can be registered at most %(days)s days ahead.") % {"days": CALL_IN_MAX_DAYS_AHEAD}
        )
    if (
        not errors
        and CallIn.unscoped.filter(trajectory_id=trajectory.pk, lesson_date=lesson_date, daypart=daypart).exists()
    ):
        errors.setdefault("lesson_date", []).append(_duplicate_message())
    if errors:
        raise ValidationError(errors)
    call_in = CallIn(
        tenant_id=trajectory.tenant_id,
        trajectory=trajectory,
        lesson_date=lesson_date,
        daypart=daypart,
        reason=reason,
        note=note,
        registered_by=actor,
    )
    with acting_as(actor):
        try:
            with transaction.atomic():
                call_in.save()
        except IntegrityError as error:  # one_call_in_per_lesson: a concurrent registration came first
            raise ValidationError({"lesson_date": [_duplicate_message()]}) from error
    return call_in


def call_ins_of_trajectory(trajectory_id: int):
    """The trajectory's call-ins in the caller's scope, latest lesson first."""
    return (
        CallIn.objects.filter(trajectory_id=trajectory_id)
        .select_related("registered_by")
        .order_by("-lesson_date", "pk")
    )


# ---------------------------------------------------------------------------------------------
# Make-up obligations (where the policy's makeup_required)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MakeupRun:
    obligations: int
    removed: int


def makeup_obligations_refresh(*, tenant: Tenant) -> MakeupRun:
    """Every learner's make-up obligation of the region, computed set-based (DOMAIN.md "Absence").

    Missed minutes: scheduled minus attended minutes of the lessons `afwezig` on trajectories whose
    contract's policy requires make-up. Made-up minutes: attended minutes of homework-class lessons.
    A learner without missed minutes under such a policy has no obligation (any old one is removed).
    """
    contract_ids = list(Contract.unscoped.filter(tenant_id=tenant.pk).values_list("pk", flat=True))
    policies = policies_by_contract(tenant.pk, contract_ids) if contract_ids else {}
    makeup_contracts = [contract_id for contract_id, policy in policies.items() if policy.makeup_required]
    started = timezone.now()
    with transaction.atomic():
        rows = []
        if makeup_contracts:
            rows = list(
                AttendanceRecord.unscoped.filter(tenant_id=tenant.pk)
                .order_by()
                .values("trajectory__learner_id")
                .annotate(
                    missed=Coalesce(
                        Sum(
                            F("scheduled_minutes") - F("attended_minutes"),
                            filter=Q(status=LessonStatus.ABSENT, trajectory__contract_id__in=makeup_contracts),
                        ),
                        0,
                    ),
                    made_up=Coalesce(Sum("attended_minutes", filter=Q(homework_class=True)), 0),
                )
                .filter(missed__gt=0)
                .values_list("trajectory__learner_id", "missed", "made_up")
            )
        MakeupObligation.unscoped.bulk_create(
            [
                MakeupObligation(
                    tenant_id=tenant.pk, learner_id=learner_id, missed_minutes=missed, made_up_minutes=made_up
                )
                for learner_id, missed, made_up in rows
            ],
            update_conflicts=True,
            unique_fields=["learner"],
            update_fields=["missed_minutes", "made_up_minutes", "updated_at"],
        )
        # Every obligation still owed was just written (updated_at is now): what is older is owed no more.
        removed, _details = MakeupObligation.unscoped.filter(tenant_id=tenant.pk, updated_at__lt=started).delete()
    return MakeupRun(obligations=len(rows), removed=removed)


@daily_job("inhaalverplichtingen")
def makeup_obligations_daily(*, tenant: Tenant, as_of: date) -> str:
    run = makeup_obligations_refresh(tenant=tenant)
    return _("%(count)s make-up obligations, %(removed)s removed") % {
        "count": run.obligations,
        "removed": run.removed,
    }
