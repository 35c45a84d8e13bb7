"""`python -m billing`: run the billing service with settings from BILLING_* variables."""

from billing.main import run

run()
