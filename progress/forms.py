"""Browser forms for checkpoints, level-change requests, decisions and extensions.

They convert types only; the services validate (once, for the browser and the API alike). A
service error keyed by a name the form has no input for (``assessments``, ``skill_changes``,
``trajectory``, ``checkpoint``) lands in an :class:`ErrorSlot`, so the template shows it next to
the group of inputs it is about instead of only at the top.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Route
from learning_routes.models import LEVEL_ORDER, Level, Skill
from progress.models import Advice, ChangeKind, Decision

SKILLS = list(Skill)
YES_NO = [("ja", _("yes")), ("nee", _("no"))]
EMPTY_LEVEL = [("", "–")]

# Attachments to a level-change request (evidence such as an independent test result).
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {  # extension: (content type, magic bytes at the start of the file)
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
EVIDENCE_ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


def _textarea(rows: int = 4):
    return forms.Textarea(attrs={"rows": rows})


class ErrorSlot(forms.Field):
    """Never rendered as an input: holds a service's errors about a group of inputs. The template
    gives that group the slot's id (``id_<name>``), so the error summary links to it."""

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=forms.HiddenInput, **kwargs)


def evidence_content_type(name: str) -> str:
    """The content type of a stored attachment, from the extension it was checked against."""
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    return EVIDENCE_TYPES.get(extension, ("application/octet-stream", ()))[0]


# --- Checkpoint: the provider's assessment and the case manager's review --------------------------


class CheckpointAssessmentForm(forms.Form):
    """One fieldset per skill (current level, on track, remark), then the advice."""

    assessments = ErrorSlot(label=_("Assessment per skill"))
    advice = forms.ChoiceField(label=_("Advice"), choices=Advice.choices, widget=forms.RadioSelect)
    advice_remark = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=_textarea(),
        help_text=_("Required when you advise to downscale, upscale or switch route."),
    )
    advice_remark.conditional = True  # required for some advice: the service says when

    def __init__(self, *args, targets: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets or {}
        for skill in SKILLS:
            label = str(skill.label)
            self.fields[f"{skill.value}_level"] = forms.ChoiceField(
                label=_("Current level"), choices=EMPTY_LEVEL + list(Level.choices)
            )
            self.fields[f"{skill.value}_on_track"] = forms.ChoiceField(
                label=_("On track"), choices=YES_NO, widget=forms.RadioSelect
            )
            self.fields[f"{skill.value}_remark"] = forms.CharField(
                label=_("Remark"), required=False, max_length=1000, widget=_textarea(2)
            )
            # Screen readers announce the skill with each input of its fieldset via the legend;
            # the error summary needs it spelled out.
            for suffix in ("level", "on_track", "remark"):
                self.fields[f"{skill.value}_{suffix}"].skill_label = label

    def skill_groups(self) -> list[dict]:
        return [
            {
                "skill": skill.value,
                "label": skill.label,
                "target": self.targets.get(skill.value, ""),
                "level": self[f"{skill.value}_level"],
                "on_track": self[f"{skill.value}_on_track"],
                "remark": self[f"{skill.value}_remark"],
            }
            for skill in SKILLS
        ]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "assessments": [
                {
                    "skill": skill.value,
                    "current_level": data[f"{skill.value}_level"],
                    "on_track": data[f"{skill.value}_on_track"] == "ja",
                    "remark": data.get(f"{skill.value}_remark", ""),
                }
                for skill in SKILLS
            ],
            "advice": data["advice"],
            "advice_remark": data.get("advice_remark", ""),
        }


class CheckpointReviewForm(forms.Form):
    remark = forms.CharField(
        label=_("Remark"),
        required=False,
        widget=_textarea(3),
        help_text=_("For example what you agreed with the learner or the provider."),
    )


# --- Level-change request (provider) ------------------------------------------------------------


def _neighbour(level: str, step: int) -> str:
    index = LEVEL_ORDER.index(level) + step
    return LEVEL_ORDER[index] if 0 <= index < len(LEVEL_ORDER) else ""


class LevelChangeRequestForm(forms.Form):
    trajectory = ErrorSlot(label=_("Trajectory"))
    checkpoint = ErrorSlot(label=_("Checkpoint"))
    skill_changes = ErrorSlot(label=_("Skills"))
    kind = forms.ChoiceField(label=_("Kind of change"), choices=ChangeKind.choices, widget=forms.RadioSelect)
    new_route = forms.ChoiceField(
        label=_("New route"),
        required=False,
        choices=[("", "–")] + list(Route.choices),
        help_text=_("Only for a route switch."),
    )
    motivation = forms.CharField(label=_("Motivation"), widget=_textarea(5))
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=_textarea(3),
        help_text=_("For example an independent test result."),
    )
    evidence_file = forms.FileField(
        label=_("Attachment"),
        required=False,
        widget=forms.FileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        help_text=_("PDF, PNG or JPEG, at most 10 MB."),
    )

    def __init__(self, *args, trajectory, kind: str = "", assessments=(), **kwargs):
        super().__init__(*args, **kwargs)
        targets = trajectory.targets
        off_track = {a.skill for a in assessments if not a.on_track}
        step = {ChangeKind.DOWNSCALE: -1, ChangeKind.UPSCALE: 1}.get(kind, 0)
        if kind in ChangeKind.values:
            self.fields["kind"].initial = kind
        for skill in SKILLS:
            label = str(skill.label)
            include = forms.BooleanField(label=_("Change %(skill)s") % {"skill": label}, required=False)
            from_level = forms.ChoiceField(
                label=_("Current target for %(skill)s") % {"skill": label}, choices=list(Level.choices)
            )
            to_level = forms.ChoiceField(
                label=_("New level for %(skill)s") % {"skill": label},
                required=False,
                choices=EMPTY_LEVEL + list(Level.choices),
            )
            from_level.initial = targets[skill.value]
            if step:
                to_level.initial = _neighbour(targets[skill.value], step)
            # The checkpoint's advice to downscale: preselect the skills it found not on track.
            include.initial = kind == ChangeKind.DOWNSCALE and skill.value in off_track
            self.fields[f"{skill.value}_include"] = include
            self.fields[f"{skill.value}_from"] = from_level
            self.fields[f"{skill.value}_to"] = to_level

    def skill_rows(self) -> list[dict]:
        return [
            {
                "skill": skill.value,
                "label": skill.label,
                "include": self[f"{skill.value}_include"],
                "from": self[f"{skill.value}_from"],
                "to": self[f"{skill.value}_to"],
            }
            for skill in SKILLS
        ]

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if not upload:
            return None
        if upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(
                _("The attachment is %(size)s MB; it may be at most 10 MB."),
                params={"size": f"{upload.size / (1024 * 1024):.1f}".replace(".", ",")},
                code="too_large",
            )
        name = upload.name or ""
        extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        expected = EVIDENCE_TYPES.get(extension)
        head = upload.read(16)
        upload.seek(0)
        if expected is None or not any(head.startswith(magic) for magic in expected[1]):
            # By content, not only by name: a renamed file of another kind is refused too.
            raise forms.ValidationError(_("Only a PDF, PNG or JPEG file can be attached."), code="file_type")
        return upload

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "skill_changes": [
                {"skill": skill.value, "from": data[f"{skill.value}_from"], "to": data[f"{skill.value}_to"]}
                for skill in SKILLS
                if data.get(f"{skill.value}_include")
            ],
            "new_route": data.get("new_route", ""),
            "motivation": data.get("motivation", ""),
            "evidence": data.get("evidence", ""),
            "evidence_file": data.get("evidence_file"),
        }


# --- Decision (case manager) ---------------------------------------------------------------------


class LevelChangeDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    decision_reason = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=_textarea(4),
        help_text=_("Required when you refuse; the provider reads it."),
    )
    decision_reason.conditional = True  # required when refusing: the service says so


# --- Hour extension (case manager) ----------------------------------------------------------------


class HoursExtensionForm(forms.Form):
    extra_hours = forms.IntegerField(label=_("Extra hours"))
    reason = forms.CharField(label=_("Reason"), widget=_textarea(4))
    municipality_share_percentage = forms.DecimalField(
        label=_("Municipality's share (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_("Prefilled from the contract. The extra hours are paid at the hourly rate times this share."),
    )
