from django.apps import AppConfig


class ReportsConfig(AppConfig):
    verbose_name = "Rapportages"
    name = "reports"

    def ready(self) -> None:
        from reports import jobs  # noqa: F401  (registers the daily job)
