"""The what-if simulator (wat als): one contract's real attendance, ends and exams priced under each
financing model side by side (guide 4.3). Nothing is stored: a scenario keeps only its parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from contracts.models import Contract
from reports.periods import Period
from reports.rules import SIMULATOR_EXAMPLE_RATES
from reports.settlement import LineKind, Rates, Settlement, settlement_compute, settlement_facts

BONUSES = {"bonus_a1_a2", "bonus_a2_b1", "bonus_b1_b2"}
HOURLY = {"hourly_rate", "absence_allowance_percentage"}
# (key, Dutch name, the rates the model uses). The parameters are shared: one set of numbers, five models.
FINANCING_MODELS = (
    ("vast_bedrag", "Vast bedrag per inburgeraar", {"fixed_fee_per_learner"}),
    ("uurtarief", "Uurtarief", HOURLY),
    ("resultaat", "Resultaatfinanciering (resultaat + bonussen)", {"result_fee"} | BONUSES),
    ("hybride", "Hybride (alle onderdelen)", {"fixed_fee_per_learner", "result_fee"} | HOURLY | BONUSES),
    ("niveaustap", "Vast bedrag + bonus per niveaustap (gids 4.3)", {"fixed_fee_per_learner"} | BONUSES),
)
PARAMETER_NAMES = (
    "fixed_fee_per_learner",
    "hourly_rate",
    "absence_allowance_percentage",
    "extension_share_percentage",
    "result_fee",
    "bonus_a1_a2",
    "bonus_a2_b1",
    "bonus_b1_b2",
)


def default_parameters(contract: Contract) -> dict[str, Decimal]:
    """The contract's own rates; where it uses none (0), the example rate, so every model shows a cost."""
    rates = Rates.from_contract(contract)
    values = {name: getattr(rates, name) for name in PARAMETER_NAMES if name != "extension_share_percentage"}
    values["extension_share_percentage"] = contract.extension_municipality_share_percentage
    return {name: value if value else SIMULATOR_EXAMPLE_RATES[name] for name, value in values.items()}


def parameters_as_rates(parameters: dict[str, Decimal]) -> Rates:
    return Rates(**{name: Decimal(parameters[name]) for name in PARAMETER_NAMES})


@dataclass
class ModelOutcome:
    key: str
    label: str
    settlement: Settlement
    is_current: bool

    @property
    def total(self) -> Decimal:
        return self.settlement.total

    def amount_of(self, kind: str) -> Decimal:
        return sum((line.amount for line in self.settlement.lines if line.kind == kind), Decimal(0))

    @property
    def per_kind(self) -> list[tuple[str, Decimal]]:
        return [(kind, self.amount_of(kind)) for kind in LineKind.ORDER]


def simulate(contract: Contract, period: Period, parameters: dict[str, Decimal]) -> list[ModelOutcome]:
    """Each financing model over the same facts (loaded once)."""
    facts = settlement_facts(contract, period)
    rates = parameters_as_rates(parameters)
    return [
        ModelOutcome(key, label, settlement_compute(facts, rates.only(names)), key == contract.financing_model)
        for key, label, names in FINANCING_MODELS
    ]
