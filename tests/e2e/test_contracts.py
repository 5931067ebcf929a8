"""A contract manager creates a contract, amends its hourly rate with a reason and sees the change."""

import re

from playwright.sync_api import expect

from tests.e2e.test_shell import assert_no_serious_axe_violations as _assert_accessible


def test_create_amend_and_see_the_change_log(page, login):
    login("ijmond.contractmanager")
    page.get_by_role("link", name="Contracten", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contracten")
    _assert_accessible(page, "contract list")

    page.get_by_role("link", name="Nieuw contract").click()
    _assert_accessible(page, "contract form")
    page.fill("#id_reference", "IJM-E2E-01")
    page.fill("#id_title", "Avondaanbod Velsen")
    page.select_option("#id_provider", label="Taalschool De Brug")
    page.get_by_label("Velsen").check()
    page.fill("#id_start_date", "2030-01-01")
    page.fill("#id_end_date", "2030-12-31")
    page.select_option("#id_status", value="actief")
    page.select_option("#id_financing_model", value="uurtarief")
    page.fill("#id_hourly_rate", "45,00")
    page.get_by_role("button", name="Contract aanmaken").click()

    assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
    expect(page.get_by_role("heading", level=1)).to_contain_text("IJM-E2E-01")
    _assert_accessible(page, "contract detail")

    page.get_by_role("link", name="Contract wijzigen").click()
    page.fill("#id_hourly_rate", "49,50")
    page.fill("#id_reason", "Tarief geïndexeerd per 2030")
    page.get_by_role("button", name="Wijziging opslaan").click()

    log = page.locator("#wijzigingen")
    expect(log).to_contain_text(re.compile(r"Uurtarief \(€\): 45,00 → 49,50"))
    expect(log).to_contain_text("Tarief geïndexeerd per 2030")
    expect(log).to_contain_text("Mohamed Bakker")
