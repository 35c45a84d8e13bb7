"""`python -m shipping.migrations`: upgrade shipping's database to the newest schema once, then exit.

The one-shot a deployment runs before it starts the service with SHIPPING_MIGRATE=false; it reads the same
SHIPPING_* settings as the service (chassis.migrations.migrate_once says how it exits).
"""

import sys

from chassis.migrations import migrate_once
from shipping.migrations import SCRIPTS
from shipping.settings import ShippingSettings

sys.exit(migrate_once("shipping", ShippingSettings, SCRIPTS))
