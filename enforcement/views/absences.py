"""The absence coordinator's pages: the queue of absences to classify (with filters, bulk and per-row
classification) and a learner's call-in for a lesson (guide 2.2, 2.4).

Thin: look up through the scoped managers (404 outside the caller's scope), check the role (403),
call a selector or a service. Providers never reach these pages; they see only the outcome
(authorized or not) and the call-ins on their attendance calendar.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from attendance import selectors as attendance_selectors
from attendance.models import Classification, Daypart, ReportedReason
from enforcement import absences
from enforcement.models import Culpability
from enforcement.selectors import region_policy
from enforcement.services import absences_classify
from inburgering.forms import save_form
from inburgering.tenancy.permissions import require_role, role_required
from learning_routes.models import Trajectory

PAGE_SIZE = 50
EMPTY_CHOICE = ("", "---------")


# --- Forms -------------------------------------------------------------------------------------------


class AbsenceQueueFilterForm(forms.Form):
    gemeente = forms.ChoiceField(label=gettext_lazy("Municipality"), required=False)
    aanbieder = forms.ChoiceField(label=gettext_lazy("Language provider"), required=False)
    maand = forms.DateField(
        label=gettext_lazy("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, municipalities, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality_ids = {m.cbs_code: m.pk for m in municipalities}
        self.fields["gemeente"].choices = [("", _("all"))] + [(m.cbs_code, m.name) for m in municipalities]
        self.fields["aanbieder"].choices = [("", _("all"))] + [(str(p.pk), p.name) for p in providers]

    def criteria(self) -> dict:
        """The valid filters as selector arguments; an invalid value filters nothing (never an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        criteria = {}
        if data.get("gemeente"):
            criteria["municipality_id"] = self.municipality_ids[data["gemeente"]]
        if data.get("aanbieder"):
            criteria["provider_id"] = int(data["aanbieder"])
        if data.get("maand"):
            criteria["month"] = data["maand"].replace(day=1)
        return criteria

    def query(self) -> str:
        """The valid filters as a query string, for the pagination and the way back after classifying."""
        if not self.is_bound:
            return ""
        self.is_valid()
        data = self.cleaned_data
        values = {
            "gemeente": data.get("gemeente") or "",
            "aanbieder": data.get("aanbieder") or "",
            "maand": data["maand"].strftime("%Y-%m") if data.get("maand") else "",
        }
        return urlencode({name: value for name, value in values.items() if value})


class RecordIdsField(forms.Field):
    """The ids of the absences ticked in the queue (checkboxes named ``record_ids``)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Select at least one absence."),
        "invalid": gettext_lazy("Select the absences from the list."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if not all(str(item).isdigit() for item in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(item) for item in values})


def culpability_mapping_help(policy) -> str:
    """The policy's mapping as a sentence for the form: which culpability makes which classification."""
    labels = dict(Classification.choices)
    parts = [
        f"{label} → {labels.get(policy.culpability_mapping.get(value, ''), '–')}"
        for value, label in Culpability.choices
    ]
    return _(
        "The classification follows from the culpability under the region's absence policy: %(mapping)s. "
        "A contract with its own policy follows that policy."
    ) % {"mapping": "; ".join(parts)}


class AbsenceClassifyForm(forms.Form):
    record_ids = RecordIdsField(label=gettext_lazy("Absences"))
    culpability = forms.ChoiceField(
        label=gettext_lazy("Culpability"),
        choices=[EMPTY_CHOICE, *Culpability.choices],
        error_messages={"required": gettext_lazy("Choose a culpability level.")},
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        required=False,
        choices=[EMPTY_CHOICE, *ReportedReason.choices],
        help_text=gettext_lazy("Only for the region: the language provider sees only authorized or unauthorized."),
    )

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["culpability"].help_text = culpability_mapping_help(policy)

    def selected_ids(self) -> set[int]:
        """The ticked absences, also when the form is shown again with an error (nothing is lost)."""
        if not self.is_bound:
            return set()
        return {int(item) for item in self.data.getlist("record_ids") if str(item).isdigit()}


class CallInForm(forms.Form):
    lesson_date = forms.DateField(
        label=gettext_lazy("Date of the lesson"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    daypart = forms.ChoiceField(label=gettext_lazy("Daypart"), choices=[EMPTY_CHOICE, *Daypart.choices])
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=[EMPTY_CHOICE, *ReportedReason.choices])
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=absences.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The language provider sees the call-in on the attendance calendar, with this note."),
    )


# --- The queue of absences to classify ---------------------------------------------------------------


def _filter_form(data) -> AbsenceQueueFilterForm:
    municipalities, providers = attendance_selectors.absence_queue_filter_options()
    bound = {name: data.get(name, "") for name in ("gemeente", "aanbieder", "maand") if data.get(name)}
    return AbsenceQueueFilterForm(bound or None, municipalities=municipalities, providers=providers)


def absence_queue_page(request, *, classify_form: AbsenceClassifyForm | None = None):
    """The queue (url ``absence_queue``): filters, the absences, and for the coordinator the
    classification form; shown again, with the form's errors and the ticked absences, after a failed
    classification. The role is checked by the calling view."""
    params = request.POST if classify_form is not None else request.GET
    filters = _filter_form(params)
    page = Paginator(attendance_selectors.absence_queue(**filters.criteria()), PAGE_SIZE).get_page(params.get("page"))
    may_classify = request.tenancy.has_role(*attendance_selectors.ABSENCE_CLASSIFIERS)
    if may_classify and classify_form is None:
        classify_form = AbsenceClassifyForm(policy=region_policy(request.tenancy.active_tenant.pk))
    return render(
        request,
        "attendance/absence_queue.html",
        {
            "page": page,
            "filters": filters,
            "filter_query": filters.query(),
            "query": filters.query(),
            "classify_form": classify_form if may_classify else None,
            "selected_ids": classify_form.selected_ids() if may_classify else set(),
            "culpability_choices": Culpability.choices,
        },
    )


@role_required(*attendance_selectors.ABSENCE_CLASSIFIERS)
@require_POST
def absence_classify(request):
    """Classify the ticked absences (or one, from its row) with one culpability level."""
    form = AbsenceClassifyForm(request.POST, policy=region_policy(request.tenancy.active_tenant.pk))

    def classify(data) -> int:
        absences_classify(
            actor=request.user,
            record_ids=data["record_ids"],
            culpability=data["culpability"],
            reason=data.get("reason") or "",
        )
        return len(data["record_ids"])

    classified = save_form(
        request,
        form,
        classify,
        success=lambda count: (
            ngettext("%(count)s absence has been classified.", "%(count)s absences have been classified.", count)
            % {"count": count}
        ),
    )
    if classified is None:
        return absence_queue_page(request, classify_form=form)
    query = _filter_form(request.POST).query()
    return redirect(reverse("absence_queue") + (f"?{query}" if query else ""))


# --- A learner's call-in for a lesson ----------------------------------------------------------------


@login_required
def call_in_create(request, pk: int):
    trajectory = get_object_or_404(
        Trajectory.objects.select_related("learner", "contract__provider"),
        pk=pk,
    )
    require_role(request, *attendance_selectors.CALL_IN_REGISTRARS)
    form = CallInForm(request.POST or None, initial={"lesson_date": timezone.localdate()})
    registered = save_form(
        request,
        form,
        lambda data: absences.call_in_register(
            actor=request.user,
            trajectory=trajectory,
            lesson_date=data["lesson_date"],
            daypart=data["daypart"],
            reason=data["reason"],
            note=data.get("note") or "",
        ),
        success=lambda call_in: (
            _("The call-in for %(date)s (%(daypart)s) has been registered; the language provider sees it.")
            % {"date": call_in.lesson_date.strftime("%d-%m-%Y"), "daypart": call_in.get_daypart_display()}
        ),
    )
    if registered is not None:
        return redirect("trajectory_attendance", pk=trajectory.pk)
    return render(
        request,
        "enforcement/absences/call_in_form.html",
        {
            "form": form,
            "trajectory": trajectory,
            "call_ins": list(absences.call_ins_of_trajectory(trajectory.pk)[:20]),
            "max_days_ahead": absences.CALL_IN_MAX_DAYS_AHEAD,
        },
    )
