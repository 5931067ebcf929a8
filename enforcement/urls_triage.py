from django.urls import path

from enforcement.views import triage

urlpatterns = [
    path("verzuimsignalen", triage.alert_list, name="alert_list"),
    path("verzuimsignalen/toewijzen", triage.alert_assign, name="alert_assign"),
    path("verzuimsignalen/<int:pk>", triage.alert_detail, name="alert_detail"),
]
