"""A real Celery worker process runs tasks from the configured broker.

On the embedded default this is kombu's filesystem transport (what `make demo` uses); in CI with
CELERY_BROKER_URL set it is Redis. The worker shares the test database, so the test is transactional.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from inburgering.tenancy.models import WorkerHeartbeat
from inburgering.tenancy.tasks import record_worker_heartbeat_task

ROOT = Path(__file__).resolve().parent.parent


def _database_url_for_worker() -> str:
    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_executes_a_task_from_the_broker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url_for_worker()}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "inburgering",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        record_worker_heartbeat_task.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if WorkerHeartbeat.objects.filter(name="worker").exists():
                break
            if worker.poll() is not None:
                break
            time.sleep(0.5)
        seen = WorkerHeartbeat.objects.filter(name="worker").first()
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert seen is not None, f"the worker did not run the task within a minute; its output:\n{output}"
    assert seen.detail == "de achtergrondverwerking draait"
