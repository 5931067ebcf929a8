"""API: /api/v1/inburgeraars, /api/v1/trajecten and /api/v1/examenresultaten (NL API Design Rules).

Thin: DRF type-checks the input, the services in ``learning_routes.services`` validate and write, and
every invalid field is reported at once under its Dutch camelCase API name.

Two views of the same rows: region roles get the full representation; provider staff (no region
role in the row's region) get an explicit, short allow-list (DOMAIN.md "Visibility": learner
number, name, route, targets; never the BSN, date of birth or contact details). The provider view
is a separate serializer, so a field added to the full view never leaks to providers by accident.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.response import Response

from contracts.models import Contract, Route
from inburgering.api.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField, named_enum_field
from inburgering.api.plumbing import (
    FILTER_CONTRACT,
    FILTER_TRAJECT,
    RolesMixin,
    choice,
    object_id,
    query_filters,
    tenants_with_role,
    text,
)
from inburgering.api.writes import validated_write
from inburgering.tenancy.models import Membership, Municipality, Role, User
from learning_routes import selectors, services
from learning_routes.models import (
    DossierAction,
    EndReason,
    ExamComponent,
    ExamResult,
    Learner,
    Level,
    Trajectory,
    TrajectoryStatus,
)
from learning_routes.permissions import LEARNER_READERS, LEARNER_WRITERS, TRAJECTORY_READERS

# Provider staff read learners and trajectories through their provider view only.
LEARNER_API_READERS = (*LEARNER_READERS, Role.PROVIDER_STAFF)
# Roles that see the full representation of a trajectory (everyone but provider staff).
TRAJECTORY_REGION_READERS = tuple(role for role in TRAJECTORY_READERS if role != Role.PROVIDER_STAFF)


# Model (or service) error keys → API names, for invalidParams.
LEARNER_API_NAMES = {
    "municipality": "gemeente",
    "bsn": "bsn",
    "first_name": "voornaam",
    "last_name": "achternaam",
    "date_of_birth": "geboortedatum",
    "phone": "telefoon",
    "email": "email",
    "is_asylum_permit_holder": "statushouder",
    "pip_date": "pipDatum",
    "case_manager": "klantmanager",
    "__all__": "nonFieldErrors",
}
TRAJECTORY_API_NAMES = {
    "learner": "inburgeraar",
    "contract": "contract",
    "route": "leerroute",
    "status": "status",
    "start_date": "startdatum",
    "end_date": "einddatum",
    "end_reason": "eindreden",
    "dagdelen_per_week": "dagdelenPerWeek",
    "moment_daytime": "dagles",
    "moment_evening": "avondles",
    "moment_weekend": "weekendles",
    "moment_online": "onlineles",
    "moment_blended": "blended",
    "target_reading": "doelniveauLezen",
    "target_listening": "doelniveauLuisteren",
    "target_writing": "doelniveauSchrijven",
    "target_speaking": "doelniveauSpreken",
    "b2_track": "b2Traject",
    "intake_route": "adviesLeerroute",
    "intake_learnability": "adviesLeerbaarheid",
    "intake_date": "adviesDatum",
    "intake_advisor": "adviesGegevenDoor",
    "__all__": "nonFieldErrors",
}
EXAM_RESULT_API_NAMES = {
    "trajectory": "traject",
    "component": "onderdeel",
    "level": "niveau",
    "exam_date": "examendatum",
    "passed": "behaald",
    "__all__": "nonFieldErrors",
}


# --- Plumbing ----------------------------------------------------------------------------------------


FILTER_GEMEENTE = OpenApiParameter("gemeente", str, description=_("CBS code of the learner's municipality."))
FILTER_LEERROUTE = OpenApiParameter("leerroute", str, enum=Route.values, description=_("Route: b1, z or onderwijs."))
FILTER_STATUS = OpenApiParameter("status", str, enum=TrajectoryStatus.values, description=_("Trajectory status."))


# --- Choice fields -----------------------------------------------------------------------------------


RouteField = named_enum_field("LeerrouteEnum", Route)
IntakeRouteField = named_enum_field("AdviesLeerrouteEnum", Route, blank=True)
TrajectoryStatusField = named_enum_field("TrajectstatusEnum", TrajectoryStatus)
EndReasonField = named_enum_field("EindredenEnum", EndReason, blank=True)
TargetLevelField = named_enum_field("DoelniveauEnum", Level)
ExamLevelField = named_enum_field("NiveauEnum", Level, blank=True)
ExamComponentField = named_enum_field("OnderdeelEnum", ExamComponent)


# --- Related fields ----------------------------------------------------------------------------------


class CaseManagerField(serializers.SlugRelatedField):
    """A case manager by username, among the case managers of the regions the caller may write in."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=User.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        tenancy = getattr(request, "tenancy", None)
        if tenancy is None:
            return User.objects.none()
        case_managers = Membership.objects.filter(
            tenant_id__in=tenants_with_role(tenancy, LEARNER_WRITERS), role=Role.CASE_MANAGER, is_active=True
        )
        return User.objects.filter(is_active=True, pk__in=case_managers.values("user_id"))


# --- Learners ----------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="InburgeraarAanbiederweergave")
class ProviderLearnerSerializer(serializers.Serializer):
    # What provider staff see of a learner: the pseudonymous number and the name, nothing more.
    # (A comment, not a docstring: docstrings of serializers end up in the OpenAPI document.)

    id = serializers.IntegerField(read_only=True)
    deelnemernummer = serializers.CharField(source="learner_number", read_only=True)
    voornaam = serializers.CharField(source="first_name", read_only=True)
    achternaam = serializers.CharField(source="last_name", read_only=True)


@extend_schema_serializer(component_name="Inburgeraar")
class LearnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    deelnemernummer = serializers.CharField(
        source="learner_number",
        read_only=True,
        help_text=_("Pseudonymous learner number; language providers see this instead of the BSN."),
    )
    gemeente = ScopedSlugRelatedField(
        slug_field="cbs_code",
        scoped_model=Municipality,
        source="municipality",
        help_text=_("CBS code of the learner's municipality."),
    )
    bsn = serializers.CharField(
        write_only=True,
        required=False,
        max_length=20,
        help_text=_("Citizen service number (BSN); stored encrypted and never returned."),
    )
    bsnGemaskeerd = serializers.CharField(
        source="bsn_masked", read_only=True, help_text=_("The last four digits of the BSN, e.g. *****1234.")
    )
    voornaam = serializers.CharField(source="first_name", max_length=100)
    achternaam = serializers.CharField(source="last_name", max_length=150)
    geboortedatum = serializers.DateField(source="date_of_birth")
    telefoon = serializers.CharField(source="phone", max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    statushouder = serializers.BooleanField(source="is_asylum_permit_holder", required=False)
    pipDatum = serializers.DateField(source="pip_date", required=False, allow_null=True)
    inburgeringstermijnStart = serializers.DateField(source="integration_term_start", read_only=True)
    inburgeringstermijnEinde = serializers.DateField(source="integration_term_end", read_only=True)
    klantmanager = CaseManagerField(
        source="case_manager",
        required=False,
        allow_null=True,
        help_text=_("Username of the learner's case manager."),
    )

    def to_representation(self, instance):
        tenancy = self.context["request"].tenancy
        if not tenancy.has_role_in(instance.tenant_id, *LEARNER_READERS):
            return ProviderLearnerSerializer(instance, context=self.context).data
        return super().to_representation(instance)


@extend_schema_serializer(component_name="InburgeraarAanmaken")
class LearnerCreateSerializer(LearnerSerializer):
    bsn = serializers.CharField(
        write_only=True,
        max_length=20,
        help_text=_("Citizen service number (BSN); stored encrypted and never returned."),
    )


LEARNER_RESPONSE = PolymorphicProxySerializer(
    component_name="InburgeraarWeergave",
    serializers=[LearnerSerializer, ProviderLearnerSerializer],
    resource_type_field_name=None,
)
LEARNER_LIST_RESPONSE = PolymorphicProxySerializer(
    component_name="InburgeraarWeergave",
    serializers=[LearnerSerializer, ProviderLearnerSerializer],
    resource_type_field_name=None,
    many=True,
)
PROVIDER_VIEW_NOTE = _(
    "Language provider staff receive only the provider view: the learner number and the name "
    "(never the BSN, date of birth or contact details)."
)


def _learner_fields(validated: dict) -> dict:
    return {key: value for key, value in validated.items() if key != "bsn"}


@extend_schema_view(
    get=extend_schema(
        operation_id="inburgeraars_list",
        description=_(
            "Learners in your regions (a case manager sees only their own municipality). "
            "Filters: `gemeente` (CBS code), `contract` (id), `leerroute` (learners with an open "
            "trajectory on that route), `status` (trajectory status)."
        )
        + " "
        + PROVIDER_VIEW_NOTE,
        parameters=[FILTER_GEMEENTE, FILTER_CONTRACT, FILTER_LEERROUTE, FILTER_STATUS],
        responses=LEARNER_LIST_RESPONSE,
    ),
    post=extend_schema(
        operation_id="inburgeraars_create",
        description=_("Register a learner. The BSN must pass the eleven test and be new in the region."),
        request=LearnerCreateSerializer,
        responses={201: LearnerSerializer},
    ),
)
class LearnerList(RolesMixin, generics.ListCreateAPIView):
    serializer_class = LearnerSerializer

    def get_queryset(self):
        self.require_role(*LEARNER_API_READERS)
        filters = query_filters(
            self.request.query_params,
            {
                "gemeente": text,
                "contract": object_id,
                "leerroute": choice(Route),
                "status": choice(TrajectoryStatus),
            },
        )
        learners = selectors.learner_list(
            municipality_cbs=filters.get("gemeente"), route=filters.get("leerroute"), status=filters.get("status")
        ).select_related("case_manager")
        if "contract" in filters:
            learners = learners.filter(
                pk__in=Trajectory.objects.filter(contract_id=filters["contract"]).values("learner_id")
            )
        return self.only_tenants_with(learners, *LEARNER_API_READERS)

    def get_serializer_class(self):
        if self.request.method == "POST":
            return LearnerCreateSerializer
        return LearnerSerializer

    def create(self, request, *args, **kwargs):
        self.require_role(*LEARNER_WRITERS)

        def create_learner(validated):
            municipality = validated.get("municipality")
            if municipality is None:  # only while collecting the other errors: gemeente is invalid
                return None
            self.require_role_in(municipality.tenant_id, *LEARNER_WRITERS)
            return services.learner_create(
                actor=request.user,
                tenant=municipality.tenant,
                bsn=validated.get("bsn", ""),
                **_learner_fields(validated),
            )

        learner = validated_write(self._input_serializer, request.data, create_learner, LEARNER_API_NAMES)
        return Response(LearnerSerializer(learner, context=self.get_serializer_context()).data, status=201)


@extend_schema_view(
    get=extend_schema(
        operation_id="inburgeraars_retrieve",
        description=_("One learner; every request is recorded in the dossier access log.") + " " + PROVIDER_VIEW_NOTE,
        responses=LEARNER_RESPONSE,
    ),
    put=extend_schema(operation_id="inburgeraars_update", responses=LearnerSerializer),
    patch=extend_schema(operation_id="inburgeraars_partial_update", responses=LearnerSerializer),
)
class LearnerDetail(RolesMixin, generics.RetrieveUpdateAPIView):
    serializer_class = LearnerSerializer

    def get_object(self):
        learner = get_object_or_404(
            Learner.objects.select_related("municipality", "case_manager"), pk=self.kwargs["pk"]
        )
        self.require_role_in(learner.tenant_id, *LEARNER_API_READERS)
        return learner

    def retrieve(self, request, *args, **kwargs):
        learner = self.get_object()
        services.dossier_access_record(user=request.user, learner=learner, action=DossierAction.VIEWED, via="api")
        return Response(self.get_serializer(learner).data)

    def update(self, request, *args, **kwargs):
        learner = self.get_object()
        self.require_role_in(learner.tenant_id, *LEARNER_WRITERS)
        is_patch = kwargs.get("partial", False)  # PATCH: only the fields sent

        def update_learner(validated):
            return services.learner_update(
                actor=request.user, learner=learner, bsn=validated.get("bsn"), **_learner_fields(validated)
            )

        validated_write(
            lambda data, partial: self.get_serializer(learner, data=data, partial=partial or is_patch),
            request.data,
            update_learner,
            LEARNER_API_NAMES,
        )
        return Response(self.get_serializer(learner).data)


# --- Trajectories ------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="TrajectAanbiederweergave")
class ProviderTrajectorySerializer(serializers.Serializer):
    # What provider staff see of a trajectory on their contract (DOMAIN.md "Visibility").

    id = serializers.IntegerField(read_only=True)
    deelnemernummer = serializers.CharField(source="learner.learner_number", read_only=True)
    voornaam = serializers.CharField(source="learner.first_name", read_only=True)
    achternaam = serializers.CharField(source="learner.last_name", read_only=True)
    leerroute = RouteField(source="route", read_only=True)
    status = TrajectoryStatusField(read_only=True)
    startdatum = serializers.DateField(source="start_date", read_only=True)
    einddatum = serializers.DateField(source="end_date", read_only=True)
    doelniveauLezen = TargetLevelField(source="target_reading", read_only=True)
    doelniveauLuisteren = TargetLevelField(source="target_listening", read_only=True)
    doelniveauSchrijven = TargetLevelField(source="target_writing", read_only=True)
    doelniveauSpreken = TargetLevelField(source="target_speaking", read_only=True)
    dagdelenPerWeek = serializers.IntegerField(source="dagdelen_per_week", read_only=True)
    dagles = serializers.BooleanField(source="moment_daytime", read_only=True)
    avondles = serializers.BooleanField(source="moment_evening", read_only=True)
    weekendles = serializers.BooleanField(source="moment_weekend", read_only=True)
    onlineles = serializers.BooleanField(source="moment_online", read_only=True)
    blended = serializers.BooleanField(source="moment_blended", read_only=True)


@extend_schema_serializer(component_name="Traject")
class TrajectorySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    inburgeraar = ScopedPrimaryKeyRelatedField(
        scoped_model=Learner, source="learner", help_text=_("Id of the learner.")
    )
    deelnemernummer = serializers.CharField(source="learner.learner_number", read_only=True)
    # Case managers see the contracts covering their municipality (their scope), so this suffices.
    contract = ScopedPrimaryKeyRelatedField(
        scoped_model=Contract, help_text=_("Id of the contract the trajectory runs under.")
    )
    leerroute = RouteField(source="route")
    status = TrajectoryStatusField(required=False)
    startdatum = serializers.DateField(source="start_date")
    einddatum = serializers.DateField(source="end_date", required=False, allow_null=True)
    eindreden = EndReasonField(source="end_reason", required=False)
    dagdelenPerWeek = serializers.IntegerField(source="dagdelen_per_week")
    dagles = serializers.BooleanField(source="moment_daytime", required=False)
    avondles = serializers.BooleanField(source="moment_evening", required=False)
    weekendles = serializers.BooleanField(source="moment_weekend", required=False)
    onlineles = serializers.BooleanField(source="moment_online", required=False)
    blended = serializers.BooleanField(source="moment_blended", required=False)
    doelniveauLezen = TargetLevelField(source="target_reading", required=False)
    doelniveauLuisteren = TargetLevelField(source="target_listening", required=False)
    doelniveauSchrijven = TargetLevelField(source="target_writing", required=False)
    doelniveauSpreken = TargetLevelField(source="target_speaking", required=False)
    b2Traject = serializers.BooleanField(source="b2_track", required=False)
    adviesLeerroute = IntakeRouteField(source="intake_route", required=False)
    adviesLeerbaarheid = serializers.IntegerField(
        source="intake_learnability", required=False, allow_null=True, min_value=1, max_value=10
    )
    adviesDatum = serializers.DateField(source="intake_date", required=False, allow_null=True)
    adviesGegevenDoor = serializers.CharField(source="intake_advisor", max_length=200, required=False, allow_blank=True)

    def to_representation(self, instance):
        tenancy = self.context["request"].tenancy
        if not tenancy.has_role_in(instance.tenant_id, *TRAJECTORY_REGION_READERS):
            return ProviderTrajectorySerializer(instance, context=self.context).data
        return super().to_representation(instance)


TRAJECTORY_RESPONSE = PolymorphicProxySerializer(
    component_name="TrajectWeergave",
    serializers=[TrajectorySerializer, ProviderTrajectorySerializer],
    resource_type_field_name=None,
)
TRAJECTORY_LIST_RESPONSE = PolymorphicProxySerializer(
    component_name="TrajectWeergave",
    serializers=[TrajectorySerializer, ProviderTrajectorySerializer],
    resource_type_field_name=None,
    many=True,
)
TRAJECTORY_PROVIDER_NOTE = _(
    "Language provider staff receive only the provider view: learner number and name, route, "
    "status, dates, target levels, dayparts and lesson moments."
)


def _trajectory_fields(validated: dict) -> dict:
    return {key: value for key, value in validated.items() if key != "learner"}


def _contract_region_errors(contract: Contract | None, tenant_id: int) -> None:
    if contract is not None and contract.tenant_id != tenant_id:
        raise DjangoValidationError({"contract": [_("The contract belongs to another region than the learner.")]})


@extend_schema_view(
    get=extend_schema(
        operation_id="trajecten_list",
        description=_(
            "Trajectories in your regions. Filters: `gemeente` (CBS code), `contract` (id), `leerroute`, `status`."
        )
        + " "
        + TRAJECTORY_PROVIDER_NOTE,
        parameters=[FILTER_GEMEENTE, FILTER_CONTRACT, FILTER_LEERROUTE, FILTER_STATUS],
        responses=TRAJECTORY_LIST_RESPONSE,
    ),
    post=extend_schema(
        operation_id="trajecten_create",
        description=_(
            "Start a trajectory under a contract. The contract's conditions (route, dayparts, lesson "
            "moments, period, municipality, age segment) are checked; a learner has one open trajectory."
        ),
        responses={201: TrajectorySerializer},
    ),
)
class TrajectoryList(RolesMixin, generics.ListCreateAPIView):
    serializer_class = TrajectorySerializer

    def get_queryset(self):
        self.require_role(*TRAJECTORY_READERS)
        filters = query_filters(
            self.request.query_params,
            {
                "gemeente": text,
                "contract": object_id,
                "leerroute": choice(Route),
                "status": choice(TrajectoryStatus),
            },
        )
        trajectories = selectors.trajectory_list(
            contract_id=filters.get("contract"),
            route=filters.get("leerroute"),
            status=filters.get("status"),
            municipality_cbs=filters.get("gemeente"),
        )
        return self.only_tenants_with(trajectories, *TRAJECTORY_READERS)

    def create(self, request, *args, **kwargs):
        self.require_role(*LEARNER_WRITERS)

        def create_trajectory(validated):
            learner = validated.get("learner")
            if learner is None:  # only while collecting the other errors: inburgeraar is invalid
                return None
            self.require_role_in(learner.tenant_id, *LEARNER_WRITERS)
            _contract_region_errors(validated.get("contract"), learner.tenant_id)
            return services.trajectory_create(actor=request.user, learner=learner, **_trajectory_fields(validated))

        trajectory = validated_write(self._input_serializer, request.data, create_trajectory, TRAJECTORY_API_NAMES)
        return Response(self.get_serializer(trajectory).data, status=201)


@extend_schema_view(
    get=extend_schema(
        operation_id="trajecten_retrieve",
        description=_("One trajectory.") + " " + TRAJECTORY_PROVIDER_NOTE,
        responses=TRAJECTORY_RESPONSE,
    ),
    patch=extend_schema(
        operation_id="trajecten_partial_update",
        description=_(
            "Change a trajectory, e.g. end it (`status`, `einddatum`, `eindreden`). "
            "The contract's conditions are checked again."
        ),
        responses=TrajectorySerializer,
    ),
)
class TrajectoryDetail(RolesMixin, generics.RetrieveUpdateAPIView):
    serializer_class = TrajectorySerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        trajectory = get_object_or_404(
            Trajectory.objects.select_related("learner__municipality", "contract"), pk=self.kwargs["pk"]
        )
        self.require_role_in(trajectory.tenant_id, *TRAJECTORY_READERS)
        return trajectory

    def update(self, request, *args, **kwargs):
        trajectory = self.get_object()
        self.require_role_in(trajectory.tenant_id, *LEARNER_WRITERS)

        def update_trajectory(validated):
            if "learner" in validated and validated["learner"].pk != trajectory.learner_id:
                raise DjangoValidationError({"learner": [_("A trajectory cannot move to another learner.")]})
            _contract_region_errors(validated.get("contract"), trajectory.tenant_id)
            return services.trajectory_update(
                actor=request.user, trajectory=trajectory, **_trajectory_fields(validated)
            )

        validated_write(
            lambda data, partial: self.get_serializer(trajectory, data=data, partial=True),
            request.data,
            update_trajectory,
            TRAJECTORY_API_NAMES,
        )
        return Response(self.get_serializer(trajectory).data)


# --- Exam results ------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Examenresultaat")
class ExamResultSerializer(serializers.Serializer):
    # The same for every reader: nothing personal beyond the learner number; providers see the
    # results of their own trajectories (the scope).

    id = serializers.IntegerField(read_only=True)
    traject = ScopedPrimaryKeyRelatedField(
        scoped_model=Trajectory, source="trajectory", help_text=_("Id of the trajectory.")
    )
    deelnemernummer = serializers.CharField(source="trajectory.learner.learner_number", read_only=True)
    onderdeel = ExamComponentField(source="component")
    niveau = ExamLevelField(
        source="level",
        required=False,
        help_text=_("Required for a language exam; empty for KNM."),
    )
    examendatum = serializers.DateField(source="exam_date")
    behaald = serializers.BooleanField(source="passed")


def _exam_results() -> QuerySet[ExamResult]:
    return ExamResult.objects.select_related("trajectory__learner").order_by("-exam_date", "component", "pk")


@extend_schema_view(
    get=extend_schema(
        operation_id="examenresultaten_list",
        description=_("Exam results. Filters: `traject` (id), `gemeente` (CBS code)."),
        parameters=[FILTER_TRAJECT, FILTER_GEMEENTE],
    ),
    post=extend_schema(operation_id="examenresultaten_create", description=_("Record an exam result.")),
)
class ExamResultList(RolesMixin, generics.ListCreateAPIView):
    serializer_class = ExamResultSerializer

    def get_queryset(self):
        self.require_role(*TRAJECTORY_READERS)
        filters = query_filters(self.request.query_params, {"traject": object_id, "gemeente": text})
        results = _exam_results()
        if "traject" in filters:
            results = results.filter(trajectory_id=filters["traject"])
        if "gemeente" in filters:
            results = results.filter(trajectory__learner__municipality__cbs_code=filters["gemeente"])
        return self.only_tenants_with(results, *TRAJECTORY_READERS)

    def create(self, request, *args, **kwargs):
        self.require_role(*LEARNER_WRITERS)

        def create_result(validated):
            trajectory = validated.get("trajectory")
            if trajectory is None:  # only while collecting the other errors: traject is invalid
                return None
            self.require_role_in(trajectory.tenant_id, *LEARNER_WRITERS)
            fields = {key: value for key, value in validated.items() if key != "trajectory"}
            return services.exam_result_create(actor=request.user, trajectory=trajectory, **fields)

        result = validated_write(self._input_serializer, request.data, create_result, EXAM_RESULT_API_NAMES)
        result = _exam_results().get(pk=result.pk)
        return Response(self.get_serializer(result).data, status=201)


@extend_schema_view(get=extend_schema(operation_id="examenresultaten_retrieve", description=_("One exam result.")))
class ExamResultDetail(RolesMixin, generics.RetrieveAPIView):
    serializer_class = ExamResultSerializer

    def get_object(self):
        result = get_object_or_404(_exam_results(), pk=self.kwargs["pk"])
        self.require_role_in(result.tenant_id, *TRAJECTORY_READERS)
        return result
