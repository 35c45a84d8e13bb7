"""Shipping service: quotes, shipments and the arbitration of cancellation in Mercado's order saga."""
