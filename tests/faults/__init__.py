"""Fault-injection tests: crashes, a broker restart, duplicate delivery and an outage, nothing lost."""
