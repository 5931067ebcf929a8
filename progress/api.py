"""API: /api/v1/evaluatiemomenten, /api/v1/niveauwijzigingsverzoeken and /api/v1/verlengingen.

Thin: DRF type-checks the input, ``progress.services`` validates and writes, and every invalid field
is reported at once under its Dutch camelCase API name. Lookups go through the scoped managers, so
provider staff reach only their contracts' items and case managers only their municipality's
(404 outside the scope, exactly like a missing object); a visible item the role may not act on
answers 403. The learner appears by learner number only (``deelnemernummer``), never by BSN.

Who does what (guide 1.2): the provider assesses a checkpoint and asks for a level change; the
learner's municipality (its case manager) reviews the checkpoint, decides on the request and grants
extra hours beyond the contract's maximum (guide 3.2).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from contracts.models import HoursBasis, Route
from inburgering.api.fields import ScopedPrimaryKeyRelatedField, named_enum_field
from inburgering.api.plumbing import FILTER_CONTRACT, FILTER_TRAJECT, RolesMixin, choice, object_id, query_filters
from inburgering.api.writes import validated_write
from inburgering.tenancy.models import Role
from learning_routes.models import Level, Skill, Trajectory
from progress import selectors, services
from progress.models import (
    Advice,
    ChangeKind,
    Checkpoint,
    CheckpointStatus,
    Decision,
    HoursExtension,
    LevelChangeRequest,
    RequestStatus,
)
from progress.permissions import CHECKPOINT_READERS, LEVEL_CHANGE_DECIDERS

NOT_YOUR_PROVIDER = _("Only the staff of the contract's language provider can do this.")

# Model (or service) error keys → API names, for invalidParams.
CHECKPOINT_SUBMIT_API_NAMES = {
    "assessments": "vaardigheden",
    "advice": "advies",
    "advice_remark": "toelichting",
    "__all__": "nonFieldErrors",
}
CHECKPOINT_REVIEW_API_NAMES = {"remark": "opmerking", "review_remark": "opmerking", "__all__": "nonFieldErrors"}
LEVEL_CHANGE_API_NAMES = {
    "trajectory": "traject",
    "kind": "soort",
    "skill_changes": "vaardigheden",
    "new_route": "nieuweRoute",
    "motivation": "motivering",
    "evidence": "onderbouwing",
    "checkpoint": "evaluatiemoment",
    "__all__": "nonFieldErrors",
}
DECISION_API_NAMES = {"decision": "besluit", "decision_reason": "toelichting", "__all__": "nonFieldErrors"}
EXTENSION_API_NAMES = {
    "trajectory": "traject",
    "extra_hours": "extraUren",
    "reason": "reden",
    "municipality_share_percentage": "gemeentelijkAandeelPercentage",
    "__all__": "nonFieldErrors",
}


# --- Choice fields -----------------------------------------------------------------------------------


CheckpointStatusField = named_enum_field("EvaluatiemomentstatusEnum", CheckpointStatus)
HoursBasisField = named_enum_field("UrenbasisEnum", HoursBasis)
AdviceField = named_enum_field("AdviesEnum", Advice, blank=True)
SkillField = named_enum_field("VaardigheidEnum", Skill)
LevelField = named_enum_field("TaalniveauEnum", Level)
ChangeKindField = named_enum_field("NiveauwijzigingssoortEnum", ChangeKind)
RequestStatusField = named_enum_field("NiveauwijzigingsstatusEnum", RequestStatus)
DecisionField = named_enum_field("BesluitEnum", Decision)
NewRouteField = named_enum_field("NieuweLeerrouteEnum", Route, blank=True)


FILTER_CHECKPOINT_STATUS = OpenApiParameter(
    "status", str, enum=CheckpointStatus.values, description=_("Status of the checkpoint.")
)
FILTER_REQUEST_STATUS = OpenApiParameter(
    "status", str, enum=RequestStatus.values, description=_("Status of the request.")
)
FILTER_KIND = OpenApiParameter("soort", str, enum=ChangeKind.values, description=_("Kind of level change."))


class _ProgressAccess(RolesMixin):
    def require_provider_staff_of(self, trajectory: Trajectory) -> None:
        """403 unless the caller is staff of the trajectory's language provider in its region."""
        tenancy = self.request.tenancy
        if not (
            tenancy.has_role_in(trajectory.tenant_id, Role.PROVIDER_STAFF)
            and trajectory.contract.provider_id in tenancy.provider_ids
        ):
            raise PermissionDenied(NOT_YOUR_PROVIDER)

    def visible(self, queryset: QuerySet, pk: int):
        """The object in the caller's scope (404 otherwise), readable by the caller's role (403 otherwise)."""
        obj = get_object_or_404(queryset, pk=pk)
        self.require_role_in(obj.tenant_id, *CHECKPOINT_READERS)
        return obj


# --- Checkpoints -------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Vaardigheidsbeoordeling")
class AssessmentSerializer(serializers.Serializer):
    vaardigheid = SkillField(source="skill")
    huidigNiveau = LevelField(source="current_level")
    opKoers = serializers.BooleanField(source="on_track", help_text=_("Whether the skill is on track."))
    opmerking = serializers.CharField(source="remark", max_length=1000, required=False, allow_blank=True)


@extend_schema_serializer(component_name="Evaluatiemoment")
class CheckpointSerializer(serializers.Serializer):
    # The same for every reader: learner number, levels and advice (DOMAIN.md "Visibility").

    id = serializers.IntegerField(read_only=True)
    traject = serializers.IntegerField(source="trajectory_id", read_only=True, help_text=_("Id of the trajectory."))
    deelnemernummer = serializers.CharField(
        source="learner.learner_number", read_only=True, help_text=_("The learner number (never the BSN).")
    )
    drempelUren = serializers.IntegerField(
        source="threshold_hours", read_only=True, help_text=_("The threshold of lesson hours, e.g. 300 or 600.")
    )
    urenBasis = HoursBasisField(source="hours_basis", read_only=True, help_text=_("Which hours the threshold counts."))
    bereiktOp = serializers.DateField(
        source="reached_on", read_only=True, allow_null=True, help_text=_("Lesson date the threshold was reached.")
    )
    bekendOp = serializers.DateField(
        source="known_on", read_only=True, help_text=_("Day the crossing became known; the deadline counts from it.")
    )
    uiterlijk = serializers.DateField(
        source="due_date", read_only=True, help_text=_("The provider's assessment is due by this date.")
    )
    status = CheckpointStatusField(read_only=True)
    advies = AdviceField(source="advice", read_only=True)
    toelichting = serializers.CharField(source="advice_remark", read_only=True)
    vaardigheden = AssessmentSerializer(source="assessments", many=True, read_only=True)
    ingediendOp = serializers.DateTimeField(source="submitted_at", read_only=True, allow_null=True)
    beoordeeldOp = serializers.DateTimeField(source="reviewed_at", read_only=True, allow_null=True)
    opmerkingBeoordeling = serializers.CharField(
        source="review_remark", read_only=True, help_text=_("The case manager's remark on the review.")
    )


@extend_schema_serializer(component_name="EvaluatiemomentIndienen")
class CheckpointSubmitSerializer(serializers.Serializer):
    vaardigheden = AssessmentSerializer(
        source="assessments", many=True, help_text=_("One assessment for each of the four skills.")
    )
    advies = AdviceField(source="advice", help_text=_("doorgaan, afschalen, opschalen or routewissel."))
    toelichting = serializers.CharField(
        source="advice_remark",
        required=False,
        allow_blank=True,
        help_text=_("Required with the advice to downscale, upscale or switch route."),
    )


@extend_schema_serializer(component_name="EvaluatiemomentBeoordelen")
class CheckpointReviewSerializer(serializers.Serializer):
    opmerking = serializers.CharField(source="remark", required=False, allow_blank=True)


def _checkpoints() -> QuerySet[Checkpoint]:
    return selectors.checkpoint_list().prefetch_related("assessments")


@extend_schema_view(
    get=extend_schema(
        operation_id="evaluatiemomenten_list",
        description=_(
            "Checkpoints (300 and 600 hours, or the contract's own thresholds), the most urgent first. "
            "Filters: `status`, `contract` (id), `traject` (id)."
        ),
        parameters=[FILTER_CHECKPOINT_STATUS, FILTER_CONTRACT, FILTER_TRAJECT],
    )
)
class CheckpointList(_ProgressAccess, generics.ListAPIView):
    serializer_class = CheckpointSerializer

    def get_queryset(self):
        self.require_role(*CHECKPOINT_READERS)
        filters = query_filters(
            self.request.query_params,
            {"status": choice(CheckpointStatus), "contract": object_id, "traject": object_id},
        )
        checkpoints = selectors.checkpoint_list(
            statuses=[filters["status"]] if "status" in filters else None, contract_id=filters.get("contract")
        ).prefetch_related("assessments")
        if "traject" in filters:
            checkpoints = checkpoints.filter(trajectory_id=filters["traject"])
        return self.only_tenants_with(checkpoints, *CHECKPOINT_READERS)


@extend_schema_view(get=extend_schema(operation_id="evaluatiemomenten_retrieve", description=_("One checkpoint.")))
class CheckpointDetail(_ProgressAccess, generics.RetrieveAPIView):
    serializer_class = CheckpointSerializer

    def get_object(self):
        return self.visible(_checkpoints(), self.kwargs["pk"])


class CheckpointSubmit(_ProgressAccess, generics.GenericAPIView):
    serializer_class = CheckpointSubmitSerializer

    @extend_schema(
        operation_id="evaluatiemomenten_indienen",
        description=_(
            "The language provider's assessment: the current level of each of the four skills, whether "
            "it is on track, and an advice. Only the staff of the contract's provider."
        ),
        request=CheckpointSubmitSerializer,
        responses={200: CheckpointSerializer},
    )
    def post(self, request, pk: int):
        checkpoint = self.visible(_checkpoints(), pk)
        self.require_provider_staff_of(checkpoint.trajectory)

        def submit(validated):
            return services.checkpoint_submit(
                actor=request.user,
                checkpoint=checkpoint,
                assessments=validated.get("assessments", []),
                advice=validated.get("advice", ""),
                advice_remark=validated.get("advice_remark", ""),
            )

        validated_write(self._input_serializer, request.data, submit, CHECKPOINT_SUBMIT_API_NAMES)
        checkpoint = _checkpoints().get(pk=checkpoint.pk)
        return Response(CheckpointSerializer(checkpoint, context=self.get_serializer_context()).data)


class CheckpointReview(_ProgressAccess, generics.GenericAPIView):
    serializer_class = CheckpointReviewSerializer

    @extend_schema(
        operation_id="evaluatiemomenten_beoordelen",
        description=_("The case manager marks a submitted checkpoint as reviewed, with an optional remark."),
        request=CheckpointReviewSerializer,
        responses={200: CheckpointSerializer},
    )
    def post(self, request, pk: int):
        checkpoint = self.visible(_checkpoints(), pk)
        self.require_role_in(checkpoint.tenant_id, *LEVEL_CHANGE_DECIDERS)

        def review(validated):
            return services.checkpoint_review(
                actor=request.user, checkpoint=checkpoint, remark=validated.get("remark", "")
            )

        validated_write(self._input_serializer, request.data, review, CHECKPOINT_REVIEW_API_NAMES)
        checkpoint = _checkpoints().get(pk=checkpoint.pk)
        return Response(CheckpointSerializer(checkpoint, context=self.get_serializer_context()).data)


# --- Level-change requests ---------------------------------------------------------------------------


@extend_schema_serializer(component_name="Niveauwijziging")
class SkillChangeSerializer(serializers.Serializer):
    vaardigheid = SkillField(source="skill")
    van = LevelField(source="from", help_text=_("The current target level."))
    naar = LevelField(source="to", help_text=_("The new target level."))


@extend_schema_serializer(component_name="Niveauwijzigingsverzoek")
class LevelChangeRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    traject = ScopedPrimaryKeyRelatedField(
        scoped_model=Trajectory, source="trajectory", help_text=_("Id of the trajectory.")
    )
    deelnemernummer = serializers.CharField(
        source="trajectory.learner.learner_number", read_only=True, help_text=_("The learner number (never the BSN).")
    )
    evaluatiemoment = ScopedPrimaryKeyRelatedField(
        scoped_model=Checkpoint,
        source="checkpoint",
        required=False,
        allow_null=True,
        help_text=_("Id of the checkpoint that led to the request (optional)."),
    )
    soort = ChangeKindField(source="kind")
    vaardigheden = SkillChangeSerializer(
        source="skill_changes",
        many=True,
        required=False,
        help_text=_("The skills to change with their current and new level; empty for a route switch."),
    )
    nieuweRoute = NewRouteField(source="new_route", required=False, help_text=_("Only for a route switch."))
    motivering = serializers.CharField(source="motivation", allow_blank=True)
    onderbouwing = serializers.CharField(
        source="evidence",
        required=False,
        allow_blank=True,
        help_text=_("Evidence, for example an independent test result."),
    )
    gevolgdeUrenBijAanvraag = serializers.DecimalField(
        source="attended_hours",
        max_digits=7,
        decimal_places=2,
        read_only=True,
        help_text=_("The learner's attended hours when the request was made."),
    )
    status = RequestStatusField(read_only=True)
    aangevraagdOp = serializers.DateTimeField(source="requested_at", read_only=True)
    uiterlijkBesluit = serializers.DateField(
        source="due_date", read_only=True, help_text=_("The municipality's decision is due by this date.")
    )
    beslistOp = serializers.DateTimeField(source="decided_at", read_only=True, allow_null=True)
    toelichting = serializers.CharField(
        source="decision_reason", read_only=True, help_text=_("The explanation of the decision.")
    )
    doorlooptijdWerkdagen = serializers.IntegerField(
        source="turnaround_working_days",
        read_only=True,
        allow_null=True,
        help_text=_("Working days from the request to the decision."),
    )
    binnenTermijn = serializers.BooleanField(
        source="decided_within_deadline",
        read_only=True,
        allow_null=True,
        help_text=_("Whether the decision was taken by the due date; empty while open."),
    )
    nieuwTraject = serializers.IntegerField(
        source="new_trajectory_id",
        read_only=True,
        allow_null=True,
        help_text=_("After a granted route switch: the id of the new trajectory."),
    )


@extend_schema_serializer(component_name="NiveauwijzigingsverzoekBeslissing")
class DecisionSerializer(serializers.Serializer):
    besluit = DecisionField(source="decision")
    toelichting = serializers.CharField(
        source="reason", required=False, allow_blank=True, help_text=_("Required when refusing.")
    )


def _requests() -> QuerySet[LevelChangeRequest]:
    return selectors.level_change_list()


@extend_schema_view(
    get=extend_schema(
        operation_id="niveauwijzigingsverzoeken_list",
        description=_(
            "Requests to downscale, upscale or switch route, the earliest decision deadline first. "
            "Filters: `status`, `soort`, `contract` (id), `traject` (id)."
        ),
        parameters=[FILTER_REQUEST_STATUS, FILTER_KIND, FILTER_CONTRACT, FILTER_TRAJECT],
    ),
    post=extend_schema(
        operation_id="niveauwijzigingsverzoeken_create",
        description=_(
            "The language provider asks the municipality to downscale (per skill, after the contract's "
            "minimum of attended hours, at a provider with the Blik op Werk quality mark), to upscale "
            "(towards B2 only with a B2 clause) or to switch route. Only the staff of the contract's provider."
        ),
        responses={201: LevelChangeRequestSerializer},
    ),
)
class LevelChangeRequestList(_ProgressAccess, generics.ListCreateAPIView):
    serializer_class = LevelChangeRequestSerializer

    def get_queryset(self):
        self.require_role(*CHECKPOINT_READERS)
        filters = query_filters(
            self.request.query_params,
            {
                "status": choice(RequestStatus),
                "soort": choice(ChangeKind),
                "contract": object_id,
                "traject": object_id,
            },
        )
        requests = _requests()
        if "status" in filters:
            requests = requests.filter(status=filters["status"])
        if "soort" in filters:
            requests = requests.filter(kind=filters["soort"])
        if "contract" in filters:
            requests = requests.filter(trajectory__contract_id=filters["contract"])
        if "traject" in filters:
            requests = requests.filter(trajectory_id=filters["traject"])
        return self.only_tenants_with(requests, *CHECKPOINT_READERS)

    def create(self, request, *args, **kwargs):
        self.require_role(Role.PROVIDER_STAFF)

        def create_request(validated):
            trajectory = validated.get("trajectory")
            if trajectory is None:  # only while collecting the other errors: traject is invalid
                return None
            self.require_provider_staff_of(trajectory)
            return services.level_change_request_create(
                actor=request.user,
                trajectory=trajectory,
                kind=validated.get("kind", ""),
                motivation=validated.get("motivation", ""),
                skill_changes=validated.get("skill_changes", []),
                new_route=validated.get("new_route", ""),
                evidence=validated.get("evidence", ""),
                checkpoint=validated.get("checkpoint"),
            )

        created = validated_write(self._input_serializer, request.data, create_request, LEVEL_CHANGE_API_NAMES)
        created = _requests().get(pk=created.pk)
        return Response(self.get_serializer(created).data, status=201)


@extend_schema_view(
    get=extend_schema(operation_id="niveauwijzigingsverzoeken_retrieve", description=_("One level-change request."))
)
class LevelChangeRequestDetail(_ProgressAccess, generics.RetrieveAPIView):
    serializer_class = LevelChangeRequestSerializer

    def get_object(self):
        return self.visible(_requests(), self.kwargs["pk"])


class LevelChangeDecide(_ProgressAccess, generics.GenericAPIView):
    serializer_class = DecisionSerializer

    @extend_schema(
        operation_id="niveauwijzigingsverzoeken_beslissen",
        description=_(
            "The municipality's decision (case managers of the learner's municipality): `toegekend` or "
            "`afgewezen` (with a reason). A grant is checked again and applied to the trajectory; the "
            "turnaround in working days is recorded."
        ),
        request=DecisionSerializer,
        responses={200: LevelChangeRequestSerializer},
    )
    def post(self, request, pk: int):
        level_change = self.visible(_requests(), pk)
        self.require_role_in(level_change.tenant_id, *LEVEL_CHANGE_DECIDERS)

        def decide(validated):
            return services.level_change_decide(
                actor=request.user,
                request=level_change,
                decision=validated.get("decision", ""),
                reason=validated.get("reason", ""),
            )

        validated_write(self._input_serializer, request.data, decide, DECISION_API_NAMES)
        level_change = _requests().get(pk=level_change.pk)
        return Response(LevelChangeRequestSerializer(level_change, context=self.get_serializer_context()).data)


# --- Extensions --------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Verlenging")
class ExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    traject = ScopedPrimaryKeyRelatedField(
        scoped_model=Trajectory, source="trajectory", help_text=_("Id of the trajectory.")
    )
    deelnemernummer = serializers.CharField(
        source="trajectory.learner.learner_number", read_only=True, help_text=_("The learner number (never the BSN).")
    )
    extraUren = serializers.IntegerField(
        source="extra_hours", help_text=_("Extra lesson hours beyond the contract's maximum.")
    )
    reden = serializers.CharField(source="reason", allow_blank=True)
    gemeentelijkAandeelPercentage = serializers.DecimalField(
        source="municipality_share_percentage",
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("The municipality's share of the extra hours (%); by default the contract's."),
    )
    verleendOp = serializers.DateField(source="granted_on", read_only=True)


def _extensions() -> QuerySet[HoursExtension]:
    return HoursExtension.objects.select_related("trajectory__learner").order_by("-granted_on", "-pk")


@extend_schema_view(
    get=extend_schema(
        operation_id="verlengingen_list",
        description=_("Extra lesson hours granted beyond a contract's maximum, newest first. Filter: `traject` (id)."),
        parameters=[FILTER_TRAJECT],
    ),
    post=extend_schema(
        operation_id="verlengingen_create",
        description=_(
            "Grant extra lesson hours while there is progress (contracts that continue while there is "
            "progress, guide 3.2). Case managers of the learner's municipality only."
        ),
        responses={201: ExtensionSerializer},
    ),
)
class ExtensionList(_ProgressAccess, generics.ListCreateAPIView):
    serializer_class = ExtensionSerializer

    def get_queryset(self):
        self.require_role(*CHECKPOINT_READERS)
        filters = query_filters(self.request.query_params, {"traject": object_id})
        extensions = _extensions()
        if "traject" in filters:
            extensions = extensions.filter(trajectory_id=filters["traject"])
        return self.only_tenants_with(extensions, *CHECKPOINT_READERS)

    def create(self, request, *args, **kwargs):
        self.require_role(*LEVEL_CHANGE_DECIDERS)

        def grant(validated):
            trajectory = validated.get("trajectory")
            if trajectory is None:  # only while collecting the other errors: traject is invalid
                return None
            self.require_role_in(trajectory.tenant_id, *LEVEL_CHANGE_DECIDERS)
            return services.hours_extension_grant(
                actor=request.user,
                trajectory=trajectory,
                extra_hours=validated.get("extra_hours", 0),
                reason=validated.get("reason", ""),
                municipality_share_percentage=validated.get("municipality_share_percentage"),
            )

        extension = validated_write(self._input_serializer, request.data, grant, EXTENSION_API_NAMES)
        extension = _extensions().get(pk=extension.pk)
        return Response(self.get_serializer(extension).data, status=201)


@extend_schema_view(get=extend_schema(operation_id="verlengingen_retrieve", description=_("One extension of hours.")))
class ExtensionDetail(_ProgressAccess, generics.RetrieveAPIView):
    serializer_class = ExtensionSerializer

    def get_object(self):
        return self.visible(_extensions(), self.kwargs["pk"])
