"""Token authentication, done once in the tenancy middleware so the scope covers the request."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ScopedTokenAuthentication(TokenAuthentication):
    """Returns the user the middleware authenticated; the token is checked only once."""

    def authenticate(self, request):
        user = getattr(request._request, "api_token_user", None)
        if user is not None:
            return (user, None)
        # A Token header that the middleware could not resolve is invalid.
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith(self.keyword + " "):
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return None


def authenticate_api_token(request):
    """The active user of a valid ``Authorization: Token …`` header, or None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Token "):
        return None
    try:
        result = TokenAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed:
        return None
    return result[0] if result else None
