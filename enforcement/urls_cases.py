from django.urls import path

from enforcement.views import cases as views

urlpatterns: list = [
    path("handhaving", views.enforcement_case_list, name="enforcement_case_list"),
    path("handhaving/<int:pk>", views.enforcement_case_detail, name="enforcement_case_detail"),
    path("handhaving/<int:pk>/stap", views.enforcement_step_record, name="enforcement_step_record"),
    path(
        "handhaving/<int:pk>/uitzonderingsgrond",
        views.enforcement_exceptional_ground_record,
        name="enforcement_exceptional_ground_record",
    ),
    path(
        "handhaving/<int:pk>/stappen/<int:step_pk>/brief",
        views.enforcement_step_letter,
        name="enforcement_step_letter",
    ),
    path("handhaving/<int:pk>/afsluiten", views.enforcement_case_close, name="enforcement_case_close"),
    path("inburgeraars/<int:pk>/handhaving", views.enforcement_case_open, name="enforcement_case_open"),
    path("waarschuwingsbrieven", views.provider_letter_list, name="provider_letter_list"),
    path("waarschuwingsbrieven/<int:pk>/pdf", views.warning_letter_pdf, name="warning_letter_pdf"),
    path("waarschuwingsbrieven/<int:pk>/uitgereikt", views.warning_letter_hand_out, name="warning_letter_hand_out"),
]
