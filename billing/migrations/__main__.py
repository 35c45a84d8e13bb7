"""`python -m billing.migrations`: upgrade billing's database to the newest schema once, then exit.

The one-shot a deployment runs before it starts the service with BILLING_MIGRATE=false; it reads the same
BILLING_* settings as the service (chassis.migrations.migrate_once says how it exits).
"""

import sys

from billing.migrations import SCRIPTS
from billing.settings import BillingSettings
from chassis.migrations import migrate_once

sys.exit(migrate_once("billing", BillingSettings, SCRIPTS))
