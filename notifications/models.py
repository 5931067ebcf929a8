"""In-app notifications, one row per recipient.

Deliberately not tenant-owned: a notification belongs to one user and is only ever read filtered by
that user (``user=request.user``), whichever tenant is active. ``tenant`` only records the region a
notification came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=pgettext_lazy("notification", "recipient"),
    )
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    subject = models.CharField(pgettext_lazy("notification", "subject"), max_length=200)
    body = models.TextField(pgettext_lazy("notification", "message text"), blank=True)
    url = models.CharField(
        pgettext_lazy("notification", "link"), max_length=500, blank=True, help_text=_("A path inside the application.")
    )
    created_at = models.DateTimeField(pgettext_lazy("notification", "created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(pgettext_lazy("notification", "read at"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("notification", "notification")
        verbose_name_plural = pgettext_lazy("notification", "notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def safe_url(self) -> str:
        """The link, only if it stays inside the application (no open redirect); else ""."""
        return self.url if is_internal_path(self.url) else ""


def is_internal_path(url: str) -> bool:
    """A relative path inside this application: "/…", never "//host", "/\\host" or a scheme."""
    return (
        isinstance(url, str)
        and url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and not any(character in url for character in "\\\r\n\t")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )
