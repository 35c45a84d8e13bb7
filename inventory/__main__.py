"""`python -m inventory`: run the inventory service with settings from INVENTORY_* variables."""

from inventory.main import run

run()
