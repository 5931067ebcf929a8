import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inburgering.settings")

app = Celery("inburgering")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Exactly one beat runs this schedule (docker-compose starts one beat service; make demo one
# worker with -B). Every entry calls a service that can also run from `manage.py run_jobs`.
app.conf.beat_schedule = {
    "dagelijkse-taken": {
        "task": "inburgering.tenancy.tasks.run_daily_jobs_task",
        "schedule": crontab(hour=2, minute=15),
    },
    "hartslag": {
        "task": "inburgering.tenancy.tasks.record_worker_heartbeat_task",
        "schedule": 60.0,
    },
}
