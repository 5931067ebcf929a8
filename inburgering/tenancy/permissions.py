from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from inburgering.tenancy.models import Role


def role_required(*roles: str):
    """Logged in and holding one of ``roles`` in the active region; otherwise login or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.tenancy.has_role(*roles):
                raise PermissionDenied(_("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def require_role(request, *roles: str) -> None:
    """For views that first look an object up (404 when invisible), then check the role (403)."""
    if not request.tenancy.has_role(*roles):
        raise PermissionDenied(_("Your role does not give access to this page."))


tenant_admin_required = role_required(Role.TENANT_ADMIN)
