"""Legal facts and the guide's defaults for contract agreements, named once.

Everything here is a default or a legal floor; the numbers that rules use live on each Contract.
"""

from decimal import Decimal

# Wet inburgering 2021: downscaling within the B1-route only after at least 600 hours of Dutch
# (guide 1.2; DOMAIN.md "Legal facts"). A contract may demand more, never less.
LEGAL_MINIMUM_DOWNSCALE_HOURS = 600

# Evaluation checkpoints after 300 and 600 attended lesson hours (guide 1.2).
DEFAULT_CHECKPOINT_HOURS = (300, 600)
DEFAULT_DOWNSCALE_MINIMUM_HOURS = LEGAL_MINIMUM_DOWNSCALE_HOURS
DEFAULT_ASSESSMENT_DEADLINE_WORKING_DAYS = 10
DEFAULT_DECISION_DEADLINE_WORKING_DAYS = 10
DEFAULT_MAX_HOURS_WARNING_PERCENTAGE = Decimal("90")
# Z-route: 800 course hours (DOMAIN.md "Legal facts"); other routes have no maximum by default.
DEFAULT_MAX_HOURS_Z_ROUTE = 800
# Dagdelen per week a contract may allow (guide 3.1: "drie, vier of vijf dagdelen").
DAGDELEN_CHOICES = (3, 4, 5)
# Quarterly report: a KPI up to this many percentage points below its target is amber, further is red.
# The guide sets no number (3.1 asks for targets and consequences); 5 points is our default.
DEFAULT_KPI_AMBER_MARGIN_POINTS = Decimal("5")
