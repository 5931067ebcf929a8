"""Every validation of a contract, through the form and through the API."""

import html
from datetime import date
from decimal import Decimal

import pytest

from contracts.models import Contract
from inburgering.tenancy.scoping import scopes_disabled
from tests.contracts.conftest import make_contract

# The valid baseline, as the browser form posts it and as the API receives it.
FORM_BASE = {
    "reference": "A-NIEUW",
    "title": "Nieuw contract",
    "kpi_amber_margin_points": "5",
    "provider": None,
    "municipalities": None,
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
    "status": "actief",
    "route_b1": "on",
    "age_segment": "alle",
    "offers_daytime": "on",
    "dagdelen_per_week": ["3", "4", "5"],
    "max_hours_warning_percentage": "90",
    "checkpoint_hours": "300, 600",
    "checkpoint_basis": "gevolgd",
    "downscale_minimum_hours": "600",
    "assessment_deadline_working_days": "10",
    "decision_deadline_working_days": "10",
    "financing_model": "uurtarief",
    "fixed_fee_per_learner": "0",
    "hourly_rate": "45",
    "result_fee": "0",
    "bonus_a1_a2": "0",
    "bonus_a2_b1": "0",
    "bonus_b1_b2": "0",
    "absence_allowance_percentage": "0",
    "extension_municipality_share_percentage": "0",
}
API_BASE = {
    "referentie": "A-NIEUW",
    "titel": "Nieuw contract",
    "startdatum": "2026-01-01",
    "einddatum": "2026-12-31",
    "status": "actief",
    "routes": ["b1"],
    "financieringsmodel": "uurtarief",
    "uurtarief": "45.00",
}

# (form changes, API changes, form field / API name, expected message fragment)
CASES = [
    (
        {"end_date": "2025-12-01"},
        {"einddatum": "2025-12-01"},
        ("end_date", "einddatum"),
        "De einddatum moet na de startdatum liggen",
    ),
    (
        {"kpi_exam_pass_percentage": "120"},
        {"kpiSlagingPercentage": "120"},
        ("kpi_exam_pass_percentage", "kpiSlagingPercentage"),
        "Een percentage is hoogstens 100",
    ),
    (
        {"absence_allowance_percentage": "-1"},
        {"verzuimvergoedingPercentage": "-1"},
        ("absence_allowance_percentage", "verzuimvergoedingPercentage"),
        "Een percentage is minstens 0",
    ),
    ({"hourly_rate": "-4"}, {"uurtarief": "-4"}, ("hourly_rate", "uurtarief"), "Een bedrag kan niet negatief zijn"),
    ({"hourly_rate": "0"}, {"uurtarief": "0"}, ("hourly_rate", "uurtarief"), "heeft uurtarief (€) boven 0 nodig"),
    (
        {"fixed_fee_per_learner": "5000"},
        {"vastBedragPerInburgeraar": "5000"},
        ("fixed_fee_per_learner", "vastBedragPerInburgeraar"),
        "wordt niet gebruikt in het financieringsmodel",
    ),
    ({"route_b1": ""}, {"routes": []}, ("route_b1", "routes"), "Een actief contract dekt minstens één leerroute"),
    (
        {"downscale_minimum_hours": "500"},
        {"afschalenMinimumUren": 500},
        ("downscale_minimum_hours", "afschalenMinimumUren"),
        "wettelijke minimum van 600",
    ),
    (
        {"checkpoint_hours": "600, 300"},
        {"evaluatiemomentenUren": [600, 300]},
        ("checkpoint_hours", "evaluatiemomentenUren"),
        "oplopend",
    ),
    (
        {"dagdelen_per_week": []},
        {"dagdelenPerWeek": []},
        ("dagdelen_per_week", "dagdelenPerWeek"),
        "Kies minstens één aantal dagdelen",
    ),
    (
        {"volume_under_27_min": "50", "volume_under_27_max": "10"},
        {"volumeOnder27Min": 50, "volumeOnder27Max": 10},
        ("volume_under_27_max", "volumeOnder27Max"),
        "onder het minimum",
    ),
]


def _form_data(world, **changes):
    data = dict(FORM_BASE, provider=world.providers["a"].pk, municipalities=[world.municipalities["a1"].pk])
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def _api_data(world, **changes):
    data = dict(
        API_BASE, taalaanbieder=world.providers["a"].kvk_number, gemeenten=[world.municipalities["a1"].cbs_code]
    )
    data.update(changes)
    return data


def _reasons(response) -> dict[str, str]:
    """invalidParams as {name: all reasons joined}."""
    reasons: dict[str, list[str]] = {}
    for param in response.json()["invalidParams"]:
        reasons.setdefault(param["name"], []).append(param["reason"])
    return {name: " ".join(messages) for name, messages in reasons.items()}


def _contract_count():
    with scopes_disabled():
        return Contract.objects.count()


def test_the_valid_baseline_is_accepted_by_form_and_api(world):
    client = world.client("contract_a")
    response = client.post("/contracten/nieuw", _form_data(world))
    assert response.status_code == 302, html.unescape(response.content.decode())[:3000]
    # Another municipality, so it does not overlap the contract the form just created.
    api = client.post(
        "/api/v1/contracten",
        _api_data(world, referentie="A-API", gemeenten=[world.municipalities["a2"].cbs_code]),
        content_type="application/json",
    )
    assert api.status_code == 201, api.json()
    assert api.json()["routes"] == ["b1"]


@pytest.mark.parametrize(("form_changes", "api_changes", "names", "message"), CASES, ids=[case[2][0] for case in CASES])
def test_each_rule_is_refused_with_a_dutch_message_naming_the_field(world, form_changes, api_changes, names, message):
    form_field, api_name = names
    client = world.client("contract_a")
    before = _contract_count()
    response = client.post("/contracten/nieuw", _form_data(world, **form_changes))
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert message in page, f"form: {message!r} missing"
    assert f'id="id_{form_field}' in page
    api = client.post("/api/v1/contracten", _api_data(world, **api_changes), content_type="application/json")
    assert api.status_code == 400
    assert api["Content-Type"] == "application/problem+json"
    params = _reasons(api)
    assert api_name in params, params
    assert message in params[api_name]
    assert _contract_count() == before


def test_the_api_lists_every_invalid_field_at_once(world):
    client = world.client("contract_a")
    body = _api_data(
        world,
        einddatum="2025-01-01",
        uurtarief="-1",
        kpiSlagingPercentage="150",
        routes=[],
        afschalenMinimumUren=300,
        gemeenten=[],
    )
    response = client.post("/api/v1/contracten", body, content_type="application/json")
    names = {param["name"] for param in response.json()["invalidParams"]}
    assert {"einddatum", "uurtarief", "kpiSlagingPercentage", "routes", "afschalenMinimumUren", "gemeenten"} <= names


def test_required_fields_are_listed_together(world):
    response = world.client("contract_a").post("/api/v1/contracten", {}, content_type="application/json")
    names = {param["name"] for param in response.json()["invalidParams"]}
    assert {"taalaanbieder", "gemeenten"} <= names


def test_a_contract_only_with_a_provider_working_in_the_region(world):
    client = world.client("contract_a")
    foreign = world.providers["b"]  # works only in region b
    response = client.post("/contracten/nieuw", _form_data(world, provider=foreign.pk))
    assert "Selecteer een geldige keuze" in html.unescape(response.content.decode())
    api = client.post(
        "/api/v1/contracten", _api_data(world, taalaanbieder=foreign.kvk_number), content_type="application/json"
    )
    params = _reasons(api)
    assert "werkt niet in de regio" in params["taalaanbieder"]


def test_an_unlinked_provider_can_no_longer_get_a_new_contract(world):
    link = world.links["a-a"]
    link.is_active = False
    link.save()
    api = world.client("contract_a").post("/api/v1/contracten", _api_data(world), content_type="application/json")
    params = _reasons(api)
    assert "werkt niet in de regio" in params["taalaanbieder"]


def test_municipalities_of_another_region_are_refused(world):
    api = world.client("contract_a").post(
        "/api/v1/contracten",
        _api_data(world, gemeenten=[world.municipalities["b1"].cbs_code]),
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "gemeenten" in {param["name"] for param in api.json()["invalidParams"]}


def test_overlapping_active_contracts_are_refused_naming_the_other(world, contract):
    client = world.client("contract_a")
    form = client.post("/contracten/nieuw", _form_data(world, start_date="2026-06-01", end_date="2026-09-30"))
    assert f"Contract {contract.reference}" in html.unescape(form.content.decode())
    api = client.post("/api/v1/contracten", _api_data(world, startdatum="2026-06-01"), content_type="application/json")
    params = _reasons(api)
    assert contract.reference in params["nonFieldErrors"]


@pytest.mark.parametrize(
    "changes",
    [
        {"startdatum": "2028-01-01", "einddatum": "2028-12-31"},  # another period
        {"routes": ["z"]},  # another route
        {"gemeenten": ["__a2__"]},  # another municipality
        {"status": "concept"},  # not active
    ],
    ids=["period", "route", "municipality", "draft"],
)
def test_contracts_that_do_not_overlap_on_every_dimension_are_allowed(world, contract, changes):
    if changes.get("gemeenten") == ["__a2__"]:
        changes = {"gemeenten": [world.municipalities["a2"].cbs_code]}
    api = world.client("contract_a").post(
        "/api/v1/contracten", _api_data(world, **changes), content_type="application/json"
    )
    assert api.status_code == 201, api.json()


def test_age_segments_under_27_and_27_plus_do_not_overlap_but_all_does(world):
    make_contract(world, age_segment="onder_27")
    client = world.client("contract_a")
    older = client.post(
        "/api/v1/contracten", _api_data(world, leeftijdssegment="27_en_ouder"), content_type="application/json"
    )
    assert older.status_code == 201
    everyone = client.post(
        "/api/v1/contracten",
        _api_data(world, referentie="A-ALLE", leeftijdssegment="alle"),
        content_type="application/json",
    )
    assert everyone.status_code == 400


def test_each_financing_model_requires_its_own_rates(world):
    client = world.client("contract_a")
    expectations = {
        "vast_bedrag": ("vastBedragPerInburgeraar", {"vastBedragPerInburgeraar": "6000"}),
        "resultaat": ("resultaatbeloning", {"resultaatbeloning": "2500"}),
    }
    for number, (model, (field, rates)) in enumerate(expectations.items()):
        missing = client.post(
            "/api/v1/contracten",
            _api_data(world, financieringsmodel=model, uurtarief="0"),
            content_type="application/json",
        )
        assert field in {p["name"] for p in missing.json()["invalidParams"]}, model
        good = client.post(
            "/api/v1/contracten",
            _api_data(
                world,
                referentie=f"A-{number}",
                financieringsmodel=model,
                uurtarief="0",
                **rates,
                gemeenten=[world.municipalities["a2"].cbs_code],
                startdatum=f"{2030 + number}-01-01",
                einddatum=f"{2030 + number}-12-31",
            ),
            content_type="application/json",
        )
        assert good.status_code == 201, (model, good.json())
    hybrid_single = client.post(
        "/api/v1/contracten", _api_data(world, financieringsmodel="hybride"), content_type="application/json"
    )
    assert "financieringsmodel" in {p["name"] for p in hybrid_single.json()["invalidParams"]}


def test_absence_allowance_needs_an_hourly_rate(world):
    response = world.client("contract_a").post(
        "/api/v1/contracten",
        _api_data(
            world,
            financieringsmodel="vast_bedrag",
            uurtarief="0",
            vastBedragPerInburgeraar="6000",
            verzuimvergoedingPercentage="10",
        ),
        content_type="application/json",
    )
    assert "verzuimvergoedingPercentage" in {p["name"] for p in response.json()["invalidParams"]}


def test_amending_needs_a_reason(world, contract):
    client = world.client("contract_a")
    api = client.patch(f"/api/v1/contracten/{contract.pk}", {"uurtarief": "50.00"}, content_type="application/json")
    assert api.status_code == 400
    assert "wijzigingsreden" in {p["name"] for p in api.json()["invalidParams"]}
    contract.refresh_from_db()
    assert contract.hourly_rate == Decimal("45.00")
    assert contract.start_date == date(2026, 1, 1)


def test_malformed_values_get_type_errors_not_a_crash(world):
    response = world.client("contract_a").post(
        "/api/v1/contracten",
        _api_data(world, uurtarief="veel", startdatum="31-02-2026", dagdelenPerWeek="vier"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"uurtarief", "startdatum", "dagdelenPerWeek"} <= {p["name"] for p in response.json()["invalidParams"]}
