"""A provider uploads an attendance file, sees the progress bar, then the result; axe on both pages."""

from playwright.sync_api import expect

from inburgering.tenancy.scoping import scopes_disabled
from learning_routes.models import Trajectory
from tests.e2e.test_shell import assert_no_serious_axe_violations
from tests.workers import celery_worker

HEADER = "deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten;status;reden;huiswerkklas;opmerking"


def test_provider_uploads_attendance_and_sees_progress_then_result(page, login, live_server, tmp_path):
    from contracts.demo import seed_contracts
    from learning_routes.demo import seed_learners

    seed_contracts()
    seed_learners()
    with scopes_disabled():
        trajectory = (
            Trajectory.objects.filter(contract__reference="IJM-2024-01", status="actief")
            .select_related("learner")
            .order_by("start_date")
            .first()
        )
    lesson_day = trajectory.start_date.strftime("%d-%m-%Y")
    csv = tmp_path / "aanwezigheid.csv"
    csv.write_text(
        "\n".join(
            [
                HEADER,
                f"{trajectory.learner.learner_number};{lesson_day};ochtend;180;180;aanwezig;;nee;",
                f"{trajectory.learner.learner_number};{lesson_day};avond;120;0;afwezig;ziek;nee;",
                "ONBEKEND1;02-03-2026;ochtend;180;180;aanwezig;;nee;",
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    with celery_worker(start=False) as worker:
        login("debrug.medewerker")
        # De Brug works in both regions; the upload goes to the IJmond contract (IJmond is active first).
        expect(page.locator("main p.lead strong")).to_have_text("IJmond")
        page.goto(f"{live_server.url}/aanwezigheid")
        assert_no_serious_axe_violations(page, "upload page")
        contract_label = page.locator("#id_contract option").filter(has_text="IJM-2024-01").inner_text()
        page.locator("#id_contract").select_option(label=contract_label)
        page.locator("#id_bestand").set_input_files(str(csv))
        page.locator("form:has(#id_bestand) button[type=submit]").click()

        # No worker yet: the upload waits, and the page shows a progress bar that polls.
        expect(page.locator("#upload-progress")).to_be_visible()
        worker.start()
        expect(page.locator("#upload-counts")).to_be_visible(timeout=60_000)
    expect(page.locator("#count-new")).to_have_text("2")
    expect(page.locator("#count-rejected")).to_have_text("1")
    expect(page.locator("#upload-errors")).to_contain_text("ONBEKEND1")
    assert_no_serious_axe_violations(page, "upload result")
