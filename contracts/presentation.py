"""How the guide groups a contract's agreements (guide 3.1); used by the form and the detail page."""

from django.utils.translation import gettext_lazy as _

GENERAL = (
    "reference",
    "title",
    "provider",
    "municipalities",
    "start_date",
    "end_date",
    "status",
    "route_b1",
    "route_z",
    "route_education",
    "age_segment",
    "b2_clause",
    "b2_conditions",
)
OFFER = (
    "offers_daytime",
    "offers_evening",
    "offers_weekend",
    "offers_online",
    "offers_blended",
    "dagdelen_per_week",
    "max_hours_b1",
    "max_hours_z",
    "max_hours_education",
    "max_hours_warning_percentage",
    "volume_under_27_min",
    "volume_under_27_max",
    "volume_from_27_min",
    "volume_from_27_max",
)
PROGRESS = (
    "checkpoint_hours",
    "checkpoint_basis",
    "downscale_minimum_hours",
    "assessment_deadline_working_days",
    "decision_deadline_working_days",
    "continue_while_progress",
)
ABSENCE = ("absence_allowance_percentage",)
FINANCING = (
    "financing_model",
    "fixed_fee_per_learner",
    "hourly_rate",
    "result_fee",
    "bonus_a1_a2",
    "bonus_a2_b1",
    "bonus_b1_b2",
    "extension_municipality_share_percentage",
)
KPIS = (
    "kpi_attendance_percentage",
    "kpi_b1_all_skills_percentage",
    "kpi_exam_pass_percentage",
    "kpi_outflow_percentage",
    "kpi_checkpoints_on_time_percentage",
    "kpi_decisions_on_time_percentage",
    "kpi_amber_margin_points",
)
CONTACTS = (
    "municipality_contact_name",
    "municipality_contact_email",
    "municipality_contact_phone",
    "provider_contact_name",
    "provider_contact_email",
    "provider_contact_phone",
)

SECTIONS = (
    ("algemeen", _("General"), GENERAL),
    ("aanbod", _("Lesson offer"), OFFER),
    ("voortgang", _("Progress and downscaling"), PROGRESS),
    ("verzuim", _("Absence"), ABSENCE),
    ("financiering", _("Financing"), FINANCING),
    ("kpis", _("KPIs"), KPIS),
    ("contactpersonen", _("Contacts"), CONTACTS),
)
