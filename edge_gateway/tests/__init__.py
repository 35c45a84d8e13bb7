"""Tests of the edge against an in-process fake of the inventory gRPC service."""
