"""Enforcement cases (handhavingszaken) and warning letters (waarschuwingsbrieven) in the browser.

Cases belong to the learner's case manager; absence coordinators read them; providers never see
them (DOMAIN.md "Visibility"), so on every case URL the role is checked first (403), then the case
is looked up through the scoped manager (404 outside the caller's municipality or region).

Warning letters are made by a task and handed out by the provider of the latest absence (guide
2.4): provider staff see their own provider's letters (the scoped manager narrows them), case
managers their municipality's, coordinators the region's. There the letter is looked up first
(404 outside the scope), then the role is checked (403), like the other detail pages.

The forms convert types only; the services in enforcement.cases and enforcement.letters validate.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from enforcement import cases as case_services
from enforcement.letters import warning_letter_mark_handed_out
from enforcement.models import (
    CASE_STEP_ORDER,
    AbsenceAlert,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    Culpability,
    EnforcementCase,
    LetterStatus,
    UnderlyingCause,
    WarningLetter,
)
from enforcement.permissions import (
    CASE_READERS,
    CASE_WORKERS,
    LETTER_HANDERS,
    LETTER_READERS,
)
from inburgering.forms import save_form
from inburgering.tenancy.permissions import require_role, role_required
from learning_routes.models import Learner

CLOSED_SHOWN = 50
HANDED_OUT_SHOWN = 50
STEP_QUERY = "stap"  # ?stap=<step>: the form for a later step, skipping the ones between
CLOSE_PREFIX = "afsluiten"

# What each step records besides its date (guide 2.4 and 2.5; enforcement.cases checks them).
STEP_FIELDS = {
    CaseStep.WARNING: (),
    CaseStep.CONTACT: ("outcome", "underlying_cause", "support_offered"),
    CaseStep.THREE_WAY_TALK: ("attendees", "agreements"),
    CaseStep.PROCEDURE: ("learner_view", "outcome"),
    CaseStep.FINE: ("fine_amount", "culpability", "reduction", "decision_date"),
}
# The steps that propose or impose a fine: not for an asylum permit holder without the ground.
FINING_STEPS = case_services.FINING_STEPS


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


def _conditional(field: forms.Field) -> forms.Field:
    """Required by the service (which says so in its own words), not by the form."""
    field.conditional = True
    return field


# --- Forms ---------------------------------------------------------------------------------------------


class StepForm(forms.Form):
    """The next step of a case (or a later one, with the reason for skipping) and what it records."""

    step = forms.ChoiceField(choices=CaseStep.choices, widget=forms.HiddenInput)
    happened_on = _conditional(forms.DateField(label=gettext_lazy("Date"), required=False, widget=_date_input()))
    skip_reason = _conditional(
        forms.CharField(
            label=gettext_lazy("Reason for skipping"),
            required=False,
            widget=_textarea(3),
            help_text=gettext_lazy("The steps in between are recorded as skipped, with this reason."),
        )
    )

    def __init__(self, *args, step: str, skipping: bool, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("step", step)
        kwargs["initial"].setdefault("happened_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.case_step = step
        if not skipping:
            del self.fields["skip_reason"]
        for name in STEP_FIELDS[step]:
            self.fields[name] = _detail_field(step, name)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {"step": self.case_step, "happened_on": data.get("happened_on")}
        if "skip_reason" in self.fields:
            arguments["skip_reason"] = data.get("skip_reason", "")
        for name in STEP_FIELDS[self.case_step]:
            arguments[name] = data.get(name)
        return arguments

    def detail_fields(self):
        return [self[name] for name in STEP_FIELDS[self.case_step]]


def _detail_field(step: str, name: str) -> forms.Field:
    if name == "outcome" and step == CaseStep.PROCEDURE:
        return _conditional(
            forms.CharField(
                label=_("Intention"),
                required=False,
                widget=_textarea(4),
                help_text=_("What is proposed (the intention to fine) and why."),
            )
        )
    if name == "outcome":
        return _conditional(
            forms.CharField(
                label=_("Outcome of the contact"),
                required=False,
                widget=_textarea(4),
                help_text=_("What the learner told you: why they were absent, what was agreed."),
            )
        )
    if name == "underlying_cause":
        return _conditional(
            forms.ChoiceField(
                label=_("Underlying cause"),
                required=False,
                choices=[("", "–"), *UnderlyingCause.choices],
            )
        )
    if name == "support_offered":
        return forms.CharField(
            label=_("Support offered"),
            required=False,
            widget=_textarea(3),
            help_text=_(
                "Enforcement aims at getting the learner back into class, not at punishment: look for the "
                "underlying cause and offer support first, such as help with childcare or health (guide 2.5)."
            ),
        )
    if name == "attendees":
        return _conditional(
            forms.CharField(
                label=_("Attendees"),
                required=False,
                widget=_textarea(2),
                help_text=_("Municipality, language provider and learner: who was there."),
            )
        )
    if name == "agreements":
        return _conditional(forms.CharField(label=_("Agreements"), required=False, widget=_textarea(4)))
    if name == "learner_view":
        return _conditional(
            forms.CharField(
                label=_("The learner's view"),
                required=False,
                widget=_textarea(4),
                help_text=_("The learner's response to the intention to fine."),
            )
        )
    if name == "fine_amount":
        return _conditional(
            forms.DecimalField(label=_("Fine (€)"), required=False, max_digits=7, decimal_places=2, min_value=0)
        )
    if name == "culpability":
        return _conditional(
            forms.ChoiceField(label=_("Culpability"), required=False, choices=[("", "–"), *Culpability.choices])
        )
    if name == "reduction":
        return forms.DecimalField(label=_("Reduction (€)"), required=False, max_digits=7, decimal_places=2, min_value=0)
    if name == "decision_date":
        return _conditional(forms.DateField(label=_("Decision date"), required=False, widget=_date_input()))
    raise KeyError(name)


class ExceptionalGroundForm(forms.Form):
    exceptional_ground = _conditional(
        forms.CharField(
            label=gettext_lazy("Exceptional ground"),
            required=False,
            widget=_textarea(5),
            help_text=gettext_lazy(
                "Describe the exceptional, proven, persistent unwillingness and how it was established."
            ),
        )
    )


class CaseCloseForm(forms.Form):
    outcome = _conditional(
        forms.ChoiceField(
            label=gettext_lazy("Outcome"),
            required=False,
            choices=CaseOutcome.choices,
            widget=forms.RadioSelect,
        )
    )
    closed_on = forms.DateField(
        label=gettext_lazy("Closed on"),
        required=False,
        widget=_date_input(),
        help_text=gettext_lazy("Empty: today."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=case_services.CLOSING_NOTE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"maxlength": case_services.CLOSING_NOTE_MAX_LENGTH}),
    )


class HandOutForm(forms.Form):
    handed_out_on = _conditional(
        forms.DateField(label=gettext_lazy("Handed out on"), required=False, widget=_date_input())
    )


# --- Cases -----------------------------------------------------------------------------------------------


def _case_queryset():
    return EnforcementCase.objects.select_related("learner", "learner__municipality", "case_manager", "alert")


def _ordered_steps(case: EnforcementCase) -> list:
    """The recorded steps in the order of the procedure (skipped ones share the later step's date)."""
    rows = list(case.steps.select_related("actor"))
    for row in rows:
        row.effective_fine = case_services.effective_fine(row)
        row.has_details = any(
            getattr(row, name) not in (None, "") for fields in STEP_FIELDS.values() for name in fields
        )
    return sorted(rows, key=lambda row: (CASE_STEP_ORDER.index(row.step), row.pk))


def _next_index(steps: list) -> int:
    if not steps:
        return 0
    return max(CASE_STEP_ORDER.index(row.step) for row in steps) + 1


def _chosen_step(value: str, next_index: int) -> str | None:
    """The step the form is for: the next one, or a later one asked for; None when all are recorded."""
    if next_index >= len(CASE_STEP_ORDER):
        return None
    later = CASE_STEP_ORDER[next_index:]
    return next((step for step in later if step == value), later[0])


@role_required(*CASE_READERS)
def enforcement_case_list(request):
    cases = _case_queryset().order_by("opened_on", "pk")
    open_cases = list(cases.filter(status=CaseStatus.OPEN))
    closed = list(cases.filter(status=CaseStatus.CLOSED).order_by("-closed_on", "-pk")[: CLOSED_SHOWN + 1])
    return render(
        request,
        "enforcement/cases/case_list.html",
        {
            "open_cases": open_cases,
            "closed_cases": closed[:CLOSED_SHOWN],
            "more_closed": len(closed) > CLOSED_SHOWN,
        },
    )


def _case_page(request, case: EnforcementCase, *, step_form=None, ground_form=None, close_form=None, status=200):
    steps = _ordered_steps(case)
    next_index = _next_index(steps)
    may_work = request.tenancy.has_role(*CASE_WORKERS) and case.status == CaseStatus.OPEN
    learner = case.learner
    chosen = None
    if may_work:
        if step_form is None:
            chosen = _chosen_step(request.GET.get(STEP_QUERY, ""), next_index)
            if chosen is not None:
                step_form = StepForm(step=chosen, skipping=CASE_STEP_ORDER.index(chosen) > next_index)
        else:
            chosen = step_form.case_step
        if ground_form is None and learner.is_asylum_permit_holder:
            ground_form = ExceptionalGroundForm(initial={"exceptional_ground": case.exceptional_ground})
        if close_form is None:
            close_form = CaseCloseForm(prefix=CLOSE_PREFIX)
    next_step = CASE_STEP_ORDER[next_index] if next_index < len(CASE_STEP_ORDER) else None
    skipped_by_choice = (
        CASE_STEP_ORDER[next_index : CASE_STEP_ORDER.index(chosen)] if chosen is not None and next_step else []
    )
    needs_ground = (
        learner.is_asylum_permit_holder
        and not case.exceptional_ground.strip()
        and chosen is not None
        and any(step in FINING_STEPS for step in [chosen, *skipped_by_choice])
    )
    return render(
        request,
        "enforcement/cases/case_detail.html",
        {
            "case": case,
            "learner": learner,
            "steps": steps,
            "procedure_labels": ", ".join(str(step.label) for step in CASE_STEP_ORDER),
            "next_step": next_step,
            "chosen_step": chosen,
            "chosen_label": CaseStep(chosen).label if chosen else "",
            "skipping": bool(skipped_by_choice),
            "skipped_by_choice": [CaseStep(step).label for step in skipped_by_choice],
            "later_steps": [
                {"value": step, "label": step.label} for step in CASE_STEP_ORDER[next_index + 1 :] if step != chosen
            ]
            if next_step
            else [],
            "step_form": step_form,
            "ground_form": ground_form,
            "close_form": close_form,
            "needs_ground": needs_ground,
            "maximum_fine": case_services.maximum_fine_for(learner) if chosen == CaseStep.FINE else None,
            "may_work": may_work,
            "step_query": STEP_QUERY,
        },
        status=status,
    )


@never_cache
@login_required
def enforcement_case_detail(request, pk: int):
    require_role(request, *CASE_READERS)
    case = get_object_or_404(_case_queryset(), pk=pk)
    return _case_page(request, case)


def _case_for_work(request, pk: int) -> EnforcementCase:
    require_role(request, *CASE_READERS)  # providers: 403 before anything is looked up
    case = get_object_or_404(_case_queryset(), pk=pk)
    require_role(request, *CASE_WORKERS)
    return case


def _closed_answer(request, case: EnforcementCase):
    """A write on a closed case (a second tab, a double submit): say so on the case page."""
    messages.error(request, _("This enforcement case is closed."))
    return redirect(case)


@require_POST
@login_required
def enforcement_step_record(request, pk: int):
    case = _case_for_work(request, pk)
    if case.status != CaseStatus.OPEN:
        return _closed_answer(request, case)
    posted = request.POST.get("step", "")
    steps = _ordered_steps(case)
    next_index = _next_index(steps)
    if next_index >= len(CASE_STEP_ORDER):
        messages.error(request, _("Every step of this case has been recorded; close the case."))
        return redirect(case)
    if posted not in CaseStep.values:
        posted = CASE_STEP_ORDER[min(next_index, len(CASE_STEP_ORDER) - 1)]
    skipping = CASE_STEP_ORDER.index(posted) > next_index
    form = StepForm(request.POST, step=posted, skipping=skipping)
    recorded = save_form(
        request,
        form,
        lambda data: case_services.enforcement_step_record(actor=request.user, case=case, **form.service_arguments()),
        success=lambda row: (
            _("Recorded: %(step)s on %(date)s.")
            % {"step": row.get_step_display(), "date": row.happened_on.strftime("%d-%m-%Y")}
        ),
    )
    if recorded is not None:
        return redirect(case)
    case.refresh_from_db()
    return _case_page(request, case, step_form=form, status=200)


@require_POST
@login_required
def enforcement_exceptional_ground_record(request, pk: int):
    case = _case_for_work(request, pk)
    if case.status != CaseStatus.OPEN:
        return _closed_answer(request, case)
    form = ExceptionalGroundForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: case_services.enforcement_exceptional_ground_record(
            actor=request.user, case=case, ground=data.get("exceptional_ground", "")
        ),
        success=_("The exceptional ground has been recorded."),
    )
    if saved is not None:
        return redirect(case)
    return _case_page(request, case, ground_form=form)


@require_POST
@login_required
def enforcement_case_close(request, pk: int):
    case = _case_for_work(request, pk)
    if case.status != CaseStatus.OPEN:
        return _closed_answer(request, case)
    form = CaseCloseForm(request.POST, prefix=CLOSE_PREFIX)
    closed = save_form(
        request,
        form,
        lambda data: case_services.enforcement_case_close(
            actor=request.user,
            case=case,
            outcome=data.get("outcome", ""),
            closed_on=data.get("closed_on"),
            note=data.get("note", ""),
        ),
        success=lambda done: _("The case has been closed: %(outcome)s.") % {"outcome": done.get_outcome_display()},
    )
    if closed is not None:
        return redirect(case)
    return _case_page(request, case, close_form=form)


@require_POST
@login_required
def enforcement_case_open(request, pk: int):
    """Open a case for the learner from their dossier; an optional ``alert`` id links the alert."""
    require_role(request, *CASE_READERS)
    learner = get_object_or_404(Learner.objects.all(), pk=pk)
    require_role(request, *CASE_WORKERS)
    alert = None
    alert_id = request.POST.get("alert", "")
    if alert_id:
        if not alert_id.isdigit():
            raise Http404
        alert = get_object_or_404(AbsenceAlert.objects.all(), pk=int(alert_id), learner_id=learner.pk)
    try:
        case = case_services.enforcement_case_open(actor=request.user, learner=learner, alert=alert)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        existing = EnforcementCase.objects.filter(learner_id=learner.pk, status=CaseStatus.OPEN).first()
        return redirect(existing or learner)
    messages.success(request, _("An enforcement case has been opened."))
    return redirect(case)


# The file name of a step's letter as the browser saves it (the learner number, never the BSN).
STEP_LETTER_NAMES = {CaseStep.PROCEDURE: "voornemen-boete", CaseStep.FINE: "besluit-boete"}


@never_cache
@login_required
def enforcement_step_letter(request, pk: int, step_pk: int):
    """The letter of a step (intention to fine, decision to fine) as a PDF, shown in the browser: the
    role first (providers: 403), then the scoped case (404), then the step of that case with a letter."""
    require_role(request, *CASE_READERS)
    case = get_object_or_404(_case_queryset(), pk=pk)
    step = get_object_or_404(case.steps.all(), pk=step_pk)
    if not step.letter:
        raise Http404
    try:
        stored = step.letter.open("rb")
    except FileNotFoundError as missing:  # the row survived a storage loss: no file to give
        raise Http404 from missing
    name = f"{STEP_LETTER_NAMES.get(step.step, step.step)}-{case.learner.learner_number}.pdf"
    return FileResponse(stored, as_attachment=False, filename=name, content_type="application/pdf")


# --- Warning letters -----------------------------------------------------------------------------------


def _letter_filename(letter: WarningLetter) -> str:
    return f"waarschuwingsbrief-{letter.alert.learner.learner_number}-{letter.alert.month:%Y-%m}.pdf"


@never_cache
@login_required
def warning_letter_pdf(request, pk: int):
    letter = get_object_or_404(WarningLetter.objects.select_related("alert__learner"), pk=pk)
    require_role(request, *LETTER_READERS)
    if letter.status != LetterStatus.READY or not letter.file:
        raise Http404
    try:
        stored = letter.file.open("rb")
    except FileNotFoundError as missing:  # the row survived a storage loss: no file to give
        raise Http404 from missing
    return FileResponse(stored, as_attachment=False, filename=_letter_filename(letter), content_type="application/pdf")


def _letter_list_page(request, *, bound: WarningLetter | None = None, bound_form=None, status=200):
    letters = WarningLetter.objects.select_related("alert__learner", "alert__learner__municipality", "provider")
    to_hand_out = list(
        letters.filter(status=LetterStatus.READY, handed_out_on__isnull=True).order_by(
            "alert__month", "alert__learner__learner_number", "pk"
        )
    )
    handed_out = list(
        letters.filter(handed_out_on__isnull=False)
        .select_related("handed_out_by")
        .order_by("-handed_out_on", "-pk")[: HANDED_OUT_SHOWN + 1]
    )
    may_hand_out = request.tenancy.has_role(*LETTER_HANDERS)
    # Errors of a letter no longer in the list (handed out meanwhile, in another tab) show on top.
    stray_errors = []
    if bound_form is not None and all(letter.pk != bound.pk for letter in to_hand_out):
        stray_errors = [message for messages_ in bound_form.errors.values() for message in messages_]
    rows = []
    for letter in to_hand_out:
        form = None
        if may_hand_out:
            if bound is not None and letter.pk == bound.pk:
                form = bound_form
            else:
                form = HandOutForm(prefix=f"brief-{letter.pk}", initial={"handed_out_on": timezone.localdate()})
        rows.append({"letter": letter, "form": form})
    return render(
        request,
        "enforcement/letters/letter_list.html",
        {
            "rows": rows,
            "stray_errors": stray_errors,
            "handed_out": handed_out[:HANDED_OUT_SHOWN],
            "more_handed_out": len(handed_out) > HANDED_OUT_SHOWN,
            "may_hand_out": may_hand_out,
            "provider_view": request.tenancy.is_provider_staff,
            "columns": 4 + (not request.tenancy.is_provider_staff) + may_hand_out,
        },
        status=status,
    )


@never_cache
@role_required(*LETTER_READERS)
def provider_letter_list(request):
    return _letter_list_page(request)


@require_POST
@login_required
def warning_letter_hand_out(request, pk: int):
    letter = get_object_or_404(WarningLetter.objects.all(), pk=pk)
    require_role(request, *LETTER_HANDERS)
    form = HandOutForm(request.POST, prefix=f"brief-{letter.pk}")
    saved = save_form(
        request,
        form,
        lambda data: warning_letter_mark_handed_out(
            actor=request.user, letter=letter, handed_out_on=data.get("handed_out_on")
        ),
        success=lambda done: (
            _("Recorded as handed out on %(date)s.") % {"date": done.handed_out_on.strftime("%d-%m-%Y")}
        ),
    )
    if saved is not None:
        return redirect("provider_letter_list")
    return _letter_list_page(request, bound=letter, bound_form=form)
