import json

import pytest
from django.conf import settings
from django.test import Client
from openapi_spec_validator import validate

WRONG_LOGIN = "Voer een juiste gebruikersnaam en wachtwoord in"


def test_login_with_the_right_password_reaches_the_home_page(world, password):
    client = Client()
    response = client.post("/inloggen", {"username": "contract_a", "password": password}, follow=True)
    assert response.status_code == 200
    assert "Goedendag" in response.content.decode()
    assert "Regio A" in response.content.decode()


def test_wrong_password_and_unknown_user_get_the_same_dutch_message(world):
    client = Client()
    wrong = client.post("/inloggen", {"username": "contract_a", "password": "fout-wachtwoord"})
    unknown = client.post("/inloggen", {"username": "bestaat_niet", "password": "fout-wachtwoord"})
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG_LOGIN in wrong.content.decode()
    assert WRONG_LOGIN in unknown.content.decode()
    assert "bestaat niet" not in unknown.content.decode()


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(world, password):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/inloggen", {"username": "contract_a", "password": "fout-wachtwoord"})
    response = client.post("/inloggen", {"username": "contract_a", "password": password})
    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen" in response.content.decode()


def test_passwords_are_hashed_with_argon2(world):
    assert world.users["contract_a"].password.startswith("argon2")


def test_anonymous_user_is_sent_to_the_login_page(db):
    response = Client().get("/beheer/gemeenten")
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen")


def test_token_for_username_and_password_authenticates_the_api(world, password):
    client = Client()
    response = client.post(
        "/api/v1/auth/token",
        {"username": "staff_shared", "password": password},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    regions = client.get("/api/v1/regios", HTTP_AUTHORIZATION=f"Token {token}")
    assert regions.status_code == 200
    assert {region["code"] for region in regions.json()["results"]} == {"regio-a", "regio-b"}


def test_token_request_with_wrong_password_is_a_problem_without_user_enumeration(world):
    client = Client()
    wrong = client.post("/api/v1/auth/token", {"username": "staff_a", "password": "x"}, content_type="application/json")
    unknown = client.post(
        "/api/v1/auth/token", {"username": "niemand", "password": "x"}, content_type="application/json"
    )
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert wrong["Content-Type"] == "application/problem+json"


def test_api_token_lockout_answers_429_problem(world, password):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token", {"username": "staff_a", "password": "x"}, content_type="application/json")
    response = client.post(
        "/api/v1/auth/token", {"username": "staff_a", "password": password}, content_type="application/json"
    )
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"


def test_invalid_token_is_refused(db):
    response = Client().get("/api/v1/regios", HTTP_AUTHORIZATION="Token 0000000000")
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_every_api_response_carries_the_api_version_header(world):
    client = world.client("admin_a")
    for url in ("/api/v1/regios", "/api/v1/gemeenten/987654", "/api/v1/bestaat-niet", "/api/v1/openapi.json"):
        assert client.get(url)["API-Version"] == settings.API_VERSION, url


def test_malformed_json_is_a_400_problem_naming_the_problem(db):
    response = Client().post("/api/v1/auth/token", "{gebruikersnaam:", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert "geen geldige JSON" in body["detail"]


def test_validation_errors_list_every_invalid_field(db):
    response = Client().post("/api/v1/auth/token", {}, content_type="application/json")
    body = response.json()
    assert response.status_code == 400
    assert {param["name"] for param in body["invalidParams"]} == {"username", "password"}


def test_unknown_object_and_unknown_url_are_404_problems(world):
    client = world.client("admin_a")
    for url in ("/api/v1/gemeenten/987654", "/api/v1/bestaat-niet"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json", url
        assert response.json()["title"] == "Niet gevonden"


def test_browser_404_is_a_dutch_page(world):
    response = world.client("admin_a").get("/bestaat-niet")
    assert response.status_code == 404
    assert "Niet gevonden" in response.content.decode()


def test_pagination_uses_page_and_page_size(world):
    client = world.client("staff_shared")
    response = client.get("/api/v1/gemeenten?pageSize=1&page=2")
    body = response.json()
    assert body["count"] == 4
    assert len(body["results"]) == 1
    assert "page=3" in body["next"]
    assert body["previous"].endswith("/api/v1/gemeenten?pageSize=1")


def test_the_openapi_document_is_public_and_valid(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    validate(document)
    assert "/api/v1/gemeenten" in document["paths"]
    assert "/api/v1/auth/token" in document["paths"]


def test_the_api_docs_page_loads_without_external_scripts(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert "cdn.jsdelivr" not in response.content.decode()


@pytest.mark.parametrize("url", ["/api/v1/regios", "/api/v1/gemeenten", "/api/v1/taalaanbieders"])
def test_api_lists_need_authentication(db, url):
    response = Client().get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
