"""The progress lists and the contract's figures use a fixed number of queries, whatever the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inburgering.tenancy.scoping import scopes_disabled
from progress import services
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner, make_trajectory
from tests.progress.conftest import checkpoint_of, detect, downscale_request, give_hours, submit_checkpoint


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def contract(world):
    # A maximum of 650 hours: 620 offered hours are past the 90% warning.
    return make_contract(world, actor=world.users["contract_a"], continue_while_progress=True, max_hours_b1=650)


def _grow(world, contract, n: int) -> None:
    """Per unit: a learner with an open request and a submitted 300-hour checkpoint, and one whose
    request was decided; both with an open 600-hour checkpoint and a maximum-hours warning."""
    pairs = []
    for _ in range(n):
        pair = []
        for _ in range(2):
            trajectory = make_trajectory(make_learner(world), contract)
            give_hours(trajectory, 620)
            pair.append(trajectory)
        pairs.append(pair)
    detect(world)
    for waiting, decided in pairs:
        submit_checkpoint(checkpoint_of(waiting, 300), world.users["staff_a"], advice="afschalen")
        downscale_request(waiting, world.users["staff_a"], with_file=True)
        request = downscale_request(decided, world.users["staff_a"])
        with scopes_disabled():
            services.level_change_decide(
                actor=world.users["case_a1"], request=request, decision="afgewezen", reason="Nog niet."
            )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


CASES = [
    ("staff_a", "/evaluatiemomenten"),
    ("case_a1", "/evaluatiemomenten"),
    ("contract_a", "/evaluatiemomenten?weergave=openstaand"),
    ("case_a1", "/niveauwijzigingen"),
    ("admin_a", "/niveauwijzigingen"),
    ("staff_a", "/niveauwijzigingen"),
]


@pytest.mark.parametrize(("user_key", "url"), CASES)
def test_progress_lists_do_not_grow_queries_with_rows(world, contract, user_key, url):
    client = world.client(user_key)
    _grow(world, contract, 1)
    _queries(client, url)
    before = _queries(client, url)
    _grow(world, contract, 9)
    after = _queries(client, url)
    assert after == before, f"{url} as {user_key}: {before} queries with 1 unit of rows, {after} with 10"


def test_rows_really_are_on_the_lists(world, contract):
    """The counts above compare full pages, not empty ones."""
    _grow(world, contract, 2)
    case_manager = world.client("case_a1").get("/niveauwijzigingen").content.decode()
    assert case_manager.count('id="verzoek-') == 2  # open requests in the queue
    assert case_manager.count("/verlenging") == 4  # every learner is near the maximum
    assert world.client("staff_a").get("/evaluatiemomenten").content.decode().count('id="evaluatiemoment-') == 6
    review = world.client("case_a1").get("/evaluatiemomenten").content.decode()
    assert review.count('id="evaluatiemoment-') == 2


def test_contract_detail_figures_do_not_grow_queries(world, contract):
    client = world.client("contract_a")
    url = f"/contracten/{contract.pk}"
    _grow(world, contract, 1)
    _queries(client, url)
    before = _queries(client, url)
    _grow(world, contract, 4)
    assert _queries(client, url) == before
