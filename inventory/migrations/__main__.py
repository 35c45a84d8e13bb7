"""`python -m inventory.migrations`: upgrade the inventory's database to the newest schema once, then exit.

The one-shot a deployment runs before it starts the service with INVENTORY_MIGRATE=false; it reads the same
INVENTORY_* settings as the service (chassis.migrations.migrate_once says how it exits).
"""

import sys

from chassis.migrations import migrate_once
from inventory.migrations import SCRIPTS
from inventory.settings import InventorySettings

sys.exit(migrate_once("inventory", InventorySettings, SCRIPTS))
