from django.urls import path

from progress import views

urlpatterns = [
    path("evaluatiemomenten", views.checkpoint_list, name="checkpoint_list"),
    path("evaluatiemomenten/<int:pk>", views.checkpoint_detail, name="checkpoint_detail"),
    path("niveauwijzigingen", views.level_change_list, name="level_change_list"),
    path("niveauwijzigingen/nieuw", views.level_change_create, name="level_change_create"),
    path("niveauwijzigingen/<int:pk>", views.level_change_detail, name="level_change_detail"),
    path("niveauwijzigingen/<int:pk>/bijlage", views.level_change_evidence, name="level_change_evidence"),
    path("trajecten/<int:pk>/verlenging", views.hours_extension_create, name="hours_extension_create"),
]
