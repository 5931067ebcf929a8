"""Provider portal for attendance: upload, history, results, template; the calendar per trajectory;
the absences awaiting classification. Thin: look up (404 before 403), call a service or selector."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from attendance import selectors, services
from attendance.forms import UploadForm
from attendance.models import AttendanceUpload, UploadStatus
from attendance.parsing import CANONICAL_COLUMNS
from contracts.models import Contract
from inburgering.documents import neutralise
from inburgering.forms import save_form
from inburgering.tenancy.permissions import require_role, role_required
from inburgering.tenancy.scoping import scope
from learning_routes.models import Trajectory
from learning_routes.permissions import LEARNER_READERS

PAGE_SIZE = 50
ERRORS_PAGE_SIZE = 100
RUNNING = (UploadStatus.RECEIVED, UploadStatus.PROCESSING)
BOM = "\ufeff"

# The downloadable template: two lessons of a fictional learner, in the canonical columns.
TEMPLATE_EXAMPLES = (
    {
        "deelnemernummer": "ABC123",
        "datum": "02-03-2026",
        "dagdeel": "ochtend",
        "geplande_minuten": "180",
        "aanwezige_minuten": "180",
        "status": "aanwezig",
        "reden": "",
        "huiswerkklas": "nee",
        "opmerking": "",
    },
    {
        "deelnemernummer": "ABC123",
        "datum": "04-03-2026",
        "dagdeel": "middag",
        "geplande_minuten": "180",
        "aanwezige_minuten": "0",
        "status": "afwezig",
        "reden": "ziek",
        "huiswerkklas": "nee",
        "opmerking": "Ziek gemeld",
    },
)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_line(writer, values) -> str:
    return writer.writerow([neutralise(value) for value in values])


# --- Upload page and history -------------------------------------------------------------------------


@role_required(*selectors.UPLOAD_READERS)
def upload_list(request):
    """Provider staff upload here; the region's readers see the history (read-only)."""
    tenancy = request.tenancy
    form = None
    if tenancy.is_provider_staff:
        contracts = selectors.upload_contracts(provider_ids=tenancy.provider_ids)
        if request.method == "POST":
            _contract_visible_or_404(request.POST.get("contract"))
        form = UploadForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            contracts=contracts,
        )
        upload = save_form(
            request,
            form,
            lambda data: services.upload_receive(
                user=request.user,
                provider=data["contract"].provider,
                contract=data["contract"],
                uploaded_file=data["bestand"],
            ),
            success=_("The file has been received and is being processed."),
        )
        if upload is not None:
            return redirect("attendance_upload_detail", pk=upload.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("Only the language provider's staff upload attendance."))
    page = Paginator(selectors.upload_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "attendance/upload_list.html",
        {"form": form, "page": page, "query": "", "provider_view": tenancy.is_provider_staff},
    )


def _contract_visible_or_404(raw) -> None:
    """A contract id outside the caller's scope answers 404, exactly like a missing one."""
    if raw and str(raw).isdigit() and not Contract.objects.filter(pk=int(raw)).exists():
        raise Http404


@role_required(*selectors.UPLOAD_READERS)
def attendance_template(request):
    """The CSV template: UTF-8 with BOM (so Excel reads é and €), separated by semicolons."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    lines = [BOM, writer.writerow(CANONICAL_COLUMNS)]
    for example in TEMPLATE_EXAMPLES:
        lines.append(writer.writerow([example.get(column, "") for column in CANONICAL_COLUMNS]))
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="aanwezigheid-sjabloon.csv"'
    return response


# --- One upload: progress, then the result -----------------------------------------------------------


@never_cache
@login_required
def upload_detail(request, pk: int):
    upload = get_object_or_404(selectors.upload_detail_queryset(), pk=pk)
    require_role(request, *selectors.UPLOAD_READERS)
    running = upload.status in RUNNING
    errors = None
    if upload.status == UploadStatus.PROCESSED:
        errors = Paginator(selectors.upload_errors(upload), ERRORS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"upload": upload, "running": running, "errors": errors, "page": errors, "query": ""}
    if request.GET.get("fragment"):
        # htmx polls this every second while the upload runs; the finished fragment has no trigger.
        return render(request, "attendance/partials/upload_status.html", context)
    return render(request, "attendance/upload_detail.html", context)


@login_required
def upload_errors_csv(request, pk: int):
    upload = get_object_or_404(AttendanceUpload.objects.all(), pk=pk)
    require_role(request, *selectors.UPLOAD_READERS)
    grants = request.tenancy.grants
    upload_id = upload.pk

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
        yield BOM + writer.writerow(["regel", "kolom", "waarde", "melding"])
        chunks = selectors.upload_error_chunks(upload_id)
        while True:
            # The body streams after the view returned (and the middleware left the scope): enter
            # the caller's scope again for each chunk, never across a yield.
            with scope(grants):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield "".join(_csv_line(writer, row) for row in chunk)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="aanwezigheid-{upload.pk}-fouten.csv"'
    return response


# --- Calendar per trajectory -------------------------------------------------------------------------


@login_required
def trajectory_attendance(request, pk: int):
    trajectory = get_object_or_404(
        Trajectory.objects.select_related("learner__municipality", "contract__provider"), pk=pk
    )
    if not selectors.may_view_calendar(request.tenancy, trajectory):
        raise PermissionDenied(_("Your role does not give access to this page."))
    return render(
        request,
        "attendance/trajectory_attendance.html",
        {
            "trajectory": trajectory,
            "calendar": selectors.trajectory_calendar(trajectory),
            "makeup": selectors.makeup_obligation(trajectory.learner),
            "links_to_dossier": request.tenancy.has_role(*LEARNER_READERS),
            "may_register_call_in": request.tenancy.has_role(*selectors.CALL_IN_REGISTRARS),
        },
    )


# --- Absences awaiting classification ----------------------------------------------------------------


@role_required(*selectors.ABSENCE_QUEUE_READERS)
def absence_queue(request):
    # The queue is where absences are classified, which enforcement (building on attendance) owns:
    # its view renders the page, with the filters and the classification form (issue 7).
    from enforcement.views.absences import absence_queue_page

    return absence_queue_page(request)
