import pytest
from celery import shared_task

from inburgering.tenancy.models import Municipality, User
from inburgering.tenancy.scoping import ScopeError
from inburgering.tenancy.services import municipality_create
from inburgering.tenancy.tasks import TenantScopedTask


@shared_task(base=TenantScopedTask)
def municipality_names_task(*, tenant_id: int, actor_id: int | None = None) -> list[str]:
    return sorted(Municipality.objects.values_list("name", flat=True))


@shared_task(base=TenantScopedTask)
def municipality_create_task(*, tenant_id: int, actor_id: int | None = None) -> int:
    from inburgering.tenancy.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    return municipality_create(actor=None, tenant=tenant, name="Taakgemeente", cbs_code="GM0999").pk


def test_task_enters_the_scope_of_its_tenant_id(world):
    result = municipality_names_task.apply(kwargs={"tenant_id": world.tenants["b"].pk}).get()
    assert result == ["Gemeente B1", "Gemeente B2"]


def test_task_without_tenant_id_refuses_to_run(world):
    outcome = municipality_names_task.apply(kwargs={})
    assert outcome.failed()
    assert isinstance(outcome.result, ScopeError)


def test_task_changes_are_attributed_to_the_actor(world):
    actor = world.users["admin_a"]
    pk = municipality_create_task.apply(kwargs={"tenant_id": world.tenants["a"].pk, "actor_id": actor.pk}).get()
    record = Municipality.history.get(id=pk)
    assert record.history_user == actor
    assert User.objects.filter(pk=actor.pk).exists()


def test_celery_app_has_exactly_one_beat_schedule_and_the_daily_job():
    from inburgering.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "inburgering.tenancy.tasks.run_daily_jobs_task" in tasks


@pytest.mark.django_db
def test_run_jobs_command_records_the_daily_run(world, capsys):
    from django.core.management import call_command

    from inburgering.tenancy.models import WorkerHeartbeat

    call_command("run_jobs", "--as-of", "2026-03-02")
    beat = WorkerHeartbeat.objects.get(name="dagelijkse-taken")
    assert "02-03-2026" in beat.detail
    assert "peildatum 02-03-2026" in capsys.readouterr().out
