"""The provider portal for attendance: upload, progress, result and error CSV, template, calendar per
trajectory and the absences awaiting classification; who sees what, and flat query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import services
from attendance.models import AttendanceRecord, AttendanceUpload, AttendanceUploadError, UploadStatus
from attendance.parsing import CANONICAL_COLUMNS
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory

HEADER = ";".join(CANONICAL_COLUMNS)
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def setup(world):
    contract = make_contract(world)
    learner = make_learner(world, last_name="Haddad")
    trajectory = make_trajectory(learner, contract, start_date=date(2026, 2, 1))
    return {"contract": contract, "learner": learner, "trajectory": trajectory}


def lesson_rows(number: str) -> list[str]:
    """Three lessons in March 2026: present, partly present, absent (ill). 4,5 of 9,0 hours."""
    return [
        f"{number};02-03-2026;ochtend;180;180;aanwezig;;nee;",
        f"{number};03-03-2026;ochtend;180;90;aanwezig;;nee;",
        f"{number};04-03-2026;middag;180;0;afwezig;ziek;nee;Ziek gemeld",
    ]


def csv_file(rows: list[str], name: str = "lessen.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode(), content_type="text/csv")


def post_upload(client, contract, rows, name="lessen.csv"):
    return client.post("/aanwezigheid", {"contract": contract.pk, "bestand": csv_file(rows, name)})


def process(world, upload_id: int, tenant: str = "a") -> AttendanceUpload:
    with scope([Grant(tenant_id=world.tenants[tenant].pk)]):
        return services.upload_process(upload_id=upload_id)


def upload_id_from(response) -> int:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.fullmatch(r"/aanwezigheid/uploads/(\d+)", response["Location"])
    assert match, response["Location"]
    return int(match.group(1))


def processed_upload(world, setup, rows=None, client_key="staff_a") -> AttendanceUpload:
    rows = lesson_rows(setup["learner"].learner_number) if rows is None else rows
    upload_id = upload_id_from(post_upload(world.client(client_key), setup["contract"], rows))
    return process(world, upload_id)


def figure(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', page)
    assert match, element_id
    return match.group(1).strip()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- Upload, progress, result ------------------------------------------------------------------------


def test_the_upload_page_offers_the_providers_active_contracts_and_a_file_input(world, setup):
    make_contract(world, provider="shared", reference="A-SHARED")  # another provider's: never offered
    make_contract(world, reference="A-DRAFT", status="concept")  # not active: not offered
    page = world.client("staff_a").get("/aanwezigheid").content.decode()

    assert f'<option value="{setup["contract"].pk}"' in page
    assert "A-SHARED" not in page and "A-DRAFT" not in page
    assert 'type="file"' in page and 'accept=".csv,.xlsx' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'href="/aanwezigheid/sjabloon"' in page


def test_an_upload_through_the_page_shows_counts_and_the_error_table(world, setup):
    number = setup["learner"].learner_number
    rows = [*lesson_rows(number), "ZZZ999;05-03-2026;ochtend;180;180;aanwezig;;nee;"]
    client = world.client("staff_a")
    upload_id = upload_id_from(post_upload(client, setup["contract"], rows))

    with scopes_disabled():
        received = AttendanceUpload.objects.get(pk=upload_id)
    assert received.status == UploadStatus.RECEIVED
    assert received.original_name == "lessen.csv"
    process(world, upload_id)

    page = client.get(f"/aanwezigheid/uploads/{upload_id}").content.decode()
    assert [figure(page, f"count-{key}") for key in ("rows", "new", "changed", "unchanged", "rejected")] == [
        "4",
        "3",
        "0",
        "0",
        "1",
    ]
    table = page[page.index('id="upload-errors"') :]
    assert re.search(r'<td class="numeric">5</td><td>deelnemernummer</td><td><code>ZZZ999</code>', table)
    assert f'href="/aanwezigheid/uploads/{upload_id}/fouten.csv"' in page
    assert "hx-trigger" not in page and "<progress" not in page

    history = client.get("/aanwezigheid").content.decode()
    assert f'href="/aanwezigheid/uploads/{upload_id}"' in history
    assert f'id="upload-{upload_id}"' in history


def test_the_same_file_twice_changes_nothing_and_says_so(world, setup):
    processed_upload(world, setup)
    second = processed_upload(world, setup)

    assert (second.rows_new, second.rows_changed, second.rows_unchanged) == (0, 0, 3)
    page = world.client("staff_a").get(f"/aanwezigheid/uploads/{second.pk}").content.decode()
    assert figure(page, "count-unchanged") == "3"
    assert 'id="upload-message"' in page


def test_a_rejected_file_shows_the_reason(world, setup):
    client = world.client("staff_a")
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    pdf = SimpleUploadedFile("lessen.csv", body, content_type="text/csv")
    upload_id = upload_id_from(client.post("/aanwezigheid", {"contract": setup["contract"].pk, "bestand": pdf}))
    result = process(world, upload_id)

    assert result.status == UploadStatus.REJECTED
    page = client.get(f"/aanwezigheid/uploads/{upload_id}").content.decode()
    assert 'id="upload-rejected"' in page
    assert result.message and str(result.message)[:20] in page.replace("&#x27;", "'")
    assert 'id="upload-counts"' not in page


def test_the_progress_fragment_polls_while_running_and_stops_when_processed(world, setup):
    client = world.client("staff_a")
    upload_id = upload_id_from(post_upload(client, setup["contract"], lesson_rows(setup["learner"].learner_number)))
    url = f"/aanwezigheid/uploads/{upload_id}"

    received = client.get(url).content.decode()
    assert "<progress" in received and 'hx-trigger="every 1s"' in received
    assert f'hx-get="{url}?fragment=1"' in received

    AttendanceUpload.unscoped.filter(pk=upload_id).update(status=UploadStatus.PROCESSING, progress=42)
    running = client.get(url, {"fragment": "1"}, HTTP_HX_REQUEST="true")
    fragment = running.content.decode()
    assert running.status_code == 200
    assert "<html" not in fragment  # a fragment, not the page
    assert re.search(r'<progress id="upload-progress" max="100" value="42">', fragment)
    assert 'hx-trigger="every 1s"' in fragment and 'id="upload-status"' in fragment

    AttendanceUpload.unscoped.filter(pk=upload_id).update(status=UploadStatus.RECEIVED, progress=0)
    process(world, upload_id)
    finished = client.get(url, {"fragment": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="upload-status"' in finished
    assert "hx-trigger" not in finished and "hx-get" not in finished and "<progress" not in finished
    assert figure(finished, "count-new") == "3"


def test_the_template_has_the_canonical_header_and_two_example_rows(world):
    response = world.client("staff_a").get("/aanwezigheid/sjabloon")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="aanwezigheid-sjabloon.csv"'
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(CANONICAL_COLUMNS)
    assert rows[0][:9] == [
        "deelnemernummer",
        "datum",
        "dagdeel",
        "geplande_minuten",
        "aanwezige_minuten",
        "status",
        "reden",
        "huiswerkklas",
        "opmerking",
    ]
    assert len(rows) == 3 and all(row[0] == "ABC123" and len(row) == len(CANONICAL_COLUMNS) for row in rows[1:])


def test_the_template_parses_as_an_upload_with_only_the_unknown_learner_rejected(world, setup):
    client = world.client("staff_a")
    template = SimpleUploadedFile("sjabloon.csv", client.get("/aanwezigheid/sjabloon").content)
    upload_id = upload_id_from(client.post("/aanwezigheid", {"contract": setup["contract"].pk, "bestand": template}))
    result = process(world, upload_id)

    assert result.status == UploadStatus.PROCESSED
    assert (result.rows_total, result.rows_rejected) == (2, 2)
    with scopes_disabled():
        codes = set(AttendanceUploadError.objects.filter(upload_id=upload_id).values_list("code", flat=True))
    assert codes == {"unknown_learner"}  # the header and the values are all accepted


def test_the_error_csv_neutralises_formulas(world, setup):
    result = processed_upload(world, setup, rows=[f"{FORMULA};02-03-2026;ochtend;180;180;aanwezig;;nee;"])
    extra = ["+31 6", "-5", "@SUM(A1)", "\tstart", "\rstart", "gewoon"]
    with scopes_disabled():
        for number, value in enumerate(extra, start=10):
            AttendanceUploadError.objects.create(
                tenant_id=result.tenant_id, upload=result, line=number, column="opmerking", value=value, message="x"
            )

    response = world.client("staff_a").get(f"/aanwezigheid/uploads/{result.pk}/fouten.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["regel", "kolom", "waarde", "melding"]
    values = [row[2] for row in rows[1:]]
    assert values[0] == "'" + FORMULA
    assert values[1:] == ["'+31 6", "'-5", "'@SUM(A1)", "'\tstart", "'\rstart", "gewoon"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_the_error_csv_streams_every_error_in_line_order(world, setup, monkeypatch):
    result = processed_upload(world, setup, rows=[])
    with scopes_disabled():
        AttendanceUploadError.objects.bulk_create(
            AttendanceUploadError(tenant_id=result.tenant_id, upload=result, line=line, value=str(line), message="m")
            for line in range(30, 1, -1)
        )
    from attendance import selectors

    original = selectors.upload_error_chunks
    monkeypatch.setattr(selectors, "upload_error_chunks", lambda upload_id: original(upload_id, size=7))
    response = world.client("contract_a").get(f"/aanwezigheid/uploads/{result.pk}/fouten.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert [int(row[0]) for row in rows[1:]] == list(range(2, 31))


# --- Who may upload and see uploads ------------------------------------------------------------------


def test_a_provider_cannot_upload_for_another_providers_contract(world, setup):
    shared_contract = make_contract(world, provider="shared", reference="A-SHARED")
    rows = lesson_rows(setup["learner"].learner_number)

    assert post_upload(world.client("staff_a"), shared_contract, rows).status_code == 404
    assert post_upload(world.client("staff_shared"), setup["contract"], rows).status_code == 404
    assert post_upload(world.client("staff_b"), setup["contract"], rows).status_code == 404
    with scopes_disabled():
        assert not AttendanceUpload.objects.exists()


def test_a_contract_that_is_not_active_is_refused_in_the_form(world, setup):
    draft = make_contract(world, reference="A-DRAFT", status="concept")
    response = post_upload(world.client("staff_a"), draft, lesson_rows(setup["learner"].learner_number))

    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    with scopes_disabled():
        assert not AttendanceUpload.objects.exists()


@pytest.mark.parametrize("user_key", ["contract_a", "admin_a", "absence_a"])
def test_region_readers_see_the_history_read_only_and_cannot_post(world, setup, user_key):
    upload = processed_upload(world, setup)
    client = world.client(user_key)
    page = client.get("/aanwezigheid").content.decode()

    assert f'href="/aanwezigheid/uploads/{upload.pk}"' in page
    assert 'type="file"' not in page
    assert client.get(f"/aanwezigheid/uploads/{upload.pk}").status_code == 200
    assert post_upload(client, setup["contract"], lesson_rows(setup["learner"].learner_number)).status_code == 403


def test_providers_never_see_other_providers_uploads(world, setup):
    upload = processed_upload(world, setup)
    for user_key in ("staff_shared", "staff_b"):
        client = world.client(user_key)
        assert client.get(f"/aanwezigheid/uploads/{upload.pk}").status_code == 404, user_key
        assert client.get(f"/aanwezigheid/uploads/{upload.pk}?fragment=1").status_code == 404, user_key
        assert client.get(f"/aanwezigheid/uploads/{upload.pk}/fouten.csv").status_code == 404, user_key
        assert f"/aanwezigheid/uploads/{upload.pk}" not in client.get("/aanwezigheid").content.decode()


@pytest.mark.parametrize(
    ("user_key", "status"),
    [("case_a1", 404), ("admin_b", 404), ("contract_b", 404), ("policy_a", 403), ("staff_a", 200)],
)
def test_upload_results_for_other_roles(world, setup, user_key, status):
    upload = processed_upload(world, setup)
    assert world.client(user_key).get(f"/aanwezigheid/uploads/{upload.pk}").status_code == status


@pytest.mark.parametrize("user_key", ["case_a1", "policy_a"])
def test_roles_without_uploads_get_403_on_the_portal(world, user_key):
    client = world.client(user_key)
    assert client.get("/aanwezigheid").status_code == 403
    assert client.get("/aanwezigheid/sjabloon").status_code == 403


def test_the_upload_history_does_not_grow_queries_with_uploads(world, setup):
    client = world.client("staff_a")
    processed_upload(world, setup)
    queries(client, "/aanwezigheid")
    before = queries(client, "/aanwezigheid")
    for _ in range(4):
        processed_upload(world, setup)
    assert queries(client, "/aanwezigheid") == before
    region = world.client("contract_a")
    assert queries(region, "/aanwezigheid") <= before


# --- The calendar per trajectory ---------------------------------------------------------------------


def test_the_calendar_shows_the_lessons_and_hours_with_a_decimal_comma(world, setup):
    processed_upload(world, setup)
    trajectory = setup["trajectory"]
    page = world.client("staff_a").get(f"/trajecten/{trajectory.pk}/aanwezigheid").content.decode()

    assert figure(page, "total-offered") == "9,0"
    assert figure(page, "total-attended") == "4,5"
    assert figure(page, "total-absences") == "1"
    assert 'id="maand-2026-03"' in page
    with scopes_disabled():
        lessons = list(AttendanceRecord.objects.filter(trajectory=trajectory).order_by("lesson_date"))
    assert len(lessons) == 3
    for lesson in lessons:
        assert f'id="les-{lesson.pk}"' in page
    assert "02-03-2026" in page and "04-03-2026" in page
    assert page.index(f'id="les-{lessons[0].pk}"') < page.index(f'id="les-{lessons[2].pk}"')
    assert 'class="lesson lesson--afwezig"' in page


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("staff_a", 200),
        ("case_a1", 200),
        ("absence_a", 200),
        ("admin_a", 200),
        ("case_a2", 404),
        ("staff_shared", 404),
        ("staff_b", 404),
        ("admin_b", 404),
        ("absence_b", 404),
        ("contract_a", 403),
        ("policy_a", 403),
    ],
)
def test_who_sees_the_calendar(world, setup, user_key, status):
    processed_upload(world, setup)
    response = world.client(user_key).get(f"/trajecten/{setup['trajectory'].pk}/aanwezigheid")
    assert response.status_code == status
    if status == 200:
        assert figure(response.content.decode(), "total-attended") == "4,5"


def test_a_calendar_without_lessons(world, setup):
    page = world.client("case_a1").get(f"/trajecten/{setup['trajectory'].pk}/aanwezigheid").content.decode()
    assert 'id="no-lessons"' in page
    assert figure(page, "total-attended") == "0,0"


def test_the_trajectory_list_links_the_calendar_with_the_attended_hours(world, setup):
    processed_upload(world, setup)
    url = f'href="/trajecten/{setup["trajectory"].pk}/aanwezigheid"'

    provider_page = world.client("staff_a").get("/trajecten").content.decode()
    assert url in provider_page and "4,5" in provider_page
    contract_page = world.client("contract_a").get("/trajecten").content.decode()
    assert "4,5" in contract_page and url not in contract_page  # contract managers: the hours only
    dossier = world.client("case_a1").get(f"/inburgeraars/{setup['learner'].pk}").content.decode()
    assert url in dossier


def test_the_trajectory_list_stays_flat_with_attendance(world, setup):
    client = world.client("staff_a")
    processed_upload(world, setup)
    queries(client, "/trajecten")
    before = queries(client, "/trajecten")
    for index in range(4):
        learner = make_learner(world, last_name=f"Extra {index}")
        make_trajectory(learner, setup["contract"], start_date=date(2026, 2, 1))
        processed_upload(world, setup, rows=lesson_rows(learner.learner_number))
    assert queries(client, "/trajecten") == before


# --- Absences awaiting classification ----------------------------------------------------------------


def test_the_absence_queue_lists_unclassified_absences_newest_first(world, setup):
    number = setup["learner"].learner_number
    processed_upload(
        world, setup, rows=[*lesson_rows(number), f"{number};05-03-2026;avond;120;0;afwezig;kinderopvang;nee;"]
    )
    with scopes_disabled():
        absences = list(AttendanceRecord.objects.filter(status="afwezig").order_by("lesson_date"))
    assert len(absences) == 2
    client = world.client("absence_a")
    page = client.get("/verzuim").content.decode()

    assert page.index(f'id="les-{absences[1].pk}"') < page.index(f'id="les-{absences[0].pk}"')
    assert number in page and world.municipalities["a1"].name in page and world.providers["a"].name in page
    assert f'href="/inburgeraars/{setup["learner"].pk}"' in page

    AttendanceRecord.unscoped.filter(pk=absences[0].pk).update(classification="geoorloofd")
    page = client.get("/verzuim").content.decode()
    assert f'id="les-{absences[0].pk}"' not in page and f'id="les-{absences[1].pk}"' in page


@pytest.mark.parametrize(
    ("user_key", "status"),
    [("absence_a", 200), ("admin_a", 200), ("staff_a", 403), ("case_a1", 403), ("contract_a", 403), ("policy_a", 403)],
)
def test_who_sees_the_absence_queue(world, setup, user_key, status):
    assert world.client(user_key).get("/verzuim").status_code == status


def test_the_absence_queue_of_another_region_stays_hidden(world, setup):
    processed_upload(world, setup)
    page = world.client("absence_b").get("/verzuim").content.decode()
    assert setup["learner"].learner_number not in page


def test_the_absence_queue_does_not_grow_queries_with_absences(world, setup):
    client = world.client("absence_a")
    processed_upload(world, setup)
    queries(client, "/verzuim")
    before = queries(client, "/verzuim")
    other_contract = make_contract(world, provider="shared", municipalities=("a2",), reference="A-SHARED")
    for index in range(3):
        learner = make_learner(world, municipality="a2", last_name=f"Afwezig {index}")
        make_trajectory(learner, other_contract, start_date=date(2026, 2, 1))
        rows = lesson_rows(learner.learner_number)
        process(world, upload_id_from(post_upload(world.client("staff_shared"), other_contract, rows)))
    assert queries(client, "/verzuim") == before
