"""Benchmark scripts; run each as a module from the project root: ``python -m benchmarks.X``.

A package (rather than loose scripts) so that benchmarks share code (``benchmarks.harness``)
and a combined runner can import them, and so mypy sees every file under one module name.
"""
