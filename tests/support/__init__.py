"""Helpers the tests share (tests/ is on sys.path: ``from support.console import Console``)."""
