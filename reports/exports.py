"""Files for other systems and spreadsheets: the settlement of a contract (XLSX and CSV) and the
quarterly statistics delivery to CBS (CSV), with its audit.

All content is Dutch whatever the process locale is. Every text cell goes through ``neutralise``, so a
learner number, note or name starting with ``=``, ``+``, ``-`` or ``@`` never runs as a formula in a
spreadsheet (CSV injection, OWASP). CSV files are UTF-8 with a BOM (Excel reads é and €), ``;``
separated, with a decimal comma — like the project's other CSV exports (enforcement/exports.py,
the attendance template). The XLSX writer never turns strings into formulas or links, and amounts are
real numbers with a euro format, so a spreadsheet can add them up.

The settlement lists learners by learner number only (pseudonymous). The CBS delivery identifies
learners by BSN, because CBS links its statistics on the BSN: every download is written to the
dossiers' access log (``cbs_export_audit``), one row per learner in the file.

CBS columns (one row per learner with a trajectory open at some time in the quarter, in the region
or in one municipality; the learner's latest trajectory of the quarter describes route, status,
dates and provider; "at quarter end" = on the last day of the quarter):

=========================== ===================================================================
column                      meaning
=========================== ===================================================================
kwartaal                    the quarter, JJJJ-Kn (e.g. 2026-K1)
gemeentecode                CBS code of the learner's municipality (e.g. GM0268)
bsn                         the learner's BSN (9 digits; decrypted for this file only)
inburgeraarnummer           the region's pseudonymous learner number
geboortejaar                year of birth
leeftijdscategorie          ``jonger dan 27`` or ``27 jaar en ouder``, age at quarter end
asielstatushouder           ``ja`` / ``nee``
route                       ``b1``, ``z`` or ``onderwijs``
trajectstatus               at quarter end: ``startklas``, ``actief``, ``afgeschaald``, ``afgerond``
                            or ``gestopt``; a trajectory that ended after the quarter counts as
                            ``actief`` (as in the quarterly report: no status history is read)
startdatum                  start of the trajectory, dd-mm-jjjj
einddatum                   end of the trajectory if it ended by quarter end, else empty
reden_einde                 ``behaald``, ``werk``, ``onderwijs``, ``verhuisd``, ``routewissel``
                            or ``anders`` if it ended by quarter end, else empty
taalaanbieder_kvk           KvK number of the language provider of the trajectory
aangeboden_uren             hours offered in the quarter (lessons not cancelled), over all the
                            learner's trajectories in the region; two decimals, decimal comma
gevolgde_uren               hours attended in the quarter, likewise
examenonderdelen_behaald    number of exam components passed in the quarter (KNM included)
b1_alle_vaardigheden        ``ja`` when reading, listening, writing and speaking were all passed
                            at B1 or higher by quarter end, else ``nee``
=========================== ===================================================================
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import xlsxwriter
from django.db import transaction
from django.db.models import Count, Sum

from attendance.models import TrajectoryAttendanceMonth
from inburgering.documents import neutralise
from learning_routes.bsn import decrypt_bsn
from learning_routes.models import (
    OPEN_STATUSES,
    DossierAccess,
    DossierAction,
    ExamResult,
    Learner,
    Level,
    Skill,
    Trajectory,
    TrajectoryStatus,
)
from reports.kpis import AGE_BOUNDARY
from reports.periods import Quarter
from reports.settlement import ROUTE_LABELS, Settlement, hours_of

BOM = "\ufeff"
CBS_AUDIT_VIA = "cbs-export"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
MONEY_FORMAT = "€ #,##0.00"
QUANTITY_FORMAT = "#,##0.00"
DATE_FORMAT = "dd-mm-yyyy"
B1_OR_HIGHER = (Level.B1, Level.B2)
SKILLS = tuple(Skill.values)


def _csv_text(rows: list[list]) -> str:
    """``;`` separated, CRLF, UTF-8 BOM; every cell neutralised."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue()


def _comma(value: Decimal, places: int = 2) -> str:
    """A number with a decimal comma and no thousands separator: 1234.5 → '1234,50'."""
    return f"{Decimal(value):.{places}f}".replace(".", ",")


def _short_date(day: date | None) -> str:
    return f"{day:%d-%m-%Y}" if day else ""


# ---------------------------------------------------------------------------------------------
# Settlement (afrekening)
# ---------------------------------------------------------------------------------------------

SETTLEMENT_COLUMNS = (
    "soort",
    "inburgeraarnummer",
    "route",
    "datum",
    "aantal",
    "eenheid",
    "tarief",
    "bedrag",
    "toelichting",
)
# Column widths in the XLSX (characters), in the order of SETTLEMENT_COLUMNS.
SETTLEMENT_WIDTHS = (44, 18, 16, 12, 10, 12, 12, 14, 90)


def _route_label(route: str) -> str:
    return ROUTE_LABELS.get(route, route) if route else ""


def _is_whole(value: Decimal) -> bool:
    return Decimal(value) == Decimal(value).to_integral_value()


def _period_text(settlement: Settlement) -> str:
    period = settlement.period
    return f"{period.label} ({_short_date(period.start)} t/m {_short_date(period.end)})"


def _heading(settlement: Settlement) -> list[tuple[str, str]]:
    contract = settlement.contract
    return [
        ("Contract", f"{contract.reference} – {contract.title}"),
        ("Taalaanbieder", f"{contract.provider.name} (KvK {contract.provider.kvk_number})"),
        ("Periode", _period_text(settlement)),
    ]


def _total_note(settlement: Settlement) -> str:
    count = settlement.learner_count
    return f"{count} {'inburgeraar' if count == 1 else 'inburgeraars'}; {_period_text(settlement)}"


def _kind_unit(settlement: Settlement, kind: str) -> str:
    return next((line.unit for line in settlement.lines if line.kind == kind), "")


def settlement_csv(settlement: Settlement) -> str:
    """One row per line, then the totals per kind, the grand total, and the rules that apply."""
    rows: list[list] = [list(SETTLEMENT_COLUMNS)]
    for line in settlement.lines:
        rows.append(
            [
                line.kind_label,
                line.learner_number,
                _route_label(line.route),
                _short_date(line.due_on),
                _comma(line.quantity, 0 if _is_whole(line.quantity) and line.unit != "uur" else 2),
                line.unit,
                _comma(line.rate),
                _comma(line.amount),
                line.explanation,
            ]
        )
    rows.append([])
    for total in settlement.totals:
        unit = _kind_unit(settlement, total.kind)
        places = 0 if _is_whole(total.quantity) and unit != "uur" else 2
        rows.append(
            [
                f"Totaal {total.label}",
                "",
                "",
                "",
                _comma(total.quantity, places),
                unit,
                "",
                _comma(total.amount),
                f"{total.count} {'regel' if total.count == 1 else 'regels'}",
            ]
        )
    rows.append(["Totaal", "", "", "", "", "", "", _comma(settlement.total), _total_note(settlement)])
    rows.append([])
    rows.extend([label, value] for label, value in _heading(settlement))
    rows.append([])
    rows.append(["Regels"])
    rows.extend([text] for text in settlement.rules)
    return _csv_text(rows)


def settlement_xlsx(settlement: Settlement) -> bytes:
    """Sheet "Afrekening": bold frozen header, the lines, totals per kind and the grand total;
    amounts as numbers in euro format. Sheet "Regels": the contract, the period and the rules."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    money = workbook.add_format({"num_format": MONEY_FORMAT})
    money_bold = workbook.add_format({"num_format": MONEY_FORMAT, "bold": True})
    quantity = workbook.add_format({"num_format": QUANTITY_FORMAT})
    quantity_bold = workbook.add_format({"num_format": QUANTITY_FORMAT, "bold": True})
    whole = workbook.add_format({"num_format": "0"})
    day = workbook.add_format({"num_format": DATE_FORMAT})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    sheet = workbook.add_worksheet("Afrekening")
    for column, width in enumerate(SETTLEMENT_WIDTHS):
        sheet.set_column(column, column, width)
    for column, name in enumerate(SETTLEMENT_COLUMNS):
        sheet.write_string(0, column, name, header)
    sheet.freeze_panes(1, 0)

    def text(row: int, column: int, value: str, cell_format=None) -> None:
        if value:
            sheet.write_string(row, column, neutralise(value), cell_format)

    row = 1
    for line in settlement.lines:
        text(row, 0, line.kind_label)
        text(row, 1, line.learner_number)
        text(row, 2, _route_label(line.route))
        if line.due_on:
            sheet.write_datetime(row, 3, line.due_on, day)
        fee = _is_whole(line.quantity) and line.unit != "uur"
        sheet.write_number(row, 4, float(line.quantity), whole if fee else quantity)
        text(row, 5, line.unit)
        sheet.write_number(row, 6, float(line.rate), money)
        sheet.write_number(row, 7, float(line.amount), money)
        text(row, 8, line.explanation)
        row += 1
    if settlement.lines:
        sheet.autofilter(0, 0, row - 1, len(SETTLEMENT_COLUMNS) - 1)
    row += 1
    for total in settlement.totals:
        unit = _kind_unit(settlement, total.kind)
        text(row, 0, f"Totaal {total.label}", bold)
        sheet.write_number(row, 4, float(total.quantity), quantity_bold)
        text(row, 5, unit)
        sheet.write_number(row, 7, float(total.amount), money_bold)
        text(row, 8, f"{total.count} {'regel' if total.count == 1 else 'regels'}")
        row += 1
    text(row, 0, "Totaal", bold)
    sheet.write_number(row, 7, float(settlement.total), money_bold)
    text(row, 8, _total_note(settlement))

    rules = workbook.add_worksheet("Regels")
    rules.set_column(0, 0, 16)
    rules.set_column(1, 1, 110)
    rules.write_string(0, 0, "Afrekening", bold)
    row = 1
    for label, value in _heading(settlement):
        rules.write_string(row, 0, neutralise(label), bold)
        rules.write_string(row, 1, neutralise(value), wrap)
        row += 1
    row += 1
    rules.write_string(row, 0, "Regels", bold)
    row += 1
    for number, rule in enumerate(settlement.rules, start=1):
        rules.write_number(row, 0, number)
        rules.write_string(row, 1, neutralise(rule), wrap)
        row += 1
    workbook.close()
    return output.getvalue()


def settlement_file_name(settlement: Settlement, extension: str) -> str:
    return f"afrekening-{settlement.contract.reference}-{settlement.period.label}.{extension}"


# ---------------------------------------------------------------------------------------------
# CBS quarterly statistics
# ---------------------------------------------------------------------------------------------

CBS_COLUMNS = (
    "kwartaal",
    "gemeentecode",
    "bsn",
    "inburgeraarnummer",
    "geboortejaar",
    "leeftijdscategorie",
    "asielstatushouder",
    "route",
    "trajectstatus",
    "startdatum",
    "einddatum",
    "reden_einde",
    "taalaanbieder_kvk",
    "aangeboden_uren",
    "gevolgde_uren",
    "examenonderdelen_behaald",
    "b1_alle_vaardigheden",
)
YOUNGER = "jonger dan 27"
OLDER = "27 jaar en ouder"


@dataclass(frozen=True)
class CbsRow:
    learner_id: int
    values: tuple[str, ...]  # in the order of CBS_COLUMNS

    def as_dict(self) -> dict[str, str]:
        return dict(zip(CBS_COLUMNS, self.values, strict=True))


def _yes(value: bool) -> str:
    return "ja" if value else "nee"


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def cbs_rows(quarter: Quarter, *, municipality=None, tenant=None) -> list[CbsRow]:
    """One row per learner with a trajectory open at some time in the quarter, in the caller's scope
    (narrowed to ``tenant`` and ``municipality`` when given). Four queries whatever the number of
    learners; the BSN is decrypted per row in Python."""
    trajectories = Trajectory.objects.filter(start_date__lte=quarter.end).exclude(end_date__lt=quarter.start)
    if tenant is not None:
        trajectories = trajectories.filter(tenant_id=tenant.pk)
    if municipality is not None:
        trajectories = trajectories.filter(learner__municipality_id=municipality.pk)
    # 1. The trajectories with their learner, municipality and provider; the latest per learner counts.
    latest: dict[int, tuple] = {}
    for row in trajectories.order_by("learner_id", "start_date", "pk").values_list(
        "learner_id",
        "learner__bsn_encrypted",
        "learner__learner_number",
        "learner__date_of_birth",
        "learner__is_asylum_permit_holder",
        "learner__municipality__cbs_code",
        "route",
        "status",
        "start_date",
        "end_date",
        "end_reason",
        "contract__provider__kvk_number",
    ):
        latest[row[0]] = row
    if not latest:
        return []
    learner_ids = trajectories.values("learner_id")

    # 2. Hours offered and attended in the quarter, over all the learner's trajectories.
    hours = {
        row["trajectory__learner_id"]: (row["offered"] or 0, row["attended"] or 0)
        for row in TrajectoryAttendanceMonth.objects.filter(
            trajectory__learner_id__in=learner_ids, month__in=quarter.months
        )
        .values("trajectory__learner_id")
        .annotate(offered=Sum("offered_minutes"), attended=Sum("attended_minutes"))
    }
    # 3. Exam components passed in the quarter.
    passed = dict(
        ExamResult.objects.filter(
            trajectory__learner_id__in=learner_ids,
            passed=True,
            exam_date__gte=quarter.start,
            exam_date__lte=quarter.end,
        )
        .values("trajectory__learner_id")
        .annotate(count=Count("pk"))
        .values_list("trajectory__learner_id", "count")
    )
    # 4. Skills passed at B1 or higher by the end of the quarter.
    skills_of: dict[int, set[str]] = defaultdict(set)
    for learner_id, skill in (
        ExamResult.objects.filter(
            trajectory__learner_id__in=learner_ids,
            passed=True,
            level__in=B1_OR_HIGHER,
            component__in=SKILLS,
            exam_date__lte=quarter.end,
        )
        .values_list("trajectory__learner_id", "component")
        .distinct()
    ):
        skills_of[learner_id].add(skill)

    rows = []
    for learner_id, row in latest.items():
        _id, token, number, born, asylum, cbs_code, route, status, start, end, reason, kvk = row
        ended = end is not None and end <= quarter.end
        if not ended and status not in OPEN_STATUSES:
            status = TrajectoryStatus.ACTIVE  # ended after the quarter: it was running at the quarter's end
        offered, attended = hours.get(learner_id, (0, 0))
        values = (
            quarter.label,
            cbs_code,
            decrypt_bsn(token),
            number,
            str(born.year),
            YOUNGER if _age_on(born, quarter.end) < AGE_BOUNDARY else OLDER,
            _yes(asylum),
            route,
            status,
            _short_date(start),
            _short_date(end) if ended else "",
            (reason or "anders") if ended else "",
            kvk,
            _comma(hours_of(offered)),
            _comma(hours_of(attended)),
            str(passed.get(learner_id, 0)),
            _yes(len(skills_of.get(learner_id, ())) == len(SKILLS)),
        )
        rows.append(CbsRow(learner_id, values))
    rows.sort(key=lambda item: (item.values[1], item.values[3]))
    return rows


def cbs_csv(rows: list[CbsRow]) -> str:
    return _csv_text([list(CBS_COLUMNS), *(list(row.values) for row in rows)])


def cbs_file_name(quarter: Quarter, municipality=None) -> str:
    return f"cbs-{quarter.label}{f'-{municipality.cbs_code}' if municipality is not None else ''}.csv"


@transaction.atomic
def cbs_export_audit(*, user, learner_ids) -> list[DossierAccess]:
    """One access-log row per learner in the file (their BSN left the application), written at once;
    the tenant admin's access log shows who downloaded which learner's BSN, and when. Two queries."""
    tenants = dict(Learner.objects.filter(pk__in=list(learner_ids)).values_list("pk", "tenant_id"))
    return DossierAccess.objects.bulk_create(
        DossierAccess(
            tenant_id=tenants[learner_id],
            learner_id=learner_id,
            user=user,
            action=DossierAction.BSN_REVEALED,
            via=CBS_AUDIT_VIA,
        )
        for learner_id in sorted(tenants)
    )
