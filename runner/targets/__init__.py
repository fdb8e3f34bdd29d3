"""Implementations to check: files, notebooks, modules, library profiles, and confined workers for untrusted code."""
