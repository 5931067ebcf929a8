"""A real Celery worker process for tests, sharing the test database and listening on its own queue."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_worker() -> str:
    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


class WorkerHandle:
    def __init__(self, queue: str):
        self.queue = queue
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # Its own default queue too: tasks the worker enqueues (e.g. a letter after an upload) stay on it.
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_worker(),
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            # The same files: the worker reads uploads and writes letters where the test looks.
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "inburgering",
                "worker",
                "--pool=solo",
                "-Q",
                self.queue,
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

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.communicate(timeout=30)


@contextmanager
def celery_worker(*, start: bool = True):
    """Route tasks to a fresh queue and run a worker on it (now, or when ``handle.start()`` is called)."""
    from inburgering.celery import app

    handle = WorkerHandle(f"test-{uuid.uuid4().hex[:8]}")
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = handle.queue
    if start:
        handle.start()
    try:
        yield handle
    finally:
        app.conf.task_default_queue = previous
        handle.stop()
