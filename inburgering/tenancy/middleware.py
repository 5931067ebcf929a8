"""Enter the tenant scope for the whole request, from the user's memberships."""

from __future__ import annotations

from inburgering.api.authentication import authenticate_api_token
from inburgering.audit import acting_as
from inburgering.tenancy.context import SESSION_ACTIVE_TENANT, TenancyContext, build_context
from inburgering.tenancy.scoping import scope, scopes_disabled


class TenantScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith("/api/")
        if is_api:
            token_user = authenticate_api_token(request)
            if token_user is not None:
                request.user = token_user
                request.api_token_user = token_user

        # Django admin is for platform operators (superusers) only: scoping is explicitly off there.
        if request.path.startswith("/admin/") and request.user.is_authenticated and request.user.is_superuser:
            with scopes_disabled(), acting_as(request.user):
                request.tenancy = TenancyContext(user=request.user)
                return self.get_response(request)

        if request.user.is_authenticated:
            context = build_context(
                request.user,
                active_tenant_id=None if is_api else request.session.get(SESSION_ACTIVE_TENANT),
                all_tenants=is_api,
            )
        else:
            context = TenancyContext(user=request.user)
        request.tenancy = context
        with scope(context.grants):
            return self.get_response(request)
