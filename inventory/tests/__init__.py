"""Inventory tests: unit tests on fakes and integration tests on SQLite, PostgreSQL, NATS and gRPC."""
