"""API: /api/v1/aanwezigheidsuploads and /api/v1/aanwezigheidsregistraties (NL API Design Rules).

Thin: DRF type-checks the input, ``attendance.services`` checks the contract and the provider and
does the work. A contract outside the caller's scope answers 404; a visible contract of another
provider, or a caller who is not provider staff, 403. Uploads are read by the uploading provider's
staff and the region's contract managers, absence coordinators and tenant admins.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from attendance import rules, selectors, services
from attendance.models import (
    AttendanceUpload,
    Daypart,
    LessonStatus,
    ReportedReason,
    UploadSource,
    UploadStatus,
)
from contracts.models import Contract
from inburgering.api.fields import named_enum_field
from inburgering.api.writes import api_errors
from inburgering.tenancy.models import Role

NOT_ALLOWED = _("Your role does not allow this.")
NOT_YOUR_CONTRACT = _("Only the staff of the contract's language provider can deliver attendance for it.")
# At most this many row errors per response; the rest by ``foutenPagina`` or as CSV.
ERRORS_PER_PAGE = 1000
UPLOAD_API_NAMES = {"bestand": "bestand", "contract": "contract", "__all__": "nonFieldErrors"}
PUSH_API_NAMES = {"registraties": "registraties", "contract": "contract", "__all__": "nonFieldErrors"}


UploadStatusField = named_enum_field("UploadstatusEnum", UploadStatus)
UploadSourceField = named_enum_field("UploadbronEnum", UploadSource)
DaypartField = named_enum_field("DagdeelEnum", Daypart)
LessonStatusField = named_enum_field("LesstatusEnum", LessonStatus)
ReasonField = named_enum_field("GemeldeRedenEnum", ReportedReason, blank=True)


# --- Representation ----------------------------------------------------------------------------------


class CountsSerializer(serializers.Serializer):
    rijen = serializers.IntegerField(source="rows_total", read_only=True, help_text=_("Data rows in the file."))
    nieuw = serializers.IntegerField(
        source="rows_new", read_only=True, help_text=_("Lessons stored for the first time.")
    )
    gewijzigd = serializers.IntegerField(source="rows_changed", read_only=True, help_text=_("Lessons changed."))
    ongewijzigd = serializers.IntegerField(
        source="rows_unchanged", read_only=True, help_text=_("Lessons already stored with these values.")
    )
    afgekeurd = serializers.IntegerField(
        source="rows_rejected", read_only=True, help_text=_("Rows rejected; see fouten.")
    )


@extend_schema_serializer(component_name="Uploadfout")
class UploadErrorSerializer(serializers.Serializer):
    regel = serializers.IntegerField(source="line", help_text=_("Line in the file (the header is line 1)."))
    kolom = serializers.CharField(source="column")
    waarde = serializers.CharField(source="value")
    melding = serializers.CharField(source="message")


@extend_schema_serializer(component_name="Aanwezigheidsupload")
class UploadSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    contract = serializers.IntegerField(source="contract_id", read_only=True)
    taalaanbieder = serializers.CharField(
        source="provider.kvk_number", read_only=True, help_text=_("KvK number of the language provider.")
    )
    bron = UploadSourceField(source="source", read_only=True)
    bestandsnaam = serializers.CharField(source="original_name", read_only=True)
    formaat = serializers.CharField(source="format", read_only=True, help_text=_("csv, xlsx or json."))
    status = UploadStatusField(read_only=True)
    voortgang = serializers.IntegerField(source="progress", read_only=True, help_text=_("Percentage 0–100."))
    aantallen = CountsSerializer(source="*", read_only=True)
    melding = serializers.CharField(
        source="message", read_only=True, help_text=_("Why the file was rejected, or a note on the result.")
    )
    duplicaatVan = serializers.IntegerField(
        source="duplicate_of_id",
        read_only=True,
        allow_null=True,
        help_text=_("An earlier upload of exactly the same file to this contract."),
    )
    ontvangenOp = serializers.DateTimeField(source="uploaded_at", read_only=True)
    verwerktOp = serializers.DateTimeField(source="finished_at", read_only=True, allow_null=True)
    foutenTotaal = serializers.IntegerField(source="errors_total", read_only=True)
    foutenCsv = serializers.SerializerMethodField(help_text=_("The row errors as CSV (signed-in browser session)."))

    @extend_schema_field(OpenApiTypes.URI)
    def get_foutenCsv(self, upload) -> str:  # noqa: N802 (the API name)
        path = reverse("attendance_upload_errors_csv", kwargs={"pk": upload.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


@extend_schema_serializer(component_name="AanwezigheidsuploadDetail")
class UploadDetailSerializer(UploadSerializer):
    fouten = serializers.SerializerMethodField(
        help_text=format_lazy(
            _("Row errors in line order, at most {} per response; page on with foutenPagina."), ERRORS_PER_PAGE
        )
    )

    @extend_schema_field(UploadErrorSerializer(many=True))
    def get_fouten(self, upload) -> list[dict]:
        errors = getattr(upload, "errors_page", None)
        if errors is None:
            errors = list(selectors.upload_errors(upload)[:ERRORS_PER_PAGE])
        return UploadErrorSerializer(errors, many=True).data


# --- Input -------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="AanwezigheidsuploadAanmaken")
class UploadCreateSerializer(serializers.Serializer):
    bestand = serializers.FileField(help_text=_("The file: CSV (; , or tab) or XLSX, with a header row."))
    contract = serializers.IntegerField(help_text=_("Id of the contract the lessons fall under."))


@extend_schema_serializer(component_name="Aanwezigheidsregistratie")
class RecordSchemaSerializer(serializers.Serializer):
    # Documentation of one record. The rows are validated by the service, per row, so valid rows
    # are stored and every invalid one is reported in fouten (regel = position, from 1).
    deelnemernummer = serializers.CharField(help_text=_("The learner number."))
    datum = serializers.DateField(help_text=_("Lesson date, ISO 8601 (JJJJ-MM-DD) or DD-MM-JJJJ."))
    dagdeel = DaypartField()
    geplandeMinuten = serializers.IntegerField(min_value=0)
    aanwezigeMinuten = serializers.IntegerField(min_value=0)
    status = LessonStatusField()
    reden = ReasonField(required=False)
    huiswerkklas = serializers.BooleanField(required=False, help_text=_("A make-up (homework class) lesson."))
    opmerking = serializers.CharField(required=False, allow_blank=True, max_length=500)


@extend_schema_serializer(component_name="AanwezigheidsregistratiesLevering")
class PushSchemaSerializer(serializers.Serializer):
    contract = serializers.IntegerField()
    registraties = RecordSchemaSerializer(many=True)


class PushSerializer(serializers.Serializer):
    contract = serializers.IntegerField()
    registraties = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, max_length=rules.MAX_JSON_RECORDS
    )


# --- Views -------------------------------------------------------------------------------------------


class _Access:
    def require_role(self, *roles: str) -> None:
        if not self.request.tenancy.has_role(*roles):
            raise PermissionDenied(NOT_ALLOWED)

    def require_role_in(self, tenant_id: int, *roles: str) -> None:
        if not self.request.tenancy.has_role_in(tenant_id, *roles):
            raise PermissionDenied(NOT_ALLOWED)

    def contract_for_delivery(self, contract_id: int) -> Contract:
        """404 when the contract is outside the caller's scope; 403 unless the caller works for its provider."""
        contract = get_object_or_404(Contract.objects.select_related("provider"), pk=contract_id)
        tenancy = self.request.tenancy
        if not (
            tenancy.has_role_in(contract.tenant_id, Role.PROVIDER_STAFF)
            and contract.provider_id in tenancy.provider_ids
        ):
            raise PermissionDenied(NOT_YOUR_CONTRACT)
        return contract

    def detail_response(self, upload: AttendanceUpload, *, status: int, page: int = 1) -> Response:
        errors = selectors.upload_errors(upload)
        upload.errors_total = errors.count()
        start = (page - 1) * ERRORS_PER_PAGE
        upload.errors_page = list(errors[start : start + ERRORS_PER_PAGE])
        return Response(UploadDetailSerializer(upload, context={"request": self.request}).data, status=status)


def _upload_tenants(tenancy) -> list[int]:
    return [tenant_id for tenant_id, held in tenancy.roles_by_tenant.items() if held & set(selectors.UPLOAD_READERS)]


def _positive_int(raw: str | None, name: str) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: [_("Give a whole number of 1 or more.")]})
    return int(raw)


FILTER_CONTRACT = OpenApiParameter("contract", int, description=_("Id of a contract."))
FILTER_STATUS = OpenApiParameter("status", str, enum=UploadStatus.values, description=_("Upload status."))
ERRORS_PAGE = OpenApiParameter(
    "foutenPagina",
    int,
    description=format_lazy(_("Which {} row errors to return (1 = the first)."), ERRORS_PER_PAGE),
)


@extend_schema_view(
    get=extend_schema(
        operation_id="aanwezigheidsuploads_list",
        description=_(
            "Attendance uploads, newest first: your provider's own, or (region roles) those of your regions. "
            "Filters: `contract` (id), `status`. The row errors are in the detail."
        ),
        parameters=[FILTER_CONTRACT, FILTER_STATUS],
    ),
    post=extend_schema(
        operation_id="aanwezigheidsuploads_create",
        description=_(
            "Upload a file of lessons (multipart: `bestand` and `contract`). Answers 202: the file is "
            "processed in the background; follow `status` and `voortgang` on the upload."
        ),
        request={"multipart/form-data": UploadCreateSerializer},
        responses={202: UploadDetailSerializer},
    ),
)
class UploadList(_Access, generics.ListCreateAPIView):
    serializer_class = UploadSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        self.require_role(*selectors.UPLOAD_READERS)
        params = self.request.query_params
        uploads = selectors.upload_list_with_error_counts().filter(tenant_id__in=_upload_tenants(self.request.tenancy))
        contract_id = _positive_int(params.get("contract"), "contract")
        if contract_id:
            uploads = uploads.filter(contract_id=contract_id)
        status = params.get("status")
        if status:
            if status not in UploadStatus.values:
                raise ValidationError(
                    {"status": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(UploadStatus.values)}]}
                )
            uploads = uploads.filter(status=status)
        return uploads

    def create(self, request, *args, **kwargs):
        serializer = UploadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = self.contract_for_delivery(serializer.validated_data["contract"])
        try:
            upload = services.upload_receive(
                user=request.user,
                provider=contract.provider,
                contract=contract,
                uploaded_file=serializer.validated_data["bestand"],
            )
        except DjangoValidationError as error:
            raise ValidationError(api_errors(error, UPLOAD_API_NAMES)) from error
        upload = selectors.upload_detail_queryset().get(pk=upload.pk)
        response = self.detail_response(upload, status=202)
        response["Location"] = request.build_absolute_uri(
            reverse("api_attendance_upload_detail", kwargs={"pk": upload.pk})
        )
        return response


@extend_schema_view(
    get=extend_schema(
        operation_id="aanwezigheidsuploads_retrieve",
        description=format_lazy(
            _(
                "One upload: `status`, `voortgang`, `aantallen` and the row errors (`fouten`, at most {} "
                "per response, `foutenTotaal` in all; `foutenPagina` pages on, `foutenCsv` has them all)."
            ),
            ERRORS_PER_PAGE,
        ),
        parameters=[ERRORS_PAGE],
        responses=UploadDetailSerializer,
    )
)
class UploadDetail(_Access, generics.RetrieveAPIView):
    serializer_class = UploadDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        upload = get_object_or_404(selectors.upload_detail_queryset(), pk=self.kwargs["pk"])
        self.require_role_in(upload.tenant_id, *selectors.UPLOAD_READERS)
        page = _positive_int(request.query_params.get("foutenPagina"), "foutenPagina") or 1
        return self.detail_response(upload, status=200, page=page)


class RecordPush(_Access, APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="aanwezigheidsregistraties_create",
        description=format_lazy(
            _(
                "Deliver up to {} lessons as JSON, for systems that push directly. The same validation "
                "and idempotency as a file: valid records are stored, invalid ones are reported in "
                "`fouten` (`regel` = the record's position, from 1); the same records again change nothing."
            ),
            rules.MAX_JSON_RECORDS,
        ),
        request=PushSchemaSerializer,
        responses={200: UploadDetailSerializer},
    )
    def post(self, request):
        serializer = PushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = self.contract_for_delivery(serializer.validated_data["contract"])
        try:
            upload = services.records_push(
                user=request.user,
                provider=contract.provider,
                contract=contract,
                records=serializer.validated_data["registraties"],
            )
        except DjangoValidationError as error:
            raise ValidationError(api_errors(error, PUSH_API_NAMES)) from error
        upload = selectors.upload_detail_queryset().get(pk=upload.pk)
        return self.detail_response(upload, status=200)
