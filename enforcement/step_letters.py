"""The letters of an enforcement case's last two steps (guide 2.4, 2.5; DOMAIN.md "Legal facts"):

- the enforcement procedure (handhavingsprocedure): "Voornemen tot het opleggen van een boete", the
  intention to fine, with the learner's right to give their view (zienswijze) within two weeks;
- the fine (boete): "Besluit: boete", the decision, with the amount to pay and how to object
  (bezwaar) under the Algemene wet bestuursrecht within six weeks.

Like the warning letter (enforcement.letters) they are written for a learner at A2–B1: plain Dutch,
short sentences, large type, rendered to a tagged PDF (PDF/UA-1) without external resources. The
text is fixed Dutch in the templates: a letter is Dutch whatever the process locale is. They carry
the learner's name and learner number, never the BSN. The free-text fields of a step (the case
manager's notes) are not printed: they are internal and need not be plain Dutch.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from enforcement.cases import effective_fine, maximum_fine_for
from enforcement.letters import DUTCH_WEEKDAYS, TEMPLATE_DIR, dutch_long_date, dutch_month, short_date
from enforcement.models import AbsencePolicy, CaseStep, Culpability, EnforcementCase, EnforcementStep
from enforcement.selectors import policy_for_contract, region_policy
from inburgering.documents import render_pdf
from learning_routes.models import OPEN_STATUSES, Trajectory

# The steps that get a letter, and its title (also the PDF's title: no personal data in metadata).
LETTER_TITLES = {
    CaseStep.PROCEDURE: "Voornemen tot het opleggen van een boete",
    CaseStep.FINE: "Besluit: boete",
}
LETTER_TEMPLATES = {
    CaseStep.PROCEDURE: "enforcement/step_letters/procedure.html",
    CaseStep.FINE: "enforcement/step_letters/fine.html",
}
VIEW_PERIOD = timedelta(weeks=2)  # the zienswijze (guide 2.5: repair first, hear the learner)
OBJECTION_WEEKS = 6  # Algemene wet bestuursrecht, art. 6:7
STYLESHEET = TEMPLATE_DIR / "step_letters" / "letter.css"

# The degree of culpability in plain words: the name, then what it means.
CULPABILITY_WORDS = {
    Culpability.INTENT: ("opzet", "U bent expres niet naar de les gegaan."),
    Culpability.GROSS: ("grove schuld", "U wist dat u naar de les moest. Toch bent u vaak niet gegaan."),
    Culpability.NORMAL: ("verwijtbaar", "U had beter moeten zorgen dat u naar de les ging."),
    Culpability.REDUCED: (
        "verminderd verwijtbaar",
        "U had een deel van de tijd een reden om niet te gaan. Daarom is de boete lager.",
    ),
}


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------


def euro(amount: Decimal) -> str:
    """'€ 1.250,00': Dutch notation, a decimal comma and a dot between thousands."""
    text = f"{amount.quantize(Decimal('0.01')):,.2f}"
    return "€ " + text.replace(",", "_").replace(".", ",").replace("_", ".")


def policy_for_learner(learner) -> AbsencePolicy:
    """The policy of the learner's open trajectory's contract, else the region's (as maximum_fine_for)."""
    trajectory = (
        Trajectory.objects.filter(learner_id=learner.pk, status__in=OPEN_STATUSES)
        .select_related("contract")
        .order_by("-start_date", "-pk")
        .first()
    )
    return policy_for_contract(trajectory.contract) if trajectory is not None else region_policy(learner.tenant_id)


def _absence_days(case: EnforcementCase) -> list[str]:
    if case.alert is None:
        return []
    days = []
    for value in case.alert.absence_dates or []:
        try:
            days.append(date.fromisoformat(str(value)))
        except ValueError:
            continue  # a malformed entry is left out rather than stopping the letter
    return [f"{DUTCH_WEEKDAYS[day.weekday()]} {short_date(day)}" for day in sorted(days)]


def _earlier_steps(case: EnforcementCase, step: EnforcementStep) -> list[dict[str, str]]:
    """What happened before this step, in plain words with dates (steps really taken, not skipped)."""
    done = {row.step: row for row in EnforcementStep.objects.filter(case_id=case.pk, skipped=False).exclude(pk=step.pk)}
    lines = []
    if CaseStep.WARNING in done:
        lines.append(
            {"date": dutch_long_date(done[CaseStep.WARNING].happened_on), "text": "U kreeg een waarschuwingsbrief."}
        )
    if CaseStep.CONTACT in done:
        lines.append(
            {"date": dutch_long_date(done[CaseStep.CONTACT].happened_on), "text": "U had contact met uw klantmanager."}
        )
    if CaseStep.THREE_WAY_TALK in done:
        lines.append(
            {
                "date": dutch_long_date(done[CaseStep.THREE_WAY_TALK].happened_on),
                "text": "U had een gesprek met de gemeente en uw taalschool (driegesprek).",
            }
        )
    if step.step == CaseStep.FINE and CaseStep.PROCEDURE in done:
        lines.append(
            {
                "date": dutch_long_date(done[CaseStep.PROCEDURE].happened_on),
                "text": "U kreeg een brief: wij waren van plan u een boete te geven. "
                "U mocht zeggen wat u daarvan vond.",
            }
        )
    return lines


def step_letter_context(step: EnforcementStep, *, on: date | None = None) -> dict:
    case = step.case
    learner = case.learner
    policy = policy_for_learner(learner)
    on = on or timezone.localdate()
    manager = case.case_manager
    context = {
        "title": LETTER_TITLES[step.step],
        "region": case.tenant.name,
        "municipality": learner.municipality.name,
        "letter_date": dutch_long_date(on),
        "reference": f"{case.pk}-{step.step}",
        "learner_name": learner.full_name,
        "learner_number": learner.learner_number,  # never the BSN
        "absence_month": dutch_month(case.alert.month) if case.alert else "",
        "absence_count": case.alert.absence_count if case.alert else None,
        "absence_days": _absence_days(case),
        "earlier_steps": _earlier_steps(case, step),
        "case_manager": manager.get_full_name() or manager.username,
        "contact_name": policy.contact_name.strip(),
        "contact_details": policy.contact_details.strip(),
        "stylesheet": STYLESHEET.read_text(encoding="utf-8"),
    }
    if step.step == CaseStep.PROCEDURE:
        context.update(
            maximum_fine=euro(maximum_fine_for(learner)),
            view_deadline=dutch_long_date(on + VIEW_PERIOD),
        )
    else:
        reduction = step.reduction or Decimal("0")
        name, meaning = CULPABILITY_WORDS.get(step.culpability, ("", ""))
        context.update(
            fine_amount=euro(step.fine_amount),
            reduction=euro(reduction) if reduction else "",
            to_pay=euro(effective_fine(step)),
            culpability_name=name,
            culpability_meaning=meaning,
            decision_date=dutch_long_date(step.decision_date or step.happened_on),
            objection_weeks=OBJECTION_WEEKS,
        )
    return context


# ---------------------------------------------------------------------------------------------
# Rendering and storing
# ---------------------------------------------------------------------------------------------


def step_letter_html(step: EnforcementStep, *, on: date | None = None) -> str:
    if step.step not in LETTER_TEMPLATES:
        raise ValueError(f"no letter for the step {step.step!r}")
    return render_to_string(LETTER_TEMPLATES[step.step], step_letter_context(step, on=on))


def step_letter_render_pdf(step: EnforcementStep) -> bytes:
    """The step's letter as a tagged PDF/UA-1 document (title and language nl set from the HTML)."""
    return render_pdf(step_letter_html(step), base_url=TEMPLATE_DIR)


def step_letter_attach(step: EnforcementStep) -> EnforcementStep:
    """Render the step's letter and store it as step.letter (handhaving/<case>-<step>-<token>.pdf).

    Called inside the transaction that records the step: should saving the row fail, the stored file
    is removed again, and the caller's transaction rolls back."""
    pdf = step_letter_render_pdf(step)
    step.letter.save(f"{step.case_id}-{step.step}-{secrets.token_hex(8)}.pdf", ContentFile(pdf), save=False)
    stored = step.letter.name
    try:
        step.save(update_fields=["letter"])
    except Exception:
        step.letter.storage.delete(stored)
        raise
    return step
