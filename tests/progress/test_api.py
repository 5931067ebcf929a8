"""The progress API: checkpoints (evaluatiemomenten), level-change requests (niveauwijzigingsverzoeken)
and hour extensions (verlengingen): who may do what, the service's Dutch messages under the API's
field names, what a grant does to the trajectory, filters, scope, query counts and no BSN anywhere."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance.models import TrajectoryAttendanceMonth
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes.models import Trajectory
from progress import services
from progress.models import Checkpoint, HoursExtension, LevelChangeRequest
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory

API = "/api/v1"
BSN = "111222333"  # passes the elfproef
SKILLS = ("lezen", "luisteren", "schrijven", "spreken")


# --- helpers -------------------------------------------------------------------------------------------


def give_hours(trajectory: Trajectory, attended_hours: int, *, month: date = date(2026, 3, 1)) -> None:
    """Attended (and offered) hours as one monthly rollup row: what the detection and the rules read."""
    TrajectoryAttendanceMonth.unscoped.create(
        tenant_id=trajectory.tenant_id,
        trajectory=trajectory,
        month=month,
        offered_minutes=attended_hours * 60,
        attended_minutes=attended_hours * 60,
    )


def detect(world, tenant: str = "a") -> None:
    with scope([Grant(tenant_id=world.tenants[tenant].pk)]):
        services.progress_detect(tenant=world.tenants[tenant], as_of=timezone.localdate())


def checkpoint_of(trajectory: Trajectory, threshold: int = 300) -> Checkpoint:
    with scopes_disabled():
        return Checkpoint.objects.get(trajectory=trajectory, threshold_hours=threshold)


def fresh(model, pk: int):
    with scopes_disabled():
        return model.objects.get(pk=pk)


def post(client: Client, path: str, data: dict):
    return client.post(f"{API}/{path}", data, content_type="application/json")


def problems(response, status: int = 400) -> dict[str, str]:
    """invalidParams as {name: all reasons joined}; asserts the problem+json shape."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    reasons: dict[str, list[str]] = {}
    for param in response.json()["invalidParams"]:
        reasons.setdefault(param["name"], []).append(param["reason"])
    return {name: " ".join(values) for name, values in reasons.items()}


def assessments(*, skills=SKILLS, level: str = "A2") -> list[dict]:
    return [{"vaardigheid": skill, "huidigNiveau": level, "opKoers": skill != "schrijven"} for skill in skills]


def keys_of(value) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value).union(*(keys_of(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_of(item) for item in value))
    return set()


def downscale(trajectory: Trajectory, skills=("schrijven",)) -> dict:
    return {
        "traject": trajectory.pk,
        "soort": "afschalen",
        "vaardigheden": [{"vaardigheid": skill, "van": "B1", "naar": "A2"} for skill in skills],
        "motivering": "Schrijven blijft na 600 uur op A2.",
        "onderbouwing": "Onafhankelijke toets schrijven: A2.",
    }


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def contract(world):
    """Tenant a, provider a (quality mark), municipality a1; B1 and Z routes; continues while there
    is progress up to 1000 B1 hours, extensions shared 50% by the municipality."""
    return make_contract(
        world,
        route_z=True,
        continue_while_progress=True,
        max_hours_b1=1000,
        extension_municipality_share_percentage=Decimal("50"),
    )


@pytest.fixture
def learner(world):
    return make_learner(world, bsn=BSN)


@pytest.fixture
def trajectory(learner, contract):
    return make_trajectory(learner, contract)


@pytest.fixture
def at_600(trajectory, world):
    """The trajectory with 600 attended hours and its 300- and 600-hour checkpoints."""
    give_hours(trajectory, 600)
    detect(world)
    return trajectory


def request_downscale(world, trajectory: Trajectory, skills=("schrijven",)) -> dict:
    response = post(world.client("staff_a"), "niveauwijzigingsverzoeken", downscale(trajectory, skills))
    assert response.status_code == 201, response.content
    return response.json()


# --- checkpoints -----------------------------------------------------------------------------------------


def test_the_provider_submits_a_checkpoint_with_four_skills_and_an_advice(world, at_600):
    checkpoint = checkpoint_of(at_600)

    response = post(
        world.client("staff_a"),
        f"evaluatiemomenten/{checkpoint.pk}/indienen",
        {"vaardigheden": assessments(), "advies": "afschalen", "toelichting": "Schrijven blijft achter."},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ingediend"
    assert body["advies"] == "afschalen"
    assert body["toelichting"] == "Schrijven blijft achter."
    assert body["ingediendOp"] is not None and body["beoordeeldOp"] is None
    assert body["traject"] == at_600.pk
    assert body["deelnemernummer"] == at_600.learner.learner_number
    assert body["drempelUren"] == 300 and body["urenBasis"] == "gevolgd"
    assert body["bekendOp"] == timezone.localdate().isoformat()
    assert {item["vaardigheid"]: (item["huidigNiveau"], item["opKoers"]) for item in body["vaardigheden"]} == {
        "lezen": ("A2", True),
        "luisteren": ("A2", True),
        "schrijven": ("A2", False),
        "spreken": ("A2", True),
    }
    assert fresh(Checkpoint, checkpoint.pk).submitted_by == world.users["staff_a"]


def test_a_checkpoint_with_a_skill_missing_is_refused_in_dutch(world, at_600):
    checkpoint = checkpoint_of(at_600)

    response = post(
        world.client("staff_a"),
        f"evaluatiemomenten/{checkpoint.pk}/indienen",
        {"vaardigheden": assessments(skills=SKILLS[:3]), "advies": "doorgaan"},
    )

    reasons = problems(response)
    assert set(reasons) == {"vaardigheden"}
    assert "spreken" in reasons["vaardigheden"]  # the missing skill, by its Dutch name
    assert "Assess every skill" not in reasons["vaardigheden"]
    assert fresh(Checkpoint, checkpoint.pk).status == "open"


def test_every_invalid_checkpoint_field_is_reported_at_once(world, at_600):
    checkpoint = checkpoint_of(at_600)
    items = assessments()
    items[0]["huidigNiveau"] = "C1"

    response = post(
        world.client("staff_a"),
        f"evaluatiemomenten/{checkpoint.pk}/indienen",
        {"vaardigheden": items, "advies": "opschalen"},  # an upscaling advice needs an explanation
    )

    reasons = problems(response)
    assert "vaardigheden.0.huidigNiveau" in reasons
    assert "toelichting" in reasons


def test_a_checkpoint_is_submitted_once(world, at_600):
    checkpoint = checkpoint_of(at_600)
    client = world.client("staff_a")
    data = {"vaardigheden": assessments(), "advies": "doorgaan"}
    assert post(client, f"evaluatiemomenten/{checkpoint.pk}/indienen", data).status_code == 200

    reasons = problems(post(client, f"evaluatiemomenten/{checkpoint.pk}/indienen", data))

    assert "This checkpoint was already submitted." not in reasons["nonFieldErrors"]


@pytest.mark.parametrize(("user", "status"), [("case_a1", 403), ("admin_a", 403), ("staff_shared", 404)])
def test_only_the_providers_staff_submit_a_checkpoint(world, at_600, user, status):
    checkpoint = checkpoint_of(at_600)

    response = post(
        world.client(user),
        f"evaluatiemomenten/{checkpoint.pk}/indienen",
        {"vaardigheden": assessments(), "advies": "doorgaan"},
    )

    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert fresh(Checkpoint, checkpoint.pk).status == "open"


def test_the_case_manager_reviews_a_submitted_checkpoint(world, at_600):
    checkpoint = checkpoint_of(at_600)
    post(
        world.client("staff_a"),
        f"evaluatiemomenten/{checkpoint.pk}/indienen",
        {"vaardigheden": assessments(), "advies": "doorgaan"},
    )

    refused = post(world.client("staff_a"), f"evaluatiemomenten/{checkpoint.pk}/beoordeling", {})
    response = post(world.client("case_a1"), f"evaluatiemomenten/{checkpoint.pk}/beoordeling", {"opmerking": "Gezien."})

    assert refused.status_code == 403
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "beoordeeld"
    assert body["beoordeeldOp"] is not None
    assert body["opmerkingBeoordeling"] == "Gezien."


def test_an_open_checkpoint_cannot_be_reviewed(world, at_600):
    checkpoint = checkpoint_of(at_600)

    reasons = problems(post(world.client("case_a1"), f"evaluatiemomenten/{checkpoint.pk}/beoordeling", {}))

    assert "Only a submitted checkpoint can be reviewed." not in reasons["nonFieldErrors"]


def test_checkpoint_list_filters_and_scope(world, at_600, contract):
    first, second = checkpoint_of(at_600, 300), checkpoint_of(at_600, 600)
    post(
        world.client("staff_a"),
        f"evaluatiemomenten/{first.pk}/indienen",
        {"vaardigheden": assessments(), "advies": "doorgaan"},
    )
    other_contract = make_contract(world, reference="A-2026-02", municipalities=("a2",))
    other = make_trajectory(make_learner(world, municipality="a2"), other_contract)
    give_hours(other, 300)
    detect(world)
    third = checkpoint_of(other)

    def ids(user: str, query: str = "") -> list[int]:
        response = world.client(user).get(f"{API}/evaluatiemomenten{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert sorted(ids("admin_a")) == sorted([first.pk, second.pk, third.pk])
    assert ids("admin_a", "?status=ingediend") == [first.pk]
    assert sorted(ids("admin_a", "?status=open")) == sorted([second.pk, third.pk])
    assert ids("admin_a", f"?contract={other_contract.pk}") == [third.pk]
    assert sorted(ids("admin_a", f"?traject={at_600.pk}")) == sorted([first.pk, second.pk])
    assert sorted(ids("case_a1")) == sorted([first.pk, second.pk])  # own municipality only
    assert ids("case_a2") == [third.pk]
    assert sorted(ids("staff_a")) == sorted([first.pk, second.pk, third.pk])
    assert ids("staff_b") == [] and ids("admin_b") == []
    assert "status" in problems(world.client("admin_a").get(f"{API}/evaluatiemomenten?status=klaar"))


def test_policy_viewers_do_not_read_personal_progress(world, at_600):
    checkpoint = checkpoint_of(at_600)
    client = world.client("policy_a")

    assert client.get(f"{API}/evaluatiemomenten").status_code == 403
    assert client.get(f"{API}/evaluatiemomenten/{checkpoint.pk}").status_code == 403
    assert client.get(f"{API}/niveauwijzigingsverzoeken").status_code == 403
    assert client.get(f"{API}/verlengingen").status_code == 403


# --- level-change requests -------------------------------------------------------------------------------


def test_downscaling_at_550_hours_says_how_many_hours_are_missing(world, trajectory):
    give_hours(trajectory, 550)

    response = post(world.client("staff_a"), "niveauwijzigingsverzoeken", downscale(trajectory))

    reasons = problems(response)
    assert "50" in reasons["soort"]
    assert "uur" in reasons["soort"]  # Dutch: the English source says "hours"
    assert "600" in reasons["soort"] and "550" in reasons["soort"]
    with scopes_disabled():
        assert not LevelChangeRequest.objects.exists()


def test_downscaling_needs_a_provider_with_the_quality_mark(world):
    contract_b = make_contract(world, tenant="b", provider="b", municipalities=("b1",), reference="B-2026-01")
    trajectory = make_trajectory(make_learner(world, tenant="b", municipality="b1"), contract_b)
    give_hours(trajectory, 600)

    reasons = problems(post(world.client("staff_b"), "niveauwijzigingsverzoeken", downscale(trajectory)))

    assert "Blik op Werk" in reasons["soort"]
    assert "keurmerk" in reasons["soort"]  # Dutch for "quality mark"


def test_a_granted_per_skill_downscale_lowers_only_that_skill(world, at_600):
    created = request_downscale(world, at_600, skills=("schrijven",))
    assert created["status"] == "ingediend"
    assert Decimal(created["gevolgdeUrenBijAanvraag"]) == Decimal("600")
    assert created["uiterlijkBesluit"] > timezone.localdate().isoformat()
    assert created["beslistOp"] is None and created["binnenTermijn"] is None
    assert created["vaardigheden"] == [{"vaardigheid": "schrijven", "van": "B1", "naar": "A2"}]

    response = post(
        world.client("case_a1"),
        f"niveauwijzigingsverzoeken/{created['id']}/beslissing",
        {"besluit": "toegekend", "toelichting": "Akkoord."},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "toegekend"
    assert body["toelichting"] == "Akkoord."
    assert body["beslistOp"] is not None
    assert body["doorlooptijdWerkdagen"] == 0
    assert body["binnenTermijn"] is True
    assert body["nieuwTraject"] is None
    trajectory = fresh(Trajectory, at_600.pk)
    assert trajectory.status == "afgeschaald"
    assert trajectory.targets == {"lezen": "B1", "luisteren": "B1", "schrijven": "A2", "spreken": "B1"}


def test_upscaling_towards_b2_needs_a_b2_clause(world, at_600):
    data = {
        "traject": at_600.pk,
        "soort": "opschalen",
        "vaardigheden": [{"vaardigheid": "spreken", "van": "B1", "naar": "B2"}],
        "motivering": "Spreekt al op B2-niveau.",
    }

    reasons = problems(post(world.client("staff_a"), "niveauwijzigingsverzoeken", data))

    assert "B2" in reasons["vaardigheden"]
    assert "clausule" in reasons["vaardigheden"]  # Dutch for "clause"


def test_a_granted_route_switch_ends_the_trajectory_and_starts_one_on_the_new_route(world, at_600):
    data = {
        "traject": at_600.pk,
        "soort": "routewissel",
        "nieuweRoute": "z",
        "motivering": "B1 is niet haalbaar; de Z-route past beter.",
    }
    created = post(world.client("staff_a"), "niveauwijzigingsverzoeken", data)
    assert created.status_code == 201, created.content
    assert created.json()["nieuweRoute"] == "z"
    assert created.json()["vaardigheden"] == []

    response = post(
        world.client("case_a1"),
        f"niveauwijzigingsverzoeken/{created.json()['id']}/beslissing",
        {"besluit": "toegekend"},
    )

    assert response.status_code == 200, response.content
    old = fresh(Trajectory, at_600.pk)
    assert old.status == "gestopt" and old.end_reason == "routewissel"
    new = fresh(Trajectory, response.json()["nieuwTraject"])
    assert new.route == "z" and new.is_open
    assert new.learner_id == old.learner_id and new.contract_id == old.contract_id
    assert new.start_date == timezone.localdate()


def test_a_route_switch_names_the_new_route(world, at_600):
    data = {"traject": at_600.pk, "soort": "routewissel", "nieuweRoute": "", "motivering": "Andere route."}

    reasons = problems(post(world.client("staff_a"), "niveauwijzigingsverzoeken", data))

    assert set(reasons) == {"nieuweRoute"}


def test_every_invalid_request_field_is_reported_at_once(world, at_600):
    data = {"traject": at_600.pk, "soort": "verhuizen", "motivering": ""}

    reasons = problems(post(world.client("staff_a"), "niveauwijzigingsverzoeken", data))

    assert {"soort", "motivering"} <= set(reasons)


@pytest.mark.parametrize("user", ["case_a1", "admin_a", "contract_a"])
def test_only_provider_staff_request_a_level_change(world, at_600, user):
    response = post(world.client(user), "niveauwijzigingsverzoeken", downscale(at_600))

    assert response.status_code == 403, response.content


def test_a_provider_cannot_request_for_a_trajectory_outside_its_contracts(world, at_600):
    reasons = problems(post(world.client("staff_shared"), "niveauwijzigingsverzoeken", downscale(at_600)))

    assert set(reasons) == {"traject"}


def test_the_provider_cannot_decide(world, at_600):
    created = request_downscale(world, at_600)

    response = post(
        world.client("staff_a"), f"niveauwijzigingsverzoeken/{created['id']}/beslissing", {"besluit": "toegekend"}
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("user", ["case_a2", "case_b1", "admin_b"])
def test_a_case_manager_of_another_municipality_gets_404(world, at_600, user):
    created = request_downscale(world, at_600)

    response = post(
        world.client(user), f"niveauwijzigingsverzoeken/{created['id']}/beslissing", {"besluit": "toegekend"}
    )

    assert response.status_code == 404
    assert world.client(user).get(f"{API}/niveauwijzigingsverzoeken/{created['id']}").status_code == 404


def test_a_decision_is_taken_once(world, at_600):
    created = request_downscale(world, at_600)
    client = world.client("case_a1")
    url = f"niveauwijzigingsverzoeken/{created['id']}/beslissing"
    assert post(client, url, {"besluit": "afgewezen", "toelichting": "Nog niet."}).status_code == 200

    reasons = problems(post(client, url, {"besluit": "toegekend"}))

    assert set(reasons) == {"nonFieldErrors"}
    assert "A decision was already taken on this request." not in reasons["nonFieldErrors"]
    assert fresh(LevelChangeRequest, created["id"]).status == "afgewezen"
    assert fresh(Trajectory, at_600.pk).status == "actief"


def test_a_refusal_needs_a_reason(world, at_600):
    created = request_downscale(world, at_600)

    reasons = problems(
        post(world.client("case_a1"), f"niveauwijzigingsverzoeken/{created['id']}/beslissing", {"besluit": "afgewezen"})
    )

    assert set(reasons) == {"toelichting"}
    assert "Give the reason for refusing." not in reasons["toelichting"]


def test_an_unknown_decision_is_refused(world, at_600):
    created = request_downscale(world, at_600)

    reasons = problems(
        post(world.client("case_a1"), f"niveauwijzigingsverzoeken/{created['id']}/beslissing", {"besluit": "misschien"})
    )

    assert "besluit" in reasons


def test_level_change_list_filters_and_scope(world, at_600, contract):
    downscaled = request_downscale(world, at_600)
    other = make_trajectory(make_learner(world, municipality="a1"), contract)
    created = post(
        world.client("staff_a"),
        "niveauwijzigingsverzoeken",
        {"traject": other.pk, "soort": "routewissel", "nieuweRoute": "z", "motivering": "Z past beter."},
    ).json()
    post(
        world.client("case_a1"),
        f"niveauwijzigingsverzoeken/{created['id']}/beslissing",
        {"besluit": "afgewezen", "toelichting": "Eerst de toets."},
    )

    def ids(user: str, query: str = "") -> list[int]:
        response = world.client(user).get(f"{API}/niveauwijzigingsverzoeken{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert sorted(ids("case_a1")) == sorted([downscaled["id"], created["id"]])
    assert ids("case_a1", "?soort=afschalen") == [downscaled["id"]]
    assert ids("case_a1", "?status=afgewezen") == [created["id"]]
    assert ids("case_a1", "?status=ingediend&soort=routewissel") == []
    assert ids("case_a1", f"?traject={other.pk}") == [created["id"]]
    assert len(ids("staff_a", f"?contract={contract.pk}")) == 2
    assert ids("case_a2") == [] and ids("staff_shared") == [] and ids("admin_b") == []
    assert "soort" in problems(world.client("case_a1").get(f"{API}/niveauwijzigingsverzoeken?soort=x"))


# --- extensions ----------------------------------------------------------------------------------------


def test_the_case_manager_grants_extra_hours_and_both_sides_see_them(world, trajectory):
    response = post(
        world.client("case_a1"),
        "verlengingen",
        {"traject": trajectory.pk, "extraUren": 40, "reden": "Goede voortgang bij spreken."},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["extraUren"] == 40
    assert Decimal(body["gemeentelijkAandeelPercentage"]) == Decimal("50")  # the contract's default
    assert body["verleendOp"] == timezone.localdate().isoformat()
    assert body["deelnemernummer"] == trajectory.learner.learner_number
    for user in ("case_a1", "staff_a", "admin_a"):
        listed = world.client(user).get(f"{API}/verlengingen?traject={trajectory.pk}").json()["results"]
        assert [item["id"] for item in listed] == [body["id"]], user
        assert world.client(user).get(f"{API}/verlengingen/{body['id']}").status_code == 200
    for user in ("case_a2", "staff_shared", "admin_b"):
        assert world.client(user).get(f"{API}/verlengingen").json()["results"] == [], user
        assert world.client(user).get(f"{API}/verlengingen/{body['id']}").status_code == 404, user


def test_an_extension_may_set_its_own_share(world, trajectory):
    response = post(
        world.client("case_a1"),
        "verlengingen",
        {"traject": trajectory.pk, "extraUren": 20, "reden": "Voortgang.", "gemeentelijkAandeelPercentage": "75"},
    )

    assert response.status_code == 201, response.content
    assert Decimal(response.json()["gemeentelijkAandeelPercentage"]) == Decimal("75")


@pytest.mark.parametrize("user", ["staff_a", "admin_a", "contract_a"])
def test_only_case_managers_grant_extensions(world, trajectory, user):
    response = post(world.client(user), "verlengingen", {"traject": trajectory.pk, "extraUren": 40, "reden": "X"})

    assert response.status_code == 403
    with scopes_disabled():
        assert not HoursExtension.objects.exists()


def test_no_extension_on_a_contract_that_does_not_continue_while_there_is_progress(world):
    plain = make_contract(world, reference="A-2026-09")
    trajectory = make_trajectory(make_learner(world), plain)

    response = post(world.client("case_a1"), "verlengingen", {"traject": trajectory.pk, "extraUren": 40, "reden": "X"})

    reasons = problems(response)
    assert "A-2026-09" in reasons["nonFieldErrors"]
    assert "does not continue while there is progress" not in reasons["nonFieldErrors"]


def test_every_invalid_extension_field_is_reported_at_once(world, trajectory):
    response = post(
        world.client("case_a1"),
        "verlengingen",
        {"traject": trajectory.pk, "extraUren": 0, "reden": "", "gemeentelijkAandeelPercentage": "150"},
    )

    assert {"extraUren", "reden", "gemeentelijkAandeelPercentage"} <= set(problems(response))


# --- no BSN, query counts ------------------------------------------------------------------------------


def test_no_response_contains_the_bsn(world, at_600):
    checkpoint = checkpoint_of(at_600)
    submitted = post(
        world.client("staff_a"),
        f"evaluatiemomenten/{checkpoint.pk}/indienen",
        {"vaardigheden": assessments(), "advies": "doorgaan"},
    )
    created = post(world.client("staff_a"), "niveauwijzigingsverzoeken", downscale(at_600))
    decided = post(
        world.client("case_a1"),
        f"niveauwijzigingsverzoeken/{created.json()['id']}/beslissing",
        {"besluit": "afgewezen", "toelichting": "Nee."},
    )
    extension = post(world.client("case_a1"), "verlengingen", {"traject": at_600.pk, "extraUren": 5, "reden": "X"})
    responses = [submitted, created, decided, extension]
    for user in ("case_a1", "staff_a", "admin_a"):
        client = world.client(user)
        for path in (
            "evaluatiemomenten",
            f"evaluatiemomenten/{checkpoint.pk}",
            "niveauwijzigingsverzoeken",
            f"niveauwijzigingsverzoeken/{created.json()['id']}",
            "verlengingen",
            f"verlengingen/{extension.json()['id']}",
        ):
            responses.append(client.get(f"{API}/{path}"))

    for response in responses:
        assert response.status_code in (200, 201), response.content
        assert not [key for key in keys_of(response.json()) if "bsn" in key.lower()]
        assert BSN not in response.content.decode()


def _add_rows(world, contract, count: int) -> None:
    for _ in range(count):
        trajectory = make_trajectory(make_learner(world), contract)
        give_hours(trajectory, 600)
        with scope([Grant(tenant_id=trajectory.tenant_id)]):
            services.level_change_request_create(
                actor=world.users["staff_a"],
                trajectory=trajectory,
                kind="afschalen",
                skill_changes=[{"skill": "schrijven", "from": "B1", "to": "A2"}],
                motivation="Blijft achter.",
            )
            services.hours_extension_grant(
                actor=world.users["case_a1"], trajectory=trajectory, extra_hours=10, reason="Voortgang."
            )
    detect(world)
    with scopes_disabled():
        for checkpoint in Checkpoint.objects.filter(status="open", threshold_hours=300):
            with scope([Grant(tenant_id=checkpoint.tenant_id)]):
                services.checkpoint_submit(
                    actor=world.users["staff_a"],
                    checkpoint=checkpoint,
                    assessments=[
                        {"skill": skill, "current_level": "A2", "on_track": True, "remark": ""} for skill in SKILLS
                    ],
                    advice="doorgaan",
                )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("user", ["admin_a", "case_a1", "staff_a"])
@pytest.mark.parametrize("path", ["evaluatiemomenten", "niveauwijzigingsverzoeken", "verlengingen"])
def test_list_endpoints_do_not_grow_queries_with_rows(world, contract, user, path):
    client = world.client(user)
    url = f"{API}/{path}"
    _add_rows(world, contract, 2)
    _queries(client, url)
    before = _queries(client, url)
    _add_rows(world, contract, 5)
    after = _queries(client, url)
    assert after == before, f"{url} as {user}: {before} queries with 2 learners, {after} with 7"


def test_the_openapi_document_lists_the_progress_routes(db):
    document = Client().get(f"{API}/openapi.json").json()
    paths = {
        "/api/v1/evaluatiemomenten",
        "/api/v1/evaluatiemomenten/{id}",
        "/api/v1/evaluatiemomenten/{id}/indienen",
        "/api/v1/evaluatiemomenten/{id}/beoordeling",
        "/api/v1/niveauwijzigingsverzoeken",
        "/api/v1/niveauwijzigingsverzoeken/{id}",
        "/api/v1/niveauwijzigingsverzoeken/{id}/beslissing",
        "/api/v1/verlengingen",
        "/api/v1/verlengingen/{id}",
    }
    assert paths <= set(document["paths"])
    request = document["components"]["schemas"]["Niveauwijzigingsverzoek"]["properties"]
    assert {"gevolgdeUrenBijAanvraag", "uiterlijkBesluit", "doorlooptijdWerkdagen", "binnenTermijn"} <= set(request)
    for name in ("Evaluatiemoment", "Niveauwijzigingsverzoek", "Verlenging"):
        assert not [key for key in document["components"]["schemas"][name]["properties"] if "bsn" in key.lower()]
