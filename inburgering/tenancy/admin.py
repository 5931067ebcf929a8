"""Django admin: platform operators (superusers) only, scoping explicitly disabled by the middleware."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Tenant, User


@admin.register(User)
class OperatorUserAdmin(UserAdmin, SimpleHistoryAdmin):
    pass


@admin.register(Tenant)
class TenantAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Municipality)
class MunicipalityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "cbs_code", "tenant"]
    list_filter = ["tenant"]


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kvk_number", "has_quality_mark"]


@admin.register(RegionProvider)
class RegionProviderAdmin(SimpleHistoryAdmin):
    list_display = ["provider", "tenant", "is_active"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "tenant", "municipality", "provider", "is_active"]
    list_filter = ["role", "tenant", "is_active"]
