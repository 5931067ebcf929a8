from django.urls import path

from reports import views_downloads as views

urlpatterns: list = [
    path(
        "rapportages/contracten/<int:pk>/afrekening.xlsx",
        views.settlement_download,
        {"output": views.XLSX},
        name="settlement_xlsx",
    ),
    path(
        "rapportages/contracten/<int:pk>/afrekening.csv",
        views.settlement_download,
        {"output": views.CSV},
        name="settlement_csv",
    ),
    path("rapportages/cbs", views.cbs_export, name="cbs_export"),
    path("rapportages/cbs/download", views.cbs_export_download, name="cbs_export_download"),
]
