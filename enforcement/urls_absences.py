from django.urls import path

from enforcement.views import absences

urlpatterns = [
    path("verzuim/classificeren", absences.absence_classify, name="absence_classify"),
    path("trajecten/<int:pk>/afmelding", absences.call_in_create, name="call_in_create"),
]
