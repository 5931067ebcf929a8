"""A real Celery worker process runs tasks from the configured broker.

On the embedded default this is kombu's filesystem transport (what `make demo` uses); in CI with
CELERY_BROKER_URL set it is Redis. The worker shares the test database, so the test is transactional.
"""

import time

import pytest

from inburgering.tenancy.models import WorkerHeartbeat
from inburgering.tenancy.tasks import record_worker_heartbeat_task
from tests.workers import celery_worker


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_executes_a_task_from_the_broker():
    with celery_worker():
        record_worker_heartbeat_task.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not WorkerHeartbeat.objects.filter(name="worker").exists():
            time.sleep(0.5)
        seen = WorkerHeartbeat.objects.filter(name="worker").first()
    assert seen is not None, "the worker did not run the task within a minute"
    assert seen.detail == "de achtergrondverwerking draait"
