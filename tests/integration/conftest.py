"""The ``sandbox_server`` fixture now lives in tests/support/sandbox_server.py (registered by
tests/conftest.py) so that ui/ and integration/ tests share it. Add integration-only fixtures here."""
