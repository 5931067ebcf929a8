"""The report pages: dashboards per role, quarterly reports on demand and shared, the what-if simulator."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes import services as learner_services
from reports.models import QuarterlyReport, ReportStatus, SimulationScenario
from reports.periods import Period, Quarter
from reports.services import quarterly_report_generate
from reports.settlement import settlement_compute, settlement_facts
from reports.simulator import FINANCING_MODELS, PARAMETER_NAMES, parameters_as_rates
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons
from tests.reports.known_data import build_known_data

Q1 = "2026-K1"
PARAMETERS = {
    "vast_bedrag": "1000,00",
    "uurtarief": "40,00",
    "afwezigheidsruimte": "10",
    "aandeel_verlenging": "50",
    "resultaatvergoeding": "2000,00",
    "bonus_a1_a2": "100,00",
    "bonus_a2_b1": "300,00",
    "bonus_b1_b2": "500,00",
}


@pytest.fixture
def known(world):
    return build_known_data(world)


def _report(contract, *, status=ReportStatus.READY, shared=False, quarter=1) -> QuarterlyReport:
    report = QuarterlyReport.unscoped.create(
        tenant_id=contract.tenant_id,
        contract=contract,
        year=2026,
        quarter=quarter,
        status=status,
        shared_provider=contract.provider if shared else None,
    )
    if status == ReportStatus.READY:
        report.file.save("rapportage.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    return report


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Entry page by role --------------------------------------------------------------------------------


def test_the_contract_side_lands_on_the_regions_contracts(world, known):
    for user in ("contract_a", "admin_a"):
        response = world.client(user).get(f"/rapportages?kwartaal={Q1}")
        html = _html(response)
        assert [t.name for t in response.templates][0] == "reports/home.html"
        assert f'href="/rapportages/contracten/{known.contract.pk}?kwartaal={Q1}"' in html
        assert "A-2025-09" in html  # the other contract of the region
        assert "kpi-status--oranje" in html and "let op" in html  # attendance 75% against 78%: in words too


def test_policy_viewers_land_on_the_region_dashboard_and_providers_on_their_own(world, known):
    response = world.client("policy_a").get(f"/rapportages?kwartaal={Q1}")
    assert response.templates[0].name == "reports/dashboard_region.html"
    response = world.client("staff_a").get(f"/rapportages?kwartaal={Q1}")
    html = _html(response)
    assert response.templates[0].name == "reports/dashboard_provider.html"
    assert known.contract.reference in html
    assert "A-2025-09" not in html  # the shared provider's contract in the same region


@pytest.mark.parametrize("user", ["case_a1", "absence_a"])
def test_roles_without_reports_are_refused(world, known, user):
    client = world.client(user)
    assert client.get("/rapportages").status_code == 403
    assert client.get("/rapportages/regio").status_code == 403
    assert client.get(f"/rapportages/contracten/{known.contract.pk}").status_code == 403


def test_the_region_dashboard_is_not_for_providers_nor_the_provider_dashboard_for_the_region(world):
    assert world.client("staff_a").get("/rapportages/regio").status_code == 403
    assert world.client("contract_a").get("/rapportages/taalaanbieder").status_code == 403


@pytest.mark.parametrize("value", ["2026-K9", "kwartaal", "1999-K1", "2099-K1"])
def test_a_bad_quarter_shows_a_message_and_the_last_complete_quarter(world, known, value):
    response = world.client("contract_a").get(f"/rapportages?kwartaal={value}")
    html = _html(response)
    default = response.context["quarter"]
    assert default == response.context["quarter_form"].default
    assert 'class="field-error"' in html
    assert f'<option value="{default.label}" selected>' in html


def test_the_picker_offers_an_older_quarter_when_asked_for(world, known):
    html = _html(world.client("contract_a").get("/rapportages/regio?kwartaal=2024-K2"))
    assert '<option value="2024-K2" selected>' in html
    assert 'class="field-error"' not in html


# --- What each role sees ---------------------------------------------------------------------------------


def _learner_markers(known) -> list[str]:
    markers = []
    for learner in known.learners:
        markers += [learner.learner_number, learner.first_name, learner.last_name]
    return markers


def test_the_region_dashboard_shows_aggregates_only(world, known):
    html = _html(world.client("policy_a").get(f"/rapportages/regio?kwartaal={Q1}"))
    assert html.count("<figure") == 4 and html.count("<figcaption") == 4
    assert html.count('role="img"') == 4  # the four charts, each with its numbers beside
    assert known.contract.reference in html and "A-2025-09" in html
    for marker in _learner_markers(known):
        assert marker not in html
    assert "afrekening" not in html and "Vast bedrag per inburgeraar" not in html


def test_policy_viewers_see_a_contract_without_money_or_learner_numbers(world, known):
    html = _html(world.client("policy_a").get(f"/rapportages/contracten/{known.contract.pk}?kwartaal={Q1}"))
    assert 'id="afrekening"' not in html and "afrekening.xlsx" not in html
    for marker in _learner_markers(known):
        assert marker not in html
    assert html.count("<figure") == 4
    assert 'id="rapportage-maken"' not in html  # only contract managers make reports


def test_the_contract_manager_sees_the_settlement_summary_and_its_downloads(world, known):
    response = world.client("contract_a").get(f"/rapportages/contracten/{known.contract.pk}?kwartaal={Q1}")
    html = _html(response)
    settlement = response.context["settlement"]
    assert settlement.total > 0
    total = f"{settlement.total:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    assert re.search(rf'id="afrekening-totaal"><strong>€ {re.escape(total)}</strong>', html)
    assert f"/rapportages/contracten/{known.contract.pk}/afrekening.xlsx?periode={Q1}" in html
    assert f"/rapportages/contracten/{known.contract.pk}/afrekening.csv?periode={Q1}" in html
    for learner in known.learners:  # totals per kind only: the lines are in the downloads
        assert learner.learner_number not in html
    assert 'id="rapportage-maken"' in html


def test_providers_see_their_contract_with_only_shared_reports_and_no_buttons(world, known):
    shared = _report(known.contract, shared=True)
    unshared = _report(known.contract)
    html = _html(world.client("staff_a").get(f"/rapportages/contracten/{known.contract.pk}?kwartaal={Q1}"))
    assert f'id="rapportage-{shared.pk}"' in html
    assert f'id="rapportage-{unshared.pk}"' not in html
    assert 'id="rapportage-maken"' not in html
    assert "/delen" not in html and 'name="gedeeld"' not in html
    assert f"/rapportages/kwartaalrapportages/{shared.pk}/pdf" in html
    assert 'id="grafiek-handhaving"' not in html  # enforcement is the municipality's
    # ...and the contract manager sees both, with the share buttons.
    html = _html(world.client("contract_a").get(f"/rapportages/contracten/{known.contract.pk}?kwartaal={Q1}"))
    assert f'id="rapportage-{unshared.pk}"' in html and 'name="gedeeld" value="0"' in html
    assert 'name="gedeeld" value="1"' in html


def test_another_providers_contract_answers_404(world, known):
    assert world.client("staff_shared").get(f"/rapportages/contracten/{known.contract.pk}").status_code == 404
    assert world.client("staff_a").get(f"/rapportages/contracten/{known.other_contract.pk}").status_code == 404


def test_the_contract_detail_links_to_its_dashboard_and_simulator(world, known):
    html = _html(world.client("contract_a").get(f"/contracten/{known.contract.pk}"))
    assert f'href="/rapportages/contracten/{known.contract.pk}"' in html
    assert f'href="/rapportages/contracten/{known.contract.pk}/wat-als"' in html
    html = _html(world.client("staff_a").get(f"/contracten/{known.contract.pk}"))
    assert f'href="/rapportages/contracten/{known.contract.pk}"' in html
    assert "/wat-als" not in html


def test_the_menu_has_reports_for_dashboard_readers_only(world):
    assert 'href="/rapportages"' in _html(world.client("policy_a").get("/"))
    assert 'href="/rapportages"' not in _html(world.client("case_a1").get("/"))


# --- Quarterly reports -----------------------------------------------------------------------------------


def test_make_a_report_on_demand_follow_it_and_download_it(world, known):
    client = world.client("contract_a")
    url = f"/rapportages/contracten/{known.contract.pk}"
    response = client.post(f"{url}/kwartaalrapportages/nieuw", {"kwartaal": Q1})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?kwartaal={Q1}#kwartaalrapportages"
    with scopes_disabled():
        report = QuarterlyReport.objects.get(contract=known.contract)
    assert (report.status, report.quarter_label, report.requested_by) == (
        ReportStatus.PENDING,
        Q1,
        world.users["contract_a"],
    )
    # Being made: the list polls its fragment every two seconds.
    html = _html(client.get(f"{url}?kwartaal={Q1}"))
    assert f'hx-get="{url}/kwartaalrapportages/status?kwartaal={Q1}"' in html
    assert 'hx-trigger="every 2s"' in html
    fragment = _html(client.get(f"{url}/kwartaalrapportages/status?kwartaal={Q1}"))
    assert "<html" not in fragment and 'hx-trigger="every 2s"' in fragment
    assert "status--report-te_maken" in fragment

    with scope([Grant(tenant_id=known.contract.tenant_id)]):  # what the worker does
        quarterly_report_generate(report_id=report.pk)
    fragment = _html(client.get(f"{url}/kwartaalrapportages/status?kwartaal={Q1}"))
    assert "hx-trigger" not in fragment  # ready: the polling stops
    assert f"/rapportages/kwartaalrapportages/{report.pk}/pdf" in fragment

    download = client.get(f"/rapportages/kwartaalrapportages/{report.pk}/pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="kwartaalrapportage-A-2026-01-{Q1}.pdf"'
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_report_for_a_quarter_that_has_not_started_is_refused_with_a_message(world, known):
    client = world.client("contract_a")
    response = client.post(
        f"/rapportages/contracten/{known.contract.pk}/kwartaalrapportages/nieuw", {"kwartaal": "2099-K1"}, follow=True
    )
    assert "2099-K1" in response.content.decode()
    assert not QuarterlyReport.unscoped.exists()
    response = client.post(f"/rapportages/contracten/{known.contract.pk}/kwartaalrapportages/nieuw", {}, follow=True)
    assert response.status_code == 200
    assert not QuarterlyReport.unscoped.exists()


def test_only_contract_managers_make_and_share_reports(world, known):
    report = _report(known.contract, shared=True)
    for user in ("policy_a", "admin_a", "staff_a"):
        client = world.client(user)
        assert client.post(f"/rapportages/contracten/{known.contract.pk}/kwartaalrapportages/nieuw").status_code == 403
        assert client.post(f"/rapportages/kwartaalrapportages/{report.pk}/delen", {"gedeeld": "0"}).status_code == 403
    report.refresh_from_db()
    assert report.is_shared


def test_share_and_withdraw(world, known):
    report = _report(known.contract)
    manager, provider = world.client("contract_a"), world.client("staff_a")
    assert provider.get(f"/rapportages/kwartaalrapportages/{report.pk}/pdf").status_code == 404

    response = manager.post(f"/rapportages/kwartaalrapportages/{report.pk}/delen", {"gedeeld": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/rapportages/contracten/{known.contract.pk}?kwartaal={Q1}#kwartaalrapportages"
    report.refresh_from_db()
    assert report.shared_provider_id == known.contract.provider_id and report.shared_by == world.users["contract_a"]
    assert provider.get(f"/rapportages/kwartaalrapportages/{report.pk}/pdf").status_code == 200

    manager.post(f"/rapportages/kwartaalrapportages/{report.pk}/delen", {"gedeeld": "0"})
    report.refresh_from_db()
    assert not report.is_shared
    assert provider.get(f"/rapportages/kwartaalrapportages/{report.pk}/pdf").status_code == 404


def test_a_report_being_made_cannot_be_shared_nor_downloaded(world, known):
    report = _report(known.contract, status=ReportStatus.PENDING)
    client = world.client("contract_a")
    response = client.post(f"/rapportages/kwartaalrapportages/{report.pk}/delen", {"gedeeld": "1"}, follow=True)
    assert response.status_code == 200
    assert 'class="message message--error"' in response.content.decode()
    report.refresh_from_db()
    assert not report.is_shared
    assert client.get(f"/rapportages/kwartaalrapportages/{report.pk}/pdf").status_code == 404
    response = client.post(f"/rapportages/kwartaalrapportages/{report.pk}/delen", {"gedeeld": "ja"})
    assert response.status_code == 302


# --- The what-if simulator -------------------------------------------------------------------------------


def _simulate(client, contract, **overrides):
    params = {"van": "2026-01", "tot": "2026-03", **PARAMETERS, **overrides}
    return client.get(f"/rapportages/contracten/{contract.pk}/wat-als", params)


def test_the_simulator_prices_five_models_like_the_settlement_engine(world, known):
    response = _simulate(world.client("contract_a"), known.contract)
    html = _html(response)
    outcomes = response.context["outcomes"]
    assert [outcome.key for outcome in outcomes] == [key for key, _label, _names in FINANCING_MODELS]
    period = Period(date(2026, 1, 1), date(2026, 3, 31), "2026-01 – 2026-03")
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        facts = settlement_facts(known.contract, period)
    rates = parameters_as_rates(
        {name: Decimal(value.replace(",", ".")) for name, value in zip(PARAMETER_NAMES, _in_names_order(), strict=True)}
    )
    for outcome, (key, _label, names) in zip(outcomes, FINANCING_MODELS, strict=True):
        expected = settlement_compute(facts, rates.only(names)).total
        assert outcome.total == expected, key
        shown = f"{expected:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        assert re.search(rf'id="totaal-{key}"><strong>€ {re.escape(shown)}</strong>', html), key
    # The known contract is hybrid: its column is marked in words.
    assert re.search(r'id="model-hybride">[^<]*<span class="status status--current">', html)
    assert html.count('role="img"') == 1  # the financing chart


def _in_names_order() -> list[str]:
    by_name = {
        "fixed_fee_per_learner": "vast_bedrag",
        "hourly_rate": "uurtarief",
        "absence_allowance_percentage": "afwezigheidsruimte",
        "extension_share_percentage": "aandeel_verlenging",
        "result_fee": "resultaatvergoeding",
        "bonus_a1_a2": "bonus_a1_a2",
        "bonus_a2_b1": "bonus_a2_b1",
        "bonus_b1_b2": "bonus_b1_b2",
    }
    return [PARAMETERS[by_name[name]] for name in PARAMETER_NAMES]


def test_a_higher_hourly_rate_costs_more_under_the_hourly_model(world, known):
    client = world.client("contract_a")
    low = _simulate(client, known.contract).context["outcomes"]
    high = _simulate(client, known.contract, uurtarief="80,00").context["outcomes"]
    hourly = [key for key, _label, _names in FINANCING_MODELS].index("uurtarief")
    assert high[hourly].total == 2 * low[hourly].total > 0


def test_without_parameters_the_simulator_uses_the_contracts_rates_and_the_last_quarter(world, known):
    response = world.client("policy_a").get(f"/rapportages/contracten/{known.contract.pk}/wat-als")
    html = _html(response)
    quarter = Quarter.containing(date.today()).previous()
    assert response.context["period"].start == quarter.start and response.context["period"].end == quarter.end
    assert 'name="uurtarief" value="40,00"' in html
    assert f'name="van" value="{quarter.start:%Y-%m}"' in html


@pytest.mark.parametrize(
    ("field", "params"),
    [
        ("uurtarief", {"uurtarief": "-5"}),
        ("uurtarief", {"uurtarief": "veertig"}),
        ("afwezigheidsruimte", {"afwezigheidsruimte": "150"}),
        ("aandeel_verlenging", {"aandeel_verlenging": "100,5"}),
        ("vast_bedrag", {"vast_bedrag": ""}),
        ("van", {"van": "2026-13"}),
        ("tot", {"van": "2026-05", "tot": "2026-04"}),
        ("tot", {"van": "2024-01", "tot": "2026-01"}),
    ],
)
def test_invalid_parameters_are_form_errors_next_to_the_field(world, known, field, params):
    response = _simulate(world.client("contract_a"), known.contract, **params)
    html = _html(response)
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in html
    assert "outcomes" not in response.context
    assert not SimulationScenario.unscoped.exists()


def test_a_24_month_period_is_allowed(world, known):
    response = _simulate(world.client("contract_a"), known.contract, van="2024-02", tot="2026-01")
    assert not response.context["form"].errors


def test_the_simulator_is_for_the_regions_contract_side(world, known):
    assert world.client("admin_a").get(f"/rapportages/contracten/{known.contract.pk}/wat-als").status_code == 200
    for user in ("staff_a", "case_a1", "absence_a"):
        assert world.client(user).get(f"/rapportages/contracten/{known.contract.pk}/wat-als").status_code == 403


def test_a_plain_get_stores_nothing_and_saving_keeps_the_parameters(world, known):
    client = world.client("policy_a")
    _simulate(client, known.contract)
    assert not SimulationScenario.unscoped.exists()

    data = {"van": "2026-01", "tot": "2026-03", **PARAMETERS, "uurtarief": "42,50", "naam": "Hoger uurtarief"}
    response = client.post(f"/rapportages/contracten/{known.contract.pk}/wat-als/opslaan", data)
    scenario = SimulationScenario.unscoped.get()
    assert response.status_code == 302
    assert response["Location"] == f"/rapportages/contracten/{known.contract.pk}/wat-als?scenario={scenario.pk}"
    assert (scenario.name, scenario.period_start, scenario.period_end) == (
        "Hoger uurtarief",
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert scenario.parameters["hourly_rate"] == "42.50"
    assert set(scenario.parameters) == set(PARAMETER_NAMES)
    assert scenario.created_by == world.users["policy_a"] and scenario.contract == known.contract

    # Loading it fills the form with its numbers and lists it.
    response = client.get(response["Location"])
    html = _html(response)
    assert 'name="uurtarief" value="42,50"' in html and 'name="van" value="2026-01"' in html
    assert response.context["period"].end == date(2026, 3, 31)
    assert f'id="scenario-{scenario.pk}"' in html
    assert SimulationScenario.unscoped.count() == 1


def test_saving_without_a_name_shows_the_error_and_stores_nothing(world, known):
    data = {"van": "2026-01", "tot": "2026-03", **PARAMETERS, "naam": "  "}
    response = world.client("contract_a").post(f"/rapportages/contracten/{known.contract.pk}/wat-als/opslaan", data)
    html = _html(response)
    assert 'id="id_opslaan_naam_error"' in html
    assert "outcomes" in response.context  # the same numbers are shown again
    assert not SimulationScenario.unscoped.exists()


def test_deleting_a_scenario(world, known):
    client = world.client("contract_a")
    data = {"van": "2026-01", "tot": "2026-03", **PARAMETERS, "naam": "Weg ermee"}
    client.post(f"/rapportages/contracten/{known.contract.pk}/wat-als/opslaan", data)
    scenario = SimulationScenario.unscoped.get()
    assert world.client("admin_a").post(f"/rapportages/scenarios/{scenario.pk}/verwijderen").status_code == 403
    response = client.post(f"/rapportages/scenarios/{scenario.pk}/verwijderen")
    assert response.status_code == 302
    assert not SimulationScenario.unscoped.exists()


def test_a_scenario_of_another_contract_is_not_loaded(world, known):
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        scenario = SimulationScenario.objects.create(
            tenant_id=known.contract.tenant_id,
            contract=known.other_contract,
            name="Ander contract",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            parameters={},
            created_by=world.users["contract_a"],
        )
    url = f"/rapportages/contracten/{known.contract.pk}/wat-als"
    assert world.client("contract_a").get(f"{url}?scenario={scenario.pk}").status_code == 404
    assert world.client("contract_a").get(f"{url}?scenario=x").status_code == 404


# --- A fixed number of queries, whatever the contracts and learners -------------------------------------


# (municipality, route) per contract: active contracts of one provider may not overlap on both.
CONTRACT_SHAPES = [("a1", "b1"), ("a2", "b1"), ("a1", "z"), ("a2", "z"), ("a1", "onderwijs")]
ROUTE_FIELDS = {"b1": "route_b1", "z": "route_z", "onderwijs": "route_education"}


def _add_contracts(world, start: int, count: int, learners: int) -> list:
    contracts = []
    for number in range(start, start + count):
        municipality, route = CONTRACT_SHAPES[number]
        routes = {field: field == ROUTE_FIELDS[route] for field in ROUTE_FIELDS.values()}
        contract = make_contract(world, reference=f"Q-{number:03d}", municipalities=(municipality,), **routes)
        for index in range(learners):
            learner = make_learner(
                world, municipality=municipality, first_name=f"Leerder{number}", last_name=f"Nr{index}"
            )
            trajectory = make_trajectory(learner, contract, route=route, start_date=date(2026, 1, 5))
            give_lessons(trajectory, first=date(2026, 1, 5), count=2)
            give_lessons(trajectory, first=date(2026, 2, 2), count=1, attended=0)
            with scope([Grant(tenant_id=contract.tenant_id)]):
                learner_services.exam_result_create(
                    actor=None,
                    trajectory=trajectory,
                    component="lezen",
                    level="A2",
                    exam_date=date(2026, 3, 2),
                    passed=True,
                )
        _report(contract)
        contracts.append(contract)
    return contracts


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def test_dashboards_cost_the_same_queries_for_few_or_many_contracts_and_learners(world):
    first = _add_contracts(world, 0, 2, 2)
    urls = {
        "contract_a": [
            f"/rapportages?kwartaal={Q1}",
            f"/rapportages/regio?kwartaal={Q1}",
            f"/rapportages/contracten/{first[0].pk}?kwartaal={Q1}",
            f"/rapportages/contracten/{first[0].pk}/kwartaalrapportages/status?kwartaal={Q1}",
        ],
        "policy_a": [f"/rapportages?kwartaal={Q1}"],
        "staff_a": [
            f"/rapportages/taalaanbieder?kwartaal={Q1}",
            f"/rapportages/contracten/{first[0].pk}?kwartaal={Q1}",
        ],
    }
    clients = {user: world.client(user) for user in urls}
    for user, user_urls in urls.items():
        _queries(clients[user], user_urls[0])  # warm up (session, content types)
    before = {(user, url): _queries(clients[user], url) for user, user_urls in urls.items() for url in user_urls}

    more = _add_contracts(world, 2, 3, 6)
    # The contract dashboard measured again on a contract with more learners (same URL shape).
    after = {}
    for user, user_urls in urls.items():
        for url in user_urls:
            bigger = url.replace(f"/contracten/{first[0].pk}", f"/contracten/{more[0].pk}")
            after[user, url] = _queries(clients[user], bigger)
    assert after == before, (before, after)


def isolation_scenario(world):
    """A saved scenario of the isolation matrix's contract (tests/isolation), created on first use."""
    if "scenario" not in world.objects:
        contract = world.objects["contract"]
        world.objects["scenario"] = SimulationScenario.unscoped.create(
            tenant_id=contract.tenant_id,
            contract=contract,
            name="Scenario-A",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            parameters={},
            created_by=world.users["contract_a"],
        )
    return world.objects["scenario"]
