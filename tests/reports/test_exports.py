"""Settlement exports (XLSX, CSV) and the CBS quarterly delivery: content, formula safety, scope,
roles, the access log of the BSN, and a fixed number of queries."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract
from inburgering.tenancy.scoping import Grant, scope
from learning_routes import services as learner_services
from learning_routes.models import DossierAccess, Learner
from reports import exports
from reports.periods import Quarter
from reports.settlement import contract_settlement
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons
from tests.reports.known_data import build_known_data

Q1 = Quarter.of(2026, 1)
SKILLS = ("lezen", "luisteren", "schrijven", "spreken")


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def settle(contract, period=Q1):
    with scope([Grant(tenant_id=contract.tenant_id)]):
        return contract_settlement(Contract.unscoped.select_related("provider").get(pk=contract.pk), period)


def all_cells(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


# --- settlement ----------------------------------------------------------------------------------------


@pytest.fixture
def known(world):
    return build_known_data(world)


def test_the_xlsx_has_a_row_per_line_totals_and_rules_with_amounts_as_numbers(known):
    settlement = settle(known.contract)
    assert settlement.lines

    workbook = openpyxl.load_workbook(io.BytesIO(exports.settlement_xlsx(settlement)))

    assert workbook.sheetnames == ["Afrekening", "Regels"]
    sheet = workbook["Afrekening"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(exports.SETTLEMENT_COLUMNS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["I"].width > 40
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    for line, row in zip(settlement.lines, rows, strict=False):
        assert row[0] == line.kind_label
        assert row[1] == line.learner_number
        assert Decimal(str(row[4])) == line.quantity
        assert Decimal(str(row[6])) == line.rate
        assert Decimal(str(row[7])) == line.amount
        assert row[8] == line.explanation
    for line_number in range(len(settlement.lines)):
        amount = sheet.cell(row=line_number + 2, column=8)
        assert amount.data_type == "n" and amount.number_format == exports.MONEY_FORMAT
    totals = {row[0]: row[7] for row in rows[len(settlement.lines) :] if row[0]}
    for total in settlement.totals:
        assert Decimal(str(totals[f"Totaal {total.label}"])) == total.amount
    assert Decimal(str(totals["Totaal"])) == settlement.total == Decimal("4880.00")
    rules = [row[1] for row in workbook["Regels"].iter_rows(values_only=True)]
    assert set(settlement.rules) <= set(rules)
    assert f"{known.contract.reference} – {known.contract.title}" in rules


def test_the_csv_has_dutch_headers_decimal_commas_and_the_same_amounts(known):
    settlement = settle(known.contract)

    rows = read_csv(exports.settlement_csv(settlement))

    assert rows[0] == list(exports.SETTLEMENT_COLUMNS)
    lines = rows[1 : 1 + len(settlement.lines)]
    for line, row in zip(settlement.lines, lines, strict=True):
        assert row[1] == line.learner_number
        assert Decimal(row[7].replace(",", ".")) == line.amount
        assert "," in row[7] and "." not in row[7]
    hourly = next(row for row in lines if row[5] == "uur" and row[1] == known.learners[0].learner_number)
    assert hourly[2] == "B1-route" and hourly[4] == "13,50" and hourly[6] == "40,00" and hourly[7] == "540,00"
    fixed = next(
        row for row in lines if row[0] == "Vast bedrag per inburgeraar" and row[1] == known.learners[0].learner_number
    )
    assert fixed[3] == "05-01-2026" and fixed[4] == "1" and fixed[7] == "1000,00"
    grand = next(row for row in rows if row and row[0] == "Totaal")
    assert grand[7] == "4880,00"
    assert "3 inburgeraars" in grand[8] and "2026-K1 (01-01-2026 t/m 31-03-2026)" in grand[8]
    assert ["Regels"] in rows
    assert [settlement.rules[0]] in rows


def test_no_cell_can_run_as_a_formula_even_when_the_data_starts_with_one(world, known):
    first = known.learners[0]
    Learner.unscoped.filter(pk=first.pk).update(learner_number="=1+1")
    Contract.unscoped.filter(pk=known.contract.pk).update(reference="=2+2", title="@SUM(A1)")
    settlement = settle(known.contract)
    assert "=1+1" in {line.learner_number for line in settlement.lines}

    workbook = openpyxl.load_workbook(io.BytesIO(exports.settlement_xlsx(settlement)))
    cells = [cell for cell in all_cells(workbook) if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert all(cell.data_type in ("s", "n", "d") for cell in cells)
    texts = [cell for cell in cells if isinstance(cell.value, str)]
    assert all(cell.data_type == "s" for cell in texts)
    assert not [cell.value for cell in texts if cell.value.startswith(("=", "+", "-", "@"))]
    assert "'=1+1" in {cell.value for cell in texts}
    assert "'=2+2 – @SUM(A1)" in {cell.value for cell in texts}

    rows = read_csv(exports.settlement_csv(settlement))
    values = [value for row in rows for value in row]
    assert "'=1+1" in values
    assert not [value for value in values if value.startswith(("=", "+", "-", "@"))]


def test_the_download_answers_xlsx_and_csv_under_the_contracts_name(world, known):
    contract = known.contract
    base = f"/rapportages/contracten/{contract.pk}/afrekening"

    xlsx = world.client("contract_a").get(f"{base}.xlsx", {"periode": "2026-K1"})
    csv_file = world.client("staff_a").get(f"{base}.csv", {"periode": "2026-03"})

    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert xlsx["Content-Disposition"] == 'attachment; filename="afrekening-A-2026-01-2026-K1.xlsx"'
    assert "no-store" in xlsx["Cache-Control"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Afrekening"]
    assert Decimal(str(next(row[7] for row in sheet.iter_rows(values_only=True) if row[0] == "Totaal"))) == Decimal(
        "4880.00"
    )
    assert csv_file.status_code == 200
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_file["Content-Disposition"] == 'attachment; filename="afrekening-A-2026-01-2026-03.csv"'
    rows = read_csv(csv_file.content.decode("utf-8"))
    grand = next(row for row in rows if row and row[0] == "Totaal")
    assert "2026-03 (01-03-2026 t/m 31-03-2026)" in grand[8]


@pytest.mark.parametrize("period", ["", "2026-K5", "2026-13", "0000-01", "maart", "2026-K1; DROP"])
def test_a_bad_period_is_a_400_page_with_a_message(world, known, period):
    response = world.client("contract_a").get(
        f"/rapportages/contracten/{known.contract.pk}/afrekening.xlsx", {"periode": period}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "2026-K" in page and "Traceback" not in page


def test_who_may_download_a_settlement(world, known):
    url = f"/rapportages/contracten/{known.contract.pk}/afrekening.csv?periode=2026-K1"
    for user in ("contract_a", "admin_a", "staff_a"):
        assert world.client(user).get(url).status_code == 200, user
    for user in ("policy_a", "absence_a", "case_a1"):
        assert world.client(user).get(url).status_code == 403, user
    for user in ("contract_b", "admin_b", "staff_b", "staff_shared", "case_a2"):
        assert world.client(user).get(url).status_code == 404, user
    assert Client().get(url).status_code == 302  # to the login page


# --- CBS -----------------------------------------------------------------------------------------------


def exam(trajectory, component, level, day, passed=True):
    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        learner_services.exam_result_create(
            actor=None, trajectory=trajectory, component=component, level=level, exam_date=day, passed=passed
        )


def end(trajectory, day, reason):
    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        learner_services.trajectory_end(actor=None, trajectory=trajectory, end_date=day, end_reason=reason)


@pytest.fixture
def cbs(world):
    """Region a: a contract covering a1 and a2; learners in and around 2026-K1. Region b: one learner."""
    contract = make_contract(world, municipalities=("a1", "a2"), start_date=date(2025, 1, 1), route_z=True)
    young = make_learner(world, bsn="111222333", date_of_birth=date(2000, 6, 1), is_asylum_permit_holder=True)
    young_trajectory = make_trajectory(young, contract, start_date=date(2026, 1, 5))
    give_lessons(young_trajectory, first=date(2026, 1, 5), count=4)  # 4 × 3 h attended
    give_lessons(young_trajectory, first=date(2026, 2, 2), count=1, attended=0)  # 3 h offered, absent
    give_lessons(young_trajectory, first=date(2026, 4, 6), count=2)  # the next quarter: not counted
    for skill in SKILLS:
        exam(young_trajectory, skill, "B1", date(2026, 3, 2))
    exam(young_trajectory, "knm", "", date(2026, 3, 3))

    working = make_learner(world, municipality="a2", date_of_birth=date(1980, 2, 10))
    working_trajectory = make_trajectory(working, contract, route="z", start_date=date(2025, 10, 1))
    end(working_trajectory, date(2026, 2, 15), "werk")

    later_end = make_learner(world, date_of_birth=date(1999, 3, 31))
    later_trajectory = make_trajectory(later_end, contract, start_date=date(2026, 1, 1))
    end(later_trajectory, date(2026, 5, 1), "verhuisd")

    ended_before = make_learner(world)
    end(make_trajectory(ended_before, contract, start_date=date(2025, 10, 1)), date(2025, 12, 31), "anders")
    starts_after = make_learner(world)
    make_trajectory(starts_after, contract, start_date=date(2026, 4, 1))

    contract_b = make_contract(world, tenant="b", provider="shared", municipalities=("b1",), reference="B-2026-01")
    foreign = make_learner(world, tenant="b", municipality="b1", bsn="123456782")
    make_trajectory(foreign, contract_b, start_date=date(2026, 1, 5))
    return {
        "contract": contract,
        "young": young,
        "working": working,
        "later_end": later_end,
        "ended_before": ended_before,
        "starts_after": starts_after,
        "foreign": foreign,
    }


def download(client, **data):
    return client.post("/rapportages/cbs/download", {"kwartaal": "2026-K1", **data})


def by_number(response) -> dict[str, dict[str, str]]:
    assert response.status_code == 200, response.content[:500]
    rows = read_csv(response.content.decode("utf-8"))
    assert rows[0] == list(exports.CBS_COLUMNS)
    return {row[3]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_the_cbs_columns_are_the_documented_ones():
    documented = exports.__doc__
    for column in exports.CBS_COLUMNS:
        assert f"\n{column} " in documented, column


def test_the_cbs_file_has_one_row_per_learner_of_the_quarter(world, cbs):
    rows = by_number(download(world.client("admin_a")))

    assert set(rows) == {cbs[key].learner_number for key in ("young", "working", "later_end")}
    young = rows[cbs["young"].learner_number]
    assert young == {
        "kwartaal": "2026-K1",
        "gemeentecode": world.municipalities["a1"].cbs_code,
        "bsn": "111222333",
        "inburgeraarnummer": cbs["young"].learner_number,
        "geboortejaar": "2000",
        "leeftijdscategorie": "jonger dan 27",
        "asielstatushouder": "ja",
        "route": "b1",
        "trajectstatus": "actief",
        "startdatum": "05-01-2026",
        "einddatum": "",
        "reden_einde": "",
        "taalaanbieder_kvk": world.providers["a"].kvk_number,
        "aangeboden_uren": "15,00",
        "gevolgde_uren": "12,00",
        "examenonderdelen_behaald": "5",
        "b1_alle_vaardigheden": "ja",
    }
    working = rows[cbs["working"].learner_number]
    assert working["gemeentecode"] == world.municipalities["a2"].cbs_code
    assert working["leeftijdscategorie"] == "27 jaar en ouder" and working["asielstatushouder"] == "nee"
    assert (working["route"], working["trajectstatus"]) == ("z", "gestopt")
    assert (working["einddatum"], working["reden_einde"]) == ("15-02-2026", "werk")
    assert (working["aangeboden_uren"], working["examenonderdelen_behaald"]) == ("0,00", "0")
    assert working["b1_alle_vaardigheden"] == "nee"
    # Ended after the quarter: running at its end, no end date yet. Turned 27 on the quarter's last day.
    later = rows[cbs["later_end"].learner_number]
    assert (later["trajectstatus"], later["einddatum"], later["reden_einde"]) == ("actief", "", "")
    assert later["leeftijdscategorie"] == "27 jaar en ouder"


def test_the_cbs_file_of_one_municipality_leaves_the_others_out(world, cbs):
    municipality = world.municipalities["a1"]

    response = download(world.client("contract_a"), gemeente=municipality.cbs_code)

    rows = by_number(response)
    assert set(rows) == {cbs["young"].learner_number, cbs["later_end"].learner_number}
    assert {row["gemeentecode"] for row in rows.values()} == {municipality.cbs_code}
    assert response["Content-Disposition"] == f'attachment; filename="cbs-2026-K1-{municipality.cbs_code}.csv"'
    whole = download(world.client("contract_a"))
    assert whole["Content-Disposition"] == 'attachment; filename="cbs-2026-K1.csv"'


def test_another_regions_learners_never_appear(world, cbs):
    response = download(world.client("admin_a"))

    assert "123456782" not in response.content.decode()
    rows = by_number(response)
    assert {row["bsn"] for row in rows.values()} == {cbs[key].bsn for key in ("young", "working", "later_end")}
    refused = download(world.client("admin_a"), gemeente=world.municipalities["b1"].cbs_code)
    assert refused.status_code == 400
    assert not DossierAccess.unscoped.filter(learner=cbs["foreign"]).exists()
    foreign_rows = by_number(download(world.client("admin_b")))
    assert {row["bsn"] for row in foreign_rows.values()} == {"123456782"}


def test_every_download_is_logged_per_learner_in_the_file(world, cbs):
    user = world.users["contract_a"]

    rows = by_number(download(world.client("contract_a")))

    log = DossierAccess.unscoped.filter(user=user, via=exports.CBS_AUDIT_VIA)
    assert sorted(log.values_list("learner__learner_number", flat=True)) == sorted(rows)
    assert set(log.values_list("action", flat=True)) == {"bsn_getoond"}
    assert set(log.values_list("tenant_id", flat=True)) == {world.tenants["a"].pk}
    by_number(download(world.client("contract_a"), gemeente=world.municipalities["a2"].cbs_code))
    assert log.count() == len(rows) + 1


@pytest.mark.parametrize("user", ["policy_a", "staff_a", "case_a1", "absence_a"])
def test_other_roles_get_neither_the_page_nor_the_file(world, cbs, user):
    client = world.client(user)

    assert client.get("/rapportages/cbs").status_code == 403
    assert download(client).status_code == 403
    assert not DossierAccess.unscoped.filter(via=exports.CBS_AUDIT_VIA).exists()


def test_the_page_offers_quarters_and_the_regions_municipalities(world):
    response = world.client("admin_a").get("/rapportages/cbs")

    assert response.status_code == 200
    page = response.content.decode()
    assert world.municipalities["a1"].cbs_code in page and world.municipalities["a2"].cbs_code in page
    assert world.municipalities["b1"].cbs_code not in page
    assert 'name="kwartaal"' in page and "csrfmiddlewaretoken" in page
    assert "style=" not in page and "<script>" not in page


def test_the_download_is_a_deliberate_post(world, cbs):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin_a"])

    assert world.client("admin_a").get("/rapportages/cbs/download").status_code == 405
    assert client.post("/rapportages/cbs/download", {"kwartaal": "2026-K1"}).status_code == 403  # no CSRF token
    assert not DossierAccess.unscoped.filter(via=exports.CBS_AUDIT_VIA).exists()


@pytest.mark.parametrize("quarter", ["2026-K9", "", "2099-K1"])
def test_a_bad_or_future_quarter_shows_the_form_again(world, cbs, quarter):
    response = world.client("admin_a").post("/rapportages/cbs/download", {"kwartaal": quarter})

    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not DossierAccess.unscoped.filter(via=exports.CBS_AUDIT_VIA).exists()


def test_the_cbs_rows_cost_the_same_queries_for_3_or_10_learners(world):
    contract = make_contract(world, municipalities=("a1", "a2"), start_date=date(2025, 1, 1))

    def add_learners(count):
        for index in range(count):
            learner = make_learner(world, municipality="a1" if index % 2 else "a2")
            trajectory = make_trajectory(learner, contract, start_date=date(2026, 1, 5))
            give_lessons(trajectory, first=date(2026, 1, 5), count=2)
            exam(trajectory, "lezen", "A2", date(2026, 2, 1))

    def queries() -> tuple[int, int]:
        with scope([Grant(tenant_id=world.tenants["a"].pk)]), CaptureQueriesContext(connection) as captured:
            rows = exports.cbs_rows(Q1, tenant=world.tenants["a"])
        return len(rows), len(captured.captured_queries)

    add_learners(3)
    three, three_queries = queries()
    add_learners(7)
    ten, ten_queries = queries()

    assert (three, ten) == (3, 10)
    assert three_queries == ten_queries <= 4
