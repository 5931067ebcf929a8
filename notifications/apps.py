from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    verbose_name = "Meldingen"
    name = "notifications"
