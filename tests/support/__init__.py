"""Helpers for the test suite and the benchmarks: servers on loopback, test pages, synthetic articles."""
