from django.urls import path

from contracts import views

urlpatterns = [
    path("contracten", views.contract_list, name="contract_list"),
    path("contracten/nieuw", views.contract_create, name="contract_create"),
    path("contracten/<int:pk>", views.contract_detail, name="contract_detail"),
    path("contracten/<int:pk>/wijzigen", views.contract_update, name="contract_update"),
    path("contracten/<int:pk>/evaluaties/nieuw", views.evaluation_create, name="evaluation_create"),
    path("contracten/<int:pk>/tekortkomingen/nieuw", views.finding_create, name="finding_create"),
    path("evaluaties/<int:pk>/actiepunten/nieuw", views.action_item_create, name="action_item_create"),
    path("actiepunten/<int:pk>/status", views.action_item_toggle, name="action_item_toggle"),
    path("tekortkomingen/<int:pk>/wijzigen", views.finding_update, name="finding_update"),
]
