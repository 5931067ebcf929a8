from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    verbose_name = "Aanwezigheid"
    name = "attendance"
