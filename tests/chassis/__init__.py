"""Tests of the service chassis against real SQLite, PostgreSQL, nats-server and grpc.aio."""
