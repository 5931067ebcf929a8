"""Documents made from absence data: the learners' printable verzuimprotocol and the export of a
learner's registered authorized absence for DUO (guide chapter 2 intro, 2.1; DOMAIN.md "Absence").

Both are Dutch whatever the process locale is: the protocol is handed to learners (A2–B1 plain
language), the export accompanies a request to DUO to extend the integration term. Neither
carries a BSN: the export identifies the learner by name, date of birth, learner number and
municipality; the municipality's request to DUO carries the BSN through its own channel.
"""

from __future__ import annotations

import base64
import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from attendance.models import AttendanceRecord, Classification, Daypart, LessonStatus, ReportedReason
from enforcement.letters import dutch_long_date
from enforcement.models import AbsencePolicy, ClassificationEntry, Counting
from inburgering import documents
from inburgering.documents import dutch_money, neutralise  # noqa: F401 (dutch_money: used by the policy page)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "enforcement" / "policy"
BOM = "\ufeff"
DAYPART_ORDER = {value: index for index, value in enumerate(Daypart.values)}

# Fixed Dutch wording (the documents are Dutch in every locale).
REASON_LABELS = {
    ReportedReason.ILL: "ziek",
    ReportedReason.MEDICAL: "medische afspraak",
    ReportedReason.CHILDCARE: "kinderopvang",
    ReportedReason.INFORMAL_CARE: "mantelzorg",
    ReportedReason.WORK: "werk",
    ReportedReason.OTHER: "anders",
}
# For the protocol: what a reason means, in words a learner at A2 reads.
REASON_EXPLAINED = {
    ReportedReason.ILL: "U bent ziek.",
    ReportedReason.MEDICAL: "U heeft een afspraak bij de dokter, de tandarts of in het ziekenhuis.",
    ReportedReason.CHILDCARE: "Er is plotseling geen opvang voor uw kind.",
    ReportedReason.INFORMAL_CARE: "U moet plotseling zorgen voor een familielid.",
    ReportedReason.WORK: "U moet werken.",
    ReportedReason.OTHER: "U heeft een andere goede reden. De gemeente beslist of die reden goed is.",
}
NO_REASON = "onbekend"


def dutch_hours(minutes: int) -> str:
    """Minutes as clock hours with two decimals and a decimal comma: 90 → '1,50'."""
    hours = (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{hours:.2f}".replace(".", ",")


def short_date(day: date) -> str:
    """'02-03-2026', the date format of the attendance files."""
    return day.strftime("%d-%m-%Y")


def render_pdf(html: str) -> bytes:
    """A tagged PDF/UA-1 document (title and language nl come from the HTML)."""
    return documents.render_pdf(html, base_url=TEMPLATE_DIR)


def _stylesheet(name: str) -> str:
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


def protocol_style_source() -> str:
    """The CSP source that allows the protocol page's inline stylesheet (style-src is 'self' only)."""
    digest = hashlib.sha256(_stylesheet("protocol.css").encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


# ---------------------------------------------------------------------------------------------
# The learners' verzuimprotocol (print and PDF)
# ---------------------------------------------------------------------------------------------


def protocol_context(policy: AbsencePolicy, *, tenant, contract=None) -> dict:
    reasons = [reason for reason in ReportedReason.values if reason in (policy.authorized_reasons or [])]
    return {
        "title": "Afspraken over de lessen en afwezigheid",
        "region": tenant.name,
        "contract": contract,
        "provider": contract.provider.name if contract is not None else "",
        "own_policy": bool(policy.contract_id),
        "threshold": policy.threshold_per_month,
        "counts_all": policy.counting == Counting.ALL,
        "partial_counts": policy.partial_attendance_counts,
        "automatic_letter": policy.automatic_warning_letter,
        "makeup_required": policy.makeup_required,
        "maximum_fine": dutch_money(policy.maximum_fine),
        "authorized_reasons": [REASON_EXPLAINED[ReportedReason(reason)] for reason in reasons],
        "contact_name": policy.contact_name.strip(),
        "contact_details": policy.contact_details.strip(),
        "printed_on": dutch_long_date(timezone.localdate()),
        "stylesheet": _stylesheet("protocol.css"),
    }


def protocol_html(policy: AbsencePolicy, *, tenant, contract=None, toolbar: dict | None = None) -> str:
    """The protocol as one self-contained page; ``toolbar`` (links for the browser) is left out of the PDF."""
    context = protocol_context(policy, tenant=tenant, contract=contract)
    context["toolbar"] = toolbar
    return render_to_string("enforcement/policy/protocol.html", context)


def protocol_pdf(policy: AbsencePolicy, *, tenant, contract=None) -> bytes:
    return render_pdf(protocol_html(policy, tenant=tenant, contract=contract))


# ---------------------------------------------------------------------------------------------
# Registered authorized absence of one learner (for DUO)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AbsenceLine:
    lesson_date: date
    daypart: str
    missed_minutes: int
    reason: str
    contract: str
    provider: str

    @property
    def hours(self) -> str:
        return dutch_hours(self.missed_minutes)


@dataclass(frozen=True)
class AuthorizedAbsence:
    learner: object
    lines: list[AbsenceLine]

    @property
    def total_minutes(self) -> int:
        return sum(line.missed_minutes for line in self.lines)

    @property
    def total_hours(self) -> str:
        return dutch_hours(self.total_minutes)


def authorized_absence(learner) -> AuthorizedAbsence:
    """The learner's lessons with status afwezig classified geoorloofd, over all trajectories, in
    date and daypart order. Hours missed = scheduled − attended. The reason is the coordinator's
    (latest classification) where given, else the provider's reported reason. Three queries."""
    records = list(
        AttendanceRecord.objects.filter(
            trajectory__learner=learner, status=LessonStatus.ABSENT, classification=Classification.AUTHORIZED
        ).select_related("trajectory__contract__provider")
    )
    records.sort(key=lambda record: (record.lesson_date, DAYPART_ORDER.get(record.daypart, 99), record.pk))
    coordinator_reason: dict[int, str] = {}
    entries = ClassificationEntry.objects.filter(record_id__in=[record.pk for record in records]).order_by(
        "record_id", "-classified_at", "-pk"
    )
    for record_id, reason in entries.values_list("record_id", "reason"):
        coordinator_reason.setdefault(record_id, reason)  # the first per record is the latest
    lines = []
    for record in records:
        reason = coordinator_reason.get(record.pk) or record.reason
        contract = record.trajectory.contract
        lines.append(
            AbsenceLine(
                lesson_date=record.lesson_date,
                daypart=record.daypart,
                missed_minutes=max(0, record.scheduled_minutes - record.attended_minutes),
                reason=REASON_LABELS.get(reason, reason) if reason else NO_REASON,
                contract=contract.reference,
                provider=contract.provider.name,
            )
        )
    return AuthorizedAbsence(learner=learner, lines=lines)


CSV_COLUMNS = (
    "deelnemernummer",
    "achternaam",
    "voornaam",
    "geboortedatum",
    "gemeente",
    "datum",
    "dagdeel",
    "uren_afwezig",
    "reden",
    "contract",
    "taalaanbieder",
)


def authorized_absence_csv(absence: AuthorizedAbsence) -> str:
    """One row per lesson, then a total row; ``;`` separated, UTF-8 with BOM (Excel reads é and €),
    every cell neutralised against formulas (a name or note never runs in a spreadsheet)."""
    learner = absence.learner
    person = [
        learner.learner_number,
        learner.last_name,
        learner.first_name,
        short_date(learner.date_of_birth),
        learner.municipality.name,
    ]
    rows = [list(CSV_COLUMNS)]
    for line in absence.lines:
        rows.append(
            [*person, short_date(line.lesson_date), line.daypart, line.hours, line.reason, line.contract, line.provider]
        )
    count = len(absence.lines)
    rows.append([*person, "totaal", f"{count} {'les' if count == 1 else 'lessen'}", absence.total_hours, "", "", ""])

    class Buffer:
        def __init__(self):
            self.parts = [BOM]

        def write(self, value: str) -> None:
            self.parts.append(value)

    buffer = Buffer()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return "".join(buffer.parts)


def authorized_absence_html(absence: AuthorizedAbsence, *, tenant) -> str:
    learner = absence.learner
    context = {
        "title": "Overzicht geoorloofd verzuim",
        "region": tenant.name,
        "learner_name": learner.full_name,
        "learner_number": learner.learner_number,
        "date_of_birth": short_date(learner.date_of_birth),
        "municipality": learner.municipality.name,
        "term_end": short_date(learner.integration_term_end) if learner.integration_term_end else "",
        "lines": [
            {
                "date": short_date(line.lesson_date),
                "daypart": line.daypart,
                "hours": line.hours,
                "reason": line.reason,
                "contract": line.contract,
                "provider": line.provider,
            }
            for line in absence.lines
        ],
        "count": len(absence.lines),
        "total_hours": absence.total_hours,
        "made_on": dutch_long_date(timezone.localdate()),
        "stylesheet": _stylesheet("duo_export.css"),
    }
    return render_to_string("enforcement/policy/duo_export.html", context)


def authorized_absence_pdf(absence: AuthorizedAbsence, *, tenant) -> bytes:
    return render_pdf(authorized_absence_html(absence, tenant=tenant))


def export_file_name(learner, extension: str) -> str:
    """Never the BSN: the learner number identifies the file."""
    return f"geoorloofd-verzuim-{learner.learner_number}.{extension}"
