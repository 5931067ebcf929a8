from __future__ import annotations

from celery import shared_task

from inburgering.tenancy.tasks import TenantScopedTask
from reports.services import quarterly_report_generate


@shared_task(base=TenantScopedTask, acks_late=True, time_limit=300, soft_time_limit=270)
def generate_quarterly_report_task(*, report_id: int, tenant_id: int, actor_id: int | None = None) -> str:
    """Idempotent: a redelivered task (acks_late) finds the report ready and changes nothing."""
    return quarterly_report_generate(report_id=report_id).status
