"""Shared plumbing of generated documents and exports: PDFs without external resources, spreadsheet
cells that never run as formulas, Dutch money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

# Spreadsheet programs evaluate cells starting with these as formulas (CSV injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A cell a spreadsheet will not run as a formula: a leading apostrophe where needed."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def dutch_money(amount: Decimal, *, always_cents: bool = False) -> str:
    """'€ 800' for whole euros (or '€ 800,00' with ``always_cents``), else '€ 1.250,50'."""
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 1)
    euros = f"{int(whole):,}".replace(",", ".")
    if cents == 0 and not always_cents:
        return f"{sign}€ {euros}"
    return f"{sign}€ {euros},{int(cents * 100):02d}"


def refuse_fetching(url, *args, **kwargs):
    """No external resources in a generated document: no network, no files (fonts from fontconfig)."""
    raise ValueError("generated documents load no external resources")


def render_pdf(html: str, *, base_url: Path | str) -> bytes:
    """A tagged PDF/UA-1 document (title and language come from the HTML)."""
    from weasyprint import HTML  # imported here: loading pango costs time every other import would pay

    return HTML(string=html, base_url=str(base_url), url_fetcher=refuse_fetching).write_pdf(pdf_variant="pdf/ua-1")
