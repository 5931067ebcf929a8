from django.urls import path

from enforcement.views import policy

urlpatterns: list = [
    path("verzuimprotocol", policy.absence_policy, name="absence_policy"),
    path("verzuimprotocol/afdrukken", policy.absence_policy_print, name="absence_policy_print"),
    path("contracten/<int:pk>/verzuimprotocol", policy.absence_policy_contract, name="absence_policy_contract"),
    path(
        "inburgeraars/<int:pk>/geoorloofd-verzuim",
        policy.authorized_absence_export,
        name="authorized_absence_export",
    ),
]
