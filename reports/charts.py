"""Charts of the quarterly figures as inline SVG (DESIGN.md "Documents": charts are SVG).

matplotlib draws each chart with its object-oriented API (a fresh ``Figure`` per chart, no pyplot
state, so rendering is thread-safe). Its SVG is then cleaned so it can sit inline in a page served
with a strict Content-Security-Policy (``style-src 'self'``) and in a WeasyPrint PDF:

- text stays text (``svg.fonttype = none``), in DejaVu Sans;
- no ``<style>`` element, no ``<metadata>``, no ``style=""`` attributes: every style declaration
  becomes an SVG presentation attribute, anything that is not one is dropped;
- ids are prefixed with the chart's key and unused ids removed, so several charts share a page;
- the root has ``role="img"``, an ``aria-label`` (the title) and a ``viewBox`` with ``width="100%"``.

Every chart comes with the numbers it shows (``rows``) and a one-sentence Dutch caption, so nothing
is told by the picture or by colour alone. An empty data set still gives a chart ("geen gegevens").
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree

import matplotlib

matplotlib.use("Agg")

from defusedxml.ElementTree import fromstring  # noqa: E402
from django.utils.safestring import SafeString, mark_safe  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from inburgering.documents import dutch_money  # noqa: E402
from reports.kpis import CLASSIFICATION_LABELS, REASON_LABELS, ContractQuarterFigures, hours  # noqa: E402
from reports.periods import DUTCH_MONTHS  # noqa: E402

# Set once, always to the same values (never changed per chart): safe with threads.
matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: small, selectable, readable by assistive technology
        "svg.hashsalt": "inburgering-reports",  # stable clip-path ids: the same figures give the same SVG
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],
        "font.size": 9,
        "axes.unicode_minus": False,
    }
)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# The site's palette: Rijkshuisstijl-like dark blue, an orange and greys (contrast ≥ 3:1 on white).
BLUE = "#154273"
ORANGE = "#c25400"
GREY = "#6b6b6b"
LIGHT_GREY = "#c8c8c8"
TEXT = "#1a1a1a"
GRID = "#dddddd"

WIDTH_INCHES = 6.4
EMPTY_HEIGHT = 0.9
NO_DATA = "geen gegevens"
DASH = "–"

# CSS properties that SVG also accepts as presentation attributes; anything else is dropped.
PRESENTATION_ATTRIBUTES = frozenset(
    {
        "alignment-baseline", "baseline-shift", "clip-path", "clip-rule", "color", "direction", "display",
        "dominant-baseline", "fill", "fill-opacity", "fill-rule", "font-family", "font-size", "font-size-adjust",
        "font-stretch", "font-style", "font-variant", "font-weight", "letter-spacing", "marker-end", "marker-mid",
        "marker-start", "mask", "opacity", "paint-order", "shape-rendering", "stop-color", "stop-opacity", "stroke",
        "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
        "stroke-opacity", "stroke-width", "text-anchor", "text-decoration", "text-rendering", "visibility",
        "word-spacing", "writing-mode",
    }
)  # fmt: skip
FONT_KEYWORDS = {
    "font-style": {"italic", "oblique"},
    "font-variant": {"small-caps"},
    "font-weight": {"bold", "bolder", "lighter", *(str(weight) for weight in range(100, 1000, 100))},
}
FONT_SIZE = re.compile(r"^(\d+(?:\.\d+)?(?:px|pt|em|%)?)(?:/\S+)?$")
GEOMETRY_ATTRIBUTES = frozenset({"d", "x", "y", "x1", "x2", "y1", "y2", "width", "height", "transform", "points"})
LONG_DECIMAL = re.compile(r"(\d+\.\d{2})\d+")
URL_REFERENCE = re.compile(r"url\(#([^)]+)\)")


@dataclass(frozen=True)
class Chart:
    key: str  # "aanwezigheid", "verzuimredenen", "handhaving", "doorlooptijd", "financiering"
    title: str  # Dutch
    caption: str  # Dutch one-sentence caption: what is shown and the key number
    svg: SafeString  # inline <svg> markup without style attributes or elements
    rows: list[tuple[str, str]]  # the numbers beside the chart: (Dutch label, formatted value)


# --- Dutch numbers ---------------------------------------------------------------------------------


def dutch_number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5' (with ``decimals=1``); None → '–'."""
    if value is None:
        return DASH
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def dutch_percentage(value: Decimal | None) -> str:
    """Decimal('87.5') → '87,5%', Decimal('90.0') → '90%'; None → '–'."""
    if value is None:
        return DASH
    value = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{dutch_number(value, 0 if value == value.to_integral_value() else 1)}%"


def dutch_hours(minutes: int) -> str:
    """Whole clock hours, as in the KPI table: 123456 minutes → '2.058 uur'."""
    return f"{hours(minutes)} uur"


def _one_decimal(value) -> str:
    """7 → '7', 7.5 → '7,5'."""
    return dutch_number(value, 0 if float(value).is_integer() else 1)


def _axis_number(value: float, _position=None) -> str:
    return dutch_number(value, 0 if float(value).is_integer() else 1)


def _axis_money(value: float, _position=None) -> str:
    return dutch_money(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- SVG clean-up ----------------------------------------------------------------------------------


def _split_font_shorthand(value: str) -> dict[str, str]:
    """'bold 10px DejaVu Sans' → font-weight, font-size and font-family."""
    result: dict[str, str] = {}
    tokens = value.split()
    for index, token in enumerate(tokens):
        size = FONT_SIZE.match(token)
        if size:
            result["font-size"] = size.group(1)
            family = " ".join(tokens[index + 1 :]).strip()
            if family:
                result["font-family"] = family
            break
        for name, keywords in FONT_KEYWORDS.items():
            if token in keywords:
                result[name] = token
    return result


def _style_to_attributes(style: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for declaration in style.split(";"):
        name, _colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if not name or not value:
            continue
        if name == "font":
            attributes.update(_split_font_shorthand(value))
        elif name in PRESENTATION_ATTRIBUTES:
            attributes[name] = value
    return attributes


def _unwrap_bare_groups(element) -> None:
    """Replace every <g> without attributes by its children: the same drawing with far fewer nodes
    (WeasyPrint styles each node of an inline SVG like an HTML element)."""
    children = []
    for child in element:
        _unwrap_bare_groups(child)
        if child.tag.endswith("}g") and not child.attrib:
            children.extend(child)
        else:
            children.append(child)
    element[:] = children


def clean_svg(svg: str, *, key: str, label: str) -> str:
    """matplotlib's SVG made fit for an inline, CSP-strict page (see the module docstring)."""
    start = svg.find("<svg")
    root = fromstring(svg[start:] if start >= 0 else svg, forbid_dtd=True)
    tag = f"{{{SVG_NS}}}"
    href = f"{{{XLINK_NS}}}href"

    # Drop <metadata> and <style> wherever they are, then the <defs> left empty by that.
    for dropped in (("metadata", "style"), ("defs",)):
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag in {f"{tag}{name}" for name in dropped} and (dropped != ("defs",) or len(child) == 0):
                    parent.remove(child)

    referenced: set[str] = set()
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for name, value in _style_to_attributes(style).items():
                element.set(name, value)
        for name, value in element.attrib.items():
            referenced.update(URL_REFERENCE.findall(value))
            if name in (href, "href") and value.startswith("#"):
                referenced.add(value[1:])
    for element in root.iter():
        identifier = element.attrib.pop("id", None)
        if identifier in referenced:
            element.set("id", f"{key}-{identifier}")
        if element.get("transform", "").startswith("rotate(-0 "):
            del element.attrib["transform"]
        if href in element.attrib:  # SVG 2's plain href: no xlink namespace to declare
            element.set("href", element.attrib.pop(href))
        for name, value in list(element.attrib.items()):
            if name == "href" and value.startswith("#") and value[1:] in referenced:
                element.set(name, f"#{key}-{value[1:]}")
            elif "url(#" in value:
                element.set(name, URL_REFERENCE.sub(lambda match: f"url(#{key}-{match.group(1)})", value))

    # Scalable: the viewBox stays, the fixed size in pt goes.
    for name in ("width", "height", "version"):
        root.attrib.pop(name, None)
    root.set("width", "100%")
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    root.set("class", f"chart-svg chart-{key}")
    # The stylesheet matplotlib puts in <defs> said: round joins, butt caps (inherited from the root).
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    # Coordinates: two decimals are plenty at this size, and keep the markup small (attributes only:
    # the text of labels is left exactly as written).
    for element in root.iter():
        for name in GEOMETRY_ATTRIBUTES.intersection(element.attrib):
            element.set(name, LONG_DECIMAL.sub(r"\1", element.get(name)))
    _unwrap_bare_groups(root)
    # Plain tag names and an explicit xmlns, rather than a registered prefix: ElementTree's prefix
    # registry is global and other libraries (WeasyPrint) change it, which would bring "ns0:" prefixes.
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(tag):
            element.tag = element.tag[len(tag) :]
    root.set("xmlns", SVG_NS)
    text = ElementTree.tostring(root, encoding="unicode")
    text = re.sub(r"\s*\n\s*", " ", text).replace("> <", "><")
    return re.sub(r"  +", " ", text)


def _figure(height: float, *, empty: bool = False) -> Figure:
    """A fresh figure (never pyplot's shared state); a low one when there is nothing to draw."""
    return Figure(figsize=(WIDTH_INCHES, EMPTY_HEIGHT if empty else height), dpi=72, facecolor="white")


def _style_axes(axes, *, value_axis: str = "y") -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(GREY)
    axes.tick_params(colors=TEXT, labelcolor=TEXT, length=3)
    axes.set_axisbelow(True)
    axes.grid(axis=value_axis, color=GRID, linewidth=0.6)


def _no_data(axes) -> None:
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.text(0.5, 0.5, "Geen gegevens", ha="center", va="center", color=GREY, fontsize=11, transform=axes.transAxes)


def _svg(figure: Figure, *, key: str, label: str) -> SafeString:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, facecolor="white")
    return mark_safe(clean_svg(buffer.getvalue().decode("utf-8"), key=key, label=label))  # noqa: S308 - built here


def _horizontal_bars(axes, labels: list[str], values: list, colours, *, money: bool = False) -> None:
    """Bars from top to bottom in the given order, each with its value at its end."""
    positions = list(range(len(labels)))
    bars = axes.barh(positions, [float(value) for value in values], color=colours, height=0.6)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4 if money else 5, integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(_axis_money if money else _axis_number))
    texts = [dutch_money(value) if money else dutch_number(value) for value in values]
    axes.bar_label(bars, labels=texts, padding=3, color=TEXT, fontsize=8.5)
    highest = max((float(value) for value in values), default=0)
    axes.set_xlim(0, highest * (1.35 if money else 1.18) if highest > 0 else 1)
    _style_axes(axes, value_axis="x")


# --- The charts ------------------------------------------------------------------------------------


def _short_month(month) -> str:
    return DUTCH_MONTHS[month.month - 1]


def attendance_chart(figures: ContractQuarterFigures) -> Chart:
    """Planned (offered) and attended hours per month of the quarter, side by side."""
    key, title = "aanwezigheid", "Geplande en gevolgde lesuren per maand"
    months = figures.months
    rows = []
    for month in months:
        rows.append(
            (
                f"{DUTCH_MONTHS[month.month.month - 1]} {month.month.year}",
                f"{dutch_hours(month.attended_minutes)} van {dutch_hours(month.offered_minutes)}"
                f" ({dutch_percentage(month.rate)})",
            )
        )
    rows.append(
        (
            "Kwartaal",
            f"{dutch_hours(figures.attended_minutes)} van {dutch_hours(figures.offered_minutes)}"
            f" ({dutch_percentage(figures.attendance_rate)})",
        )
    )
    empty = not figures.offered_minutes and not figures.attended_minutes
    figure = _figure(2.4, empty=empty)
    axes = figure.add_subplot()
    if empty:
        _no_data(axes)
        caption = f"Geplande en gevolgde lesuren per maand in het {figures.quarter.dutch_name}: {NO_DATA}."
    else:
        positions = list(range(len(months)))
        offered = [month.offered_minutes / 60 for month in months]
        attended = [month.attended_minutes / 60 for month in months]
        width = 0.38
        planned_bars = axes.bar([p - width / 2 for p in positions], offered, width, color=LIGHT_GREY, label="Gepland")
        attended_bars = axes.bar([p + width / 2 for p in positions], attended, width, color=BLUE, label="Gevolgd")
        axes.bar_label(planned_bars, labels=[dutch_number(v) for v in offered], padding=2, fontsize=8, color=TEXT)
        axes.bar_label(attended_bars, labels=[dutch_number(v) for v in attended], padding=2, fontsize=8, color=TEXT)
        axes.set_xticks(positions, [_short_month(month.month) for month in months])
        axes.set_ylabel("uren", color=TEXT)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(_axis_number))
        axes.set_ylim(0, max(offered + attended) * 1.15)
        axes.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, 1.14), ncols=2)
        _style_axes(axes)
        caption = (
            f"Geplande en gevolgde lesuren per maand in het {figures.quarter.dutch_name}; over het kwartaal "
            f"was de aanwezigheid {dutch_percentage(figures.attendance_rate)} "
            f"({dutch_hours(figures.attended_minutes)} van {dutch_hours(figures.offered_minutes)})."
        )
    figure.tight_layout(pad=0.4)
    return Chart(key, title, caption, _svg(figure, key=key, label=title), rows)


def absence_reasons_chart(figures: ContractQuarterFigures) -> Chart:
    """Absent lessons by the reason the provider reported, and how they were classified."""
    key, title = "verzuimredenen", "Afwezigheden per gemelde reden"
    reasons = [(label, figures.absences_by_reason.get(reason, 0)) for reason, label in REASON_LABELS.items()]
    known = set(REASON_LABELS)
    unknown = sum(count for reason, count in figures.absences_by_reason.items() if reason not in known)
    if unknown:
        reasons.append(("overig", unknown))
    total = figures.absences
    rows = [(label.capitalize(), dutch_number(count)) for label, count in reasons]
    rows.extend(
        (f"Beoordeeld: {label}", dutch_number(figures.absences_by_classification.get(classification, 0)))
        for classification, label in CLASSIFICATION_LABELS.items()
    )
    rows.append(("Afwezige lessen totaal", dutch_number(total)))
    figure = _figure(2.3, empty=not total)
    axes = figure.add_subplot()
    if not total:
        _no_data(axes)
        caption = f"Afwezige lessen per gemelde reden in het {figures.quarter.dutch_name}: {NO_DATA}."
    else:
        counts = [count for _label, count in reasons]
        colours = [GREY if label == REASON_LABELS[""] else BLUE for label, _count in reasons]
        _horizontal_bars(axes, [label for label, _count in reasons], counts, colours)
        axes.set_xlabel("afwezige lessen", color=TEXT)
        top_label, top_count = max(reasons, key=lambda item: item[1])
        caption = (
            f"Afwezige lessen per gemelde reden in het {figures.quarter.dutch_name}: {dutch_number(total)} in totaal, "
            f"het vaakst '{top_label}' ({dutch_number(top_count)})."
        )
    figure.tight_layout(pad=0.4)
    return Chart(key, title, caption, _svg(figure, key=key, label=title), rows)


def enforcement_funnel_chart(figures: ContractQuarterFigures) -> Chart:
    """The enforcement funnel as counts, from absence alert to fine, top to bottom."""
    key, title = "handhaving", "Van verzuimsignaal tot handhaving"
    funnel = figures.funnel
    rows = [(label, dutch_number(count)) for label, count in funnel]
    empty = not any(count for _label, count in funnel)
    figure = _figure(2.4, empty=empty)
    axes = figure.add_subplot()
    alerts = funnel[0][1] if funnel else 0
    cases = dict(funnel).get("Handhavingszaak geopend", 0)
    if empty:
        _no_data(axes)
        caption = f"Verzuimsignalen en de stappen die erop volgden in het {figures.quarter.dutch_name}: {NO_DATA}."
    else:
        colours = [BLUE] * 3 + [ORANGE] * (len(funnel) - 3)
        _horizontal_bars(axes, [label for label, _count in funnel], [count for _label, count in funnel], colours)
        axes.set_xlabel("aantal", color=TEXT)
        caption = (
            f"Verzuimsignalen en de stappen die erop volgden in het {figures.quarter.dutch_name}: van "
            f"{dutch_number(alerts)} verzuimsignalen leidden er {dutch_number(cases)} tot een handhavingszaak."
        )
    figure.tight_layout(pad=0.4)
    return Chart(key, title, caption, _svg(figure, key=key, label=title), rows)


def turnaround_chart(figures: ContractQuarterFigures) -> Chart:
    """How many working days decisions on level-change requests took (a histogram)."""
    key, title = "doorlooptijd", "Doorlooptijd van besluiten over niveauwijziging"
    days = figures.turnaround_days
    rows = [
        ("Besluiten genomen", dutch_number(figures.decisions)),
        (
            "Mediaan",
            DASH if figures.turnaround_median is None else f"{_one_decimal(figures.turnaround_median)} werkdagen",
        ),
        (
            "90e percentiel",
            DASH if figures.turnaround_p90 is None else f"{dutch_number(figures.turnaround_p90)} werkdagen",
        ),
        (
            "Binnen termijn",
            f"{dutch_percentage(figures.decisions_share_within_deadline)} "
            f"({dutch_number(figures.decisions_within_deadline)} van {dutch_number(figures.decisions)})",
        ),
    ]
    figure = _figure(2.2, empty=not days)
    axes = figure.add_subplot()
    if not days:
        _no_data(axes)
        caption = f"Doorlooptijd van besluiten over niveauwijziging in het {figures.quarter.dutch_name}: {NO_DATA}."
    else:
        highest = max(days)
        step = max(1, -(-(highest + 1) // 30))  # at most 30 bars, each centred on its first day
        edges = [edge - 0.5 for edge in range(0, highest + step + 1, step)]
        counts, _edges, bars = axes.hist(days, bins=edges, color=BLUE, edgecolor="white", linewidth=0.8)
        axes.bar_label(bars, labels=[dutch_number(c) if c else "" for c in counts], padding=2, fontsize=8, color=TEXT)
        axes.set_xlabel("werkdagen tot besluit", color=TEXT)
        axes.set_ylabel("besluiten", color=TEXT)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        axes.xaxis.set_major_formatter(FuncFormatter(_axis_number))
        axes.yaxis.set_major_formatter(FuncFormatter(_axis_number))
        axes.set_ylim(0, max(counts) * 1.15)
        median = float(figures.turnaround_median)
        axes.axvline(
            median, color=ORANGE, linestyle="--", linewidth=1.4, label=f"mediaan: {_one_decimal(median)} werkdagen"
        )
        axes.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, 1.16))
        _style_axes(axes)
        caption = (
            f"Werkdagen tussen aanvraag en besluit over niveauwijziging in het {figures.quarter.dutch_name}: "
            f"mediaan {_one_decimal(figures.turnaround_median)} werkdagen, "
            f"{dutch_percentage(figures.decisions_share_within_deadline)} binnen de termijn."
        )
    figure.tight_layout(pad=0.4)
    return Chart(key, title, caption, _svg(figure, key=key, label=title), rows)


def financing_models_chart(outcomes: list) -> Chart:
    """The total cost of the same period under each financing model; the current model in orange."""
    key, title = "financiering", "Kosten per financieringsmodel"
    rows = [
        (f"{outcome.label}{' (huidig model)' if outcome.is_current else ''}", dutch_money(outcome.total))
        for outcome in outcomes
    ]
    empty = not any(outcome.total for outcome in outcomes)
    figure = _figure(max(1.6, 0.45 * len(outcomes) + 0.8), empty=empty)
    axes = figure.add_subplot()
    current = next((outcome for outcome in outcomes if outcome.is_current), None)
    if empty:
        _no_data(axes)
        caption = f"Kosten per financieringsmodel over dezelfde periode: {NO_DATA}."
    else:
        labels = [f"{outcome.label}{' (huidig)' if outcome.is_current else ''}" for outcome in outcomes]
        colours = [ORANGE if outcome.is_current else BLUE for outcome in outcomes]
        _horizontal_bars(axes, labels, [outcome.total for outcome in outcomes], colours, money=True)
        axes.set_xlabel("kosten (euro)", color=TEXT)
        cheapest = min(outcomes, key=lambda outcome: outcome.total)
        caption = "Kosten van dezelfde periode onder elk financieringsmodel"
        if current is not None:
            caption += f"; het huidige model ({current.label}) kost {dutch_money(current.total)}"
        caption += f", het goedkoopste is {cheapest.label} met {dutch_money(cheapest.total)}."
    figure.tight_layout(pad=0.4)
    return Chart(key, title, caption, _svg(figure, key=key, label=title), rows)


def quarter_charts(figures: ContractQuarterFigures) -> list[Chart]:
    """The four charts of a quarterly report, in the report's order."""
    return [
        attendance_chart(figures),
        absence_reasons_chart(figures),
        enforcement_funnel_chart(figures),
        turnaround_chart(figures),
    ]
