"""Attendance uploads: receive a file (or JSON records), process it, report every row."""

from __future__ import annotations

import hashlib
import json
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import ingest, rules, signals
from attendance.models import AttendanceUpload, UploadSource, UploadStatus
from attendance.parsing import CANONICAL_COLUMNS, Limits, UploadRejected, open_upload
from contracts.models import Contract
from inburgering.tenancy.models import Provider, RegionProvider, User

logger = logging.getLogger(__name__)

# Progress: reading and staging the rows is the first 70%, validating and storing the rest.
STAGING_SHARE = 70


def limits() -> Limits:
    return Limits(
        max_bytes=rules.max_upload_bytes(), max_rows=rules.max_upload_rows(), max_xlsx_rows=rules.max_xlsx_rows()
    )


def _check_contract(*, user: User, provider: Provider, contract: Contract) -> None:
    if contract.provider_id != provider.pk:
        raise PermissionDenied(_("This contract is not one of your provider's contracts."))
    if not RegionProvider.unscoped.filter(tenant_id=contract.tenant_id, provider=provider, is_active=True).exists():
        raise PermissionDenied(_("Your provider no longer works in this region."))
    if not user.memberships.filter(provider=provider, role="provider_staff", is_active=True).exists():
        raise PermissionDenied(_("You do not work for this language provider."))


def upload_receive(*, user: User, provider: Provider, contract: Contract, uploaded_file) -> AttendanceUpload:
    """Store the file (streamed to disk) and register the upload; processing happens in a task."""
    _check_contract(user=user, provider=provider, contract=contract)
    if uploaded_file.size > rules.max_upload_bytes():
        raise ValidationError(
            {"bestand": [_("The file is larger than %(mb)s MB.") % {"mb": rules.max_upload_bytes() // (1024 * 1024)}]}
        )
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    previous = (
        AttendanceUpload.objects.filter(contract=contract, sha256=sha256, status=UploadStatus.PROCESSED)
        .order_by("-uploaded_at")
        .first()
    )
    upload = AttendanceUpload(
        tenant_id=contract.tenant_id,
        provider=provider,
        contract=contract,
        sha256=sha256,
        original_name=(uploaded_file.name or "")[:255],
        uploaded_by=user,
        source=UploadSource.FILE,
        duplicate_of=previous,
    )
    uploaded_file.seek(0)
    upload.file.save(sha256, uploaded_file, save=False)
    upload.save()
    transaction.on_commit(lambda: _enqueue(upload))
    return upload


def _enqueue(upload: AttendanceUpload) -> None:
    from attendance.tasks import process_upload_task

    process_upload_task.delay(upload_id=upload.pk, tenant_id=upload.tenant_id)


def _set_progress(upload_id: int, percent: int) -> None:
    AttendanceUpload.unscoped.filter(pk=upload_id).update(progress=min(99, percent))


def upload_process(*, upload_id: int) -> AttendanceUpload:
    """Parse, validate and store an uploaded file. Runs outside a request, in autocommit mode, so
    progress is visible while the rows are staged; the store itself is one transaction.

    An unexpected failure never leaves the upload "bezig" for ever: it is marked refused with a
    general message (the details go to the log, which holds no row contents)."""
    upload = AttendanceUpload.objects.select_related("contract").get(pk=upload_id)
    if upload.status in (UploadStatus.PROCESSED, UploadStatus.REJECTED):
        return upload  # a redelivered task: the upload was already handled
    try:
        upload = _process(upload)
    except Exception:
        logger.exception("attendance upload %s failed", upload.pk)
        AttendanceUpload.unscoped.filter(pk=upload.pk).update(
            status=UploadStatus.REJECTED,
            progress=100,
            finished_at=timezone.now(),
            message=_("Processing failed on our side. Nothing was stored; try again later or contact support."),
        )
        upload.refresh_from_db()
        return upload
    if upload.status == UploadStatus.PROCESSED:
        # Outside the import's transaction: a failing follow-up never undoes stored lessons.
        responses = signals.upload_processed.send_robust(
            sender=AttendanceUpload, upload=upload, changed=bool(upload.rows_new or upload.rows_changed)
        )
        for receiver, outcome in responses:
            if isinstance(outcome, Exception):
                logger.error("follow-up %s of upload %s failed", receiver.__name__, upload.pk, exc_info=outcome)
    return upload


def _process(upload: AttendanceUpload) -> AttendanceUpload:
    AttendanceUpload.unscoped.filter(pk=upload.pk).update(status=UploadStatus.PROCESSING, progress=0)
    try:
        parsed = open_upload(upload.file.path, limits=limits())
    except UploadRejected as rejected:
        AttendanceUpload.unscoped.filter(pk=upload.pk).update(
            status=UploadStatus.REJECTED, message=str(rejected.message), progress=100, finished_at=timezone.now()
        )
        upload.refresh_from_db()
        return upload
    upload.format = parsed.format
    AttendanceUpload.unscoped.filter(pk=upload.pk).update(format=parsed.format)
    size = max(upload.file.size, 1)
    sink = ingest.ErrorSink(upload)

    def progress(rows_done: int) -> None:
        # Rows are ~50–70 bytes; good enough for a bar without counting the file twice.
        estimate = min(1.0, rows_done * 60 / size)
        _set_progress(upload.pk, int(estimate * STAGING_SHARE))

    try:
        total = ingest.stage_rows(
            parsed.rows(),
            upload=upload,
            hours=parsed.hours_columns,
            today=timezone.localdate(),
            sink=sink,
            progress=progress,
        )
    except UploadRejected as rejected:  # e.g. more rows than allowed, found while streaming
        AttendanceUpload.unscoped.filter(pk=upload.pk).update(
            status=UploadStatus.REJECTED, message=str(rejected.message), progress=100, finished_at=timezone.now()
        )
        upload.refresh_from_db()
        return upload
    _set_progress(upload.pk, STAGING_SHARE)
    result = ingest.store_staged(upload=upload, sink=sink, rows_total=total)
    _finish(upload, result)
    upload.refresh_from_db()
    return upload


def _finish(upload: AttendanceUpload, result: ingest.ImportResult) -> None:
    message = ""
    if upload.duplicate_of_id and not (result.rows_new or result.rows_changed):
        message = _("This file was already processed on %(date)s; nothing changed.") % {
            "date": timezone.localtime(upload.duplicate_of.uploaded_at).strftime("%d-%m-%Y %H:%M")
        }
    elif not (result.rows_new or result.rows_changed) and result.rows_total and not result.rows_rejected:
        message = _("Every lesson in this file was already registered with these values; nothing changed.")
    AttendanceUpload.unscoped.filter(pk=upload.pk).update(
        status=UploadStatus.PROCESSED,
        progress=100,
        finished_at=timezone.now(),
        message=message,
        rows_total=result.rows_total,
        rows_new=result.rows_new,
        rows_changed=result.rows_changed,
        rows_unchanged=result.rows_unchanged,
        rows_rejected=result.rows_rejected,
    )


JSON_FIELDS = {  # API field → canonical column
    "deelnemernummer": "deelnemernummer",
    "datum": "datum",
    "dagdeel": "dagdeel",
    "geplandeMinuten": "geplande_minuten",
    "aanwezigeMinuten": "aanwezige_minuten",
    "status": "status",
    "reden": "reden",
    "huiswerkklas": "huiswerkklas",
    "opmerking": "opmerking",
}


def _json_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


@transaction.atomic
def records_push(*, user: User, provider: Provider, contract: Contract, records: list[dict]) -> AttendanceUpload:
    """The JSON route for systems that push directly: the same validation and idempotency."""
    _check_contract(user=user, provider=provider, contract=contract)
    if len(records) > rules.MAX_JSON_RECORDS:
        raise ValidationError(
            {"registraties": [_("At most %(max)s records per request.") % {"max": rules.MAX_JSON_RECORDS}]}
        )
    body = json.dumps(records, sort_keys=True, default=str).encode()
    upload = AttendanceUpload.objects.create(
        tenant_id=contract.tenant_id,
        provider=provider,
        contract=contract,
        sha256=hashlib.sha256(body).hexdigest(),
        uploaded_by=user,
        source=UploadSource.API,
        format="json",
        status=UploadStatus.PROCESSING,
    )
    index = {canonical: position for position, canonical in enumerate(CANONICAL_COLUMNS)}

    def rows():
        for number, record in enumerate(records, start=1):
            values = [""] * len(CANONICAL_COLUMNS)
            if isinstance(record, dict):
                for name, canonical in JSON_FIELDS.items():
                    values[index[canonical]] = _json_value(record.get(name)).strip()
            yield number, values

    sink = ingest.ErrorSink(upload)
    total = ingest.stage_rows(rows(), upload=upload, hours=False, today=timezone.localdate(), sink=sink)
    result = ingest.store_staged(upload=upload, sink=sink, rows_total=total)
    _finish(upload, result)
    upload.refresh_from_db()
    return upload
