"""Benchmarks: figures printed, targets checked by the benchmark itself (never by timed tests)."""
