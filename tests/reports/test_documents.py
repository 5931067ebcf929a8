"""The quarterly report PDF: the figures as printed, tagged PDF/UA-1, aggregates only (DOMAIN.md "Reporting")."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from contracts import services as contract_services
from contracts.models import ActionItemStatus, FindingCategory, FindingStatus
from inburgering.tenancy.scoping import Grant, scope
from reports.documents import (
    quarter_description,
    quarterly_report_context,
    quarterly_report_html,
    quarterly_report_pdf,
)
from reports.kpis import quarter_figures
from reports.periods import Quarter
from tests.contracts.conftest import make_contract
from tests.reports.known_data import build_known_data

Q1 = Quarter.parse("2026-K1")
# 12:05 UTC on 2 April 2026 is 14:05 in Amsterdam (summer time).
GENERATED_AT = datetime(2026, 4, 2, 12, 5, tzinfo=UTC)


def _flat(pdf: bytes) -> str:
    """The text of all pages without any white space: text extraction splits words at kerning."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def squeeze(phrase: str) -> str:
    return "".join(phrase.split())


def _add_talks_and_findings(contract) -> None:
    with scope([Grant(tenant_id=contract.tenant_id)]):
        talk = contract_services.evaluation_create(
            actor=None,
            contract=contract,
            date=date(2026, 3, 24),
            attendees="Contractmanager, directeur taalschool",
            summary="Aanwezigheid iets onder het doel; examens op koers.",
            agreements="Taalschool belt afwezigen binnen een week.",
        )
        contract_services.action_item_create(
            actor=None,
            evaluation=talk,
            description="Belschema afwezigen opstellen",
            owner="Taalschool",
            due_date=date(2026, 4, 30),
        )
        done = contract_services.action_item_create(
            actor=None, evaluation=talk, description="Roosters opsturen", owner="Regio", due_date=date(2026, 3, 31)
        )
        contract_services.action_item_set_status(actor=None, item=done, status=ActionItemStatus.DONE)
        earlier = contract_services.evaluation_create(
            actor=None,
            contract=contract,
            date=date(2025, 12, 15),
            attendees="Contractmanager",
            summary="Startgesprek van het vorige kwartaal.",
        )
        contract_services.action_item_create(
            actor=None,
            evaluation=earlier,
            description="Evaluatiemomenten plannen",
            owner="Taalschool",
            due_date=date(2026, 5, 1),
        )
        contract_services.finding_create(
            actor=None,
            contract=contract,
            date=date(2025, 11, 3),
            category=FindingCategory.OFFER_UNAVAILABLE,
            description="Avondlessen niet gestart.",
            consequence="Korting van 2% op de factuur.",
            status=FindingStatus.IN_PROGRESS,
        )
        contract_services.finding_create(
            actor=None,
            contract=contract,
            date=date(2026, 2, 10),
            category=FindingCategory.ADMINISTRATIVE,
            description="Presentielijst februari te laat.",
            status=FindingStatus.RESOLVED,
        )
        contract_services.finding_create(
            actor=None,
            contract=contract,
            date=date(2025, 10, 20),
            category=FindingCategory.QUALITY,
            description="Oude klacht al afgehandeld.",
            status=FindingStatus.RESOLVED,
        )


@pytest.fixture
def known(world):
    known = build_known_data(world)
    _add_talks_and_findings(known.contract)
    return known


@pytest.fixture
def report(known):
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        pdf, figures = quarterly_report_pdf(known.contract, Q1, generated_at=GENERATED_AT)
    return pdf, figures


def test_the_report_prints_the_figures_of_the_quarter(known, report):
    pdf, figures = report
    text = _flat(pdf)
    assert squeeze("Kwartaalrapportage") in text
    assert squeeze("A-2026-01") in text
    assert squeeze(known.contract.title) in text
    assert squeeze("Taalschool Alleen A") in text and squeeze("Regio A") in text
    assert squeeze("1e kwartaal 2026 (1 januari – 31 maart 2026)") in text
    assert squeeze("Gemaakt op 02-04-2026 om 14:05") in text
    # KPI table (tests/reports/test_kpis.py has the hand computation): value, target, status in words.
    assert squeeze("Aanwezigheid (gevolgd / gepland)") in text
    assert squeeze("18 van 24 uur") in text
    assert squeeze("75% 78% let op") in text
    assert squeeze("Examenonderdelen behaald 4 van 5 80% 80% op koers") in text
    assert (
        squeeze("onder doel") in text and squeeze("geen gegevens") in text and squeeze("geen doel afgesproken") in text
    )
    # Key counts, charts and their numbers.
    assert squeeze("Inburgeraars met een traject in het kwartaal 3") in text
    assert squeeze("Afwezige lessen 1") in text
    assert squeeze("januari 2026 12 uur van 15 uur (80%)") in text
    assert squeeze("Kwartaal 18 uur van 24 uur (75%)") in text
    assert squeeze("Afwezige lessen per gemelde reden") in text and squeeze("Ziek 1") in text
    assert squeeze("Van verzuimsignaal tot handhaving") in text
    assert squeeze("Doorlooptijd van besluiten over niveauwijziging") in text
    # Learners, outflow, exams, B1.
    assert squeeze("B1-route 3") in text
    assert squeeze("behaald 1") in text
    assert squeeze("Slagingspercentage 80% (4 van 5)") in text
    assert squeeze("B1 lezen 33,3% (1 van 3)") in text
    # Settlement totals (tests/reports/test_settlement.py) and the rules, not the lines.
    assert squeeze("Vast bedrag per inburgeraar 2 € 2.000,00") in text
    assert squeeze("Resultaatvergoeding (traject behaald) 1 € 2.000,00") in text
    assert squeeze("Totaal € 4.880,00") in text
    assert squeeze("Resultaatvergoeding: per traject dat in de periode eindigt") in text
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        assert figures.kpis == quarter_figures([known.contract], Q1)[known.contract.pk].kpis


def test_the_report_shows_the_talk_of_the_quarter_open_actions_and_findings(report):
    text = _flat(report[0])
    assert squeeze("Kwartaalgesprek van 24-03-2026") in text
    assert squeeze("Aanwezigheid iets onder het doel; examens op koers.") in text
    assert squeeze("Taalschool belt afwezigen binnen een week.") in text
    assert squeeze("Startgesprek van het vorige kwartaal") not in text  # another quarter's talk
    # Open actions of the contract, from any talk; done ones are left out.
    assert squeeze("Belschema afwezigen opstellen Taalschool 30-04-2026") in text
    assert squeeze("Evaluatiemomenten plannen") in text
    assert squeeze("Roosters opsturen") not in text
    # Findings: open or being handled, or dated in the quarter.
    assert squeeze("03-11-2025 afgesproken aanbod niet beschikbaar Avondlessen niet gestart.") in text
    assert squeeze("Korting van 2% op de factuur.") in text and squeeze("in behandeling") in text
    assert squeeze("10-02-2026 administratieve fouten Presentielijst februari te laat.") in text
    assert squeeze("Oude klacht") not in text


def test_the_report_holds_no_personal_data_of_learners(known, report):
    pdf, _figures = report
    text = _flat(pdf)
    for learner in known.learners:
        assert squeeze(learner.first_name) not in text
        assert learner.learner_number not in text
        assert learner.bsn not in text
        assert squeeze(f"{learner.date_of_birth:%d-%m-%Y}") not in text
    assert squeeze("Leerder") not in text
    assert squeeze("Contractmanager, directeur taalschool") not in text  # attendees of the talk are not printed
    reader = PdfReader(io.BytesIO(pdf))
    assert "Leerder" not in str(reader.metadata)


def test_the_report_is_a_tagged_pdf_ua_document_in_dutch(report):
    reader = PdfReader(io.BytesIO(report[0]))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "nl"
    assert reader.metadata.title == "Kwartaalrapportage A-2026-01 – 1e kwartaal 2026"
    assert b'pdfuaid:part="1"' in reader.xmp_metadata.stream.get_data()
    pages = len(reader.pages)
    assert pages >= 3
    assert f"pagina 2 van {pages}" in reader.pages[1].extract_text()
    assert "pagina 1 van" in reader.pages[0].extract_text()


def test_the_html_keeps_charts_inline_and_the_stylesheet_in_the_document(known):
    with scope([Grant(tenant_id=known.contract.tenant_id)]):
        html = quarterly_report_html(known.contract, Q1, generated_at=GENERATED_AT)
    assert html.count('<svg viewBox="') == 4
    assert html.count("<figure") == 4 and html.count("<figcaption>") == 4
    assert '<html lang="nl">' in html
    assert "<title>Kwartaalrapportage A-2026-01 – 1e kwartaal 2026</title>" in html
    assert "@page" in html  # the stylesheet is inlined, nothing is linked or fetched
    assert (
        "<link" not in html
        and "src=" not in html
        and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )


def test_a_contract_without_anything_in_the_quarter_still_renders(world):
    contract = make_contract(world, reference="A-LEEG-01", provider="shared", start_date=date(2026, 1, 1))
    with scope([Grant(tenant_id=contract.tenant_id)]):
        pdf, figures = quarterly_report_pdf(contract, Q1, generated_at=GENERATED_AT)
        context = quarterly_report_context(contract, Q1, generated_at=GENERATED_AT)
    assert figures.learners == 0
    text = _flat(pdf)
    assert squeeze("A-LEEG-01") in text
    assert squeeze("Geen gegevens") in text
    assert squeeze("Geen kwartaalgesprek vastgelegd voor dit kwartaal.") in text
    assert squeeze("Er staan geen acties open.") in text
    assert squeeze("Geen tekortkomingen open of vastgesteld in dit kwartaal.") in text
    assert squeeze("Er is over dit kwartaal niets af te rekenen") in text
    assert context["settlement_rows"] == [] and context["evaluations"] == []


def test_quarter_description_spans_years_only_when_needed():
    assert quarter_description(Quarter.parse("2026-K3")) == "3e kwartaal 2026 (1 juli – 30 september 2026)"
    assert quarter_description(Quarter.parse("2026-K4")) == "4e kwartaal 2026 (1 oktober – 31 december 2026)"
