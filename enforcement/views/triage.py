"""The absence coordinator's main screen: the alerts queue and an alert's page (guide 2.4).

Thin: look the alert up through the scoped manager (404 outside the caller's scope, so a case
manager of another municipality gets 404), then check the role (403), then call a selector or a
service from ``enforcement.triage``. The coordinator works the queue; case managers follow their
own municipality's alerts (notes and status); the tenant admin reads. Providers never see alerts
and policy viewers see aggregates only: both get 403.

The forms live here: they only convert the query string and buttons; the services validate.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from enforcement import triage
from enforcement.models import AlertOutcome, AlertStatus, LetterStatus
from enforcement.permissions import ABSENCE_TRIAGE_ASSIGNERS, ABSENCE_TRIAGE_ROLES, ABSENCE_TRIAGE_WORKERS
from inburgering.forms import save_form
from inburgering.tenancy.models import Municipality, Role
from inburgering.tenancy.permissions import require_role, role_required
from inburgering.tenancy.selectors import providers_in_scope
from learning_routes.permissions import LEARNER_READERS

PAGE_SIZE = 50
# The status tabs: "open" (the default: new, in progress, contacted), each status, everything.
OPEN_TAB = "open"
ALL_TAB = "alle"
NOBODY = "niemand"  # the assignee choice that removes an assignment
# Sorting a column the first time: newest month and most absences first, names and status A→Z.
FIRST_DESCENDING = {"maand", "aantal"}


# --- Forms -------------------------------------------------------------------------------------------


class TriageFilterForm(forms.Form):
    gemeente = forms.ChoiceField(label=gettext_lazy("Municipality"), required=False)
    taalaanbieder = forms.ChoiceField(label=gettext_lazy("Language provider"), required=False)
    maand = forms.ChoiceField(label=gettext_lazy("Month"), required=False)
    minimum = forms.IntegerField(
        label=gettext_lazy("At least this many absences"), required=False, min_value=1, max_value=99
    )
    toegewezen = forms.ChoiceField(
        label=gettext_lazy("Assigned to"),
        required=False,
        choices=[
            ("", gettext_lazy("anyone")),
            (triage.ASSIGNED_TO_ME, gettext_lazy("me")),
            (triage.UNASSIGNED, gettext_lazy("nobody")),
        ],
    )
    # Kept from the tab and the column header when the form is submitted.
    status = forms.CharField(required=False, widget=forms.HiddenInput)
    sortering = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, municipalities, providers, months, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gemeente"].choices = [("", _("all"))] + [(m.cbs_code, m.name) for m in municipalities]
        self.fields["taalaanbieder"].choices = [("", _("all"))] + [(p.kvk_number, p.name) for p in providers]
        self.fields["maand"].choices = [("", _("all"))] + [
            (month.strftime("%Y-%m"), dateformat.format(month, "F Y")) for month in months
        ]


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"))

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Choose a colleague"))] + _assignee_choices(memberships)
        self.users = {str(m.user_id): m.user for m in memberships}

    def chosen_assignee(self):
        value = self.cleaned_data["assignee"]
        return None if value == NOBODY else self.users[value]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=triage.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=AlertStatus.choices, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(choices=[("", "–")] + AlertOutcome.choices, required=False, widget=forms.HiddenInput)


def _assignee_choices(memberships) -> list[tuple[str, str]]:
    labels: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for membership in memberships:
        key = str(membership.user_id)
        names[key] = membership.user.get_full_name() or membership.user.username
        role = str(Role(membership.role).label)
        labels.setdefault(key, []).append(
            f"{role}, {membership.municipality.name}" if membership.municipality_id else role
        )
    choices = [(key, f"{names[key]} ({'; '.join(roles)})") for key, roles in labels.items()]
    return choices + [(NOBODY, _("Nobody (remove the assignment)"))]


# --- Helpers -----------------------------------------------------------------------------------------


def _query(params: QueryDict, *drop: str) -> str:
    query = params.copy()
    for name in ("page", *drop):
        query.pop(name, None)
    return query.urlencode()


def _month(value: str) -> date | None:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except (ValueError, AttributeError):
        return None


def _statuses(tab: str) -> tuple[str, ...]:
    if tab == ALL_TAB:
        return ()
    if tab in AlertStatus.values:
        return (tab,)
    return tuple(triage.OPEN_ALERT_STATUSES)


def _letter(alert):
    try:
        return alert.letter
    except ObjectDoesNotExist:
        return None


def _letter_state(letter) -> str:
    if letter is None:
        return ""
    if letter.handed_out_on:
        return _("handed out on %(date)s") % {"date": letter.handed_out_on.strftime("%d-%m-%Y")}
    if letter.status == LetterStatus.READY:
        return _("ready, not handed out yet")
    return str(letter.get_status_display())


def _prepare(alert) -> None:
    """What a row or the page shows beyond the model's fields."""
    alert.absence_days = [date.fromisoformat(day) for day in alert.absence_dates]
    alert.letter_or_none = _letter(alert)
    alert.letter_state = _letter_state(alert.letter_or_none)
    alert.is_open = alert.status in triage.OPEN_ALERT_STATUSES


def _sort_headers(params: QueryDict, current: str) -> dict[str, dict]:
    base = _query(params, "sortering")
    headers = {}
    for key in triage.SORT_COLUMNS:
        if current.lstrip("-") == key:
            descending = current.startswith("-")
            next_key = key if descending else f"-{key}"
            state = "descending" if descending else "ascending"
        else:
            next_key = f"-{key}" if key in FIRST_DESCENDING else key
            state = ""
        headers[key] = {"url": f"?{base}&sortering={next_key}" if base else f"?sortering={next_key}", "state": state}
    return headers


def _back_to_list(query: str) -> str:
    """The queue with the filters the user came from (a query string only, never another URL)."""
    cleaned = QueryDict(query or "").urlencode()
    return reverse("alert_list") + (f"?{cleaned}" if cleaned else "")


# --- Views -------------------------------------------------------------------------------------------


@role_required(*ABSENCE_TRIAGE_ROLES)
def alert_list(request):
    tenancy = request.tenancy
    filters = TriageFilterForm(
        request.GET or None,
        municipalities=Municipality.objects.order_by("name"),
        providers=providers_in_scope(),
        months=triage.alert_months(),
    )
    if filters.is_bound:
        filters.is_valid()  # invalid fields are shown and left out; the valid ones apply
    criteria = getattr(filters, "cleaned_data", {})
    tab = request.GET.get("status") or OPEN_TAB
    if tab not in {OPEN_TAB, ALL_TAB, *AlertStatus.values}:
        tab = OPEN_TAB
    sort = triage.sort_key(request.GET.get("sortering") or "")
    chosen = triage.TriageFilters(
        municipality_cbs=criteria.get("gemeente") or "",
        provider_kvk=criteria.get("taalaanbieder") or "",
        month=_month(criteria.get("maand") or ""),
        statuses=_statuses(tab),
        minimum_count=criteria.get("minimum"),
        assigned=criteria.get("toegewezen") or "",
        user=request.user,
        sort=sort,
    )
    page = Paginator(triage.triage_queue(chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    for alert in page:
        _prepare(alert)
    counts = triage.status_counts(chosen)
    tab_query = _query(request.GET, "status")
    open_count = sum(counts[s] for s in triage.OPEN_ALERT_STATUSES)
    tabs = [{"value": OPEN_TAB, "label": pgettext("alert status tab", "Open"), "count": open_count}]
    tabs += [
        {"value": status, "label": AlertStatus(status).label, "count": counts[status]} for status in triage.STATUS_ORDER
    ]
    tabs.append({"value": ALL_TAB, "label": _("All"), "count": sum(counts.values())})
    for item in tabs:
        item["url"] = f"?{tab_query}&status={item['value']}" if tab_query else f"?status={item['value']}"
    may_assign = tenancy.has_role(*ABSENCE_TRIAGE_ASSIGNERS)
    return render(
        request,
        "enforcement/triage/alert_list.html",
        {
            "filters": filters,
            "page": page,
            "tabs": tabs,
            "tab": tab,
            "tab_label": next(item["label"] for item in tabs if item["value"] == tab),
            "new_count": counts[AlertStatus.NEW],
            "sort": _sort_headers(request.GET, sort),
            "query": _query(request.GET),
            "filtered": any(
                criteria.get(name) for name in ("gemeente", "taalaanbieder", "maand", "minimum", "toegewezen")
            ),
            "assign_form": (
                AssignForm(memberships=triage.alert_assignees(tenant_id=tenancy.active_tenant.pk))
                if may_assign
                else None
            ),
        },
    )


@role_required(*ABSENCE_TRIAGE_ASSIGNERS)
@require_POST
def alert_assign(request):
    """Assign the checked alerts of the queue; back to the queue with its filters."""
    back = _back_to_list(request.POST.get("terug", ""))
    form = AssignForm(request.POST, memberships=triage.alert_assignees(tenant_id=request.tenancy.active_tenant.pk))
    if not form.is_valid():
        messages.error(request, _("Choose the colleague to assign the alerts to."))
        return redirect(back)
    assignee = form.chosen_assignee()
    try:
        changed = triage.alert_assign(actor=request.user, alert_ids=request.POST.getlist("alert"), assignee=assignee)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    if assignee is None:
        text = _("The assignment of %(count)s alerts has been removed.") % {"count": len(changed)}
    else:
        text = _("%(count)s alerts have been assigned to %(name)s.") % {
            "count": len(changed),
            "name": assignee.get_full_name() or assignee.username,
        }
    messages.success(request, text)
    return redirect(back)


def _status_message(change: triage.StatusChange) -> str:
    alert = change.alert
    if change.case is None:
        return _("The alert is now “%(status)s”.") % {"status": alert.get_status_display()}
    if change.case_opened:
        manager = change.case.case_manager
        return _(
            "The alert is closed and passed on to enforcement: an enforcement case has been opened, led by %(name)s."
        ) % {"name": manager.get_full_name() or manager.username}
    return _("The alert is closed and passed on to enforcement: the learner's open enforcement case continues.")


def _transition_buttons(alert) -> list[dict]:
    buttons = []
    for status in triage.allowed_transitions(alert):
        if status == AlertStatus.CLOSED:
            buttons.append({"status": status, "outcome": AlertOutcome.RECOVERED, "label": _("Close: recovered")})
            buttons.append(
                {
                    "status": status,
                    "outcome": AlertOutcome.ENFORCEMENT,
                    "label": _("Close: pass on to enforcement"),
                    "secondary": True,
                }
            )
        else:
            buttons.append(
                {
                    "status": status,
                    "outcome": "",
                    "label": _("Set to “%(status)s”") % {"status": AlertStatus(status).label},
                }
            )
    return buttons


@never_cache
@login_required
def alert_detail(request, pk: int):
    alert = get_object_or_404(triage.alert_detail_queryset(), pk=pk)
    require_role(request, *ABSENCE_TRIAGE_ROLES)
    tenancy = request.tenancy
    may_work = tenancy.has_role(*ABSENCE_TRIAGE_WORKERS)
    may_assign = tenancy.has_role(*ABSENCE_TRIAGE_ASSIGNERS)
    memberships = triage.alert_assignees(tenant_id=alert.tenant_id) if may_assign else []
    note_form = NoteForm() if may_work else None
    status_form = None
    assign_form = (
        AssignForm(initial={"assignee": alert.assigned_to_id}, memberships=memberships) if may_assign else None
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "notitie":
            if not may_work:
                raise PermissionDenied(_("Your role does not give access to this function."))
            note_form = NoteForm(request.POST)
            if save_form(
                request,
                note_form,
                lambda data: triage.alert_add_note(actor=request.user, alert=alert, text=data["text"]),
                success=_("The note has been added."),
            ):
                return redirect(alert.get_absolute_url() + "#notities")
        elif action == "status":
            if not may_work:
                raise PermissionDenied(_("Your role does not give access to this function."))
            status_form = StatusForm(request.POST)
            if save_form(
                request,
                status_form,
                lambda data: triage.alert_set_status(
                    actor=request.user, alert=alert, status=data["status"], outcome=data.get("outcome") or ""
                ),
                success=_status_message,
            ):
                return redirect(alert)
        elif action == "toewijzen":
            if not may_assign:
                raise PermissionDenied(_("Your role does not give access to this function."))
            assign_form = AssignForm(request.POST, memberships=memberships)
            if save_form(
                request,
                assign_form,
                lambda data: (
                    triage.alert_assign(
                        actor=request.user, alert_ids=[alert.pk], assignee=assign_form.chosen_assignee()
                    )
                    or True
                ),
                success=_("The assignment has been saved."),
            ):
                return redirect(alert)
        else:
            return HttpResponseBadRequest()
    _prepare(alert)
    learner = alert.learner
    return render(
        request,
        "enforcement/triage/alert_detail.html",
        {
            "alert": alert,
            "learner": learner,
            "letter": alert.letter_or_none,
            "absences": list(triage.alert_absences(alert)),
            "notes": list(triage.alert_notes(alert)),
            "cases": list(alert.enforcement_cases.select_related("case_manager").order_by("-opened_on", "-pk")),
            "buttons": _transition_buttons(alert) if may_work else [],
            "needs_case_manager": learner.case_manager_id is None,
            "note_form": note_form,
            "status_form": status_form,
            "assign_form": assign_form,
            "links_to_dossier": tenancy.has_role(*LEARNER_READERS),
        },
    )
