"""The progress pages as providers, case managers and contract managers use them: the to-do list,
the checkpoint assessment and review, the downscaling request and decision, extensions."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from inburgering.tenancy.scoping import scopes_disabled
from learning_routes.models import Trajectory
from progress import services
from progress.models import Checkpoint, HoursExtension, LevelChangeRequest
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.conftest import (
    PDF_BYTES,
    checkpoint_of,
    detect,
    downscale_request,
    give_hours,
    submit_checkpoint,
)

SKILLS = ("lezen", "luisteren", "schrijven", "spreken")


def _text(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def _error_text(response, element_id: str) -> str:
    """The text of the error block with this id (the messages shown next to one field)."""
    match = re.search(rf'<div id="{element_id}">(.*?)</div>', response.content.decode(), re.S)
    assert match, f"no {element_id} on the page"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def contract(world):
    """Tenant a, provider a (quality mark), municipality a1; continues while there is progress."""
    return make_contract(
        world,
        actor=world.users["contract_a"],
        continue_while_progress=True,
        max_hours_b1=1000,
        extension_municipality_share_percentage=25,
    )


def _trajectory(world, contract, hours: int, **learner_fields) -> Trajectory:
    learner = make_learner(world, **learner_fields)
    trajectory = make_trajectory(learner, contract)
    give_hours(trajectory, hours)
    return trajectory


def _assessment(advice="afschalen", remark="Schrijven blijft achter.", **overrides) -> dict:
    data = {"advice": advice, "advice_remark": remark}
    for skill in SKILLS:
        data[f"{skill}_level"] = "A2"
        data[f"{skill}_on_track"] = "nee" if skill == "schrijven" else "ja"
        data[f"{skill}_remark"] = ""
    data.update(overrides)
    return data


def _downscale_writing(**overrides) -> dict:
    data = {
        "kind": "afschalen",
        "schrijven_include": "on",
        "schrijven_from": "B1",
        "schrijven_to": "A2",
        "motivation": "Schrijven blijft na 600 uur op A2.",
        "evidence": "Onafhankelijke toets 12-03-2026",
    }
    for skill in SKILLS:
        data.setdefault(f"{skill}_from", "B1")
        data.setdefault(f"{skill}_to", "")
    data.update(overrides)
    return data


# --- Checkpoints ------------------------------------------------------------------------------------


def test_provider_sees_its_to_do_list_most_urgent_first_with_overdue_in_words(world, contract):
    late = _trajectory(world, contract, 320, last_name="Laat")
    detect(world, as_of=date(2026, 3, 10))
    detect(world, as_of=date(2026, 4, 1))  # the first one is past its 10 working days now
    recent = _trajectory(world, contract, 310, last_name="Recent")
    detect(world, as_of=date(2026, 4, 1))

    page = _text(world.client("staff_a").get("/evaluatiemomenten"))

    first, second = late.learner.learner_number, recent.learner.learner_number
    assert first in page and second in page
    assert page.index(first) < page.index(second)
    assert "Te laat" in page  # text, not only colour
    assert "24-03-2026" in page  # the overdue one's due date
    checkpoint = checkpoint_of(late, 300)
    assert (
        f'href="/evaluatiemomenten/{checkpoint.pk}"'
        in world.client("staff_a").get("/evaluatiemomenten").content.decode()
    )


def test_provider_submits_the_checkpoint_through_the_page(world, contract):
    trajectory = _trajectory(world, contract, 620)
    detect(world)
    checkpoint = checkpoint_of(trajectory, 600)
    client = world.client("staff_a")
    form = client.get(f"/evaluatiemomenten/{checkpoint.pk}").content.decode()
    assert 'name="schrijven_level"' in form and 'name="advice"' in form

    response = client.post(f"/evaluatiemomenten/{checkpoint.pk}", _assessment())

    assert response.status_code == 302
    with scopes_disabled():
        checkpoint.refresh_from_db()
        assert checkpoint.status == "ingediend"
        assert checkpoint.advice == "afschalen"
        assert {a.skill: a.on_track for a in checkpoint.assessments.all()}["schrijven"] is False
    page = client.get(response["Location"]).content.decode()
    assert 'id="beoordeling-per-vaardigheid"' in page
    assert 'name="schrijven_level"' not in page  # no second submission
    start = f"/niveauwijzigingen/nieuw?traject={trajectory.pk}&amp;evaluatiemoment={checkpoint.pk}&amp;soort=afschalen"
    assert start in page


def test_missing_answers_are_shown_next_to_the_fields_and_nothing_is_lost(world, contract):
    trajectory = _trajectory(world, contract, 320)
    detect(world)
    checkpoint = checkpoint_of(trajectory, 300)
    data = _assessment(schrijven_level="", lezen_remark="Leest vlot")
    del data["spreken_on_track"]

    response = world.client("staff_a").post(f"/evaluatiemomenten/{checkpoint.pk}", data)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_schrijven_level_error"' in body and 'id="id_spreken_on_track_error"' in body
    assert "Dit veld is vereist." in _text(response)  # Django's own Dutch
    assert "Leest vlot" in body
    assert "Schrijven blijft achter." in body
    with scopes_disabled():
        assert Checkpoint.objects.get(pk=checkpoint.pk).status == "open"


def test_the_services_explanation_rule_lands_next_to_the_explanation(world, contract):
    trajectory = _trajectory(world, contract, 320)
    detect(world)
    checkpoint = checkpoint_of(trajectory, 300)

    response = world.client("staff_a").post(f"/evaluatiemomenten/{checkpoint.pk}", _assessment(remark=""))

    assert response.status_code == 200
    assert 'id="id_advice_remark_error"' in response.content.decode()
    assert re.search(r'value="afschalen"[^>]*checked', response.content.decode())  # the choice is kept


def test_case_manager_reviews_a_submitted_checkpoint(world, contract):
    trajectory = _trajectory(world, contract, 320)
    detect(world)
    checkpoint = checkpoint_of(trajectory, 300)
    submit_checkpoint(checkpoint, world.users["staff_a"])
    client = world.client("case_a1")

    queue = client.get("/evaluatiemomenten").content.decode()
    assert trajectory.learner.learner_number in queue
    assert (
        trajectory.learner.learner_number not in client.get("/evaluatiemomenten?weergave=openstaand").content.decode()
    )
    response = client.post(f"/evaluatiemomenten/{checkpoint.pk}", {"remark": "Besproken met inburgeraar."})

    assert response.status_code == 302
    with scopes_disabled():
        checkpoint.refresh_from_db()
    assert checkpoint.status == "beoordeeld"
    assert checkpoint.reviewed_by == world.users["case_a1"]
    assert "Besproken met inburgeraar." in _text(client.get(response["Location"]))


def test_open_checkpoints_show_in_the_regions_second_tab(world, contract):
    trajectory = _trajectory(world, contract, 320)
    detect(world)
    page = world.client("contract_a").get("/evaluatiemomenten?weergave=openstaand").content.decode()
    assert trajectory.learner.learner_number in page
    assert 'aria-current="page"' in page


def test_a_case_manager_cannot_submit_and_a_provider_cannot_review(world, contract):
    trajectory = _trajectory(world, contract, 320)
    detect(world)
    checkpoint = checkpoint_of(trajectory, 300)
    assert world.client("contract_a").post(f"/evaluatiemomenten/{checkpoint.pk}", _assessment()).status_code == 403
    submit_checkpoint(checkpoint, world.users["staff_a"])
    response = world.client("staff_a").post(f"/evaluatiemomenten/{checkpoint.pk}", {"remark": "x"})
    assert response.status_code == 200  # the provider's form again, with the service's refusal
    with scopes_disabled():
        assert Checkpoint.objects.get(pk=checkpoint.pk).status == "ingediend"


# --- Level-change requests --------------------------------------------------------------------------


def test_downscale_request_with_too_few_hours_says_how_many_hours_are_missing(world, contract):
    trajectory = _trajectory(world, contract, 320)
    client = world.client("staff_a")
    url = f"/niveauwijzigingen/nieuw?traject={trajectory.pk}&soort=afschalen"
    form = _text(client.get(url))
    assert "320" in form and "600" in form  # attended hours and the contract's minimum, before submitting

    response = client.post(url, _downscale_writing())

    assert response.status_code == 200
    error = _error_text(response, "id_kind_error")
    assert "600" in error and "320" in error
    assert "280" in error and "uur" in error  # the hours short, in Dutch
    assert "Schrijven blijft na 600 uur op A2." in _text(response)  # nothing lost
    with scopes_disabled():
        assert not LevelChangeRequest.objects.exists()


def test_provider_files_a_downscale_request_and_the_case_manager_grants_it(world, contract):
    trajectory = _trajectory(world, contract, 620)
    detect(world)
    checkpoint = checkpoint_of(trajectory, 600)
    submit_checkpoint(checkpoint, world.users["staff_a"], advice="afschalen")
    provider = world.client("staff_a")
    url = f"/niveauwijzigingen/nieuw?traject={trajectory.pk}&evaluatiemoment={checkpoint.pk}&soort=afschalen"
    form = provider.get(url).content.decode()
    assert 'name="schrijven_include" id="id_schrijven_include" checked' in form  # not on track: preselected

    data = _downscale_writing(evidence_file=SimpleUploadedFile("toets.pdf", PDF_BYTES))
    response = provider.post(url, data)

    assert response.status_code == 302
    with scopes_disabled():
        request = LevelChangeRequest.objects.get()
    assert request.checkpoint == checkpoint
    assert request.skill_changes == [{"skill": "schrijven", "from": "B1", "to": "A2"}]
    assert request.evidence_file_name == "toets.pdf"

    case_manager = world.client("case_a1")
    queue = case_manager.get("/niveauwijzigingen").content.decode()
    assert trajectory.learner.learner_number in queue
    detail = case_manager.get(f"/niveauwijzigingen/{request.pk}")
    assert 'name="decision"' in detail.content.decode()
    attachment = case_manager.get(f"/niveauwijzigingen/{request.pk}/bijlage")
    assert attachment.status_code == 200
    assert attachment["Content-Type"] == "application/pdf"
    assert attachment["Content-Disposition"] == 'attachment; filename="toets.pdf"'
    assert b"".join(attachment.streaming_content) == PDF_BYTES

    response = case_manager.post(
        f"/niveauwijzigingen/{request.pk}", {"decision": "toegekend", "decision_reason": "Akkoord."}
    )

    assert response.status_code == 302
    with scopes_disabled():
        trajectory.refresh_from_db()
        request.refresh_from_db()
    assert trajectory.status == "afgeschaald"
    assert trajectory.target_writing == "A2" and trajectory.target_reading == "B1"
    assert request.status == "toegekend" and request.turnaround_working_days == 0
    decided = _text(case_manager.get(response["Location"]))
    assert "toegekend" in decided.lower()
    assert "Akkoord." in decided
    dossier = _text(case_manager.get(f"/inburgeraars/{trajectory.learner_id}"))
    assert "afgeschaald" in dossier
    assert "A2" in dossier


def test_provider_may_not_decide(world, contract):
    trajectory = _trajectory(world, contract, 620)
    request = downscale_request(trajectory, world.users["staff_a"])
    response = world.client("staff_a").post(f"/niveauwijzigingen/{request.pk}", {"decision": "toegekend"})
    assert response.status_code == 403
    assert world.client("staff_a").get(f"/niveauwijzigingen/{request.pk}").status_code == 200
    with scopes_disabled():
        assert LevelChangeRequest.objects.get(pk=request.pk).status == "ingediend"


def test_refusal_needs_a_reason_shown_next_to_the_field(world, contract):
    trajectory = _trajectory(world, contract, 620)
    request = downscale_request(trajectory, world.users["staff_a"])
    response = world.client("case_a1").post(f"/niveauwijzigingen/{request.pk}", {"decision": "afgewezen"})
    assert response.status_code == 200
    assert 'id="id_decision_reason_error"' in response.content.decode()


def test_other_municipalities_and_providers_get_404(world, contract):
    trajectory = _trajectory(world, contract, 620)
    detect(world)
    checkpoint = checkpoint_of(trajectory, 600)
    request = downscale_request(trajectory, world.users["staff_a"], with_file=True)
    urls = [
        f"/evaluatiemomenten/{checkpoint.pk}",
        f"/niveauwijzigingen/{request.pk}",
        f"/niveauwijzigingen/{request.pk}/bijlage",
        f"/niveauwijzigingen/nieuw?traject={trajectory.pk}",
        f"/trajecten/{trajectory.pk}/verlenging",
    ]
    for user_key in ("case_a2", "staff_b", "staff_shared", "admin_b"):
        client = world.client(user_key)
        for url in urls:
            assert client.get(url).status_code == 404, (user_key, url)
    assert (
        world.client("case_a2").post(f"/niveauwijzigingen/{request.pk}", {"decision": "toegekend"}).status_code == 404
    )


def test_request_form_needs_a_trajectory_in_scope(world, contract):
    client = world.client("staff_a")
    assert client.get("/niveauwijzigingen/nieuw").status_code == 404
    assert client.get("/niveauwijzigingen/nieuw?traject=abc").status_code == 404
    assert client.get("/niveauwijzigingen/nieuw?traject=987654").status_code == 404
    trajectory = _trajectory(world, contract, 10)
    assert world.client("case_a1").get(f"/niveauwijzigingen/nieuw?traject={trajectory.pk}").status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("toets.exe", b"MZ\x90\x00", r"PNG-? of JPEG"),
        ("toets.pdf", b"\x89PNG\r\n\x1a\n....", r"PNG-? of JPEG"),  # renamed: checked by content
        ("groot.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), r"10 MB"),
    ],
)
def test_attachments_are_pdf_png_or_jpeg_of_at_most_10_mb(world, contract, name, content, message):
    trajectory = _trajectory(world, contract, 620)
    url = f"/niveauwijzigingen/nieuw?traject={trajectory.pk}"
    data = _downscale_writing(evidence_file=SimpleUploadedFile(name, content))
    response = world.client("staff_a").post(url, data)
    assert response.status_code == 200
    assert re.search(message, _error_text(response, "id_evidence_file_error"))
    with scopes_disabled():
        assert not LevelChangeRequest.objects.exists()


def test_png_and_jpeg_attachments_are_accepted(world, contract):
    trajectory = _trajectory(world, contract, 620)
    response = world.client("staff_a").post(
        f"/niveauwijzigingen/nieuw?traject={trajectory.pk}",
        _downscale_writing(evidence_file=SimpleUploadedFile("scan.JPG", b"\xff\xd8\xff\xe0 jpeg")),
    )
    assert response.status_code == 302
    with scopes_disabled():
        request = LevelChangeRequest.objects.get()
    download = world.client("case_a1").get(f"/niveauwijzigingen/{request.pk}/bijlage")
    assert download["Content-Type"] == "image/jpeg"


def test_overdue_requests_head_the_queue_with_the_deadline_passed(world, contract):
    overdue = _trajectory(world, contract, 620, last_name="Overdue")
    fresh = _trajectory(world, contract, 620, last_name="Vers")
    late_request = downscale_request(overdue, world.users["staff_a"])
    downscale_request(fresh, world.users["staff_a"])
    with scopes_disabled():
        LevelChangeRequest.objects.filter(pk=late_request.pk).update(due_date=date(2026, 11, 2))  # a Monday

    response = world.client("case_a1").get("/niveauwijzigingen")

    page = _text(response)
    assert page.index(overdue.learner.learner_number) < page.index(fresh.learner.learner_number)
    assert "Termijn verstreken" in page
    assert re.search(r"\d+ werkdagen", page)


def test_provider_sees_its_requests_with_their_status(world, contract):
    trajectory = _trajectory(world, contract, 620)
    request = downscale_request(trajectory, world.users["staff_a"])
    page = world.client("staff_a").get("/niveauwijzigingen").content.decode()
    assert trajectory.learner.learner_number in page
    assert f"/niveauwijzigingen/{request.pk}" in page
    assert 'id="bijna-maximum"' not in page  # the region's warnings are not the provider's list


# --- Extensions and the maximum --------------------------------------------------------------------


def test_case_manager_sees_learners_near_the_maximum_and_grants_an_extension(world, contract):
    trajectory = _trajectory(world, contract, 900, last_name="Maximum")
    detect(world)  # 900 of 1000 offered hours: the 90% warning
    client = world.client("case_a1")
    page = client.get("/niveauwijzigingen").content.decode()
    assert "Bijna aan het maximum" in _text(client.get("/niveauwijzigingen"))
    assert f"/trajecten/{trajectory.pk}/verlenging" in page

    form = client.get(f"/trajecten/{trajectory.pk}/verlenging").content.decode()
    assert 'value="25.00"' in form or 'value="25,00"' in form  # the contract's share, prefilled
    response = client.post(
        f"/trajecten/{trajectory.pk}/verlenging",
        {"extra_hours": "80", "reason": "Schrijven groeit nog.", "municipality_share_percentage": "25"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/inburgeraars/{trajectory.learner_id}"
    with scopes_disabled():
        extension = HoursExtension.objects.get()
    assert extension.extra_hours == 80 and extension.granted_by == world.users["case_a1"]
    assert "Schrijven groeit nog." in _text(client.get(f"/trajecten/{trajectory.pk}/verlenging"))
    # The warning was about the old maximum: the learner leaves the list.
    assert f"/trajecten/{trajectory.pk}/verlenging" not in client.get("/niveauwijzigingen").content.decode()


def test_extension_errors_of_the_service_are_shown(world):
    plain = make_contract(world, reference="A-2026-09")  # no "continue while there is progress"
    trajectory = _trajectory(world, plain, 10)
    response = world.client("case_a1").post(
        f"/trajecten/{trajectory.pk}/verlenging", {"extra_hours": "0", "reason": "x"}
    )
    assert response.status_code == 200
    assert "A-2026-09" in _text(response)
    assert 'id="id_extra_hours_error"' in response.content.decode()
    with scopes_disabled():
        assert not HoursExtension.objects.exists()


@pytest.mark.parametrize("user_key", ["staff_a", "admin_a", "contract_a"])
def test_only_case_managers_grant_extensions(world, contract, user_key):
    trajectory = _trajectory(world, contract, 900)
    assert world.client(user_key).get(f"/trajecten/{trajectory.pk}/verlenging").status_code == 403


# --- Contract figures and navigation ---------------------------------------------------------------


def test_contract_detail_shows_checkpoint_and_decision_figures(world, contract):
    first = _trajectory(world, contract, 620)
    detect(world, as_of=timezone.localdate() - timedelta(days=1))
    submit_checkpoint(checkpoint_of(first, 300), world.users["staff_a"], advice="doorgaan")
    request = downscale_request(first, world.users["staff_a"])
    with scopes_disabled():
        services.level_change_decide(actor=world.users["case_a1"], request=request, decision="toegekend")

    response = world.client("contract_a").get(f"/contracten/{contract.pk}")

    page = _text(response)
    assert "Voortgang en besluiten" in page
    body = response.content.decode()
    figures = body[body.index('id="cijfers-evaluatiemomenten"') : body.index('id="wijzigingen"')]
    figures_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", figures))
    assert " 2 " in figures_text  # checkpoints reached (300 and 600)
    assert "100%" in figures_text  # submitted on time, decided within the deadline


@pytest.mark.parametrize(
    ("user_key", "sees"),
    [("staff_a", True), ("case_a1", True), ("contract_a", True), ("admin_a", True), ("absence_a", False)],
)
def test_navigation_shows_checkpoints_and_level_changes_to_the_right_roles(world, user_key, sees):
    page = world.client(user_key).get("/").content.decode()
    assert ('href="/evaluatiemomenten"' in page) is sees
    assert ('href="/niveauwijzigingen"' in page) is sees
    if sees:
        assert "Evaluatiemomenten" in page and "Niveauwijzigingen" in page
