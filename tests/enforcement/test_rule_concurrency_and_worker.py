"""Exactly one alert and one letter under concurrent runs, and the whole chain in a real worker:
an upload processed by Celery produces the alert and its letter (Redis in CI's PostgreSQL pass)."""

import threading
import time
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from attendance import services as attendance_services
from attendance.models import AttendanceUpload, UploadStatus
from enforcement import services
from enforcement.models import AbsenceAlert, LetterStatus, WarningLetter
from inburgering.jobs import run_daily_jobs
from inburgering.tenancy.scoping import Grant, scope
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons

HEADER = "deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten;status;reden;huiswerkklas;opmerking"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_make_one_alert_and_one_letter_per_learner(world):
    contract = make_contract(world)
    for number in range(4):
        learner = make_learner(world, last_name=f"Lid {number}")
        trajectory = make_trajectory(learner, contract, start_date=date(2026, 2, 1))
        for day in (1, 8, 15):
            give_lessons(trajectory, first=date(2026, 10, day), count=1, attended=0)
    barrier = threading.Barrier(2)
    failures = []

    def run():
        try:
            barrier.wait()
            run_daily_jobs(as_of=date(2026, 10, 20), only=["verzuimsignalen"])
        except Exception as error:  # a lost race must not be an error either
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert AbsenceAlert.unscoped.count() == 4
    assert WarningLetter.unscoped.count() == 4
    assert services.absence_alerts_detect(tenant=world.tenants["a"], month=date(2026, 10, 1)).created == 0


@pytest.mark.django_db(transaction=True)
def test_a_worker_turns_an_uploaded_file_into_an_alert_and_a_letter(world, tmp_path, settings, monkeypatch):
    from tests.workers import celery_worker

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))  # the worker is another process: it reads the environment
    contract = make_contract(world)
    learner = make_learner(world, first_name="Samira", last_name="El Idrissi")
    make_trajectory(learner, contract, start_date=date(2026, 2, 1))
    rows = [f"{learner.learner_number};{day}-10-2026;ochtend;180;0;afwezig;;nee;" for day in ("01", "08", "15")]
    body = ("\n".join([HEADER, *rows]) + "\n").encode()

    with celery_worker():
        with scope([Grant(tenant_id=world.tenants["a"].pk)]):
            received = attendance_services.upload_receive(
                user=world.users["staff_a"],
                provider=world.providers["a"],
                contract=contract,
                uploaded_file=SimpleUploadedFile("oktober.csv", body, content_type="text/csv"),
            )
        deadline = time.monotonic() + 90
        letter = None
        while time.monotonic() < deadline:
            letter = WarningLetter.unscoped.filter(alert__learner=learner).first()
            if letter is not None and letter.status != LetterStatus.PENDING:
                break
            time.sleep(0.5)

    assert AttendanceUpload.unscoped.get(pk=received.pk).status == UploadStatus.PROCESSED
    alert = AbsenceAlert.unscoped.get(learner=learner)
    assert (alert.month, alert.absence_count) == (date(2026, 10, 1), 3)
    assert letter is not None and letter.status == LetterStatus.READY, "no letter from the worker within 90 s"
    assert (tmp_path / letter.file.name).is_file()
