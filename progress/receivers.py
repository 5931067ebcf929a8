from __future__ import annotations

from django.utils import timezone

from progress.services import progress_detect


def detect_after_upload(sender, *, upload, changed: bool, **kwargs) -> None:
    """An upload that added or changed lessons may cross a threshold: the deadline starts today,
    the day the crossing became known (DOMAIN.md "Rule semantics")."""
    if changed:
        progress_detect(tenant=upload.tenant, as_of=timezone.localdate())
