"""Helpers shared by every test directory, the benches and tools/ (import as ``tests.support.X``)."""
