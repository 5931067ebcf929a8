"""The kwartaalrapportages API: metadata, key figures and the PDF of quarterly reports; filters,
problem+json for bad input, and who sees which report (providers: only the shared ones)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inburgering.tenancy.scoping import Grant, scope
from reports.kpis import Kpi, RagStatus
from reports.models import QuarterlyReport, ReportStatus
from reports.services import quarterly_report_share
from tests.contracts.conftest import make_contract

API = "/api/v1"
PDF_BYTES = b"%PDF-1.7 kwartaalrapportage"
KPIS = [
    Kpi("aanwezigheid", "Aanwezigheid", Decimal("87.5"), Decimal("80"), RagStatus.GREEN, "35 van 40 uur").as_json(),
    Kpi("uitstroom", "Uitstroom naar werk of onderwijs", None, None, RagStatus.NO_TARGET, "geen einde").as_json(),
]


def make_report(contract, *, year=2026, quarter=1, ready=True, shared=False) -> QuarterlyReport:
    report = QuarterlyReport.unscoped.create(
        tenant_id=contract.tenant_id,
        contract=contract,
        year=year,
        quarter=quarter,
        status=ReportStatus.READY if ready else ReportStatus.PENDING,
        figures={"kpis": KPIS, "inburgeraars": 3} if ready else {},
        generated_at=datetime(2026, 4, 2, 8, 30, tzinfo=UTC) if ready else None,
        shared_provider=contract.provider if shared else None,
        shared_at=datetime(2026, 4, 3, 9, 0, tzinfo=UTC) if shared else None,
    )
    if ready:
        report.file.save("rapportage.pdf", ContentFile(PDF_BYTES), save=True)
    return report


def get(client: Client, path: str, **params):
    return client.get(f"{API}/{path}", params)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def problems(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    return {param["name"]: param["reason"] for param in body["invalidParams"]}


@pytest.fixture
def contract(world):
    return make_contract(world, actor=world.users["contract_a"])


@pytest.fixture
def contract_b(world):
    return make_contract(world, tenant="b", provider="shared", municipalities=("b1",), reference="B-2026-01")


# --- list and detail ----------------------------------------------------------------------------------


def test_the_list_shows_metadata_key_figures_and_the_pdf_link(world, contract):
    report = make_report(contract, shared=True)

    response = get(world.client("contract_a"), "kwartaalrapportages")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item == {
        "id": report.pk,
        "contract": contract.pk,
        "contractReferentie": "A-2026-01",
        "kwartaal": "2026-K1",
        "status": "klaar",
        "gemaaktOp": "2026-04-02T08:30:00Z",
        "gedeeldMetTaalaanbieder": True,
        "gedeeldOp": "2026-04-03T09:00:00Z",
        "kerncijfers": KPIS,
        "pdf": f"http://testserver/api/v1/kwartaalrapportages/{report.pk}/pdf",
    }
    assert get(world.client("contract_a"), f"kwartaalrapportages/{report.pk}").json() == item


def test_a_report_not_made_yet_has_no_pdf(world, contract):
    report = make_report(contract, ready=False)

    body = get(world.client("contract_a"), f"kwartaalrapportages/{report.pk}").json()
    response = world.client("contract_a").get(
        f"{API}/kwartaalrapportages/{report.pk}/pdf", HTTP_ACCEPT="application/pdf"
    )

    assert body["status"] == "te_maken"
    assert body["pdf"] is None and body["gemaaktOp"] is None
    assert body["kerncijfers"] == []
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_pdf_downloads_under_its_file_name(world, contract):
    report = make_report(contract, quarter=2, shared=True)

    for user in ("contract_a", "policy_a", "admin_a", "staff_a"):
        response = get(world.client(user), f"kwartaalrapportages/{report.pk}/pdf")
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Disposition"] == 'attachment; filename="kwartaalrapportage-A-2026-01-2026-K2.pdf"'


def test_filters_by_contract_and_quarter(world, contract):
    other = make_contract(world, reference="A-2026-02", provider="shared")
    first = make_report(contract, quarter=1)
    second = make_report(contract, quarter=2)
    elsewhere = make_report(other, quarter=2)
    client = world.client("contract_a")

    assert set(ids(get(client, "kwartaalrapportages"))) == {first.pk, second.pk, elsewhere.pk}
    assert set(ids(get(client, "kwartaalrapportages", contract=contract.pk))) == {first.pk, second.pk}
    assert set(ids(get(client, "kwartaalrapportages", kwartaal="2026-K2"))) == {second.pk, elsewhere.pk}
    assert ids(get(client, "kwartaalrapportages", kwartaal="2026-k2", contract=contract.pk)) == [second.pk]
    assert ids(get(client, "kwartaalrapportages", kwartaal="2025-K4")) == []
    # Newest quarter first.
    assert ids(get(client, "kwartaalrapportages", contract=contract.pk)) == [second.pk, first.pk]


@pytest.mark.parametrize("value", ["2026-K5", "2026-Q1", "2026K1", "1999-K1", "kwartaal"])
def test_a_bad_quarter_is_a_400_problem_naming_kwartaal(world, contract, value):
    reasons = problems(get(world.client("contract_a"), "kwartaalrapportages", kwartaal=value))

    assert set(reasons) == {"kwartaal"}
    assert reasons["kwartaal"]


def test_every_bad_filter_is_named_at_once(world, contract):
    reasons = problems(get(world.client("contract_a"), "kwartaalrapportages", kwartaal="2026-K9", contract="abc"))

    assert set(reasons) == {"kwartaal", "contract"}


# --- who sees what -------------------------------------------------------------------------------------


def test_the_provider_sees_only_the_reports_shared_with_it(world, contract):
    shared = make_report(contract, quarter=1, shared=True)
    unshared = make_report(contract, quarter=2)
    staff = world.client("staff_a")

    assert ids(get(staff, "kwartaalrapportages")) == [shared.pk]
    assert get(staff, f"kwartaalrapportages/{shared.pk}").status_code == 200
    assert get(staff, f"kwartaalrapportages/{unshared.pk}").status_code == 404
    assert get(staff, f"kwartaalrapportages/{unshared.pk}/pdf").status_code == 404
    # The contract side sees both; once shared, the provider sees it too.
    assert set(ids(get(world.client("contract_a"), "kwartaalrapportages"))) == {shared.pk, unshared.pk}
    with scope([Grant(tenant_id=contract.tenant_id)]):
        quarterly_report_share(actor=world.users["contract_a"], report=unshared, shared=True)
    assert set(ids(get(staff, "kwartaalrapportages"))) == {shared.pk, unshared.pk}
    assert get(staff, f"kwartaalrapportages/{unshared.pk}/pdf").status_code == 200


def test_another_providers_staff_never_sees_a_shared_report(world, contract):
    report = make_report(contract, shared=True)

    for user in ("staff_shared", "staff_b"):
        assert ids(get(world.client(user), "kwartaalrapportages")) == []
        assert get(world.client(user), f"kwartaalrapportages/{report.pk}").status_code == 404
        assert get(world.client(user), f"kwartaalrapportages/{report.pk}/pdf").status_code == 404


def test_policy_viewers_see_only_their_own_regions_reports(world, contract, contract_b):
    own = make_report(contract)
    foreign = make_report(contract_b)

    assert ids(get(world.client("policy_a"), "kwartaalrapportages")) == [own.pk]
    assert ids(get(world.client("policy_b"), "kwartaalrapportages")) == [foreign.pk]
    assert get(world.client("policy_a"), f"kwartaalrapportages/{foreign.pk}").status_code == 404
    assert get(world.client("policy_b"), f"kwartaalrapportages/{own.pk}").status_code == 404
    assert get(world.client("policy_b"), f"kwartaalrapportages/{own.pk}/pdf").status_code == 404


def test_the_shared_provider_sees_each_regions_report_only_where_shared(world, contract_b):
    """staff_shared works for both regions: region b's report is shared with it, none of region a."""
    report = make_report(contract_b, shared=True)

    assert ids(get(world.client("staff_shared"), "kwartaalrapportages")) == [report.pk]


@pytest.mark.parametrize("user", ["case_a1", "absence_a"])
def test_other_roles_are_refused(world, contract, user):
    report = make_report(contract, shared=True)
    client = world.client(user)

    for path in ("kwartaalrapportages", f"kwartaalrapportages/{report.pk}", f"kwartaalrapportages/{report.pk}/pdf"):
        response = get(client, path)
        assert response.status_code == 403, path
        assert response["Content-Type"] == "application/problem+json"


def test_anonymous_callers_are_not_let_in(world, contract):
    report = make_report(contract)

    assert Client().get(f"{API}/kwartaalrapportages").status_code in (401, 403)
    assert Client().get(f"{API}/kwartaalrapportages/{report.pk}/pdf").status_code in (401, 403)


def test_the_list_costs_the_same_queries_for_one_or_many_reports(world, contract):
    client = world.client("contract_a")
    make_report(contract)
    get(client, "kwartaalrapportages")  # warm up (session, content types)
    with CaptureQueriesContext(connection) as one:
        assert len(ids(get(client, "kwartaalrapportages"))) == 1
    for quarter in (2, 3, 4):
        make_report(contract, quarter=quarter)
        make_report(contract, year=2027, quarter=quarter)
    with CaptureQueriesContext(connection) as many:
        assert len(ids(get(client, "kwartaalrapportages"))) == 7

    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_openapi_document_lists_the_report_routes(db):
    document = Client().get(f"{API}/openapi.json").json()

    assert {
        "/api/v1/kwartaalrapportages",
        "/api/v1/kwartaalrapportages/{id}",
        "/api/v1/kwartaalrapportages/{id}/pdf",
    } <= set(document["paths"])
    listing = document["paths"]["/api/v1/kwartaalrapportages"]["get"]
    assert {parameter["name"] for parameter in listing["parameters"]} >= {"contract", "kwartaal", "page", "pageSize"}
    pdf = document["paths"]["/api/v1/kwartaalrapportages/{id}/pdf"]["get"]["responses"]["200"]["content"]
    assert "application/pdf" in pdf
    properties = document["components"]["schemas"]["Kwartaalrapportage"]["properties"]
    assert set(properties) == {
        "id",
        "contract",
        "contractReferentie",
        "kwartaal",
        "status",
        "gemaaktOp",
        "gedeeldMetTaalaanbieder",
        "gedeeldOp",
        "kerncijfers",
        "pdf",
    }
