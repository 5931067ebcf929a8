"""Legal facts and the guide's defaults for absence policies (DOMAIN.md "Absence", "Legal facts").

Every number here is a default a tenant's verzuimprotocol (or a contract's override) replaces.
"""

from decimal import Decimal

# IJmond (guide 2.4): three absences in one calendar month trigger the warning letter.
DEFAULT_THRESHOLD_PER_MONTH = 3
# Wi2021: a municipality can fine a breach of the PIP obligations up to €800.
LEGAL_MAXIMUM_FINE = Decimal("800.00")
DEFAULT_MAXIMUM_FINE = LEGAL_MAXIMUM_FINE

# Besluit inburgering 2021 culpability levels mapped onto authorized/unauthorized (guide 2.2).
CULPABILITY_INTENT = "opzet"
CULPABILITY_GROSS = "grove_schuld"
CULPABILITY_NORMAL = "normale_verwijtbaarheid"
CULPABILITY_REDUCED = "verminderd_verwijtbaar"
DEFAULT_CULPABILITY_MAPPING = {
    CULPABILITY_INTENT: "ongeoorloofd",
    CULPABILITY_GROSS: "ongeoorloofd",
    CULPABILITY_NORMAL: "geoorloofd",
    CULPABILITY_REDUCED: "geoorloofd",
}
# Illness, medical appointments, childcare or informal-care emergencies (DOMAIN.md "Absence").
DEFAULT_AUTHORIZED_REASONS = ["ziek", "medisch", "kinderopvang", "mantelzorg"]
