"""The quarterly report (kwartaalrapportage) of a contract as a tagged PDF/UA-1 document (guide 3, 3.2).

It is the centre of the quarterly talk between the region and the provider, and may be shared with the
provider, so it holds aggregates only (DOMAIN.md "Visibility"): counts, percentages and amounts, never a
learner's name, number, BSN or date of birth. The settlement appears as its totals per kind of line; the
per-learner lines stay in the settlement export.

The wording is fixed Dutch (reports are Dutch in every locale), the stylesheet is inlined, the charts are
inline SVG (reports.charts) and nothing is fetched while rendering (inburgering.documents.render_pdf).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.template.loader import render_to_string

from contracts.models import (
    ActionItem,
    ActionItemStatus,
    Contract,
    ContractEvaluation,
    FindingCategory,
    FindingStatus,
    ProviderFinding,
)
from inburgering.documents import dutch_money, render_pdf
from reports.charts import dutch_number, dutch_percentage, quarter_charts
from reports.kpis import (
    AGE_LABELS,
    END_REASON_LABELS,
    ROUTE_LABELS,
    SKILL_LABELS,
    STATUS_LABELS,
    ContractQuarterFigures,
    RagStatus,
    hours,
    quarter_figures,
)
from reports.periods import DUTCH_MONTHS, Quarter
from reports.settlement import LineKind, Settlement, contract_settlement

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "reports"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REPORT_TITLE = "Kwartaalrapportage"

FINDING_CATEGORY_LABELS = {
    FindingCategory.OFFER_UNAVAILABLE: "afgesproken aanbod niet beschikbaar",
    FindingCategory.ADMINISTRATIVE: "administratieve fouten",
    FindingCategory.QUALITY: "kwaliteit",
    FindingCategory.OTHER: "anders",
}
FINDING_STATUS_LABELS = {
    FindingStatus.OPEN: "open",
    FindingStatus.IN_PROGRESS: "in behandeling",
    FindingStatus.RESOLVED: "afgehandeld",
}
# Line kinds whose quantity is hours (the others count fees).
HOURS_KINDS = (LineKind.HOURLY, LineKind.EXTENSION)


@dataclass(frozen=True)
class Row:
    """A labelled number in one of the report's small tables."""

    label: str
    value: str
    note: str = ""


def dutch_long_date(day: date, *, with_year: bool = True) -> str:
    """'1 juli 2026' (or '1 juli')."""
    text = f"{day.day} {DUTCH_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def quarter_description(quarter: Quarter) -> str:
    """'3e kwartaal 2026 (1 juli – 30 september 2026)'."""
    start = dutch_long_date(quarter.start, with_year=quarter.start.year != quarter.end.year)
    return f"{quarter.dutch_name} ({start} – {dutch_long_date(quarter.end)})"


def generated_description(generated_at: datetime) -> str:
    """'Gemaakt op 28-11-2026 om 14:05', in Amsterdam time."""
    local = generated_at.astimezone(AMSTERDAM) if generated_at.tzinfo else generated_at
    return f"Gemaakt op {local:%d-%m-%Y} om {local:%H:%M}"


def _counts(counter, labels: dict) -> list[Row]:
    """Every known category (zeros included, in the labels' order), then any unknown ones."""
    rows = [Row(label, dutch_number(counter.get(key, 0))) for key, label in labels.items()]
    rows.extend(Row(str(key or "onbekend"), dutch_number(count)) for key, count in counter.items() if key not in labels)
    return rows


def _share_row(label: str, part: int, whole: int, percentage: Decimal | None) -> Row:
    return Row(label, dutch_percentage(percentage), f"{dutch_number(part)} van {dutch_number(whole)}")


def _kpi_rows(figures: ContractQuarterFigures) -> list[dict]:
    rows = []
    for kpi in figures.kpis:
        rows.append(
            {
                "label": kpi.label,
                "value": dutch_percentage(kpi.value),
                "detail": kpi.detail,
                "target": "–" if kpi.target is None else dutch_percentage(kpi.target),
                "status": kpi.status,
                "status_label": kpi.status_label,
            }
        )
    return rows


def _settlement_rows(settlement: Settlement) -> list[dict]:
    rows = []
    for total in settlement.totals:
        if total.kind in HOURS_KINDS:
            quantity = f"{dutch_number(total.quantity, 2)} uur"
        else:
            quantity = dutch_number(total.quantity)
        rows.append(
            {"label": total.label, "quantity": quantity, "amount": dutch_money(total.amount, always_cents=True)}
        )
    return rows


def _evaluations(contract: Contract, quarter: Quarter) -> list[dict]:
    evaluations = ContractEvaluation.objects.filter(contract=contract, year=quarter.year, quarter=quarter.number)
    return [
        {"date": f"{item.date:%d-%m-%Y}", "summary": item.summary, "agreements": item.agreements}
        for item in evaluations.order_by("date", "pk")
    ]


def _open_actions(contract: Contract) -> list[dict]:
    actions = ActionItem.objects.filter(evaluation__contract=contract, status=ActionItemStatus.OPEN)
    return [
        {"description": item.description, "owner": item.owner, "due": f"{item.due_date:%d-%m-%Y}"}
        for item in actions.order_by("due_date", "pk")
    ]


def _findings(contract: Contract, quarter: Quarter) -> list[dict]:
    findings = ProviderFinding.objects.filter(contract=contract).filter(
        Q(status__in=(FindingStatus.OPEN, FindingStatus.IN_PROGRESS))
        | Q(date__gte=quarter.start, date__lte=quarter.end)
    )
    return [
        {
            "date": f"{item.date:%d-%m-%Y}",
            "category": FINDING_CATEGORY_LABELS.get(item.category, item.category),
            "description": item.description,
            "consequence": item.consequence,
            "status": FINDING_STATUS_LABELS.get(item.status, item.status),
        }
        for item in findings.order_by("date", "pk")
    ]


def quarterly_report_context(
    contract: Contract,
    quarter: Quarter,
    *,
    generated_at: datetime,
    figures: ContractQuarterFigures | None = None,
    settlement: Settlement | None = None,
) -> dict:
    """Everything the template prints, already formatted in Dutch (the template only lays it out)."""
    if figures is None:
        figures = quarter_figures([contract], quarter)[contract.pk]
    if settlement is None:
        settlement = contract_settlement(contract, quarter)
    municipalities = sorted(municipality.name for municipality in contract.municipalities.all())
    b1_rows = [
        _share_row(f"B1 {label}", figures.b1_per_skill.get(skill, 0), figures.b1_cohort, figures.b1_skill_share(skill))
        for skill, label in SKILL_LABELS.items()
    ]
    b1_rows.append(
        _share_row(
            "B1 op alle vier vaardigheden", figures.b1_all_skills, figures.b1_cohort, figures.b1_all_skills_share
        )
    )
    return {
        "title": f"{REPORT_TITLE} {contract.reference} – {quarter.dutch_name}",
        "report_title": REPORT_TITLE,
        "reference": contract.reference,
        "contract_title": contract.title,
        "provider": contract.provider.name,
        "region": contract.tenant.name,
        "municipalities": ", ".join(municipalities),
        "contract_period": f"{contract.start_date:%d-%m-%Y} tot en met {contract.end_date:%d-%m-%Y}",
        "quarter_label": quarter.label,
        "quarter_name": quarter.dutch_name,
        "quarter_description": quarter_description(quarter),
        "generated": generated_description(generated_at),
        "kpis": _kpi_rows(figures),
        "status_legend": [(status, label) for status, label in RagStatus.LABELS.items()],
        "key_counts": [
            Row("Inburgeraars met een traject in het kwartaal", dutch_number(figures.learners)),
            Row("Gevolgde lesuren", f"{hours(figures.attended_minutes)} uur"),
            Row("Geplande lesuren", f"{hours(figures.offered_minutes)} uur"),
            Row("Aanwezigheid", dutch_percentage(figures.attendance_rate)),
            Row("Afwezige lessen", dutch_number(figures.absences)),
            Row("Verzuimsignalen", dutch_number(figures.alerts)),
            Row("Besluiten over niveauwijziging", dutch_number(figures.decisions)),
            Row("Examenonderdelen afgelegd", dutch_number(figures.exams_taken)),
        ],
        # Each chart's numbers two to a table row (label, value, label, value): two charts fit a page.
        "charts": [
            {"chart": chart, "pairs": [chart.rows[index : index + 2] for index in range(0, len(chart.rows), 2)]}
            for chart in quarter_charts(figures)
        ],
        "learners_total": dutch_number(figures.learners),
        "learner_tables": [
            ("Per route", _counts(figures.learners_by_route, ROUTE_LABELS)),
            ("Per status", _counts(figures.learners_by_status, STATUS_LABELS)),
            ("Per leeftijd", _counts(figures.learners_by_age, AGE_LABELS)),
        ],
        "ended_by_reason": _counts(figures.ended_by_reason, END_REASON_LABELS),
        "ended_total": dutch_number(figures.ended),
        "outflow": _share_row(
            "Uitstroom naar werk of onderwijs", figures.outflow, figures.ended, figures.outflow_share
        ),
        "progress_blocks": [
            {
                "title": "Evaluatiemomenten",
                "intro": "Evaluatiemomenten met een uiterste datum in het kwartaal, en of ze op tijd zijn beoordeeld.",
                "rows": [
                    Row("Evaluatiemomenten in het kwartaal", dutch_number(figures.checkpoints_due)),
                    Row("Op tijd beoordeeld", dutch_number(figures.checkpoints_on_time)),
                    Row("Te laat of niet beoordeeld", dutch_number(figures.checkpoints_late)),
                    Row("Nog niet aan de beurt", dutch_number(figures.checkpoints_pending)),
                    _share_row(
                        "Aandeel op tijd",
                        figures.checkpoints_on_time,
                        figures.checkpoints_on_time + figures.checkpoints_late,
                        figures.checkpoints_share_on_time,
                    ),
                ],
            },
            {
                "title": "Examens",
                "intro": "Examenonderdelen die in het kwartaal zijn afgelegd.",
                "rows": [
                    Row("Examenonderdelen afgelegd", dutch_number(figures.exams_taken)),
                    Row("Examenonderdelen behaald", dutch_number(figures.exams_passed)),
                    _share_row("Slagingspercentage", figures.exams_passed, figures.exams_taken, figures.exam_pass_rate),
                ],
            },
            {
                "title": "Niveau B1",
                "intro": f"Van de {dutch_number(figures.b1_cohort)} inburgeraars in de B1-route: wie aan het eind van "
                "het kwartaal B1 (of hoger) heeft behaald, per vaardigheid en op alle vier.",
                "rows": b1_rows,
            },
        ],
        "settlement_rows": _settlement_rows(settlement),
        "settlement_total": dutch_money(settlement.total, always_cents=True),
        "settlement_learners": dutch_number(settlement.learner_count),
        "settlement_rules": settlement.rules,
        "evaluations": _evaluations(contract, quarter),
        "actions": _open_actions(contract),
        "findings": _findings(contract, quarter),
        "stylesheet": (TEMPLATE_DIR / "quarterly_report.css").read_text(encoding="utf-8"),
    }


def quarterly_report_html(
    contract: Contract,
    quarter: Quarter,
    *,
    generated_at: datetime,
    figures: ContractQuarterFigures | None = None,
    settlement: Settlement | None = None,
) -> str:
    context = quarterly_report_context(
        contract, quarter, generated_at=generated_at, figures=figures, settlement=settlement
    )
    return render_to_string("reports/quarterly_report.html", context)


def quarterly_report_pdf(
    contract: Contract, quarter: Quarter, *, generated_at: datetime
) -> tuple[bytes, ContractQuarterFigures]:
    """The report as a tagged PDF/UA-1 document, and the figures it was made from."""
    figures = quarter_figures([contract], quarter)[contract.pk]
    settlement = contract_settlement(contract, quarter)
    html = quarterly_report_html(contract, quarter, generated_at=generated_at, figures=figures, settlement=settlement)
    return render_pdf(html, base_url=TEMPLATE_DIR), figures
