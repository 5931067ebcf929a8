"""Warning letters: filled text, a tagged PDF made exactly once, handing out once, notifications."""

from __future__ import annotations

import io
import secrets
import time
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from contracts.models import Contract
from enforcement.letters import (
    letter_fill_text,
    warning_letter_generate,
    warning_letter_mark_handed_out,
)
from enforcement.models import AbsenceAlert, AbsencePolicy, LetterStatus, WarningLetter
from enforcement.tasks import enqueue_warning_letters, generate_warning_letter_task
from notifications.models import Notification
from tests.contracts.conftest import make_contract
from tests.learning_routes.conftest import make_learner

BSN = "111222333"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def contract_of(world, tenant: str):
    existing = Contract.unscoped.filter(tenant=world.tenants[tenant]).first()
    if existing is not None:
        return existing
    if tenant == "a":
        return make_contract(world)
    return make_contract(world, tenant="b", provider="shared", municipalities=("b1",), reference="B-2026-01")


def make_letter(world, *, learner=None, tenant="a") -> WarningLetter:
    learner = learner or make_learner(world, bsn=BSN)
    alert = AbsenceAlert.unscoped.create(
        tenant=world.tenants[tenant],
        learner=learner,
        month=date(2026, 10, 1),
        absence_count=3,
        threshold=3,
        absence_dates=["2026-10-01", "2026-10-15", "2026-10-31"],
        provider=world.providers["a"],
        contract=contract_of(world, tenant),
    )
    return WarningLetter.unscoped.create(
        tenant=world.tenants[tenant], alert=alert, provider=world.providers["a"], token=secrets.token_hex(16)
    )


def pdf_text(letter: WarningLetter) -> str:
    with letter.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_text_fills_every_placeholder_in_dutch(world):
    letter = make_letter(world)
    policy = AbsencePolicy(tenant=world.tenants["a"], contact_name="Verzuimloket", contact_details="088 123 45 67")
    text = letter_fill_text(letter, policy)
    assert "Beste Amal Haddad," in text
    assert "U was in oktober 2026 3 keer niet op de les." in text
    assert "1-10-2026, 15-10-2026 en 31-10-2026" in text
    assert "gemeente Gemeente A1" in text
    assert "Verzuimloket: 088 123 45 67" in text
    assert text.rstrip().endswith("Regio A")
    assert "{" not in text


def test_the_contact_falls_back_to_the_municipality(world):
    letter = make_letter(world)
    policy = AbsencePolicy(
        tenant=world.tenants["a"], letter_text="{contactpersoon}|{contactgegevens}|{deelnemernummer}"
    )
    assert letter_fill_text(letter.alert, policy) == f"Gemeente A1||{letter.alert.learner.learner_number}"


def test_unknown_placeholders_and_stray_braces_are_left_as_written(world):
    letter = make_letter(world)
    policy = AbsencePolicy(tenant=world.tenants["a"], letter_text="{onbekend} { {voornaam} {aantal:>3} }")
    assert letter_fill_text(letter, policy) == "{onbekend} { Amal {aantal:>3} }"


def test_generating_makes_a_tagged_pdf_with_the_letter_and_no_bsn(world, tenant_scope, media):
    letter = make_letter(world)
    learner = letter.alert.learner
    letter = warning_letter_generate(letter_id=letter.pk)

    assert letter.status == LetterStatus.READY
    assert letter.generated_at is not None
    assert letter.file.name == f"waarschuwingsbrieven/{letter.tenant_id}/{letter.alert_id}-{letter.token}.pdf"
    assert (media / letter.file.name).is_file()
    assert "Amal" in letter.text and "{" not in letter.text

    text = pdf_text(letter)
    flat = " ".join(text.split())
    assert "Amal Haddad" in flat
    assert learner.learner_number in flat
    for day in ("1-10-2026", "15-10-2026", "31-10-2026"):
        assert day in flat
    assert "oktober 2026" in flat
    assert "Gemeente A1" in flat
    assert "Regio A" in flat
    assert "Waarschuwing: u was te vaak afwezig" in flat
    assert "Wat gebeurt er nu?" in flat
    assert BSN not in text.replace(" ", "").replace("\n", "")

    with letter.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "nl"
    assert reader.metadata.title == "Waarschuwing: u was te vaak afwezig"  # no personal data in metadata
    assert b'pdfuaid:part="1"' in reader.xmp_metadata.stream.get_data()


def test_a_redelivered_generation_changes_nothing(world, tenant_scope, media):
    letter = make_letter(world)
    first = warning_letter_generate(letter_id=letter.pk)
    notifications = Notification.objects.count()
    second = warning_letter_generate(letter_id=letter.pk)
    assert second.file.name == first.file.name
    assert second.generated_at == first.generated_at
    assert len(list((media / "waarschuwingsbrieven").rglob("*.pdf"))) == 1
    assert Notification.objects.count() == notifications  # nobody is told twice


def test_a_broken_letter_text_still_renders(world, tenant_scope):
    AbsencePolicy.unscoped.create(tenant=world.tenants["a"], letter_text="{onbekend} {\n\nBeste {voornaam},")
    letter = warning_letter_generate(letter_id=make_letter(world).pk)
    assert letter.status == LetterStatus.READY
    flat = " ".join(pdf_text(letter).split())
    assert "{onbekend} {" in flat
    assert "Beste Amal," in flat
    assert "Wat gebeurt er nu?" in flat  # the letter's own section when the text has none


def test_a_rendering_failure_marks_the_letter_failed_without_raising(world, tenant_scope, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("Amal Haddad 111222333")

    monkeypatch.setattr("enforcement.letters.warning_letter_render_pdf", broken)
    letter = warning_letter_generate(letter_id=make_letter(world).pk)
    assert letter.status == LetterStatus.FAILED
    assert not letter.file
    assert WarningLetter.unscoped.get(pk=letter.pk).status == LetterStatus.FAILED
    assert "Haddad" not in caplog.text and BSN not in caplog.text
    assert not Notification.objects.exists()


def test_the_case_manager_and_the_provider_staff_are_notified(world, tenant_scope):
    letter = warning_letter_generate(letter_id=make_letter(world).pk)
    number = letter.alert.learner.learner_number
    case = Notification.objects.get(user=world.users["case_a1"])
    assert number in case.subject
    assert case.url == letter.alert.learner.get_absolute_url()
    staff = Notification.objects.get(user=world.users["staff_a"])
    assert number in staff.subject
    assert not Notification.objects.filter(user__in=[world.users["case_a2"], world.users["staff_b"]]).exists()


def test_a_letter_is_handed_out_once_on_a_plausible_date(world, tenant_scope):
    letter = warning_letter_generate(letter_id=make_letter(world).pk)
    staff = world.users["staff_a"]
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        warning_letter_mark_handed_out(actor=staff, letter=letter, handed_out_on=today + timedelta(days=1))
    with pytest.raises(ValidationError):
        warning_letter_mark_handed_out(actor=staff, letter=letter, handed_out_on=today - timedelta(days=1))
    letter = warning_letter_mark_handed_out(actor=staff, letter=letter, handed_out_on=today)
    assert letter.handed_out_on == today and letter.handed_out_by == staff
    with pytest.raises(ValidationError):
        warning_letter_mark_handed_out(actor=staff, letter=letter, handed_out_on=today)


def test_a_letter_not_made_yet_cannot_be_handed_out(world, tenant_scope):
    letter = make_letter(world)
    with pytest.raises(ValidationError):
        warning_letter_mark_handed_out(actor=world.users["staff_a"], letter=letter, handed_out_on=timezone.localdate())


def test_the_task_refuses_to_run_without_a_tenant(world):
    from inburgering.tenancy.scoping import ScopeError

    with pytest.raises(ScopeError):
        generate_warning_letter_task(letter_id=make_letter(world).pk)


def test_the_task_generates_in_the_tenant_scope(world):
    letter = make_letter(world)
    assert generate_warning_letter_task(letter_id=letter.pk, tenant_id=letter.tenant_id) == LetterStatus.READY


def test_letters_are_enqueued_after_commit(world, django_capture_on_commit_callbacks, monkeypatch):
    letter = make_letter(world)
    queued = []
    monkeypatch.setattr(generate_warning_letter_task, "delay", lambda **kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_warning_letters([letter.pk])
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [{"letter_id": letter.pk, "tenant_id": letter.tenant_id}]


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_makes_the_letter_once(world, media, monkeypatch):
    from tests.workers import celery_worker

    monkeypatch.setenv("MEDIA_ROOT", str(media))  # the worker is another process: it reads the environment
    letter = make_letter(world)
    with celery_worker():
        enqueue_warning_letters([letter.pk])  # autocommit: queued at once
        enqueue_warning_letters([letter.pk])  # a second delivery of the same letter
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            letter.refresh_from_db()
            if letter.status != LetterStatus.PENDING:
                break
            time.sleep(0.5)
        time.sleep(2)  # let the second task run too
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY, "the worker did not make the letter within a minute"
    assert (media / letter.file.name).is_file()
    assert len(list((media / "waarschuwingsbrieven").rglob("*.pdf"))) == 1
    assert Notification.objects.filter(user=world.users["staff_a"]).count() == 1
