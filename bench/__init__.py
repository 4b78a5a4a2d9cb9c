"""Benchmarks that print tables; none of them asserts on timings."""
