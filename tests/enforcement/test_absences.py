"""Call-ins (afmeldingen) registered by the absence coordinator and seen by the provider; make-up
obligations (huiswerkklas) computed where the policy requires make-up (guide 2.4)."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from attendance.ingest import refresh_rollups
from attendance.models import AttendanceRecord, AttendanceUpload
from enforcement import absences
from enforcement.models import AbsencePolicy, CallIn, MakeupObligation
from inburgering.jobs import registered_daily_jobs, run_daily_jobs
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons


@pytest.fixture
def trajectory(world):
    contract = make_contract(world)
    learner = make_learner(world, case_manager=world.users["case_a1"])
    return make_trajectory(learner, contract, start_date=date(2026, 2, 1))


def call_in_url(trajectory) -> str:
    return f"/trajecten/{trajectory.pk}/afmelding"


def calendar(world, user_key, trajectory) -> str:
    response = world.client(user_key).get(f"/trajecten/{trajectory.pk}/aanwezigheid")
    assert response.status_code == 200
    return response.content.decode()


def call_ins():
    with scopes_disabled():
        return list(CallIn.objects.order_by("pk"))


# --- Call-ins ----------------------------------------------------------------------------------------


def test_the_coordinator_registers_a_call_in_and_the_provider_sees_it(world, trajectory):
    tomorrow = timezone.localdate() + timedelta(days=1)
    client = world.client("absence_a")
    assert client.get(call_in_url(trajectory)).status_code == 200

    response = client.post(
        call_in_url(trajectory),
        {"lesson_date": tomorrow.isoformat(), "daypart": "ochtend", "reason": "ziek", "note": "Belde om acht uur"},
    )

    assert response.status_code == 302 and response["Location"] == f"/trajecten/{trajectory.pk}/aanwezigheid"
    (call_in,) = call_ins()
    assert (call_in.lesson_date, call_in.daypart, call_in.reason) == (tomorrow, "ochtend", "ziek")
    assert call_in.registered_by == world.users["absence_a"] and call_in.tenant_id == trajectory.tenant_id
    with scopes_disabled():
        assert call_in.history.get().history_user == world.users["absence_a"]  # audited
    page = calendar(world, "staff_a", trajectory)
    assert f'id="afmelding-{call_in.pk}"' in page and "Belde om acht uur" in page
    assert tomorrow.strftime("%d-%m-%Y") in page
    assert f'href="/trajecten/{trajectory.pk}/afmelding"' not in page  # providers do not register call-ins


def test_a_second_call_in_for_the_same_lesson_is_refused(world, trajectory):
    day = timezone.localdate() + timedelta(days=3)
    client = world.client("absence_a")
    data = {"lesson_date": day.isoformat(), "daypart": "middag", "reason": "medisch"}
    assert client.post(call_in_url(trajectory), data).status_code == 302

    response = client.post(call_in_url(trajectory), {**data, "reason": "ziek", "note": "Nog een keer"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary"' in page and "Nog een keer" in page  # the input is kept
    assert len(call_ins()) == 1
    # Another daypart of the same day is another lesson.
    assert client.post(call_in_url(trajectory), {**data, "daypart": "avond"}).status_code == 302
    assert len(call_ins()) == 2


def test_the_service_refuses_dates_outside_the_trajectory_and_too_far_ahead(world, trajectory):
    today = timezone.localdate()
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        for day in (date(2026, 1, 31), today + timedelta(days=absences.CALL_IN_MAX_DAYS_AHEAD + 1)):
            with pytest.raises(ValidationError) as refused:
                absences.call_in_register(
                    actor=world.users["absence_a"],
                    trajectory=trajectory,
                    lesson_date=day,
                    daypart="ochtend",
                    reason="ziek",
                )
            assert "lesson_date" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            absences.call_in_register(
                actor=world.users["absence_a"], trajectory=trajectory, lesson_date=today, daypart="nacht", reason="?"
            )
        assert {"daypart", "reason"} <= set(refused.value.message_dict)
        made = absences.call_in_register(
            actor=world.users["absence_a"],
            trajectory=trajectory,
            lesson_date=today + timedelta(days=absences.CALL_IN_MAX_DAYS_AHEAD),
            daypart="avond",
            reason="kinderopvang",
        )
    assert made.pk is not None


def test_a_call_in_shows_on_its_lesson_in_the_calendar(world, trajectory):
    give_lessons(trajectory, first=date(2026, 10, 5), count=1, attended=0)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        absences.call_in_register(
            actor=world.users["absence_a"],
            trajectory=trajectory,
            lesson_date=date(2026, 10, 5),
            daypart="ochtend",
            reason="ziek",
        )
    with scopes_disabled():
        lesson = AttendanceRecord.objects.get()
    page = calendar(world, "staff_a", trajectory)
    row = page[page.index(f'id="les-{lesson.pk}"') :].split("</tr>")[0]
    assert "ziek" in row.lower()


@pytest.mark.parametrize(
    ("user_key", "status"),
    [("absence_a", 200), ("staff_a", 403), ("case_a1", 403), ("admin_a", 403), ("absence_b", 404), ("case_a2", 404)],
)
def test_who_registers_call_ins(world, trajectory, user_key, status):
    assert world.client(user_key).get(call_in_url(trajectory)).status_code == status


def test_the_dossier_links_the_call_in_page_for_the_coordinator_only(world, trajectory):
    link = f'href="/trajecten/{trajectory.pk}/afmelding"'
    assert link in world.client("absence_a").get(f"/inburgeraars/{trajectory.learner_id}").content.decode()
    assert link not in world.client("case_a1").get(f"/inburgeraars/{trajectory.learner_id}").content.decode()


# --- Make-up obligations -----------------------------------------------------------------------------


def lesson(trajectory, day, *, scheduled=180, attended=0, status="afwezig", homework=False):
    """One morning lesson, stored as an upload would, with the rollup refreshed."""
    with scopes_disabled():
        contract = trajectory.contract
        upload = AttendanceUpload.objects.create(
            tenant_id=trajectory.tenant_id,
            provider_id=contract.provider_id,
            contract=contract,
            sha256=hashlib.sha256(f"{trajectory.pk}-{day}".encode()).hexdigest(),
            uploaded_by=trajectory.learner.case_manager,
        )
        AttendanceRecord.objects.create(
            tenant_id=trajectory.tenant_id,
            trajectory=trajectory,
            lesson_date=day,
            daypart="ochtend",
            scheduled_minutes=scheduled,
            attended_minutes=attended,
            status=status,
            homework_class=homework,
            upload=upload,
        )
    with connection.cursor() as cursor:
        refresh_rollups(cursor, trajectory_ids_sql="%s", params=[trajectory.pk])


def refresh(world, tenant="a"):
    return absences.makeup_obligations_refresh(tenant=world.tenants[tenant])


def obligations() -> dict[int, tuple[int, int, int]]:
    with scopes_disabled():
        return {
            o.learner_id: (o.missed_minutes, o.made_up_minutes, o.remaining_minutes)
            for o in MakeupObligation.objects.all()
        }


@pytest.fixture
def missed_and_made_up(world, trajectory):
    """Two whole absences (360 min), one partly attended absence (120 of 180 missed), a present
    lesson and a homework-class lesson of 150 minutes attended."""
    lesson(trajectory, date(2026, 10, 5))
    lesson(trajectory, date(2026, 10, 6))
    lesson(trajectory, date(2026, 10, 7), attended=60)
    lesson(trajectory, date(2026, 10, 8), attended=180, status="aanwezig")
    lesson(trajectory, date(2026, 10, 9), scheduled=150, attended=150, status="aanwezig", homework=True)
    lesson(trajectory, date(2026, 10, 12), status="vervallen")  # cancelled: never missed
    return trajectory


def test_the_refresh_computes_missed_and_made_up_minutes_under_the_policy(world, missed_and_made_up):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], makeup_required=True)

    run = refresh(world)

    learner_id = missed_and_made_up.learner_id
    assert obligations() == {learner_id: (480, 150, 330)}
    assert run.obligations == 1
    # Again, with another absence: the same row, updated.
    lesson(missed_and_made_up, date(2026, 10, 13))
    refresh(world)
    assert obligations() == {learner_id: (660, 150, 510)}


def test_no_obligation_when_the_policy_does_not_require_make_up(world, missed_and_made_up):
    refresh(world)
    assert obligations() == {}

    policy = AbsencePolicy.unscoped.create(tenant=world.tenants["a"], makeup_required=True)
    refresh(world)
    assert set(obligations()) == {missed_and_made_up.learner_id}

    policy.makeup_required = False
    policy.save()
    run = refresh(world)
    assert obligations() == {} and run.removed == 1


def test_a_contract_policy_decides_for_its_trajectories(world, missed_and_made_up):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], makeup_required=True)
    AbsencePolicy.unscoped.create(
        tenant=world.tenants["a"], contract=missed_and_made_up.contract, makeup_required=False
    )
    refresh(world)
    assert obligations() == {}


def test_another_regions_refresh_leaves_this_region_alone(world, missed_and_made_up):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], makeup_required=True)
    refresh(world)
    refresh(world, tenant="b")
    assert set(obligations()) == {missed_and_made_up.learner_id}


def test_the_obligation_shows_on_the_dossier_and_the_providers_calendar(world, missed_and_made_up):
    trajectory = missed_and_made_up
    assert 'id="makeup-obligation"' not in calendar(world, "staff_a", trajectory)
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], makeup_required=True)
    refresh(world)

    page = calendar(world, "staff_a", trajectory)
    assert 'id="makeup-missed">8,0<' in page
    assert 'id="makeup-made-up">2,5<' in page
    assert 'id="makeup-remaining">5,5<' in page
    dossier = world.client("case_a1").get(f"/inburgeraars/{trajectory.learner_id}").content.decode()
    assert 'id="makeup-remaining">5,5<' in dossier


def test_the_refresh_is_a_daily_job(world, missed_and_made_up):
    assert "inhaalverplichtingen" in registered_daily_jobs()
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], makeup_required=True)

    outcomes = run_daily_jobs(as_of=date(2026, 11, 1), only=["inhaalverplichtingen"])

    assert {outcome.tenant for outcome in outcomes} == {"regio-a", "regio-b"}
    assert set(obligations()) == {missed_and_made_up.learner_id}


def test_an_upload_updates_the_make_up_obligation_at_once(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from attendance import services as attendance_services
    from enforcement.models import MakeupObligation
    from inburgering.tenancy.scoping import Grant, scope

    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], makeup_required=True)
    contract = make_contract(world)
    learner = make_learner(world)
    make_trajectory(learner, contract, start_date=date(2026, 2, 1))
    header = "deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten;status;reden;huiswerkklas;opmerking"
    body = f"{header}\n{learner.learner_number};05-10-2026;ochtend;180;0;afwezig;ziek;nee;\n".encode()
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        received = attendance_services.upload_receive(
            user=world.users["staff_a"],
            provider=world.providers["a"],
            contract=contract,
            uploaded_file=SimpleUploadedFile("oktober.csv", body, content_type="text/csv"),
        )
        attendance_services.upload_process(upload_id=received.pk)

    obligation = MakeupObligation.unscoped.get(learner=learner)
    assert (obligation.missed_minutes, obligation.made_up_minutes) == (180, 0)
