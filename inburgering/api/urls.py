"""API v1 routes: plural Dutch nouns, no trailing slash (NL API Design Rules)."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from attendance import api as attendance_api
from contracts import api as contracts_api
from enforcement import api as enforcement_api
from inburgering.tenancy import api as tenancy_api
from learning_routes import api as learning_routes_api
from progress import api as progress_api
from reports import api as reports_api

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="api_schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("auth/token", tenancy_api.TokenView.as_view(), name="api_token"),
    path("regios", tenancy_api.RegionList.as_view(), name="api_region_list"),
    path("regios/<slug:code>", tenancy_api.RegionDetail.as_view(), name="api_region_detail"),
    path("gemeenten", tenancy_api.MunicipalityList.as_view(), name="api_municipality_list"),
    path("gemeenten/<int:pk>", tenancy_api.MunicipalityDetail.as_view(), name="api_municipality_detail"),
    path("taalaanbieders", tenancy_api.ProviderList.as_view(), name="api_provider_list"),
    path("taalaanbieders/<int:pk>", tenancy_api.ProviderDetail.as_view(), name="api_provider_detail"),
    path("contracten", contracts_api.ContractList.as_view(), name="api_contract_list"),
    path("contracten/<int:pk>", contracts_api.ContractDetail.as_view(), name="api_contract_detail"),
    path("contractevaluaties", contracts_api.EvaluationList.as_view(), name="api_evaluation_list"),
    path("contractevaluaties/<int:pk>", contracts_api.EvaluationDetail.as_view(), name="api_evaluation_detail"),
    path("inburgeraars", learning_routes_api.LearnerList.as_view(), name="api_learner_list"),
    path("inburgeraars/<int:pk>", learning_routes_api.LearnerDetail.as_view(), name="api_learner_detail"),
    path("trajecten", learning_routes_api.TrajectoryList.as_view(), name="api_trajectory_list"),
    path("trajecten/<int:pk>", learning_routes_api.TrajectoryDetail.as_view(), name="api_trajectory_detail"),
    path("examenresultaten", learning_routes_api.ExamResultList.as_view(), name="api_exam_result_list"),
    path("examenresultaten/<int:pk>", learning_routes_api.ExamResultDetail.as_view(), name="api_exam_result_detail"),
    path("aanwezigheidsuploads", attendance_api.UploadList.as_view(), name="api_attendance_upload_list"),
    path("aanwezigheidsuploads/<int:pk>", attendance_api.UploadDetail.as_view(), name="api_attendance_upload_detail"),
    path("aanwezigheidsregistraties", attendance_api.RecordPush.as_view(), name="api_attendance_records"),
    path("evaluatiemomenten", progress_api.CheckpointList.as_view(), name="api_checkpoint_list"),
    path("evaluatiemomenten/<int:pk>", progress_api.CheckpointDetail.as_view(), name="api_checkpoint_detail"),
    path("evaluatiemomenten/<int:pk>/indienen", progress_api.CheckpointSubmit.as_view(), name="api_checkpoint_submit"),
    path(
        "evaluatiemomenten/<int:pk>/beoordeling",
        progress_api.CheckpointReview.as_view(),
        name="api_checkpoint_review",
    ),
    path("niveauwijzigingsverzoeken", progress_api.LevelChangeRequestList.as_view(), name="api_level_change_list"),
    path(
        "niveauwijzigingsverzoeken/<int:pk>",
        progress_api.LevelChangeRequestDetail.as_view(),
        name="api_level_change_detail",
    ),
    path(
        "niveauwijzigingsverzoeken/<int:pk>/beslissing",
        progress_api.LevelChangeDecide.as_view(),
        name="api_level_change_decide",
    ),
    path("verlengingen", progress_api.ExtensionList.as_view(), name="api_extension_list"),
    path("verlengingen/<int:pk>", progress_api.ExtensionDetail.as_view(), name="api_extension_detail"),
    path("verzuimprotocollen", enforcement_api.PolicyList.as_view(), name="api_absence_policy_list"),
    path("verzuimprotocollen/<int:pk>", enforcement_api.PolicyDetail.as_view(), name="api_absence_policy_detail"),
    path("verzuimsignalen", enforcement_api.AlertList.as_view(), name="api_absence_alert_list"),
    path("verzuimsignalen/<int:pk>", enforcement_api.AlertDetail.as_view(), name="api_absence_alert_detail"),
    path(
        "verzuimsignalen/<int:pk>/status",
        enforcement_api.AlertStatusChange.as_view(),
        name="api_absence_alert_status",
    ),
    path("waarschuwingsbrieven", enforcement_api.LetterList.as_view(), name="api_warning_letter_list"),
    path("waarschuwingsbrieven/<int:pk>", enforcement_api.LetterDetail.as_view(), name="api_warning_letter_detail"),
    path("waarschuwingsbrieven/<int:pk>/pdf", enforcement_api.LetterPdf.as_view(), name="api_warning_letter_pdf"),
    path(
        "waarschuwingsbrieven/<int:pk>/uitgereikt",
        enforcement_api.LetterHandOut.as_view(),
        name="api_warning_letter_hand_out",
    ),
    path("handhavingszaken", enforcement_api.CaseList.as_view(), name="api_enforcement_case_list"),
    path("handhavingszaken/<int:pk>", enforcement_api.CaseDetail.as_view(), name="api_enforcement_case_detail"),
    path(
        "handhavingszaken/<int:pk>/stappen",
        enforcement_api.CaseStepRecord.as_view(),
        name="api_enforcement_case_step",
    ),
    path(
        "handhavingszaken/<int:pk>/uitzonderingsgrond",
        enforcement_api.CaseGroundRecord.as_view(),
        name="api_enforcement_case_ground",
    ),
    path(
        "handhavingszaken/<int:pk>/afsluiten",
        enforcement_api.CaseClose.as_view(),
        name="api_enforcement_case_close",
    ),
    path("inhaalverplichtingen", enforcement_api.MakeupList.as_view(), name="api_makeup_obligation_list"),
    path("verzuimclassificaties", enforcement_api.Classify.as_view(), name="api_absence_classify"),
    path("kwartaalrapportages", reports_api.QuarterlyReportList.as_view(), name="api_quarterly_report_list"),
    path(
        "kwartaalrapportages/<int:pk>",
        reports_api.QuarterlyReportDetail.as_view(),
        name="api_quarterly_report_detail",
    ),
    path(
        "kwartaalrapportages/<int:pk>/pdf",
        reports_api.QuarterlyReportPdf.as_view(),
        name="api_quarterly_report_pdf",
    ),
]
