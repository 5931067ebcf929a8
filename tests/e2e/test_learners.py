"""A case manager opens a dossier and reveals the BSN; axe on the learner list and the dossier."""

import re

from playwright.sync_api import expect

from inburgering.tenancy.scoping import scopes_disabled
from learning_routes.models import DossierAccess, Learner
from tests.e2e.test_shell import assert_no_serious_axe_violations


def test_case_manager_opens_a_dossier_and_reveals_the_bsn(page, login):
    from contracts.demo import seed_contracts
    from learning_routes.demo import seed_learners

    seed_contracts()
    seed_learners()
    login("nijmegen.klantmanager")
    page.get_by_role("link", name="Inburgeraars", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inburgeraars")
    assert_no_serious_axe_violations(page, "learner list")

    first = page.locator("table tbody tr td a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name.split(", ")[1])
    assert_no_serious_axe_violations(page, "dossier")

    bsn = page.locator("#bsn code")
    expect(bsn).to_have_text(re.compile(r"^\*{5}\d{4}$"))
    page.get_by_role("button", name="BSN tonen").click()
    expect(page.locator("#bsn code")).to_have_text(re.compile(r"^\d{9}$"))
    expect(page.locator("#bsn")).to_contain_text("vastgelegd in de toegangslog")

    revealed = page.locator("#bsn code").inner_text()
    with scopes_disabled():
        learner = Learner.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
        assert learner.bsn == revealed
        assert DossierAccess.objects.filter(learner=learner, action="bsn_getoond").count() == 1
