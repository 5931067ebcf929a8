"""Errors as ``application/problem+json`` (RFC 9457), in Dutch, with every invalid field at once."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Ongeldige invoer",
    401: "Niet ingelogd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Formaat niet beschikbaar",
    415: "Inhoudstype niet ondersteund",
    429: "Te veel verzoeken",
    500: "Interne fout",
}


def problem(status_code: int, detail: str, *, invalid_params: list[dict] | None = None) -> dict:
    body = {
        "type": f"https://httpstatuses.io/{status_code}",
        "title": TITLES.get(status_code, "Fout"),
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
        exc = exceptions.NotFound("Het gevraagde object bestaat niet of u heeft er geen toegang toe.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "U heeft geen toegang tot deze functie.")
    if not isinstance(exc, exceptions.APIException):
        return None  # a real error: let Django log it and answer 500 (see handler500)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        params = _invalid_params(exc.detail)
        body = problem(status.HTTP_400_BAD_REQUEST, "Een of meer velden zijn ongeldig.", invalid_params=params)
    elif isinstance(exc, exceptions.ParseError):
        body = problem(400, f"De inhoud van het verzoek is geen geldige JSON: {exc.detail}")
    elif isinstance(exc, exceptions.NotAuthenticated):
        body = problem(exc.status_code, "Log in of stuur een token mee: 'Authorization: Token …'.")
    else:
        body = problem(exc.status_code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_response(status_code: int, detail: str) -> JsonResponse:
    """For errors raised outside DRF views (unknown API URL, server error, lockout)."""
    return JsonResponse(problem(status_code, detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE)
