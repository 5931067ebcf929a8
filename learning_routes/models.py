"""Learners (inburgeraars), their trajectories, exam results, term extensions and dossier access."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Route
from inburgering.audit import audited_history
from inburgering.tenancy.scoping import TenantOwned
from learning_routes import bsn as bsn_tools


class Level(models.TextChoices):
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"


LEVEL_ORDER = [Level.A1, Level.A2, Level.B1, Level.B2]


class Skill(models.TextChoices):
    READING = "lezen", _("reading")
    LISTENING = "luisteren", _("listening")
    WRITING = "schrijven", _("writing")
    SPEAKING = "spreken", _("speaking")


class ExamComponent(models.TextChoices):
    READING = "lezen", _("reading")
    LISTENING = "luisteren", _("listening")
    WRITING = "schrijven", _("writing")
    SPEAKING = "spreken", _("speaking")
    KNM = "knm", _("knowledge of Dutch society (KNM)")


class TrajectoryStatus(models.TextChoices):
    STARTKLAS = "startklas", _("intake class")
    ACTIVE = "actief", _("active")
    DOWNSCALED = "afgeschaald", _("downscaled")
    COMPLETED = "afgerond", _("completed")
    STOPPED = "gestopt", _("stopped")


# A learner has at most one trajectory in one of these statuses (DOMAIN: one active trajectory).
OPEN_STATUSES = (TrajectoryStatus.STARTKLAS, TrajectoryStatus.ACTIVE, TrajectoryStatus.DOWNSCALED)


class EndReason(models.TextChoices):
    PASSED = "behaald", _("passed")
    WORK = "werk", _("work")
    EDUCATION = "onderwijs", _("education")
    MOVED = "verhuisd", _("moved away")
    ROUTE_SWITCH = "routewissel", _("route switch")
    OTHER = "anders", _("other")


class Learner(TenantOwned):
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="learners", verbose_name=_("municipality")
    )
    # The BSN is never stored in clear: a Fernet token, and a keyed hash for lookup and uniqueness.
    bsn_encrypted = models.TextField(editable=False)
    bsn_hash = models.CharField(max_length=64, editable=False)
    learner_number = models.CharField(_("learner number"), max_length=12, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_asylum_permit_holder = models.BooleanField(
        _("asylum permit holder"),
        default=False,
        help_text=_(
            "Since 2025 a fine for an asylum permit holder is possible only for exceptional, proven, "
            "persistent unwillingness, recorded by the case manager."
        ),
    )
    pip_date = models.DateField(_("PIP date"), null=True, blank=True, help_text=_("Date of the first PIP."))
    integration_term_start = models.DateField(_("integration term from"), null=True, blank=True, editable=False)
    integration_term_end = models.DateField(_("integration term until"), null=True, blank=True, editable=False)
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case manager"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_municipality_lookup = "municipality_id"
    # Provider staff see learners with a trajectory on one of their contracts (a join: the scoped
    # manager then filters through a subquery, so rows are never doubled).
    scope_provider_lookup = "trajectories__contract__provider_id"
    scope_multivalued = True

    history = audited_history(excluded_fields=["bsn_encrypted", "bsn_hash", "created_at"])

    class Meta:
        verbose_name = _("learner")
        verbose_name_plural = _("learners")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "bsn_hash"], name="learner_bsn_unique_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "learner_number"], name="learner_number_unique_per_tenant"),
        ]
        indexes = [models.Index(fields=["tenant", "municipality", "last_name"], name="learner_tenant_muni_name")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.learner_number})"

    def get_absolute_url(self) -> str:
        return reverse("learner_detail", kwargs={"pk": self.pk})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def bsn(self) -> str:
        return bsn_tools.decrypt_bsn(self.bsn_encrypted)

    @property
    def bsn_masked(self) -> str:
        return bsn_tools.mask_bsn(self.bsn)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class TermExtension(TenantOwned):
    """An extension of the integration term granted by DUO (reason, new end date)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="term_extensions")
    reason = models.CharField(_("reason"), max_length=300)
    new_end_date = models.DateField(_("new end date"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_municipality_lookup = "learner__municipality_id"
    scope_provider_lookup = None

    history = audited_history()

    class Meta:
        verbose_name = _("term extension")
        verbose_name_plural = _("term extensions")
        ordering = ["new_end_date"]


class Trajectory(TenantOwned):
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="trajectories")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="trajectories")
    route = models.CharField(_("route"), max_length=16, choices=Route.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=TrajectoryStatus.choices, default=TrajectoryStatus.STARTKLAS
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=16, choices=EndReason.choices, blank=True)
    dagdelen_per_week = models.PositiveSmallIntegerField(_("dayparts per week"))
    moment_daytime = models.BooleanField(_("daytime"), default=True)
    moment_evening = models.BooleanField(_("evening"), default=False)
    moment_weekend = models.BooleanField(_("weekend"), default=False)
    moment_online = models.BooleanField(_("online"), default=False)
    moment_blended = models.BooleanField(_("blended"), default=False)
    target_reading = models.CharField(_("target reading"), max_length=2, choices=Level.choices, default=Level.B1)
    target_listening = models.CharField(_("target listening"), max_length=2, choices=Level.choices, default=Level.B1)
    target_writing = models.CharField(_("target writing"), max_length=2, choices=Level.choices, default=Level.B1)
    target_speaking = models.CharField(_("target speaking"), max_length=2, choices=Level.choices, default=Level.B1)
    b2_track = models.BooleanField(_("B2 track"), default=False)
    # Intake advice from the startklas (guide 1.2, 1.3)
    intake_route = models.CharField(_("advised route"), max_length=16, choices=Route.choices, blank=True)
    intake_learnability = models.PositiveSmallIntegerField(
        _("learnability score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("From 1 (low) to 10 (high), as the startklas teachers assess it."),
    )
    intake_date = models.DateField(_("date of the advice"), null=True, blank=True)
    intake_advisor = models.CharField(_("advisor"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_provider_lookup = "contract__provider_id"
    scope_municipality_lookup = "learner__municipality_id"

    history = audited_history(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("trajectory")
        verbose_name_plural = _("trajectories")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner"],
                condition=Q(status__in=["startklas", "actief", "afgeschaald"]),
                name="one_open_trajectory_per_learner",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "contract", "status"], name="trajectory_tenant_contract")]

    def __str__(self) -> str:
        return f"{self.get_route_display()} – {self.learner.learner_number}"

    def get_absolute_url(self) -> str:
        return reverse("learner_detail", kwargs={"pk": self.learner_id}) + f"#traject-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def targets(self) -> dict[str, str]:
        return {
            Skill.READING: self.target_reading,
            Skill.LISTENING: self.target_listening,
            Skill.WRITING: self.target_writing,
            Skill.SPEAKING: self.target_speaking,
        }

    @property
    def lesson_moments(self) -> list[str]:
        labels = []
        for field in ("moment_daytime", "moment_evening", "moment_weekend", "moment_online", "moment_blended"):
            if getattr(self, field):
                labels.append(str(self._meta.get_field(field).verbose_name))
        return labels


class ExamResult(TenantOwned):
    trajectory = models.ForeignKey(Trajectory, on_delete=models.PROTECT, related_name="exam_results")
    component = models.CharField(_("component"), max_length=16, choices=ExamComponent.choices)
    level = models.CharField(_("level"), max_length=2, choices=Level.choices, blank=True)
    exam_date = models.DateField(_("exam date"))
    passed = models.BooleanField(_("passed"))

    scope_provider_lookup = "trajectory__contract__provider_id"
    scope_municipality_lookup = "trajectory__learner__municipality_id"

    history = audited_history()

    class Meta:
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")
        ordering = ["-exam_date", "component"]


class DossierAction(models.TextChoices):
    VIEWED = "bekeken", _("opened the dossier")
    BSN_REVEALED = "bsn_getoond", _("revealed the BSN")


class DossierAccess(TenantOwned):
    """Who opened which learner's dossier or revealed a BSN, and when (BIO logging)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="access_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=16, choices=DossierAction.choices)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    via = models.CharField(_("via"), max_length=16, default="browser")

    scope_municipality_lookup = "learner__municipality_id"
    scope_provider_lookup = None

    class Meta:
        verbose_name = _("dossier access")
        verbose_name_plural = _("dossier accesses")
        ordering = ["-at", "-pk"]
