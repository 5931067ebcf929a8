from django.urls import path

from learning_routes import views

urlpatterns = [
    path("inburgeraars", views.learner_list, name="learner_list"),
    path("inburgeraars/nieuw", views.learner_create, name="learner_create"),
    path("inburgeraars/zoeken-op-bsn", views.learner_find_by_bsn, name="learner_find_by_bsn"),
    path("inburgeraars/<int:pk>", views.learner_detail, name="learner_detail"),
    path("inburgeraars/<int:pk>/wijzigen", views.learner_update, name="learner_update"),
    path("inburgeraars/<int:pk>/bsn", views.learner_reveal_bsn, name="learner_reveal_bsn"),
    path("inburgeraars/<int:pk>/verlenging", views.term_extension_create, name="term_extension_create"),
    path("inburgeraars/<int:pk>/trajecten/nieuw", views.trajectory_create, name="trajectory_create"),
    path("trajecten", views.trajectory_list, name="trajectory_list"),
    path("trajecten/<int:pk>/wijzigen", views.trajectory_update, name="trajectory_update"),
    path("trajecten/<int:pk>/afsluiten", views.trajectory_end, name="trajectory_end"),
    path("trajecten/<int:pk>/routewissel", views.trajectory_switch_route, name="trajectory_switch_route"),
    path("trajecten/<int:pk>/examenresultaten/nieuw", views.exam_result_create, name="exam_result_create"),
    path("termijnbewaking", views.term_monitoring, name="term_monitoring"),
    path("toegangslog", views.access_log, name="access_log"),
]
