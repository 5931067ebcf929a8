"""API: verzuimprotocollen, verzuimsignalen, waarschuwingsbrieven, handhavingszaken,
inhaalverplichtingen and verzuimclassificaties (guide chapter 2; DOMAIN.md "Absence", "Visibility").

Thin, like the progress API: DRF type-checks the input, the enforcement services validate and write,
and every invalid field is reported at once under its Dutch camelCase API name. Lookups go through
the scoped managers: case managers reach their own municipality's learners, provider staff their
own provider's letters and make-up obligations (404 outside the scope, exactly like a missing
object). Providers never see alerts, enforcement cases or the policy: those answer 403 to them. The
learner appears by learner number only (``deelnemernummer``), never by BSN.
"""

from __future__ import annotations

import json
import re
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, renderers, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from attendance.api import ReasonField
from attendance.models import AttendanceRecord, Classification, ReportedReason
from enforcement import cases, letters, services, triage
from enforcement.models import (
    AbsenceAlert,
    AbsencePolicy,
    AlertOutcome,
    AlertStatus,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    Counting,
    Culpability,
    EnforcementCase,
    EnforcementStep,
    LetterStatus,
    MakeupObligation,
    UnderlyingCause,
    WarningLetter,
)
from enforcement.permissions import (
    ABSENCE_TRIAGE_ROLES,
    ABSENCE_TRIAGE_WORKERS,
    CASE_READERS,
    CASE_WORKERS,
    CLASSIFIERS,
    LETTER_HANDERS,
    LETTER_READERS,
    MAKEUP_READERS,
    POLICY_READERS,
    POLICY_WRITERS,
)
from enforcement.policy import absence_policy_save
from inburgering.api.fields import ScopedPrimaryKeyRelatedField, named_enum_field
from inburgering.api.plumbing import (
    FILTER_CONTRACT,
    RolesMixin,
    choice,
    object_id,
    query_filters,
    tenants_with_role,
    text,
)
from inburgering.api.writes import validated_write
from learning_routes.models import Learner

# --- Who may do what (DOMAIN.md "Visibility") ----------------------------------------------------------

# Alerts: enforcement.permissions (the coordinator, case managers, the tenant admin reads).
ALERT_READERS = ABSENCE_TRIAGE_ROLES
ALERT_WORKERS = ABSENCE_TRIAGE_WORKERS

NOT_YOUR_PROVIDER = _("Only the staff of the language provider that hands out the letter can do this.")
LETTER_NOT_MADE = _("This warning letter has not been made yet.")
ONLY_YOUR_REGION = _("Only absences in your region can be classified.")  # the service's own message

# Model (or service) error keys → API names, for invalidParams.
POLICY_API_NAMES = {
    "threshold_per_month": "drempelPerMaand",
    "counting": "telling",
    "partial_attendance_counts": "gedeeltelijkeAanwezigheidTelt",
    "automatic_warning_letter": "automatischeWaarschuwingsbrief",
    "letter_text": "brieftekst",
    "culpability_mapping": "verwijtbaarheid",
    "authorized_reasons": "geoorloofdeRedenen",
    "makeup_required": "inhalenVerplicht",
    "maximum_fine": "maximaleBoete",
    "contact_name": "contactpersoon",
    "contact_details": "contactgegevens",
    "contract": "contract",
    "__all__": "nonFieldErrors",
}
ALERT_STATUS_API_NAMES = {"status": "status", "outcome": "uitkomst", "__all__": "nonFieldErrors"}
HAND_OUT_API_NAMES = {"handed_out_on": "uitgereiktOp", "__all__": "nonFieldErrors"}
CASE_OPEN_API_NAMES = {
    "learner": "inburgeraar",
    "alert": "verzuimsignaal",
    "opened_on": "geopendOp",
    "__all__": "nonFieldErrors",
}
STEP_API_NAMES = {
    "step": "stap",
    "happened_on": "datum",
    "skip_reason": "overslaanReden",
    "outcome": "uitkomst",
    "underlying_cause": "onderliggendeOorzaak",
    "support_offered": "gebodenOndersteuning",
    "attendees": "aanwezigen",
    "agreements": "afspraken",
    "learner_view": "zienswijze",
    "fine_amount": "boetebedrag",
    "culpability": "verwijtbaarheid",
    "reduction": "matiging",
    "decision_date": "besluitdatum",
    "exceptional_ground": "uitzonderingsgrond",
    "__all__": "nonFieldErrors",
}
GROUND_API_NAMES = {"exceptional_ground": "grond", "__all__": "nonFieldErrors"}
CLOSE_API_NAMES = {"outcome": "uitkomst", "closed_on": "afsluitdatum", "note": "notitie", "__all__": "nonFieldErrors"}
CLASSIFY_API_NAMES = {
    "record_ids": "registraties",
    "culpability": "verwijtbaarheid",
    "classification": "verwijtbaarheid",  # the policy's mapping has no answer for this culpability
    "reason": "reden",
    "__all__": "nonFieldErrors",
}
# The step details the API carries, by service keyword (the letter upload is the browser's).
STEP_DETAIL_FIELDS = sorted(cases.DETAIL_FIELDS - {"letter"})


# --- Choice fields -----------------------------------------------------------------------------------


CountingField = named_enum_field("VerzuimtellingEnum", Counting)
AlertStatusField = named_enum_field("VerzuimsignaalstatusEnum", AlertStatus)
AlertOutcomeField = named_enum_field("VerzuimsignaaluitkomstEnum", AlertOutcome, blank=True)
LetterStatusField = named_enum_field("WaarschuwingsbriefstatusEnum", LetterStatus)
CaseStepField = named_enum_field("HandhavingsstapEnum", CaseStep)
CaseStatusField = named_enum_field("HandhavingszaakstatusEnum", CaseStatus)
CaseOutcomeField = named_enum_field("HandhavingsuitkomstEnum", CaseOutcome, blank=True)
CaseClosingOutcomeField = named_enum_field("HandhavingsafsluitingEnum", CaseOutcome)
UnderlyingCauseField = named_enum_field("OnderliggendeOorzaakEnum", UnderlyingCause, blank=True)
CulpabilityField = named_enum_field("VerwijtbaarheidEnum", Culpability)
FineCulpabilityField = named_enum_field("BoeteVerwijtbaarheidEnum", Culpability, blank=True)
ClassificationField = named_enum_field("GeoorloofdheidEnum", Classification)
AuthorizedReasonField = named_enum_field("GeoorloofdeRedenEnum", ReportedReason)

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month(raw: str) -> date:
    """A query filter ``JJJJ-MM`` → the first day of that month."""
    match = MONTH_PATTERN.match(raw)
    if match is None:
        raise ValueError(_("Give the month as YYYY-MM, for example 2026-10."))
    return date(int(match.group(1)), int(match.group(2)), 1)


FILTER_MAAND = OpenApiParameter("maand", str, description=_("Calendar month, YYYY-MM."))
FILTER_GEMEENTE = OpenApiParameter("gemeente", str, description=_("CBS code of the learner's municipality."))
FILTER_TAALAANBIEDER = OpenApiParameter("taalaanbieder", str, description=_("KvK number of the language provider."))
FILTER_INBURGERAAR = OpenApiParameter("inburgeraar", int, description=_("Id of a learner."))
FILTER_ALERT_STATUS = OpenApiParameter(
    "status", str, enum=AlertStatus.values, description=_("Status of the absence alert.")
)
FILTER_LETTER_STATUS = OpenApiParameter(
    "status", str, enum=LetterStatus.values, description=_("Status of the warning letter.")
)
FILTER_CASE_STATUS = OpenApiParameter(
    "status", str, enum=CaseStatus.values, description=_("Status of the enforcement case.")
)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class MonthField(serializers.Field):
    """A calendar month as ``JJJJ-MM`` (stored as its first day)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: date) -> str:
        return f"{value.year:04d}-{value.month:02d}"


class _Access(RolesMixin):
    def visible(self, queryset: QuerySet, pk: int, roles: tuple[str, ...]):
        """The object in the caller's scope (404 otherwise), readable by the caller's role (403 otherwise).

        A caller without any of ``roles`` anywhere gets 403 before the lookup: a provider, who never
        sees alerts or cases, is refused the same way whatever the id."""
        self.require_role(*roles)
        obj = get_object_or_404(queryset, pk=pk)
        self.require_role_in(obj.tenant_id, *roles)
        return obj


# --- Absence policy (verzuimprotocol) ----------------------------------------------------------------


@extend_schema_serializer(component_name="Verzuimprotocol")
class PolicySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    contract = serializers.IntegerField(
        source="contract_id",
        read_only=True,
        allow_null=True,
        help_text=_("Empty: the region's policy. Filled: the id of the contract whose own policy this is."),
    )
    drempelPerMaand = serializers.IntegerField(
        source="threshold_per_month", min_value=1, help_text=_("Absences per calendar month that trigger an alert.")
    )
    telling = CountingField(source="counting", help_text=_("What counts: all absences or only unauthorized ones."))
    gedeeltelijkeAanwezigheidTelt = serializers.BooleanField(
        source="partial_attendance_counts", help_text=_("A lesson attended for part of its time counts as an absence.")
    )
    automatischeWaarschuwingsbrief = serializers.BooleanField(source="automatic_warning_letter")
    brieftekst = serializers.CharField(
        source="letter_text",
        help_text=_(
            "Placeholders: {voornaam}, {achternaam}, {deelnemernummer}, {maand}, {aantal}, {verzuimdata}, "
            "{gemeente}, {regio}, {contactpersoon}, {contactgegevens}."
        ),
    )
    verwijtbaarheid = serializers.DictField(
        source="culpability_mapping",
        child=ClassificationField(),
        help_text=_("Per culpability level (opzet, grove_schuld, …): geoorloofd or ongeoorloofd."),
    )
    geoorloofdeRedenen = serializers.ListField(
        source="authorized_reasons", child=AuthorizedReasonField(), help_text=_("Reasons that count as authorized.")
    )
    inhalenVerplicht = serializers.BooleanField(
        source="makeup_required", help_text=_("Missed lessons must be made up in homework class.")
    )
    maximaleBoete = serializers.DecimalField(
        source="maximum_fine",
        max_digits=7,
        decimal_places=2,
        help_text=_("Maximum fine in euros (by law at most 800)."),
    )
    contactpersoon = serializers.CharField(source="contact_name", max_length=200, required=False, allow_blank=True)
    contactgegevens = serializers.CharField(source="contact_details", max_length=300, required=False, allow_blank=True)
    gewijzigdOp = serializers.DateTimeField(source="updated_at", read_only=True)


def _policies() -> QuerySet[AbsencePolicy]:
    return AbsencePolicy.objects.select_related("tenant", "contract").order_by(
        "tenant_id", F("contract_id").asc(nulls_first=True), "pk"
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="verzuimprotocollen_list",
        description=_(
            "The absence policies of your regions: the region's own and the contracts' overrides. "
            "Filter: `contract` (id)."
        ),
        parameters=[FILTER_CONTRACT],
    )
)
class PolicyList(_Access, generics.ListAPIView):
    serializer_class = PolicySerializer

    def get_queryset(self):
        self.require_role(*POLICY_READERS)
        filters = query_filters(self.request.query_params, {"contract": object_id})
        policies = _policies()
        if "contract" in filters:
            policies = policies.filter(contract_id=filters["contract"])
        return self.only_tenants_with(policies, *POLICY_READERS)


@extend_schema_view(
    get=extend_schema(operation_id="verzuimprotocollen_retrieve", description=_("One absence policy.")),
    patch=extend_schema(
        operation_id="verzuimprotocollen_partial_update",
        description=_("Change an absence policy (tenant admins only). Only the fields sent change."),
        responses=PolicySerializer,
    ),
)
class PolicyDetail(_Access, generics.RetrieveUpdateAPIView):
    serializer_class = PolicySerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.visible(_policies(), self.kwargs["pk"], POLICY_READERS)

    def update(self, request, *args, **kwargs):
        policy = self.get_object()
        self.require_role_in(policy.tenant_id, *POLICY_WRITERS)

        def save(validated):
            return absence_policy_save(actor=request.user, tenant=policy.tenant, contract=policy.contract, **validated)

        validated_write(
            lambda data, partial: self.get_serializer(policy, data=data, partial=True),
            request.data,
            save,
            POLICY_API_NAMES,
        )
        return Response(self.get_serializer(_policies().get(pk=policy.pk)).data)


# --- Absence alerts (verzuimsignalen) ----------------------------------------------------------------


@extend_schema_serializer(component_name="Verzuimsignaal")
class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    deelnemernummer = serializers.CharField(
        source="learner.learner_number", read_only=True, help_text=_("The learner number (never the BSN).")
    )
    gemeente = serializers.CharField(
        source="learner.municipality.cbs_code", read_only=True, help_text=_("CBS code of the learner's municipality.")
    )
    maand = MonthField(source="month", help_text=_("Calendar month, YYYY-MM."))
    aantal = serializers.IntegerField(source="absence_count", read_only=True, help_text=_("Absences counted."))
    drempel = serializers.IntegerField(source="threshold", read_only=True)
    verzuimdata = serializers.ListField(
        source="absence_dates", child=serializers.DateField(), read_only=True, help_text=_("Dates of the absences.")
    )
    taalaanbieder = serializers.CharField(
        source="provider.kvk_number",
        read_only=True,
        help_text=_("KvK number of the language provider of the latest absence, who hands out the letter."),
    )
    status = AlertStatusField(read_only=True)
    uitkomst = AlertOutcomeField(source="outcome", read_only=True)
    toegewezenAan = serializers.CharField(
        source="assigned_to.username", read_only=True, allow_null=True, help_text=_("Username of the assignee.")
    )
    brief = serializers.IntegerField(
        source="letter.pk", read_only=True, allow_null=True, help_text=_("Id of the warning letter, if any.")
    )


@extend_schema_serializer(component_name="VerzuimsignaalStatus")
class AlertStatusSerializer(serializers.Serializer):
    status = AlertStatusField()
    uitkomst = AlertOutcomeField(
        source="outcome", required=False, help_text=_("Required when closing: hersteld or handhaving.")
    )


def _alerts() -> QuerySet[AbsenceAlert]:
    return AbsenceAlert.objects.select_related("learner__municipality", "provider", "assigned_to", "letter")


@extend_schema_view(
    get=extend_schema(
        operation_id="verzuimsignalen_list",
        description=_(
            "Absence alerts (the monthly rule: a learner reached the policy's threshold in a calendar month), "
            "newest month first. Filters: `maand` (YYYY-MM), `status`, `gemeente` (CBS code), `taalaanbieder` "
            "(KvK number). Language providers never see alerts."
        ),
        parameters=[FILTER_MAAND, FILTER_ALERT_STATUS, FILTER_GEMEENTE, FILTER_TAALAANBIEDER],
    )
)
class AlertList(_Access, generics.ListAPIView):
    serializer_class = AlertSerializer

    def get_queryset(self):
        self.require_role(*ALERT_READERS)
        filters = query_filters(
            self.request.query_params,
            {"maand": month, "status": choice(AlertStatus), "gemeente": text, "taalaanbieder": text},
        )
        alerts = _alerts()
        if "maand" in filters:
            alerts = alerts.filter(month=filters["maand"])
        if "status" in filters:
            alerts = alerts.filter(status=filters["status"])
        if "gemeente" in filters:
            alerts = alerts.filter(learner__municipality__cbs_code=filters["gemeente"])
        if "taalaanbieder" in filters:
            alerts = alerts.filter(provider__kvk_number=filters["taalaanbieder"])
        return self.only_tenants_with(alerts, *ALERT_READERS)


@extend_schema_view(get=extend_schema(operation_id="verzuimsignalen_retrieve", description=_("One absence alert.")))
class AlertDetail(_Access, generics.RetrieveAPIView):
    serializer_class = AlertSerializer

    def get_object(self):
        return self.visible(_alerts(), self.kwargs["pk"], ALERT_READERS)


class AlertStatusChange(_Access, generics.GenericAPIView):
    serializer_class = AlertStatusSerializer

    @extend_schema(
        operation_id="verzuimsignalen_status",
        description=_(
            "Move an alert along its statuses (absence coordinators and case managers): nieuw, in_behandeling, "
            "contact_opgenomen, afgesloten (with `uitkomst`: hersteld or handhaving)."
        ),
        request=AlertStatusSerializer,
        responses={200: AlertSerializer},
    )
    def post(self, request, pk: int):
        alert = self.visible(_alerts(), pk, ALERT_READERS)
        self.require_role_in(alert.tenant_id, *ALERT_WORKERS)

        def change(validated):
            return triage.alert_set_status(
                actor=request.user,
                alert=alert,
                status=validated.get("status", ""),
                outcome=validated.get("outcome", ""),
            )

        validated_write(self._input_serializer, request.data, change, ALERT_STATUS_API_NAMES)
        return Response(AlertSerializer(_alerts().get(pk=alert.pk), context=self.get_serializer_context()).data)


# --- Warning letters (waarschuwingsbrieven) ----------------------------------------------------------


@extend_schema_serializer(component_name="Waarschuwingsbrief")
class LetterSerializer(serializers.Serializer):
    # Metadata only: the text with the learner's name is in the PDF.
    id = serializers.IntegerField(read_only=True)
    verzuimsignaal = serializers.IntegerField(source="alert_id", read_only=True, help_text=_("Id of the alert."))
    deelnemernummer = serializers.CharField(
        source="alert.learner.learner_number", read_only=True, help_text=_("The learner number (never the BSN).")
    )
    maand = MonthField(source="alert.month", help_text=_("Calendar month of the absences, YYYY-MM."))
    taalaanbieder = serializers.CharField(
        source="provider.kvk_number", read_only=True, help_text=_("KvK number of the provider who hands it out.")
    )
    status = LetterStatusField(read_only=True)
    gemaaktOp = serializers.DateTimeField(source="generated_at", read_only=True, allow_null=True)
    uitgereiktOp = serializers.DateField(source="handed_out_on", read_only=True, allow_null=True)


@extend_schema_serializer(component_name="WaarschuwingsbriefUitgereikt")
class HandOutSerializer(serializers.Serializer):
    uitgereiktOp = serializers.DateField(source="handed_out_on", help_text=_("The date the learner got the letter."))


def _letters() -> QuerySet[WarningLetter]:
    return WarningLetter.objects.select_related("alert__learner", "provider")


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``application/pdf``; an error still answers as problem+json."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


@extend_schema_view(
    get=extend_schema(
        operation_id="waarschuwingsbrieven_list",
        description=_(
            "Warning letters, newest first: metadata; the letter itself is at `/{id}/pdf`. Case managers see "
            "their municipality's, language providers the letters they hand out. Filters: `status`, `maand`."
        ),
        parameters=[FILTER_LETTER_STATUS, FILTER_MAAND],
    )
)
class LetterList(_Access, generics.ListAPIView):
    serializer_class = LetterSerializer

    def get_queryset(self):
        self.require_role(*LETTER_READERS)
        filters = query_filters(self.request.query_params, {"status": choice(LetterStatus), "maand": month})
        found = _letters()
        if "status" in filters:
            found = found.filter(status=filters["status"])
        if "maand" in filters:
            found = found.filter(alert__month=filters["maand"])
        return self.only_tenants_with(found, *LETTER_READERS)


@extend_schema_view(
    get=extend_schema(operation_id="waarschuwingsbrieven_retrieve", description=_("One warning letter (metadata)."))
)
class LetterDetail(_Access, generics.RetrieveAPIView):
    serializer_class = LetterSerializer

    def get_object(self):
        return self.visible(_letters(), self.kwargs["pk"], LETTER_READERS)


class LetterPdf(_Access, generics.GenericAPIView):
    serializer_class = LetterSerializer
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="waarschuwingsbrieven_pdf",
        description=_("The warning letter as a PDF (PDF/UA). 404 while it has not been made."),
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The letter.")),
        },
    )
    def get(self, request, pk: int):
        letter = self.visible(_letters(), pk, LETTER_READERS)
        if letter.status != LetterStatus.READY or not letter.file:
            raise Http404(LETTER_NOT_MADE)
        month_text = f"{letter.alert.month.year:04d}-{letter.alert.month.month:02d}"
        return FileResponse(
            letter.file.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"waarschuwingsbrief-{letter.alert.learner.learner_number}-{month_text}.pdf",
        )


class LetterHandOut(_Access, generics.GenericAPIView):
    serializer_class = HandOutSerializer

    @extend_schema(
        operation_id="waarschuwingsbrieven_uitgereikt",
        description=_(
            "The language provider records the day it handed the letter to the learner; once, between the day "
            "the letter was made and today. Only the staff of the provider that hands it out."
        ),
        request=HandOutSerializer,
        responses={200: LetterSerializer},
    )
    def post(self, request, pk: int):
        letter = self.visible(_letters(), pk, LETTER_READERS)
        tenancy = request.tenancy
        if not (tenancy.has_role_in(letter.tenant_id, *LETTER_HANDERS) and letter.provider_id in tenancy.provider_ids):
            raise PermissionDenied(NOT_YOUR_PROVIDER)

        def hand_out(validated):
            return letters.warning_letter_mark_handed_out(
                actor=request.user, letter=letter, handed_out_on=validated.get("handed_out_on")
            )

        validated_write(self._input_serializer, request.data, hand_out, HAND_OUT_API_NAMES)
        return Response(LetterSerializer(_letters().get(pk=letter.pk), context=self.get_serializer_context()).data)


# --- Enforcement cases (handhavingszaken) ------------------------------------------------------------


@extend_schema_serializer(component_name="Handhavingsstap")
class StepSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    stap = CaseStepField(source="step", read_only=True)
    datum = serializers.DateField(source="happened_on", read_only=True)
    overgeslagen = serializers.BooleanField(source="skipped", read_only=True)
    overslaanReden = serializers.CharField(source="skip_reason", read_only=True)
    uitkomst = serializers.CharField(source="outcome", read_only=True)
    onderliggendeOorzaak = UnderlyingCauseField(source="underlying_cause", read_only=True)
    gebodenOndersteuning = serializers.CharField(source="support_offered", read_only=True)
    aanwezigen = serializers.CharField(source="attendees", read_only=True)
    afspraken = serializers.CharField(source="agreements", read_only=True)
    zienswijze = serializers.CharField(source="learner_view", read_only=True)
    boetebedrag = serializers.DecimalField(
        source="fine_amount", max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )
    verwijtbaarheid = FineCulpabilityField(source="culpability", read_only=True)
    matiging = serializers.DecimalField(
        source="reduction", max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )
    besluitdatum = serializers.DateField(source="decision_date", read_only=True, allow_null=True)
    vastgelegdDoor = serializers.CharField(source="actor.username", read_only=True)


@extend_schema_serializer(component_name="Handhavingszaak")
class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    inburgeraar = serializers.IntegerField(source="learner_id", read_only=True, help_text=_("Id of the learner."))
    deelnemernummer = serializers.CharField(
        source="learner.learner_number", read_only=True, help_text=_("The learner number (never the BSN).")
    )
    verzuimsignaal = serializers.IntegerField(source="alert_id", read_only=True, allow_null=True)
    klantmanager = serializers.CharField(source="case_manager.username", read_only=True)
    status = CaseStatusField(read_only=True)
    huidigeStap = CaseStepField(source="current_step", read_only=True, help_text=_("The next step to record."))
    uitkomst = CaseOutcomeField(source="outcome", read_only=True)
    uitzonderingsgrond = serializers.CharField(
        source="exceptional_ground",
        read_only=True,
        help_text=_("Exceptional, proven, persistent unwillingness (needed to fine an asylum permit holder)."),
    )
    geopendOp = serializers.DateField(source="opened_on", read_only=True)
    geslotenOp = serializers.DateField(source="closed_on", read_only=True, allow_null=True)
    stappen = StepSerializer(source="steps", many=True, read_only=True)


@extend_schema_serializer(component_name="HandhavingszaakOpenen")
class CaseOpenSerializer(serializers.Serializer):
    inburgeraar = ScopedPrimaryKeyRelatedField(
        scoped_model=Learner, source="learner", help_text=_("Id of the learner.")
    )
    verzuimsignaal = ScopedPrimaryKeyRelatedField(
        scoped_model=AbsenceAlert,
        source="alert",
        required=False,
        allow_null=True,
        help_text=_("Id of the absence alert that led to the case (optional)."),
    )
    geopendOp = serializers.DateField(source="opened_on", required=False, help_text=_("Default: today."))


@extend_schema_serializer(component_name="HandhavingsstapVastleggen")
class StepRecordSerializer(serializers.Serializer):
    stap = CaseStepField(source="step")
    datum = serializers.DateField(source="happened_on")
    overslaanReden = serializers.CharField(
        source="skip_reason", required=False, allow_blank=True, help_text=_("Required when steps are skipped.")
    )
    uitkomst = serializers.CharField(source="outcome", required=False, allow_blank=True)
    onderliggendeOorzaak = UnderlyingCauseField(source="underlying_cause", required=False)
    gebodenOndersteuning = serializers.CharField(source="support_offered", required=False, allow_blank=True)
    aanwezigen = serializers.CharField(source="attendees", required=False, allow_blank=True)
    afspraken = serializers.CharField(source="agreements", required=False, allow_blank=True)
    zienswijze = serializers.CharField(
        source="learner_view", required=False, allow_blank=True, help_text=_("The learner's view on the fine.")
    )
    boetebedrag = serializers.DecimalField(
        source="fine_amount", max_digits=7, decimal_places=2, required=False, allow_null=True
    )
    verwijtbaarheid = FineCulpabilityField(source="culpability", required=False)
    matiging = serializers.DecimalField(
        source="reduction", max_digits=7, decimal_places=2, required=False, allow_null=True
    )
    besluitdatum = serializers.DateField(source="decision_date", required=False, allow_null=True)


@extend_schema_serializer(component_name="HandhavingszaakUitzonderingsgrond")
class GroundSerializer(serializers.Serializer):
    grond = serializers.CharField(
        source="ground",
        allow_blank=True,
        help_text=_("The exceptional, proven, persistent unwillingness and how it was established."),
    )


@extend_schema_serializer(component_name="HandhavingszaakAfsluiten")
class CloseSerializer(serializers.Serializer):
    uitkomst = CaseClosingOutcomeField(source="outcome")
    afsluitdatum = serializers.DateField(source="closed_on", required=False, help_text=_("Default: today."))
    notitie = serializers.CharField(source="note", required=False, allow_blank=True)


def _cases() -> QuerySet[EnforcementCase]:
    return EnforcementCase.objects.select_related("learner", "case_manager").prefetch_related(
        Prefetch("steps", queryset=EnforcementStep.objects.select_related("actor").order_by("happened_on", "pk"))
    )


class _CaseAction(_Access, generics.GenericAPIView):
    """A write on one case: in scope (404), by a case manager of its region (403)."""

    def case(self, pk: int) -> EnforcementCase:
        case = self.visible(_cases(), pk, CASE_READERS)
        self.require_role_in(case.tenant_id, *CASE_WORKERS)
        return case

    def answer(self, case: EnforcementCase, status: int = 200) -> Response:
        fresh = _cases().get(pk=case.pk)
        return Response(CaseSerializer(fresh, context=self.get_serializer_context()).data, status=status)


@extend_schema_view(
    get=extend_schema(
        operation_id="handhavingszaken_list",
        description=_(
            "Enforcement cases, the most recently opened first (case managers of the learner's municipality, "
            "absence coordinators). Filters: `status`, `inburgeraar` (id). Language providers never see them."
        ),
        parameters=[FILTER_CASE_STATUS, FILTER_INBURGERAAR],
    ),
    post=extend_schema(
        operation_id="handhavingszaken_create",
        description=_(
            "Open an enforcement case with you as its case manager (case managers only); one open case per "
            "learner. With an alert whose warning letter exists, the warning step is recorded from it."
        ),
        request=CaseOpenSerializer,
        responses={201: CaseSerializer},
    ),
)
class CaseList(_CaseAction, generics.ListCreateAPIView):
    serializer_class = CaseSerializer

    def get_serializer_class(self):
        return CaseOpenSerializer if self.request.method == "POST" else CaseSerializer

    def get_queryset(self):
        self.require_role(*CASE_READERS)
        filters = query_filters(self.request.query_params, {"status": choice(CaseStatus), "inburgeraar": object_id})
        found = _cases()
        if "status" in filters:
            found = found.filter(status=filters["status"])
        if "inburgeraar" in filters:
            found = found.filter(learner_id=filters["inburgeraar"])
        return self.only_tenants_with(found, *CASE_READERS)

    def create(self, request, *args, **kwargs):
        self.require_role(*CASE_WORKERS)

        def open_case(validated):
            learner = validated.get("learner")
            if learner is None:  # only while collecting the other errors: inburgeraar is invalid
                return None
            self.require_role_in(learner.tenant_id, *CASE_WORKERS)
            return cases.enforcement_case_open(
                actor=request.user, learner=learner, alert=validated.get("alert"), opened_on=validated.get("opened_on")
            )

        case = validated_write(self._input_serializer, request.data, open_case, CASE_OPEN_API_NAMES)
        return self.answer(case, status=201)


@extend_schema_view(
    get=extend_schema(operation_id="handhavingszaken_retrieve", description=_("One enforcement case with its steps."))
)
class CaseDetail(_Access, generics.RetrieveAPIView):
    serializer_class = CaseSerializer

    def get_object(self):
        return self.visible(_cases(), self.kwargs["pk"], CASE_READERS)


class CaseStepRecord(_CaseAction):
    serializer_class = StepRecordSerializer

    @extend_schema(
        operation_id="handhavingszaken_stap",
        description=_(
            "Record the next step: waarschuwing, contact_klantmanager (with `uitkomst` and "
            "`onderliggendeOorzaak`), driegesprek (`aanwezigen`, `afspraken`), handhavingsprocedure "
            "(`zienswijze`, `uitkomst`), boete (`boetebedrag` up to the policy's maximum, `verwijtbaarheid`, "
            "`besluitdatum`, optional `matiging`). Skipping steps needs `overslaanReden`."
        ),
        request=StepRecordSerializer,
        responses={201: CaseSerializer},
    )
    def post(self, request, pk: int):
        case = self.case(pk)

        def record(validated):
            return cases.enforcement_step_record(
                actor=request.user,
                case=case,
                step=validated.get("step", ""),
                happened_on=validated.get("happened_on"),
                skip_reason=validated.get("skip_reason", ""),
                **{name: validated[name] for name in STEP_DETAIL_FIELDS if name in validated},
            )

        validated_write(self._input_serializer, request.data, record, STEP_API_NAMES)
        return self.answer(case, status=201)


class CaseGroundRecord(_CaseAction):
    serializer_class = GroundSerializer

    @extend_schema(
        operation_id="handhavingszaken_uitzonderingsgrond",
        description=_(
            "Record the exceptional, proven, persistent unwillingness of an asylum permit holder; without it "
            "no fine can be proposed for them (since 2025)."
        ),
        request=GroundSerializer,
        responses={200: CaseSerializer},
    )
    def post(self, request, pk: int):
        case = self.case(pk)

        def record(validated):
            return cases.enforcement_exceptional_ground_record(
                actor=request.user, case=case, ground=validated.get("ground", "")
            )

        validated_write(self._input_serializer, request.data, record, GROUND_API_NAMES)
        return self.answer(case)


class CaseClose(_CaseAction):
    serializer_class = CloseSerializer

    @extend_schema(
        operation_id="handhavingszaken_afsluiten",
        description=_("Close the case: hersteld, anders, or boete (only once the fine step was recorded)."),
        request=CloseSerializer,
        responses={200: CaseSerializer},
    )
    def post(self, request, pk: int):
        case = self.case(pk)

        def close(validated):
            return cases.enforcement_case_close(
                actor=request.user,
                case=case,
                outcome=validated.get("outcome", ""),
                closed_on=validated.get("closed_on"),
                note=validated.get("note", ""),
            )

        validated_write(self._input_serializer, request.data, close, CLOSE_API_NAMES)
        return self.answer(case)


# --- Make-up obligations (inhaalverplichtingen) ------------------------------------------------------


@extend_schema_serializer(component_name="Inhaalverplichting")
class MakeupSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    inburgeraar = serializers.IntegerField(source="learner_id", read_only=True)
    deelnemernummer = serializers.CharField(
        source="learner.learner_number", read_only=True, help_text=_("The learner number (never the BSN).")
    )
    gemisteMinuten = serializers.IntegerField(source="missed_minutes", read_only=True)
    ingehaaldeMinuten = serializers.IntegerField(source="made_up_minutes", read_only=True)
    resterendeMinuten = serializers.IntegerField(source="remaining_minutes", read_only=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="inhaalverplichtingen_list",
        description=_(
            "Missed minutes learners must make up in homework class, where the policy says so. "
            "Filter: `inburgeraar` (id)."
        ),
        parameters=[FILTER_INBURGERAAR],
    )
)
class MakeupList(_Access, generics.ListAPIView):
    serializer_class = MakeupSerializer

    def get_queryset(self):
        self.require_role(*MAKEUP_READERS)
        filters = query_filters(self.request.query_params, {"inburgeraar": object_id})
        found = MakeupObligation.objects.select_related("learner").order_by("learner__learner_number", "pk")
        if "inburgeraar" in filters:
            found = found.filter(learner_id=filters["inburgeraar"])
        return self.only_tenants_with(found, *MAKEUP_READERS)


# --- Classification (verzuimclassificaties) ----------------------------------------------------------


@extend_schema_serializer(component_name="Verzuimclassificatie")
class ClassifySerializer(serializers.Serializer):
    registraties = serializers.ListField(
        source="record_ids",
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=1000,
        help_text=_("Ids of the absent lessons (aanwezigheidsregistraties) to classify."),
    )
    verwijtbaarheid = CulpabilityField(
        source="culpability", help_text=_("The culpability; the policy maps it to authorized or unauthorized.")
    )
    reden = ReasonField(source="reason", required=False)


@extend_schema_serializer(component_name="VerzuimclassificatieResultaat")
class ClassifyResultSerializer(serializers.Serializer):
    aantal = serializers.IntegerField(help_text=_("Absences classified."))
    maanden = serializers.ListField(
        child=serializers.CharField(), help_text=_("The months (YYYY-MM) the absence rule ran again for.")
    )


class Classify(_Access, generics.GenericAPIView):
    serializer_class = ClassifySerializer

    @extend_schema(
        operation_id="verzuimclassificaties_create",
        description=_(
            "Classify absences, one or many at once (absence coordinators only): the culpability decides "
            "authorized or unauthorized through the policy. The monthly rule runs again for the months touched."
        ),
        request=ClassifySerializer,
        responses={200: ClassifyResultSerializer},
    )
    def post(self, request):
        self.require_role(*CLASSIFIERS)
        regions = tenants_with_role(request.tenancy, CLASSIFIERS)

        def classify(validated):
            record_ids = validated.get("record_ids", [])
            if record_ids and (
                AttendanceRecord.objects.filter(pk__in=record_ids).exclude(tenant_id__in=regions).exists()
            ):
                raise DjangoValidationError({"record_ids": [ONLY_YOUR_REGION]})
            months = services.absences_classify(
                actor=request.user,
                record_ids=record_ids,
                culpability=validated.get("culpability", ""),
                reason=validated.get("reason", ""),
            )
            return len(set(record_ids)), months

        count, months = validated_write(self._input_serializer, request.data, classify, CLASSIFY_API_NAMES)
        body = {"aantal": count, "maanden": [f"{day.year:04d}-{day.month:02d}" for day in months]}
        return Response(ClassifyResultSerializer(body).data)
