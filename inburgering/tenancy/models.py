"""Regions (tenants), their municipalities, providers, and who may do what where."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from inburgering.audit import audited_history
from inburgering.tenancy.scoping import EVERY_ROW, TenantOwned

cbs_code_validator = RegexValidator(
    r"^GM\d{4}$", _("A CBS municipality code is 'GM' followed by four digits, for example GM0268.")
)
kvk_validator = RegexValidator(r"^\d{8}$", _("A KvK number consists of exactly eight digits."))


class User(AbstractUser):
    history = audited_history(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Tenant(models.Model):
    """A region (samenwerkingsverband) of municipalities that buys together; the isolation unit."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("code"), max_length=80, unique=True)

    history = audited_history()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(TenantOwned):
    name = models.CharField(_("name"), max_length=200)
    cbs_code = models.CharField(_("CBS code"), max_length=6, validators=[cbs_code_validator])

    # Municipality names are public; provider staff see those of the regions they work for.
    scope_provider_lookup = EVERY_ROW
    scope_municipality_lookup = "pk"

    history = audited_history()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "cbs_code"], name="municipality_cbs_code_unique_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "name"], name="municipality_name_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """A language school. Global: it works for several regions through RegionProvider links."""

    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(_("KvK number"), max_length=8, unique=True, validators=[kvk_validator])
    has_quality_mark = models.BooleanField(
        _("Blik op Werk quality mark"),
        default=False,
        help_text=_("Needed for downscaling (Wet inburgering 2021; guide 1.2)."),
    )

    history = audited_history()

    class Meta:
        verbose_name = _("language provider")
        verbose_name_plural = _("language providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RegionProvider(TenantOwned):
    """A provider working in a region. Kept by the tenant admin; contracts need an active link."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="region_links")
    is_active = models.BooleanField(_("active"), default=True)
    since = models.DateField(_("since"), auto_now_add=True)

    scope_provider_lookup = "provider_id"
    scope_municipality_lookup = EVERY_ROW

    history = audited_history()

    class Meta:
        verbose_name = _("language provider in the region")
        verbose_name_plural = _("language providers in the region")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "provider"], name="region_provider_unique"),
        ]

    def __str__(self) -> str:
        return gettext("%(provider)s in %(region)s") % {"provider": self.provider, "region": self.tenant}


class Role(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", _("Tenant admin")
    CONTRACT_MANAGER = "contract_manager", _("Contract manager")
    ABSENCE_COORDINATOR = "absence_coordinator", _("Absence coordinator")
    CASE_MANAGER = "case_manager", _("Case manager")
    POLICY_VIEWER = "policy_viewer", _("Policy officer")
    PROVIDER_STAFF = "provider_staff", _("Language provider staff")


TENANT_ROLES = [role for role in Role if role != Role.PROVIDER_STAFF]


class Membership(models.Model):
    """A user's role in a region (or, for provider staff, at a provider).

    Not a scoped model: memberships are what scopes are built from. Every read outside scope
    bootstrapping goes through ``selectors.memberships_of_tenant`` which filters by tenant.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("region"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("language provider"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("municipality"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = audited_history()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_target_matches_role",
                condition=(
                    Q(
                        role="provider_staff",
                        provider__isnull=False,
                        tenant__isnull=True,
                        municipality__isnull=True,
                    )
                    | Q(
                        role="case_manager",
                        tenant__isnull=False,
                        provider__isnull=True,
                        municipality__isnull=False,
                    )
                    | (
                        ~Q(role__in=["provider_staff", "case_manager"])
                        & Q(tenant__isnull=False, provider__isnull=True, municipality__isnull=True)
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "tenant", "municipality"],
                condition=Q(tenant__isnull=False),
                name="membership_unique_in_tenant",
            ),
            models.UniqueConstraint(
                fields=["user", "provider"],
                condition=Q(provider__isnull=False),
                name="membership_unique_at_provider",
            ),
        ]

    def __str__(self) -> str:
        where = self.provider or self.municipality or self.tenant
        return f"{self.user} – {self.get_role_display()} ({where})"

    def clean(self) -> None:
        errors = {}
        if self.role == Role.PROVIDER_STAFF:
            if not self.provider_id:
                errors["provider"] = gettext("A language provider's staff member belongs to a language provider.")
            if self.tenant_id or self.municipality_id:
                errors["tenant"] = gettext(
                    "A language provider's staff member gets access through the language provider."
                )
        else:
            if not self.tenant_id:
                errors["tenant"] = gettext("Choose a region.")
            if self.role == Role.CASE_MANAGER and not self.municipality_id:
                errors["municipality"] = gettext("A case manager belongs to one municipality: choose the municipality.")
            if self.role != Role.CASE_MANAGER and self.municipality_id:
                errors["municipality"] = gettext("Only a case manager is tied to one municipality.")
            if self.municipality_id and self.tenant_id and self.municipality.tenant_id != self.tenant_id:
                errors["municipality"] = gettext("This municipality does not belong to the region.")
        if errors:
            raise ValidationError(errors)


class WorkerHeartbeat(models.Model):
    """Last sign of life of the background worker and of the daily jobs (shown to tenant admins)."""

    name = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return self.name
