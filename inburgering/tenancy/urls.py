from django.contrib.auth import views as auth_views
from django.urls import path

from inburgering.tenancy import views

urlpatterns = [
    path("", views.home, name="home"),
    path("inloggen", views.LoginView.as_view(), name="login"),
    path("uitloggen", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "wachtwoord-instellen/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_set.html", success_url="/inloggen", post_reset_login=False
        ),
        name="password_set",
    ),
    path("gezondheid", views.health, name="health"),
    path("regio/wisselen", views.tenant_switch, name="tenant_switch"),
    path("beheer/gemeenten", views.municipality_list, name="municipality_list"),
    path("beheer/gemeenten/nieuw", views.municipality_create, name="municipality_create"),
    path("beheer/gemeenten/<int:pk>/bewerken", views.municipality_update, name="municipality_update"),
    path("beheer/taalaanbieders", views.provider_list, name="provider_list"),
    path("beheer/taalaanbieders/toevoegen", views.provider_link, name="provider_link"),
    path("beheer/taalaanbieders/<int:pk>/ontkoppelen", views.provider_unlink, name="provider_unlink"),
    path("beheer/gebruikers", views.user_list, name="user_list"),
    path("beheer/gebruikers/uitnodigen", views.user_invite, name="user_invite"),
    path("beheer/gebruikers/<int:pk>/rol", views.membership_edit, name="membership_edit"),
    path("beheer/gebruikers/<int:pk>/actief", views.membership_toggle, name="membership_toggle"),
]
