"""Helpers for the progress pages: learners with attended hours, checkpoints, level-change requests."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from attendance.models import TrajectoryAttendanceMonth
from inburgering.tenancy.scoping import Grant, scope
from progress import services
from progress.models import Checkpoint

PDF_BYTES = b"%PDF-1.4\n% test evidence\n"


def give_hours(trajectory, attended_hours: int, *, month: date = date(2026, 2, 1), offered_hours: int | None = None):
    """Attended (and offered) hours for a trajectory, as one monthly rollup row."""
    offered = attended_hours if offered_hours is None else offered_hours
    return TrajectoryAttendanceMonth.unscoped.create(
        tenant_id=trajectory.tenant_id,
        trajectory=trajectory,
        month=month,
        offered_minutes=offered * 60,
        attended_minutes=attended_hours * 60,
    )


def detect(world, tenant: str = "a", as_of: date = date(2026, 3, 10)):
    return services.progress_detect(tenant=world.tenants[tenant], as_of=as_of)


def checkpoint_of(trajectory, threshold: int = 600) -> Checkpoint:
    return Checkpoint.unscoped.get(trajectory=trajectory, threshold_hours=threshold)


def submit_checkpoint(checkpoint, actor, *, advice="doorgaan", remark=""):
    with scope([Grant(tenant_id=checkpoint.tenant_id)]):
        return services.checkpoint_submit(
            actor=actor,
            checkpoint=checkpoint,
            assessments=[
                {"skill": skill, "current_level": "A2", "on_track": skill != "schrijven"}
                for skill in ("lezen", "luisteren", "schrijven", "spreken")
            ],
            advice=advice,
            advice_remark=remark or ("" if advice == "doorgaan" else "Schrijven blijft achter."),
        )


def downscale_request(trajectory, actor, *, with_file: bool = False, skill: str = "schrijven"):
    with scope([Grant(tenant_id=trajectory.tenant_id)]):
        return services.level_change_request_create(
            actor=actor,
            trajectory=trajectory,
            kind="afschalen",
            skill_changes=[{"skill": skill, "from": "B1", "to": "A2"}],
            motivation="Schrijven blijft na 600 uur op A2.",
            evidence_file=SimpleUploadedFile("toets schrijven.pdf", PDF_BYTES) if with_file else None,
        )


def progress_objects(world) -> dict:
    """For the isolation matrix: on the populated world's trajectory (tenant a, municipality a1,
    provider a), 600 attended hours, the checkpoints they cross and a downscaling request with an
    attachment. Created once per world, when a case first needs them."""
    if "checkpoint" not in world.objects:
        trajectory = world.objects["trajectory"]
        give_hours(trajectory, 600)
        detect(world)
        world.objects["checkpoint"] = checkpoint_of(trajectory)
        world.objects["level_change"] = downscale_request(trajectory, world.users["staff_a"], with_file=True)
    return world.objects
