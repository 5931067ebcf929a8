"""The menu shows the coordinator how many absence alerts are new."""

import re
from datetime import date

from enforcement import services
from enforcement.models import AbsenceAlert
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.helpers import give_lessons


def menu_badge(client) -> str | None:
    html = client.get("/").content.decode()
    match = re.search(r'href="/verzuimsignalen"[^>]*>Verzuimsignalen <span class="badge">(\d+)', html)
    return match.group(1) if match else None


def test_the_menu_counts_new_alerts(world):
    contract = make_contract(world)
    for number in range(2):
        trajectory = make_trajectory(make_learner(world, last_name=f"Lid {number}"), contract)
        for day in (1, 8, 15):
            give_lessons(trajectory, first=date(2026, 10, day), count=1, attended=0)
    services.absence_alerts_detect(tenant=world.tenants["a"], month=date(2026, 10, 1))
    coordinator = world.client("absence_a")

    assert menu_badge(coordinator) == "2"

    AbsenceAlert.unscoped.filter(pk=AbsenceAlert.unscoped.first().pk).update(status="in_behandeling")
    assert menu_badge(coordinator) == "1"
    assert menu_badge(world.client("absence_b")) is None  # another region: nothing new
