"""Readable change logs from django-simple-history records: field, old → new, who, when, why."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext as _


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    kind: str  # "created", "changed" or "deleted"
    subject: str
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)


def display_value(model_field: models.Field, value) -> str:
    if value is None or value == "":
        return "–"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "–"
    return str(value)


def history_entries(
    records: Iterable,
    model: type[models.Model],
    *,
    subject: Callable[[object], str],
    related_names: dict[str, dict] | None = None,
    hidden_fields: Iterable[str] = (),
) -> list[HistoryEntry]:
    """One entry per historical record, changes computed against the same object's previous one.

    ``related_names`` maps a foreign-key field to {id: display name}, so a change shows names.
    """
    related_names = related_names or {}
    hidden = set(hidden_fields)
    previous_by_object: dict = {}
    entries: list[HistoryEntry] = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        who = str(record.history_user) if record.history_user else _("system")
        previous = previous_by_object.get(record.id)
        kind = {"+": "created", "-": "deleted"}.get(record.history_type, "changed")
        entry = HistoryEntry(record.history_date, who, kind, subject(record), record.history_change_reason or "")
        if kind == "changed" and previous is not None:
            for change in record.diff_against(previous).changes:
                if change.field in hidden:
                    continue
                model_field = model._meta.get_field(change.field)
                if change.field in related_names:
                    names = related_names[change.field]
                    old, new = names.get(change.old, "–"), names.get(change.new, "–")
                else:
                    old, new = display_value(model_field, change.old), display_value(model_field, change.new)
                entry.changes.append(FieldChange(str(model_field.verbose_name), old, new))
            if not entry.changes:
                previous_by_object[record.id] = record
                continue
        entries.append(entry)
        previous_by_object[record.id] = record
    return entries
