"""API: kwartaalrapportages, the quarterly contract reports (guide 3; DOMAIN.md "Reporting").

Read only: reports are requested, made and shared in the browser (reports.services). The list and
detail carry the metadata and the key figures as printed; the report itself is at ``/{id}/pdf``.

Access as in the enforcement API: the role first (``REPORT_READERS``; any other role gets 403
whatever the id), then the lookup through the scoped manager (404 outside the scope, exactly like a
missing report). The scope does the provider rule: provider staff reach only the reports shared
with their organisation (``scope_provider_lookup = "shared_provider_id"``), so an unshared report of
their own contract answers 404 and is absent from the list. Reports hold aggregates only: no learner
appears here (DOMAIN.md "Visibility").
"""

from __future__ import annotations

from datetime import UTC

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
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

from enforcement.api import PdfRenderer
from inburgering.api.fields import named_enum_field
from inburgering.api.plumbing import FILTER_CONTRACT, RolesMixin, object_id, query_filters
from reports.kpis import RagStatus
from reports.models import QuarterlyReport, ReportStatus
from reports.periods import QUARTER_PATTERN, Quarter
from reports.permissions import REPORT_READERS

REPORT_NOT_MADE = _("This quarterly report has not been made yet.")

ReportStatusField = named_enum_field("KwartaalrapportagestatusEnum", ReportStatus)

FILTER_KWARTAAL = OpenApiParameter(
    "kwartaal", str, pattern=QUARTER_PATTERN.pattern, description=_("Quarter, YYYY-K1 to YYYY-K4.")
)


@extend_schema_field(
    {"type": "string", "pattern": QUARTER_PATTERN.pattern, "example": "2026-K1"}, component_name="Kwartaal"
)
class QuarterField(serializers.Field):
    """A calendar quarter as ``JJJJ-Kn``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: str) -> str:
        return value


@extend_schema_field(
    {
        "type": "string",
        "enum": list(RagStatus.LABELS),
        "description": "\n".join(f"* `{key}` - {label}" for key, label in RagStatus.LABELS.items()),
    },
    component_name="KerncijferstatusEnum",
)
class KpiStatusField(serializers.CharField):
    pass


def _utc_timestamp(**kwargs) -> serializers.DateTimeField:
    """A timestamp in UTC (DESIGN.md "Units and time": API timestamps are UTC)."""
    return serializers.DateTimeField(read_only=True, allow_null=True, default_timezone=UTC, **kwargs)


@extend_schema_serializer(component_name="Kerncijfer")
class KpiSerializer(serializers.Serializer):
    """One row of the report's KPI table, as printed (stored with the report, never recomputed)."""

    sleutel = serializers.CharField(read_only=True, help_text=_("Stable key of the key figure."))
    omschrijving = serializers.CharField(read_only=True)
    waarde = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Percentage 0–100 as a decimal string; null without data.")
    )
    doel = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("The contract's target percentage; null without a target.")
    )
    status = KpiStatusField(read_only=True)
    toelichting = serializers.CharField(read_only=True, help_text=_("What the percentage is made of."))


@extend_schema_serializer(component_name="Kwartaalrapportage")
class QuarterlyReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    contract = serializers.IntegerField(source="contract_id", read_only=True, help_text=_("Id of the contract."))
    contractReferentie = serializers.CharField(source="contract.reference", read_only=True)
    kwartaal = QuarterField(source="quarter_label", help_text=_("The quarter reported on, YYYY-K1 to YYYY-K4."))
    status = ReportStatusField(read_only=True)
    gemaaktOp = _utc_timestamp(source="generated_at", help_text=_("When the report was made (UTC)."))
    gedeeldMetTaalaanbieder = serializers.BooleanField(
        source="is_shared", read_only=True, help_text=_("Shared with the contract's language provider.")
    )
    gedeeldOp = _utc_timestamp(source="shared_at", help_text=_("When it was shared (UTC)."))
    kerncijfers = serializers.SerializerMethodField(help_text=_("The key figures against the contract's targets."))
    pdf = serializers.SerializerMethodField(help_text=_("URL of the report as PDF; null while it is not made."))

    @extend_schema_field(KpiSerializer(many=True))
    def get_kerncijfers(self, report: QuarterlyReport) -> list[dict]:
        figures = report.figures if isinstance(report.figures, dict) else {}
        return KpiSerializer(figures.get("kpis") or [], many=True).data

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_pdf(self, report: QuarterlyReport) -> str | None:
        if not _has_pdf(report):
            return None
        path = reverse("api_quarterly_report_pdf", kwargs={"pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


def _has_pdf(report: QuarterlyReport) -> bool:
    return report.status == ReportStatus.READY and bool(report.file)


def _reports() -> QuerySet[QuarterlyReport]:
    return QuarterlyReport.objects.select_related("contract")


def _quarter(raw: str) -> Quarter:
    return Quarter.parse(raw)


class _Access(RolesMixin):
    def visible_report(self, pk: int) -> QuarterlyReport:
        """The role first (403 for any other role), then the scoped lookup (404), then the role in the
        report's own region (a caller may hold other roles in other regions)."""
        self.require_role(*REPORT_READERS)
        report = get_object_or_404(_reports(), pk=pk)
        self.require_role_in(report.tenant_id, *REPORT_READERS)
        return report


@extend_schema_view(
    get=extend_schema(
        operation_id="kwartaalrapportages_list",
        description=_(
            "Quarterly contract reports, newest quarter first (every generation is kept; the newest of a quarter "
            "counts): metadata and key figures; the report itself is at `/{id}/pdf`. Language providers see the "
            "reports shared with them. Filters: `contract` (id), `kwartaal` (YYYY-K1 to YYYY-K4)."
        ),
        parameters=[FILTER_CONTRACT, FILTER_KWARTAAL],
    )
)
class QuarterlyReportList(_Access, generics.ListAPIView):
    serializer_class = QuarterlyReportSerializer

    def get_queryset(self):
        self.require_role(*REPORT_READERS)
        filters = query_filters(self.request.query_params, {"contract": object_id, "kwartaal": _quarter})
        found = _reports()
        if "contract" in filters:
            found = found.filter(contract_id=filters["contract"])
        if "kwartaal" in filters:
            found = found.filter(year=filters["kwartaal"].year, quarter=filters["kwartaal"].number)
        return self.only_tenants_with(found, *REPORT_READERS)


@extend_schema_view(
    get=extend_schema(
        operation_id="kwartaalrapportages_retrieve", description=_("One quarterly report (metadata and key figures).")
    )
)
class QuarterlyReportDetail(_Access, generics.RetrieveAPIView):
    serializer_class = QuarterlyReportSerializer

    def get_object(self):
        return self.visible_report(self.kwargs["pk"])


class QuarterlyReportPdf(_Access, generics.GenericAPIView):
    serializer_class = QuarterlyReportSerializer
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="kwartaalrapportages_pdf",
        description=_("The quarterly report as a PDF. 404 while it has not been made (or when making it failed)."),
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The report.")),
        },
    )
    def get(self, request, pk: int):
        report = self.visible_report(pk)
        if not _has_pdf(report):
            raise Http404(REPORT_NOT_MADE)
        try:
            handle = report.file.open("rb")
        except FileNotFoundError as missing:  # the row says ready but the storage lost the file
            raise Http404(REPORT_NOT_MADE) from missing
        return FileResponse(handle, content_type="application/pdf", as_attachment=True, filename=report.file_name)
