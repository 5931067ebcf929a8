from celery import shared_task

from attendance.services import upload_process
from inburgering.tenancy.tasks import TenantScopedTask


@shared_task(base=TenantScopedTask, time_limit=900, soft_time_limit=840)
def process_upload_task(*, upload_id: int, tenant_id: int, actor_id: int | None = None) -> str:
    return upload_process(upload_id=upload_id).status
