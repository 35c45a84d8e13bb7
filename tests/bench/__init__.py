"""Tests of the benchmark scripts' own parts."""
