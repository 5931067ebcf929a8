"""Absence policy (verzuimprotocol), alerts, warning letters, enforcement cases, make-up obligations
and learners' own call-ins (guide chapter 2; DOMAIN.md "Absence", "Rule semantics")."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from attendance.models import Daypart, ReportedReason
from enforcement import rules
from inburgering.audit import audited_history
from inburgering.tenancy.scoping import EVERY_ROW, TenantOwned


class Culpability(models.TextChoices):
    INTENT = rules.CULPABILITY_INTENT, _("intent")
    GROSS = rules.CULPABILITY_GROSS, _("gross negligence")
    NORMAL = rules.CULPABILITY_NORMAL, _("normal culpability")
    REDUCED = rules.CULPABILITY_REDUCED, _("reduced culpability")


class Counting(models.TextChoices):
    ALL = "alle", _("all absences")
    UNAUTHORIZED = "ongeoorloofd", _("only unauthorized absences")


def default_culpability_mapping() -> dict[str, str]:
    return dict(rules.DEFAULT_CULPABILITY_MAPPING)


def default_authorized_reasons() -> list[str]:
    return list(rules.DEFAULT_AUTHORIZED_REASONS)


# Plain Dutch a learner at A2–B1 can read (guide 2.1). Data, edited by the tenant admin, so Dutch here.
DEFAULT_LETTER_TEXT = """Beste {voornaam} {achternaam},

U was in {maand} {aantal} keer niet op de les. Dat is te vaak.
U was niet op de les op: {verzuimdata}.

U moet naar alle lessen gaan. Dat staat in uw persoonlijk plan (PIP).
Bent u ziek of kunt u niet komen? Meld dat dan altijd vóór de les.

Wat gebeurt er nu?
Uw klantmanager van de gemeente {gemeente} neemt contact met u op.
Samen zoeken we een oplossing, zodat u weer naar de les kunt.
Blijft u weg? Dan kan de gemeente u een boete geven.

Vragen? Bel of mail {contactpersoon}: {contactgegevens}.

Met vriendelijke groet,
{regio}"""


class AbsencePolicy(TenantOwned):
    """A region's verzuimprotocol; a contract may have its own that overrides it (guide 2.1, 2.4)."""

    contract = models.OneToOneField(
        "contracts.Contract",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="absence_policy",
        verbose_name=_("contract"),
        help_text=_("Empty: the region's policy. Filled: this contract's own policy."),
    )
    threshold_per_month = models.PositiveSmallIntegerField(
        _("absences per calendar month that trigger an alert"),
        default=rules.DEFAULT_THRESHOLD_PER_MONTH,
        validators=[MinValueValidator(1, message=_("The threshold is at least 1 absence."))],
    )
    counting = models.CharField(_("what counts"), max_length=16, choices=Counting.choices, default=Counting.ALL)
    partial_attendance_counts = models.BooleanField(
        _("partial attendance counts as an absence"),
        default=False,
        help_text=_("A lesson attended for part of its time counts as an absence."),
    )
    automatic_warning_letter = models.BooleanField(_("warning letter automatically"), default=True)
    letter_text = models.TextField(
        _("text of the warning letter"),
        default=DEFAULT_LETTER_TEXT,
        help_text=_(
            "Placeholders: {voornaam}, {achternaam}, {deelnemernummer}, {maand}, {aantal}, {verzuimdata}, "
            "{gemeente}, {regio}, {contactpersoon}, {contactgegevens}."
        ),
    )
    culpability_mapping = models.JSONField(_("culpability → authorized or not"), default=default_culpability_mapping)
    authorized_reasons = models.JSONField(_("reasons that count as authorized"), default=default_authorized_reasons)
    makeup_required = models.BooleanField(_("missed lessons must be made up (homework class)"), default=False)
    maximum_fine = models.DecimalField(
        _("maximum fine (€)"),
        max_digits=7,
        decimal_places=2,
        default=rules.DEFAULT_MAXIMUM_FINE,
        validators=[
            MinValueValidator(0, message=_("A fine cannot be negative.")),
            MaxValueValidator(
                rules.LEGAL_MAXIMUM_FINE, message=_("The law allows a fine of at most €800 (Wet inburgering 2021).")
            ),
        ],
    )
    contact_name = models.CharField(_("contact for learners"), max_length=200, blank=True)
    contact_details = models.CharField(_("contact details (phone, e-mail)"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    scope_provider_lookup = None
    scope_municipality_lookup = EVERY_ROW

    history = audited_history(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("absence policy")
        verbose_name_plural = _("absence policies")
        ordering = ["contract_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(contract__isnull=True), name="one_region_absence_policy"
            ),
        ]

    def __str__(self) -> str:
        if self.contract_id:
            return _("Absence policy of contract %(contract)s") % {"contract": self.contract.reference}
        return _("Absence policy of the region")


class AlertStatus(models.TextChoices):
    NEW = "nieuw", _("new")
    IN_PROGRESS = "in_behandeling", _("in progress")
    CONTACTED = "contact_opgenomen", _("contacted")
    WITHDRAWN = "vervallen", _("withdrawn")
    CLOSED = "afgesloten", _("closed")


OPEN_ALERT_STATUSES = (AlertStatus.NEW, AlertStatus.IN_PROGRESS, AlertStatus.CONTACTED)


class AlertOutcome(models.TextChoices):
    RECOVERED = "hersteld", _("recovered")
    ENFORCEMENT = "handhaving", _("passed on to enforcement")


class AbsenceAlert(TenantOwned):
    """One per learner per calendar month once the policy's threshold is reached (DOMAIN.md)."""

    learner = models.ForeignKey("learning_routes.Learner", on_delete=models.PROTECT, related_name="absence_alerts")
    month = models.DateField(_("month"))  # the first day of the calendar month
    absence_count = models.PositiveSmallIntegerField(_("absences"))
    threshold = models.PositiveSmallIntegerField(_("threshold"))
    absence_dates = models.JSONField(_("absence dates"), default=list)  # ISO dates, sorted
    record_ids = models.JSONField(default=list)
    provider = models.ForeignKey(
        "tenancy.Provider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("language provider of the latest absence"),
    )
    # The latest absence's contract: its policy applies and its provider hands out the letter.
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="+", verbose_name=_("contract")
    )
    status = models.CharField(_("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.NEW)
    outcome = models.CharField(_("outcome"), max_length=16, choices=AlertOutcome.choices, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    scope_provider_lookup = None  # providers never see the alerts queue (DOMAIN.md "Visibility")
    scope_municipality_lookup = "learner__municipality_id"

    history = audited_history(excluded_fields=["updated_at", "created_at", "record_ids"])

    class Meta:
        verbose_name = _("absence alert")
        verbose_name_plural = _("absence alerts")
        ordering = ["-month", "-absence_count", "pk"]
        constraints = [models.UniqueConstraint(fields=["learner", "month"], name="one_alert_per_learner_month")]
        indexes = [models.Index(fields=["tenant", "status", "month"], name="alert_tenant_status_month")]

    def __str__(self) -> str:
        return _("Absence alert %(month)s") % {"month": self.month.strftime("%m-%Y")}

    def get_absolute_url(self) -> str:
        return reverse("alert_detail", kwargs={"pk": self.pk})


class AlertNote(TenantOwned):
    alert = models.ForeignKey(AbsenceAlert, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_provider_lookup = None
    scope_municipality_lookup = "alert__learner__municipality_id"

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "pk"]


class LetterStatus(models.TextChoices):
    PENDING = "te_maken", _("being made")
    READY = "klaar", _("ready")
    FAILED = "mislukt", _("failed")


def letter_path(instance: WarningLetter, filename: str) -> str:
    return f"waarschuwingsbrieven/{instance.tenant_id}/{instance.alert_id}-{instance.token}.pdf"


class WarningLetter(TenantOwned):
    """The official warning letter of an alert, made once, handed out by the provider (guide 2.4)."""

    alert = models.OneToOneField(AbsenceAlert, on_delete=models.PROTECT, related_name="letter")
    provider = models.ForeignKey("tenancy.Provider", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=LetterStatus.choices, default=LetterStatus.PENDING)
    token = models.CharField(max_length=32, editable=False)
    file = models.FileField(upload_to=letter_path, blank=True)
    text = models.TextField(_("letter text"), blank=True)  # as printed, placeholders filled
    generated_at = models.DateTimeField(_("made"), null=True, blank=True)
    handed_out_on = models.DateField(_("handed out on"), null=True, blank=True)
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_provider_lookup = "provider_id"
    scope_municipality_lookup = "alert__learner__municipality_id"

    history = audited_history(excluded_fields=["created_at", "token", "text"])

    class Meta:
        verbose_name = _("warning letter")
        verbose_name_plural = _("warning letters")
        ordering = ["-created_at", "-pk"]


class CaseStep(models.TextChoices):
    WARNING = "waarschuwing", _("warning")
    CONTACT = "contact_klantmanager", _("contact with the case manager")
    THREE_WAY_TALK = "driegesprek", _("three-way talk")
    PROCEDURE = "handhavingsprocedure", _("enforcement procedure")
    FINE = "boete", _("fine")


CASE_STEP_ORDER = [CaseStep.WARNING, CaseStep.CONTACT, CaseStep.THREE_WAY_TALK, CaseStep.PROCEDURE, CaseStep.FINE]


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "afgesloten", _("closed")


class CaseOutcome(models.TextChoices):
    RECOVERED = "hersteld", _("recovered")
    FINED = "boete", _("fine imposed")
    OTHER = "anders", _("other")


class UnderlyingCause(models.TextChoices):
    CHILDCARE = "kinderopvang", _("childcare")
    INFORMAL_CARE = "mantelzorg", _("informal care")
    HEALTH = "gezondheid", _("health")
    WORK = "werk", _("work")
    OTHER = "anders", _("other")


class EnforcementCase(TenantOwned):
    """A learner's handhavingszaak, led by the case manager; repair first (guide 2.5)."""

    learner = models.ForeignKey("learning_routes.Learner", on_delete=models.PROTECT, related_name="enforcement_cases")
    alert = models.ForeignKey(
        AbsenceAlert, on_delete=models.PROTECT, null=True, blank=True, related_name="enforcement_cases"
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("case manager")
    )
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    current_step = models.CharField(_("current step"), max_length=24, choices=CaseStep.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=CaseOutcome.choices, blank=True)
    # Since 2025 a fine on an asylum permit holder needs exceptional, proven, persistent unwillingness.
    exceptional_ground = models.TextField(_("exceptional ground (asylum permit holder)"), blank=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_provider_lookup = None  # providers never see cases (DOMAIN.md "Visibility")
    scope_municipality_lookup = "learner__municipality_id"

    history = audited_history(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner"], condition=Q(status="open"), name="one_open_enforcement_case_per_learner"
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("enforcement_case_detail", kwargs={"pk": self.pk})


class EnforcementStep(TenantOwned):
    """One step of a case, in order; a skipped step is recorded with its reason."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=24, choices=CaseStep.choices)
    happened_on = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    skipped = models.BooleanField(_("skipped"), default=False)
    skip_reason = models.TextField(_("reason for skipping"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    underlying_cause = models.CharField(
        _("underlying cause"), max_length=16, choices=UnderlyingCause.choices, blank=True
    )
    support_offered = models.TextField(_("support offered"), blank=True)
    attendees = models.TextField(_("attendees"), blank=True)
    agreements = models.TextField(_("agreements"), blank=True)
    learner_view = models.TextField(_("the learner's view"), blank=True)
    fine_amount = models.DecimalField(_("fine (€)"), max_digits=7, decimal_places=2, null=True, blank=True)
    culpability = models.CharField(_("culpability"), max_length=32, choices=Culpability.choices, blank=True)
    reduction = models.DecimalField(_("reduction (€)"), max_digits=7, decimal_places=2, null=True, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    letter = models.FileField(upload_to="handhaving/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_provider_lookup = None
    scope_municipality_lookup = "case__learner__municipality_id"

    history = audited_history(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("enforcement step")
        verbose_name_plural = _("enforcement steps")
        ordering = ["happened_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="one_step_of_each_kind_per_case")]


class MakeupObligation(TenantOwned):
    """Missed minutes a learner must make up in homework class, where the policy says so (guide 2.4)."""

    learner = models.OneToOneField(
        "learning_routes.Learner", on_delete=models.CASCADE, related_name="makeup_obligation"
    )
    missed_minutes = models.PositiveIntegerField(_("missed minutes"), default=0)
    made_up_minutes = models.PositiveIntegerField(_("made-up minutes"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    scope_provider_lookup = "learner__trajectories__contract__provider_id"
    scope_municipality_lookup = "learner__municipality_id"
    scope_multivalued = True

    class Meta:
        verbose_name = _("make-up obligation")
        verbose_name_plural = _("make-up obligations")

    @property
    def remaining_minutes(self) -> int:
        return max(0, self.missed_minutes - self.made_up_minutes)


class CallIn(TenantOwned):
    """A learner's own call-in (afmelding) for a lesson, registered by the coordinator."""

    trajectory = models.ForeignKey("learning_routes.Trajectory", on_delete=models.PROTECT, related_name="call_ins")
    lesson_date = models.DateField(_("date"))
    daypart = models.CharField(_("daypart"), max_length=8, choices=Daypart.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=ReportedReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)

    scope_provider_lookup = "trajectory__contract__provider_id"
    scope_municipality_lookup = "trajectory__learner__municipality_id"

    history = audited_history()

    class Meta:
        verbose_name = _("call-in")
        verbose_name_plural = _("call-ins")
        ordering = ["-lesson_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "lesson_date", "daypart"], name="one_call_in_per_lesson")
        ]


class ClassificationEntry(TenantOwned):
    """Every classification of an absence by the coordinator, kept: the record holds the latest."""

    record = models.ForeignKey("attendance.AttendanceRecord", on_delete=models.CASCADE, related_name="+")
    classification = models.CharField(_("classification"), max_length=16)
    culpability = models.CharField(_("culpability"), max_length=32, choices=Culpability.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=ReportedReason.choices, blank=True)
    classified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    classified_at = models.DateTimeField(_("classified"))

    scope_provider_lookup = None  # providers see only the outcome on the lesson, not the detail
    scope_municipality_lookup = "record__trajectory__learner__municipality_id"

    class Meta:
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")
        ordering = ["-classified_at", "-pk"]
