from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "inburgering.api"
    label = "api"
    verbose_name = "API"
