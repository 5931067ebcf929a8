from django.urls import path

from reports import views

urlpatterns = [
    path("rapportages", views.reports_home, name="reports_home"),
    path("rapportages/regio", views.dashboard_region, name="dashboard_region"),
    path("rapportages/taalaanbieder", views.dashboard_provider, name="dashboard_provider"),
    path("rapportages/contracten/<int:pk>", views.dashboard_contract, name="dashboard_contract"),
    path(
        "rapportages/contracten/<int:pk>/kwartaalrapportages/nieuw",
        views.quarterly_report_create,
        name="quarterly_report_create",
    ),
    path(
        "rapportages/contracten/<int:pk>/kwartaalrapportages/status",
        views.quarterly_report_status,
        name="quarterly_report_status",
    ),
    path("rapportages/kwartaalrapportages/<int:pk>/pdf", views.quarterly_report_pdf, name="quarterly_report_pdf"),
    path("rapportages/kwartaalrapportages/<int:pk>/delen", views.quarterly_report_share, name="quarterly_report_share"),
    path("rapportages/contracten/<int:pk>/wat-als", views.simulator, name="simulator"),
    path("rapportages/contracten/<int:pk>/wat-als/opslaan", views.scenario_save, name="scenario_save"),
    path("rapportages/scenarios/<int:pk>/verwijderen", views.scenario_delete, name="scenario_delete"),
]
