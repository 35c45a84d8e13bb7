"""Developer tooling run as `python -m scripts.<tool>`: local stack, demo data, benchmarks, codegen."""
