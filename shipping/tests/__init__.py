"""Tests of the shipping service: unit tests with fakes, integration tests with SQLite, PostgreSQL, NATS."""
