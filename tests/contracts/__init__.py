"""Contract checks: buf lint, format and breaking against the released baseline, gen/ in sync, event names."""
