from django.contrib import admin
from django.shortcuts import render
from django.urls import include, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inburgering.api.exceptions import problem_response


class OperatorsAdminSite(admin.AdminSite):
    """Django admin for platform operators (superusers) only; tenant users never use it."""

    site_header = gettext_lazy("Civic integration – platform administration")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


admin.site.__class__ = OperatorsAdminSite

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("inburgering.api.urls")),
    path("", include("inburgering.tenancy.urls")),
    path("", include("contracts.urls")),
    path("", include("learning_routes.urls")),
    path("", include("attendance.urls")),
    path("", include("progress.urls")),
    path("", include("enforcement.urls_triage")),
    path("", include("enforcement.urls_cases")),
    path("", include("enforcement.urls_policy")),
    path("", include("enforcement.urls_absences")),
    path("", include("notifications.urls")),
    path("", include("reports.urls")),
    path("", include("reports.urls_downloads")),
]


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return problem_response(404, _("This URL or this object does not exist."))
    return render(request, "404.html", status=404)


def handler500(request):
    if request.path.startswith("/api/"):
        return problem_response(500, _("Something went wrong on our side. The error has been logged."))
    return render(request, "500.html", status=500)


def handler403(request, exception=None):
    if request.path.startswith("/api/"):
        return problem_response(403, _("You do not have access to this function."))
    return render(request, "403.html", {"reason": str(exception) if exception else ""}, status=403)
