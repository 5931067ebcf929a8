"""Example rates the what-if simulator proposes for a rate the contract does not use (it is 0 there).

They are starting points on an editable form, never used in a settlement: a region compares models
on its own data and types its own numbers. Orders of magnitude as in guide 4.3 and the demo contracts.
"""

from decimal import Decimal

SIMULATOR_EXAMPLE_RATES = {
    "fixed_fee_per_learner": Decimal("7000.00"),
    "hourly_rate": Decimal("45.00"),
    "result_fee": Decimal("2500.00"),
    "bonus_a1_a2": Decimal("500.00"),
    "bonus_a2_b1": Decimal("1000.00"),
    "bonus_b1_b2": Decimal("1500.00"),
    "absence_allowance_percentage": Decimal("10"),
    "extension_share_percentage": Decimal("50"),
}
