"""Form helpers shared by the apps."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def apply_validation_error(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            for message in messages:
                form.add_error(target, message)
    else:
        form.add_error(None, error.messages)


def save_form(request, form, save: Callable[[dict], Any], *, success: str | Callable[[Any], str]) -> Any | None:
    """The POST half of a form view: run ``save(cleaned_data)`` (a service call) for a valid form.

    A service's ValidationError is shown on the form; on success the message is flashed. Returns
    what the service saved (so the view redirects to it), or None when the form is to be shown again.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as error:
        apply_validation_error(form, error)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return result
