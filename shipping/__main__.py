"""`python -m shipping`: run the shipping service with settings from SHIPPING_* variables."""

from shipping.main import run

run()
