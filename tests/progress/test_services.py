"""Checkpoint detection, the downscaling conditions and decisions, at the service level."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from contracts.models import Contract
from inburgering.jobs import run_daily_jobs
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes import services as trajectory_services
from learning_routes.models import Trajectory
from notifications.models import Notification
from progress import services
from progress.models import Checkpoint, CheckpointStatus, LevelChangeRequest, MaximumHoursWarning, SkillAssessment
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_hours, give_lessons


def detect(world, as_of, tenant="a"):
    with scope([Grant(tenant_id=world.tenants[tenant].pk)]):
        return services.progress_detect(tenant=world.tenants[tenant], as_of=as_of)


def checkpoints():
    with scopes_disabled():
        return list(Checkpoint.objects.order_by("learner_id", "threshold_hours"))


def errors_of(excinfo) -> str:
    return " ".join(" ".join(messages) for messages in excinfo.value.message_dict.values())


@pytest.fixture
def setup(world):
    contract = make_contract(world)
    learner = make_learner(world, case_manager=world.users["case_a1"])
    trajectory = make_trajectory(learner, contract)
    return contract, learner, trajectory


def test_thresholds_come_from_the_contract(world):
    contract = make_contract(world, checkpoint_hours=[250, 500])
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract)
    give_hours(trajectory, 260)

    result = detect(world, date(2026, 6, 1))

    assert result.checkpoints_created == 1
    (checkpoint,) = checkpoints()
    assert checkpoint.threshold_hours == 250
    assert checkpoint.trajectory_id == trajectory.pk

    give_lessons(trajectory, first=date(2026, 6, 1), count=80)  # now past 500
    detect(world, date(2026, 9, 1))
    assert [c.threshold_hours for c in checkpoints()] == [250, 500]


def test_the_crossing_date_and_deadline_in_working_days_from_the_day_it_became_known(world, setup):
    contract, learner, trajectory = setup
    # 100 lessons of 3 hours from 2 February: the 100th lesson (day 100) reaches 300 hours.
    give_lessons(trajectory, first=date(2026, 2, 2), count=110)

    detect(world, date(2026, 12, 18))  # known on a Friday before Christmas

    (checkpoint,) = checkpoints()
    assert checkpoint.reached_on == date(2026, 5, 12)  # the 100th consecutive day from 2 February
    assert checkpoint.known_on == date(2026, 12, 18)
    # 10 working days skip Christmas, Boxing Day, New Year and the weekends.
    assert checkpoint.due_date == date(2027, 1, 5)
    assert checkpoint.status == CheckpointStatus.OPEN


def test_offered_hours_basis_counts_scheduled_minutes_of_lessons_not_cancelled(world):
    contract = make_contract(world, checkpoint_hours=[300], checkpoint_basis="aangeboden")
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract)
    give_lessons(trajectory, first=date(2026, 2, 2), count=100, attended=0)  # offered, never attended

    detect(world, date(2026, 6, 1))

    assert [c.threshold_hours for c in checkpoints()] == [300]


def test_hours_of_all_the_learners_trajectories_count_and_a_switch_does_not_bring_a_checkpoint_back(world, setup):
    contract, learner, trajectory = setup
    give_lessons(trajectory, first=date(2026, 2, 2), count=60)  # 180 hours
    with scope([Grant(tenant_id=learner.tenant_id)]):
        second = trajectory_services.trajectory_switch_route(
            actor=None, trajectory=trajectory, switch_date=date(2026, 4, 15), route="b1"
        )
    give_lessons(second, first=date(2026, 4, 15), count=50)  # 150 more: 330 in total

    detect(world, date(2026, 7, 1))
    detect(world, date(2026, 7, 2))

    (checkpoint,) = checkpoints()
    assert checkpoint.trajectory_id == second.pk
    assert checkpoint.threshold_hours == 300


def test_detection_is_idempotent_and_notifies_once(world, setup):
    contract, learner, trajectory = setup
    give_hours(trajectory, 310)

    detect(world, date(2026, 6, 1))
    detect(world, date(2026, 6, 1))

    assert len(checkpoints()) == 1
    case_manager_notes = Notification.objects.filter(user=world.users["case_a1"])
    provider_notes = Notification.objects.filter(user=world.users["staff_a"])
    assert case_manager_notes.count() == 1
    assert provider_notes.count() == 1
    assert Notification.objects.filter(user=world.users["case_a2"]).count() == 0


def test_overdue_checkpoints_are_marked_te_laat(world, setup):
    contract, learner, trajectory = setup
    give_hours(trajectory, 310)
    detect(world, date(2026, 6, 1))
    due = checkpoints()[0].due_date

    detect(world, due)
    assert checkpoints()[0].status == CheckpointStatus.OPEN
    detect(world, date(2026, 6, 30))
    assert checkpoints()[0].status == CheckpointStatus.OVERDUE
    assert checkpoints()[0].is_late


def test_other_tenants_learners_are_left_alone(world, setup):
    contract, learner, trajectory = setup
    give_hours(trajectory, 310)

    detect(world, date(2026, 6, 1), tenant="b")

    assert checkpoints() == []


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_create_each_checkpoint_exactly_once(world):
    contract = make_contract(world)
    trajectories = []
    for number in range(5):
        learner = make_learner(world, last_name=f"Learner {number}")
        trajectories.append(make_trajectory(learner, contract))
    for trajectory in trajectories:
        give_hours(trajectory, 610)
    barrier = threading.Barrier(2)
    failures = []

    def run():
        try:
            barrier.wait()
            run_daily_jobs(as_of=date(2026, 9, 1), only=["evaluatiemomenten"])
        except Exception as error:  # surfaced below: a lost race must not be an error either
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    rows = checkpoints()
    assert len(rows) == 10  # 5 learners × (300, 600)
    assert len({(c.learner_id, c.threshold_hours) for c in rows}) == 10
    # One digest per recipient, not one per run.
    assert Notification.objects.filter(user=world.users["staff_a"]).count() == 1


def submit(world, checkpoint, advice="doorgaan", **overrides):
    assessments = [
        {"skill": skill, "current_level": "A2", "on_track": True, "remark": ""}
        for skill in ("lezen", "luisteren", "schrijven", "spreken")
    ]
    with scope([Grant(tenant_id=checkpoint.tenant_id)]):
        return services.checkpoint_submit(
            actor=world.users["staff_a"],
            checkpoint=checkpoint,
            assessments=overrides.get("assessments", assessments),
            advice=advice,
            advice_remark=overrides.get("advice_remark", "Schrijven blijft achter."),
        )


def test_checkpoint_submission_needs_every_skill(world, setup):
    contract, learner, trajectory = setup
    give_hours(trajectory, 310)
    detect(world, date(2026, 6, 1))
    (checkpoint,) = checkpoints()

    with pytest.raises(ValidationError) as excinfo:
        submit(world, checkpoint, assessments=[{"skill": "lezen", "current_level": "A2", "on_track": True}])
    assert "assessments" in excinfo.value.message_dict

    submitted = submit(world, checkpoint, advice="afschalen")
    assert submitted.status == CheckpointStatus.SUBMITTED
    assert SkillAssessment.unscoped.filter(checkpoint=submitted).count() == 4
    assert Notification.objects.filter(user=world.users["case_a1"], url=checkpoint.get_absolute_url()).exists()
    with pytest.raises(ValidationError):
        submit(world, checkpoint)


def request_downscale(world, trajectory, skills=("schrijven",), **overrides):
    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        return services.level_change_request_create(
            actor=world.users["staff_a"],
            trajectory=trajectory,
            kind=overrides.get("kind", "afschalen"),
            skill_changes=overrides.get(
                "skill_changes", [{"skill": skill, "from": "B1", "to": "A2"} for skill in skills]
            ),
            new_route=overrides.get("new_route", ""),
            motivation="Na 600 uur blijft schrijven op A2; de toets van het ROC bevestigt dat.",
        )


def decide(world, request, decision="toegekend", reason="Akkoord.", user="case_a1"):
    with scope([Grant(tenant_id=request.tenant_id)]):
        return services.level_change_decide(actor=world.users[user], request=request, decision=decision, reason=reason)


def test_downscaling_before_the_minimum_says_how_many_hours_are_missing(world, setup):
    contract, learner, trajectory = setup
    give_lessons(trajectory, first=date(2026, 2, 2), count=183)  # 549 hours

    with pytest.raises(ValidationError) as excinfo:
        request_downscale(world, trajectory)

    message = errors_of(excinfo)
    assert "600" in message
    assert "549" in message
    assert "51" in message  # hours short
    with scopes_disabled():
        assert not LevelChangeRequest.objects.exists()


def test_the_contract_can_demand_more_than_600_hours(world):
    contract = make_contract(world, downscale_minimum_hours=700)
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract)
    give_hours(trajectory, 650)

    with pytest.raises(ValidationError) as excinfo:
        request_downscale(world, trajectory)
    assert "700" in errors_of(excinfo)


def test_downscaling_needs_the_b1_route_and_the_quality_mark(world):
    contract = make_contract(world, provider="shared", route_z=True, reference="Z-ONLY")
    with scopes_disabled():
        type(world.providers["shared"]).objects.filter(pk=world.providers["shared"].pk).update(has_quality_mark=False)
    contract.provider.refresh_from_db()
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract, route="z")
    give_hours(trajectory, 650)

    with pytest.raises(ValidationError) as excinfo:
        request_downscale(world, trajectory, skill_changes=[{"skill": "schrijven", "from": "A1", "to": "A1"}])

    message = errors_of(excinfo)
    assert "Blik op Werk" in message
    assert trajectory.get_route_display() in message


def test_per_skill_downscale_granted_changes_only_that_skill(world, setup):
    contract, learner, trajectory = setup
    give_hours(trajectory, 610)
    request = request_downscale(world, trajectory, skills=("schrijven",))
    assert request.attended_hours == 612  # 204 lessons of 3 hours
    assert Notification.objects.filter(user=world.users["case_a1"], url=request.get_absolute_url()).exists()

    decided = decide(world, request)

    trajectory = Trajectory.unscoped.get(pk=trajectory.pk)
    assert trajectory.status == "afgeschaald"
    assert trajectory.targets == {"lezen": "B1", "luisteren": "B1", "schrijven": "A2", "spreken": "B1"}
    assert decided.status == "toegekend"
    assert decided.turnaround_working_days is not None
    assert decided.decided_by == world.users["case_a1"]
    assert trajectory.history.filter(status="afgeschaald").first().history_user == world.users["case_a1"]
    assert Notification.objects.filter(user=world.users["staff_a"], url=request.get_absolute_url()).exists()


def test_a_refusal_needs_a_reason_and_leaves_the_trajectory_alone(world, setup):
    contract, learner, trajectory = setup
    give_hours(trajectory, 610)
    request = request_downscale(world, trajectory)

    with pytest.raises(ValidationError):
        decide(world, request, decision="afgewezen", reason="")
    decided = decide(world, request, decision="afgewezen", reason="Eerst de huiswerkklas proberen.")

    assert decided.status == "afgewezen"
    assert Trajectory.unscoped.get(pk=trajectory.pk).status == "actief"
    with pytest.raises(ValidationError):
        decide(world, decided)


def test_one_open_request_per_trajectory(world, setup):
    contract, learner, trajectory = setup
    give_hours(trajectory, 610)
    request_downscale(world, trajectory)
    with pytest.raises(ValidationError):
        request_downscale(world, trajectory, skills=("spreken",))


def test_upscaling_towards_b2_needs_the_b2_clause(world, setup):
    contract, learner, trajectory = setup
    with pytest.raises(ValidationError) as excinfo:
        request_downscale(
            world, trajectory, kind="opschalen", skill_changes=[{"skill": "spreken", "from": "B1", "to": "B2"}]
        )
    assert "B2" in errors_of(excinfo)

    with scopes_disabled():
        Contract.objects.filter(pk=contract.pk).update(b2_clause=True)
    trajectory = Trajectory.unscoped.get(pk=trajectory.pk)
    request = request_downscale(
        world, trajectory, kind="opschalen", skill_changes=[{"skill": "spreken", "from": "B1", "to": "B2"}]
    )
    decide(world, request)
    trajectory = Trajectory.unscoped.get(pk=trajectory.pk)
    assert trajectory.target_speaking == "B2"
    assert trajectory.b2_track


def test_a_granted_route_switch_ends_the_trajectory_and_starts_the_next(world):
    contract = make_contract(world, route_z=True)
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract)
    request = request_downscale(world, trajectory, kind="routewissel", skill_changes=[], new_route="z")

    decided = decide(world, request)

    old = Trajectory.unscoped.get(pk=trajectory.pk)
    assert old.status == "gestopt" and old.end_reason == "routewissel"
    assert decided.new_trajectory.route == "z"
    assert decided.new_trajectory.is_open


def test_downscaled_status_cannot_be_set_by_hand(world, setup):
    contract, learner, trajectory = setup
    give_hours(trajectory, 700)
    with scope([Grant(tenant_id=trajectory.tenant_id)]), pytest.raises(ValidationError) as excinfo:
        trajectory_services.trajectory_update(actor=None, trajectory=trajectory, status="afgeschaald")
    assert "status" in excinfo.value.message_dict


def test_maximum_hours_warning_once_and_again_after_an_extension(world):
    contract = make_contract(world, max_hours_b1=400, continue_while_progress=True)
    learner = make_learner(world, case_manager=world.users["case_a1"])
    trajectory = make_trajectory(learner, contract)
    give_hours(trajectory, 350)  # below 90% of 400

    assert detect(world, date(2026, 6, 1)).warnings_created == 0
    give_lessons(trajectory, first=date(2026, 9, 1), count=10)  # 381 hours: above 360
    assert detect(world, date(2026, 9, 15)).warnings_created == 1
    assert detect(world, date(2026, 9, 16)).warnings_created == 0

    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        services.hours_extension_grant(
            actor=world.users["case_a1"], trajectory=trajectory, extra_hours=100, reason="Spreken gaat vooruit."
        )
    assert detect(world, date(2026, 9, 17)).warnings_created == 0  # 381 of 500 is below 90%
    give_lessons(trajectory, first=date(2026, 10, 1), count=25)  # 456 hours: above 450
    assert detect(world, date(2026, 10, 30)).warnings_created == 1
    with scopes_disabled():
        assert sorted(MaximumHoursWarning.objects.values_list("maximum_hours", flat=True)) == [400, 500]


def test_extension_needs_a_contract_that_continues_while_there_is_progress(world, setup):
    contract, learner, trajectory = setup
    with scope([Grant(tenant_id=trajectory.tenant_id)]), pytest.raises(ValidationError):
        services.hours_extension_grant(
            actor=world.users["case_a1"], trajectory=trajectory, extra_hours=50, reason="Voortgang."
        )
