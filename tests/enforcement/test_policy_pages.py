"""The verzuimprotocol: the service's rules, the region and contract pages, the learners' print version."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from enforcement.models import AbsencePolicy, Counting
from enforcement.policy import LETTER_PLACEHOLDERS, absence_policy_delete_override, absence_policy_save
from inburgering.tenancy.scoping import Grant, scope
from tests.contracts.conftest import make_contract

MAPPING = {
    "opzet": "ongeoorloofd",
    "grove_schuld": "ongeoorloofd",
    "normale_verwijtbaarheid": "geoorloofd",
    "verminderd_verwijtbaar": "ongeoorloofd",
}


def form_data(**overrides) -> dict:
    data = {
        "threshold_per_month": "4",
        "counting": Counting.UNAUTHORIZED,
        "partial_attendance_counts": "on",
        "automatic_warning_letter": "on",
        "makeup_required": "on",
        "maximum_fine": "350,00",
        "contact_name": "Verzuimloket Regio A",
        "contact_details": "088 123 45 67",
        "letter_text": "Beste {voornaam},\n\nU was {aantal} keer niet op de les.",
        "authorized_reasons": ["ziek", "medisch"],
        **{f"culpability_{level}": value for level, value in MAPPING.items()},
    }
    data.update(overrides)
    return data


def region_policy(world, tenant="a"):
    return AbsencePolicy.unscoped.filter(tenant=world.tenants[tenant], contract__isnull=True).first()


# --- the service ---------------------------------------------------------------------------------


def test_the_service_creates_then_updates_the_region_policy_with_history(world, tenant_scope):
    admin = world.users["admin_a"]
    policy = absence_policy_save(actor=admin, tenant=world.tenants["a"], threshold_per_month=5)
    again = absence_policy_save(actor=admin, tenant=world.tenants["a"], maximum_fine=Decimal("500"))
    assert again.pk == policy.pk
    assert (again.threshold_per_month, again.maximum_fine) == (5, Decimal("500"))
    assert AbsencePolicy.objects.filter(contract__isnull=True).count() == 1
    assert [entry.history_user for entry in policy.history.all()] == [admin, admin]


@pytest.mark.parametrize(
    ("fields", "field", "needle"),
    [
        ({"threshold_per_month": 0}, "threshold_per_month", "1"),
        ({"maximum_fine": Decimal("900")}, "maximum_fine", "800"),
        ({"culpability_mapping": {"opzet": "ongeoorloofd"}}, "culpability_mapping", ""),
        ({"culpability_mapping": {**MAPPING, "opzet": "misschien"}}, "culpability_mapping", ""),
        ({"authorized_reasons": ["ziek", "vakantie"]}, "authorized_reasons", ""),
        ({"letter_text": "Beste {naam}, {voornaam}"}, "letter_text", "{naam}"),
    ],
)
def test_the_service_refuses_an_invalid_policy(world, tenant_scope, fields, field, needle):
    with pytest.raises(ValidationError) as refused:
        absence_policy_save(actor=world.users["admin_a"], tenant=world.tenants["a"], **fields)
    messages = " ".join(refused.value.message_dict[field])
    assert needle in messages
    assert region_policy(world) is None


def test_an_unknown_placeholder_is_refused_with_the_allowed_ones_listed(world, tenant_scope):
    with pytest.raises(ValidationError) as refused:
        absence_policy_save(actor=None, tenant=world.tenants["a"], letter_text="Hallo {Voornaam} {bsn}")
    message = " ".join(refused.value.message_dict["letter_text"])
    assert "{Voornaam}" in message and "{bsn}" in message
    assert all(f"{{{name}}}" in message for name in LETTER_PLACEHOLDERS)


def test_the_allowed_placeholders_are_exactly_those_the_letters_fill(world):
    from enforcement.letters import letter_placeholders
    from tests.enforcement.test_letters import make_letter

    letter = make_letter(world)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        filled = letter_placeholders(letter.alert, AbsencePolicy(tenant=world.tenants["a"]))
    assert set(filled) == set(LETTER_PLACEHOLDERS)


def test_a_contract_override_starts_from_the_region_policy_and_can_be_removed(world, tenant_scope):
    contract = make_contract(world)
    admin = world.users["admin_a"]
    absence_policy_save(actor=admin, tenant=world.tenants["a"], threshold_per_month=5, contact_name="Loket A")
    own = absence_policy_save(actor=admin, tenant=world.tenants["a"], contract=contract, maximum_fine=Decimal("100"))
    assert (own.contract, own.threshold_per_month, own.contact_name, own.maximum_fine) == (
        contract,
        5,
        "Loket A",
        Decimal("100"),
    )
    assert absence_policy_delete_override(actor=admin, contract=contract) is True
    assert not AbsencePolicy.objects.filter(contract=contract).exists()
    assert absence_policy_delete_override(actor=admin, contract=contract) is False


def test_a_contract_of_another_region_is_refused(world):
    contract_b = make_contract(world, tenant="b", provider="shared", municipalities=("b1",), reference="B-1")
    with scope([Grant(tenant_id=world.tenants["a"].pk)]), pytest.raises(ValidationError):
        absence_policy_save(actor=None, tenant=world.tenants["a"], contract=contract_b, threshold_per_month=2)


# --- the region page -----------------------------------------------------------------------------


def test_the_tenant_admin_saves_the_region_policy(world):
    response = world.client("admin_a").post("/verzuimprotocol", form_data())
    assert response.status_code == 302
    policy = region_policy(world)
    assert policy.threshold_per_month == 4
    assert policy.counting == Counting.UNAUTHORIZED
    assert policy.maximum_fine == Decimal("350.00")
    assert policy.culpability_mapping == MAPPING
    assert policy.authorized_reasons == ["ziek", "medisch"]
    assert policy.partial_attendance_counts and policy.makeup_required
    assert policy.history.first().history_user == world.users["admin_a"]
    assert region_policy(world, "b") is None


def test_the_form_shows_every_field_and_the_placeholders(world):
    body = world.client("admin_a").get("/verzuimprotocol").content.decode()
    for name in ("threshold_per_month", "counting", "maximum_fine", "letter_text", "contact_name"):
        assert f'name="{name}"' in body
    for level in MAPPING:
        assert f'name="culpability_{level}"' in body
    assert body.count('name="authorized_reasons"') == 6
    assert "{verzuimdata}" in body


def test_threshold_zero_is_refused(world):
    response = world.client("admin_a").post("/verzuimprotocol", form_data(threshold_per_month="0"))
    assert response.status_code == 200
    assert "threshold_per_month" in response.context["form"].errors
    assert region_policy(world) is None


def test_a_fine_above_the_legal_maximum_is_refused_mentioning_800(world):
    response = world.client("admin_a").post("/verzuimprotocol", form_data(maximum_fine="900"))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["maximum_fine"])
    assert "800" in errors
    assert region_policy(world) is None


def test_an_unknown_placeholder_is_refused_on_the_page(world):
    response = world.client("admin_a").post("/verzuimprotocol", form_data(letter_text="Beste {naam}"))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["letter_text"])
    assert "{naam}" in errors and "{voornaam}" in errors
    assert region_policy(world) is None


@pytest.mark.parametrize("user_key", ["absence_a", "case_a1", "contract_a"])
def test_the_region_roles_read_but_cannot_save(world, user_key):
    client = world.client(user_key)
    page = client.get("/verzuimprotocol")
    assert page.status_code == 200
    assert page.context["form"] is None
    assert 'name="threshold_per_month"' not in page.content.decode()
    assert client.post("/verzuimprotocol", form_data()).status_code == 403
    assert region_policy(world) is None


@pytest.mark.parametrize("user_key", ["policy_a", "staff_a"])
def test_other_roles_cannot_open_the_policy_page(world, user_key):
    assert world.client(user_key).get("/verzuimprotocol").status_code == 403


# --- a contract's own policy ---------------------------------------------------------------------


def test_the_tenant_admin_creates_and_removes_a_contract_override(world):
    contract = make_contract(world)
    client = world.client("admin_a")
    url = f"/contracten/{contract.pk}/verzuimprotocol"
    page = client.get(url)
    assert page.status_code == 200 and page.context["own"] is None
    assert 'id="uses-region-policy"' in page.content.decode()

    assert client.post(url, form_data(threshold_per_month="2")).status_code == 302
    own = AbsencePolicy.unscoped.get(contract=contract)
    assert own.threshold_per_month == 2
    assert region_policy(world) is None  # the region's policy is untouched
    assert 'id="uses-region-policy"' not in client.get(url).content.decode()

    assert client.post(url, {"verwijderen": "1"}).status_code == 302
    assert not AbsencePolicy.unscoped.filter(contract=contract).exists()
    assert 'id="uses-region-policy"' in client.get(url).content.decode()


def test_the_coordinator_reads_a_contract_policy_but_cannot_change_it(world):
    contract = make_contract(world)
    client = world.client("absence_a")
    url = f"/contracten/{contract.pk}/verzuimprotocol"
    assert client.get(url).status_code == 200
    assert client.post(url, form_data()).status_code == 403
    assert client.post(url, {"verwijderen": "1"}).status_code == 403
    assert not AbsencePolicy.unscoped.filter(contract=contract).exists()


def test_a_foreign_contract_answers_404(world):
    contract = make_contract(world)
    assert world.client("admin_b").get(f"/contracten/{contract.pk}/verzuimprotocol").status_code == 404


# --- the print version for learners ----------------------------------------------------------------


def save_policy(world, **fields):
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        return absence_policy_save(actor=None, tenant=world.tenants["a"], **fields)


def test_the_print_page_shows_the_threshold_and_the_maximum_fine(world):
    save_policy(world, threshold_per_month=4, maximum_fine=Decimal("350"), makeup_required=True)
    response = world.client("absence_a").get("/verzuimprotocol/afdrukken")
    assert response.status_code == 200
    body = response.content.decode()
    assert "4 keer of vaker" in body
    assert "€ 350" in body
    assert "huiswerkklas" in body
    assert "driegesprek" in body
    assert 'lang="nl"' in body
    # The inline print stylesheet is allowed by its hash, not by loosening style-src.
    assert "'sha256-" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_print_page_follows_a_contracts_own_policy(world):
    contract = make_contract(world)
    save_policy(world, threshold_per_month=4)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        absence_policy_save(actor=None, tenant=world.tenants["a"], contract=contract, threshold_per_month=2)
    body = world.client("admin_a").get(f"/verzuimprotocol/afdrukken?contract={contract.pk}").content.decode()
    assert "2 keer of vaker" in body and contract.reference in body


def test_the_pdf_download_is_a_tagged_pdf(world):
    save_policy(world, maximum_fine=Decimal("800"))
    response = world.client("case_a1").get("/verzuimprotocol/afdrukken?formaat=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "3 keer of vaker" in text
    assert "800" in text
    assert reader.trailer["/Root"].get("/MarkInfo", {}).get("/Marked")  # tagged (PDF/UA-1)


def test_a_provider_reads_the_print_version_of_its_contracts_regions_only(world):
    contract = make_contract(world)  # provider a in region a
    staff = world.client("staff_a")
    assert staff.get("/verzuimprotocol/afdrukken").status_code == 200
    assert staff.get(f"/verzuimprotocol/afdrukken?contract={contract.pk}").status_code == 200
    assert staff.get("/verzuimprotocol").status_code == 403
    assert staff.get(f"/contracten/{contract.pk}/verzuimprotocol").status_code == 403
    # The shared provider has no contract in region a: no protocol, and not this contract's.
    shared = world.client("staff_shared")
    assert shared.get("/verzuimprotocol/afdrukken").status_code == 403
    assert shared.get(f"/verzuimprotocol/afdrukken?contract={contract.pk}").status_code == 404


def test_an_unknown_format_answers_404(world):
    assert world.client("admin_a").get("/verzuimprotocol/afdrukken?formaat=docx").status_code == 404
