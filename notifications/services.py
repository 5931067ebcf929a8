"""Writes for notifications: send (in-app rows plus e-mail) and mark as read."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import pgettext

from notifications.models import Notification, is_internal_path

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = Notification._meta.get_field("subject").max_length
URL_MAX_LENGTH = Notification._meta.get_field("url").max_length


def _mail_text(body: str, url: str) -> str:
    if not url:
        return body
    link = pgettext("notification", "View: %(url)s") % {"url": settings.SITE_URL.rstrip("/") + url}
    return f"{body}\n\n{link}" if body else link


def _send_mails(messages: list[tuple[int, mail.EmailMessage]]) -> None:
    """Send over one connection; a failure is logged (ids only, no addresses) and never raised."""
    try:
        connection = mail.get_connection()
        connection.open()
    except Exception:
        logger.exception("notification e-mail: could not open a mail connection, %d e-mails not sent", len(messages))
        return
    try:
        for notification_id, message in messages:
            message.connection = connection
            try:
                message.send()
            except Exception as error:
                # The exception text of a refused recipient contains the address: log its type only.
                logger.error(
                    "notification e-mail for notification %s failed: %s", notification_id, type(error).__name__
                )
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("notification e-mail: closing the mail connection failed")


def notification_send(*, recipients: Iterable, subject: str, body: str = "", url: str = "", tenant=None) -> int:
    """One notification per distinct active recipient, and an e-mail to each who has an address.

    ``subject`` and ``body`` are already translated by the caller; ``url`` is a path inside the
    application ("/…"). The e-mails go out after the surrounding transaction commits, so a rolled
    back action notifies nobody by mail. Returns the number of notifications created.
    """
    if url and not is_internal_path(url):
        raise ValueError("notification url must be a path inside the application, starting with '/'")
    if len(url) > URL_MAX_LENGTH:
        raise ValueError(f"notification url is longer than {URL_MAX_LENGTH} characters")
    # One line: the subject is also an e-mail header, where a line break is refused.
    subject = Truncator(" ".join(str(subject).split())).chars(SUBJECT_MAX_LENGTH)
    body = str(body)
    users: dict = {}
    for user in recipients:
        if user.pk is not None and user.is_active:
            users.setdefault(user.pk, user)
    if not users:
        return 0
    created = Notification.objects.bulk_create(
        [Notification(user=user, tenant=tenant, subject=subject, body=body, url=url) for user in users.values()]
    )
    text = _mail_text(body, url)
    messages = [
        (notification.pk, mail.EmailMessage(subject=subject, body=text, to=[notification.user.email]))
        for notification in created
        if notification.user.email
    ]
    if messages:
        transaction.on_commit(partial(_send_mails, messages), robust=True)
    return len(created)


def notification_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (all of them, or those ids); returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
