"""Storing attendance: nothing lost or doubled, idempotent, corrections audited, both paths equal."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count, Q, Sum

from attendance import ingest, services
from attendance.models import (
    AttendanceRecord,
    AttendanceRecordChange,
    AttendanceUpload,
    AttendanceUploadError,
    TrajectoryAttendanceMonth,
)
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from notifications.models import Notification
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory

HEADER = "deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten;status;reden;huiswerkklas;opmerking"


@pytest.fixture
def setup(world):
    contract = make_contract(world)
    learners = [make_learner(world, last_name=f"Lid {n}") for n in range(3)]
    trajectories = [make_trajectory(learner, contract, start_date=date(2026, 2, 1)) for learner in learners]
    return {"contract": contract, "learners": learners, "trajectories": trajectories}


def lines_for(learners, days=(2, 3, 4), month=3):
    rows = []
    for learner in learners:
        for day in days:
            rows.append(f"{learner.learner_number};{day:02d}-{month:02d}-2026;ochtend;180;180;aanwezig;;nee;")
    return rows


def upload(world, setup, body: str, *, name="lessen.csv", user="staff_a", provider="a"):
    data = (body + "\n").encode()
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        received = services.upload_receive(
            user=world.users[user],
            provider=world.providers[provider],
            contract=setup["contract"],
            uploaded_file=SimpleUploadedFile(name, data, content_type="text/csv"),
        )
        return services.upload_process(upload_id=received.pk)


def counts(result: AttendanceUpload):
    return (result.rows_total, result.rows_new, result.rows_changed, result.rows_unchanged, result.rows_rejected)


def test_a_first_upload_stores_every_valid_row(world, setup):
    result = upload(world, setup, "\n".join([HEADER, *lines_for(setup["learners"])]))
    assert result.status == "verwerkt"
    assert counts(result) == (9, 9, 0, 0, 0)
    with scopes_disabled():
        assert AttendanceRecord.objects.count() == 9


def test_the_same_file_twice_changes_nothing_and_says_so(world, setup):
    body = "\n".join([HEADER, *lines_for(setup["learners"])])
    upload(world, setup, body)
    again = upload(world, setup, body)
    assert counts(again) == (9, 0, 0, 9, 0)
    assert again.duplicate_of is not None
    assert again.message
    with scopes_disabled():
        assert AttendanceRecord.objects.count() == 9
        assert not AttendanceRecordChange.objects.exists()


def test_a_corrected_file_changes_only_changed_rows_and_keeps_the_old_values(world, setup):
    rows = lines_for(setup["learners"])
    first = upload(world, setup, "\n".join([HEADER, *rows]))
    rows[0] = rows[0].replace(";180;180;aanwezig;;", ";180;0;afwezig;ziek;")
    corrected = upload(world, setup, "\n".join([HEADER, *rows]))
    assert counts(corrected) == (9, 0, 1, 8, 0)
    with scopes_disabled():
        change = AttendanceRecordChange.objects.get()
        record = change.record
    assert (record.status, record.attended_minutes, record.reason, record.upload_id) == (
        "afwezig",
        0,
        "ziek",
        corrected.pk,
    )
    assert (change.status, change.attended_minutes, change.previous_upload_id, change.upload_id) == (
        "aanwezig",
        180,
        first.pk,
        corrected.pk,
    )


def test_classification_survives_a_reupload_but_not_a_change_to_present(world, setup):
    learner = setup["learners"][0]
    absent = f"{learner.learner_number};02-03-2026;ochtend;180;0;afwezig;ziek;nee;"
    upload(world, setup, "\n".join([HEADER, absent]))
    with scopes_disabled():
        AttendanceRecord.objects.update(classification="geoorloofd", culpability="verminderd_verwijtbaar")
    upload(world, setup, "\n".join([HEADER, absent.replace(";nee;", ";nee;belde af")]))
    with scopes_disabled():
        assert AttendanceRecord.objects.get().classification == "geoorloofd"
    upload(world, setup, "\n".join([HEADER, absent.replace(";180;0;afwezig;ziek;", ";180;180;aanwezig;;")]))
    with scopes_disabled():
        record = AttendanceRecord.objects.get()
        assert (record.status, record.classification, record.culpability) == ("aanwezig", "", "")
        assert AttendanceRecordChange.objects.filter(classification="geoorloofd").exists()
    # The coordinator hears about it, once, with a link to the queue.
    (note,) = Notification.objects.filter(user=world.users["absence_a"])
    assert note.url == "/verzuim"


def test_bad_rows_are_reported_and_good_rows_stored(world, setup):
    first, second, _third = setup["learners"]
    body = "\n".join(
        [
            HEADER,
            f"{first.learner_number};02-03-2026;ochtend;180;180;aanwezig;;nee;",
            f"{first.learner_number};02-03-2026;ochtend;180;120;aanwezig;;nee;",  # duplicate of line 2
            "ONBEKEND;02-03-2026;ochtend;180;180;aanwezig;;nee;",
            f"{second.learner_number};02-01-2026;ochtend;180;180;aanwezig;;nee;",  # before the trajectory
            f"{second.learner_number};03-03-2026;nacht;180;200;aanwezig;;nee;",  # bad daypart and minutes
            f"{second.learner_number};04-03-2026;middag;180;90;afwezig;ziek;ja;deels",
        ]
    )
    result = upload(world, setup, body)
    assert counts(result) == (6, 1, 0, 0, 5)
    with scopes_disabled():
        errors = {(e.line, e.column, e.code) for e in AttendanceUploadError.objects.filter(upload=result)}
        duplicate_messages = list(
            AttendanceUploadError.objects.filter(upload=result, code="duplicate").values_list("line", "message")
        )
    assert (2, "datum", "duplicate") in errors and (3, "datum", "duplicate") in errors
    assert any(line == 2 and "3" in message for line, message in duplicate_messages)
    assert any(line == 3 and "2" in message for line, message in duplicate_messages)
    assert (4, "deelnemernummer", "unknown_learner") in errors
    assert (5, "datum", "outside_trajectory") in errors
    assert {column for line, column, _code in errors if line == 6} >= {"dagdeel", "aanwezige_minuten"}


def test_a_learner_number_of_another_provider_is_unknown_here_without_saying_more(world, setup):
    other_contract = make_contract(world, provider="shared", reference="A-ANDER", municipalities=("a2",))
    stranger = make_learner(world, municipality="a2", last_name="Elders")
    make_trajectory(stranger, other_contract)
    result = upload(
        world, setup, "\n".join([HEADER, f"{stranger.learner_number};02-03-2026;ochtend;180;180;aanwezig;;nee;"])
    )
    assert counts(result) == (1, 0, 0, 0, 1)
    with scopes_disabled():
        error = AttendanceUploadError.objects.get(upload=result)
        assert error.code == "unknown_learner"
        assert not AttendanceRecord.objects.exists()


def test_a_provider_cannot_upload_for_another_providers_contract(world, setup):
    with pytest.raises(PermissionDenied):
        upload(world, setup, HEADER, user="staff_shared", provider="shared")


def test_the_monthly_rollup_matches_the_records(world, setup):
    learner = setup["learners"][0]
    body = "\n".join(
        [
            HEADER,
            f"{learner.learner_number};02-03-2026;ochtend;180;180;aanwezig;;nee;",
            f"{learner.learner_number};03-03-2026;ochtend;180;60;afwezig;ziek;nee;",
            f"{learner.learner_number};04-03-2026;ochtend;180;0;vervallen;;nee;",
            f"{learner.learner_number};01-04-2026;avond;120;0;afwezig;;nee;",
        ]
    )
    upload(world, setup, body)
    with scopes_disabled():
        months = {m.month: m for m in TrajectoryAttendanceMonth.objects.filter(trajectory__learner=learner)}
        direct = AttendanceRecord.objects.filter(trajectory__learner=learner, lesson_date__month=3).aggregate(
            attended=Sum("attended_minutes"), absences=Count("pk", filter=Q(status="afwezig"))
        )
    march = months[date(2026, 3, 1)]
    assert (march.offered_minutes, march.attended_minutes, march.absent_minutes, march.lessons, march.absences) == (
        360,
        240,
        120,
        2,
        1,
    )
    assert (march.attended_minutes, march.absences) == (direct["attended"], direct["absences"])
    assert months[date(2026, 4, 1)].absences == 1


def test_progress_is_written_while_staging(world, setup, monkeypatch):
    monkeypatch.setattr(ingest, "BATCH_ROWS", 2)
    seen = []
    original = services._set_progress

    def spy(upload_id, percent):
        seen.append(percent)
        original(upload_id, percent)

    monkeypatch.setattr(services, "_set_progress", spy)
    result = upload(world, setup, "\n".join([HEADER, *lines_for(setup["learners"])]))
    assert result.progress == 100 and result.status == "verwerkt"
    assert len(seen) >= 3 and seen == sorted(seen)


def test_a_refused_file_says_why_and_stores_nothing(world, setup):
    result = upload(world, setup, "%PDF-1.4\n%âãÏÓ\n1 0 obj", name="lessen.csv")
    assert result.status == "afgekeurd"
    assert result.message
    with scopes_disabled():
        assert not AttendanceRecord.objects.exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY exists only on PostgreSQL; SQLite has one path")
def test_copy_and_portable_paths_store_the_same(world, setup):
    body = "\n".join([HEADER, *lines_for(setup["learners"], days=(2, 3, 4, 5, 6))])

    def snapshot():
        with scopes_disabled():
            return sorted(
                AttendanceRecord.objects.values_list(
                    "trajectory_id",
                    "lesson_date",
                    "daypart",
                    "scheduled_minutes",
                    "attended_minutes",
                    "status",
                    "reason",
                    "homework_class",
                    "note",
                )
            )

    upload(world, setup, body)
    via_copy = snapshot()
    with scopes_disabled():
        TrajectoryAttendanceMonth.objects.all().delete()
        AttendanceRecord.objects.all().delete()
    original = ingest.stage_rows

    def portable(*args, **kwargs):
        return original(*args, **{**kwargs, "use_copy": False})

    ingest.stage_rows = portable
    try:
        upload(world, setup, body)
    finally:
        ingest.stage_rows = original
    assert snapshot() == via_copy
    assert len(via_copy) == 15
    assert connection.vendor == "postgresql"
