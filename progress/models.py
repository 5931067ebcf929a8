"""Checkpoints (evaluatiemomenten), level-change requests and hour extensions (guide 1.2, 3.2)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import HoursBasis, Route, percentage_validators
from inburgering.audit import audited_history
from inburgering.tenancy.scoping import TenantOwned
from learning_routes.models import Level, Skill


class CheckpointStatus(models.TextChoices):
    OPEN = "open", _("open")
    SUBMITTED = "ingediend", _("submitted")
    REVIEWED = "beoordeeld", _("reviewed")
    OVERDUE = "te_laat", _("late")


# The provider still has to assess these.
AWAITING_ASSESSMENT = (CheckpointStatus.OPEN, CheckpointStatus.OVERDUE)


class Advice(models.TextChoices):
    CONTINUE = "doorgaan", _("continue")
    DOWNSCALE = "afschalen", _("downscale (per skill)")
    UPSCALE = "opschalen", _("upscale")
    ROUTE_SWITCH = "routewissel", _("route switch")


class Checkpoint(TenantOwned):
    """An evaluation after a contract's threshold of hours (guide 1.2: 300 and 600 hours).

    One per learner and threshold: the learner's hours count over all trajectories (DOMAIN.md
    "Rule semantics"), so a provider or route switch does not bring the 300-hour check back.
    """

    learner = models.ForeignKey("learning_routes.Learner", on_delete=models.PROTECT, related_name="checkpoints")
    trajectory = models.ForeignKey("learning_routes.Trajectory", on_delete=models.PROTECT, related_name="checkpoints")
    threshold_hours = models.PositiveIntegerField(_("threshold (hours)"))
    hours_basis = models.CharField(_("hours counted"), max_length=16, choices=HoursBasis.choices)
    reached_on = models.DateField(_("threshold reached on"), null=True, blank=True)
    known_on = models.DateField(_("known on"))
    due_date = models.DateField(_("assessment due"))
    status = models.CharField(_("status"), max_length=16, choices=CheckpointStatus.choices, default="open")
    advice = models.CharField(_("advice"), max_length=16, choices=Advice.choices, blank=True)
    advice_remark = models.TextField(_("explanation"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_remark = models.TextField(_("case manager's remark"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_provider_lookup = "trajectory__contract__provider_id"
    scope_municipality_lookup = "learner__municipality_id"

    history = audited_history(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "threshold_hours"], name="one_checkpoint_per_learner_threshold"),
        ]
        indexes = [models.Index(fields=["tenant", "status", "due_date"], name="checkpoint_tenant_status")]

    def __str__(self) -> str:
        return _("Checkpoint %(hours)s hours") % {"hours": self.threshold_hours}

    def get_absolute_url(self) -> str:
        return reverse("checkpoint_detail", kwargs={"pk": self.pk})

    @property
    def is_late(self) -> bool:
        """Submitted after its due date, or still open past it."""
        if self.submitted_at is not None:
            return timezone.localtime(self.submitted_at).date() > self.due_date
        return self.status == CheckpointStatus.OVERDUE


class SkillAssessment(TenantOwned):
    """The provider's assessment of one skill at a checkpoint."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="assessments")
    skill = models.CharField(_("skill"), max_length=16, choices=Skill.choices)
    current_level = models.CharField(_("current level"), max_length=2, choices=Level.choices)
    on_track = models.BooleanField(_("on track"))
    remark = models.CharField(_("remark"), max_length=1000, blank=True)

    scope_provider_lookup = "checkpoint__trajectory__contract__provider_id"
    scope_municipality_lookup = "checkpoint__learner__municipality_id"

    history = audited_history()

    class Meta:
        verbose_name = _("skill assessment")
        verbose_name_plural = _("skill assessments")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["checkpoint", "skill"], name="one_assessment_per_skill")]


class ChangeKind(models.TextChoices):
    DOWNSCALE = "afschalen", _("downscale")
    UPSCALE = "opschalen", _("upscale")
    ROUTE_SWITCH = "routewissel", _("route switch")


class RequestStatus(models.TextChoices):
    SUBMITTED = "ingediend", _("awaiting decision")
    GRANTED = "toegekend", _("granted")
    REFUSED = "afgewezen", _("refused")


class Decision(models.TextChoices):
    GRANTED = "toegekend", _("grant")
    REFUSED = "afgewezen", _("refuse")


def evidence_path(instance: LevelChangeRequest, filename: str) -> str:
    # Never the original name on disk (personal data, path tricks); the name is kept in a field.
    return f"niveauwijziging/{instance.tenant_id}/{instance.evidence_token}"


class LevelChangeRequest(TenantOwned):
    """A provider's request to downscale, upscale or switch route; the municipality decides (guide 1.2)."""

    trajectory = models.ForeignKey(
        "learning_routes.Trajectory", on_delete=models.PROTECT, related_name="level_change_requests"
    )
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    # [{"skill": "schrijven", "from": "B1", "to": "A2"}, ...]; empty for a route switch
    skill_changes = models.JSONField(_("skills"), default=list, blank=True)
    new_route = models.CharField(_("new route"), max_length=16, choices=Route.choices, blank=True)
    motivation = models.TextField(_("motivation"))
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("For example an independent test result."))
    evidence_file = models.FileField(_("attachment"), upload_to=evidence_path, blank=True)
    evidence_file_name = models.CharField(_("attachment name"), max_length=255, blank=True)
    evidence_token = models.CharField(max_length=32, blank=True, editable=False)
    attended_hours = models.DecimalField(_("attended hours at the request"), max_digits=7, decimal_places=2)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default="ingediend")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    due_date = models.DateField(_("decision due"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("explanation of the decision"), blank=True)
    turnaround_working_days = models.PositiveIntegerField(_("turnaround (working days)"), null=True, blank=True)
    new_trajectory = models.ForeignKey(
        "learning_routes.Trajectory", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_provider_lookup = "trajectory__contract__provider_id"
    scope_municipality_lookup = "trajectory__learner__municipality_id"

    history = audited_history(excluded_fields=["evidence_token"])

    class Meta:
        verbose_name = _("level-change request")
        verbose_name_plural = _("level-change requests")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["tenant", "status", "due_date"], name="levelchange_tenant_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.trajectory.learner.learner_number}"

    def get_absolute_url(self) -> str:
        return reverse("level_change_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.SUBMITTED

    @property
    def decided_within_deadline(self) -> bool | None:
        if self.decided_at is None:
            return None
        return timezone.localtime(self.decided_at).date() <= self.due_date


class HoursExtension(TenantOwned):
    """Extra lesson hours beyond the contract's maximum while there is progress (guide 3.2)."""

    trajectory = models.ForeignKey(
        "learning_routes.Trajectory", on_delete=models.PROTECT, related_name="hour_extensions"
    )
    extra_hours = models.PositiveIntegerField(
        _("extra hours"), validators=[MinValueValidator(1, message=_("An extension is at least 1 hour."))]
    )
    reason = models.TextField(_("reason"))
    municipality_share_percentage = models.DecimalField(
        _("municipality's share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=percentage_validators,
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_on = models.DateField(_("granted on"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_provider_lookup = "trajectory__contract__provider_id"
    scope_municipality_lookup = "trajectory__learner__municipality_id"

    history = audited_history(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("hour extension")
        verbose_name_plural = _("hour extensions")
        ordering = ["-granted_on", "-pk"]


class MaximumHoursWarning(TenantOwned):
    """A trajectory's offered hours reached the contract's warning share of its maximum.

    One per trajectory and maximum: an extension raises the maximum, and a new warning can follow.
    """

    trajectory = models.ForeignKey("learning_routes.Trajectory", on_delete=models.CASCADE, related_name="+")
    maximum_hours = models.PositiveIntegerField(_("maximum (hours)"))
    offered_hours = models.DecimalField(_("offered hours"), max_digits=7, decimal_places=2)
    warned_on = models.DateField(_("warned on"))

    scope_provider_lookup = "trajectory__contract__provider_id"
    scope_municipality_lookup = "trajectory__learner__municipality_id"

    class Meta:
        verbose_name = _("maximum-hours warning")
        verbose_name_plural = _("maximum-hours warnings")
        ordering = ["-warned_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "maximum_hours"], name="one_warning_per_trajectory_maximum"),
        ]
