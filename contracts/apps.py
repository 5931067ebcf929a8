from django.apps import AppConfig


class ContractsConfig(AppConfig):
    verbose_name = "Contracten"
    name = "contracts"
