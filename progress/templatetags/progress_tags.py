"""Template helpers for checkpoints and level changes: deadlines in working days, skill names,
hours with a decimal comma, and the learner's checkpoints and requests on the dossier."""

from __future__ import annotations

from decimal import Decimal

from django import template

from inburgering.workdays import working_days_between
from learning_routes.models import Skill
from progress.models import Checkpoint, LevelChangeRequest

register = template.Library()


@register.filter
def working_days_over(due_date, today) -> int:
    """Working days past ``due_date`` as of ``today`` (0 when not past): ``{{ due|working_days_over:today }}``."""
    if not due_date or not today or due_date >= today:
        return 0
    return working_days_between(due_date, today)


@register.filter
def skill_label(value: str) -> str:
    try:
        return str(Skill(value).label)
    except ValueError:
        return value


@register.filter
def number_nl(value) -> str:
    """Hours or a percentage as a Dutch reader expects them: 612,5 (no trailing zeros)."""
    if value is None or value == "":
        return "–"
    return f"{Decimal(value).normalize():f}".replace(".", ",")


@register.simple_tag(takes_context=True)
def learner_progress(context, learner) -> dict | None:
    """The learner's checkpoints and level-change requests for the dossier (two queries), or None
    when the caller's role does not follow them."""
    from progress.views import CHECKPOINT_READERS, EXTENSION_GRANTERS

    request = context.get("request")
    tenancy = getattr(request, "tenancy", None)
    if tenancy is None or not tenancy.has_role(*CHECKPOINT_READERS):
        return None
    return {
        "checkpoints": list(Checkpoint.objects.filter(learner=learner).order_by("threshold_hours")),
        "requests": list(
            LevelChangeRequest.objects.filter(trajectory__learner=learner).order_by("-requested_at", "-pk")
        ),
        "may_extend": tenancy.has_role(*EXTENSION_GRANTERS),
    }
