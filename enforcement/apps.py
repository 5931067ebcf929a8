from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    verbose_name = _("Absence and enforcement")
    name = "enforcement"

    def ready(self) -> None:
        from attendance.signals import upload_processed
        from enforcement import absences, jobs  # noqa: F401  (register the daily jobs)
        from enforcement.receivers import alerts_after_upload

        upload_processed.connect(alerts_after_upload, dispatch_uid="enforcement-alerts-after-upload")
