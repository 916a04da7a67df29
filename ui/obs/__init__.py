"""OBS panel: scenes, stream/record with live health, set-up, connection settings."""
