"""A learner's registered authorized absence, exported for a request to DUO (CSV and PDF)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from attendance.models import AttendanceRecord
from enforcement.services import absences_classify
from inburgering.tenancy.scoping import Grant, scope
from learning_routes.models import DossierAccess, Learner
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons

BSN = "111222333"


@pytest.fixture
def learner(world):
    return make_learner(world, bsn=BSN)


@pytest.fixture
def trajectory(world, learner):
    return make_trajectory(learner, make_contract(world))


def absent_records(trajectory, first: date, count: int) -> list[int]:
    give_lessons(trajectory, first=first, count=count, attended=0)
    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        return list(
            AttendanceRecord.objects.filter(trajectory=trajectory, lesson_date__gte=first)
            .order_by("lesson_date")
            .values_list("pk", flat=True)[:count]
        )


def classify(world, record_ids, culpability="normale_verwijtbaarheid", reason="ziek"):
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        absences_classify(actor=world.users["absence_a"], record_ids=record_ids, culpability=culpability, reason=reason)


@pytest.fixture
def absences(world, trajectory):
    """Two authorized (ill; medical), one unauthorized and one unclassified absence, one partial."""
    ill = absent_records(trajectory, date(2026, 3, 2), 1)
    medical = absent_records(trajectory, date(2026, 3, 10), 1)
    unauthorized = absent_records(trajectory, date(2026, 3, 17), 1)
    absent_records(trajectory, date(2026, 3, 24), 1)  # never classified
    classify(world, ill, reason="ziek")
    classify(world, medical, reason="medisch")
    classify(world, unauthorized, culpability="opzet", reason="werk")
    return {"ill": ill, "medical": medical, "unauthorized": unauthorized}


def csv_text(response) -> str:
    return b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8")


def test_the_csv_lists_only_authorized_absence_with_reasons_and_total(world, learner, absences):
    response = world.client("case_a1").get(f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = csv_text(response)
    assert text.startswith("\ufeff")
    rows = [line.split(";") for line in text.lstrip("\ufeff").splitlines()]
    header, lessons, total = rows[0], rows[1:-1], rows[-1]
    assert header[:6] == ["deelnemernummer", "achternaam", "voornaam", "geboortedatum", "gemeente", "datum"]
    assert [(row[5], row[6], row[7], row[8]) for row in lessons] == [
        ("02-03-2026", "ochtend", "3,00", "ziek"),
        ("10-03-2026", "ochtend", "3,00", "medische afspraak"),
    ]
    assert lessons[0][:5] == [learner.learner_number, "Haddad", "Amal", "17-05-1990", "Gemeente A1"]
    assert lessons[0][9] == "A-2026-01"
    assert "17-03-2026" not in text and "24-03-2026" not in text  # unauthorized, unclassified
    assert total[5:8] == ["totaal", "2 lessen", "6,00"]


def test_no_bsn_in_the_file_name_the_url_or_the_file(world, learner, absences):
    for output in ("csv", "pdf"):
        url = f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat={output}"
        response = world.client("absence_a").get(url)
        assert response.status_code == 200
        assert BSN not in url and BSN not in response["Content-Disposition"]
        assert learner.learner_number in response["Content-Disposition"]
        assert BSN.encode() not in response.content
        assert BSN[-4:].encode() not in response.content  # not even masked


def test_the_coordinators_reason_wins_over_the_providers_then_falls_back(world, learner, trajectory):
    records = absent_records(trajectory, date(2026, 4, 6), 2)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        AttendanceRecord.objects.filter(pk__in=records).update(reason="kinderopvang")
    classify(world, records[:1], reason="mantelzorg")
    classify(world, records[1:], reason="")
    text = csv_text(world.client("absence_a").get(f"/inburgeraars/{learner.pk}/geoorloofd-verzuim"))
    assert "06-04-2026;ochtend;3,00;mantelzorg" in text
    assert "07-04-2026;ochtend;3,00;kinderopvang" in text


def test_partial_attendance_counts_the_missed_hours_with_a_decimal_comma(world, learner, trajectory):
    give_lessons(trajectory, first=date(2026, 5, 4), count=1, attended=0)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        record = AttendanceRecord.objects.get(trajectory=trajectory, lesson_date=date(2026, 5, 4))
        AttendanceRecord.objects.filter(pk=record.pk).update(attended_minutes=80)  # absent, 100 minutes missed
    classify(world, [record.pk])
    text = csv_text(world.client("absence_a").get(f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat=csv"))
    assert "04-05-2026;ochtend;1,67;ziek" in text


def test_no_cell_can_run_as_a_formula(world, learner, absences):
    Learner.unscoped.filter(pk=learner.pk).update(
        last_name='=HYPERLINK("http://evil.example","klik")', first_name="+Amal"
    )
    text = csv_text(world.client("case_a1").get(f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat=csv"))
    for line in text.lstrip("\ufeff").splitlines():
        for cell in line.split(";"):
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "'=HYPERLINK" in text and "'+Amal" in text


def test_the_pdf_lists_the_dates_and_the_total(world, learner, absences):
    response = world.client("absence_a").get(f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "02-03-2026" in text and "10-03-2026" in text
    assert "17-03-2026" not in text
    assert "6,00" in text
    assert learner.learner_number in text and "17-05-1990" in text


def test_the_download_is_in_the_dossier_access_log(world, learner, absences):
    world.client("case_a1").get(f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat=pdf")
    entry = DossierAccess.unscoped.get(learner=learner)
    assert (entry.user, entry.action, entry.via) == (world.users["case_a1"], "bekeken", "duo-export-pdf")


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("staff_a", 403),  # the provider sees the learner (its trajectory) but may not export
        ("staff_shared", 404),
        ("staff_b", 404),
        ("case_a2", 404),  # another municipality of the region
        ("case_b1", 404),
        ("absence_b", 404),
        ("admin_a", 403),
        ("contract_a", 403),
        ("policy_a", 403),
    ],
)
def test_who_may_not_export(world, learner, absences, user_key, status):
    response = world.client(user_key).get(f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat=csv")
    assert response.status_code == status
    assert not DossierAccess.unscoped.filter(learner=learner).exists()


def test_an_unknown_format_answers_404(world, learner):
    assert world.client("case_a1").get(f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat=xlsx").status_code == 404


def test_the_dossier_links_to_the_export_for_the_exporting_roles_only(world, learner):
    link = f"/inburgeraars/{learner.pk}/geoorloofd-verzuim?formaat=csv"
    assert link in world.client("case_a1").get(f"/inburgeraars/{learner.pk}").content.decode()
    assert link not in world.client("admin_a").get(f"/inburgeraars/{learner.pk}").content.decode()
