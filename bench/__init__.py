"""Benchmarks of ConductEval, each against its baseline in the same run (ratios, not absolute times)."""
