"""The monthly absence rule: one alert per learner per calendar month, from the policy's numbers."""

from datetime import date

import pytest

from attendance.models import AttendanceRecord
from enforcement import services
from enforcement.models import AbsenceAlert, AbsencePolicy, ClassificationEntry, WarningLetter
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from notifications.models import Notification
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons


@pytest.fixture
def trajectory(world):
    contract = make_contract(world)
    learner = make_learner(world, case_manager=world.users["case_a1"])
    return make_trajectory(learner, contract, start_date=date(2026, 2, 1))


def detect(world, month, tenant="a"):
    return services.absence_alerts_detect(tenant=world.tenants[tenant], month=month)


def alerts():
    with scopes_disabled():
        return list(AbsenceAlert.objects.order_by("learner_id", "month"))


def absent(trajectory, *days, attended=0):
    for day in days:
        give_lessons(trajectory, first=day, count=1, attended=attended)


def test_three_absences_in_a_calendar_month_make_one_alert_and_one_letter(world, trajectory):
    absent(trajectory, date(2026, 10, 1), date(2026, 10, 15), date(2026, 10, 31))
    give_lessons(trajectory, first=date(2026, 10, 2), count=5)  # present lessons do not count

    run = detect(world, date(2026, 10, 1))
    detect(world, date(2026, 10, 1))

    (alert,) = alerts()
    assert run.created == 1
    assert alert.absence_count == 3
    assert alert.absence_dates == ["2026-10-01", "2026-10-15", "2026-10-31"]
    assert alert.provider_id == trajectory.contract.provider_id
    assert WarningLetter.unscoped.filter(alert=alert).count() == 1
    assert len(run.letters) == 1


def test_absences_on_the_last_and_first_day_of_two_months_do_not_add_up(world, trajectory):
    absent(trajectory, date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 2))

    detect(world, date(2026, 9, 1))
    detect(world, date(2026, 10, 1))

    assert alerts() == []


def test_a_fourth_absence_updates_the_alert_never_a_second(world, trajectory):
    absent(trajectory, date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5))
    detect(world, date(2026, 10, 1))
    absent(trajectory, date(2026, 10, 20))

    run = detect(world, date(2026, 10, 1))

    (alert,) = alerts()
    assert run.created == 0 and run.updated == 1
    assert alert.absence_count == 4
    assert WarningLetter.unscoped.count() == 1


def test_a_correction_below_the_threshold_withdraws_the_alert_before_the_letter_is_handed_out(world, trajectory):
    absent(trajectory, date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5))
    detect(world, date(2026, 10, 1))
    with scopes_disabled():
        AttendanceRecord.objects.filter(lesson_date=date(2026, 10, 5)).update(status="aanwezig", attended_minutes=180)

    run = detect(world, date(2026, 10, 1))

    (alert,) = alerts()
    assert run.withdrawn == 1
    assert alert.status == "vervallen"
    assert alert.absence_count == 2


def test_after_the_letter_was_handed_out_the_alert_stays(world, trajectory):
    absent(trajectory, date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5))
    detect(world, date(2026, 10, 1))
    WarningLetter.unscoped.update(handed_out_on=date(2026, 11, 2))
    with scopes_disabled():
        AttendanceRecord.objects.filter(lesson_date=date(2026, 10, 5)).update(status="aanwezig", attended_minutes=180)

    detect(world, date(2026, 10, 1))

    (alert,) = alerts()
    assert alert.status == "nieuw"
    assert alert.absence_count == 2
    note = Notification.objects.get(user=world.users["absence_a"])
    assert note.url == alert.get_absolute_url()


def test_threshold_and_counting_come_from_the_policy(world, trajectory):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], threshold_per_month=2, counting="ongeoorloofd")
    absent(trajectory, date(2026, 10, 1), date(2026, 10, 2))

    detect(world, date(2026, 10, 1))
    assert alerts() == []  # unclassified absences do not count under "only unauthorized"

    with scopes_disabled():
        ids = list(AttendanceRecord.objects.values_list("pk", flat=True))
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        months = services.absences_classify(
            actor=world.users["absence_a"], record_ids=ids, culpability="grove_schuld", reason="werk"
        )
    assert months == [date(2026, 10, 1)]
    detect(world, date(2026, 10, 1))

    (alert,) = alerts()
    assert alert.threshold == 2
    assert alert.absence_count == 2


def test_partial_attendance_counts_only_where_the_policy_says_so(world, trajectory):
    give_lessons(trajectory, first=date(2026, 10, 5), count=3, attended=60)  # present, but partly

    detect(world, date(2026, 10, 1))
    assert alerts() == []

    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], partial_attendance_counts=True)
    detect(world, date(2026, 10, 1))
    assert [a.absence_count for a in alerts()] == [3]


def test_a_contract_policy_overrides_the_regions(world, trajectory):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], threshold_per_month=5)
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], contract=trajectory.contract, threshold_per_month=3)
    absent(trajectory, date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5))

    detect(world, date(2026, 10, 1))

    assert [a.threshold for a in alerts()] == [3]


def test_no_automatic_letter_when_the_policy_says_so(world, trajectory):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], automatic_warning_letter=False)
    absent(trajectory, date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5))

    run = detect(world, date(2026, 10, 1))

    assert len(alerts()) == 1
    assert run.letters == []


def test_the_culpability_mapping_of_the_guide(world, trajectory):
    absent(trajectory, date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6))
    with scopes_disabled():
        records = list(AttendanceRecord.objects.order_by("lesson_date"))
    expected = {
        "opzet": "ongeoorloofd",
        "grove_schuld": "ongeoorloofd",
        "normale_verwijtbaarheid": "geoorloofd",
        "verminderd_verwijtbaar": "geoorloofd",
    }
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        for record, culpability in zip(records, expected, strict=True):
            services.absences_classify(actor=world.users["absence_a"], record_ids=[record.pk], culpability=culpability)
    with scopes_disabled():
        got = {r.culpability: r.classification for r in AttendanceRecord.objects.all()}
        assert ClassificationEntry.objects.filter(classified_by=world.users["absence_a"]).count() == 4
    assert got == expected


def test_another_regions_absences_are_not_classified(world, trajectory):
    absent(trajectory, date(2026, 10, 1))
    with scopes_disabled():
        record_id = AttendanceRecord.objects.get().pk
    with scope([Grant(tenant_id=world.tenants["b"].pk)]), pytest.raises(Exception) as excinfo:
        services.absences_classify(actor=world.users["absence_b"], record_ids=[record_id], culpability="opzet")
    assert "record_ids" in excinfo.value.message_dict
