"""One REST router per resource: items, orders, accounts, invoices, shipments and health."""
