"""Charts as inline SVG: the numbers in Dutch, no inline styles (strict CSP), accessible, never raising."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring

from reports.charts import (
    Chart,
    absence_reasons_chart,
    attendance_chart,
    clean_svg,
    dutch_number,
    dutch_percentage,
    enforcement_funnel_chart,
    financing_models_chart,
    quarter_charts,
    turnaround_chart,
)
from reports.kpis import ContractQuarterFigures, MonthAttendance
from reports.periods import Quarter

Q3 = Quarter.parse("2026-K3")
SVG = "{http://www.w3.org/2000/svg}"


def known_figures() -> ContractQuarterFigures:
    months = [
        MonthAttendance(Q3.months[0], offered_minutes=48_000, attended_minutes=42_000, absent_minutes=6_000),
        MonthAttendance(Q3.months[1], offered_minutes=24_000, attended_minutes=21_000, absent_minutes=3_000),
        MonthAttendance(Q3.months[2], offered_minutes=36_000, attended_minutes=31_500, absent_minutes=4_500),
    ]
    return ContractQuarterFigures(
        contract=None,
        quarter=Q3,
        months=months,
        absences_by_classification=Counter({"geoorloofd": 10, "ongeoorloofd": 4, "": 6}),
        absences_by_reason=Counter({"ziek": 12, "werk": 3, "": 5}),
        alerts_by_status=Counter({"nieuw": 9, "afgesloten": 4, "vervallen": 1}),
        letters_made=9,
        letters_handed_out=7,
        cases_opened=3,
        case_steps=Counter({"contact": 3, "driegesprek": 2}),
        turnaround_days=[3, 5, 5, 7, 8, 12, 15, 2, 9, 21],
        decisions=10,
        decisions_within_deadline=8,
    )


def empty_figures() -> ContractQuarterFigures:
    return ContractQuarterFigures(contract=None, quarter=Q3, months=[MonthAttendance(month) for month in Q3.months])


@dataclass
class Outcome:
    key: str
    label: str
    total: Decimal
    is_current: bool
    per_kind: tuple = ()


OUTCOMES = [
    Outcome("vast_bedrag", "Vast bedrag per inburgeraar", Decimal("120000.00"), False),
    Outcome("uurtarief", "Uurtarief", Decimal("98750.50"), True),
    Outcome("resultaat", "Resultaatfinanciering (resultaat + bonussen)", Decimal("64200.00"), False),
]


def all_charts(figures: ContractQuarterFigures, outcomes: list) -> list[Chart]:
    return [*quarter_charts(figures), financing_models_chart(outcomes)]


def svg_texts(chart: Chart) -> list[str]:
    root = fromstring(str(chart.svg))
    return [element.text for element in root.iter(f"{SVG}text") if element.text]


def assert_csp_clean(chart: Chart) -> None:
    markup = str(chart.svg)
    assert markup.startswith("<svg ")
    assert "style=" not in markup
    assert "<style" not in markup
    assert "<metadata" not in markup
    assert "ns0:" not in markup and "xlink" not in markup
    assert "<!DOCTYPE" not in markup and "<?xml" not in markup
    root = fromstring(markup)  # well-formed, and in the SVG namespace without a prefix
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == chart.title
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    # Every reference points at an id of this chart, and ids carry the chart's key.
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    assert all(identifier.startswith(f"{chart.key}-") for identifier in ids)
    references = set(re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', markup))
    for reference in {part for pair in references for part in pair if part}:
        assert reference in ids
    assert len(markup.encode()) < 40_000


@pytest.mark.parametrize("make", [known_figures, empty_figures], ids=["known", "empty"])
def test_every_chart_is_inline_svg_fit_for_a_strict_csp(make):
    outcomes = OUTCOMES if make is known_figures else []
    charts = all_charts(make(), outcomes)
    assert [chart.key for chart in charts] == [
        "aanwezigheid",
        "verzuimredenen",
        "handhaving",
        "doorlooptijd",
        "financiering",
    ]
    for chart in charts:
        assert_csp_clean(chart)
        assert chart.title and chart.caption.endswith(".")
        assert all(isinstance(label, str) and isinstance(value, str) for label, value in chart.rows)
    # Ids are unique over a page that shows all charts.
    ids = [identifier for chart in charts for identifier in re.findall(r' id="([^"]+)"', str(chart.svg))]
    assert len(ids) == len(set(ids))


def test_attendance_chart_shows_planned_and_attended_hours_per_month():
    chart = attendance_chart(known_figures())
    # 108.000 offered, 94.500 attended minutes: 1.800 of 1.575 hours, 87,5%.
    assert chart.rows == [
        ("juli 2026", "700 uur van 800 uur (87,5%)"),
        ("augustus 2026", "350 uur van 400 uur (87,5%)"),
        ("september 2026", "525 uur van 600 uur (87,5%)"),
        ("Kwartaal", "1.575 uur van 1.800 uur (87,5%)"),
    ]
    assert "87,5%" in chart.caption and "3e kwartaal 2026" in chart.caption
    texts = svg_texts(chart)
    for label in ("juli", "augustus", "september", "Gepland", "Gevolgd", "800", "700", "525"):
        assert label in texts


def test_absence_reasons_chart_counts_reasons_and_classifications():
    chart = absence_reasons_chart(known_figures())
    rows = dict(chart.rows)
    assert rows["Ziek"] == "12"
    assert rows["Werk"] == "3"
    assert rows["Geen reden gemeld"] == "5"
    assert rows["Beoordeeld: geoorloofd"] == "10"
    assert rows["Beoordeeld: ongeoorloofd"] == "4"
    assert rows["Beoordeeld: nog niet beoordeeld"] == "6"
    assert rows["Afwezige lessen totaal"] == "20"
    assert "'ziek' (12)" in chart.caption
    texts = svg_texts(chart)
    assert "ziek" in texts and "12" in texts and "geen reden gemeld" in texts


def test_funnel_chart_counts_top_to_bottom():
    chart = enforcement_funnel_chart(known_figures())
    assert chart.rows[:4] == [
        ("Verzuimsignalen", "13"),  # 14 alerts, one withdrawn
        ("Waarschuwingsbrief gemaakt", "9"),
        ("Brief uitgereikt", "7"),
        ("Handhavingszaak geopend", "3"),
    ]
    assert dict(chart.rows)["Driegesprek"] == "2"
    assert "van 13 verzuimsignalen leidden er 3 tot een handhavingszaak" in chart.caption
    texts = svg_texts(chart)
    labels = [text for text in texts if text in dict(chart.rows)]
    assert labels[:4] == [
        "Verzuimsignalen",
        "Waarschuwingsbrief gemaakt",
        "Brief uitgereikt",
        "Handhavingszaak geopend",
    ]


def test_turnaround_chart_gives_median_p90_and_share_within_deadline():
    chart = turnaround_chart(known_figures())
    assert chart.rows == [
        ("Besluiten genomen", "10"),
        ("Mediaan", "7,5 werkdagen"),
        ("90e percentiel", "15 werkdagen"),
        ("Binnen termijn", "80% (8 van 10)"),
    ]
    assert "mediaan 7,5 werkdagen" in chart.caption
    assert "mediaan: 7,5 werkdagen" in svg_texts(chart)


def test_financing_chart_marks_the_current_model_in_words_and_prints_euros():
    chart = financing_models_chart(OUTCOMES)
    assert chart.rows == [
        ("Vast bedrag per inburgeraar", "€ 120.000"),
        ("Uurtarief (huidig model)", "€ 98.750,50"),
        ("Resultaatfinanciering (resultaat + bonussen)", "€ 64.200"),
    ]
    assert "het huidige model (Uurtarief) kost € 98.750,50" in chart.caption
    texts = svg_texts(chart)
    assert "Uurtarief (huidig)" in texts
    assert "€ 98.750,50" in texts  # label text is never shortened by the coordinate rounding


def test_empty_figures_say_there_is_no_data():
    for chart in all_charts(empty_figures(), []):
        assert "Geen gegevens" in svg_texts(chart)
        assert "geen gegevens" in chart.caption
    assert dict(turnaround_chart(empty_figures()).rows)["Mediaan"] == "–"
    assert financing_models_chart([Outcome("uurtarief", "Uurtarief", Decimal(0), True)]).rows == [
        ("Uurtarief (huidig model)", "€ 0")
    ]


def test_charts_are_the_same_every_time_and_from_several_threads():
    figures = known_figures()
    expected = [str(chart.svg) for chart in all_charts(figures, OUTCOMES)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _index: [str(c.svg) for c in all_charts(figures, OUTCOMES)], range(4)))
    assert all(result == expected for result in results)


def test_style_attributes_become_presentation_attributes():
    raw = (
        '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="432pt" height="216pt" viewBox="0 0 432 216" version="1.1">'
        "<metadata><title>Matplotlib</title></metadata>"
        '<defs><style type="text/css">*{stroke-linejoin: round}</style>'
        '<path id="m1" d="M 0 0 L 0 3.123456" style="stroke: #000000; stroke-width: 0.8"/></defs>'
        '<g id="figure_1"><clipPath id="p1"><rect x="1" y="1" width="5" height="5"/></clipPath>'
        '<use xlink:href="#m1" x="5.0000001" clip-path="url(#p1)" style="fill: #154273; fill-opacity: 0.5"/>'
        "<text style=\"font: bold 12px 'DejaVu Sans'; text-anchor: middle; white-space: pre; fill: #1a1a1a\" "
        'transform="rotate(-0 10 10)">1.234,567</text></g></svg>'
    )
    markup = clean_svg(raw, key="proef", label="Proef")
    root = fromstring(markup)
    assert "style" not in markup and "metadata" not in markup and "white-space" not in markup
    path = root.find(f"{SVG}defs/{SVG}path")
    assert path.get("id") == "proef-m1"
    assert path.get("stroke") == "#000000" and path.get("stroke-width") == "0.8"
    assert path.get("d") == "M 0 0 L 0 3.12"
    use = next(root.iter(f"{SVG}use"))
    assert use.get("href") == "#proef-m1"
    assert use.get("clip-path") == "url(#proef-p1)"
    assert use.get("fill") == "#154273" and use.get("fill-opacity") == "0.5"
    text = next(root.iter(f"{SVG}text"))
    assert text.get("font-size") == "12px"
    assert text.get("font-weight") == "bold"
    assert text.get("font-family") == "'DejaVu Sans'"
    assert text.get("text-anchor") == "middle"
    assert text.get("transform") is None
    assert text.text == "1.234,567"
    assert root.find(f"{SVG}g") is None or root.find(f"{SVG}g").attrib  # bare groups are unwrapped
    assert root.get("width") == "100%" and root.get("viewBox") == "0 0 432 216"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(1234567, 0, "1.234.567"), (Decimal("1234.55"), 1, "1.234,6"), (0, 0, "0"), (None, 0, "–"), (-1500, 0, "-1.500")],
)
def test_dutch_number(value, decimals, expected):
    assert dutch_number(value, decimals) == expected


def test_dutch_percentage():
    assert dutch_percentage(Decimal("87.5")) == "87,5%"
    assert dutch_percentage(Decimal("90.0")) == "90%"
    assert dutch_percentage(Decimal("100")) == "100%"
    assert dutch_percentage(None) == "–"
