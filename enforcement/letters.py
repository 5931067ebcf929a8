"""Warning letters (waarschuwingsbrieven): the policy's text filled in, rendered to a tagged PDF
(PDF/UA-1) once per alert, and handed out once by the provider (guide 2.4; DOMAIN.md "Absence").

The letter is written for a learner at A2–B1: plain Dutch, large type, short lines. Its text is the
tenant's own (AbsencePolicy.letter_text); a typo in a placeholder or a stray brace never stops a
letter, the unknown part is printed as written.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import selectors
from enforcement.models import AbsenceAlert, AbsencePolicy, LetterStatus, WarningLetter
from inburgering.audit import acting_as
from inburgering.documents import render_pdf
from notifications.services import notification_send
from progress.services import case_managers, provider_staff

logger = logging.getLogger(__name__)

# Fixed Dutch names: the letter is Dutch whatever the process locale is.
DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
DUTCH_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# A first line this short ending in "?" ("Wat gebeurt er nu?") is printed as a heading.
HEADING_MAX_LENGTH = 40
WHAT_NOW_HEADING = "Wat gebeurt er nu?"
LETTER_TITLE = "Waarschuwing: u was te vaak afwezig"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "enforcement"


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------


def dutch_month(day: date) -> str:
    """'oktober 2026'."""
    return f"{DUTCH_MONTHS[day.month - 1]} {day.year}"


def dutch_long_date(day: date) -> str:
    """'12 november 2026'."""
    return f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """'1-10-2026' (d-m-jjjj, no leading zeros)."""
    return f"{day.day}-{day.month}-{day.year}"


def dutch_list(items: list[str]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"


def _absence_days(alert: AbsenceAlert) -> list[date]:
    days = []
    for value in alert.absence_dates or []:
        try:
            days.append(date.fromisoformat(str(value)))
        except ValueError:
            continue  # a malformed entry is left out rather than stopping the letter
    return sorted(days)


def _alert_of(letter_or_alert: WarningLetter | AbsenceAlert) -> AbsenceAlert:
    return letter_or_alert.alert if isinstance(letter_or_alert, WarningLetter) else letter_or_alert


def letter_placeholders(alert: AbsenceAlert, policy: AbsencePolicy) -> dict[str, str]:
    learner = alert.learner
    municipality = learner.municipality
    return {
        "voornaam": learner.first_name,
        "achternaam": learner.last_name,
        "deelnemernummer": learner.learner_number,  # never the BSN
        "maand": dutch_month(alert.month),
        "aantal": str(alert.absence_count),
        "verzuimdata": dutch_list([short_date(day) for day in _absence_days(alert)]),
        "gemeente": municipality.name,
        "regio": alert.tenant.name,
        "contactpersoon": policy.contact_name.strip() or municipality.name,
        "contactgegevens": policy.contact_details.strip(),
    }


def safe_fill(text: str, values: dict[str, str]) -> str:
    """Replace known ``{name}`` placeholders; anything else (unknown names, lone braces) stays as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def letter_fill_text(letter_or_alert: WarningLetter | AbsenceAlert, policy: AbsencePolicy) -> str:
    """The policy's letter text with the placeholders filled for this alert's learner."""
    alert = _alert_of(letter_or_alert)
    return safe_fill(policy.letter_text or "", letter_placeholders(alert, policy))


def policy_for_alert(alert: AbsenceAlert) -> AbsencePolicy:
    """The policy of the latest absence's contract (DOMAIN.md "Rule semantics")."""
    return selectors.policy_for_contract(alert.contract)


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _blocks(text: str) -> list[dict]:
    """Paragraphs (split on blank lines) as lists of lines; a short first line ending in "?" with
    more lines after it becomes a heading."""
    blocks: list[dict] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        heading = ""
        if len(lines) > 1 and lines[0].endswith("?") and len(lines[0]) <= HEADING_MAX_LENGTH:
            heading, lines = lines[0], lines[1:]
        blocks.append({"heading": heading, "lines": lines})
    return blocks


def warning_letter_html(letter: WarningLetter, *, policy: AbsencePolicy | None = None, on: date | None = None) -> str:
    alert = letter.alert
    policy = policy or policy_for_alert(alert)
    learner = alert.learner
    text = letter_fill_text(alert, policy)
    blocks = _blocks(text)
    days = _absence_days(alert)
    on = on or timezone.localdate()
    context = {
        "title": LETTER_TITLE,
        "region": alert.tenant.name,
        "municipality": learner.municipality.name,
        "provider": letter.provider.name,
        "letter_date": dutch_long_date(on),
        "learner_name": learner.full_name,
        "learner_number": learner.learner_number,
        "month": dutch_month(alert.month),
        "absence_days": [f"{DUTCH_WEEKDAYS[day.weekday()]} {short_date(day)}" for day in days],
        "blocks": blocks,
        "has_what_now": any(block["heading"] == WHAT_NOW_HEADING for block in blocks) or WHAT_NOW_HEADING in text,
        "contact_name": policy.contact_name.strip() or learner.municipality.name,
        "contact_details": policy.contact_details.strip(),
        "stylesheet": (TEMPLATE_DIR / "warning_letter.css").read_text(encoding="utf-8"),
    }
    return render_to_string("enforcement/warning_letter.html", context)


def warning_letter_render_pdf(letter: WarningLetter, *, policy: AbsencePolicy | None = None) -> bytes:
    """The letter as a tagged PDF/UA-1 document (title and language nl set from the HTML)."""
    return render_pdf(warning_letter_html(letter, policy=policy), base_url=TEMPLATE_DIR)


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def _notify_letter_ready(letter: WarningLetter) -> None:
    learner = letter.alert.learner
    notification_send(
        recipients=case_managers(
            tenant_id=letter.tenant_id, municipality_id=learner.municipality_id, assigned=learner.case_manager
        ),
        tenant=letter.tenant,
        subject=_("Warning letter for %(number)s ready") % {"number": learner.learner_number},
        url=learner.get_absolute_url(),
    )
    notification_send(
        recipients=provider_staff(letter.provider_id),
        tenant=letter.tenant,
        subject=_("A warning letter to hand out to %(number)s") % {"number": learner.learner_number},
    )


def warning_letter_generate(*, letter_id: int) -> WarningLetter:
    """Make the letter's PDF exactly once. A redelivered task finds it ready and changes nothing; a
    rendering failure marks it failed (logged by id only: no personal data) and is not raised."""
    with transaction.atomic():
        letter = (
            WarningLetter.objects.select_for_update(of=("self",))
            .select_related(
                "tenant", "provider", "alert__tenant", "alert__learner__municipality", "alert__learner__case_manager"
            )
            .get(pk=letter_id)
        )
        if letter.status == LetterStatus.READY:
            return letter
        policy = policy_for_alert(letter.alert)
        try:
            text = letter_fill_text(letter, policy)
            pdf = warning_letter_render_pdf(letter, policy=policy)
        except Exception as error:
            logger.error("warning letter %s: rendering failed (%s)", letter.pk, type(error).__name__)
            letter.status = LetterStatus.FAILED
            letter.save(update_fields=["status"])
            return letter
        # The name comes from upload_to (tenant, alert and the letter's random token).
        letter.file.save("brief.pdf", ContentFile(pdf), save=False)
        stored = letter.file.name
        try:
            letter.text = text
            letter.generated_at = timezone.now()
            letter.status = LetterStatus.READY
            letter.save(update_fields=["file", "text", "generated_at", "status"])
            _notify_letter_ready(letter)
        except Exception:
            letter.file.storage.delete(stored)  # the transaction rolls back: leave no orphan file
            raise
    return letter


@transaction.atomic
def warning_letter_mark_handed_out(*, actor, letter: WarningLetter, handed_out_on: date) -> WarningLetter:
    """The provider hands the letter to the learner: recorded once, on a date between the day the
    letter was made and today."""
    letter = WarningLetter.objects.select_for_update().get(pk=letter.pk)
    errors: dict[str, list[str]] = {}
    if letter.status != LetterStatus.READY:
        errors.setdefault("__all__", []).append(_("This warning letter is not ready yet."))
    if letter.handed_out_on is not None:
        errors.setdefault("__all__", []).append(
            _("This warning letter was already handed out on %(date)s.")
            % {"date": letter.handed_out_on.strftime("%d-%m-%Y")}
        )
    if handed_out_on is None:
        errors.setdefault("handed_out_on", []).append(_("Give the date the letter was handed out."))
    else:
        if handed_out_on > timezone.localdate():
            errors.setdefault("handed_out_on", []).append(_("The date cannot be in the future."))
        if letter.generated_at and handed_out_on < timezone.localdate(letter.generated_at):
            errors.setdefault("handed_out_on", []).append(
                _("The date cannot be before the letter was made (%(date)s).")
                % {"date": timezone.localdate(letter.generated_at).strftime("%d-%m-%Y")}
            )
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        letter.handed_out_on = handed_out_on
        letter.handed_out_by = actor
        letter.save(update_fields=["handed_out_on", "handed_out_by"])
    return letter
