"""The learner, trajectory and exam result API: BSN handling, municipality scope, contract checks,
the provider view's allow-list and query counts."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes import services
from learning_routes.models import DossierAccess, DossierAction, ExamResult, Learner, Trajectory
from tests.contracts.conftest import make_contract

API = "/api/v1"
BSN = "111222333"  # passes the elfproef


@pytest.fixture
def contract(world):
    """Tenant a, provider a, municipality a1, B1 route, 3-5 dayparts, daytime only, 2026-2027 (own
    fixture, so these tests do not depend on the package conftest)."""
    return make_contract(world)


# --- helpers -------------------------------------------------------------------------------------------


def _bsns() -> Iterator[str]:
    """Valid BSNs (elfproef): eight digits and the check digit that makes the weighted sum divisible by 11."""
    for number in itertools.count(20_000_000):
        digits = f"{number:08d}"
        check = sum(int(digit) * weight for digit, weight in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            yield digits + str(check)


_BSN_SOURCE = _bsns()


def new_bsn() -> str:
    return next(_BSN_SOURCE)


def make_learner(world, municipality: str = "a1", *, bsn: str | None = None, **fields) -> Learner:
    place = world.municipalities[municipality]
    values = dict(
        first_name="Amira",
        last_name="Haddad",
        date_of_birth=date(1990, 5, 17),
        phone="0612345678",
        email="amira@example.nl",
    )
    values.update(fields)
    with scope([Grant(tenant_id=place.tenant_id)]):
        return services.learner_create(
            actor=None, tenant=place.tenant, bsn=bsn or new_bsn(), municipality=place, **values
        )


def make_trajectory(world, learner: Learner, contract, **fields) -> Trajectory:
    values = dict(route="b1", status="actief", start_date=date(2026, 2, 2), dagdelen_per_week=4)
    values.update(fields)
    with scope([Grant(tenant_id=learner.tenant_id)]):
        return services.trajectory_create(actor=None, learner=learner, contract=contract, **values)


def make_exam_result(trajectory: Trajectory, **fields) -> ExamResult:
    values = dict(component="lezen", level="A2", exam_date=timezone.localdate(), passed=True)
    values.update(fields)
    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        return services.exam_result_create(actor=None, trajectory=trajectory, **values)


def learner_payload(world, municipality: str = "a1", **changes) -> dict:
    data = {
        "gemeente": world.municipalities[municipality].cbs_code,
        "bsn": BSN,
        "voornaam": "Amira",
        "achternaam": "Haddad",
        "geboortedatum": "1990-05-17",
        "telefoon": "0612345678",
        "email": "amira@example.nl",
    }
    data.update(changes)
    return data


def trajectory_payload(learner: Learner, contract, **changes) -> dict:
    data = {
        "inburgeraar": learner.pk,
        "contract": contract.pk,
        "leerroute": "b1",
        "status": "actief",
        "startdatum": "2026-02-02",
        "dagdelenPerWeek": 4,
    }
    data.update(changes)
    return data


def post(client: Client, path: str, data):
    return client.post(f"{API}/{path}", data, content_type="application/json")


def patch(client: Client, path: str, data):
    return client.patch(f"{API}/{path}", data, content_type="application/json")


def invalid_names(response) -> set[str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return {param["name"] for param in response.json()["invalidParams"]}


def token_client(user) -> Client:
    token = Token.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def count(model) -> int:
    with scopes_disabled():
        return model.objects.count()


# --- learners: the BSN ---------------------------------------------------------------------------------


def test_a_case_manager_registers_a_learner_and_never_gets_the_bsn_back(world):
    response = post(world.client("case_a1"), "inburgeraars", learner_payload(world))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["deelnemernummer"]
    assert body["bsnGemaskeerd"] == "*****2333"
    assert "bsn" not in body
    assert BSN not in response.content.decode()
    assert body["gemeente"] == world.municipalities["a1"].cbs_code
    assert body["inburgeringstermijnEinde"] is None  # no PIP date yet


def test_the_database_does_not_hold_the_bsn_in_clear_nor_as_a_plain_hash(world):
    response = post(world.client("case_a1"), "inburgeraars", learner_payload(world))
    learner_id = response.json()["id"]

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Learner._meta.db_table} WHERE id = %s", [learner_id])
        row = cursor.fetchone()
        cursor.execute(f"SELECT * FROM {Learner.history.model._meta.db_table} WHERE id = %s", [learner_id])
        history_rows = cursor.fetchall()
    stored = " ".join(str(value) for value in [*row, *itertools.chain.from_iterable(history_rows)])
    assert history_rows
    assert BSN not in stored
    assert hashlib.sha256(BSN.encode()).hexdigest() not in stored


def test_an_invalid_bsn_is_refused_on_the_bsn_field(world):
    response = post(world.client("case_a1"), "inburgeraars", learner_payload(world, bsn="123456789"))

    assert "bsn" in invalid_names(response)
    assert count(Learner) == 0


def test_a_bsn_is_unique_in_the_region_but_may_recur_in_another_region(world):
    make_learner(world, "a2", bsn=BSN)  # a dossier case_a1 cannot see

    duplicate = post(world.client("case_a1"), "inburgeraars", learner_payload(world))
    other_region = post(world.client("case_b1"), "inburgeraars", learner_payload(world, "b1"))

    assert "bsn" in invalid_names(duplicate)
    assert other_region.status_code == 201, other_region.content


def test_every_invalid_learner_field_is_reported_at_once(world):
    data = learner_payload(world, bsn="123456789", geboortedatum="2999-01-01", email="geen-adres")
    del data["voornaam"]

    response = post(world.client("case_a1"), "inburgeraars", data)

    assert {"bsn", "geboortedatum", "email", "voornaam"} <= invalid_names(response)


def test_opening_a_learner_is_recorded_in_the_access_log(world):
    learner = make_learner(world)

    response = world.client("case_a1").get(f"{API}/inburgeraars/{learner.pk}")

    assert response.status_code == 200
    assert response.json()["bsnGemaskeerd"].startswith("*****")
    with scopes_disabled():
        logged = DossierAccess.objects.filter(learner=learner, user=world.users["case_a1"])
        assert [(entry.action, entry.via) for entry in logged] == [(DossierAction.VIEWED, "api")]


def test_a_case_manager_changes_a_learner(world):
    learner = make_learner(world)

    response = patch(
        world.client("case_a1"),
        f"inburgeraars/{learner.pk}",
        {"telefoon": "0201234567", "pipDatum": "2026-01-10", "klantmanager": "case_a2"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["telefoon"] == "0201234567"
    assert body["klantmanager"] == "case_a2"
    assert body["inburgeringstermijnStart"] == "2026-01-11"
    assert body["inburgeringstermijnEinde"] == "2029-01-11"


# --- learners: the municipality scope ------------------------------------------------------------------


def test_a_case_manager_cannot_register_a_learner_in_another_municipality(world):
    response = post(world.client("case_a1"), "inburgeraars", learner_payload(world, "a2"))

    assert "gemeente" in invalid_names(response)
    assert count(Learner) == 0


def test_a_case_manager_sees_only_learners_of_their_own_municipality(world):
    own = make_learner(world, "a1", last_name="Eigen")
    other = make_learner(world, "a2", last_name="Ander")
    client = world.client("case_a1")

    listed = client.get(f"{API}/inburgeraars").json()["results"]

    assert [row["id"] for row in listed] == [own.pk]
    assert client.get(f"{API}/inburgeraars/{other.pk}").status_code == 404
    assert patch(client, f"inburgeraars/{other.pk}", {"telefoon": "1"}).status_code == 404


def test_learner_filters_take_natural_keys_and_report_bad_values(world, contract):
    on_route = make_learner(world, "a1", last_name="Route")
    make_learner(world, "a1", last_name="Zonder")
    make_trajectory(world, on_route, contract)
    client = world.client("admin_a")

    def ids(query: str) -> list[int]:
        response = client.get(f"{API}/inburgeraars?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("leerroute=b1") == [on_route.pk]
    assert ids(f"contract={contract.pk}") == [on_route.pk]
    assert ids("status=actief") == [on_route.pk]
    assert ids(f"gemeente={world.municipalities['a2'].cbs_code}") == []
    bad = client.get(f"{API}/inburgeraars?leerroute=c2&contract=abc&status=klaar")
    assert invalid_names(bad) == {"leerroute", "contract", "status"}


# --- trajectories: contract conditions -----------------------------------------------------------------

CONDITION_CASES = [
    # (id, caller, learner's municipality, contract overrides, payload changes, expected API name)
    ("route not covered", "case_a1", "a1", {}, {"leerroute": "z"}, "leerroute"),
    ("dagdelen not allowed", "case_a1", "a1", {}, {"dagdelenPerWeek": 2}, "dagdelenPerWeek"),
    ("lesson moment not offered", "case_a1", "a1", {}, {"avondles": True}, "avondles"),
    ("contract not active on the start date", "case_a1", "a1", {}, {"startdatum": "2025-06-01"}, "startdatum"),
    ("municipality not covered", "admin_a", "a2", {}, {}, "contract"),
    ("age segment", "case_a1", "a1", {"age_segment": "onder_27"}, {}, "contract"),
]


@pytest.mark.parametrize(
    ("caller", "municipality", "contract_overrides", "changes", "api_name"),
    [case[1:] for case in CONDITION_CASES],
    ids=[case[0] for case in CONDITION_CASES],
)
def test_a_trajectory_breaking_its_contract_is_refused_on_the_right_field(
    world, caller, municipality, contract_overrides, changes, api_name
):
    contract = make_contract(world, **contract_overrides)
    learner = make_learner(world, municipality)

    response = post(world.client(caller), "trajecten", trajectory_payload(learner, contract, **changes))

    assert api_name in invalid_names(response)
    assert count(Trajectory) == 0


def test_every_broken_condition_and_type_error_is_reported_at_once(world):
    contract = make_contract(world, age_segment="onder_27")
    learner = make_learner(world)
    data = trajectory_payload(
        learner,
        contract,
        leerroute="z",
        dagdelenPerWeek=2,
        avondles=True,
        weekendles=True,
        startdatum="2025-06-01",
        dagles="misschien",
    )

    response = post(world.client("case_a1"), "trajecten", data)

    assert {"leerroute", "dagdelenPerWeek", "avondles", "weekendles", "startdatum", "contract", "dagles"} <= (
        invalid_names(response)
    )


def test_a_case_manager_starts_a_trajectory_and_a_second_open_one_is_refused(world, contract):
    learner = make_learner(world)
    client = world.client("case_a1")

    first = post(client, "trajecten", trajectory_payload(learner, contract))
    second = post(client, "trajecten", trajectory_payload(learner, contract, startdatum="2026-03-02"))

    assert first.status_code == 201, first.content
    body = first.json()
    assert body["deelnemernummer"] == learner.learner_number
    assert body["contract"] == contract.pk
    assert (body["leerroute"], body["doelniveauSpreken"], body["dagles"]) == ("b1", "B1", True)
    assert invalid_names(second) == {"nonFieldErrors"}
    assert count(Trajectory) == 1


def test_ending_a_trajectory_needs_an_end_date_and_reason(world, contract):
    trajectory = make_trajectory(world, make_learner(world), contract)
    client = world.client("case_a1")

    incomplete = patch(client, f"trajecten/{trajectory.pk}", {"status": "gestopt"})
    ended = patch(
        client, f"trajecten/{trajectory.pk}", {"status": "gestopt", "einddatum": "2026-05-01", "eindreden": "werk"}
    )

    assert {"einddatum", "eindreden"} <= invalid_names(incomplete)
    assert ended.status_code == 200, ended.content
    assert (ended.json()["status"], ended.json()["eindreden"]) == ("gestopt", "werk")


# --- exam results --------------------------------------------------------------------------------------


def test_exam_results_are_recorded_and_checked(world, contract):
    trajectory = make_trajectory(world, make_learner(world), contract)
    client = world.client("case_a1")

    recorded = post(
        client,
        "examenresultaten",
        {"traject": trajectory.pk, "onderdeel": "lezen", "niveau": "B1", "examendatum": "2026-06-01", "behaald": True},
    )
    refused = post(
        client,
        "examenresultaten",
        {"traject": trajectory.pk, "onderdeel": "spreken", "examendatum": "2999-01-01", "behaald": False},
    )

    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["deelnemernummer"] == trajectory.learner.learner_number
    assert {"niveau", "examendatum"} <= invalid_names(refused)
    listed = client.get(f"{API}/examenresultaten?traject={trajectory.pk}").json()["results"]
    assert [(row["onderdeel"], row["niveau"], row["behaald"]) for row in listed] == [("lezen", "B1", True)]


# --- roles ---------------------------------------------------------------------------------------------


def test_roles_without_access_to_learners_are_refused(world, contract):
    trajectory = make_trajectory(world, make_learner(world), contract)

    for path in ("inburgeraars", "trajecten", "examenresultaten"):
        assert world.client("policy_a").get(f"{API}/{path}").status_code == 403
    contract_manager = world.client("contract_a")
    assert contract_manager.get(f"{API}/inburgeraars").status_code == 403
    trajectories = contract_manager.get(f"{API}/trajecten").json()["results"]
    assert [row["contract"] for row in trajectories] == [contract.pk]  # the full view, with the contract
    assert patch(contract_manager, f"trajecten/{trajectory.pk}", {"dagdelenPerWeek": 3}).status_code == 403


# --- the provider view ---------------------------------------------------------------------------------

PAGE_KEYS = {"count", "next", "previous", "results"}
PROVIDER_LEARNER_KEYS = {"id", "deelnemernummer", "voornaam", "achternaam"}
PROVIDER_TRAJECTORY_KEYS = {
    "id",
    "deelnemernummer",
    "voornaam",
    "achternaam",
    "leerroute",
    "status",
    "startdatum",
    "einddatum",
    "doelniveauLezen",
    "doelniveauLuisteren",
    "doelniveauSchrijven",
    "doelniveauSpreken",
    "dagdelenPerWeek",
    "dagles",
    "avondles",
    "weekendles",
    "onlineles",
    "blended",
}
PROVIDER_EXAM_RESULT_KEYS = {"id", "traject", "deelnemernummer", "onderdeel", "niveau", "examendatum", "behaald"}


def _all_keys(data) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _all_keys(value)
    elif isinstance(data, list):
        for item in data:
            yield from _all_keys(item)


@pytest.fixture
def provider_world(world):
    """Provider a's contract with one learner (trajectory + exam result); the shared provider's
    contract in the same region with another learner; a learner without any trajectory."""
    contract = make_contract(world)
    shared_contract = make_contract(world, provider="shared", reference="A-2026-02")
    ours = make_learner(world, first_name="Noor", last_name="Aanbieder-A", bsn=BSN, phone="0611112222")
    theirs = make_learner(world, first_name="Sami", last_name="Gedeeld")
    unplaced = make_learner(world, first_name="Lina", last_name="Zonder-traject")
    trajectory = make_trajectory(world, ours, contract)
    shared_trajectory = make_trajectory(world, theirs, shared_contract)
    world.objects.update(
        learner=ours,
        other_learner=theirs,
        unplaced=unplaced,
        trajectory=trajectory,
        exam_result=make_exam_result(trajectory),
        shared_exam_result=make_exam_result(shared_trajectory),
    )
    return world


def test_provider_staff_see_only_the_allow_listed_fields_everywhere(provider_world):
    w = provider_world
    learner, trajectory, result = w.objects["learner"], w.objects["trajectory"], w.objects["exam_result"]
    client = token_client(w.users["staff_a"])
    endpoints = {
        "inburgeraars": PROVIDER_LEARNER_KEYS,
        f"inburgeraars/{learner.pk}": PROVIDER_LEARNER_KEYS,
        "trajecten": PROVIDER_TRAJECTORY_KEYS,
        f"trajecten/{trajectory.pk}": PROVIDER_TRAJECTORY_KEYS,
        "examenresultaten": PROVIDER_EXAM_RESULT_KEYS,
        f"examenresultaten/{result.pk}": PROVIDER_EXAM_RESULT_KEYS,
    }
    for path, allowed in endpoints.items():
        response = client.get(f"{API}/{path}")
        assert response.status_code == 200, (path, response.content)
        body = response.json()
        keys = set(_all_keys(body))
        assert keys <= allowed | PAGE_KEYS, f"{path}: not allow-listed: {sorted(keys - allowed - PAGE_KEYS)}"
        assert not [key for key in keys if "bsn" in key.lower()], path
        assert not keys & {"geboortedatum", "telefoon", "email"}, path
        text = response.content.decode()
        for secret in (BSN, "2333", "0611112222", "amira@example.nl", "1990-05-17"):
            assert secret not in text, (path, secret)
        rows = body.get("results", [body])
        assert [row["deelnemernummer"] for row in rows] == [learner.learner_number], path
        if "results" not in body:
            assert keys == allowed, f"{path}: the provider view lacks {sorted(allowed - keys)}"


def test_provider_staff_see_nothing_of_other_providers_or_regions(provider_world):
    w = provider_world
    details = [
        f"inburgeraars/{w.objects['learner'].pk}",
        f"trajecten/{w.objects['trajectory'].pk}",
        f"examenresultaten/{w.objects['exam_result'].pk}",
    ]
    for staff in ("staff_b", "staff_shared"):
        client = token_client(w.users[staff])
        for path in ("inburgeraars", "trajecten", "examenresultaten"):
            response = client.get(f"{API}/{path}")
            assert response.status_code == 200
            assert w.objects["learner"].learner_number not in response.content.decode(), (staff, path)
            if staff == "staff_b":
                assert response.json()["count"] == 0, path
        for path in details:
            assert client.get(f"{API}/{path}").status_code == 404, (staff, path)
    unplaced = token_client(w.users["staff_a"]).get(f"{API}/inburgeraars/{w.objects['unplaced'].pk}")
    assert unplaced.status_code == 404


def test_provider_staff_cannot_create_or_change_anything(provider_world):
    w = provider_world
    learner, trajectory = w.objects["learner"], w.objects["trajectory"]
    client = token_client(w.users["staff_a"])
    before = (count(Learner), count(Trajectory), count(ExamResult))

    assert post(client, "inburgeraars", learner_payload(w, bsn=new_bsn())).status_code == 403
    assert patch(client, f"inburgeraars/{learner.pk}", {"voornaam": "X"}).status_code == 403
    assert post(client, "trajecten", trajectory_payload(learner, trajectory.contract)).status_code == 403
    assert patch(client, f"trajecten/{trajectory.pk}", {"dagdelenPerWeek": 3}).status_code == 403
    exam = {"traject": trajectory.pk, "onderdeel": "knm", "examendatum": "2026-06-01", "behaald": True}
    assert post(client, "examenresultaten", exam).status_code == 403
    assert (count(Learner), count(Trajectory), count(ExamResult)) == before
    with scopes_disabled():
        assert Learner.objects.get(pk=learner.pk).first_name == "Noor"


# --- query counts --------------------------------------------------------------------------------------


def _add_rows(world, contract, n: int) -> None:
    for _ in range(n):
        trajectory = make_trajectory(world, make_learner(world), contract)
        make_exam_result(trajectory)
        make_exam_result(trajectory, component="knm", level="")


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("user", ["admin_a", "case_a1", "staff_a"])
@pytest.mark.parametrize("path", ["inburgeraars", "trajecten", "examenresultaten"])
def test_list_endpoints_do_not_grow_queries_with_rows(world, contract, user, path):
    client = world.client(user)
    url = f"{API}/{path}"
    _add_rows(world, contract, 2)
    _queries(client, url)
    before = _queries(client, url)
    _add_rows(world, contract, 5)
    after = _queries(client, url)
    assert after == before, f"{url} as {user}: {before} queries with 2 learners, {after} with 7"
