"""Contracts between a region and a language provider, their evaluations and findings (guide 3)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from contracts import rules
from inburgering.audit import audited_history
from inburgering.tenancy.scoping import TenantOwned

percentage_validators = [
    MinValueValidator(Decimal("0"), message=_("A percentage is at least 0.")),
    MaxValueValidator(Decimal("100"), message=_("A percentage is at most 100.")),
]
amount_validators = [MinValueValidator(Decimal("0"), message=_("An amount cannot be negative."))]
hours_validators = [MinValueValidator(0, message=_("A number of hours cannot be negative."))]


def default_checkpoint_hours() -> list[int]:
    return list(rules.DEFAULT_CHECKPOINT_HOURS)


def default_dagdelen() -> list[int]:
    return list(rules.DAGDELEN_CHOICES)


class Route(models.TextChoices):
    B1 = "b1", _("B1 route")
    Z = "z", _("Z route")
    EDUCATION = "onderwijs", _("Education route")


class AgeSegment(models.TextChoices):
    ALL = "alle", _("all ages")
    UNDER_27 = "onder_27", _("under 27")
    FROM_27 = "27_en_ouder", _("27 and older")


class ContractStatus(models.TextChoices):
    DRAFT = "concept", _("draft")
    ACTIVE = "actief", _("active")
    ENDED = "beeindigd", _("ended")


class HoursBasis(models.TextChoices):
    ATTENDED = "gevolgd", _("attended hours")
    OFFERED = "aangeboden", _("offered hours")


class FinancingModel(models.TextChoices):
    FIXED = "vast_bedrag", _("fixed amount per learner")
    HOURLY = "uurtarief", _("hourly rate")
    RESULT = "resultaat", _("result-based")
    HYBRID = "hybride", _("hybrid")


# Stored as the history reason of a contract's first version and its first coverage rows.
CONTRACT_CREATED_REASON = "contract-created"

RATE_FIELDS = ("fixed_fee_per_learner", "hourly_rate", "result_fee", "bonus_a1_a2", "bonus_a2_b1", "bonus_b1_b2")
_RESULT_RATES = ("result_fee", "bonus_a1_a2", "bonus_a2_b1", "bonus_b1_b2")
# Which rates each financing model uses (DOMAIN.md "Money": the model is a preset, unused rates are 0).
FINANCING_PRESETS = {
    FinancingModel.FIXED: {"fixed_fee_per_learner"},
    FinancingModel.HOURLY: {"hourly_rate"},
    FinancingModel.RESULT: set(_RESULT_RATES),
    FinancingModel.HYBRID: set(RATE_FIELDS),
}
# The rates of which at least one must be above zero (hybrid: checked separately).
FINANCING_REQUIRED = {
    FinancingModel.FIXED: ("fixed_fee_per_learner",),
    FinancingModel.HOURLY: ("hourly_rate",),
    FinancingModel.RESULT: _RESULT_RATES,
}


class Contract(TenantOwned):
    reference = models.CharField(_("reference"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    provider = models.ForeignKey(
        "tenancy.Provider", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("language provider")
    )
    municipalities = models.ManyToManyField(
        "tenancy.Municipality",
        through="ContractMunicipality",
        related_name="contracts",
        verbose_name=_("municipalities"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT)

    # Routes and target group (guide 3.1, 4.5)
    route_b1 = models.BooleanField(_("B1 route"), default=True)
    route_z = models.BooleanField(_("Z route"), default=False)
    route_education = models.BooleanField(_("education route"), default=False)
    age_segment = models.CharField(_("age segment"), max_length=16, choices=AgeSegment.choices, default=AgeSegment.ALL)
    b2_clause = models.BooleanField(_("B2 clause"), default=False, help_text=_("Upscaling towards B2 is allowed."))
    b2_conditions = models.TextField(_("B2 conditions"), blank=True)

    # Lesson offer (guide 3.1)
    offers_daytime = models.BooleanField(_("daytime lessons"), default=True)
    offers_evening = models.BooleanField(_("evening lessons"), default=False)
    offers_weekend = models.BooleanField(_("weekend lessons"), default=False)
    offers_online = models.BooleanField(_("online lessons"), default=False)
    offers_blended = models.BooleanField(_("blended learning"), default=False)
    dagdelen_per_week = models.JSONField(_("dayparts per week"), default=default_dagdelen)
    max_hours_b1 = models.PositiveIntegerField(
        _("maximum lesson hours, B1 route"), null=True, blank=True, validators=hours_validators
    )
    max_hours_z = models.PositiveIntegerField(
        _("maximum lesson hours, Z route"),
        null=True,
        blank=True,
        default=rules.DEFAULT_MAX_HOURS_Z_ROUTE,
        validators=hours_validators,
    )
    max_hours_education = models.PositiveIntegerField(
        _("maximum lesson hours, education route"), null=True, blank=True, validators=hours_validators
    )
    max_hours_warning_percentage = models.DecimalField(
        _("warning at share of maximum (%)"),
        max_digits=5,
        decimal_places=2,
        default=rules.DEFAULT_MAX_HOURS_WARNING_PERCENTAGE,
        validators=percentage_validators,
    )

    # Expected volume, learners per year (guide 4.3: a realistic bandwidth)
    volume_under_27_min = models.PositiveIntegerField(
        _("expected learners under 27 per year, minimum"), null=True, blank=True
    )
    volume_under_27_max = models.PositiveIntegerField(
        _("expected learners under 27 per year, maximum"), null=True, blank=True
    )
    volume_from_27_min = models.PositiveIntegerField(
        _("expected learners 27 and older per year, minimum"), null=True, blank=True
    )
    volume_from_27_max = models.PositiveIntegerField(
        _("expected learners 27 and older per year, maximum"), null=True, blank=True
    )

    # Progress and downscaling (guide 1.2, 3.2)
    checkpoint_hours = models.JSONField(_("checkpoints (hours)"), default=default_checkpoint_hours)
    checkpoint_basis = models.CharField(
        _("checkpoints count"), max_length=16, choices=HoursBasis.choices, default=HoursBasis.ATTENDED
    )
    downscale_minimum_hours = models.PositiveIntegerField(
        _("downscaling minimum (attended hours)"), default=rules.DEFAULT_DOWNSCALE_MINIMUM_HOURS
    )
    assessment_deadline_working_days = models.PositiveIntegerField(
        _("deadline for the provider's checkpoint assessment (working days)"),
        default=rules.DEFAULT_ASSESSMENT_DEADLINE_WORKING_DAYS,
        validators=[MinValueValidator(1, message=_("A deadline is at least 1 working day."))],
    )
    decision_deadline_working_days = models.PositiveIntegerField(
        _("deadline for the municipality's decision on level changes (working days)"),
        default=rules.DEFAULT_DECISION_DEADLINE_WORKING_DAYS,
        validators=[MinValueValidator(1, message=_("A deadline is at least 1 working day."))],
    )
    continue_while_progress = models.BooleanField(
        _("continue while there is progress"),
        default=False,
        help_text=_("No standard downscaling at the minimum while a skill still progresses (Nijmegen, guide 3.2)."),
    )

    # Financing (DOMAIN.md "Money"); unused rates are zero
    financing_model = models.CharField(
        _("financing model"), max_length=16, choices=FinancingModel.choices, default=FinancingModel.FIXED
    )
    fixed_fee_per_learner = models.DecimalField(
        _("fixed amount per learner (€)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=amount_validators,
    )
    hourly_rate = models.DecimalField(
        _("hourly rate (€)"), max_digits=8, decimal_places=2, default=Decimal("0"), validators=amount_validators
    )
    result_fee = models.DecimalField(
        _("result fee (€)"), max_digits=10, decimal_places=2, default=Decimal("0"), validators=amount_validators
    )
    bonus_a1_a2 = models.DecimalField(
        _("bonus A1 → A2 (€)"), max_digits=10, decimal_places=2, default=Decimal("0"), validators=amount_validators
    )
    bonus_a2_b1 = models.DecimalField(
        _("bonus A2 → B1 (€)"), max_digits=10, decimal_places=2, default=Decimal("0"), validators=amount_validators
    )
    bonus_b1_b2 = models.DecimalField(
        _("bonus B1 → B2 (€)"), max_digits=10, decimal_places=2, default=Decimal("0"), validators=amount_validators
    )
    absence_allowance_percentage = models.DecimalField(
        _("paid absence allowance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=percentage_validators,
        help_text=_(
            "Absent hours up to this share of scheduled hours are paid; beyond it they are at the provider's cost."
        ),
    )
    extension_municipality_share_percentage = models.DecimalField(
        _("municipality's share of extension hours (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=percentage_validators,
    )

    # KPI targets (guide 3.1); empty means no target agreed
    kpi_attendance_percentage = models.DecimalField(
        _("target attendance rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=percentage_validators,
    )
    kpi_b1_all_skills_percentage = models.DecimalField(
        _("target share reaching B1 on all skills (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=percentage_validators,
    )
    kpi_exam_pass_percentage = models.DecimalField(
        _("target exam pass rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=percentage_validators,
    )
    kpi_outflow_percentage = models.DecimalField(
        _("target outflow to work or education (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=percentage_validators,
    )
    kpi_checkpoints_on_time_percentage = models.DecimalField(
        _("target checkpoints on time (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=percentage_validators,
    )
    kpi_decisions_on_time_percentage = models.DecimalField(
        _("target level-change decisions within deadline (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=percentage_validators,
    )
    kpi_amber_margin_points = models.DecimalField(
        _("amber margin below a target (percentage points)"),
        max_digits=5,
        decimal_places=2,
        default=rules.DEFAULT_KPI_AMBER_MARGIN_POINTS,
        validators=percentage_validators,
        help_text=_("A KPI this close below its target is amber in the quarterly report; further below is red."),
    )

    # First points of contact (guide 3.1)
    municipality_contact_name = models.CharField(_("contact at the region"), max_length=200, blank=True)
    municipality_contact_email = models.EmailField(_("e-mail of the region's contact"), blank=True)
    municipality_contact_phone = models.CharField(_("phone of the region's contact"), max_length=30, blank=True)
    provider_contact_name = models.CharField(_("contact at the provider"), max_length=200, blank=True)
    provider_contact_email = models.EmailField(_("e-mail of the provider's contact"), blank=True)
    provider_contact_phone = models.CharField(_("phone of the provider's contact"), max_length=30, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    # Provider staff see their own contracts; case managers the contracts covering their
    # municipality (to start trajectories under), through a to-many join: hence the subquery.
    scope_provider_lookup = "provider_id"
    scope_municipality_lookup = "coverage__municipality_id"
    scope_multivalued = True

    history = audited_history(excluded_fields=["updated_at", "created_at"])

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "reference"], name="contract_reference_unique_per_tenant"),
        ]
        indexes = [models.Index(fields=["tenant", "provider", "status"], name="contract_tenant_prov_status")]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contract_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        if self.start_date and self.end_date and self.end_date <= self.start_date:
            add("end_date", _("The end date must be after the start date."))
        if self.status == ContractStatus.ACTIVE and not self.routes:
            add("route_b1", _("An active contract covers at least one route (B1, Z or education)."))
        if (
            self.downscale_minimum_hours is not None
            and self.downscale_minimum_hours < rules.LEGAL_MINIMUM_DOWNSCALE_HOURS
        ):
            add(
                "downscale_minimum_hours",
                _(
                    "The downscaling minimum cannot be below the legal minimum of %(hours)s attended hours "
                    "(Wet inburgering 2021; guide 1.2)."
                )
                % {"hours": rules.LEGAL_MINIMUM_DOWNSCALE_HOURS},
            )
        self._clean_lists(add)
        self._clean_volume(add)
        self._clean_financing(add)
        if errors:
            raise ValidationError(errors)

    def _clean_lists(self, add) -> None:
        dagdelen = self.dagdelen_per_week
        allowed = ", ".join(str(n) for n in rules.DAGDELEN_CHOICES)
        if not isinstance(dagdelen, list) or not dagdelen:
            add(
                "dagdelen_per_week",
                _("Choose at least one number of dayparts per week (%(allowed)s).") % {"allowed": allowed},
            )
        elif any(not isinstance(n, int) or n not in rules.DAGDELEN_CHOICES for n in dagdelen):
            add("dagdelen_per_week", _("Dayparts per week can only be %(allowed)s.") % {"allowed": allowed})
        hours = self.checkpoint_hours
        if not isinstance(hours, list) or not hours:
            add("checkpoint_hours", _("Give at least one checkpoint in hours, for example 300 and 600."))
        elif any(not isinstance(n, int) or isinstance(n, bool) or n <= 0 for n in hours):
            add("checkpoint_hours", _("Checkpoints are whole numbers of hours above 0."))
        elif sorted(set(hours)) != hours:
            add("checkpoint_hours", _("Checkpoints must be ascending and each given once, for example 300, 600."))

    def _clean_volume(self, add) -> None:
        for low, high, label in (
            ("volume_under_27_min", "volume_under_27_max", _("under 27")),
            ("volume_from_27_min", "volume_from_27_max", _("27 and older")),
        ):
            minimum, maximum = getattr(self, low), getattr(self, high)
            if minimum is not None and maximum is not None and minimum > maximum:
                add(high, _("The expected maximum (%(segment)s) is below the minimum.") % {"segment": label})

    def _clean_financing(self, add) -> None:
        used = FINANCING_PRESETS.get(self.financing_model)
        if used is None:
            return
        rates = {name: getattr(self, name) or Decimal("0") for name in RATE_FIELDS}
        model_label = self.get_financing_model_display()
        for name in RATE_FIELDS:
            if name not in used and rates[name] > 0:
                add(
                    name,
                    _("%(field)s is not used in the financing model '%(model)s': leave it at 0.")
                    % {"field": capfirst(self._meta.get_field(name).verbose_name), "model": model_label},
                )
        if self.financing_model == FinancingModel.HYBRID:
            kinds = [
                rates["fixed_fee_per_learner"] > 0,
                rates["hourly_rate"] > 0,
                any(rates[name] > 0 for name in ("result_fee", "bonus_a1_a2", "bonus_a2_b1", "bonus_b1_b2")),
            ]
            if sum(kinds) < 2:
                add(
                    "financing_model",
                    _(
                        "A hybrid model combines at least two of: fixed amount, hourly rate, "
                        "result fee or level-step bonus. Fill in the rates."
                    ),
                )
        else:
            required = FINANCING_REQUIRED[self.financing_model]
            if not any(rates[name] > 0 for name in required):
                field = required[0]
                add(
                    field,
                    _("The financing model '%(model)s' needs %(field)s above 0.")
                    % {"model": model_label, "field": self._meta.get_field(field).verbose_name},
                )
        hourly_used = rates["hourly_rate"] > 0
        for name in ("absence_allowance_percentage", "extension_municipality_share_percentage"):
            value = getattr(self, name)
            if value and value > 0 and not hourly_used:
                add(
                    name,
                    _("%(field)s only applies with an hourly rate: it is paid per hour.")
                    % {"field": capfirst(self._meta.get_field(name).verbose_name)},
                )

    @property
    def routes(self) -> list[str]:
        return [
            route
            for route, covered in (
                (Route.B1, self.route_b1),
                (Route.Z, self.route_z),
                (Route.EDUCATION, self.route_education),
            )
            if covered
        ]

    def max_hours_for(self, route: str) -> int | None:
        return {Route.B1: self.max_hours_b1, Route.Z: self.max_hours_z, Route.EDUCATION: self.max_hours_education}[
            route
        ]


class ContractMunicipality(TenantOwned):
    """A municipality a contract covers. Its own history records additions and removals."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="coverage")
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")

    scope_provider_lookup = "contract__provider_id"
    scope_municipality_lookup = "municipality_id"

    history = audited_history()

    class Meta:
        verbose_name = _("municipality covered")
        verbose_name_plural = _("municipalities covered")
        constraints = [
            models.UniqueConstraint(fields=["contract", "municipality"], name="contract_municipality_unique"),
        ]


class ContractEvaluation(TenantOwned):
    """A quarterly talk (kwartaalgesprek) between the region and the provider (guide 3, 3.2)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="evaluations")
    date = models.DateField(_("date"))
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    attendees = models.TextField(_("attendees"))
    summary = models.TextField(_("summary"))
    agreements = models.TextField(_("agreements"), blank=True)

    scope_provider_lookup = "contract__provider_id"
    scope_municipality_lookup = None

    history = audited_history()

    class Meta:
        verbose_name = _("contract evaluation")
        verbose_name_plural = _("contract evaluations")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.year}-K{self.quarter}"

    @property
    def quarter_label(self) -> str:
        return f"{self.year}-K{self.quarter}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "afgerond", _("done")


class ActionItem(TenantOwned):
    evaluation = models.ForeignKey(ContractEvaluation, on_delete=models.CASCADE, related_name="action_items")
    description = models.CharField(_("action"), max_length=500)
    owner = models.CharField(_("owner"), max_length=200)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )

    scope_provider_lookup = "evaluation__contract__provider_id"
    scope_municipality_lookup = None

    history = audited_history()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["tenant", "status", "due_date"], name="action_item_open_due")]

    def __str__(self) -> str:
        return self.description


class FindingCategory(models.TextChoices):
    OFFER_UNAVAILABLE = "aanbod_niet_beschikbaar", _("agreed offer not available")
    ADMINISTRATIVE = "administratieve_fouten", _("administrative errors")
    QUALITY = "kwaliteit", _("quality")
    OTHER = "anders", _("other")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_behandeling", _("being handled")
    RESOLVED = "afgehandeld", _("resolved")


class ProviderFinding(TenantOwned):
    """A shortcoming of the provider and its agreed consequence (tekortkoming, guide 3.1)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="findings")
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=32, choices=FindingCategory.choices)
    description = models.TextField(_("description"))
    consequence = models.TextField(_("consequence"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN)

    scope_provider_lookup = "contract__provider_id"
    scope_municipality_lookup = None

    history = audited_history()

    class Meta:
        verbose_name = _("provider finding")
        verbose_name_plural = _("provider findings")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.date:%d-%m-%Y})"
