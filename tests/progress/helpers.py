"""Attendance for progress tests: real lesson records and the rollup the detection reads."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.db import connection

from attendance.ingest import refresh_rollups
from attendance.models import AttendanceRecord, AttendanceUpload
from inburgering.tenancy.scoping import scopes_disabled

LESSON_MINUTES = 180


def give_lessons(trajectory, *, first: date, count: int, attended: int = LESSON_MINUTES, user=None) -> date:
    """`count` morning lessons on consecutive days from `first`, each `attended` minutes of 180;
    returns the date of the last lesson."""
    with scopes_disabled():
        contract = trajectory.contract
        upload = AttendanceUpload.objects.create(
            tenant_id=trajectory.tenant_id,
            provider_id=contract.provider_id,
            contract=contract,
            sha256=hashlib.sha256(f"{trajectory.pk}-{first}-{count}".encode()).hexdigest(),
            uploaded_by=user or _any_user(),
        )
        AttendanceRecord.objects.bulk_create(
            AttendanceRecord(
                tenant_id=trajectory.tenant_id,
                trajectory=trajectory,
                lesson_date=first + timedelta(days=offset),
                daypart="ochtend",
                scheduled_minutes=LESSON_MINUTES,
                attended_minutes=attended,
                status="aanwezig" if attended else "afwezig",
                upload=upload,
            )
            for offset in range(count)
        )
    with connection.cursor() as cursor:
        refresh_rollups(cursor, trajectory_ids_sql="%s", params=[trajectory.pk])
    return first + timedelta(days=count - 1)


def give_hours(trajectory, hours: int, *, first: date = date(2026, 2, 2)) -> date:
    """At least `hours` attended hours in whole 3-hour lessons."""
    return give_lessons(trajectory, first=first, count=-(-hours * 60 // LESSON_MINUTES))


def _any_user():
    from inburgering.tenancy.models import User

    return User.objects.order_by("pk").first()
