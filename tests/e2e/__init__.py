"""End-to-end tests: the stack started as `make run` starts it, driven through REST and the grpcurl binary."""
