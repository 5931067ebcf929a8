from django.apps import AppConfig


class LearningRoutesConfig(AppConfig):
    verbose_name = "Leerroutes"
    name = "learning_routes"
