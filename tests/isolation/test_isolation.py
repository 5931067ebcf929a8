"""The isolation matrix: every URL pattern and API route of the application has a case here.

A route without a case fails ``test_every_route_has_an_isolation_case``, so no later issue can add
an endpoint and forget to prove that other tenants, other providers and (for case managers)
other municipalities cannot reach its objects. Detail routes: outsiders get 404, exactly like a
missing object; lists: outsiders never see the foreign object's marker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from inburgering.tenancy.scoping import Grant, scope
from tests.conftest import World


@dataclass
class Exempt:
    reason: str


@dataclass
class Detail:
    """A route addressing one object owned by tenant a (municipality a1 / provider shared)."""

    url: Callable[[World], str]
    insiders: list[str]
    outsiders: list[str]  # must get 404
    method: str = "get"
    insider_status: tuple[int, ...] = (200,)
    forbidden: list[str] = field(default_factory=list)  # visible, but the role may not: 403


@dataclass
class Listing:
    """A list that shows an object of tenant a, identified by ``marker`` in the response."""

    url: str
    marker: Callable[[World], str]
    insiders: list[str]
    outsiders: list[str]  # their answer (any status) must not contain the marker


def _api(path: str) -> str:
    return f"/api/v1/{path}"


@pytest.fixture
def populated(world) -> World:
    """The shared world plus one domain object of each kind, owned by tenant a / provider a."""
    from datetime import date, timedelta

    from contracts import services as contract_services
    from tests.contracts.conftest import make_contract

    contract = make_contract(world, actor=world.users["contract_a"])
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        evaluation = contract_services.evaluation_create(
            actor=None,
            contract=contract,
            date=date(2026, 3, 1),
            attendees="Regio, aanbieder",
            summary="Geheim-gesprek-A",
        )
        item = contract_services.action_item_create(
            actor=None, evaluation=evaluation, description="Actie-A", owner="Aanbieder", due_date=date(2026, 4, 1)
        )
        finding = contract_services.finding_create(
            actor=None, contract=contract, date=date(2026, 3, 2), category="kwaliteit", description="Bevinding-A"
        )
    world.objects.update(contract=contract, evaluation=evaluation, action_item=item, finding=finding)
    # A learner of municipality a1 on that contract, whose integration term ends within months.
    from django.utils import timezone

    from learning_routes import services as learner_services
    from tests.learning_routes.conftest import make_learner, make_trajectory

    today = timezone.localdate()
    learner = make_learner(world, pip_date=today.replace(year=today.year - 3) + timedelta(days=30))
    trajectory = make_trajectory(learner, contract)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        exam = learner_services.exam_result_create(
            actor=None, trajectory=trajectory, component="lezen", level="A2", exam_date=date(2026, 3, 3), passed=True
        )
        learner_services.dossier_access_record(user=world.users["case_a1"], learner=learner, action="bekeken")
    world.objects.update(learner=learner, trajectory=trajectory, exam=exam)
    # An attendance upload by provider a: one absence stored, one row rejected.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from attendance import services as attendance_services

    body = (
        "deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten;status;reden;huiswerkklas;opmerking\n"
        f"{learner.learner_number};02-03-2026;ochtend;180;0;afwezig;ziek;nee;\n"
        "ZZ9999;03-03-2026;ochtend;180;180;aanwezig;;nee;\n"
    ).encode()
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        received = attendance_services.upload_receive(
            user=world.users["staff_a"],
            provider=world.providers["a"],
            contract=contract,
            uploaded_file=SimpleUploadedFile("aanwezigheid-regio-a.csv", body),
        )
        world.objects["upload"] = attendance_services.upload_process(upload_id=received.pk)
    # Tenant b has a contract with the shared provider: its staff must still not see provider a's.
    make_contract(world, tenant="b", provider="shared", municipalities=("b1",), reference="B-2026-01")
    return world


def _progress(world: World, key: str):
    """A checkpoint or level-change request of the populated world (created on first use)."""
    from tests.progress.conftest import progress_objects

    return progress_objects(world)[key]


def _extension(world: World):
    """Extra hours granted on the populated trajectory (created on first use): the contract first
    continues while there is progress, with a maximum to extend."""
    if "extension" not in world.objects:
        from contracts import services as contract_services
        from learning_routes.models import Trajectory
        from progress import services as progress_services

        with scope([Grant(tenant_id=world.tenants["a"].pk)]):
            contract_services.contract_update(
                actor=None,
                contract=world.objects["contract"],
                reason="Doorgaan bij voortgang",
                continue_while_progress=True,
                max_hours_b1=1000,
            )
            trajectory = Trajectory.objects.select_related("contract").get(pk=world.objects["trajectory"].pk)
            world.objects["extension"] = progress_services.hours_extension_grant(
                actor=world.users["case_a1"], trajectory=trajectory, extra_hours=40, reason="Verlenging-A"
            )
    return world.objects["extension"]


def _enforcement_case(world: World):
    """An open enforcement case of the populated learner (created on first use)."""
    from tests.enforcement.test_case_pages import isolation_case

    return isolation_case(world)


def _warning_letter(world: World):
    """The made warning letter of the populated learner, provider a (created on first use)."""
    from tests.enforcement.test_letter_pages import isolation_letter

    return isolation_letter(world)


def _enforcement_api(world: World, key: str):
    """For the enforcement API: the region's saved verzuimprotocol (marker: its contact) and a make-up
    obligation of the populated learner (created on first use)."""
    if key not in world.objects:
        from enforcement.models import MakeupObligation
        from enforcement.policy import absence_policy_save

        with scope([Grant(tenant_id=world.tenants["a"].pk)]):
            world.objects["absence_policy"] = absence_policy_save(
                actor=world.users["admin_a"], tenant=world.tenants["a"], contact_name="Verzuimloket-A"
            )
        world.objects["makeup_obligation"] = MakeupObligation.unscoped.create(
            tenant=world.tenants["a"], learner=world.objects["learner"], missed_minutes=180
        )
    return world.objects[key]


def _quarterly_report(world: World):
    """A made quarterly report of the populated contract (2026-K1), shared with its provider
    (created on first use, without rendering: isolation needs the row and a file)."""
    if "quarterly_report" not in world.objects:
        from django.core.files.base import ContentFile

        from reports.models import QuarterlyReport, ReportStatus

        contract = world.objects["contract"]
        report = QuarterlyReport.unscoped.create(
            tenant=world.tenants["a"],
            contract=contract,
            year=2026,
            quarter=1,
            status=ReportStatus.READY,
            shared_provider=contract.provider,
            figures={"kpis": [], "inburgeraars": 1},
        )
        report.file.save("rapportage.pdf", ContentFile(b"%PDF-1.7 isolation"), save=True)
        world.objects["quarterly_report"] = report
    return world.objects["quarterly_report"]


MATRIX: dict[str, Exempt | Detail | Listing] = {
    # --- public or self-only routes ---------------------------------------------------------------
    "login": Exempt("public login page; login behaviour is tested in tests/tenancy/test_auth.py"),
    "logout": Exempt("ends the caller's own session only"),
    "password_set": Exempt("token-protected, user-specific link; tested in test_admin_screens.py"),
    "health": Exempt("public health check with no data"),
    "api_schema": Exempt("public OpenAPI document, no data"),
    "api_docs": Exempt("public API documentation page, no data"),
    "api_token": Exempt("exchanges the caller's own credentials; tested in test_auth.py"),
    "tenant_switch": Exempt("switches only among the caller's own tenants; tested below"),
    # --- browser pages ---------------------------------------------------------------------------
    "home": Listing(
        url="/",
        marker=lambda w: w.tenants["a"].name,
        insiders=["admin_a", "contract_a", "case_a1", "staff_shared"],
        outsiders=["admin_b", "contract_b", "case_b1", "staff_b"],
    ),
    "municipality_list": Listing(
        url="/beheer/gemeenten",
        marker=lambda w: w.municipalities["a1"].name,
        insiders=["admin_a"],
        outsiders=["admin_b"],
    ),
    "municipality_create": Exempt("creates in the caller's active tenant only; tested in test_admin_screens.py"),
    "municipality_update": Detail(
        url=lambda w: f"/beheer/gemeenten/{w.municipalities['a1'].pk}/bewerken",
        insiders=["admin_a"],
        outsiders=["admin_b", "case_a2", "case_b1"],
        forbidden=["case_a1", "contract_a", "staff_shared"],
    ),
    "provider_list": Listing(
        url="/beheer/taalaanbieders",
        marker=lambda w: w.providers["a"].name,
        insiders=["admin_a"],
        outsiders=["admin_b"],
    ),
    "provider_link": Exempt("links into the caller's active tenant only; tested in test_admin_screens.py"),
    "provider_unlink": Detail(
        url=lambda w: f"/beheer/taalaanbieders/{w.links['a-a'].pk}/ontkoppelen",
        method="post",
        insiders=["admin_a"],
        insider_status=(302,),
        outsiders=["admin_b", "staff_b", "staff_shared"],
        forbidden=["contract_a", "staff_a"],
    ),
    "user_list": Listing(
        url="/beheer/gebruikers",
        marker=lambda w: w.users["contract_a"].username,
        insiders=["admin_a"],
        outsiders=["admin_b"],
    ),
    "user_invite": Exempt("invites into the caller's active tenant only; tested in test_admin_screens.py"),
    "membership_edit": Detail(
        url=lambda w: f"/beheer/gebruikers/{w.users['contract_a'].memberships.get().pk}/rol",
        insiders=["admin_a"],
        outsiders=["admin_b"],
        forbidden=["contract_a", "case_a1"],
    ),
    "membership_toggle": Detail(
        url=lambda w: f"/beheer/gebruikers/{w.users['contract_a'].memberships.get().pk}/actief",
        method="post",
        insiders=["admin_a"],
        insider_status=(302,),
        outsiders=["admin_b"],
        forbidden=["contract_a"],
    ),
    # --- API -------------------------------------------------------------------------------------
    "api_region_list": Listing(
        url=_api("regios"),
        marker=lambda w: w.tenants["a"].slug,
        insiders=["admin_a", "case_a1", "staff_shared", "staff_a"],
        outsiders=["admin_b", "case_b1", "staff_b"],
    ),
    "api_region_detail": Detail(
        url=lambda w: _api(f"regios/{w.tenants['a'].slug}"),
        insiders=["admin_a", "staff_shared"],
        outsiders=["admin_b", "case_b1", "staff_b"],
    ),
    "api_municipality_list": Listing(
        url=_api("gemeenten"),
        marker=lambda w: w.municipalities["a1"].cbs_code,
        insiders=["admin_a", "case_a1", "staff_shared"],
        outsiders=["admin_b", "case_a2", "staff_b"],
    ),
    "api_municipality_detail": Detail(
        url=lambda w: _api(f"gemeenten/{w.municipalities['a1'].pk}"),
        insiders=["admin_a", "case_a1", "staff_a"],
        outsiders=["admin_b", "case_a2", "case_b1", "staff_b"],
    ),
    "api_provider_list": Listing(
        url=_api("taalaanbieders"),
        marker=lambda w: w.providers["a"].kvk_number,
        insiders=["admin_a", "staff_a"],
        outsiders=["admin_b", "staff_b", "staff_shared"],
    ),
    "api_provider_detail": Detail(
        url=lambda w: _api(f"taalaanbieders/{w.providers['a'].pk}"),
        insiders=["admin_a", "case_a1", "staff_a"],
        outsiders=["admin_b", "case_b1", "staff_b", "staff_shared"],
    ),
    # --- contracts ---------------------------------------------------------------------------------
    "contract_list": Listing(
        url="/contracten",
        marker=lambda w: w.objects["contract"].reference,
        insiders=["contract_a", "policy_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "staff_b", "staff_shared"],
    ),
    "contract_create": Exempt("creates in the caller's active tenant only; tested in tests/contracts"),
    "contract_detail": Detail(
        url=lambda w: f"/contracten/{w.objects['contract'].pk}",
        insiders=["contract_a", "policy_a", "staff_a"],
        outsiders=["contract_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["absence_a", "case_a1"],
    ),
    "contract_update": Detail(
        url=lambda w: f"/contracten/{w.objects['contract'].pk}/wijzigen",
        insiders=["contract_a"],
        outsiders=["contract_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["policy_a", "staff_a", "absence_a", "case_a1"],
    ),
    "evaluation_create": Detail(
        url=lambda w: f"/contracten/{w.objects['contract'].pk}/evaluaties/nieuw",
        insiders=["contract_a"],
        outsiders=["contract_b", "staff_b", "case_a2"],
        forbidden=["policy_a", "staff_a", "case_a1"],
    ),
    "finding_create": Detail(
        url=lambda w: f"/contracten/{w.objects['contract'].pk}/tekortkomingen/nieuw",
        insiders=["contract_a"],
        outsiders=["contract_b", "staff_b", "case_a2"],
        forbidden=["policy_a", "staff_a", "case_a1"],
    ),
    "action_item_create": Detail(
        url=lambda w: f"/evaluaties/{w.objects['evaluation'].pk}/actiepunten/nieuw",
        insiders=["contract_a"],
        outsiders=["contract_b", "staff_b", "staff_shared"],
        forbidden=["policy_a", "staff_a"],
    ),
    "action_item_toggle": Detail(
        url=lambda w: f"/actiepunten/{w.objects['action_item'].pk}/status",
        method="post",
        insiders=["contract_a"],
        insider_status=(302,),
        outsiders=["contract_b", "staff_b", "staff_shared"],
        forbidden=["policy_a", "staff_a"],
    ),
    "finding_update": Detail(
        url=lambda w: f"/tekortkomingen/{w.objects['finding'].pk}/wijzigen",
        insiders=["contract_a"],
        outsiders=["contract_b", "staff_b", "staff_shared"],
        forbidden=["policy_a", "staff_a"],
    ),
    "api_contract_list": Listing(
        url=_api("contracten"),
        marker=lambda w: w.objects["contract"].reference,
        insiders=["contract_a", "policy_a", "staff_a"],
        outsiders=["contract_b", "staff_b", "staff_shared"],
    ),
    "api_contract_detail": Detail(
        url=lambda w: _api(f"contracten/{w.objects['contract'].pk}"),
        insiders=["contract_a", "policy_a", "staff_a"],
        outsiders=["contract_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["absence_a", "case_a1"],
    ),
    "api_evaluation_list": Listing(
        url=_api("contractevaluaties"),
        marker=lambda w: w.objects["evaluation"].summary,
        insiders=["contract_a", "policy_a", "staff_a"],
        outsiders=["contract_b", "staff_b", "staff_shared"],
    ),
    "api_evaluation_detail": Detail(
        url=lambda w: _api(f"contractevaluaties/{w.objects['evaluation'].pk}"),
        insiders=["contract_a", "staff_a"],
        outsiders=["contract_b", "staff_b", "staff_shared", "case_a1"],
        forbidden=["absence_a"],
    ),
    # --- learners and trajectories -------------------------------------------------------------
    "learner_list": Listing(
        url="/inburgeraars",
        marker=lambda w: w.objects["learner"].learner_number,
        insiders=["case_a1", "admin_a", "absence_a"],
        outsiders=["case_a2", "admin_b", "case_b1"],
    ),
    "learner_create": Exempt("creates in the caller's scope only; tested in tests/learning_routes"),
    "learner_find_by_bsn": Exempt("POST lookup within the caller's scope; tested in test_dossier_pages.py"),
    "learner_detail": Detail(
        url=lambda w: f"/inburgeraars/{w.objects['learner'].pk}",
        insiders=["case_a1", "admin_a", "absence_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
        forbidden=["staff_a", "contract_a", "policy_a"],
    ),
    "learner_update": Detail(
        url=lambda w: f"/inburgeraars/{w.objects['learner'].pk}/wijzigen",
        insiders=["case_a1", "admin_a"],
        outsiders=["case_a2", "admin_b", "staff_b"],
        forbidden=["absence_a", "staff_a"],
    ),
    "learner_reveal_bsn": Detail(
        url=lambda w: f"/inburgeraars/{w.objects['learner'].pk}/bsn",
        method="post",
        insiders=["case_a1"],
        outsiders=["case_a2", "admin_b", "staff_b", "case_b1"],
        forbidden=["admin_a", "absence_a", "staff_a"],
    ),
    "term_extension_create": Detail(
        url=lambda w: f"/inburgeraars/{w.objects['learner'].pk}/verlenging",
        insiders=["case_a1", "admin_a"],
        outsiders=["case_a2", "admin_b", "staff_b"],
        forbidden=["absence_a", "staff_a"],
    ),
    "trajectory_create": Detail(
        url=lambda w: f"/inburgeraars/{w.objects['learner'].pk}/trajecten/nieuw",
        insiders=["case_a1", "admin_a"],
        outsiders=["case_a2", "admin_b", "staff_b"],
        forbidden=["absence_a", "staff_a"],
    ),
    "trajectory_list": Listing(
        url="/trajecten",
        marker=lambda w: w.objects["learner"].learner_number,
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "staff_b", "staff_shared"],
    ),
    "trajectory_update": Detail(
        url=lambda w: f"/trajecten/{w.objects['trajectory'].pk}/wijzigen",
        insiders=["case_a1", "admin_a"],
        outsiders=["case_a2", "admin_b", "staff_b", "staff_shared"],
        forbidden=["absence_a", "staff_a", "contract_a"],
    ),
    "trajectory_end": Detail(
        url=lambda w: f"/trajecten/{w.objects['trajectory'].pk}/afsluiten",
        insiders=["case_a1"],
        outsiders=["case_a2", "admin_b", "staff_b"],
        forbidden=["absence_a", "staff_a"],
    ),
    "trajectory_switch_route": Detail(
        url=lambda w: f"/trajecten/{w.objects['trajectory'].pk}/routewissel",
        insiders=["case_a1"],
        outsiders=["case_a2", "admin_b", "staff_b"],
        forbidden=["absence_a", "staff_a"],
    ),
    "exam_result_create": Detail(
        url=lambda w: f"/trajecten/{w.objects['trajectory'].pk}/examenresultaten/nieuw",
        insiders=["case_a1", "admin_a"],
        outsiders=["case_a2", "admin_b", "staff_b"],
        forbidden=["absence_a", "staff_a"],
    ),
    "term_monitoring": Listing(
        url="/termijnbewaking",
        marker=lambda w: w.objects["learner"].learner_number,
        insiders=["case_a1", "admin_a", "absence_a"],
        outsiders=["case_a2", "admin_b", "case_b1"],
    ),
    "access_log": Listing(
        url="/toegangslog",
        marker=lambda w: w.objects["learner"].learner_number,
        insiders=["admin_a"],
        outsiders=["admin_b"],
    ),
    "api_learner_list": Listing(
        url=_api("inburgeraars"),
        marker=lambda w: w.objects["learner"].learner_number,
        insiders=["case_a1", "admin_a", "absence_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
    ),
    "api_learner_detail": Detail(
        url=lambda w: _api(f"inburgeraars/{w.objects['learner'].pk}"),
        insiders=["case_a1", "admin_a", "absence_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
    ),
    "api_trajectory_list": Listing(
        url=_api("trajecten"),
        marker=lambda w: w.objects["learner"].learner_number,
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "staff_b", "staff_shared"],
    ),
    "api_trajectory_detail": Detail(
        url=lambda w: _api(f"trajecten/{w.objects['trajectory'].pk}"),
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
    ),
    "api_exam_result_list": Listing(
        url=_api("examenresultaten"),
        marker=lambda w: w.objects["learner"].learner_number,
        insiders=["case_a1", "admin_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "staff_b", "staff_shared"],
    ),
    "api_exam_result_detail": Detail(
        url=lambda w: _api(f"examenresultaten/{w.objects['exam'].pk}"),
        insiders=["case_a1", "admin_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
    ),
    # --- attendance ----------------------------------------------------------------------------
    "attendance_upload_list": Listing(
        url="/aanwezigheid",
        marker=lambda w: w.objects["upload"].original_name,
        insiders=["staff_a"],
        outsiders=["staff_b", "staff_shared", "admin_b"],
    ),
    "attendance_template": Exempt("a static CSV template without data"),
    "attendance_upload_detail": Detail(
        url=lambda w: f"/aanwezigheid/uploads/{w.objects['upload'].pk}",
        insiders=["staff_a", "contract_a", "absence_a"],
        outsiders=["staff_b", "staff_shared", "admin_b", "contract_b"],
    ),
    "attendance_upload_errors_csv": Detail(
        url=lambda w: f"/aanwezigheid/uploads/{w.objects['upload'].pk}/fouten.csv",
        insiders=["staff_a"],
        outsiders=["staff_b", "staff_shared", "admin_b"],
    ),
    "trajectory_attendance": Detail(
        url=lambda w: f"/trajecten/{w.objects['trajectory'].pk}/aanwezigheid",
        insiders=["staff_a", "case_a1", "absence_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "admin_b"],
    ),
    "absence_queue": Listing(
        url="/verzuim",
        marker=lambda w: w.objects["learner"].learner_number,
        insiders=["absence_a"],
        outsiders=["absence_b", "admin_b"],
    ),
    "absence_classify": Exempt(
        "POST only, no object in the URL: the absences come in the body and the service classifies only "
        "those in the caller's scope; another region's coordinator is refused in "
        "tests/enforcement/test_classification_pages.py"
    ),
    "call_in_create": Detail(
        url=lambda w: f"/trajecten/{w.objects['trajectory'].pk}/afmelding",
        insiders=["absence_a"],
        outsiders=["absence_b", "admin_b", "staff_b", "staff_shared", "case_a2", "case_b1"],
        forbidden=["staff_a", "case_a1", "contract_a", "admin_a", "policy_a"],
    ),
    "api_attendance_upload_list": Listing(
        url=_api("aanwezigheidsuploads"),
        marker=lambda w: w.objects["upload"].original_name,
        insiders=["staff_a"],
        outsiders=["staff_b", "staff_shared", "admin_b"],
    ),
    "api_attendance_upload_detail": Detail(
        url=lambda w: _api(f"aanwezigheidsuploads/{w.objects['upload'].pk}"),
        insiders=["staff_a"],
        outsiders=["staff_b", "staff_shared", "admin_b"],
    ),
    "api_attendance_records": Exempt(
        "POST only, for the caller's own provider's contracts; refusals tested in tests/attendance/test_api.py"
    ),
    # --- progress API: checkpoints, level-change requests, extensions ------------------------------
    # POSTs without a JSON body: outsiders 404 and other roles 403 before the body is read; an
    # insider passes both and gets 415 (nothing changes). The writes are tested in tests/progress/test_api.py.
    "api_checkpoint_list": Listing(
        url=_api("evaluatiemomenten"),
        marker=lambda w: _progress(w, "checkpoint").learner.learner_number,
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared", "policy_a"],
    ),
    "api_checkpoint_detail": Detail(
        url=lambda w: _api(f"evaluatiemomenten/{_progress(w, 'checkpoint').pk}"),
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
        forbidden=["policy_a", "absence_a"],
    ),
    "api_checkpoint_submit": Detail(
        url=lambda w: _api(f"evaluatiemomenten/{_progress(w, 'checkpoint').pk}/indienen"),
        method="post",
        insiders=["staff_a"],
        insider_status=(415,),
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
        forbidden=["case_a1", "admin_a", "contract_a", "policy_a"],
    ),
    "api_checkpoint_review": Detail(
        url=lambda w: _api(f"evaluatiemomenten/{_progress(w, 'checkpoint').pk}/beoordeling"),
        method="post",
        insiders=["case_a1"],
        insider_status=(415,),
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
        forbidden=["staff_a", "admin_a", "contract_a", "policy_a"],
    ),
    "api_level_change_list": Listing(
        url=_api("niveauwijzigingsverzoeken"),
        marker=lambda w: _progress(w, "level_change").trajectory.learner.learner_number,
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared", "policy_a"],
    ),
    "api_level_change_detail": Detail(
        url=lambda w: _api(f"niveauwijzigingsverzoeken/{_progress(w, 'level_change').pk}"),
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
        forbidden=["policy_a", "absence_a"],
    ),
    "api_level_change_decide": Detail(
        url=lambda w: _api(f"niveauwijzigingsverzoeken/{_progress(w, 'level_change').pk}/beslissing"),
        method="post",
        insiders=["case_a1"],
        insider_status=(415,),
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
        forbidden=["staff_a", "admin_a", "contract_a", "policy_a"],
    ),
    "api_extension_list": Listing(
        url=_api("verlengingen"),
        marker=lambda w: _extension(w).reason,
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared", "policy_a"],
    ),
    "api_extension_detail": Detail(
        url=lambda w: _api(f"verlengingen/{_extension(w).pk}"),
        insiders=["case_a1", "admin_a", "contract_a", "staff_a"],
        outsiders=["case_a2", "admin_b", "case_b1", "staff_b", "staff_shared"],
        forbidden=["policy_a", "absence_a"],
    ),
    # --- progress pages: checkpoints, level-change requests, extensions -----------------------------
    "checkpoint_list": Listing(
        url="/evaluatiemomenten?weergave=openstaand",
        marker=lambda w: _progress(w, "checkpoint").learner.learner_number,
        insiders=["staff_a", "case_a1", "contract_a", "admin_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "admin_b", "case_b1", "absence_a"],
    ),
    "checkpoint_detail": Detail(
        url=lambda w: f"/evaluatiemomenten/{_progress(w, 'checkpoint').pk}",
        insiders=["staff_a", "case_a1", "contract_a", "admin_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "admin_b", "case_b1"],
        forbidden=["absence_a", "policy_a"],
    ),
    "level_change_list": Listing(
        url="/niveauwijzigingen",
        marker=lambda w: _progress(w, "level_change").trajectory.learner.learner_number,
        insiders=["case_a1", "staff_a", "contract_a", "admin_a"],
        outsiders=["case_a2", "staff_b", "staff_shared", "admin_b", "case_b1", "absence_a"],
    ),
    "level_change_create": Detail(
        url=lambda w: f"/niveauwijzigingen/nieuw?traject={w.objects['trajectory'].pk}",
        insiders=["staff_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "admin_b", "case_b1"],
        forbidden=["case_a1", "admin_a", "contract_a", "absence_a"],
    ),
    "level_change_detail": Detail(
        url=lambda w: f"/niveauwijzigingen/{_progress(w, 'level_change').pk}",
        insiders=["case_a1", "staff_a", "contract_a", "admin_a"],
        outsiders=["case_a2", "staff_b", "staff_shared", "admin_b", "case_b1"],
        forbidden=["absence_a", "policy_a"],
    ),
    "level_change_evidence": Detail(
        url=lambda w: f"/niveauwijzigingen/{_progress(w, 'level_change').pk}/bijlage",
        insiders=["case_a1", "staff_a", "contract_a", "admin_a"],
        outsiders=["case_a2", "staff_b", "staff_shared", "admin_b", "case_b1"],
        forbidden=["absence_a", "policy_a"],
    ),
    "hours_extension_create": Detail(
        url=lambda w: f"/trajecten/{w.objects['trajectory'].pk}/verlenging",
        insiders=["case_a1"],
        outsiders=["case_a2", "admin_b", "staff_b", "staff_shared", "case_b1"],
        forbidden=["admin_a", "staff_a", "contract_a", "absence_a"],
    ),
    # --- enforcement cases and warning letters ----------------------------------------------------
    # Cases: the role first (providers, policy viewers, contract managers and tenant admins: 403),
    # then the scoped lookup (another municipality or region: 404). Writes with an empty body: the
    # insider passes both and sees the form again with the services' errors (nothing changes).
    "enforcement_case_list": Listing(
        url="/handhaving",
        marker=lambda w: _enforcement_case(w).learner.learner_number,
        insiders=["case_a1", "absence_a"],
        outsiders=["case_a2", "case_b1", "absence_b", "staff_a", "policy_a"],
    ),
    "enforcement_case_detail": Detail(
        url=lambda w: f"/handhaving/{_enforcement_case(w).pk}",
        insiders=["case_a1", "absence_a"],
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["staff_a", "staff_shared", "staff_b", "policy_a", "contract_a", "admin_a", "admin_b"],
    ),
    "enforcement_step_record": Detail(
        url=lambda w: f"/handhaving/{_enforcement_case(w).pk}/stap",
        method="post",
        insiders=["case_a1"],
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["absence_a", "staff_a", "staff_b", "policy_a", "admin_a"],
    ),
    "enforcement_exceptional_ground_record": Detail(
        url=lambda w: f"/handhaving/{_enforcement_case(w).pk}/uitzonderingsgrond",
        method="post",
        insiders=["case_a1"],
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["absence_a", "staff_a", "policy_a"],
    ),
    "enforcement_case_close": Detail(
        url=lambda w: f"/handhaving/{_enforcement_case(w).pk}/afsluiten",
        method="post",
        insiders=["case_a1"],
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["absence_a", "staff_a", "policy_a"],
    ),
    # A step's letter (intention to fine): like the case page, the role first, then the scoped case.
    "enforcement_step_letter": Detail(
        url=lambda w: (
            f"/handhaving/{_enforcement_case(w).pk}/stappen/"
            f"{__import__('tests.enforcement.test_step_letters', fromlist=['_']).isolation_step_letter(w).pk}/brief"
        ),
        insiders=["case_a1", "absence_a"],
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["staff_a", "staff_shared", "staff_b", "policy_a", "contract_a", "admin_a", "admin_b"],
    ),
    "enforcement_case_open": Detail(
        url=lambda w: f"/inburgeraars/{w.objects['learner'].pk}/handhaving",
        method="post",
        insiders=["case_a1"],
        insider_status=(302,),
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["absence_a", "staff_a", "policy_a", "admin_a"],
    ),
    # Letters: the scoped lookup first (another provider, municipality or region: 404), then the role.
    "provider_letter_list": Listing(
        url="/waarschuwingsbrieven",
        marker=lambda w: _warning_letter(w).alert.learner.learner_number,
        insiders=["staff_a", "case_a1", "absence_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "case_b1", "absence_b", "policy_a"],
    ),
    "warning_letter_pdf": Detail(
        url=lambda w: f"/waarschuwingsbrieven/{_warning_letter(w).pk}/pdf",
        insiders=["staff_a", "case_a1", "absence_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "case_b1", "absence_b", "admin_b"],
        forbidden=["policy_a", "contract_a", "admin_a"],
    ),
    "warning_letter_hand_out": Detail(
        url=lambda w: f"/waarschuwingsbrieven/{_warning_letter(w).pk}/uitgereikt",
        method="post",
        insiders=["staff_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "case_b1", "admin_b"],
        forbidden=["case_a1", "absence_a", "policy_a"],
    ),
    # --- absence alerts: the coordinator's triage (tests/enforcement/test_triage.py) --------------------
    # The role first on the queue (providers, policy viewers, contract managers: 403); on an alert the
    # scoped lookup first (providers never see alerts, other municipality or region: 404), then the role.
    "alert_list": Listing(
        url="/verzuimsignalen?status=alle",
        marker=lambda w: (
            __import__("tests.enforcement.test_triage", fromlist=["_"]).isolation_alert(w).learner.learner_number
        ),
        insiders=["absence_a", "case_a1", "admin_a"],
        outsiders=["absence_b", "case_a2", "case_b1", "admin_b", "staff_a", "staff_shared", "policy_a"],
    ),
    "alert_detail": Detail(
        url=lambda w: (
            f"/verzuimsignalen/{__import__('tests.enforcement.test_triage', fromlist=['_']).isolation_alert(w).pk}"
        ),
        insiders=["absence_a", "case_a1", "admin_a"],
        outsiders=["absence_b", "case_a2", "case_b1", "admin_b", "staff_a", "staff_shared", "staff_b"],
        forbidden=["policy_a", "contract_a"],
    ),
    "alert_assign": Exempt(
        "POST of alert ids in the body, looked up through the caller's scope (another region's ids are "
        "refused, nothing changes); coordinators only; tested in tests/enforcement/test_triage.py"
    ),
    # --- the verzuimprotocol and the DUO export of authorized absence ---------------------------------
    # The region page shows the active region's policy only (headed with the region's name).
    "absence_policy": Listing(
        url="/verzuimprotocol",
        marker=lambda w: w.tenants["a"].name,
        insiders=["admin_a", "absence_a", "case_a1", "contract_a"],
        outsiders=["admin_b", "absence_b", "case_b1", "contract_b", "staff_b"],
    ),
    "absence_policy_contract": Detail(
        url=lambda w: f"/contracten/{w.objects['contract'].pk}/verzuimprotocol",
        insiders=["admin_a", "contract_a", "absence_a", "case_a1"],
        outsiders=["admin_b", "contract_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["staff_a", "policy_a"],
    ),
    "absence_policy_print": Detail(
        url=lambda w: f"/verzuimprotocol/afdrukken?contract={w.objects['contract'].pk}",
        insiders=["admin_a", "absence_a", "case_a1", "contract_a", "staff_a"],
        outsiders=["admin_b", "contract_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["policy_a"],
    ),
    "authorized_absence_export": Detail(
        url=lambda w: f"/inburgeraars/{w.objects['learner'].pk}/geoorloofd-verzuim?formaat=csv",
        insiders=["case_a1", "absence_a"],
        outsiders=["case_a2", "case_b1", "absence_b", "admin_b", "staff_b", "staff_shared"],
        forbidden=["staff_a", "admin_a", "contract_a", "policy_a"],
    ),
    # --- enforcement API: policies, alerts, letters, cases, make-up, classification -------------------
    # Alerts and cases: the role first (providers and other roles: 403 whatever the id), then the
    # scoped lookup (404). Letters: the scope first (another provider or municipality: 404). POSTs
    # without a JSON body: an insider passes both checks and gets 415 (nothing changes).
    "api_absence_policy_list": Listing(
        url=_api("verzuimprotocollen"),
        marker=lambda w: _enforcement_api(w, "absence_policy").contact_name,
        insiders=["admin_a", "absence_a", "case_a1", "contract_a"],
        outsiders=["admin_b", "absence_b", "case_b1", "staff_a", "staff_b", "policy_a"],
    ),
    "api_absence_policy_detail": Detail(
        url=lambda w: _api(f"verzuimprotocollen/{_enforcement_api(w, 'absence_policy').pk}"),
        insiders=["admin_a", "absence_a", "case_a1", "contract_a"],
        outsiders=["admin_b", "absence_b", "case_b1", "contract_b"],
        forbidden=["staff_a", "staff_shared", "staff_b", "policy_a"],
    ),
    "api_absence_alert_list": Listing(
        url=_api("verzuimsignalen"),
        marker=lambda w: _warning_letter(w).alert.learner.learner_number,
        insiders=["absence_a", "case_a1", "admin_a"],
        outsiders=["absence_b", "case_a2", "case_b1", "admin_b", "staff_a", "staff_shared", "policy_a"],
    ),
    "api_absence_alert_detail": Detail(
        url=lambda w: _api(f"verzuimsignalen/{_warning_letter(w).alert_id}"),
        insiders=["absence_a", "case_a1", "admin_a"],
        outsiders=["absence_b", "case_a2", "case_b1", "admin_b"],
        forbidden=["staff_a", "staff_shared", "staff_b", "policy_a", "contract_a"],
    ),
    "api_absence_alert_status": Detail(
        url=lambda w: _api(f"verzuimsignalen/{_warning_letter(w).alert_id}/status"),
        method="post",
        insiders=["absence_a", "case_a1"],
        insider_status=(415,),
        outsiders=["absence_b", "case_a2", "case_b1", "admin_b"],
        forbidden=["admin_a", "staff_a", "staff_b", "policy_a", "contract_a"],
    ),
    "api_warning_letter_list": Listing(
        url=_api("waarschuwingsbrieven"),
        marker=lambda w: _warning_letter(w).alert.learner.learner_number,
        insiders=["staff_a", "case_a1", "absence_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "case_b1", "absence_b", "policy_a", "admin_a"],
    ),
    "api_warning_letter_detail": Detail(
        url=lambda w: _api(f"waarschuwingsbrieven/{_warning_letter(w).pk}"),
        insiders=["staff_a", "case_a1", "absence_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "case_b1", "absence_b"],
        forbidden=["policy_a", "contract_a", "admin_a"],
    ),
    "api_warning_letter_pdf": Detail(
        url=lambda w: _api(f"waarschuwingsbrieven/{_warning_letter(w).pk}/pdf"),
        insiders=["staff_a", "case_a1", "absence_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "case_b1", "absence_b"],
        forbidden=["policy_a", "contract_a", "admin_a"],
    ),
    "api_warning_letter_hand_out": Detail(
        url=lambda w: _api(f"waarschuwingsbrieven/{_warning_letter(w).pk}/uitgereikt"),
        method="post",
        insiders=["staff_a"],
        insider_status=(415,),
        outsiders=["staff_b", "staff_shared", "case_a2", "case_b1", "absence_b"],
        forbidden=["case_a1", "absence_a", "policy_a"],
    ),
    "api_enforcement_case_list": Listing(
        url=_api("handhavingszaken"),
        marker=lambda w: _enforcement_case(w).learner.learner_number,
        insiders=["case_a1", "absence_a"],
        outsiders=["case_a2", "case_b1", "absence_b", "staff_a", "policy_a", "admin_a"],
    ),
    "api_enforcement_case_detail": Detail(
        url=lambda w: _api(f"handhavingszaken/{_enforcement_case(w).pk}"),
        insiders=["case_a1", "absence_a"],
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["staff_a", "staff_shared", "staff_b", "policy_a", "contract_a", "admin_a"],
    ),
    "api_enforcement_case_step": Detail(
        url=lambda w: _api(f"handhavingszaken/{_enforcement_case(w).pk}/stappen"),
        method="post",
        insiders=["case_a1"],
        insider_status=(415,),
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["absence_a", "staff_a", "policy_a", "admin_a"],
    ),
    "api_enforcement_case_ground": Detail(
        url=lambda w: _api(f"handhavingszaken/{_enforcement_case(w).pk}/uitzonderingsgrond"),
        method="post",
        insiders=["case_a1"],
        insider_status=(415,),
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["absence_a", "staff_a", "policy_a", "admin_a"],
    ),
    "api_enforcement_case_close": Detail(
        url=lambda w: _api(f"handhavingszaken/{_enforcement_case(w).pk}/afsluiten"),
        method="post",
        insiders=["case_a1"],
        insider_status=(415,),
        outsiders=["case_a2", "case_b1", "absence_b"],
        forbidden=["absence_a", "staff_a", "policy_a", "admin_a"],
    ),
    "api_makeup_obligation_list": Listing(
        url=_api("inhaalverplichtingen"),
        marker=lambda w: _enforcement_api(w, "makeup_obligation").learner.learner_number,
        insiders=["staff_a", "case_a1", "absence_a"],
        outsiders=["staff_b", "staff_shared", "case_a2", "case_b1", "absence_b", "policy_a"],
    ),
    "api_absence_classify": Exempt(
        "POST only, no object in the URL: the absences come in the body and only the caller's regions' are "
        "classified; another region's coordinator is refused in tests/enforcement/test_api.py"
    ),
    # --- notifications (per user, not tenant-owned: always filtered by request.user) ---------------
    "notification_list": Exempt("lists only the caller's own notifications; tested in tests/notifications"),
    "notification_mark_all_read": Exempt("POST, marks only the caller's own notifications; see tests/notifications"),
    "notification_open": Exempt(
        "POST on the caller's own notification only; another user's answers 404, tested in tests/notifications"
    ),
    # --- reports: API and downloads (kwartaalrapportages API, settlement and CBS exports) ---
    # Reports: the role first (other roles 403 whatever the id), then the scoped lookup (404); provider
    # staff reach only reports shared with their organisation. Settlement: the contract first (404),
    # then the role (403). The CBS page is the active region's; the download is a POST without object.
    "api_quarterly_report_list": Listing(
        url=_api("kwartaalrapportages"),
        marker=lambda w: _quarterly_report(w).contract.reference,
        insiders=["contract_a", "policy_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "policy_b", "admin_b", "staff_b", "staff_shared", "case_a1", "absence_a"],
    ),
    "api_quarterly_report_detail": Detail(
        url=lambda w: _api(f"kwartaalrapportages/{_quarterly_report(w).pk}"),
        insiders=["contract_a", "policy_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "policy_b", "admin_b", "staff_b", "staff_shared"],
        forbidden=["case_a1", "absence_a"],
    ),
    "api_quarterly_report_pdf": Detail(
        url=lambda w: _api(f"kwartaalrapportages/{_quarterly_report(w).pk}/pdf"),
        insiders=["contract_a", "policy_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "policy_b", "admin_b", "staff_b", "staff_shared"],
        forbidden=["case_a1", "absence_a"],
    ),
    "settlement_xlsx": Detail(
        url=lambda w: f"/rapportages/contracten/{w.objects['contract'].pk}/afrekening.xlsx?periode=2026-K1",
        insiders=["contract_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "admin_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["policy_a", "absence_a", "case_a1"],
    ),
    "settlement_csv": Detail(
        url=lambda w: f"/rapportages/contracten/{w.objects['contract'].pk}/afrekening.csv?periode=2026-03",
        insiders=["contract_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "admin_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["policy_a", "absence_a", "case_a1"],
    ),
    "cbs_export": Listing(
        url="/rapportages/cbs",
        marker=lambda w: w.municipalities["a1"].cbs_code,
        insiders=["admin_a", "contract_a"],
        outsiders=["admin_b", "contract_b", "policy_a", "absence_a", "case_a1", "staff_a", "staff_shared"],
    ),
    "cbs_export_download": Exempt(
        "POST of a quarter and a municipality code, no object in the URL: only the caller's active region is "
        "exported (another region's municipality code is refused); tested in tests/reports/test_exports.py"
    ),
    # --- end of reports: API and downloads ---
    # --- reports: pages (dashboards, reports, simulator) ---
    # Dashboards: the contract first (another region, provider or municipality: 404), then the role
    # (403). Reports: the scope opens provider staff only the reports shared with them. Scenarios are the
    # region's (providers and case managers see none: 404).
    "reports_home": Listing(
        url="/rapportages",
        marker=lambda w: w.objects["contract"].reference,
        insiders=["contract_a", "admin_a", "policy_a", "staff_a"],
        outsiders=["contract_b", "admin_b", "policy_b", "staff_b", "staff_shared", "case_a1", "absence_a"],
    ),
    "dashboard_region": Listing(
        url="/rapportages/regio",
        marker=lambda w: w.objects["contract"].reference,
        insiders=["contract_a", "admin_a", "policy_a"],
        outsiders=["contract_b", "admin_b", "policy_b", "staff_a", "staff_shared", "case_a1"],
    ),
    "dashboard_provider": Listing(
        url="/rapportages/taalaanbieder",
        marker=lambda w: w.objects["contract"].reference,
        insiders=["staff_a"],
        outsiders=["staff_b", "staff_shared", "contract_b", "contract_a", "policy_a"],
    ),
    "dashboard_contract": Detail(
        url=lambda w: f"/rapportages/contracten/{w.objects['contract'].pk}",
        insiders=["contract_a", "policy_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "policy_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["case_a1", "absence_a"],
    ),
    "quarterly_report_status": Detail(
        url=lambda w: f"/rapportages/contracten/{w.objects['contract'].pk}/kwartaalrapportages/status",
        insiders=["contract_a", "policy_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "policy_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["case_a1", "absence_a"],
    ),
    "quarterly_report_create": Detail(
        url=lambda w: f"/rapportages/contracten/{w.objects['contract'].pk}/kwartaalrapportages/nieuw",
        method="post",
        insiders=["contract_a"],
        insider_status=(302,),
        outsiders=["contract_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["policy_a", "admin_a", "staff_a", "case_a1"],
    ),
    "quarterly_report_pdf": Detail(
        url=lambda w: f"/rapportages/kwartaalrapportages/{_quarterly_report(w).pk}/pdf",
        insiders=["contract_a", "policy_a", "admin_a", "staff_a"],
        outsiders=["contract_b", "policy_b", "staff_b", "staff_shared", "case_a1"],
        forbidden=["absence_a"],
    ),
    "quarterly_report_share": Detail(
        url=lambda w: f"/rapportages/kwartaalrapportages/{_quarterly_report(w).pk}/delen",
        method="post",
        insiders=["contract_a"],
        insider_status=(302,),
        outsiders=["contract_b", "staff_b", "staff_shared", "case_a1"],
        forbidden=["policy_a", "admin_a", "staff_a", "absence_a"],
    ),
    "simulator": Detail(
        url=lambda w: f"/rapportages/contracten/{w.objects['contract'].pk}/wat-als",
        insiders=["contract_a", "policy_a", "admin_a"],
        outsiders=["contract_b", "policy_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["staff_a", "case_a1", "absence_a"],
    ),
    "scenario_save": Detail(
        url=lambda w: f"/rapportages/contracten/{w.objects['contract'].pk}/wat-als/opslaan",
        method="post",
        insiders=["contract_a", "policy_a"],  # without a name or numbers: the form again, nothing saved
        outsiders=["contract_b", "policy_b", "staff_b", "staff_shared", "case_a2"],
        forbidden=["admin_a", "staff_a", "case_a1", "absence_a"],
    ),
    "scenario_delete": Detail(
        url=lambda w: (
            "/rapportages/scenarios/"
            f"{__import__('tests.reports.test_pages', fromlist=['_']).isolation_scenario(w).pk}/verwijderen"
        ),
        method="post",
        insiders=["contract_a"],
        insider_status=(302,),
        outsiders=["contract_b", "policy_b", "staff_a", "staff_b", "case_a1"],
        forbidden=["admin_a", "absence_a"],
    ),
    # --- end of reports: pages ---
}

# Django admin: platform operators only (superusers); tested in test_admin_screens.py.
EXEMPT_PREFIXES = {"admin/": "Django admin for platform operators (superusers) only"}


def iter_routes(patterns=None, prefix: str = ""):
    """Yield (route, name) for every URL pattern, descending into includes."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from iter_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.name


def application_routes() -> dict[str, str]:
    routes = {}
    for route, name in iter_routes():
        if any(route.startswith(prefix) for prefix in EXEMPT_PREFIXES):
            continue
        routes[name or f"<unnamed {route}>"] = route
    return routes


def test_every_route_has_an_isolation_case():
    missing = sorted(set(application_routes()) - set(MATRIX))
    assert not missing, f"routes without an isolation case in tests/isolation/test_isolation.py: {missing}"
    stale = sorted(set(MATRIX) - set(application_routes()))
    assert not stale, f"isolation cases for routes that no longer exist: {stale}"


def _request(world: World, user_key: str, url: str, method: str = "get"):
    client = world.client(user_key)
    headers = {"HTTP_ACCEPT": "application/json"} if url.startswith("/api/") else {}
    return getattr(client, method)(url, **headers)


DETAIL_CASES = [(name, case) for name, case in MATRIX.items() if isinstance(case, Detail)]
LIST_CASES = [(name, case) for name, case in MATRIX.items() if isinstance(case, Listing)]


@pytest.mark.parametrize(("name", "case"), DETAIL_CASES, ids=[name for name, _ in DETAIL_CASES])
def test_detail_route_answers_404_outside_the_scope(populated, name, case: Detail):
    world = populated
    url = case.url(world)
    for user_key in case.outsiders:
        response = _request(world, user_key, url, case.method)
        assert response.status_code == 404, f"{name}: {user_key} got {response.status_code} on {url}"
    for user_key in case.forbidden:
        response = _request(world, user_key, url, case.method)
        assert response.status_code == 403, f"{name}: {user_key} got {response.status_code} on {url}"
    # Insiders last: a POST insider may change the object (e.g. deactivate it).
    for user_key in case.insiders:
        response = _request(world, user_key, url, case.method)
        assert response.status_code in case.insider_status, (
            f"{name}: insider {user_key} got {response.status_code} on {url}"
        )


@pytest.mark.parametrize(("name", "case"), LIST_CASES, ids=[name for name, _ in LIST_CASES])
def test_list_route_never_shows_foreign_objects(populated, name, case: Listing):
    world = populated
    marker = case.marker(world)
    for user_key in case.insiders:
        response = _request(world, user_key, case.url)
        assert response.status_code == 200, f"{name}: insider {user_key} got {response.status_code}"
        assert marker in response.content.decode(), f"{name}: insider {user_key} does not see {marker!r}"
    for user_key in case.outsiders:
        response = _request(world, user_key, case.url)
        assert marker not in response.content.decode(), f"{name}: {user_key} sees foreign {marker!r}"


def test_missing_and_foreign_objects_answer_alike(world):
    """A foreign id and a non-existent id give the same status and body (no existence oracle)."""
    client = world.client("admin_b")
    foreign = client.get(_api(f"gemeenten/{world.municipalities['a1'].pk}"))
    missing = client.get(_api("gemeenten/987654"))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_tenant_switch_refuses_a_tenant_the_user_has_no_role_in(world):
    client = world.client("admin_a")
    response = client.post("/regio/wisselen", {"tenant": world.tenants["b"].pk})
    assert response.status_code == 404
    home = client.get("/")
    assert world.tenants["a"].name in home.content.decode()
