from django.urls import path

from attendance import views

urlpatterns = [
    path("aanwezigheid", views.upload_list, name="attendance_upload_list"),
    path("aanwezigheid/sjabloon", views.attendance_template, name="attendance_template"),
    path("aanwezigheid/uploads/<int:pk>", views.upload_detail, name="attendance_upload_detail"),
    path("aanwezigheid/uploads/<int:pk>/fouten.csv", views.upload_errors_csv, name="attendance_upload_errors_csv"),
    path("trajecten/<int:pk>/aanwezigheid", views.trajectory_attendance, name="trajectory_attendance"),
    path("verzuim", views.absence_queue, name="absence_queue"),
]
