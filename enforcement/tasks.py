from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task
from django.db import transaction

from enforcement.letters import warning_letter_generate
from enforcement.models import WarningLetter
from inburgering.tenancy.tasks import TenantScopedTask


@shared_task(base=TenantScopedTask, acks_late=True, time_limit=300, soft_time_limit=270)
def generate_warning_letter_task(*, letter_id: int, tenant_id: int, actor_id: int | None = None) -> str:
    """Idempotent: a redelivered task (acks_late) finds the letter ready and changes nothing."""
    return warning_letter_generate(letter_id=letter_id).status


def enqueue_warning_letters(letter_ids: Iterable[int], *, tenant_id: int | None = None) -> None:
    """Queue one task per letter once the surrounding transaction commits (the worker must see the rows).

    With ``tenant_id`` every letter is taken to be that tenant's; without it, each letter's own is looked up."""
    ids = list(letter_ids)
    if not ids:
        return
    if tenant_id is not None:
        tenants = dict.fromkeys(ids, tenant_id)
    else:
        tenants = dict(WarningLetter.unscoped.filter(pk__in=ids).values_list("pk", "tenant_id"))

    def enqueue() -> None:
        for letter_id in ids:
            if letter_id in tenants:
                generate_warning_letter_task.delay(letter_id=letter_id, tenant_id=tenants[letter_id])

    transaction.on_commit(enqueue)
