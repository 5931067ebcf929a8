"""The application shell in a real browser: login, region switcher, accessibility, keyboard."""

from __future__ import annotations

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import expect

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING_IMPACTS = {"serious", "critical"}
# Django's Dutch AuthenticationForm error (username field verbose name: "gebruikersnaam").
INVALID_LOGIN = "Voer een juiste gebruikersnaam en wachtwoord in"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def assert_no_serious_axe_violations(page, what: str) -> None:
    results = Axe().run(page, options=AXE_OPTIONS)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} [{v.get('helpUrl', '')}]\n"
        + "\n".join(
            f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}" for node in v["nodes"]
        )
        for v in blocking
    )
    assert not blocking, f"axe found serious/critical WCAG 2.1 A/AA violations on {what}:\n{report}"


def test_login_and_switch_region(page, live_server, login):
    login("regio.contractmanager")

    expect(page.locator("h1")).to_have_text(re.compile(r"^Goedendag"))
    lead = page.locator("main p.lead")
    # Tenants are ordered by name, so "IJmond" is the first (active) region.
    expect(lead).to_contain_text("U werkt in regio IJmond")
    expect(lead.locator("strong")).to_have_text("IJmond")

    switcher = page.get_by_label("Regio")
    expect(switcher).to_have_value(re.compile(r"\d+"))
    expect(switcher.locator("option:checked")).to_have_text("IJmond")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)

    switcher.select_option(label="Rijk van Nijmegen")
    page.get_by_role("button", name="Wissel").click()
    page.wait_for_load_state()

    assert page.url == f"{live_server.url}/"
    expect(lead).to_contain_text("U werkt in regio Rijk van Nijmegen")
    expect(lead.locator("strong")).to_have_text("Rijk van Nijmegen")
    expect(page.locator(".messages")).to_contain_text("U werkt nu in regio Rijk van Nijmegen.")
    expect(page.get_by_label("Regio").locator("option:checked")).to_have_text("Rijk van Nijmegen")


def test_wrong_password_and_unknown_user_get_the_same_dutch_error(page, live_server, login):
    login("regio.contractmanager", "niet-het-wachtwoord")
    assert page.url.startswith(f"{live_server.url}/inloggen")
    error = page.get_by_role("alert")
    expect(error).to_contain_text(INVALID_LOGIN)
    wrong_password_message = error.inner_text().strip()

    login("bestaat.niet", "niet-het-wachtwoord")
    assert page.url.startswith(f"{live_server.url}/inloggen")
    expect(page.get_by_role("alert")).to_contain_text(INVALID_LOGIN)
    # No user enumeration: an unknown user gets exactly the same message.
    assert page.get_by_role("alert").inner_text().strip() == wrong_password_message
    expect(page.locator("h1")).to_have_text("Inloggen")


def test_accessibility_of_login_home_and_user_admin(page, live_server, login):
    page.goto(f"{live_server.url}/inloggen")
    assert_no_serious_axe_violations(page, "the login page")

    login("regio.contractmanager")
    expect(page.locator("h1")).to_have_text(re.compile(r"^Goedendag"))
    assert_no_serious_axe_violations(page, "the home page (contract manager, region switcher)")

    page.context.clear_cookies()
    login("nijmegen.beheerder")
    page.goto(f"{live_server.url}/beheer/gebruikers")
    expect(page.locator("h1")).to_have_text("Gebruikers en rollen")
    assert_no_serious_axe_violations(page, "/beheer/gebruikers (tenant admin)")


def test_first_tab_on_login_page_focuses_skip_link(page, live_server, demo):
    page.goto(f"{live_server.url}/inloggen")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Direct naar de inhoud")
    expect(focused).to_have_attribute("href", "#inhoud")
