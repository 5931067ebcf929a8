"""Browser views of absence and enforcement, one module per area (triage, cases, policy, classification)."""
