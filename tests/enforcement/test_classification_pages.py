"""Classifying absences in the coordinator's queue (/verzuim): in bulk and per row, only by the absence
coordinator; the provider sees only the outcome on its attendance calendar (DOMAIN.md "Visibility")."""

from datetime import date

import pytest

from attendance.models import AttendanceRecord
from enforcement.models import ClassificationEntry
from inburgering.tenancy.scoping import scopes_disabled
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons

QUEUE = "/verzuim"
CLASSIFY = "/verzuim/classificeren"


@pytest.fixture
def trajectory(world):
    contract = make_contract(world)
    learner = make_learner(world, case_manager=world.users["case_a1"])
    return make_trajectory(learner, contract, start_date=date(2026, 2, 1))


@pytest.fixture
def absences(trajectory) -> list[AttendanceRecord]:
    """Two absences and one present lesson in October 2026."""
    give_lessons(trajectory, first=date(2026, 10, 5), count=2, attended=0)
    give_lessons(trajectory, first=date(2026, 10, 7), count=1)
    with scopes_disabled():
        return list(AttendanceRecord.objects.filter(status="afwezig").order_by("lesson_date"))


def stored(records) -> list[AttendanceRecord]:
    with scopes_disabled():
        return list(AttendanceRecord.objects.filter(pk__in=[r.pk for r in records]).order_by("lesson_date"))


def test_the_coordinator_classifies_two_absences_in_bulk(world, absences):
    client = world.client("absence_a")
    page = client.get(QUEUE).content.decode()
    assert 'id="classify-form"' in page
    for record in absences:
        assert f'name="record_ids" value="{record.pk}"' in page

    response = client.post(
        CLASSIFY, {"record_ids": [r.pk for r in absences], "culpability": "grove_schuld", "reason": "werk"}
    )

    assert response.status_code == 302 and response["Location"] == QUEUE
    # The policy's mapping (the guide's default): gross negligence → unauthorized.
    assert [(r.classification, r.culpability, r.classified_by_id) for r in stored(absences)] == [
        ("ongeoorloofd", "grove_schuld", world.users["absence_a"].pk)
    ] * 2
    with scopes_disabled():
        entries = list(ClassificationEntry.objects.order_by("record_id"))
    assert [(e.record_id, e.classified_by_id, e.reason, e.classification) for e in entries] == [
        (r.pk, world.users["absence_a"].pk, "werk", "ongeoorloofd") for r in absences
    ]
    page = client.get(QUEUE).content.decode()
    assert all(f'id="les-{r.pk}"' not in page for r in absences)  # classified: out of the queue


def test_the_message_counts_what_was_classified(world, absences):
    response = world.client("absence_a").post(
        CLASSIFY, {"record_ids": [r.pk for r in absences], "culpability": "opzet"}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "2" in messages[0]


def test_one_absence_from_its_row(world, absences):
    first, second = absences
    response = world.client("absence_a").post(
        CLASSIFY, {"record_ids": [first.pk], "culpability": "normale_verwijtbaarheid"}
    )
    assert response.status_code == 302
    first, second = stored(absences)
    assert (first.classification, first.culpability) == ("geoorloofd", "normale_verwijtbaarheid")
    assert second.classification == ""


def test_a_contract_policy_with_its_own_mapping_decides(world, absences, trajectory):
    from enforcement.models import AbsencePolicy

    AbsencePolicy.unscoped.create(
        tenant=world.tenants["a"],
        contract=trajectory.contract,
        culpability_mapping={
            "opzet": "ongeoorloofd",
            "grove_schuld": "ongeoorloofd",
            "normale_verwijtbaarheid": "ongeoorloofd",
            "verminderd_verwijtbaar": "geoorloofd",
        },
    )
    world.client("absence_a").post(
        CLASSIFY, {"record_ids": [r.pk for r in absences], "culpability": "normale_verwijtbaarheid"}
    )
    assert {r.classification for r in stored(absences)} == {"ongeoorloofd"}


def test_errors_are_shown_and_the_selection_is_kept(world, absences):
    client = world.client("absence_a")
    response = client.post(CLASSIFY, {"record_ids": [absences[0].pk], "reason": "ziek"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert f'value="{absences[0].pk}" id="kies-{absences[0].pk}" form="classify-form" checked' in page
    assert f'value="{absences[1].pk}" id="kies-{absences[1].pk}" form="classify-form">' in page
    assert '<option value="ziek" selected>' in page
    assert {r.classification for r in stored(absences)} == {""}

    nothing = client.post(CLASSIFY, {"culpability": "opzet"})
    assert nothing.status_code == 200 and 'id="id_record_ids"' in nothing.content.decode()


@pytest.mark.parametrize("user_key", ["staff_a", "case_a1", "contract_a", "admin_a", "policy_a"])
def test_only_the_absence_coordinator_classifies(world, absences, user_key):
    response = world.client(user_key).post(CLASSIFY, {"record_ids": [absences[0].pk], "culpability": "opzet"})
    assert response.status_code == 403
    assert {r.classification for r in stored(absences)} == {""}


def test_the_tenant_admin_sees_the_queue_without_the_form(world, absences):
    page = world.client("admin_a").get(QUEUE).content.decode()
    assert f'id="les-{absences[0].pk}"' in page
    assert 'id="classify-form"' not in page and 'name="record_ids"' not in page


def test_another_regions_coordinator_cannot_classify(world, absences):
    response = world.client("absence_b").post(
        CLASSIFY, {"record_ids": [r.pk for r in absences], "culpability": "opzet"}
    )
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert 'class="error-summary"' in response.content.decode()
    assert {r.classification for r in stored(absences)} == {""}
    with scopes_disabled():
        assert not ClassificationEntry.objects.exists()


def test_the_provider_sees_the_outcome_never_the_culpability(world, absences, trajectory):
    world.client("absence_a").post(
        CLASSIFY, {"record_ids": [absences[0].pk], "culpability": "grove_schuld", "reason": "werk"}
    )
    page = world.client("staff_a").get(f"/trajecten/{trajectory.pk}/aanwezigheid").content.decode()

    first_row = page[page.index(f'id="les-{absences[0].pk}"') :].split("</tr>")[0]
    assert "ongeoorloofd" in first_row
    second_row = page[page.index(f'id="les-{absences[1].pk}"') :].split("</tr>")[0]
    assert "ongeoorloofd" not in second_row and "geoorloofd" not in second_row
    lowered = page.lower()
    for detail in ("grove_schuld", "grove schuld", "gross negligence", "culpability", "verwijtbaar"):
        assert detail not in lowered


def test_the_queue_filters_by_municipality_provider_and_month(world, absences):
    other_contract = make_contract(world, provider="shared", municipalities=("a2",), reference="A-SHARED")
    other = make_trajectory(make_learner(world, municipality="a2", last_name="Elders"), other_contract)
    give_lessons(other, first=date(2026, 9, 14), count=1, attended=0)
    with scopes_disabled():
        foreign = AttendanceRecord.objects.get(trajectory=other)
    client = world.client("absence_a")

    def shown(query: str) -> tuple[bool, bool]:
        page = client.get(f"{QUEUE}?{query}").content.decode()
        return f'id="les-{absences[0].pk}"' in page, f'id="les-{foreign.pk}"' in page

    assert shown("") == (True, True)
    assert shown(f"gemeente={world.municipalities['a1'].cbs_code}") == (True, False)
    assert shown(f"aanbieder={world.providers['shared'].pk}") == (False, True)
    assert shown("maand=2026-09") == (False, True)
    assert shown("maand=2026-10") == (True, False)
    assert shown("maand=onzin&aanbieder=999999") == (True, True)  # an invalid filter filters nothing

    response = client.post(
        CLASSIFY, {"record_ids": [foreign.pk], "culpability": "opzet", "maand": "2026-09", "gemeente": ""}
    )
    assert response["Location"] == f"{QUEUE}?maand=2026-09"
