"""History, permissions per role, evaluations and findings, as users see them."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import ActionItem, Contract, ContractEvaluation, ProviderFinding
from inburgering.tenancy.scoping import scopes_disabled
from tests.contracts.conftest import make_contract


def _page(response) -> str:
    """The text a reader sees: tags removed, whitespace collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text)).replace(" :", ":")


def _amend(client, contract, **changes):
    return client.patch(f"/api/v1/contracten/{contract.pk}", changes, content_type="application/json")


def test_an_amendment_shows_field_old_new_who_when_and_why(world, contract):
    client = world.client("contract_a")
    response = _amend(client, contract, uurtarief="52.50", wijzigingsreden="Indexering 2026")
    assert response.status_code == 200, response.json()
    assert response.json()["uurtarief"] == "52.50"
    page = _page(client.get(f"/contracten/{contract.pk}"))
    assert "Uurtarief (€): 45,00 → 52,50" in page
    assert "Indexering 2026" in page
    assert world.users["contract_a"].get_full_name() in page
    with scopes_disabled():
        latest = Contract.history.filter(id=contract.pk).latest("history_date")
    assert latest.history_user == world.users["contract_a"]
    assert latest.history_change_reason == "Indexering 2026"


def test_amending_through_the_form_records_the_reason(world, contract):
    client = world.client("contract_a")
    form = client.get(f"/contracten/{contract.pk}/wijzigen")
    data = {}
    for field in form.context["form"]:
        value = field.value()
        if value is None or value is False:
            continue
        data[field.name] = [str(v.pk if hasattr(v, "pk") else v) for v in value] if isinstance(value, list) else value
    data.update(hourly_rate="47.00", reason="Nieuwe tariefafspraak")
    response = client.post(f"/contracten/{contract.pk}/wijzigen", data)
    assert response.status_code == 302, _page(response)[:2000]
    page = _page(client.get(f"/contracten/{contract.pk}"))
    assert "Uurtarief (€): 45,00 → 47,00" in page
    assert "Nieuwe tariefafspraak" in page


def test_changing_covered_municipalities_appears_in_the_log(world, contract):
    client = world.client("contract_a")
    _amend(client, contract, gemeenten=[world.municipalities["a2"].cbs_code], wijzigingsreden="Gemeente gewisseld")
    page = _page(client.get(f"/contracten/{contract.pk}"))
    assert "Gemeente A2" in page
    assert "Gemeente gewisseld" in page
    assert "Gemeente A1 → –" in page


def test_detail_page_groups_agreements_as_the_guide_does(world, contract):
    page = _page(world.client("contract_a").get(f"/contracten/{contract.pk}"))
    for heading in (
        "Aanbod",
        "Voortgang en afschalen",
        "Verzuim",
        "Financiering",
        "KPI's",
        "Contactpersonen",
        "Wijzigingen",
        "Evaluaties",
        "Tekortkomingen",
    ):
        assert heading in page, heading


@pytest.mark.parametrize("user_key", ["policy_a", "admin_a", "staff_a"])
def test_readers_see_the_contract_without_edit_controls(world, contract, user_key):
    client = world.client(user_key)
    page = _page(client.get(f"/contracten/{contract.pk}"))
    assert contract.title in page
    assert "Contract wijzigen" not in page
    assert client.get(f"/contracten/{contract.pk}/wijzigen").status_code == 403
    assert client.get("/contracten/nieuw").status_code == 403
    api = _amend(client, contract, uurtarief="99", wijzigingsreden="x")
    assert api.status_code == 403


@pytest.mark.parametrize("user_key", ["case_a1", "absence_a"])
def test_roles_without_contract_access_get_403(world, contract, user_key):
    client = world.client(user_key)
    assert client.get("/contracten").status_code == 403
    assert client.get("/api/v1/contracten").status_code == 403


def test_provider_staff_see_only_their_own_contracts(world, contract, contract_b):
    shared = make_contract(world, provider="shared", municipalities=("a2",), reference="A-SHARED", title="Gedeeld A")
    listing = world.client("staff_shared").get("/api/v1/contracten").json()
    assert {item["referentie"] for item in listing["results"]} == {shared.reference, contract_b.reference}
    page = _page(world.client("staff_shared").get("/contracten"))
    assert contract.reference not in page
    assert world.client("staff_shared").get(f"/contracten/{contract.pk}").status_code == 404


def test_a_user_who_manages_contracts_in_one_region_cannot_change_them_in_another(world, contract_b):
    """The API spans the caller's regions; roles are checked per region."""
    from tests.factories import MembershipFactory

    MembershipFactory(user=world.users["contract_a"], role="policy_viewer", tenant=world.tenants["b"])
    client = world.client("contract_a")
    assert client.get(f"/api/v1/contracten/{contract_b.pk}").status_code == 200
    assert _amend(client, contract_b, uurtarief="60", wijzigingsreden="x").status_code == 403
    created = client.post("/api/v1/contracten", {"regio": "regio-b"}, content_type="application/json")
    assert created.status_code == 403


def test_list_filters_and_search(world, contract):
    make_contract(
        world,
        reference="A-Z-01",
        title="Z-route Gemeente A2",
        route_b1=False,
        route_z=True,
        municipalities=("a2",),
        status="concept",
    )
    client = world.client("contract_a")
    by_route = _page(client.get("/contracten?route=z"))
    assert "A-Z-01" in by_route and contract.reference not in by_route
    by_status = _page(client.get("/contracten?status=actief"))
    assert contract.reference in by_status and "A-Z-01" not in by_status
    by_search = _page(client.get("/contracten?q=z-route"))
    assert "A-Z-01" in by_search and contract.reference not in by_search
    by_provider = client.get(f"/api/v1/contracten?taalaanbieder={world.providers['a'].kvk_number}&route=b1").json()
    assert [item["referentie"] for item in by_provider["results"]] == [contract.reference]


def test_quarterly_talk_with_action_items_and_overdue_on_home(world, contract):
    client = world.client("contract_a")
    today = timezone.localdate()
    response = client.post(
        f"/contracten/{contract.pk}/evaluaties/nieuw",
        {
            "date": (today - timedelta(days=40)).isoformat(),
            "attendees": "Regio en aanbieder",
            "summary": "Voortgang besproken",
            "agreements": "Rapportage per maand",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        evaluation = ContractEvaluation.objects.get(contract=contract)
    assert evaluation.quarter in (1, 2, 3, 4)
    client.post(
        f"/evaluaties/{evaluation.pk}/actiepunten/nieuw",
        {
            "description": "Verzuimcijfers aanleveren",
            "owner": "Taalaanbieder",
            "due_date": (today - timedelta(days=3)).isoformat(),
        },
    )
    home = _page(client.get("/"))
    assert "Verzuimcijfers aanleveren" in home
    assert "verlopen" in home
    detail = _page(client.get(f"/contracten/{contract.pk}"))
    assert (
        "Verzuimcijfers aanleveren Taalaanbieder " + (today - timedelta(days=3)).strftime("%d-%m-%Y") + " verlopen"
        in detail
    )
    with scopes_disabled():
        item = ActionItem.objects.get()
    client.post(f"/actiepunten/{item.pk}/status")
    client.get("/")  # the confirmation message names the item once
    assert "Verzuimcijfers aanleveren" not in _page(client.get("/"))
    assert "Geen verlopen actiepunten." in _page(client.get("/"))
    other_region_home = _page(world.client("contract_b").get("/"))
    assert "Verzuimcijfers aanleveren" not in other_region_home


def test_evaluations_api_creates_with_action_items_and_is_read_by_the_provider(world, contract):
    client = world.client("contract_a")
    response = client.post(
        "/api/v1/contractevaluaties",
        {
            "contract": contract.pk,
            "datum": "2026-04-10",
            "aanwezigen": "Regio, aanbieder",
            "samenvatting": "Goed gesprek",
            "actiepunten": [{"omschrijving": "Plan avondlessen", "eigenaar": "Aanbieder", "deadline": "2026-05-01"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kwartaal"] == "2026-K2"
    assert response.json()["actiepunten"][0]["status"] == "open"
    provider_view = world.client("staff_a").get("/api/v1/contractevaluaties").json()
    assert [item["samenvatting"] for item in provider_view["results"]] == ["Goed gesprek"]
    assert world.client("staff_b").get("/api/v1/contractevaluaties").json()["count"] == 0
    assert world.client("staff_a").post(
        "/api/v1/contractevaluaties", {}, content_type="application/json"
    ).status_code in (400, 403)


def test_evaluation_api_validation_lists_fields(world, contract):
    response = world.client("contract_a").post(
        "/api/v1/contractevaluaties", {"contract": contract.pk, "datum": "geen datum"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert {"datum", "aanwezigen", "samenvatting"} <= {p["name"] for p in response.json()["invalidParams"]}


def test_provider_findings_are_recorded_and_updated(world, contract):
    client = world.client("contract_a")
    client.post(
        f"/contracten/{contract.pk}/tekortkomingen/nieuw",
        {
            "date": "2026-03-01",
            "category": "administratieve_fouten",
            "description": "Aanwezigheid te laat",
            "consequence": "Herstelplan",
            "status": "open",
        },
    )
    with scopes_disabled():
        finding = ProviderFinding.objects.get()
    client.post(
        f"/tekortkomingen/{finding.pk}/wijzigen",
        {
            "date": "2026-03-01",
            "category": "administratieve_fouten",
            "description": "Aanwezigheid te laat",
            "consequence": "Herstelplan",
            "status": "afgehandeld",
        },
    )
    page = _page(client.get(f"/contracten/{contract.pk}"))
    assert "administratieve fouten" in page and "afgehandeld" in page
    finding.refresh_from_db()
    assert finding.history.count() == 2
    assert finding.history.latest().history_user == world.users["contract_a"]


def test_money_is_decimal_euros(world, contract):
    response = world.client("contract_a").get(f"/api/v1/contracten/{contract.pk}").json()
    assert response["uurtarief"] == "45.00"
    contract.refresh_from_db()
    assert contract.hourly_rate == Decimal("45.00")


def test_a_new_contract_form_starts_from_the_guides_defaults(world):
    form = world.client("contract_a").get("/contracten/nieuw").content.decode()
    assert 'name="checkpoint_hours" value="300, 600"' in form
    for dagdelen in (3, 4, 5):
        assert f'name="dagdelen_per_week" value="{dagdelen}" id="id_dagdelen_per_week_{dagdelen - 3}" checked' in form
    assert 'name="downscale_minimum_hours" value="600"' in form


def test_marking_an_action_item_never_redirects_off_site(world, contract):
    with scopes_disabled():
        from contracts import services

        evaluation = services.evaluation_create(
            actor=None, contract=contract, date=timezone.localdate(), attendees="x", summary="y"
        )
        item = services.action_item_create(
            actor=None, evaluation=evaluation, description="a", owner="o", due_date=timezone.localdate()
        )
    response = world.client("contract_a").post(f"/actiepunten/{item.pk}/status", {"next": "https://example.com/"})
    assert response.status_code == 302
    assert response["Location"] == f"/contracten/{contract.pk}#evaluaties"
