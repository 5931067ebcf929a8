"""Errors as ``application/problem+json`` (RFC 9457), translated, with every invalid field at once."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: _("Invalid input"),
    401: _("Not signed in"),
    403: _("No access"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Format not available"),
    415: _("Content type not supported"),
    429: _("Too many requests"),
    500: _("Internal error"),
}


def problem(status_code: int, detail: str, *, invalid_params: list[dict] | None = None) -> dict:
    body = {
        "type": f"https://httpstatuses.io/{status_code}",
        "title": str(TITLES[status_code]) if status_code in TITLES else gettext("Error"),
        "status": status_code,
        "detail": detail,
    }
    if invalid_params is not None:
        body["invalidParams"] = invalid_params
    return body


def _invalid_params(detail, prefix: str = "") -> list[dict]:
    """Flatten DRF's nested error detail into NL API ``invalidParams`` entries."""
    params: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "nonFieldErrors" if key == "non_field_errors" else key
            params.extend(_invalid_params(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                params.append(
                    {
                        "name": prefix or "nonFieldErrors",
                        "code": getattr(item, "code", "invalid"),
                        "reason": str(item),
                    }
                )
        else:
            for index, item in enumerate(detail):
                params.extend(_invalid_params(item, f"{prefix}.{index}"))
    else:
        params.append(
            {
                "name": prefix or "nonFieldErrors",
                "code": getattr(detail, "code", "invalid"),
                "reason": str(detail),
            }
        )
    return params


def problem_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(gettext("The requested object does not exist or you do not have access to it."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or gettext("You do not have access to this function."))
    if not isinstance(exc, exceptions.APIException):
        return None  # a real error: let Django log it and answer 500 (see handler500)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        params = _invalid_params(exc.detail)
        body = problem(status.HTTP_400_BAD_REQUEST, gettext("One or more fields are invalid."), invalid_params=params)
    elif isinstance(exc, exceptions.ParseError):
        body = problem(400, gettext("The request body is not valid JSON: %(detail)s") % {"detail": exc.detail})
    elif isinstance(exc, exceptions.NotAuthenticated):
        body = problem(exc.status_code, gettext("Sign in or send a token: 'Authorization: Token …'."))
    else:
        body = problem(exc.status_code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_response(status_code: int, detail: str) -> JsonResponse:
    """For errors raised outside DRF views (unknown API URL, server error, lockout)."""
    return JsonResponse(problem(status_code, detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE)
