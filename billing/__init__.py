"""Billing service: prepaid accounts, invoices and payments for Mercado's order saga (one deployable)."""
