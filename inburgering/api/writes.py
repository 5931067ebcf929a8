"""Writes through the API: type-check with a serializer, validate once in the service, and report
every invalid field at once (NL API Design Rules: invalidParams)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError


def api_errors(error: DjangoValidationError, api_names: dict[str, str]) -> dict[str, list[ErrorDetail]]:
    """A service's ValidationError under API names, keeping each message's code (e.g. ``bsn_elfproef``)."""
    by_field = error.error_dict if hasattr(error, "error_dict") else {"__all__": error.error_list}
    detail: dict[str, list[ErrorDetail]] = {}
    for field, errors in by_field.items():
        name = api_names.get(field, field)
        for item in errors:
            for message in item:  # the message with its params filled in
                detail.setdefault(name, []).append(ErrorDetail(str(message), code=item.code or "invalid"))
    return detail


def validated_write(
    make_serializer: Callable[..., serializers.Serializer], data, write: Callable, api_names: dict[str, str]
):
    """Type-check, then let the service validate; report every invalid field at once.

    ``make_serializer(data, partial)`` builds the input serializer. When some fields fail the type
    check (or are missing), the others are still validated by the service in a transaction that is
    rolled back, so a client sees all problems in one answer; the second pass is partial so a
    missing required field does not hide the service's findings on the fields that were sent.
    """
    serializer = make_serializer(data, partial=False)
    if serializer.is_valid():
        try:
            with transaction.atomic():
                return write(serializer.validated_data)
        except DjangoValidationError as error:
            raise ValidationError(api_errors(error, api_names)) from error
    type_errors = dict(serializer.errors)
    remaining = {key: value for key, value in data.items() if key not in type_errors} if isinstance(data, dict) else {}
    rest = make_serializer(remaining, partial=True)
    if rest.is_valid():
        try:
            with transaction.atomic():
                write(rest.validated_data)
                transaction.set_rollback(True)  # validation only: the request is invalid anyway
        except DjangoValidationError as error:
            for name, messages in api_errors(error, api_names).items():
                type_errors.setdefault(name, messages)
    else:
        for name, messages in rest.errors.items():
            type_errors.setdefault(name, messages)
    raise ValidationError(type_errors)
