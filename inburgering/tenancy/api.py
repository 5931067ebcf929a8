"""API endpoints for regions, municipalities and providers (read-only, scoped)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from inburgering.api.exceptions import PROBLEM_CONTENT_TYPE, problem
from inburgering.tenancy import selectors
from inburgering.tenancy.models import Municipality, Provider, Tenant


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("username"))
    password = serializers.CharField(label=_("password"), trim_whitespace=False, style={"input_type": "password"})


class TokenView(APIView):
    """Exchange username and password for a token (`Authorization: Token …`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
        operation_id="auth_token_create",
        description=_("Exchange username and password for a token (`Authorization: Token …`)."),
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = authenticate(request._request, **serializer.validated_data)
        except PermissionDenied:
            user = None
        if getattr(request._request, "axes_locked_out", False):
            from inburgering.tenancy.views import lockout_response

            return lockout_response(request._request)
        if user is None:
            # Same answer whether or not the user exists.
            return Response(
                problem(400, gettext("Incorrect username or password.")),
                status=status.HTTP_400_BAD_REQUEST,
                content_type=PROBLEM_CONTENT_TYPE,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class RegionSerializer(serializers.ModelSerializer):
    naam = serializers.CharField(source="name")
    code = serializers.CharField(source="slug")

    class Meta:
        model = Tenant
        fields = ["id", "naam", "code"]


class MunicipalitySerializer(serializers.ModelSerializer):
    naam = serializers.CharField(source="name")
    cbsCode = serializers.CharField(source="cbs_code")
    regio = serializers.CharField(source="tenant.slug")

    class Meta:
        model = Municipality
        fields = ["id", "naam", "cbsCode", "regio"]


class ProviderSerializer(serializers.ModelSerializer):
    naam = serializers.CharField(source="name")
    kvkNummer = serializers.CharField(source="kvk_number")
    keurmerkBlikOpWerk = serializers.BooleanField(source="has_quality_mark")

    class Meta:
        model = Provider
        fields = ["id", "naam", "kvkNummer", "keurmerkBlikOpWerk"]


@extend_schema_view(get=extend_schema(description=_("The regions you work in.")))
class RegionList(generics.ListAPIView):
    """The regions the caller works in."""

    serializer_class = RegionSerializer

    def get_queryset(self):
        return selectors.tenants_in_scope().order_by("name")


class RegionDetail(generics.RetrieveAPIView):
    serializer_class = RegionSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "code"

    def get_queryset(self):
        return selectors.tenants_in_scope()


@extend_schema_view(
    get=extend_schema(
        description=_("The municipalities in your regions (a case manager sees only their own municipality).")
    )
)
class MunicipalityList(generics.ListAPIView):
    """The municipalities in the caller's regions (a case manager sees only their own)."""

    serializer_class = MunicipalitySerializer

    def get_queryset(self):
        queryset = selectors.municipalities_in_scope()
        region = self.request.query_params.get("regio")
        if region:
            queryset = queryset.filter(tenant__slug=region)
        return queryset


class MunicipalityDetail(generics.RetrieveAPIView):
    serializer_class = MunicipalitySerializer

    def get_queryset(self):
        return selectors.municipalities_in_scope()


@extend_schema_view(get=extend_schema(description=_("The language providers that work in your regions.")))
class ProviderList(generics.ListAPIView):
    """The language providers working in the caller's regions."""

    serializer_class = ProviderSerializer

    def get_queryset(self):
        return selectors.providers_in_scope()


class ProviderDetail(generics.RetrieveAPIView):
    serializer_class = ProviderSerializer

    def get_queryset(self):
        return selectors.providers_in_scope()
