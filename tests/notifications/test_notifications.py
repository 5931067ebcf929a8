"""Notifications: sending (rows and e-mail after commit), the list page, the header badge, opening."""

from __future__ import annotations

import logging
import smtplib
from unittest import mock

import pytest
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications import selectors, services
from notifications.models import Notification, is_internal_path
from tests.factories import UserFactory


def send(recipients, **kwargs):
    kwargs.setdefault("subject", "Nieuw verzuimsignaal")
    return services.notification_send(recipients=recipients, **kwargs)


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://inburgering.example.nl/"
    return settings.SITE_URL


# --- notification_send ---------------------------------------------------------------------------


def test_send_creates_one_notification_and_one_mail_per_user(
    world, mailoutbox, django_capture_on_commit_callbacks, site_url
):
    users = [world.users["absence_a"], world.users["case_a1"]]
    with django_capture_on_commit_callbacks(execute=True):
        created = send(
            users, body="Er is een signaal.", url="/verzuim", tenant=world.tenants["a"], subject="Nieuw signaal"
        )
        assert mailoutbox == [], "e-mail goes out only after the transaction commits"
    assert created == 2
    rows = Notification.objects.order_by("user__username")
    assert [row.user for row in rows] == sorted(users, key=lambda user: user.username)
    assert all(row.tenant == world.tenants["a"] and row.read_at is None for row in rows)
    assert sorted(message.to[0] for message in mailoutbox) == sorted(user.email for user in users)
    message = mailoutbox[0]
    assert message.subject == "Nieuw signaal"
    assert message.body == "Er is een signaal.\n\nBekijk: https://inburgering.example.nl/verzuim"


def test_send_without_url_mails_only_the_body(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send([world.users["admin_a"]], body="Alleen tekst.")
    assert mailoutbox[0].body == "Alleen tekst."
    assert "Bekijk" not in mailoutbox[0].body


def test_send_deduplicates_recipients(world, mailoutbox, django_capture_on_commit_callbacks):
    user = world.users["admin_a"]
    same_user_again = type(user).objects.get(pk=user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        created = send([user, same_user_again, user, world.users["admin_b"]])
    assert created == 2
    assert Notification.objects.filter(user=user).count() == 1
    assert len(mailoutbox) == 2


def test_send_skips_inactive_users_and_mails_only_users_with_an_address(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    inactive = UserFactory(is_active=False)
    without_email = UserFactory(email="")
    active = world.users["admin_a"]
    with django_capture_on_commit_callbacks(execute=True):
        created = send([inactive, without_email, active])
    assert created == 2
    assert not Notification.objects.filter(user=inactive).exists()
    assert Notification.objects.filter(user=without_email).count() == 1
    assert [message.to for message in mailoutbox] == [[active.email]]


def test_send_to_nobody_creates_nothing(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert send([]) == 0
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_a_rolled_back_transaction_sends_no_mail(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send([world.users["admin_a"]])
                raise RuntimeError("the caller's action fails")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_a_mail_failure_is_logged_without_the_address_and_never_raised(
    world, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    user = world.users["admin_a"]
    refused = smtplib.SMTPRecipientsRefused({user.email: (550, b"no such user")})
    with (
        mock.patch.object(EmailMessage, "send", side_effect=refused),
        caplog.at_level(logging.INFO, logger="notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send([user], body="Tekst") == 1
    assert Notification.objects.filter(user=user).exists()
    assert "SMTPRecipientsRefused" in caplog.text
    assert user.email not in caplog.text
    assert user.username not in caplog.text


def test_a_failing_mail_does_not_stop_the_others(world, mailoutbox, django_capture_on_commit_callbacks):
    original = EmailMessage.send

    def fail_for_admin_a(message, *args, **kwargs):
        if message.to == [world.users["admin_a"].email]:
            raise smtplib.SMTPException("boom")
        return original(message, *args, **kwargs)

    with (
        mock.patch.object(EmailMessage, "send", fail_for_admin_a),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send([world.users["admin_a"], world.users["admin_b"]])
    assert [message.to for message in mailoutbox] == [[world.users["admin_b"].email]]


def test_subject_is_one_line_and_fits_the_field(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send([world.users["admin_a"]], subject="Regel één\nRegel twee " + "x" * 300)
    notification = Notification.objects.get()
    assert "\n" not in notification.subject
    assert notification.subject.startswith("Regel één Regel twee")
    assert len(notification.subject) == 200
    assert mailoutbox[0].subject == notification.subject


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "verzuim", "/a\nb"])
def test_send_refuses_a_url_outside_the_application(world, url):
    with pytest.raises(ValueError):
        send([world.users["admin_a"]], url=url)
    assert not Notification.objects.exists()


def test_internal_paths():
    assert is_internal_path("/verzuim?pagina=2#signaal")
    for url in ("", "verzuim", "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)"):
        assert not is_internal_path(url), url


# --- notification_mark_read and selectors ----------------------------------------------------------


def test_mark_read_marks_only_the_users_own_notifications(world):
    own, other = world.users["admin_a"], world.users["admin_b"]
    send([own, other])
    send([own])
    foreign = Notification.objects.get(user=other)
    first = Notification.objects.filter(user=own).order_by("pk").first()
    assert services.notification_mark_read(user=own, notification_ids=[first.pk, foreign.pk]) == 1
    assert selectors.unread_count(own) == 1
    assert selectors.unread_count(other) == 1
    assert services.notification_mark_read(user=own) == 1
    assert services.notification_mark_read(user=own) == 0
    assert selectors.unread_count(own) == 0
    assert selectors.unread_count(other) == 1


def test_notifications_for_lists_the_users_own_newest_first(world):
    user = world.users["admin_a"]
    send([user], subject="Eerste")
    send([user, world.users["admin_b"]], subject="Tweede")
    assert [n.subject for n in selectors.notifications_for(user)] == ["Tweede", "Eerste"]


# --- pages -----------------------------------------------------------------------------------------


def test_list_page_shows_only_own_notifications_in_dutch(world):
    send([world.users["admin_a"]], subject="Voor A", body="Tekst voor A", url="/verzuim")
    send([world.users["admin_b"]], subject="Voor B")
    read = Notification.objects.create(user=world.users["admin_a"], subject="Al gelezen")
    services.notification_mark_read(user=world.users["admin_a"], notification_ids=[read.pk])

    response = world.client("admin_a").get("/meldingen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Meldingen</h1>" in html
    assert "Voor A" in html and "Tekst voor A" in html and "Al gelezen" in html
    assert "Voor B" not in html
    assert "Alles als gelezen markeren" in html
    assert html.count("notification--unread") == 1
    assert '<span class="notification__marker">Ongelezen</span> Voor A' in html
    assert "Openen" in html
    assert html.index("Al gelezen") < html.index("Voor A"), "newest first"


def test_list_page_without_notifications(world):
    html = world.client("admin_a").get("/meldingen/").content.decode()
    assert "U hebt geen meldingen." in html
    assert "Alles als gelezen markeren" not in html


def test_list_page_is_paginated_by_50(world):
    user = world.users["admin_a"]
    Notification.objects.bulk_create([Notification(user=user, subject=f"Melding {n}") for n in range(55)])
    client = world.client("admin_a")
    first = client.get("/meldingen/")
    assert len(first.context["page"].object_list) == 50
    assert len(client.get("/meldingen/?page=2").context["page"].object_list) == 5


def test_header_shows_the_unread_count_with_a_screen_reader_text(world):
    send([world.users["admin_a"]], subject="Een")
    send([world.users["admin_a"]], subject="Twee")
    send([world.users["admin_b"]], subject="Andere")
    html = world.client("admin_a").get("/").content.decode()
    assert 'href="/meldingen/"' in html
    assert '<span class="badge">2<span class="visually-hidden"> ongelezen</span></span>' in html


def test_header_shows_no_badge_without_unread_notifications(world):
    html = world.client("admin_a").get("/").content.decode()
    assert ">Meldingen</a>" in html
    assert 'class="badge"' not in html


def test_the_header_count_costs_one_query(world):
    send([world.users["admin_a"]])
    client = world.client("admin_a")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    queries = [query["sql"] for query in captured if "notifications_notification" in query["sql"]]
    assert len(queries) == 1
    assert "COUNT" in queries[0].upper()


def test_anonymous_users_are_sent_to_login(db, client):
    response = client.get("/meldingen/")
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen")


def test_open_marks_read_and_redirects_to_the_url(world):
    send([world.users["admin_a"]], url="/verzuim")
    notification = Notification.objects.get()
    response = world.client("admin_a").post(f"/meldingen/{notification.pk}/openen")
    assert response.status_code == 302
    assert response["Location"] == "/verzuim"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_without_url_marks_read_and_returns_to_the_list(world):
    send([world.users["admin_a"]])
    notification = Notification.objects.get()
    client = world.client("admin_a")
    assert "Markeren als gelezen" in client.get("/meldingen/").content.decode()
    response = client.post(f"/meldingen/{notification.pk}/openen")
    assert response.status_code == 302
    assert response["Location"] == "/meldingen/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_another_users_notification_answers_404(world):
    send([world.users["admin_b"]], url="/verzuim")
    foreign = Notification.objects.get()
    for user_key in ("admin_a", "case_b1", "staff_shared"):
        response = world.client(user_key).post(f"/meldingen/{foreign.pk}/openen")
        assert response.status_code == 404, user_key
    missing = world.client("admin_a").post("/meldingen/987654/openen")
    assert missing.status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_open_never_redirects_outside_the_application(world, url):
    # Stored directly: the service itself refuses such a url.
    notification = Notification.objects.create(user=world.users["admin_a"], subject="Verdacht", url=url)
    client = world.client("admin_a")
    assert "evil.example" not in client.get("/meldingen/").content.decode()
    response = client.post(f"/meldingen/{notification.pk}/openen")
    assert response.status_code == 302
    assert response["Location"] == "/meldingen/"


def test_open_refuses_get(world):
    send([world.users["admin_a"]], url="/verzuim")
    notification = Notification.objects.get()
    assert world.client("admin_a").get(f"/meldingen/{notification.pk}/openen").status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(world):
    send([world.users["admin_a"], world.users["admin_b"]], subject="Een")
    send([world.users["admin_a"]], subject="Twee")
    client = world.client("admin_a")
    assert client.get("/meldingen/gelezen").status_code == 405
    response = client.post("/meldingen/gelezen", follow=True)
    assert response.redirect_chain == [("/meldingen/", 302)]
    html = response.content.decode()
    assert "Alle meldingen zijn als gelezen gemarkeerd." in html
    assert "notification--unread" not in html
    assert 'class="badge"' not in html
    assert selectors.unread_count(world.users["admin_a"]) == 0
    assert selectors.unread_count(world.users["admin_b"]) == 1
