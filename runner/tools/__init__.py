"""Maintenance and batch tools behind the CLI: generate, lint, accuracy, conformance, grade, perf."""
