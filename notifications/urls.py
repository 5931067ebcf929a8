from django.urls import path

from notifications import views

urlpatterns = [
    path("meldingen/", views.notification_list, name="notification_list"),
    path("meldingen/gelezen", views.notification_mark_all_read, name="notification_mark_all_read"),
    path("meldingen/<int:pk>/openen", views.notification_open, name="notification_open"),
]
