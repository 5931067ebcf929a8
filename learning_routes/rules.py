"""Legal facts and defaults for learners and trajectories, named once (DOMAIN.md "Legal facts")."""

# Wi2021: the integration term is 3 years from the day after the first PIP (extendable by DUO).
INTEGRATION_TERM_YEARS = 3
# The age that splits contracts' age segments (guide 4.5, Nijmegen: under 27 and 27+).
AGE_SEGMENT_BOUNDARY = 27
# Term monitoring: trajectories whose integration term ends within this many months.
DEFAULT_TERM_WARNING_MONTHS = 6
