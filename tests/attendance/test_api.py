"""The attendance API: file upload (202, then status, counts and fouten), JSON push (validation and
idempotency), who may deliver and read, and flat query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from attendance import services
from attendance.models import AttendanceRecord, AttendanceUpload
from attendance.parsing import CANONICAL_COLUMNS
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory

API = "/api/v1"
HEADER = ";".join(CANONICAL_COLUMNS)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def setup(world):
    contract = make_contract(world)
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract, start_date=date(2026, 2, 1))
    return {"contract": contract, "learner": learner, "trajectory": trajectory}


def token_client(user) -> Client:
    token, _created = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def csv_file(number: str, *extra: str) -> SimpleUploadedFile:
    rows = [
        HEADER,
        f"{number};02-03-2026;ochtend;180;180;aanwezig;;nee;",
        f"{number};04-03-2026;middag;180;0;afwezig;ziek;nee;",
        *extra,
    ]
    return SimpleUploadedFile("export.csv", ("\n".join(rows) + "\n").encode(), content_type="text/csv")


def process(world, upload_id: int) -> AttendanceUpload:
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        return services.upload_process(upload_id=upload_id)


def records(number: str, count: int = 3) -> list[dict]:
    return [
        {
            "deelnemernummer": number,
            "datum": f"2026-03-{day:02d}",
            "dagdeel": "ochtend",
            "geplandeMinuten": 180,
            "aanwezigeMinuten": 180 if day % 2 else 0,
            "status": "aanwezig" if day % 2 else "afwezig",
            "reden": "" if day % 2 else "ziek",
            "huiswerkklas": False,
            "opmerking": "",
        }
        for day in range(2, 2 + count)
    ]


def push(client, contract, items):
    return client.post(
        f"{API}/aanwezigheidsregistraties",
        {"contract": contract.pk, "registraties": items},
        content_type="application/json",
    )


def record_count() -> int:
    with scopes_disabled():
        return AttendanceRecord.objects.count()


# --- File upload -------------------------------------------------------------------------------------


def test_an_upload_answers_202_and_the_detail_shows_counts_and_fouten(world, setup):
    client = token_client(world.users["staff_a"])
    response = client.post(
        f"{API}/aanwezigheidsuploads",
        {
            "bestand": csv_file(setup["learner"].learner_number, "ZZZ999;03-03-2026;ochtend;180;180;aanwezig;;nee;"),
            "contract": setup["contract"].pk,
        },
    )

    assert response.status_code == 202, response.content
    assert response["API-Version"]
    body = response.json()
    assert body["status"] == "ontvangen"
    assert body["contract"] == setup["contract"].pk
    assert body["bestandsnaam"] == "export.csv"
    assert response["Location"].endswith(f"/api/v1/aanwezigheidsuploads/{body['id']}")

    process(world, body["id"])
    detail = client.get(f"{API}/aanwezigheidsuploads/{body['id']}")
    assert detail.status_code == 200
    result = detail.json()
    assert result["status"] == "verwerkt"
    assert result["voortgang"] == 100
    assert result["aantallen"] == {"rijen": 3, "nieuw": 2, "gewijzigd": 0, "ongewijzigd": 0, "afgekeurd": 1}
    assert result["foutenTotaal"] == 1
    assert result["fouten"][0]["regel"] == 4
    assert result["fouten"][0]["kolom"] == "deelnemernummer"
    assert result["fouten"][0]["waarde"] == "ZZZ999"
    assert result["fouten"][0]["melding"]
    assert set(result["fouten"][0]) == {"regel", "kolom", "waarde", "melding"}
    assert result["foutenCsv"].endswith(f"/aanwezigheid/uploads/{body['id']}/fouten.csv")


def test_fouten_are_paged_beyond_the_cap(world, setup, monkeypatch):
    from attendance import api

    monkeypatch.setattr(api, "ERRORS_PER_PAGE", 2)
    client = token_client(world.users["staff_a"])
    extra = [f"ZZZ99{n};0{n}-03-2026;avond;60;60;aanwezig;;nee;" for n in range(1, 6)]
    body = client.post(
        f"{API}/aanwezigheidsuploads",
        {"bestand": csv_file(setup["learner"].learner_number, *extra), "contract": setup["contract"].pk},
    ).json()
    process(world, body["id"])

    first = client.get(f"{API}/aanwezigheidsuploads/{body['id']}").json()
    third = client.get(f"{API}/aanwezigheidsuploads/{body['id']}?foutenPagina=3").json()
    assert first["foutenTotaal"] == 5
    assert [error["regel"] for error in first["fouten"]] == [4, 5]
    assert [error["regel"] for error in third["fouten"]] == [8]
    assert client.get(f"{API}/aanwezigheidsuploads/{body['id']}?foutenPagina=0").status_code == 400


def test_missing_fields_are_all_reported(world, setup):
    response = token_client(world.users["staff_a"]).post(f"{API}/aanwezigheidsuploads", {})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert {param["name"] for param in response.json()["invalidParams"]} == {"bestand", "contract"}


def test_an_upload_for_an_invisible_contract_is_404_and_for_a_visible_one_without_the_role_403(world, setup):
    shared_contract = make_contract(world, provider="shared", reference="A-SHARED")

    def upload_as(user_key, contract):
        return token_client(world.users[user_key]).post(
            f"{API}/aanwezigheidsuploads",
            {"bestand": csv_file(setup["learner"].learner_number), "contract": contract.pk},
        )

    assert upload_as("staff_a", shared_contract).status_code == 404
    assert upload_as("staff_shared", setup["contract"]).status_code == 404
    assert upload_as("staff_b", setup["contract"]).status_code == 404
    assert upload_as("contract_a", setup["contract"]).status_code == 403
    assert upload_as("admin_a", setup["contract"]).status_code == 403
    with scopes_disabled():
        assert not AttendanceUpload.objects.exists()


def test_the_list_shows_own_uploads_to_the_provider_and_the_regions_uploads_to_region_readers(world, setup):
    staff = token_client(world.users["staff_a"])
    upload_id = staff.post(
        f"{API}/aanwezigheidsuploads",
        {"bestand": csv_file(setup["learner"].learner_number), "contract": setup["contract"].pk},
    ).json()["id"]
    process(world, upload_id)

    def ids(user_key, query=""):
        response = token_client(world.users[user_key]).get(f"{API}/aanwezigheidsuploads{query}")
        assert response.status_code == 200, (user_key, response.content)
        return [item["id"] for item in response.json()["results"]]

    assert ids("staff_a") == [upload_id]
    listed = token_client(world.users["staff_a"]).get(f"{API}/aanwezigheidsuploads").json()["results"][0]
    assert listed["aantallen"]["nieuw"] == 2 and listed["foutenTotaal"] == 0 and "fouten" not in listed
    assert ids("contract_a") == [upload_id]
    assert ids("absence_a", "?status=verwerkt") == [upload_id]
    assert ids("admin_a", "?status=bezig") == []
    assert ids("staff_shared") == []
    assert ids("staff_b") == []
    assert ids("admin_b") == []
    assert token_client(world.users["case_a1"]).get(f"{API}/aanwezigheidsuploads").status_code == 403
    assert token_client(world.users["admin_a"]).get(f"{API}/aanwezigheidsuploads?status=x").status_code == 400

    for user_key, status in [("staff_shared", 404), ("admin_b", 404), ("case_a1", 404), ("policy_a", 403)]:
        response = token_client(world.users[user_key]).get(f"{API}/aanwezigheidsuploads/{upload_id}")
        assert response.status_code == status, user_key


def test_the_upload_list_does_not_grow_queries_with_uploads(world, setup):
    client = token_client(world.users["staff_a"])

    def add(n):
        for _ in range(n):
            upload_id = client.post(
                f"{API}/aanwezigheidsuploads",
                {"bestand": csv_file(setup["learner"].learner_number), "contract": setup["contract"].pk},
            ).json()["id"]
            process(world, upload_id)

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/aanwezigheidsuploads").status_code == 200
        return len(captured)

    add(1)
    before = count_queries()
    add(3)
    assert count_queries() == before


# --- JSON push ---------------------------------------------------------------------------------------


def test_a_push_stores_the_records_and_a_second_identical_push_changes_nothing(world, setup):
    client = token_client(world.users["staff_a"])
    items = records(setup["learner"].learner_number, count=4)

    first = push(client, setup["contract"], items)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["status"] == "verwerkt" and body["bron"] == "api" and body["formaat"] == "json"
    assert body["aantallen"] == {"rijen": 4, "nieuw": 4, "gewijzigd": 0, "ongewijzigd": 0, "afgekeurd": 0}
    assert body["fouten"] == [] and body["foutenTotaal"] == 0
    assert record_count() == 4

    second = push(client, setup["contract"], items).json()
    assert second["aantallen"] == {"rijen": 4, "nieuw": 0, "gewijzigd": 0, "ongewijzigd": 4, "afgekeurd": 0}
    assert record_count() == 4

    items[0]["aanwezigeMinuten"] = 120
    third = push(client, setup["contract"], items).json()
    assert third["aantallen"]["gewijzigd"] == 1 and third["aantallen"]["ongewijzigd"] == 3


def test_a_push_reports_invalid_records_by_position_and_stores_the_rest(world, setup):
    items = records(setup["learner"].learner_number, count=2)
    items.append({**items[0], "datum": "2026-03-10", "dagdeel": "nacht"})
    items.append({**items[0], "deelnemernummer": "ZZZ999"})

    body = push(token_client(world.users["staff_a"]), setup["contract"], items).json()

    assert body["aantallen"]["nieuw"] == 2 and body["aantallen"]["afgekeurd"] == 2
    by_line = {error["regel"]: error for error in body["fouten"]}
    assert by_line[3]["kolom"] == "dagdeel" and by_line[3]["waarde"] == "nacht"
    assert by_line[4]["kolom"] == "deelnemernummer"
    assert record_count() == 2


def test_a_push_is_limited_to_5000_records(world, setup):
    response = push(token_client(world.users["staff_a"]), setup["contract"], [{}] * 5001)
    assert response.status_code == 400
    assert {param["name"] for param in response.json()["invalidParams"]} == {"registraties"}
    assert record_count() == 0


def test_only_the_contracts_provider_may_push(world, setup):
    items = records(setup["learner"].learner_number)
    shared_contract = make_contract(world, provider="shared", reference="A-SHARED")

    assert push(token_client(world.users["staff_a"]), shared_contract, items).status_code == 404
    assert push(token_client(world.users["staff_shared"]), setup["contract"], items).status_code == 404
    assert push(token_client(world.users["staff_b"]), setup["contract"], items).status_code == 404
    assert push(token_client(world.users["contract_a"]), setup["contract"], items).status_code == 403
    assert push(token_client(world.users["absence_a"]), setup["contract"], items).status_code == 403
    assert record_count() == 0


def test_a_provider_cannot_push_lessons_of_another_providers_learner(world, setup):
    # A learner on the shared provider's contract in the same region: not on this contract.
    shared_contract = make_contract(world, provider="shared", reference="A-SHARED")
    other = make_learner(world, last_name="Ander")
    make_trajectory(other, shared_contract, start_date=date(2026, 2, 1))

    body = push(token_client(world.users["staff_a"]), setup["contract"], records(other.learner_number, 1)).json()

    assert body["aantallen"]["afgekeurd"] == 1 and body["aantallen"]["nieuw"] == 0
    assert record_count() == 0


def test_the_openapi_document_lists_the_attendance_routes(db):
    document = Client().get(f"{API}/openapi.json").json()
    paths = {"/api/v1/aanwezigheidsuploads", "/api/v1/aanwezigheidsuploads/{id}", "/api/v1/aanwezigheidsregistraties"}
    assert paths <= set(document["paths"])
    upload = document["components"]["schemas"]["AanwezigheidsuploadDetail"]["properties"]
    assert {"status", "voortgang", "aantallen", "fouten", "foutenTotaal"} <= set(upload)
