"""A contract manager reads a contract's dashboard, tries another hourly rate in the what-if simulator
and makes the quarterly report, which a worker renders while the page polls; axe on both pages."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import Contract
from inburgering.tenancy.scoping import scopes_disabled
from learning_routes.models import Trajectory
from reports.periods import last_complete_quarter
from tests.e2e.test_shell import assert_no_serious_axe_violations
from tests.progress.helpers import give_lessons
from tests.workers import celery_worker


def _contract_with_lessons_last_quarter() -> Contract:
    """RVN-2025-01 of the demo, with a few lessons in the last complete quarter (the pages' default)."""
    from contracts.demo import seed_contracts
    from learning_routes.demo import seed_learners

    seed_contracts()
    seed_learners()
    quarter = last_complete_quarter(timezone.localdate())
    with scopes_disabled():
        contract = Contract.objects.get(reference="RVN-2025-01")
        trajectories = list(
            Trajectory.objects.filter(contract=contract, start_date__lte=quarter.start)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=quarter.end))
            .order_by("pk")[:3]
        )
    assert trajectories, "the demo has running trajectories on RVN-2025-01"
    for trajectory in trajectories:
        give_lessons(trajectory, first=quarter.start + timedelta(days=7), count=3)
        give_lessons(trajectory, first=quarter.start + timedelta(days=14), count=1, attended=0)
    return contract


def _assert_unique_ids(page, what: str) -> None:
    duplicates = page.evaluate(
        "() => { const seen = new Set(), twice = new Set();"
        " document.querySelectorAll('[id]').forEach(e => seen.has(e.id) ? twice.add(e.id) : seen.add(e.id));"
        " return [...twice]; }"
    )
    assert not duplicates, f"duplicate ids on {what}: {duplicates}"


def test_dashboard_simulator_and_quarterly_report(page, login, live_server):
    contract = _contract_with_lessons_last_quarter()
    dashboard = f"{live_server.url}/rapportages/contracten/{contract.pk}"

    with celery_worker(start=False) as worker:
        login("nijmegen.contractmanager")
        page.goto(dashboard)
        expect(page.get_by_role("heading", level=1)).to_contain_text("RVN-2025-01")
        charts = page.locator("figure.chart")
        expect(charts).to_have_count(4)
        for index in range(4):
            expect(charts.nth(index).locator("svg[role=img]")).to_be_visible()
            expect(charts.nth(index).locator("figcaption")).not_to_be_empty()
        expect(page.locator("#grafiek-aanwezigheid table")).to_contain_text("uur")
        expect(page.locator("#afrekening-totaal")).to_contain_text("€")
        assert_no_serious_axe_violations(page, "the contract dashboard")
        _assert_unique_ids(page, "the contract dashboard")

        # The what-if simulator: another hourly rate changes the hourly model's total, nothing else moves.
        page.locator("#naar-simulator").click()
        expect(page.locator("#simulator-uitkomst")).to_be_visible()
        assert_no_serious_axe_violations(page, "the what-if simulator")
        _assert_unique_ids(page, "the what-if simulator")
        hourly_total = page.locator("#totaal-uurtarief").inner_text()
        fixed_total = page.locator("#totaal-vast_bedrag").inner_text()
        page.locator("#id_uurtarief").fill("95,00")
        page.locator("#simulator-berekenen").click()
        page.wait_for_load_state()
        assert re.search(r"[?&]uurtarief=95%2C00", page.url), page.url  # the address holds the calculation
        expect(page.locator("#id_uurtarief")).to_have_value("95,00")
        expect(page.locator("#totaal-uurtarief")).not_to_have_text(hourly_total)
        expect(page.locator("#totaal-vast_bedrag")).to_have_text(fixed_total)
        expect(page.locator("#model-hybride .status--current")).to_be_visible()  # the current model, in words

        # A wrong number is a message next to the field, not an error page.
        page.locator("#id_afwezigheidsruimte").fill("150")
        page.locator("#simulator-berekenen").click()
        expect(page.locator("#id_afwezigheidsruimte_error")).to_be_visible()
        expect(page.locator("#simulator-fouten")).to_be_visible()
        assert_no_serious_axe_violations(page, "the simulator with a form error")

        # The quarterly report: made on demand by a worker, followed by the page, then downloaded.
        page.goto(dashboard)
        page.locator("#rapportage-maken").click()
        expect(page.locator("#rapportages .status--report-te_maken")).to_be_visible()
        expect(page.locator("#rapportage-lijst")).to_have_attribute("hx-trigger", "every 2s")
        worker.start()
        download_link = page.locator("#rapportages a.report-download")
        expect(download_link).to_be_visible(timeout=90_000)
        expect(page.locator("#rapportages .status--report-klaar")).to_be_visible()
        with page.expect_download() as info:
            download_link.click()
        download = info.value
        quarter = last_complete_quarter(timezone.localdate())
        assert download.suggested_filename == f"kwartaalrapportage-RVN-2025-01-{quarter.label}.pdf"
        with open(download.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        assert_no_serious_axe_violations(page, "the contract dashboard with a report")
