"""Billing's tests: unit tests with fakes, integration tests with SQLite, NATS and gRPC servers."""
