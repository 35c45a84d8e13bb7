"""Inventory service: stock keeping and reservations for Mercado's order saga (one deployable)."""
