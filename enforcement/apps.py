from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    verbose_name = "Verzuim en handhaving"
    name = "enforcement"
