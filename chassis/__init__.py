"""Mercado's service chassis: shared mechanisms (config, logs, gRPC, DB, outbox, inbox, NATS), no business."""
