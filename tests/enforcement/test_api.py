"""The absence and enforcement API: verzuimprotocollen, verzuimsignalen, waarschuwingsbrieven,
handhavingszaken, inhaalverplichtingen and verzuimclassificaties. Data comes through the real rule:
three absent lessons in a month, the monthly detection, the letter made by its service."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from attendance.models import AttendanceRecord
from enforcement import letters, policy, services
from enforcement.models import AbsenceAlert, AbsencePolicy, EnforcementCase, MakeupObligation, WarningLetter
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes.models import Learner
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons

API = "/api/v1"
BSN = "111222333"  # passes the elfproef
MONTH = date(2026, 3, 1)


# --- helpers -------------------------------------------------------------------------------------------


def get(client: Client, path: str, **params):
    return client.get(f"{API}/{path}", params)


def post(client: Client, path: str, data: dict):
    return client.post(f"{API}/{path}", data, content_type="application/json")


def patch(client: Client, path: str, data: dict):
    return client.patch(f"{API}/{path}", data, content_type="application/json")


def problems(response, status: int = 400) -> dict[str, str]:
    """invalidParams as {name: all reasons joined}; asserts the problem+json shape."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    reasons: dict[str, list[str]] = {}
    for param in response.json()["invalidParams"]:
        reasons.setdefault(param["name"], []).append(param["reason"])
    return {name: " ".join(values) for name, values in reasons.items()}


def keys_of(value) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value).union(*(keys_of(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_of(item) for item in value))
    return set()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def three_absences(trajectory, first: date = date(2026, 3, 2)) -> None:
    """Three absent lessons in one calendar month, each as its own upload."""
    for offset in (0, 7, 14):
        give_lessons(trajectory, first=first + timedelta(days=offset), count=1, attended=0)


def detect(world, tenant: str = "a", month: date = MONTH) -> None:
    with scope([Grant(tenant_id=world.tenants[tenant].pk)]):
        services.absence_alerts_detect(tenant=world.tenants[tenant], month=month)


def alert_of(learner) -> AbsenceAlert:
    return AbsenceAlert.unscoped.get(learner=learner)


def make_letter(alert: AbsenceAlert) -> WarningLetter:
    letter = WarningLetter.unscoped.get(alert=alert)
    with scope([Grant(tenant_id=alert.tenant_id)]):
        return letters.warning_letter_generate(letter_id=letter.pk)


def fresh(model, pk: int):
    with scopes_disabled():
        return model.objects.get(pk=pk)


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def contract(world):
    """Tenant a, provider a, municipality a1."""
    return make_contract(world)


@pytest.fixture
def learner(world):
    return make_learner(world, bsn=BSN)


@pytest.fixture
def alert(world, learner, contract) -> AbsenceAlert:
    """Three absences in March 2026 → the alert, with its letter made (provider a hands it out)."""
    three_absences(make_trajectory(learner, contract))
    detect(world)
    found = alert_of(learner)
    assert make_letter(found).status == "klaar"
    return found


@pytest.fixture
def shared_alert(world) -> AbsenceAlert:
    """A second learner of municipality a1 at the shared provider, with an alert and a letter."""
    contract = make_contract(world, provider="shared", reference="A-2026-02")
    learner = make_learner(world, first_name="Omar")
    three_absences(make_trajectory(learner, contract))
    detect(world)
    found = alert_of(learner)
    make_letter(found)
    return found


@pytest.fixture
def case(world, alert) -> dict:
    response = post(
        world.client("case_a1"), "handhavingszaken", {"inburgeraar": alert.learner_id, "verzuimsignaal": alert.pk}
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- verzuimprotocollen --------------------------------------------------------------------------------


@pytest.fixture
def region_policy(world):
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        return policy.absence_policy_save(actor=world.users["admin_a"], tenant=world.tenants["a"])


def test_the_policies_of_the_callers_regions_are_listed(world, region_policy, contract):
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        override = policy.absence_policy_save(
            actor=world.users["admin_a"], tenant=world.tenants["a"], contract=contract, threshold_per_month=2
        )
    with scope([Grant(tenant_id=world.tenants["b"].pk)]):
        foreign = policy.absence_policy_save(actor=world.users["admin_b"], tenant=world.tenants["b"])

    for user in ("admin_a", "absence_a", "case_a1", "contract_a"):
        assert ids(get(world.client(user), "verzuimprotocollen")) == [region_policy.pk, override.pk], user
    body = get(world.client("admin_a"), "verzuimprotocollen").json()["results"]
    assert body[0]["contract"] is None and body[1]["contract"] == contract.pk
    assert body[0]["drempelPerMaand"] == 3 and body[1]["drempelPerMaand"] == 2
    assert body[0]["telling"] == "alle"
    assert body[0]["verwijtbaarheid"]["opzet"] == "ongeoorloofd"
    assert body[0]["maximaleBoete"] == "800.00"
    assert ids(get(world.client("admin_a"), "verzuimprotocollen", contract=contract.pk)) == [override.pk]
    assert foreign.pk not in ids(get(world.client("admin_a"), "verzuimprotocollen"))
    assert get(world.client("staff_a"), "verzuimprotocollen").status_code == 403
    assert get(world.client("policy_a"), "verzuimprotocollen").status_code == 403
    assert get(world.client("admin_b"), f"verzuimprotocollen/{region_policy.pk}").status_code == 404


def test_the_tenant_admin_changes_the_policy(world, region_policy):
    response = patch(
        world.client("admin_a"),
        f"verzuimprotocollen/{region_policy.pk}",
        {"drempelPerMaand": 4, "telling": "ongeoorloofd", "inhalenVerplicht": True, "geoorloofdeRedenen": ["ziek"]},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["drempelPerMaand"], body["telling"], body["inhalenVerplicht"]) == (4, "ongeoorloofd", True)
    assert body["geoorloofdeRedenen"] == ["ziek"]
    changed = fresh(AbsencePolicy, region_policy.pk)
    assert changed.threshold_per_month == 4
    assert changed.history.first().history_user == world.users["admin_a"]


def test_only_the_tenant_admin_changes_the_policy_and_every_error_is_reported(world, region_policy):
    for user in ("absence_a", "case_a1", "contract_a"):
        response = patch(world.client(user), f"verzuimprotocollen/{region_policy.pk}", {"drempelPerMaand": 4})
        assert response.status_code == 403, user

    reasons = problems(
        patch(
            world.client("admin_a"),
            f"verzuimprotocollen/{region_policy.pk}",
            {"drempelPerMaand": 0, "maximaleBoete": "900.00", "verwijtbaarheid": {"opzet": "ongeoorloofd"}},
        )
    )
    assert {"drempelPerMaand", "maximaleBoete", "verwijtbaarheid"} <= set(reasons)
    assert fresh(AbsencePolicy, region_policy.pk).threshold_per_month == 3


# --- verzuimsignalen -----------------------------------------------------------------------------------


def test_the_coordinator_reads_the_alert_made_by_the_rule(world, alert):
    response = get(world.client("absence_a"), f"verzuimsignalen/{alert.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["deelnemernummer"] == alert.learner.learner_number
    assert body["gemeente"] == world.municipalities["a1"].cbs_code
    assert body["maand"] == "2026-03"
    assert (body["aantal"], body["drempel"]) == (3, 3)
    assert body["verzuimdata"] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert body["taalaanbieder"] == world.providers["a"].kvk_number
    assert (body["status"], body["uitkomst"], body["toegewezenAan"]) == ("nieuw", "", None)
    assert body["brief"] == WarningLetter.unscoped.get(alert=alert).pk


def test_alert_filters(world, alert, shared_alert):
    client = world.client("absence_a")
    assert sorted(ids(get(client, "verzuimsignalen"))) == sorted([alert.pk, shared_alert.pk])
    assert sorted(ids(get(client, "verzuimsignalen", maand="2026-03"))) == sorted([alert.pk, shared_alert.pk])
    assert ids(get(client, "verzuimsignalen", maand="2026-04")) == []
    assert ids(get(client, "verzuimsignalen", taalaanbieder=world.providers["shared"].kvk_number)) == [shared_alert.pk]
    assert len(ids(get(client, "verzuimsignalen", gemeente=world.municipalities["a1"].cbs_code))) == 2
    assert ids(get(client, "verzuimsignalen", gemeente=world.municipalities["a2"].cbs_code)) == []
    assert len(ids(get(client, "verzuimsignalen", status="nieuw"))) == 2
    assert ids(get(client, "verzuimsignalen", status="afgesloten")) == []


def test_a_bad_month_or_status_filter_is_refused_in_dutch(world, alert):
    reasons = problems(get(world.client("absence_a"), "verzuimsignalen", maand="03-2026", status="weg"))
    assert set(reasons) == {"maand", "status"}
    assert "JJJJ-MM" in reasons["maand"]  # Dutch for YYYY-MM
    assert "nieuw" in reasons["status"]


def test_providers_never_see_alerts(world, alert):
    for user in ("staff_a", "staff_shared", "staff_b"):
        assert get(world.client(user), "verzuimsignalen").status_code == 403, user
        assert get(world.client(user), f"verzuimsignalen/{alert.pk}").status_code == 403, user
        assert (
            post(world.client(user), f"verzuimsignalen/{alert.pk}/status", {"status": "in_behandeling"}).status_code
            == 403
        )


def test_the_coordinator_moves_an_alert_on(world, alert):
    client = world.client("absence_a")

    response = post(client, f"verzuimsignalen/{alert.pk}/status", {"status": "in_behandeling"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_behandeling"
    assert fresh(AbsenceAlert, alert.pk).status == "in_behandeling"
    reasons = problems(post(client, f"verzuimsignalen/{alert.pk}/status", {"status": "afgesloten"}))
    assert "status" in reasons  # not from "in behandeling" straight to closed
    assert "uitkomst" in reasons  # and closing needs an outcome


def test_the_case_manager_follows_only_their_municipality(world, alert):
    assert get(world.client("case_a1"), f"verzuimsignalen/{alert.pk}").status_code == 200
    assert get(world.client("case_a2"), f"verzuimsignalen/{alert.pk}").status_code == 404
    assert alert.pk not in ids(get(world.client("case_a2"), "verzuimsignalen"))
    assert get(world.client("absence_b"), f"verzuimsignalen/{alert.pk}").status_code == 404


# --- waarschuwingsbrieven ------------------------------------------------------------------------------


def test_the_provider_downloads_its_own_letter_and_not_anothers(world, alert, shared_alert):
    own = WarningLetter.unscoped.get(alert=alert)
    other = WarningLetter.unscoped.get(alert=shared_alert)

    response = get(world.client("staff_a"), f"waarschuwingsbrieven/{own.pk}/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert alert.learner.learner_number in response["Content-Disposition"]
    assert get(world.client("staff_a"), f"waarschuwingsbrieven/{other.pk}/pdf").status_code == 404
    assert get(world.client("staff_shared"), f"waarschuwingsbrieven/{own.pk}/pdf").status_code == 404
    assert get(world.client("staff_shared"), f"waarschuwingsbrieven/{other.pk}/pdf").status_code == 200
    assert get(world.client("staff_b"), f"waarschuwingsbrieven/{own.pk}/pdf").status_code == 404
    assert ids(get(world.client("staff_a"), "waarschuwingsbrieven")) == [own.pk]
    assert ids(get(world.client("staff_shared"), "waarschuwingsbrieven")) == [other.pk]


def test_a_letter_lists_its_metadata(world, alert):
    letter = WarningLetter.unscoped.get(alert=alert)

    body = get(world.client("case_a1"), f"waarschuwingsbrieven/{letter.pk}").json()

    assert body["verzuimsignaal"] == alert.pk
    assert body["deelnemernummer"] == alert.learner.learner_number
    assert body["maand"] == "2026-03"
    assert body["status"] == "klaar"
    assert body["gemaaktOp"] is not None and body["uitgereiktOp"] is None
    assert "tekst" not in body and "text" not in body  # the letter itself is only in the PDF
    assert ids(get(world.client("case_a1"), "waarschuwingsbrieven", status="klaar")) == [letter.pk]
    assert ids(get(world.client("case_a1"), "waarschuwingsbrieven", status="mislukt")) == []
    assert get(world.client("case_a2"), f"waarschuwingsbrieven/{letter.pk}").status_code == 404
    assert get(world.client("case_a2"), f"waarschuwingsbrieven/{letter.pk}/pdf").status_code == 404


def test_a_letter_not_made_yet_has_no_pdf(world, learner, contract):
    three_absences(make_trajectory(learner, contract))
    detect(world)
    letter = WarningLetter.unscoped.get(alert=alert_of(learner))

    response = world.client("staff_a").get(f"{API}/waarschuwingsbrieven/{letter.pk}/pdf", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_the_provider_records_handing_out_the_letter_once(world, alert):
    letter = WarningLetter.unscoped.get(alert=alert)
    today = timezone.localdate()

    assert post(world.client("case_a1"), f"waarschuwingsbrieven/{letter.pk}/uitgereikt", {}).status_code == 403
    assert post(world.client("staff_b"), f"waarschuwingsbrieven/{letter.pk}/uitgereikt", {}).status_code == 404
    reasons = problems(
        post(
            world.client("staff_a"),
            f"waarschuwingsbrieven/{letter.pk}/uitgereikt",
            {"uitgereiktOp": (today + timedelta(days=1)).isoformat()},
        )
    )
    assert set(reasons) == {"uitgereiktOp"}
    response = post(
        world.client("staff_a"), f"waarschuwingsbrieven/{letter.pk}/uitgereikt", {"uitgereiktOp": today.isoformat()}
    )

    assert response.status_code == 200, response.content
    assert response.json()["uitgereiktOp"] == today.isoformat()
    assert fresh(WarningLetter, letter.pk).handed_out_by == world.users["staff_a"]
    again = post(
        world.client("staff_a"), f"waarschuwingsbrieven/{letter.pk}/uitgereikt", {"uitgereiktOp": today.isoformat()}
    )
    assert "nonFieldErrors" in problems(again)


# --- handhavingszaken ----------------------------------------------------------------------------------


def test_the_case_manager_opens_a_case_from_the_alert(world, alert, case):
    assert case["inburgeraar"] == alert.learner_id
    assert case["deelnemernummer"] == alert.learner.learner_number
    assert case["verzuimsignaal"] == alert.pk
    assert case["klantmanager"] == "case_a1"
    assert (case["status"], case["huidigeStap"]) == ("open", "contact_klantmanager")
    assert [step["stap"] for step in case["stappen"]] == ["waarschuwing"]  # from the letter
    assert ids(get(world.client("absence_a"), "handhavingszaken")) == [case["id"]]
    assert ids(get(world.client("case_a1"), "handhavingszaken", status="open")) == [case["id"]]
    assert ids(get(world.client("case_a1"), "handhavingszaken", status="afgesloten")) == []
    assert ids(get(world.client("case_a1"), "handhavingszaken", inburgeraar=alert.learner_id)) == [case["id"]]


def test_a_second_open_case_for_the_learner_is_refused(world, alert, case):
    reasons = problems(post(world.client("case_a1"), "handhavingszaken", {"inburgeraar": alert.learner_id}))
    assert set(reasons) == {"inburgeraar"}


def test_only_case_managers_open_cases(world, alert):
    for user in ("absence_a", "admin_a", "staff_a"):
        response = post(world.client(user), "handhavingszaken", {"inburgeraar": alert.learner_id})
        assert response.status_code == 403, user
    # Another municipality's case manager cannot reach the learner.
    reasons = problems(post(world.client("case_a2"), "handhavingszaken", {"inburgeraar": alert.learner_id}))
    assert "inburgeraar" in reasons
    assert not EnforcementCase.unscoped.exists()


def test_providers_never_see_enforcement(world, case):
    for user in ("staff_a", "staff_shared", "staff_b"):
        assert get(world.client(user), "handhavingszaken").status_code == 403, user
        assert get(world.client(user), f"handhavingszaken/{case['id']}").status_code == 403, user


def test_a_case_manager_of_another_municipality_gets_404(world, case):
    for user in ("case_a2", "case_b1", "absence_b"):
        assert get(world.client(user), f"handhavingszaken/{case['id']}").status_code == 404, user
        response = post(world.client(user), f"handhavingszaken/{case['id']}/afsluiten", {"uitkomst": "hersteld"})
        assert response.status_code == 404, user
    assert case["id"] not in ids(get(world.client("case_a2"), "handhavingszaken"))


def procedure_step(today: str) -> dict:
    """The procedure (the learner is heard) skipping the three-way talk: a fine never skips it."""
    return {
        "stap": "handhavingsprocedure",
        "datum": today,
        "overslaanReden": "Blijft weg ondanks afspraken.",
        "uitkomst": "Voornemen tot een boete.",
        "zienswijze": "Geen reactie ontvangen.",
    }


def test_steps_up_to_a_fine_and_closing(world, case):
    client = world.client("case_a1")
    today = timezone.localdate().isoformat()

    contact = post(
        client,
        f"handhavingszaken/{case['id']}/stappen",
        {
            "stap": "contact_klantmanager",
            "datum": today,
            "uitkomst": "Gebeld; komt weer.",
            "onderliggendeOorzaak": "kinderopvang",
            "gebodenOndersteuning": "Opvang geregeld.",
        },
    )
    assert contact.status_code == 201, contact.content
    assert contact.json()["huidigeStap"] == "driegesprek"

    procedure = post(client, f"handhavingszaken/{case['id']}/stappen", procedure_step(today))
    assert procedure.status_code == 201, procedure.content
    fine = post(
        client,
        f"handhavingszaken/{case['id']}/stappen",
        {
            "stap": "boete",
            "datum": today,
            "boetebedrag": "250.00",
            "verwijtbaarheid": "grove_schuld",
            "matiging": "50.00",
            "besluitdatum": today,
        },
    )
    assert fine.status_code == 201, fine.content
    steps = {step["stap"]: step for step in fine.json()["stappen"]}
    assert steps["driegesprek"]["overgeslagen"] and not steps["handhavingsprocedure"]["overgeslagen"]
    assert steps["driegesprek"]["overslaanReden"] == "Blijft weg ondanks afspraken."
    assert (steps["boete"]["boetebedrag"], steps["boete"]["matiging"]) == ("250.00", "50.00")
    assert steps["boete"]["vastgelegdDoor"] == "case_a1"
    assert steps["contact_klantmanager"]["onderliggendeOorzaak"] == "kinderopvang"

    closed = post(client, f"handhavingszaken/{case['id']}/afsluiten", {"uitkomst": "boete"})
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["uitkomst"]) == ("afgesloten", "boete")
    assert closed.json()["geslotenOp"] == today


def test_a_fine_above_the_policys_maximum_is_refused(world, case):
    today = timezone.localdate().isoformat()
    client = world.client("case_a1")
    assert post(client, f"handhavingszaken/{case['id']}/stappen", procedure_step(today)).status_code == 201
    reasons = problems(
        post(
            client,
            f"handhavingszaken/{case['id']}/stappen",
            {
                "stap": "boete",
                "datum": today,
                "boetebedrag": "900.00",
                "verwijtbaarheid": "opzet",
                "besluitdatum": today,
            },
        )
    )
    assert set(reasons) == {"boetebedrag"}
    assert "800" in reasons["boetebedrag"]
    assert fresh(EnforcementCase, case["id"]).current_step == "boete"


def test_every_invalid_step_field_is_reported_at_once(world, case):
    reasons = problems(
        post(
            world.client("case_a1"),
            f"handhavingszaken/{case['id']}/stappen",
            {"stap": "contact_klantmanager", "datum": "gisteren", "boetebedrag": "10.00"},
        )
    )
    assert {"datum", "uitkomst", "onderliggendeOorzaak", "boetebedrag"} <= set(reasons)


def test_a_fine_for_an_asylum_permit_holder_needs_the_exceptional_ground(world, case):
    Learner.unscoped.filter(pk=case["inburgeraar"]).update(is_asylum_permit_holder=True)
    today = timezone.localdate().isoformat()
    fine = {
        "stap": "boete",
        "datum": today,
        "boetebedrag": "100.00",
        "verwijtbaarheid": "opzet",
        "besluitdatum": today,
    }
    steps_url = f"handhavingszaken/{case['id']}/stappen"
    reasons = problems(post(world.client("case_a1"), steps_url, procedure_step(today)))
    assert set(reasons) == {"uitzonderingsgrond"}

    url = f"handhavingszaken/{case['id']}/uitzonderingsgrond"
    assert post(world.client("absence_a"), url, {"grond": "Weigert structureel."}).status_code == 403
    assert "grond" in problems(post(world.client("case_a1"), url, {"grond": " "}))
    assert post(world.client("absence_a"), url, {"grond": "Weigert structureel."}).status_code == 403
    assert "grond" in problems(post(world.client("case_a1"), url, {"grond": " "}))

    response = post(world.client("case_a1"), url, {"grond": "Weigert structureel, vastgelegd in drie gesprekken."})

    assert response.status_code == 200, response.content
    assert response.json()["uitzonderingsgrond"] == "Weigert structureel, vastgelegd in drie gesprekken."
    assert post(world.client("case_a1"), steps_url, procedure_step(today)).status_code == 201
    assert post(world.client("case_a1"), steps_url, fine).status_code == 201


def test_closing_with_a_fine_needs_the_fine_step(world, case):
    reasons = problems(post(world.client("case_a1"), f"handhavingszaken/{case['id']}/afsluiten", {"uitkomst": "boete"}))
    assert set(reasons) == {"uitkomst"}
    assert (
        post(
            world.client("absence_a"), f"handhavingszaken/{case['id']}/afsluiten", {"uitkomst": "hersteld"}
        ).status_code
        == 403
    )


# --- inhaalverplichtingen ------------------------------------------------------------------------------


def test_make_up_obligations_for_case_managers_coordinators_and_the_provider(world, learner, contract):
    make_trajectory(learner, contract)
    obligation = MakeupObligation.unscoped.create(
        tenant=world.tenants["a"], learner=learner, missed_minutes=540, made_up_minutes=180
    )
    other = make_learner(world, municipality="a2", first_name="Sara")
    MakeupObligation.unscoped.create(tenant=world.tenants["a"], learner=other, missed_minutes=60)

    body = get(world.client("staff_a"), "inhaalverplichtingen").json()["results"]

    assert body == [
        {
            "id": obligation.pk,
            "inburgeraar": learner.pk,
            "deelnemernummer": learner.learner_number,
            "gemisteMinuten": 540,
            "ingehaaldeMinuten": 180,
            "resterendeMinuten": 360,
        }
    ]
    assert ids(get(world.client("case_a1"), "inhaalverplichtingen")) == [obligation.pk]
    assert len(ids(get(world.client("absence_a"), "inhaalverplichtingen"))) == 2
    assert ids(get(world.client("absence_a"), "inhaalverplichtingen", inburgeraar=learner.pk)) == [obligation.pk]
    assert ids(get(world.client("staff_b"), "inhaalverplichtingen")) == []
    assert ids(get(world.client("staff_shared"), "inhaalverplichtingen")) == []
    assert get(world.client("policy_a"), "inhaalverplichtingen").status_code == 403


# --- verzuimclassificaties -----------------------------------------------------------------------------


def test_the_coordinator_classifies_absences_in_bulk(world, alert):
    records = list(
        AttendanceRecord.unscoped.filter(trajectory__learner=alert.learner).order_by("pk").values_list("pk", flat=True)
    )

    response = post(
        world.client("absence_a"),
        "verzuimclassificaties",
        {"registraties": records, "verwijtbaarheid": "opzet", "reden": "werk"},
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"aantal": 3, "maanden": ["2026-03"]}
    classified = AttendanceRecord.unscoped.filter(pk__in=records)
    assert {(r.classification, r.culpability) for r in classified} == {("ongeoorloofd", "opzet")}
    assert {r.classified_by_id for r in classified} == {world.users["absence_a"].pk}


def test_only_coordinators_classify_and_only_their_regions_absences(world, alert):
    records = list(AttendanceRecord.unscoped.filter(trajectory__learner=alert.learner).values_list("pk", flat=True))
    body = {"registraties": records, "verwijtbaarheid": "opzet"}
    for user in ("case_a1", "admin_a", "staff_a"):
        assert post(world.client(user), "verzuimclassificaties", body).status_code == 403, user

    assert "registraties" in problems(post(world.client("absence_b"), "verzuimclassificaties", body))
    reasons = problems(post(world.client("absence_a"), "verzuimclassificaties", {"registraties": []}))
    assert {"registraties", "verwijtbaarheid"} <= set(reasons)
    assert not AttendanceRecord.unscoped.exclude(classification="").exists()


# --- no BSN anywhere, the OpenAPI document ----------------------------------------------------------------


def test_no_response_contains_the_bsn(world, alert, case, region_policy):
    letter = WarningLetter.unscoped.get(alert=alert)
    MakeupObligation.unscoped.create(tenant=world.tenants["a"], learner=alert.learner, missed_minutes=60)
    responses = [
        get(world.client("admin_a"), "verzuimprotocollen"),
        get(world.client("admin_a"), f"verzuimprotocollen/{region_policy.pk}"),
        get(world.client("absence_a"), "verzuimsignalen"),
        get(world.client("case_a1"), f"verzuimsignalen/{alert.pk}"),
        get(world.client("case_a1"), "waarschuwingsbrieven"),
        get(world.client("staff_a"), f"waarschuwingsbrieven/{letter.pk}"),
        get(world.client("absence_a"), "handhavingszaken"),
        get(world.client("case_a1"), f"handhavingszaken/{case['id']}"),
        get(world.client("staff_a"), "inhaalverplichtingen"),
    ]
    for response in responses:
        assert response.status_code == 200, response.content
        assert not [key for key in keys_of(response.json()) if "bsn" in key.lower()]
        assert BSN not in response.content.decode()


def test_the_openapi_document_lists_the_enforcement_routes(db):
    document = Client().get(f"{API}/openapi.json").json()
    paths = {
        "/api/v1/verzuimprotocollen",
        "/api/v1/verzuimprotocollen/{id}",
        "/api/v1/verzuimsignalen",
        "/api/v1/verzuimsignalen/{id}",
        "/api/v1/verzuimsignalen/{id}/status",
        "/api/v1/waarschuwingsbrieven",
        "/api/v1/waarschuwingsbrieven/{id}",
        "/api/v1/waarschuwingsbrieven/{id}/pdf",
        "/api/v1/waarschuwingsbrieven/{id}/uitgereikt",
        "/api/v1/handhavingszaken",
        "/api/v1/handhavingszaken/{id}",
        "/api/v1/handhavingszaken/{id}/stappen",
        "/api/v1/handhavingszaken/{id}/uitzonderingsgrond",
        "/api/v1/handhavingszaken/{id}/afsluiten",
        "/api/v1/inhaalverplichtingen",
        "/api/v1/verzuimclassificaties",
    }
    assert paths <= set(document["paths"])
    assert (
        "application/pdf"
        in document["paths"]["/api/v1/waarschuwingsbrieven/{id}/pdf"]["get"]["responses"]["200"]["content"]
    )
    schemas = document["components"]["schemas"]
    for name in ("Verzuimprotocol", "Verzuimsignaal", "Waarschuwingsbrief", "Handhavingszaak", "Inhaalverplichting"):
        assert not [key for key in schemas[name]["properties"] if "bsn" in key.lower()]
