"""API: /api/v1/contracten and /api/v1/contractevaluaties (NL API Design Rules: Dutch camelCase)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from contracts import selectors, services
from contracts.models import (
    ActionItem,
    Contract,
    ContractEvaluation,
    ContractStatus,
    Route,
)
from contracts.permissions import CONTRACT_READERS, CONTRACT_WRITERS
from inburgering.api.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from inburgering.api.writes import api_errors, validated_write
from inburgering.tenancy.models import Municipality, Provider, Tenant

# API name → model field, for every agreement on a contract.
CONTRACT_API_FIELDS = {
    "referentie": "reference",
    "titel": "title",
    "startdatum": "start_date",
    "einddatum": "end_date",
    "status": "status",
    "leeftijdssegment": "age_segment",
    "b2Clausule": "b2_clause",
    "b2Voorwaarden": "b2_conditions",
    "dagles": "offers_daytime",
    "avondles": "offers_evening",
    "weekendles": "offers_weekend",
    "onlineles": "offers_online",
    "blended": "offers_blended",
    "dagdelenPerWeek": "dagdelen_per_week",
    "maxLesurenB1": "max_hours_b1",
    "maxLesurenZ": "max_hours_z",
    "maxLesurenOnderwijs": "max_hours_education",
    "waarschuwingPercentageMaxLesuren": "max_hours_warning_percentage",
    "volumeOnder27Min": "volume_under_27_min",
    "volumeOnder27Max": "volume_under_27_max",
    "volume27EnOuderMin": "volume_from_27_min",
    "volume27EnOuderMax": "volume_from_27_max",
    "evaluatiemomentenUren": "checkpoint_hours",
    "evaluatiemomentenTellen": "checkpoint_basis",
    "afschalenMinimumUren": "downscale_minimum_hours",
    "termijnBeoordelingWerkdagen": "assessment_deadline_working_days",
    "termijnBesluitWerkdagen": "decision_deadline_working_days",
    "doorgaanBijVoortgang": "continue_while_progress",
    "financieringsmodel": "financing_model",
    "vastBedragPerInburgeraar": "fixed_fee_per_learner",
    "uurtarief": "hourly_rate",
    "resultaatbeloning": "result_fee",
    "bonusA1A2": "bonus_a1_a2",
    "bonusA2B1": "bonus_a2_b1",
    "bonusB1B2": "bonus_b1_b2",
    "verzuimvergoedingPercentage": "absence_allowance_percentage",
    "verlengingAandeelGemeentePercentage": "extension_municipality_share_percentage",
    "kpiAanwezigheidPercentage": "kpi_attendance_percentage",
    "kpiB1AlleVaardighedenPercentage": "kpi_b1_all_skills_percentage",
    "kpiSlagingPercentage": "kpi_exam_pass_percentage",
    "kpiUitstroomPercentage": "kpi_outflow_percentage",
    "kpiEvaluatiemomentenOpTijdPercentage": "kpi_checkpoints_on_time_percentage",
    "kpiBesluitenOpTijdPercentage": "kpi_decisions_on_time_percentage",
    "kpiMargeOranjePunten": "kpi_amber_margin_points",
    "contactRegioNaam": "municipality_contact_name",
    "contactRegioEmail": "municipality_contact_email",
    "contactRegioTelefoon": "municipality_contact_phone",
    "contactAanbiederNaam": "provider_contact_name",
    "contactAanbiederEmail": "provider_contact_email",
    "contactAanbiederTelefoon": "provider_contact_phone",
}
# Model (or service) error keys → API names, for invalidParams.
API_NAME_FOR = {model: api for api, model in CONTRACT_API_FIELDS.items()} | {
    "provider": "taalaanbieder",
    "municipalities": "gemeenten",
    "route_b1": "routes",
    "route_z": "routes",
    "route_education": "routes",
    "reason": "wijzigingsreden",
    "tenant": "regio",
    "__all__": "nonFieldErrors",
}
ROUTE_FIELDS = {Route.B1: "route_b1", Route.Z: "route_z", Route.EDUCATION: "route_education"}


class _ContractModelFields(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = list(CONTRACT_API_FIELDS.values())


def _mapped_fields() -> dict[str, serializers.Field]:
    """DRF fields for the agreements under their API names. Type checks only: the agreements
    themselves are validated once, by contracts.services.contract_validate, so every invalid field
    is reported at once."""
    built = _ContractModelFields().get_fields()
    fields = {}
    for api_name, model_name in CONTRACT_API_FIELDS.items():
        field = built[model_name]
        kwargs = dict(field._kwargs)
        for derived_from_model_validators in ("validators", "min_value", "max_value"):
            kwargs.pop(derived_from_model_validators, None)
        if model_name != api_name:
            kwargs["source"] = model_name
        kwargs["required"] = False
        fields[api_name] = type(field)(**kwargs)
    fields["dagdelenPerWeek"] = serializers.ListField(
        child=serializers.IntegerField(), source="dagdelen_per_week", required=False
    )
    fields["evaluatiemomentenUren"] = serializers.ListField(
        child=serializers.IntegerField(), source="checkpoint_hours", required=False
    )
    return fields


class _ContractSerializerBase(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    regio = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Tenant.objects.all(),
        source="tenant",
        required=False,
        help_text=_("Code of the region; only needed when you work in several regions."),
    )
    taalaanbieder = serializers.SlugRelatedField(
        slug_field="kvk_number", queryset=Provider.objects.all(), source="provider"
    )
    gemeenten = ScopedSlugRelatedField(
        slug_field="cbs_code", many=True, scoped_model=Municipality, source="municipalities"
    )
    routes = serializers.ListField(child=serializers.ChoiceField(choices=Route.choices), required=False)
    wijzigingsreden = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("Required when changing a contract; kept in the change log."),
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["gemeenten"] = sorted(m.cbs_code for m in instance.municipalities.all())
        data["routes"] = instance.routes
        return data


# The agreements are added under their API names (DRF's metaclass collects them from the attrs).
ContractSerializer = type("ContractSerializer", (_ContractSerializerBase,), _mapped_fields())


def _contract_fields(validated: dict) -> dict:
    fields = {
        key: value
        for key, value in validated.items()
        if key not in {"tenant", "municipalities", "routes", "wijzigingsreden"}
    }
    if "routes" in validated:
        for route, model_field in ROUTE_FIELDS.items():
            fields[model_field] = route in validated["routes"]
    return fields


class ContractRolePermissionMixin:
    def check_contract_role(self, *, tenant_id: int, roles) -> None:
        if not self.request.tenancy.has_role_in(tenant_id, *roles):
            raise PermissionDenied(_("Your role does not allow this."))


class ContractList(ContractRolePermissionMixin, generics.ListCreateAPIView):
    """Contracten in uw regio's. Filters: `taalaanbieder` (KvK-nummer), `status`, `route`, `zoek`."""

    serializer_class = ContractSerializer

    def get_queryset(self):
        if not self.request.tenancy.has_role(*CONTRACT_READERS):
            raise PermissionDenied(_("Your role does not allow this."))
        params = self.request.query_params
        return selectors.contract_list(
            provider_kvk=params.get("taalaanbieder"),
            status=params.get("status"),
            route=params.get("route"),
            search=params.get("zoek"),
        )

    def create(self, request, *args, **kwargs):
        tenant = self._target_tenant(request.data.get("regio") if isinstance(request.data, dict) else None)
        self.check_contract_role(tenant_id=tenant.pk, roles=CONTRACT_WRITERS)

        def create_contract(validated):
            fields = _contract_fields(validated)
            fields.setdefault("status", ContractStatus.DRAFT)
            return services.contract_create(
                actor=request.user, tenant=tenant, municipalities=validated.get("municipalities", []), **fields
            )

        contract = validated_write(
            lambda data, partial: self.get_serializer(data=data, partial=partial),
            request.data,
            create_contract,
            API_NAME_FOR,
        )
        contract = selectors.contract_detail_queryset().get(pk=contract.pk)
        return Response(ContractSerializer(contract).data, status=201)

    def _target_tenant(self, slug) -> Tenant:
        tenancy = self.request.tenancy
        if slug:
            tenant = next((t for t in tenancy.available_tenants if t.slug == slug), None)
            if tenant is None:
                raise ValidationError({"regio": [_("Unknown region, or not one of yours.")]})
            return tenant
        return self._only_tenant()

    def _only_tenant(self) -> Tenant:
        tenants = [
            t
            for t in self.request.tenancy.available_tenants
            if self.request.tenancy.has_role_in(t.pk, *CONTRACT_WRITERS)
        ]
        if len(tenants) != 1:
            raise ValidationError({"regio": [_("Give the region (code) the contract belongs to.")]})
        return tenants[0]


class ContractDetail(ContractRolePermissionMixin, generics.RetrieveUpdateAPIView):
    """Eén contract. Wijzigen (PUT/PATCH) vraagt een `wijzigingsreden`; die komt in de wijzigingshistorie."""

    serializer_class = ContractSerializer

    def get_object(self):
        contract = get_object_or_404(selectors.contract_detail_queryset(), pk=self.kwargs["pk"])
        self.check_contract_role(tenant_id=contract.tenant_id, roles=CONTRACT_READERS)
        return contract

    def update(self, request, *args, **kwargs):
        contract = self.get_object()
        self.check_contract_role(tenant_id=contract.tenant_id, roles=CONTRACT_WRITERS)

        def update_contract(validated):
            if "tenant" in validated and validated["tenant"].pk != contract.tenant_id:
                raise DjangoValidationError({"tenant": [_("A contract cannot move to another region.")]})
            return services.contract_update(
                actor=request.user,
                contract=contract,
                reason=validated.get("wijzigingsreden", ""),
                municipalities=validated.get("municipalities"),
                **_contract_fields(validated),
            )

        validated_write(
            lambda data, partial: self.get_serializer(contract, data=data, partial=True),
            request.data,
            update_contract,
            API_NAME_FOR,
        )
        contract = selectors.contract_detail_queryset().get(pk=contract.pk)
        return Response(ContractSerializer(contract).data)


# --- Evaluations -----------------------------------------------------------------------------------


EVALUATION_API_NAMES = {
    "date": "datum",
    "attendees": "aanwezigen",
    "summary": "samenvatting",
    "agreements": "afspraken",
    "description": "actiepunten",
    "owner": "actiepunten",
    "due_date": "actiepunten",
    "__all__": "nonFieldErrors",
}


class ActionItemSerializer(serializers.ModelSerializer):
    omschrijving = serializers.CharField(source="description")
    eigenaar = serializers.CharField(source="owner")
    deadline = serializers.DateField(source="due_date")
    status = serializers.ChoiceField(choices=ActionItem._meta.get_field("status").choices, required=False)

    class Meta:
        model = ActionItem
        fields = ["id", "omschrijving", "eigenaar", "deadline", "status"]


class EvaluationSerializer(serializers.ModelSerializer):
    contract = ScopedPrimaryKeyRelatedField(scoped_model=Contract)
    datum = serializers.DateField(source="date")
    kwartaal = serializers.SerializerMethodField()
    aanwezigen = serializers.CharField(source="attendees")
    samenvatting = serializers.CharField(source="summary")
    afspraken = serializers.CharField(source="agreements", required=False, allow_blank=True)
    actiepunten = ActionItemSerializer(source="action_items", many=True, required=False)

    class Meta:
        model = ContractEvaluation
        fields = ["id", "contract", "datum", "kwartaal", "aanwezigen", "samenvatting", "afspraken", "actiepunten"]

    def get_kwartaal(self, evaluation) -> str:
        return evaluation.quarter_label


class EvaluationList(ContractRolePermissionMixin, generics.ListCreateAPIView):
    """Kwartaalgesprekken met hun actiepunten. Filter: `contract` (id)."""

    serializer_class = EvaluationSerializer

    def get_queryset(self):
        if not self.request.tenancy.has_role(*CONTRACT_READERS):
            raise PermissionDenied(_("Your role does not allow this."))
        evaluations = ContractEvaluation.objects.select_related("contract").prefetch_related("action_items")
        contract_id = self.request.query_params.get("contract")
        if contract_id:
            if not contract_id.isdigit():
                raise ValidationError({"contract": [_("Give the id of a contract.")]})
            evaluations = evaluations.filter(contract_id=contract_id)
        return evaluations.order_by("-date", "-pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data
        contract = validated["contract"]
        self.check_contract_role(tenant_id=contract.tenant_id, roles=CONTRACT_WRITERS)
        try:
            with transaction.atomic():
                evaluation = services.evaluation_create(
                    actor=request.user,
                    contract=contract,
                    date=validated["date"],
                    attendees=validated["attendees"],
                    summary=validated["summary"],
                    agreements=validated.get("agreements", ""),
                )
                for item in validated.get("action_items", []):
                    services.action_item_create(
                        actor=request.user,
                        evaluation=evaluation,
                        description=item["description"],
                        owner=item["owner"],
                        due_date=item["due_date"],
                    )
        except DjangoValidationError as error:
            raise ValidationError(api_errors(error, EVALUATION_API_NAMES)) from error
        evaluation = ContractEvaluation.objects.prefetch_related("action_items").get(pk=evaluation.pk)
        return Response(EvaluationSerializer(evaluation).data, status=201)


class EvaluationDetail(ContractRolePermissionMixin, generics.RetrieveAPIView):
    serializer_class = EvaluationSerializer

    def get_object(self):
        evaluation = get_object_or_404(
            ContractEvaluation.objects.select_related("contract").prefetch_related("action_items"), pk=self.kwargs["pk"]
        )
        self.check_contract_role(tenant_id=evaluation.tenant_id, roles=CONTRACT_READERS)
        return evaluation
