"""Warning letters in the browser: the provider downloads and hands out its own learners' letters
(guide 2.4); the case manager downloads their municipality's; nobody else's letters are found."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from enforcement.letters import warning_letter_generate
from enforcement.models import WarningLetter
from enforcement.services import absence_alerts_detect
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons

MONTH = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def letter_of(trajectory, *, month: date = MONTH, generate: bool = True) -> WarningLetter:
    """Three absences in one month through the real rule, then the letter it makes (made, or not yet)."""
    for day in (5, 12, 19):
        give_lessons(trajectory, first=month.replace(day=day), count=1, attended=0)
    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        run = absence_alerts_detect(tenant=trajectory.tenant, month=month)
        (letter_id,) = run.letters
        if generate:
            return warning_letter_generate(letter_id=letter_id)
        return WarningLetter.objects.get(pk=letter_id)


def isolation_letter(world) -> WarningLetter:
    """For the isolation matrix: the made letter of the populated world's learner (provider a,
    municipality a1), from three absences in January 2026."""
    if "warning_letter" not in world.objects:
        world.objects["warning_letter"] = letter_of(world.objects["trajectory"])
    return world.objects["warning_letter"]


@pytest.fixture
def contract(world):
    return make_contract(world)


@pytest.fixture
def letter(world, contract) -> WarningLetter:
    learner = make_learner(world, case_manager=world.users["case_a1"])
    return letter_of(make_trajectory(learner, contract))


@pytest.fixture
def shared_letter(world) -> WarningLetter:
    """A letter of the shared provider in the same region and municipality."""
    contract = make_contract(world, provider="shared", reference="A-2026-02")
    learner = make_learner(world, last_name="Gedeeld")
    return letter_of(make_trajectory(learner, contract))


def _number(letter: WarningLetter) -> str:
    with scopes_disabled():
        return WarningLetter.objects.select_related("alert__learner").get(pk=letter.pk).alert.learner.learner_number


def test_the_provider_downloads_its_own_learners_letter(world, letter):
    response = world.client("staff_a").get(f"/waarschuwingsbrieven/{letter.pk}/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="waarschuwingsbrief-{_number(letter)}-2026-01.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_providers_letter_is_not_found(world, letter, shared_letter):
    assert world.client("staff_a").get(f"/waarschuwingsbrieven/{shared_letter.pk}/pdf").status_code == 404
    assert world.client("staff_shared").get(f"/waarschuwingsbrieven/{letter.pk}/pdf").status_code == 404
    assert world.client("staff_b").get(f"/waarschuwingsbrieven/{letter.pk}/pdf").status_code == 404
    assert world.client("staff_shared").get(f"/waarschuwingsbrieven/{shared_letter.pk}/pdf").status_code == 200

    listing = world.client("staff_a").get("/waarschuwingsbrieven").content.decode()
    assert _number(letter) in listing
    assert _number(shared_letter) not in listing


def test_a_letter_not_made_yet_is_not_found(world, contract):
    learner = make_learner(world)
    pending = letter_of(make_trajectory(learner, contract), generate=False)
    assert world.client("staff_a").get(f"/waarschuwingsbrieven/{pending.pk}/pdf").status_code == 404
    assert _number(pending) not in world.client("staff_a").get("/waarschuwingsbrieven").content.decode()


def test_the_provider_marks_the_letter_handed_out(world, letter):
    client = world.client("staff_a")
    listing = client.get("/waarschuwingsbrieven").content.decode()
    hand_out, handed = listing.index('id="uit-te-reiken"'), listing.index('id="uitgereikt"')
    assert hand_out < listing.index(f'id="brief-{letter.pk}"') < handed
    assert f'action="/waarschuwingsbrieven/{letter.pk}/uitgereikt"' in listing
    assert f'href="/waarschuwingsbrieven/{letter.pk}/pdf"' in listing

    today = timezone.localdate()
    response = client.post(
        f"/waarschuwingsbrieven/{letter.pk}/uitgereikt", {f"brief-{letter.pk}-handed_out_on": today.isoformat()}
    )

    assert response.status_code == 302
    with scopes_disabled():
        letter.refresh_from_db()
    assert letter.handed_out_on == today
    assert letter.handed_out_by == world.users["staff_a"]
    listing = client.get("/waarschuwingsbrieven").content.decode()
    assert listing.index('id="uitgereikt"') < listing.index(f'id="brief-{letter.pk}"')
    assert f'action="/waarschuwingsbrieven/{letter.pk}/uitgereikt"' not in listing


def test_a_date_in_the_future_is_refused_next_to_the_field(world, letter):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = world.client("staff_a").post(
        f"/waarschuwingsbrieven/{letter.pk}/uitgereikt", {f"brief-{letter.pk}-handed_out_on": future}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="id_brief-{letter.pk}-handed_out_on_error"' in body
    assert f'value="{future}"' in body  # what was typed stays
    with scopes_disabled():
        letter.refresh_from_db()
    assert letter.handed_out_on is None


def test_the_case_manager_downloads_but_does_not_hand_out(world, letter):
    client = world.client("case_a1")
    assert client.get(f"/waarschuwingsbrieven/{letter.pk}/pdf").status_code == 200
    listing = client.get("/waarschuwingsbrieven").content.decode()
    assert _number(letter) in listing
    assert "/uitgereikt" not in listing
    today = timezone.localdate().isoformat()
    response = client.post(f"/waarschuwingsbrieven/{letter.pk}/uitgereikt", {f"brief-{letter.pk}-handed_out_on": today})
    assert response.status_code == 403
    assert world.client("case_a2").get(f"/waarschuwingsbrieven/{letter.pk}/pdf").status_code == 404


def test_the_policy_viewer_is_refused(world, letter):
    client = world.client("policy_a")
    assert client.get(f"/waarschuwingsbrieven/{letter.pk}/pdf").status_code == 403
    assert client.get("/waarschuwingsbrieven").status_code == 403


def test_the_menu_shows_warning_letters_to_providers_and_case_managers(world):
    for user in ("staff_a", "case_a1"):
        assert 'href="/waarschuwingsbrieven"' in world.client(user).get("/").content.decode()
    for user in ("policy_a", "contract_a"):
        assert 'href="/waarschuwingsbrieven"' not in world.client(user).get("/").content.decode()
