"""Cross-cutting tests of the Mercado repository (chassis, contracts, end to end)."""
