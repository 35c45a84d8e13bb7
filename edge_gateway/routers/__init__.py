"""One REST router per resource: items, orders and health."""
