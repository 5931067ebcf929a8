from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress and level changes")

    def ready(self) -> None:
        from attendance.signals import upload_processed
        from progress import jobs  # noqa: F401  (registers the daily job)
        from progress.receivers import detect_after_upload

        upload_processed.connect(detect_after_upload, dispatch_uid="progress-detect-after-upload")
