from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "inburgering.tenancy"
    label = "tenancy"
    verbose_name = "Regio's en toegang"
