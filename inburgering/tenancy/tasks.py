"""Celery plumbing: a base task that enters the tenant scope, and the scheduled entry points."""

from __future__ import annotations

from celery import Task, shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from inburgering.audit import acting_as
from inburgering.jobs import run_daily_jobs
from inburgering.tenancy.scoping import Grant, ScopeError, scope
from inburgering.tenancy.services import worker_heartbeat_record


class TenantScopedTask(Task):
    """Enters the scope of ``tenant_id`` (required) and acts as ``actor_id`` (optional).

    Tasks take ids, never objects; without a tenant id the task refuses to run (fail closed).
    """

    abstract = True
    acks_late = True
    max_retries = 5
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True

    def __call__(self, *args, **kwargs):
        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise ScopeError(_("Task %(task)s was given no tenant_id.") % {"task": self.name})
        actor = None
        actor_id = kwargs.get("actor_id")
        if actor_id is not None:
            from inburgering.tenancy.models import User

            actor = User.objects.filter(pk=actor_id).first()
        with scope([Grant(tenant_id=tenant_id)]), acting_as(actor):
            return super().__call__(*args, **kwargs)


@shared_task(acks_late=True, max_retries=3, retry_backoff=True)
def run_daily_jobs_task() -> int:
    outcomes = run_daily_jobs(as_of=timezone.localdate())
    return len(outcomes)


@shared_task(ignore_result=True)
def record_worker_heartbeat_task() -> None:
    worker_heartbeat_record(name="worker", detail=_("background processing is running"))
