"""The absence coordinator's triage (guide 2.4): the alerts queue with its filters and sorting,
assignment in bulk, the status steps, passing on to enforcement, notes, and who sees what."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enforcement import services, triage
from enforcement.models import AbsenceAlert, AlertNote, EnforcementCase
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons

OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)


def _text(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def _row(response, alert) -> str:
    match = re.search(rf'<tr id="signaal-{alert.pk}">(.*?)</tr>', response.content.decode(), re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))) if match else ""


def _ids_in_order(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="signaal-(\d+)">', response.content.decode())]


@pytest.fixture
def contract(world):
    """Tenant a, provider a, both municipalities of tenant a."""
    return make_contract(world, municipalities=("a1", "a2"))


def make_alert(world, contract, *, month=OCTOBER, absences=3, municipality="a1", case_manager="case_a1", **fields):
    """An alert made by the real rule: `absences` absent lessons in `month`, then the monthly run."""
    learner = make_learner(
        world,
        municipality=municipality,
        case_manager=world.users[case_manager] if case_manager else None,
        **fields,
    )
    trajectory = make_trajectory(learner, contract, start_date=date(2026, 2, 1))
    give_lessons(trajectory, first=month.replace(day=5), count=absences, attended=0)
    services.absence_alerts_detect(tenant=world.tenants["a"], month=month)
    return AbsenceAlert.unscoped.select_related("learner").get(learner=learner, month=month)


def reload(alert) -> AbsenceAlert:
    return AbsenceAlert.unscoped.get(pk=alert.pk)


def set_status(world, alert, status, outcome="", user="absence_a"):
    with scope([Grant(tenant_id=alert.tenant_id)]):
        return triage.alert_set_status(actor=world.users[user], alert=alert, status=status, outcome=outcome)


# --- The queue: filters, sorting, tabs -------------------------------------------------------------


def test_the_queue_shows_open_alerts_with_learner_month_count_dates_provider_and_letter(world, contract):
    alert = make_alert(world, contract, first_name="Amal", last_name="Haddad")

    response = world.client("absence_a").get("/verzuimsignalen")

    assert response.status_code == 200
    row = _row(response, alert)
    assert alert.learner.learner_number in row
    assert "Amal Haddad" in row
    assert "Gemeente A1" in row
    assert "05-10-2026, 06-10-2026, 07-10-2026" in row
    assert "Taalschool Alleen A" in row
    assert re.search(r"> 3 <|>3<", response.content.decode().split(f'id="signaal-{alert.pk}"')[1].split("</tr>")[0])


def test_closed_alerts_leave_the_default_queue_and_appear_under_their_tab(world, contract):
    open_alert = make_alert(world, contract)
    closed = make_alert(world, contract)
    set_status(world, closed, "in_behandeling")
    set_status(world, closed, "contact_opgenomen")
    set_status(world, closed, "afgesloten", "hersteld")
    client = world.client("absence_a")

    assert _ids_in_order(client.get("/verzuimsignalen")) == [open_alert.pk]
    assert _ids_in_order(client.get("/verzuimsignalen?status=afgesloten")) == [closed.pk]
    assert set(_ids_in_order(client.get("/verzuimsignalen?status=alle"))) == {open_alert.pk, closed.pk}
    page = client.get("/verzuimsignalen").content.decode()
    assert re.search(r'status=open" aria-current="page">[^<]*<span class="tabs__count">\(1\)', page)
    assert re.search(r'status=afgesloten">[^<]*<span class="tabs__count">\(1\)', page)


def test_filters_month_municipality_provider_minimum_and_assignment(world, contract):
    october = make_alert(world, contract)
    november = make_alert(world, contract, month=NOVEMBER, absences=5)
    other_town = make_alert(world, contract, municipality="a2", case_manager="case_a2")
    other_provider_contract = make_contract(world, provider="shared", municipalities=("a1",), reference="A-2026-02")
    other_provider = make_alert(world, other_provider_contract)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        triage.alert_assign(actor=world.users["absence_a"], alert_ids=[october.pk], assignee=world.users["absence_a"])
    client = world.client("absence_a")

    def shown(query):
        return set(_ids_in_order(client.get(f"/verzuimsignalen?{query}")))

    assert shown("maand=2026-11") == {november.pk}
    assert shown("gemeente=" + world.municipalities["a2"].cbs_code) == {other_town.pk}
    assert shown("taalaanbieder=" + world.providers["shared"].kvk_number) == {other_provider.pk}
    assert shown("minimum=4") == {november.pk}
    assert shown("toegewezen=mij") == {october.pk}
    assert shown("toegewezen=niemand") == {november.pk, other_town.pk, other_provider.pk}
    # An invalid value is shown as an error and left out; the other filters still apply.
    response = client.get("/verzuimsignalen?minimum=nul&maand=2026-11")
    assert set(_ids_in_order(response)) == {november.pk}
    assert 'class="field field--invalid"' in response.content.decode()


def test_sorting_by_count_name_and_month_with_aria_sort(world, contract):
    few = make_alert(world, contract, absences=3, last_name="Zeeman")
    many = make_alert(world, contract, absences=6, last_name="Akkerman")
    later = make_alert(world, contract, month=NOVEMBER, absences=4, last_name="Mulder")
    client = world.client("absence_a")

    default = client.get("/verzuimsignalen")
    assert _ids_in_order(default) == [later.pk, many.pk, few.pk]
    assert 'aria-sort="descending"><a class="sort-link" href="?sortering=maand"' in default.content.decode()

    assert _ids_in_order(client.get("/verzuimsignalen?sortering=aantal")) == [few.pk, later.pk, many.pk]
    assert _ids_in_order(client.get("/verzuimsignalen?sortering=-aantal")) == [many.pk, later.pk, few.pk]
    by_name = client.get("/verzuimsignalen?sortering=naam")
    assert _ids_in_order(by_name) == [many.pk, later.pk, few.pk]
    page = by_name.content.decode()
    assert 'aria-sort="ascending"><a class="sort-link" href="?sortering=-naam"' in page
    # Sort links keep the filters; filtering keeps the sort.
    filtered = client.get("/verzuimsignalen?maand=2026-10&sortering=naam").content.decode()
    assert 'href="?maand=2026-10&amp;sortering=-naam"' in filtered
    assert 'name="sortering" value="naam"' in filtered


def test_status_sorting_follows_the_workflow(world, contract):
    contacted = make_alert(world, contract)
    new = make_alert(world, contract)
    set_status(world, contacted, "in_behandeling")
    set_status(world, contacted, "contact_opgenomen")

    response = world.client("absence_a").get("/verzuimsignalen?sortering=status")

    assert _ids_in_order(response) == [new.pk, contacted.pk]


def test_status_counts_is_one_group_by_query_with_every_status(world, contract):
    make_alert(world, contract)
    second = make_alert(world, contract)
    set_status(world, second, "in_behandeling")

    with scope([Grant(tenant_id=world.tenants["a"].pk)]), CaptureQueriesContext(connection) as captured:
        counts = triage.status_counts()
    assert len(captured) == 1
    assert counts == {"nieuw": 1, "in_behandeling": 1, "contact_opgenomen": 0, "afgesloten": 0, "vervallen": 0}


def test_a_case_manager_sees_only_alerts_of_their_own_municipality(world, contract):
    mine = make_alert(world, contract)
    other = make_alert(world, contract, municipality="a2", case_manager="case_a2")

    response = world.client("case_a1").get("/verzuimsignalen")

    assert _ids_in_order(response) == [mine.pk]
    assert world.client("case_a1").get(f"/verzuimsignalen/{other.pk}").status_code == 404
    assert world.client("absence_b").get(f"/verzuimsignalen/{mine.pk}").status_code == 404


def test_providers_and_policy_viewers_are_refused(world, contract):
    alert = make_alert(world, contract)

    assert world.client("staff_a").get("/verzuimsignalen").status_code == 403
    assert world.client("policy_a").get("/verzuimsignalen").status_code == 403
    assert world.client("contract_a").get("/verzuimsignalen").status_code == 403
    assert world.client("policy_a").get(f"/verzuimsignalen/{alert.pk}").status_code == 403
    # Providers never see alerts at all: the alert is outside their scope.
    assert world.client("staff_a").get(f"/verzuimsignalen/{alert.pk}").status_code == 404


# --- Assignment ----------------------------------------------------------------------------------


def test_the_coordinator_assigns_alerts_in_bulk_and_it_is_audited(world, contract):
    first, second, third = (make_alert(world, contract) for _ in range(3))
    client = world.client("absence_a")

    response = client.post(
        "/verzuimsignalen/toewijzen",
        {"alert": [first.pk, second.pk], "assignee": world.users["absence_a"].pk, "terug": "maand=2026-10"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/verzuimsignalen?maand=2026-10"
    assert reload(first).assigned_to == world.users["absence_a"]
    assert reload(second).assigned_to == world.users["absence_a"]
    assert reload(third).assigned_to is None
    with scopes_disabled():
        entry = reload(first).history.order_by("-history_date").first()
    assert entry.history_user == world.users["absence_a"]
    assert entry.assigned_to_id == world.users["absence_a"].pk


def test_an_alert_is_assigned_to_a_case_manager_of_the_learners_municipality_only(world, contract):
    alert = make_alert(world, contract)

    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        triage.alert_assign(actor=world.users["absence_a"], alert_ids=[alert.pk], assignee=world.users["case_a1"])
        assert reload(alert).assigned_to == world.users["case_a1"]
        for outsider in ("case_a2", "policy_a", "absence_b", "staff_a"):
            with pytest.raises(triage.ValidationError):
                triage.alert_assign(
                    actor=world.users["absence_a"], alert_ids=[alert.pk], assignee=world.users[outsider]
                )
    assert reload(alert).assigned_to == world.users["case_a1"]


def test_another_regions_coordinator_cannot_assign_these_alerts(world, contract):
    alert = make_alert(world, contract)

    response = world.client("absence_b").post(
        "/verzuimsignalen/toewijzen", {"alert": [alert.pk], "assignee": world.users["absence_b"].pk}
    )

    assert response.status_code == 302
    assert reload(alert).assigned_to is None


def test_only_the_coordinator_assigns(world, contract):
    alert = make_alert(world, contract)

    for user in ("case_a1", "admin_a", "staff_a"):
        response = world.client(user).post(
            "/verzuimsignalen/toewijzen", {"alert": [alert.pk], "assignee": world.users["case_a1"].pk}
        )
        assert response.status_code == 403
    assert reload(alert).assigned_to is None
    assert world.client("absence_a").get("/verzuimsignalen/toewijzen").status_code == 405


def test_assigning_without_a_selection_says_so(world, contract):
    make_alert(world, contract)

    response = world.client("absence_a").post(
        "/verzuimsignalen/toewijzen", {"assignee": world.users["absence_a"].pk}, follow=True
    )

    assert "Selecteer minstens één verzuimsignaal." in _text(response)


# --- Status ------------------------------------------------------------------------------------------


def test_the_status_moves_only_forward_one_step(world, contract):
    alert = make_alert(world, contract)

    for status in ("contact_opgenomen", "afgesloten", "vervallen", "nieuw"):
        with pytest.raises(triage.ValidationError):
            set_status(world, alert, status, "hersteld" if status == "afgesloten" else "")
    set_status(world, alert, "in_behandeling")
    with pytest.raises(triage.ValidationError):
        set_status(world, alert, "nieuw")
    set_status(world, alert, "contact_opgenomen")
    with pytest.raises(triage.ValidationError) as refused:
        set_status(world, alert, "afgesloten")  # without an outcome
    assert "outcome" in refused.value.message_dict
    set_status(world, alert, "afgesloten", "hersteld")

    alert = reload(alert)
    assert (alert.status, alert.outcome) == ("afgesloten", "hersteld")
    with scopes_disabled():
        assert [h.status for h in alert.history.order_by("history_date")][-3:] == [
            "in_behandeling",
            "contact_opgenomen",
            "afgesloten",
        ]
        assert alert.history.order_by("-history_date").first().history_user == world.users["absence_a"]


def test_withdrawn_is_the_rules_alone(world, contract):
    alert = make_alert(world, contract)

    with pytest.raises(triage.ValidationError) as refused:
        set_status(world, alert, "vervallen")

    assert "verzuimregel" in " ".join(refused.value.messages)
    assert reload(alert).status == "nieuw"


def test_passing_on_to_enforcement_opens_a_case_led_by_the_case_manager(world, contract):
    alert = make_alert(world, contract)
    set_status(world, alert, "in_behandeling")
    set_status(world, alert, "contact_opgenomen")

    change = set_status(world, alert, "afgesloten", "handhaving")

    assert change.case_opened
    with scopes_disabled():
        case = EnforcementCase.objects.get(learner=alert.learner)
    assert case.case_manager == world.users["case_a1"]
    assert case.alert_id == alert.pk
    assert reload(alert).outcome == "handhaving"


def test_passing_on_to_enforcement_without_a_case_manager_is_refused(world, contract):
    alert = make_alert(world, contract, case_manager=None)
    set_status(world, alert, "in_behandeling")
    set_status(world, alert, "contact_opgenomen")

    with pytest.raises(triage.ValidationError) as refused:
        set_status(world, alert, "afgesloten", "handhaving")

    assert "klantmanager" in " ".join(refused.value.messages)
    assert reload(alert).status == "contact_opgenomen"
    with scopes_disabled():
        assert not EnforcementCase.objects.exists()


def test_the_detail_page_shows_only_the_allowed_steps_and_changes_the_status(world, contract):
    alert = make_alert(world, contract)
    client = world.client("absence_a")

    page = client.get(f"/verzuimsignalen/{alert.pk}").content.decode()
    assert 'name="status" value="in_behandeling"' in page
    assert 'name="status" value="contact_opgenomen"' not in page
    assert 'name="status" value="afgesloten"' not in page
    assert f'href="{alert.learner.get_absolute_url()}"' in page

    response = client.post(f"/verzuimsignalen/{alert.pk}", {"action": "status", "status": "in_behandeling"})
    assert response.status_code == 302
    assert reload(alert).status == "in_behandeling"

    refused = client.post(
        f"/verzuimsignalen/{alert.pk}", {"action": "status", "status": "afgesloten", "outcome": "hersteld"}
    )
    assert refused.status_code == 200
    assert 'id="status-fouten"' in refused.content.decode()
    assert reload(alert).status == "in_behandeling"


def test_the_case_manager_follows_up_and_the_tenant_admin_only_reads(world, contract):
    alert = make_alert(world, contract)

    case_manager = world.client("case_a1")
    response = case_manager.post(f"/verzuimsignalen/{alert.pk}", {"action": "status", "status": "in_behandeling"})
    assert response.status_code == 302
    assert reload(alert).status == "in_behandeling"
    assert (
        case_manager.post(f"/verzuimsignalen/{alert.pk}", {"action": "notitie", "text": "Gebeld."}).status_code == 302
    )

    admin = world.client("admin_a")
    page = admin.get(f"/verzuimsignalen/{alert.pk}")
    assert page.status_code == 200
    assert 'name="action"' not in page.content.decode()
    assert (
        admin.post(f"/verzuimsignalen/{alert.pk}", {"action": "status", "status": "contact_opgenomen"}).status_code
        == 403
    )
    assert admin.post(f"/verzuimsignalen/{alert.pk}", {"action": "notitie", "text": "x"}).status_code == 403
    assert reload(alert).status == "in_behandeling"


# --- Notes -------------------------------------------------------------------------------------------


def test_notes_are_added_with_their_author_and_an_empty_note_is_refused(world, contract):
    alert = make_alert(world, contract)
    client = world.client("absence_a")

    response = client.post(f"/verzuimsignalen/{alert.pk}", {"action": "notitie", "text": "  Cursist gebeld, ziek.  "})
    assert response.status_code == 302
    with scopes_disabled():
        note = AlertNote.objects.get(alert=alert)
    assert (note.text, note.author) == ("Cursist gebeld, ziek.", world.users["absence_a"])
    assert "Cursist gebeld, ziek." in _text(client.get(f"/verzuimsignalen/{alert.pk}"))

    empty = client.post(f"/verzuimsignalen/{alert.pk}", {"action": "notitie", "text": "   "})
    assert empty.status_code == 200
    assert "field--invalid" in empty.content.decode()
    with scopes_disabled():
        assert AlertNote.objects.filter(alert=alert).count() == 1


# --- Query counts ------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("absence_a", "/verzuimsignalen"),
        ("absence_a", "/verzuimsignalen?status=alle&sortering=status&toegewezen=niemand"),
        ("case_a1", "/verzuimsignalen"),
        ("admin_a", "/verzuimsignalen?sortering=naam"),
    ],
)
def test_the_queue_uses_as_many_queries_for_ten_alerts_as_for_one(world, contract, user, url):
    make_alert(world, contract)
    client = world.client(user)
    one = _queries(client, url)
    for _ in range(9):
        make_alert(world, contract)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        ids = list(AbsenceAlert.objects.values_list("pk", flat=True))
        triage.alert_assign(actor=world.users["absence_a"], alert_ids=ids[:3], assignee=world.users["absence_a"])
        triage.alert_assign(actor=world.users["absence_a"], alert_ids=ids[3:5], assignee=world.users["case_a1"])
    assert _queries(client, url) == one


def test_the_detail_page_uses_a_fixed_number_of_queries(world, contract):
    small = make_alert(world, contract, absences=3)
    big = make_alert(world, contract, absences=8)
    client = world.client("absence_a")
    for alert in (small, big):
        client.post(f"/verzuimsignalen/{alert.pk}", {"action": "notitie", "text": "Eerste."})
    client.post(f"/verzuimsignalen/{big.pk}", {"action": "notitie", "text": "Tweede."})

    assert _queries(client, f"/verzuimsignalen/{small.pk}") == _queries(client, f"/verzuimsignalen/{big.pk}")


# --- Dutch (needs the nl catalogue) --------------------------------------------------------------------


def test_the_pages_speak_dutch(world, contract):
    alert = make_alert(world, contract)
    client = world.client("absence_a")

    queue = _text(client.get("/verzuimsignalen"))
    assert "Verzuimsignalen" in queue
    assert "Toewijzen" in queue
    detail = _text(client.get(f"/verzuimsignalen/{alert.pk}"))
    assert "Waarschuwingsbrief" in detail
    assert "nieuw" in detail


# --- For the isolation matrix ----------------------------------------------------------------------------


def isolation_alert(world) -> AbsenceAlert:
    """For tests/isolation: an alert of the populated world's learner (municipality a1, provider a),
    from three absences in May 2026 (created on first use)."""
    if "absence_alert" not in world.objects:
        learner = world.objects["learner"]
        give_lessons(world.objects["trajectory"], first=date(2026, 5, 4), count=3, attended=0)
        services.absence_alerts_detect(tenant=world.tenants["a"], month=date(2026, 5, 1))
        world.objects["absence_alert"] = AbsenceAlert.unscoped.select_related("learner").get(
            learner=learner, month=date(2026, 5, 1)
        )
    return world.objects["absence_alert"]
