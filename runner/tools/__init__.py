"""Maintenance and batch tools behind the CLI: generate, lint, accuracy, conformance, perf (grading is dlconform.grading)."""
