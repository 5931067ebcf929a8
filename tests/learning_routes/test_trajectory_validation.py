"""Every way a trajectory can break its contract is refused with a clear Dutch message, in the form."""

import html
import re
from datetime import date

import pytest

from inburgering.tenancy.scoping import scopes_disabled
from learning_routes.models import Trajectory
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _form(contract, **changes):
    data = {
        "contract": contract.pk,
        "route": "b1",
        "status": "actief",
        "start_date": "2026-02-01",
        "dagdelen_per_week": "4",
        "moment_daytime": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("contract_overrides", "form_changes", "learner_overrides", "message"),
    [
        ({}, {"route": "z"}, {}, "dekt de Z-route niet"),
        ({}, {"start_date": "2028-03-01"}, {}, "is niet actief op 01-03-2028"),
        # The form offers only active contracts covering the learner's municipality (the API refuses
        # the others with the contract's reason: tests/learning_routes/test_api.py).
        ({"status": "concept"}, {}, {}, "Selecteer een geldige keuze"),
        ({"age_segment": "onder_27"}, {}, {}, "is voor inburgeraars onder 27"),
        ({"dagdelen_per_week": [3]}, {}, {}, "staat 3 dagdelen per week toe, niet 4"),
        ({}, {"moment_evening": "on"}, {}, "biedt geen avondlessen"),
        ({}, {}, {"municipality": "a2"}, "Selecteer een geldige keuze"),
        ({}, {"b2_track": "on"}, {}, "heeft geen B2-clausule"),
    ],
    ids=["route", "period", "draft", "age", "dagdelen", "moment", "municipality", "b2"],
)
def test_each_contract_condition_is_checked(world, contract_overrides, form_changes, learner_overrides, message):
    contract = make_contract(world, **contract_overrides)
    learner = make_learner(world, **learner_overrides)
    client = world.client("admin_a")
    response = client.post(f"/inburgeraars/{learner.pk}/trajecten/nieuw", _form(contract, **form_changes))
    assert response.status_code == 200
    assert message in _text(response)
    with scopes_disabled():
        assert not Trajectory.objects.exists()


def test_a_valid_trajectory_gets_the_routes_default_targets(world, contract):
    learner = make_learner(world)
    response = world.client("case_a1").post(f"/inburgeraars/{learner.pk}/trajecten/nieuw", _form(contract))
    assert response.status_code == 302
    with scopes_disabled():
        trajectory = Trajectory.objects.get()
    assert trajectory.targets == {"lezen": "B1", "luisteren": "B1", "schrijven": "B1", "spreken": "B1"}


def test_a_second_open_trajectory_is_refused(world, contract):
    learner = make_learner(world)
    make_trajectory(learner, contract)
    response = world.client("case_a1").post(f"/inburgeraars/{learner.pk}/trajecten/nieuw", _form(contract))
    assert "heeft al een open traject" in _text(response)
    with scopes_disabled():
        assert Trajectory.objects.count() == 1


def test_age_is_taken_on_the_start_date(world):
    """A learner who turns 27 after the start still fits an under-27 contract."""
    contract = make_contract(world, age_segment="onder_27")
    learner = make_learner(world, date_of_birth=date(1999, 3, 1))  # 26 on 01-02-2026, 27 a month later
    response = world.client("case_a1").post(f"/inburgeraars/{learner.pk}/trajecten/nieuw", _form(contract))
    assert response.status_code == 302


def test_a_b2_target_needs_the_b2_track(world):
    contract = make_contract(world, b2_clause=True)
    learner = make_learner(world)
    response = world.client("case_a1").post(
        f"/inburgeraars/{learner.pk}/trajecten/nieuw", _form(contract, target_speaking="B2")
    )
    assert "Een B2-doel vraagt om het B2-traject" in _text(response)
    ok = world.client("case_a1").post(
        f"/inburgeraars/{learner.pk}/trajecten/nieuw", _form(contract, target_speaking="B2", b2_track="on")
    )
    assert ok.status_code == 302


@pytest.mark.parametrize(
    ("contract_overrides", "learner_overrides", "message"),
    [
        ({"status": "concept"}, {}, "is niet actief op 01-02-2026"),
        ({}, {"municipality": "a2"}, "dekt de gemeente van de inburgeraar niet (Gemeente A2)"),
    ],
    ids=["draft", "municipality"],
)
def test_the_service_names_the_contract_condition_that_fails(world, contract_overrides, learner_overrides, message):
    """What the form does not even offer, the service (and so the API) refuses with the reason."""
    from django.core.exceptions import ValidationError

    contract = make_contract(world, **contract_overrides)
    learner = make_learner(world, **learner_overrides)
    with pytest.raises(ValidationError) as refused:
        make_trajectory(learner, contract)
    assert message in " ".join(refused.value.messages)
