"""Mercado's public REST edge: authenticates callers and translates REST to the services' gRPC APIs."""
