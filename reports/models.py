"""Quarterly contract reports (kwartaalrapportages) and saved what-if scenarios (guide 3, 4.3)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from inburgering.audit import audited_history
from inburgering.tenancy.scoping import TenantOwned


class ReportStatus(models.TextChoices):
    PENDING = "te_maken", _("being made")
    READY = "klaar", _("ready")
    FAILED = "mislukt", _("failed")


def report_path(instance: QuarterlyReport, filename: str) -> str:
    # A random name: no contract reference or quarter guessable from the path.
    return f"kwartaalrapportages/{instance.tenant_id}/{instance.token}.pdf"


def new_token() -> str:
    return secrets.token_hex(16)


class QuarterlyReport(TenantOwned):
    """One generation of a contract's quarterly report; several per quarter are kept, newest counts.

    It holds aggregates only (DOMAIN.md "Visibility"), so the contract manager can share it with the
    provider: ``shared_provider`` is set then, and provider staff see exactly the shared reports.
    """

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="quarterly_reports", verbose_name=_("contract")
    )
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    token = models.CharField(max_length=32, default=new_token, editable=False)
    file = models.FileField(upload_to=report_path, blank=True)
    # The KPI table as printed (key, label, value, target, status), for the API and the list pages.
    figures = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    generated_at = models.DateTimeField(_("made"), null=True, blank=True)
    failure = models.CharField(max_length=300, blank=True)
    shared_provider = models.ForeignKey(
        "tenancy.Provider", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared_at = models.DateTimeField(_("shared"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # Provider staff see a report only once it is shared with their organisation (fails closed:
    # an unshared report has no provider); case managers see none.
    scope_provider_lookup = "shared_provider_id"
    scope_municipality_lookup = None

    history = audited_history(excluded_fields=["token", "figures", "failure"])

    class Meta:
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        ordering = ["-year", "-quarter", "-requested_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "contract", "year", "quarter"], name="report_contract_quarter")]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.quarter_label}"

    @property
    def quarter_label(self) -> str:
        return f"{self.year}-K{self.quarter}"

    @property
    def is_shared(self) -> bool:
        return self.shared_provider_id is not None

    @property
    def file_name(self) -> str:
        return f"kwartaalrapportage-{self.contract.reference}-{self.quarter_label}.pdf"


class SimulationScenario(TenantOwned):
    """A saved what-if (wat als) calculation: the parameters, never the outcome (it is recomputed)."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="scenarios", verbose_name=_("contract")
    )
    name = models.CharField(_("name"), max_length=120)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    parameters = models.JSONField(_("parameters"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    scope_provider_lookup = None
    scope_municipality_lookup = None

    history = audited_history(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("what-if scenario")
        verbose_name_plural = _("what-if scenarios")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name
